//! How a preset's renditions are scored (issue 24): the `score` key of a
//! preset file. Pure data; the measuring is `media::quality`.

use serde::{Deserialize, Serialize};

use super::model::Quality;
use super::validate::Problem;

/// Which of a rendition's pictures are compared with what its encoder was
/// given, once decoded back: none, a spread subset, or all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
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

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
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

/// What a rendition's measured quality must be: the `target_ssim`,
/// `min_ssim` and `on_low_quality` keys of a rendition. None is written
/// when unset, so the JSON of renditions without them stays as it was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityGoal {
    /// The SSIM (all planes) to aim at in place of a CRF: the CRF is found
    /// by sample encodes before the rendition is made
    /// (`media::quality::target`); the rendition's `quality` then holds
    /// only where the search starts (and a cap, when it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ssim: Option<f64>,
    /// The lowest SSIM (all planes) the rendition may score: below it, it
    /// fails (its file is removed) or is made again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ssim: Option<f64>,
    #[serde(default, skip_serializing_if = "LowQuality::is_default")]
    pub on_low_quality: LowQuality,
}

/// What a rendition that scores below its `min_ssim` does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LowQuality {
    /// Fails with the reason ("scored 0.951 < 0.97").
    #[default]
    Fail,
    /// Is made once more at a lower CRF (a higher bitrate), and fails only
    /// if that scores below too.
    Retry,
}

impl LowQuality {
    pub const ALL: [LowQuality; 2] = [LowQuality::Fail, LowQuality::Retry];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<LowQuality> {
        LowQuality::ALL.into_iter().find(|l| l.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == LowQuality::default()
    }
}

/// The problems of rendition `index`'s goal under the preset's `score`.
pub fn goal_problems(
    index: usize,
    goal: &QualityGoal,
    quality: Quality,
    score: ScoreMode,
    out: &mut Vec<Problem>,
) {
    let rendition = Some(index);
    if let Some(target) = goal.target_ssim {
        if !(target > 0.0 && target < 1.0) {
            out.push(Problem::new(
                rendition,
                "target_ssim",
                format!("is {target}; it must be above 0 and below 1 (0.985 is a good target)"),
            ));
        }
        if let Quality::BitrateKbps(_) = quality {
            out.push(Problem::new(
                rendition,
                "target_ssim",
                "takes the place of crf or bitrate_kbps; give one of them, not both",
            ));
        }
    }
    if let Some(floor) = goal.min_ssim {
        if !(floor > 0.0 && floor < 1.0) {
            out.push(Problem::new(
                rendition,
                "min_ssim",
                format!("is {floor}; it must be above 0 and below 1 (0.97 is a good floor)"),
            ));
        }
        if score == ScoreMode::Off {
            out.push(Problem::new(
                rendition,
                "min_ssim",
                "needs a score to check, but the preset's score is \"off\"; \
                 use score = \"sampled\" or \"full\"",
            ));
        }
    } else if goal.on_low_quality != LowQuality::Fail {
        out.push(Problem::new(
            rendition,
            "on_low_quality",
            "says what happens below min_ssim, which this rendition does not set",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_are_checked_naming_the_field() {
        let check = |min_ssim, on_low_quality, score| {
            let mut problems = Vec::new();
            let goal = QualityGoal {
                min_ssim,
                on_low_quality,
                ..QualityGoal::default()
            };
            goal_problems(2, &goal, Quality::Crf(23), score, &mut problems);
            problems
                .iter()
                .map(|p| (p.rendition, p.field.clone()))
                .collect::<Vec<_>>()
        };
        assert!(check(Some(0.97), LowQuality::Retry, ScoreMode::Sampled).is_empty());
        assert!(check(None, LowQuality::Fail, ScoreMode::Off).is_empty());
        for bad in [0.0, 1.0, 1.5, -0.2, f64::NAN] {
            let problems = check(Some(bad), LowQuality::Fail, ScoreMode::Full);
            assert_eq!(problems, [(Some(2), "min_ssim".to_owned())], "{bad}");
        }
        assert_eq!(
            check(Some(0.97), LowQuality::Fail, ScoreMode::Off),
            [(Some(2), "min_ssim".to_owned())]
        );
        assert_eq!(
            check(None, LowQuality::Retry, ScoreMode::Full),
            [(Some(2), "on_low_quality".to_owned())]
        );
        for l in LowQuality::ALL {
            assert_eq!(LowQuality::from_key(l.key()), Some(l));
        }
    }

    #[test]
    fn targets_are_checked_naming_the_field() {
        let check = |target_ssim, quality| {
            let mut problems = Vec::new();
            let goal = QualityGoal {
                target_ssim: Some(target_ssim),
                ..QualityGoal::default()
            };
            goal_problems(1, &goal, quality, ScoreMode::Off, &mut problems);
            problems
                .iter()
                .map(|p| (p.rendition, p.field.clone()))
                .collect::<Vec<_>>()
        };
        assert!(check(0.985, Quality::Crf(23)).is_empty());
        let capped = Quality::CappedCrf {
            crf: 23,
            maxrate_kbps: 3000,
            bufsize_kbps: 6000,
        };
        assert!(check(0.985, capped).is_empty());
        for bad in [0.0, 1.0, 98.5, -0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(
                check(bad, Quality::Crf(23)),
                [(Some(1), "target_ssim".to_owned())],
                "{bad}"
            );
        }
        assert_eq!(
            check(0.985, Quality::BitrateKbps(900)),
            [(Some(1), "target_ssim".to_owned())]
        );
    }

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
