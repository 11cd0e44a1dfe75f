//! The preset model shared by built-in and user presets: a preset is a name,
//! a description, a thumbnail spec and a list of renditions.

use serde::{Deserialize, Serialize};

use super::forms::{RenditionForm, SizeForm};
use super::storyboard::{PosterChoice, StoryboardSpec};

use super::codecs::{AudioCodec, Container, VideoCodec};
use super::picture::PictureRules;
use super::quality::{QualityGoal, ScoreMode};
use super::tracks::TrackRules;

/// How big a rendition is: its short side in pixels, or the source's own.
/// Written `720` or `"source"` ([`SizeForm`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SizeForm", into = "SizeForm")]
pub enum SizeSpec {
    ShortSide(u32),
    /// The source's own size (made even).
    Source,
}

impl SizeSpec {
    /// The short side this rendition asks for, given the source's.
    pub fn short_side(self, source_short: u32) -> u32 {
        match self {
            SizeSpec::ShortSide(n) => n,
            SizeSpec::Source => source_short,
        }
    }
}

/// How the video encoder spends bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Constant quality in the encoder's own scale.
    Crf(u32),
    /// Average bitrate, in kilobits per second.
    BitrateKbps(u32),
    /// Constant quality under a ceiling: the encoder's VBV holds the rate
    /// at most `maxrate_kbps` over any `bufsize_kbps` window, so a stream
    /// rung never outgrows the bandwidth its manifest announces.
    CappedCrf {
        crf: u32,
        maxrate_kbps: u32,
        bufsize_kbps: u32,
    },
}

impl Quality {
    /// The constant-quality value, when the encoder is in that mode.
    pub fn crf(self) -> Option<u32> {
        match self {
            Quality::Crf(n) | Quality::CappedCrf { crf: n, .. } => Some(n),
            Quality::BitrateKbps(_) => None,
        }
    }

    /// Constant quality `crf`, under the same cap when there is one.
    pub fn with_crf(self, crf: u32) -> Quality {
        match self {
            Quality::CappedCrf {
                maxrate_kbps,
                bufsize_kbps,
                ..
            } => Quality::CappedCrf {
                crf,
                maxrate_kbps,
                bufsize_kbps,
            },
            Quality::Crf(_) | Quality::BitrateKbps(_) => Quality::Crf(crf),
        }
    }
}

/// The audio of a rendition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioSpec {
    /// No audio stream at all.
    None,
    /// The source's audio tracks the preset's `audio_tracks` picks, as
    /// they are, when the container can hold their codec (checked when the
    /// file is written).
    Copy,
    /// Re-encoded at this bitrate, with the channels and loudness of the
    /// preset's track rules.
    Encode {
        codec: AudioCodec,
        bitrate_kbps: u32,
    },
}

/// Image format of the first-frame thumbnail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ThumbnailFormat {
    #[default]
    Jpeg,
    Png,
    /// Lossless WebP: what the pure-Rust encoder writes; smaller than PNG.
    Webp,
}

impl ThumbnailFormat {
    pub const ALL: [ThumbnailFormat; 3] = [
        ThumbnailFormat::Jpeg,
        ThumbnailFormat::Png,
        ThumbnailFormat::Webp,
    ];

    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ThumbnailFormat::Jpeg => "jpg",
            ThumbnailFormat::Png => "png",
            ThumbnailFormat::Webp => "webp",
        }
    }

    /// The format's name, for people.
    pub fn label(self) -> &'static str {
        match self {
            ThumbnailFormat::Jpeg => "JPEG",
            ThumbnailFormat::Png => "PNG",
            ThumbnailFormat::Webp => "WebP",
        }
    }

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }
}

/// Default thumbnail width, in pixels.
pub const THUMBNAIL_WIDTH: u32 = 640;

fn default_thumbnail_width() -> u32 {
    THUMBNAIL_WIDTH
}

/// The job's first-frame thumbnail; a file may leave out any of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThumbnailSpec {
    #[serde(default)]
    pub format: ThumbnailFormat,
    /// Widest the thumbnail gets (never wider than the source).
    #[serde(default = "default_thumbnail_width")]
    pub width: u32,
    /// Issue 15: scrub tiles and the poster; not written when absent, so
    /// the JSON of presets without them stays what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storyboard: Option<StoryboardSpec>,
    #[serde(default, skip_serializing_if = "PosterChoice::is_first")]
    pub poster: PosterChoice,
}

impl Default for ThumbnailSpec {
    fn default() -> ThumbnailSpec {
        ThumbnailSpec {
            format: ThumbnailFormat::Jpeg,
            width: THUMBNAIL_WIDTH,
            storyboard: None,
            poster: PosterChoice::First,
        }
    }
}

/// One output file of a preset. Written with its quality and audio in
/// flat fields ([`RenditionForm`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RenditionForm", into = "RenditionForm")]
pub struct RenditionSpec {
    /// Names the output file: `<name>.<ext>`.
    pub name: String,
    pub container: Container,
    pub video: VideoCodec,
    pub size: SizeSpec,
    pub quality: Quality,
    /// Encoder speed preset (x264/x265 preset, VP9 cpu-used, SVT-AV1 preset).
    pub speed: String,
    /// Frames per second above which frames are dropped to this rate.
    pub max_fps: Option<u32>,
    pub audio: AudioSpec,
    /// The measured quality it must reach (issue 24).
    pub goal: QualityGoal,
}

impl RenditionSpec {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.container.extension())
    }

    /// One line for lists: "720p WebM VP9 CRF 32, speed 5, Opus 128 kb/s".
    pub fn summary(&self) -> String {
        let size = match self.size {
            SizeSpec::ShortSide(n) => format!("{n}p"),
            SizeSpec::Source => "source size".to_owned(),
        };
        let quality = match (self.goal.target_ssim, self.quality) {
            (Some(target), Quality::CappedCrf { maxrate_kbps, .. }) => {
                format!("target SSIM {target} max {maxrate_kbps} kb/s")
            }
            (Some(target), _) => format!("target SSIM {target}"),
            (None, Quality::Crf(n)) => format!("CRF {n}"),
            (None, Quality::BitrateKbps(n)) => format!("{n} kb/s"),
            (
                None,
                Quality::CappedCrf {
                    crf, maxrate_kbps, ..
                },
            ) => format!("CRF {crf} max {maxrate_kbps} kb/s"),
        };
        let fps = self
            .max_fps
            .map(|f| format!(", max {f} fps"))
            .unwrap_or_default();
        let floor = self
            .goal
            .min_ssim
            .map(|s| format!(", min SSIM {s}"))
            .unwrap_or_default();
        let audio = match self.audio {
            AudioSpec::None => "no audio".to_owned(),
            AudioSpec::Copy => "audio copied".to_owned(),
            AudioSpec::Encode {
                codec,
                bitrate_kbps,
            } => format!("{} {bitrate_kbps} kb/s", codec.label()),
        };
        format!(
            "{}: {size} {} {} {quality}, speed {}{fps}{floor}, {audio}",
            self.name,
            self.container.label(),
            self.video.label(),
            self.speed
        )
    }
}

/// Which of the source's descriptive metadata (creation time, location,
/// camera make and model, title) the renditions carry. Chapters are copied
/// under every rule: they describe the video's structure, not its author.
///
/// The default is [`MetadataRule::NoLocation`]: a file made for the web
/// must not publish where it was shot, while the date and camera still
/// help whoever organises the files. Presets made to keep the source (the
/// `hevc` archive ladder) keep everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataRule {
    /// Every tag copied, location included.
    Keep,
    /// No tag copied at all.
    Strip,
    /// Every tag but the location (GPS) ones.
    #[default]
    NoLocation,
}

impl MetadataRule {
    pub const ALL: [MetadataRule; 3] = [
        MetadataRule::Keep,
        MetadataRule::NoLocation,
        MetadataRule::Strip,
    ];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    /// The rule named by a preset file's word.
    pub fn from_key(key: &str) -> Option<MetadataRule> {
        MetadataRule::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == MetadataRule::default()
    }

    /// The rule, for people.
    pub fn label(self) -> &'static str {
        match self {
            MetadataRule::Keep => "keep all (date, location, camera, title)",
            MetadataRule::Strip => "strip all",
            MetadataRule::NoLocation => "keep all but the location",
        }
    }
}

/// What renditions of an HDR source (PQ or HLG) are made as; SDR sources
/// are never touched by it.
///
/// The default, [`HdrRule::Auto`], keeps HDR where the codec can hold it
/// (H.265 Main 10, AV1 10-bit, VP9 profile 2 when the encoder has high bit
/// depth) and tone-maps the rest (H.264) to SDR BT.709; thumbnails are
/// always tone-mapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HdrRule {
    /// HDR where the codec can hold it, SDR elsewhere.
    #[default]
    Auto,
    /// HDR in every rendition; a codec that cannot hold it is refused.
    Keep,
    /// SDR BT.709 in every rendition.
    Tonemap,
}

impl HdrRule {
    pub const ALL: [HdrRule; 3] = [HdrRule::Auto, HdrRule::Keep, HdrRule::Tonemap];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    /// The rule named by a preset file's word.
    pub fn from_key(key: &str) -> Option<HdrRule> {
        HdrRule::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == HdrRule::default()
    }

    /// The rule, for people.
    pub fn label(self) -> &'static str {
        match self {
            HdrRule::Auto => "HDR where the codec can hold it, else SDR",
            HdrRule::Keep => "always keep HDR (H.265, AV1, VP9 only)",
            HdrRule::Tonemap => "always tone-map to SDR",
        }
    }
}

/// How a preset's renditions are published: as separate files, or as one
/// adaptive-streaming bundle of fragmented MP4 rungs with manifests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Package {
    /// One file per rendition, as always.
    #[default]
    Files,
    /// An HLS master playlist over the rungs.
    Hls,
    /// A DASH manifest over the rungs.
    Dash,
    /// Both manifests over the same segments.
    Cmaf,
}

impl Package {
    pub const ALL: [Package; 4] = [Package::Files, Package::Hls, Package::Dash, Package::Cmaf];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<Package> {
        Package::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The packaging, for people.
    pub fn label(self) -> &'static str {
        match self {
            Package::Files => "separate files",
            Package::Hls => "HLS",
            Package::Dash => "DASH",
            Package::Cmaf => "HLS + DASH (CMAF)",
        }
    }

    pub fn writes_hls(self) -> bool {
        matches!(self, Package::Hls | Package::Cmaf)
    }

    pub fn writes_dash(self) -> bool {
        matches!(self, Package::Dash | Package::Cmaf)
    }
}

/// Default segment length of packaged presets, in seconds.
pub const SEGMENT_SECONDS: u32 = 4;

fn default_segment_seconds() -> u32 {
    SEGMENT_SECONDS
}

/// A preset's packaging: the package and its segment length, written at
/// the preset's top level, and only when not the default. Presets without
/// it (all those written before it existed) are plain files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PackagingForm")]
pub struct Packaging {
    #[serde(default)]
    pub package: Package,
    /// Every rung gets a keyframe on the first frame at or after each
    /// multiple of this many seconds, and segments split there.
    #[serde(default = "default_segment_seconds")]
    pub segment_seconds: u32,
}

impl Default for Packaging {
    fn default() -> Packaging {
        Packaging {
            package: Package::Files,
            segment_seconds: SEGMENT_SECONDS,
        }
    }
}

/// Packaging as read: its fields, or (store format 3) a `packaging` table.
#[derive(Deserialize)]
struct PackagingForm {
    #[serde(default)]
    package: Package,
    #[serde(default = "default_segment_seconds")]
    segment_seconds: u32,
    #[serde(default)]
    packaging: Option<Packaging>,
}

impl From<PackagingForm> for Packaging {
    fn from(form: PackagingForm) -> Packaging {
        form.packaging.unwrap_or(Packaging {
            package: form.package,
            segment_seconds: form.segment_seconds,
        })
    }
}

impl Packaging {
    pub fn is_default(&self) -> bool {
        *self == Packaging::default()
    }

    /// Whether the renditions become a streaming bundle.
    pub fn is_packaged(&self) -> bool {
        self.package != Package::Files
    }
}

/// A preset; its serde form is the preset file's (`toml_file`), and the
/// JSON of job requests (store, farm wire) is the same form.
///
/// A file may leave out anything but the name. The preset-wide rules
/// (metadata, tracks, hdr, picture) are always written, so an exported
/// file shows each; packaging and score only when not the default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Which source metadata the renditions carry; presets and jobs stored
    /// before the rule existed get the privacy-minded default.
    #[serde(default)]
    pub metadata: MetadataRule,
    /// Which audio and subtitle tracks the renditions carry, and how their
    /// sound is shaped.
    #[serde(flatten)]
    pub tracks: TrackRules,
    /// What renditions of an HDR source are made as.
    #[serde(default)]
    pub hdr: HdrRule,
    /// How the source's pictures are prepared (deinterlaced, cropped).
    #[serde(flatten)]
    pub picture: PictureRules,
    /// Separate files or a streaming bundle (issue 15): `package` and
    /// `segment_seconds` at the top level.
    #[serde(flatten, skip_serializing_if = "Packaging::is_default")]
    pub packaging: Packaging,
    /// How each rendition is scored (issue 24); sampled when absent, and
    /// not written when it is.
    #[serde(default, skip_serializing_if = "ScoreMode::is_default")]
    pub score: ScoreMode,
    /// Last, as tables follow values in a file.
    #[serde(default)]
    pub thumbnail: ThumbnailSpec,
    #[serde(default)]
    pub renditions: Vec<RenditionSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rule_keys_round_trip() {
        for rule in MetadataRule::ALL {
            assert_eq!(MetadataRule::from_key(rule.key()), Some(rule));
        }
        assert_eq!(MetadataRule::from_key("gps"), None);
        assert_eq!(MetadataRule::default(), MetadataRule::NoLocation);
    }

    #[test]
    fn hdr_rule_keys_round_trip_and_the_default_is_written() {
        for rule in HdrRule::ALL {
            assert_eq!(HdrRule::from_key(rule.key()), Some(rule));
        }
        assert_eq!(HdrRule::from_key("hdr10"), None);
        let json = r#"{"name":"p","description":"","thumbnail":{"format":"jpeg","width":640},"renditions":[]}"#;
        let preset: Preset = serde_json::from_str(json).expect("old preset loads");
        assert_eq!(preset.hdr, HdrRule::Auto);
        // Store format 4 on: every preset-wide rule is written, as in files.
        let text = serde_json::to_string(&preset).expect("serializes");
        assert!(text.contains(r#""hdr":"auto""#), "{text}");
        let tonemap = Preset {
            hdr: HdrRule::Tonemap,
            ..preset
        };
        let text = serde_json::to_string(&tonemap).expect("serializes");
        assert!(text.contains(r#""hdr":"tonemap""#), "{text}");
        assert_eq!(serde_json::from_str::<Preset>(&text).ok(), Some(tonemap));
    }

    #[test]
    fn preset_stored_without_the_rule_loads_with_the_default() {
        let json = r#"{"name":"p","description":"","thumbnail":{"format":"jpeg","width":640},"renditions":[]}"#;
        let preset: Preset = serde_json::from_str(json).expect("old preset loads");
        assert_eq!(preset.metadata, MetadataRule::NoLocation);
        assert_eq!(preset.packaging, Packaging::default());
        let keep = Preset {
            metadata: MetadataRule::Keep,
            ..preset
        };
        let text = serde_json::to_string(&keep).expect("serializes");
        assert!(text.contains(r#""metadata":"keep""#), "{text}");
        assert_eq!(serde_json::from_str::<Preset>(&text).ok(), Some(keep));
    }

    #[test]
    fn packaging_is_written_only_when_not_plain_files() {
        let json = r#"{"name":"p","description":"","thumbnail":{"format":"jpeg","width":640},"renditions":[],"packaging":{"package":"cmaf"}}"#;
        let preset: Preset = serde_json::from_str(json).expect("packaged preset loads");
        assert_eq!(preset.packaging.package, Package::Cmaf);
        assert_eq!(preset.packaging.segment_seconds, SEGMENT_SECONDS);
        assert!(preset.packaging.is_packaged());
        let text = serde_json::to_string(&preset).expect("serializes");
        assert!(text.contains(r#""package":"cmaf""#), "{text}");
        for p in Package::ALL {
            assert_eq!(Package::from_key(p.key()), Some(p));
        }
        assert!(Package::Cmaf.writes_hls() && Package::Cmaf.writes_dash());
        assert!(!Package::Hls.writes_dash() && !Package::Dash.writes_hls());
    }
}
