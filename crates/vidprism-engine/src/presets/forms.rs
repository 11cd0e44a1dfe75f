//! Where a preset file (and so the JSON of job requests, store format 4
//! on) writes a model type in another shape than the type itself: each
//! such type's serde goes through the small form here (`#[serde(try_from,
//! into)]`), which also reads the shape the JSON had in store format 3 and
//! on the farm's wire before (marked "format 3").
//!
//! The differences from the model's own layout, each resolved here or by
//! an attribute on the model:
//! - a size is `720` or `"source"` ([`SizeForm`]);
//! - a rendition's quality is the flat `crf`, `bitrate_kbps`,
//!   `maxrate_kbps` (with `bufsize_kbps`, twice it when left out), the CRF
//!   left out beside a `target_ssim` and when the codec's default;
//!   its audio is `audio_codec` ("none", "copy" or a codec) with
//!   `audio_bitrate_kbps` (128 when left out); `speed` may be left out (the
//!   codec's default) ([`RenditionForm`]);
//! - a storyboard gives `interval_seconds` or `count` beside its sizes,
//!   each left out taking the default ([`StoryboardForm`]);
//! - `crop` is "none", "auto" or the sides ([`CropForm`]); `audio_tracks`
//!   is "first", "all" or the languages ([`AudioTracksForm`]);
//! - `video_codec`, packaging's fields at the top level, defaults for the
//!   thumbnail and description, and every preset-wide rule written even
//!   when it is the default: attributes on the model (`model.rs`).
//!
//! A form's error names its field ([`FormError`]), which `toml_file`
//! turns into a [`Problem`](super::Problem) on that field's line.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::codecs::Container;
use super::codecs::{AudioCodec, VideoCodec};
use super::model::{AudioSpec, Quality, RenditionSpec, SizeSpec};
use super::picture::{Crop, CropRule};
use super::quality::{LowQuality, QualityGoal};
use super::storyboard::{StoryboardSpec, TileSpacing};
use super::tracks::AudioTracks;
use super::words::word_of;

/// Audio bitrate when a file names a codec but no bitrate.
pub const DEFAULT_AUDIO_KBPS: u32 = 128;

/// The words of the model's values that are written through a form.
pub const SOURCE_SIZE: &str = "source";
pub const CROP_WORDS: [(CropRule, &str); 2] = [(CropRule::None, "none"), (CropRule::Auto, "auto")];
pub const TRACK_WORDS: [(AudioTracks, &str); 2] =
    [(AudioTracks::First, "first"), (AudioTracks::All, "all")];

/// The value `word` names among `words`.
fn named<T: Clone>(words: &[(T, &str)], word: &str) -> Option<T> {
    words
        .iter()
        .find(|(_, w)| *w == word)
        .map(|(v, _)| v.clone())
}

/// The word of `value` among `words` ("?" if it has none: a bug).
pub fn word_in<T: PartialEq>(words: &'static [(T, &'static str)], value: &T) -> &'static str {
    words
        .iter()
        .find(|(v, _)| v == value)
        .map_or("?", |(_, w)| w)
}

/// What is wrong with a field's value: `"{field}: {message}"` when said
/// whole (serde keeps only the text; [`FormError::split`] reads it back).
#[derive(Debug, PartialEq, Eq)]
pub struct FormError {
    pub field: &'static str,
    pub message: String,
}

impl FormError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FormError {
        FormError {
            field,
            message: message.into(),
        }
    }

    /// The field and the message of an error's text, when it is a form's.
    pub fn split(text: &str) -> Option<(&str, &str)> {
        let (field, message) = text.split_once(": ")?;
        let is_field = !field.is_empty()
            && field
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
        is_field.then_some((field, message))
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A size as written: pixels of the short side, or "source".
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SizeForm {
    Pixels(i64),
    Word(String),
    /// Format 3: `{"short_side": 720}`.
    ShortSide {
        short_side: u32,
    },
}

impl From<SizeSpec> for SizeForm {
    fn from(size: SizeSpec) -> SizeForm {
        match size {
            SizeSpec::ShortSide(n) => SizeForm::Pixels(i64::from(n)),
            SizeSpec::Source => SizeForm::Word(SOURCE_SIZE.to_owned()),
        }
    }
}

impl TryFrom<SizeForm> for SizeSpec {
    type Error = FormError;

    fn try_from(form: SizeForm) -> Result<SizeSpec, FormError> {
        let problem = |message| FormError::new("size", message);
        match form {
            SizeForm::Word(w) if w == SOURCE_SIZE => Ok(SizeSpec::Source),
            SizeForm::Pixels(n) => u32::try_from(n)
                .map(SizeSpec::ShortSide)
                .map_err(|_| problem(format!("is {n}; it must be a positive number of pixels"))),
            SizeForm::ShortSide { short_side } => Ok(SizeSpec::ShortSide(short_side)),
            SizeForm::Word(w) => Err(problem(format!(
                "{w:?} is not a size; give the short side in pixels, or \"source\""
            ))),
        }
    }
}

/// `crop`: a word, or pixels per side.
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CropForm {
    Word(String),
    Sides(Crop),
    /// Format 3: `{"fixed": {...}}`.
    Fixed {
        fixed: Crop,
    },
}

impl From<CropRule> for CropForm {
    fn from(rule: CropRule) -> CropForm {
        match rule {
            CropRule::Fixed(crop) => CropForm::Sides(crop),
            word => CropForm::Word(word_in(&CROP_WORDS, &word).to_owned()),
        }
    }
}

impl TryFrom<CropForm> for CropRule {
    type Error = FormError;

    fn try_from(form: CropForm) -> Result<CropRule, FormError> {
        match form {
            CropForm::Sides(crop) | CropForm::Fixed { fixed: crop } => Ok(CropRule::Fixed(crop)),
            CropForm::Word(w) => named(&CROP_WORDS, &w).ok_or_else(|| {
                    FormError::new(
                        "crop",
                        format!("unknown crop {w:?}; use \"none\", \"auto\" or {{ top = 8, bottom = 8, left = 0, right = 0 }}"),
                    )
                }),
        }
    }
}

/// `audio_tracks`: a word, or a list of languages.
#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AudioTracksForm {
    Word(String),
    Languages(Vec<String>),
    /// Format 3: `{"languages": [...]}`.
    Tagged {
        languages: Vec<String>,
    },
}

impl From<AudioTracks> for AudioTracksForm {
    fn from(tracks: AudioTracks) -> AudioTracksForm {
        match tracks {
            AudioTracks::Languages(l) => AudioTracksForm::Languages(l),
            word => AudioTracksForm::Word(word_in(&TRACK_WORDS, &word).to_owned()),
        }
    }
}

impl TryFrom<AudioTracksForm> for AudioTracks {
    type Error = FormError;

    fn try_from(form: AudioTracksForm) -> Result<AudioTracks, FormError> {
        match form {
            AudioTracksForm::Languages(l) | AudioTracksForm::Tagged { languages: l } => {
                Ok(AudioTracks::Languages(l))
            }
            AudioTracksForm::Word(w) => named(&TRACK_WORDS, &w).ok_or_else(|| {
                    FormError::new(
                        "audio_tracks",
                        format!("{w:?} is not a track rule; use \"first\", \"all\" or a list of languages like [\"eng\", \"fra\"]"),
                    )
                }),
        }
    }
}

/// A storyboard as written: its spacing by its own name, each size that is
/// left out the default's.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryboardForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interval_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    /// Format 3: `{"spacing": {"count": 100}}`.
    #[serde(default, skip_serializing)]
    spacing: Option<TileSpacing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tile_width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    columns: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rows: Option<u32>,
}

impl From<StoryboardSpec> for StoryboardForm {
    fn from(spec: StoryboardSpec) -> StoryboardForm {
        let (interval_seconds, count) = match spec.spacing {
            TileSpacing::IntervalSeconds(n) => (Some(n), None),
            TileSpacing::Count(n) => (None, Some(n)),
        };
        StoryboardForm {
            interval_seconds,
            count,
            spacing: None,
            tile_width: Some(spec.tile_width),
            columns: Some(spec.columns),
            rows: Some(spec.rows),
        }
    }
}

impl TryFrom<StoryboardForm> for StoryboardSpec {
    type Error = FormError;

    fn try_from(form: StoryboardForm) -> Result<StoryboardSpec, FormError> {
        let default = StoryboardSpec::default();
        let spacing = match (form.interval_seconds, form.count, form.spacing) {
            (Some(n), None, None) => TileSpacing::IntervalSeconds(n),
            (None, Some(n), None) => TileSpacing::Count(n),
            (None, None, spacing) => spacing.unwrap_or(default.spacing),
            _ => {
                return Err(FormError::new(
                    "thumbnail.storyboard",
                    "give interval_seconds or count, not both",
                ))
            }
        };
        Ok(StoryboardSpec {
            spacing,
            tile_width: form.tile_width.unwrap_or(default.tile_width),
            columns: form.columns.unwrap_or(default.columns),
            rows: form.rows.unwrap_or(default.rows),
        })
    }
}

/// A rendition as written: quality and audio in flat fields, the speed
/// and the CRF the codec's own when left out.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenditionForm {
    name: String,
    container: Container,
    /// Format 3 called it `video`.
    #[serde(alias = "video")]
    video_codec: VideoCodec,
    size: SizeSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crf: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bitrate_kbps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_ssim: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    maxrate_kbps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bufsize_kbps: Option<u32>,
    /// Format 3: `{"crf": 23}`, `{"capped_crf": {...}}`...
    #[serde(default, skip_serializing)]
    quality: Option<Quality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_fps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_ssim: Option<f64>,
    #[serde(default, skip_serializing_if = "LowQuality::is_default")]
    on_low_quality: LowQuality,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audio_codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audio_bitrate_kbps: Option<u32>,
    /// Format 3: `"none"`, `"copy"` or `{"encode": {...}}`.
    #[serde(default, skip_serializing)]
    audio: Option<AudioSpec>,
}

impl From<RenditionSpec> for RenditionForm {
    fn from(r: RenditionSpec) -> RenditionForm {
        let (crf, bitrate_kbps, maxrate_kbps, bufsize_kbps) = match r.quality {
            Quality::Crf(n) => (Some(n), None, None, None),
            Quality::BitrateKbps(n) => (None, Some(n), None, None),
            Quality::CappedCrf {
                crf,
                maxrate_kbps,
                bufsize_kbps,
            } => (Some(crf), None, Some(maxrate_kbps), Some(bufsize_kbps)),
        };
        // A target takes the CRF's place (the CRF is only where its search starts).
        let crf = crf.filter(|_| r.goal.target_ssim.is_none());
        let (audio_codec, audio_bitrate_kbps) = match r.audio {
            AudioSpec::Encode {
                codec,
                bitrate_kbps,
            } => (codec.key(), Some(bitrate_kbps)),
            word => (word_of(&word), None),
        };
        RenditionForm {
            name: r.name,
            container: r.container,
            video_codec: r.video,
            size: r.size,
            crf,
            bitrate_kbps,
            target_ssim: r.goal.target_ssim,
            maxrate_kbps,
            bufsize_kbps,
            quality: None,
            speed: Some(r.speed),
            max_fps: r.max_fps,
            min_ssim: r.goal.min_ssim,
            on_low_quality: r.goal.on_low_quality,
            audio_codec: Some(audio_codec.to_owned()),
            audio_bitrate_kbps,
            audio: None,
        }
    }
}

impl TryFrom<RenditionForm> for RenditionSpec {
    type Error = FormError;

    fn try_from(form: RenditionForm) -> Result<RenditionSpec, FormError> {
        let video = form.video_codec;
        let quality = match form.quality {
            Some(quality) => quality,
            None => form.quality()?,
        };
        let audio = match form.audio {
            Some(audio) => audio,
            None => form.audio()?,
        };
        Ok(RenditionSpec {
            name: form.name,
            container: form.container,
            video,
            size: form.size,
            quality,
            speed: form
                .speed
                .unwrap_or_else(|| video.default_speed().to_owned()),
            max_fps: form.max_fps,
            audio,
            goal: QualityGoal {
                target_ssim: form.target_ssim,
                min_ssim: form.min_ssim,
                on_low_quality: form.on_low_quality,
            },
        })
    }
}

impl RenditionForm {
    /// The quality from `crf`, `bitrate_kbps`, `target_ssim`,
    /// `maxrate_kbps` and `bufsize_kbps`.
    fn quality(&self) -> Result<Quality, FormError> {
        if self.target_ssim.is_some() && (self.crf.is_some() || self.bitrate_kbps.is_some()) {
            return Err(FormError::new(
                "target_ssim",
                "takes the place of crf or bitrate_kbps; give one of them, not both",
            ));
        }
        let quality = match (self.crf, self.bitrate_kbps) {
            (Some(_), Some(_)) => {
                return Err(FormError::new(
                    "bitrate_kbps",
                    "give either crf or bitrate_kbps, not both",
                ));
            }
            (Some(crf), None) => Quality::Crf(crf),
            (None, Some(kbps)) => Quality::BitrateKbps(kbps),
            (None, None) => Quality::Crf(self.video_codec.default_crf()),
        };
        match (quality, self.maxrate_kbps, self.bufsize_kbps) {
            (Quality::Crf(crf), Some(maxrate_kbps), bufsize) => Ok(Quality::CappedCrf {
                crf,
                maxrate_kbps,
                bufsize_kbps: bufsize.unwrap_or(maxrate_kbps.saturating_mul(2)),
            }),
            (quality, None, None) => Ok(quality),
            (_, None, Some(_)) => Err(FormError::new(
                "bufsize_kbps",
                "bufsize_kbps needs maxrate_kbps",
            )),
            (_, Some(_), _) => Err(FormError::new(
                "maxrate_kbps",
                "maxrate_kbps caps a crf; with bitrate_kbps leave it out",
            )),
        }
    }

    /// The audio from `audio_codec` ("none", "copy" or a codec) and
    /// `audio_bitrate_kbps`.
    fn audio(&self) -> Result<AudioSpec, FormError> {
        let Some(key) = self.audio_codec.as_deref() else {
            return Err(FormError::new("audio_codec", "missing field `audio_codec`"));
        };
        if let Some(word) = [AudioSpec::None, AudioSpec::Copy]
            .into_iter()
            .find(|a| word_of(a) == key)
        {
            return Ok(word);
        }
        match AudioCodec::from_key(key) {
            Some(codec) => Ok(AudioSpec::Encode {
                codec,
                bitrate_kbps: self.audio_bitrate_kbps.unwrap_or(DEFAULT_AUDIO_KBPS),
            }),
            None => Err(FormError::new(
                "audio_codec",
                format!(
                    "unknown audio codec {key:?}; use {}, none or copy",
                    AudioCodec::ALL.map(AudioCodec::key).join(", ")
                ),
            )),
        }
    }
}
