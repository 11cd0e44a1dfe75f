//! The preset model shared by built-in and user presets.

use serde::{Deserialize, Serialize};

/// The file format a rendition is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Mp4,
    Webm,
}

impl Container {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Webm => "webm",
        }
    }

    /// The libavformat muxer name.
    pub fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Webm => "webm",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    H264,
    Hevc,
    Vp9,
    Av1,
}

impl VideoCodec {
    /// The FFmpeg encoder that produces this codec.
    pub fn encoder_name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "libx264",
            VideoCodec::Hevc => "libx265",
            VideoCodec::Vp9 => "libvpx-vp9",
            VideoCodec::Av1 => "libsvtav1",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    Aac,
    Opus,
}

impl AudioCodec {
    pub fn encoder_name(self) -> &'static str {
        match self {
            AudioCodec::Aac => "aac",
            AudioCodec::Opus => "libopus",
        }
    }

    /// Sample rate the encoder is fed. Opus only takes 48 kHz (and a few
    /// lower rates); AAC is given 48 kHz too so every output is alike.
    pub fn sample_rate(self) -> u32 {
        48_000
    }
}

/// One output file of a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenditionSpec {
    /// Names the output file: `<name>.<ext>`.
    pub name: String,
    /// Target length of the picture's short side, in pixels.
    pub short_side: u32,
    pub container: Container,
    pub video: VideoCodec,
    /// Constant-quality value in the encoder's own scale.
    pub crf: u32,
    /// Encoder speed preset (x264/x265 preset, VP9 cpu-used, SVT-AV1 preset).
    pub speed: String,
    pub audio: AudioCodec,
    pub audio_bitrate_kbps: u32,
}

impl RenditionSpec {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.container.extension())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub renditions: Vec<RenditionSpec>,
}
