//! Which of the source's audio and subtitle tracks a preset's renditions
//! carry, and how their sound is shaped: the preset's track rules. Pure
//! data, kept apart from the rendition model because they apply to every
//! rendition of the preset alike (one shared encode per distinct track and
//! setting serves them all).

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// Integrated loudness targets accepted (EBU R128, LUFS): what FFmpeg's
/// `loudnorm` can aim at.
pub const LOUDNESS_LUFS: RangeInclusive<f64> = -70.0..=-5.0;

/// Which audio tracks of the source the renditions carry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "super::forms::AudioTracksForm",
    into = "super::forms::AudioTracksForm"
)]
pub enum AudioTracks {
    /// The first audio track only (what one stereo player needs).
    #[default]
    First,
    /// Every audio track, in the source's order.
    All,
    /// The tracks whose language is one of these, in the source's order.
    /// A language is named as a BCP 47 tag ("en", "pt-BR") or an ISO 639-2
    /// code ("eng", "fre" or "fra"); see [`same_language`].
    Languages(Vec<String>),
}

impl AudioTracks {
    pub fn is_default(&self) -> bool {
        *self == AudioTracks::default()
    }

    /// Whether the track at `position` among the source's audio tracks,
    /// tagged `language`, is kept.
    pub fn keeps(&self, position: usize, language: Option<&str>) -> bool {
        match self {
            AudioTracks::First => position == 0,
            AudioTracks::All => true,
            AudioTracks::Languages(wanted) => {
                language.is_some_and(|l| wanted.iter().any(|w| same_language(w, l)))
            }
        }
    }
}

impl fmt::Display for AudioTracks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioTracks::First | AudioTracks::All => {
                f.write_str(super::forms::word_in(&super::forms::TRACK_WORDS, self))
            }
            AudioTracks::Languages(l) => write!(f, "{}", l.join(", ")),
        }
    }
}

/// The ISO 639-2 bibliographic codes that differ from the terminology
/// codes ISO 639-3 uses (Matroska files often carry "fre", "ger", "chi"),
/// with the terminology code each stands for. ISO 639-2 has these twenty.
const BIBLIOGRAPHIC_CODES: [(&str, &str); 20] = [
    ("alb", "sqi"),
    ("arm", "hye"),
    ("baq", "eus"),
    ("bur", "mya"),
    ("chi", "zho"),
    ("cze", "ces"),
    ("dut", "nld"),
    ("fre", "fra"),
    ("geo", "kat"),
    ("ger", "deu"),
    ("gre", "ell"),
    ("ice", "isl"),
    ("mac", "mkd"),
    ("mao", "mri"),
    ("may", "msa"),
    ("per", "fas"),
    ("rum", "ron"),
    ("slo", "slk"),
    ("tib", "bod"),
    ("wel", "cym"),
];

/// The language a tag's primary subtag names ("en", "eng" and "en-GB"
/// are all English), if ISO 639 knows it.
fn primary_language(tag: &str) -> Option<isolang::Language> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    let terminology = BIBLIOGRAPHIC_CODES
        .iter()
        .find(|(b, _)| *b == primary)
        .map_or(primary.as_str(), |(_, t)| t);
    match terminology.len() {
        2 => isolang::Language::from_639_1(terminology),
        3 => isolang::Language::from_639_3(terminology),
        _ => None,
    }
}

/// Whether a preset's `wanted` language takes a source track tagged
/// `source`: the same ISO 639 language however each is spelled ("en",
/// "eng", "fre" and "fra" alike), and, when both name a region or script
/// ("pt-BR", "pt-PT"), the same one. Tags ISO 639 does not know match only
/// themselves (ignoring case).
pub fn same_language(wanted: &str, source: &str) -> bool {
    if wanted.eq_ignore_ascii_case(source) {
        return true;
    }
    let (Some(a), Some(b)) = (primary_language(wanted), primary_language(source)) else {
        return false;
    };
    let rest = |tag: &str| {
        tag.split_once(['-', '_'])
            .map(|(_, r)| r.to_ascii_lowercase())
    };
    a == b
        && match (rest(wanted), rest(source)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// Why `code` cannot name a language in a preset: it must have BCP 47's
/// shape and a primary language ISO 639 knows.
pub fn language_problem(code: &str) -> Option<String> {
    if let Some(why) = crate::names::language_tag_problem(code) {
        return Some(why);
    }
    primary_language(code).is_none().then(|| {
        format!(
            "{:?} names no ISO 639 language (use a code like \"en\", \"eng\" or \"pt-BR\")",
            crate::names::printable(code)
        )
    })
}

/// How many channels encoded audio keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channels {
    /// Stereo (mono stays mono); more channels are downmixed with the
    /// standard matrix, centre and surrounds included.
    #[default]
    Stereo,
    /// The source's layout (5.1 stays 5.1) where codec and container allow.
    Source,
}

impl Channels {
    pub const ALL: [Channels; 2] = [Channels::Stereo, Channels::Source];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<Channels> {
        Channels::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == Channels::default()
    }

    /// The rule, for people.
    pub fn label(self) -> &'static str {
        match self {
            Channels::Stereo => "stereo (downmixed)",
            Channels::Source => "as the source (5.1 kept)",
        }
    }
}

/// What becomes of the source's subtitle tracks. Text tracks (SubRip,
/// ASS, mov_text, WebVTT) are converted to what the container holds
/// (mov_text in MP4, WebVTT in WebM); picture tracks (PGS, DVB, VobSub)
/// cannot be, and are reported as skipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleRule {
    /// No subtitle track.
    None,
    /// Every text track, inside each rendition.
    #[default]
    Keep,
    /// Inside each rendition, and as `<rendition>.<language>.vtt` beside it.
    KeepAndSidecar,
}

impl SubtitleRule {
    pub const ALL: [SubtitleRule; 3] = [
        SubtitleRule::None,
        SubtitleRule::Keep,
        SubtitleRule::KeepAndSidecar,
    ];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<SubtitleRule> {
        SubtitleRule::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == SubtitleRule::default()
    }

    /// The rule, for people.
    pub fn label(self) -> &'static str {
        match self {
            SubtitleRule::None => "none",
            SubtitleRule::Keep => "keep text subtitles",
            SubtitleRule::KeepAndSidecar => "keep, and .vtt files beside",
        }
    }
}

/// A preset's track rules. Each field's default is left out of the JSON,
/// so presets stored before the rules existed (job requests, the farm
/// wire) read and write as they did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackRules {
    #[serde(default)]
    pub audio_tracks: AudioTracks,
    #[serde(default)]
    pub channels: Channels,
    /// Integrated loudness each encoded track is normalised to (EBU R128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loudness_lufs: Option<f64>,
    #[serde(default)]
    pub subtitles: SubtitleRule,
}

impl TrackRules {
    /// The rules in a few words: "audio: all, source channels, -16 LUFS;
    /// subtitles: keep".
    pub fn summary(&self) -> String {
        let channels = match self.channels {
            Channels::Stereo => "stereo",
            Channels::Source => "source channels",
        };
        let loudness = self
            .loudness_lufs
            .map(|l| format!(", {l} LUFS"))
            .unwrap_or_default();
        format!(
            "audio: {}, {channels}{loudness}; subtitles: {}",
            self.audio_tracks,
            self.subtitles.key()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_are_picked_by_position_or_language() {
        assert!(AudioTracks::First.keeps(0, Some("fra")));
        assert!(!AudioTracks::First.keeps(1, Some("eng")));
        assert!(AudioTracks::All.keeps(3, None));
        let fra = AudioTracks::Languages(vec!["fra".into()]);
        assert!(fra.keeps(1, Some("fra")));
        assert!(!fra.keeps(0, Some("eng")));
        assert!(!fra.keeps(0, None));
    }

    #[test]
    fn languages_are_iso_639_codes_or_bcp_47_tags() {
        for good in [
            "eng",
            "en",
            "EN",
            "fre",
            "fra",
            "pt-BR",
            "zh-Hant-TW",
            "ger",
        ] {
            assert_eq!(language_problem(good), None, "{good}");
        }
        for bad in ["English", "e1g", "", "xx", "qqq-", "a/b", "en--GB"] {
            assert!(language_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_language_is_matched_however_it_is_spelled() {
        for (wanted, source) in [
            ("en", "eng"),
            ("eng", "en"),
            ("fra", "fre"),
            ("fr", "fre"),
            ("de", "ger"),
            ("pt-BR", "por"),
            ("pt", "pt-BR"),
            ("ZH", "chi"),
        ] {
            assert!(same_language(wanted, source), "{wanted} takes {source}");
        }
        for (wanted, source) in [
            ("en", "fre"),
            ("pt-BR", "pt-PT"),
            ("fra", "und"),
            ("xx", "xy"),
        ] {
            assert!(!same_language(wanted, source), "{wanted} leaves {source}");
        }
        let english = AudioTracks::Languages(vec!["en".into()]);
        assert!(english.keeps(2, Some("eng")) && !english.keeps(0, Some("ger")));
    }

    #[test]
    fn keys_round_trip() {
        for c in Channels::ALL {
            assert_eq!(Channels::from_key(c.key()), Some(c));
        }
        for r in SubtitleRule::ALL {
            assert_eq!(SubtitleRule::from_key(r.key()), Some(r));
        }
        assert_eq!(SubtitleRule::from_key("burn"), None);
    }

    #[test]
    fn summary_names_every_rule() {
        assert_eq!(
            TrackRules::default().summary(),
            "audio: first, stereo; subtitles: keep"
        );
        let rules = TrackRules {
            audio_tracks: AudioTracks::Languages(vec!["eng".into(), "fra".into()]),
            channels: Channels::Source,
            loudness_lufs: Some(-16.0),
            subtitles: SubtitleRule::KeepAndSidecar,
        };
        assert_eq!(
            rules.summary(),
            "audio: eng, fra, source channels, -16 LUFS; subtitles: keep_and_sidecar"
        );
    }

    #[test]
    fn rules_are_written_as_files_have_them() {
        let text = serde_json::to_string(&TrackRules::default()).expect("serializes");
        assert_eq!(
            text,
            r#"{"audio_tracks":"first","channels":"stereo","subtitles":"keep"}"#
        );
        assert_eq!(serde_json::from_str("{}").ok(), Some(TrackRules::default()));
        let rules = TrackRules {
            audio_tracks: AudioTracks::Languages(vec!["fra".into()]),
            channels: Channels::Source,
            loudness_lufs: Some(-16.0),
            subtitles: SubtitleRule::None,
        };
        let text = serde_json::to_string(&rules).expect("serializes");
        assert!(text.starts_with(r#"{"audio_tracks":["fra"],"#), "{text}");
        assert_eq!(
            serde_json::from_str::<TrackRules>(&text).ok(),
            Some(rules.clone())
        );
        // Store format 3 wrote the languages inside "languages".
        let format_3 = r#"{"audio_tracks":{"languages":["fra"]},"channels":"source","loudness_lufs":-16.0,"subtitles":"none"}"#;
        assert_eq!(
            serde_json::from_str::<TrackRules>(format_3).ok(),
            Some(rules)
        );
    }
}
