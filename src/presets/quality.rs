//! How a preset's renditions are scored (issue 24): the `score` key of a
//! preset file. Pure data; the measuring is `media::quality`.

use serde::{Deserialize, Serialize};

/// Which of a rendition's pictures are compared with what its encoder was
/// given, once decoded back: none, a spread subset, or all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreMode {
    /// No score: `rendition_done` carries no `quality`.
    Off,
    /// One picture in [`SAMPLE_EVERY`] (the rest of the stream is decoded
    /// only as far as the sampled pictures need).
    #[default]
    Sampled,
    /// Every picture.
    Full,
}

/// A sampled score compares one picture in this many. Odd, so the pictures
/// chosen are not all of one kind when the encoder alternates P and B
/// pictures (one in 4 was 0.006 below the whole file's SSIM on the bench
/// clip, every one of them a B picture).
pub const SAMPLE_EVERY: u64 = 5;

impl ScoreMode {
    pub const ALL: [ScoreMode; 3] = [ScoreMode::Off, ScoreMode::Sampled, ScoreMode::Full];

    /// The word preset files use.
    pub fn key(self) -> &'static str {
        match self {
            ScoreMode::Off => "off",
            ScoreMode::Sampled => "sampled",
            ScoreMode::Full => "full",
        }
    }

    /// The mode named by a preset file's word.
    pub fn from_key(key: &str) -> Option<ScoreMode> {
        ScoreMode::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == ScoreMode::default()
    }

    /// The mode, for people.
    pub fn label(self) -> &'static str {
        match self {
            ScoreMode::Off => "no score",
            ScoreMode::Sampled => "score a sample of the pictures",
            ScoreMode::Full => "score every picture",
        }
    }

    /// Whether the picture numbered `index` (from 0, in the order the
    /// encoder is given them) is compared.
    pub fn samples(self, index: u64) -> bool {
        match self {
            ScoreMode::Off => false,
            ScoreMode::Sampled => index.is_multiple_of(SAMPLE_EVERY),
            ScoreMode::Full => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_sampling_spreads() {
        for mode in ScoreMode::ALL {
            assert_eq!(ScoreMode::from_key(mode.key()), Some(mode));
        }
        assert_eq!(ScoreMode::from_key("vmaf"), None);
        assert_eq!(ScoreMode::default(), ScoreMode::Sampled);
        let picked: Vec<u64> = (0..12).filter(|&i| ScoreMode::Sampled.samples(i)).collect();
        assert_eq!(picked, [0, 5, 10]);
        // Both parities: an encoder's alternating picture types are sampled alike.
        assert!(picked.iter().any(|i| i % 2 == 1));
        assert!((0..12).all(|i| ScoreMode::Full.samples(i) && !ScoreMode::Off.samples(i)));
    }
}
