//! The preset model shared by built-in and user presets: a preset is a name,
//! a description, a thumbnail spec and a list of renditions.

use serde::{Deserialize, Serialize};

use super::codecs::{AudioCodec, Container, VideoCodec};

/// How big a rendition is: its short side in pixels, or the source's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
}

/// The audio of a rendition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioSpec {
    /// No audio stream at all.
    None,
    /// The source's first audio track as it is, when the container can
    /// hold its codec (checked when the file is written).
    Copy,
    /// Re-encoded stereo at this bitrate.
    Encode {
        codec: AudioCodec,
        bitrate_kbps: u32,
    },
}

/// Image format of the first-frame thumbnail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

    /// The word preset files use.
    pub fn key(self) -> &'static str {
        match self {
            ThumbnailFormat::Jpeg => "jpeg",
            ThumbnailFormat::Png => "png",
            ThumbnailFormat::Webp => "webp",
        }
    }
}

/// Default thumbnail width, in pixels.
pub const THUMBNAIL_WIDTH: u32 = 640;

/// The job's first-frame thumbnail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbnailSpec {
    pub format: ThumbnailFormat,
    /// Widest the thumbnail gets (never wider than the source).
    pub width: u32,
}

impl Default for ThumbnailSpec {
    fn default() -> ThumbnailSpec {
        ThumbnailSpec {
            format: ThumbnailFormat::Jpeg,
            width: THUMBNAIL_WIDTH,
        }
    }
}

/// One output file of a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
        let quality = match self.quality {
            Quality::Crf(n) => format!("CRF {n}"),
            Quality::BitrateKbps(n) => format!("{n} kb/s"),
        };
        let fps = self
            .max_fps
            .map(|f| format!(", max {f} fps"))
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
            "{}: {size} {} {} {quality}, speed {}{fps}, {audio}",
            self.name,
            self.container.label(),
            self.video.label(),
            self.speed
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub thumbnail: ThumbnailSpec,
    pub renditions: Vec<RenditionSpec>,
}
