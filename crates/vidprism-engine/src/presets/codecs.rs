//! Containers and codecs a preset may name, the FFmpeg encoders behind them
//! and the rules between them (which container holds which codec, the CRF
//! scale and the speed values of each encoder).

use std::ops::RangeInclusive;

use serde::Serialize;

/// The file format a rendition is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Mp4,
    Webm,
}

impl Container {
    pub const ALL: [Container; 2] = [Container::Mp4, Container::Webm];

    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.key()
    }

    /// The libavformat muxer name.
    pub fn muxer(self) -> &'static str {
        self.key()
    }

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            Container::Mp4 => "MP4",
            Container::Webm => "WebM",
        }
    }

    pub fn from_key(key: &str) -> Option<Container> {
        Container::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn holds_video(self, codec: VideoCodec) -> bool {
        match self {
            Container::Mp4 => true,
            Container::Webm => matches!(codec, VideoCodec::Vp9 | VideoCodec::Av1),
        }
    }

    pub fn holds_audio(self, codec: AudioCodec) -> bool {
        match self {
            Container::Mp4 => true,
            Container::Webm => codec == AudioCodec::Opus,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    H264,
    Hevc,
    Vp9,
    Av1,
}

/// x264 and x265 speed presets, fastest first.
const X26X_SPEEDS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

impl VideoCodec {
    pub const ALL: [VideoCodec; 4] = [
        VideoCodec::H264,
        VideoCodec::Hevc,
        VideoCodec::Vp9,
        VideoCodec::Av1,
    ];

    /// The FFmpeg encoder that produces this codec.
    pub fn encoder_name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "libx264",
            VideoCodec::Hevc => "libx265",
            VideoCodec::Vp9 => "libvpx-vp9",
            VideoCodec::Av1 => "libsvtav1",
        }
    }

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H.264",
            VideoCodec::Hevc => "H.265",
            VideoCodec::Vp9 => "VP9",
            VideoCodec::Av1 => "AV1",
        }
    }

    /// Whether the codec has a 10-bit HDR profile players show as HDR
    /// (H.265 Main 10, VP9 profile 2, AV1 10-bit); H.264's High 10 is left
    /// out, as hardly any player decodes it.
    pub fn holds_hdr(self) -> bool {
        !matches!(self, VideoCodec::H264)
    }

    pub fn from_key(key: &str) -> Option<VideoCodec> {
        VideoCodec::ALL.into_iter().find(|c| c.key() == key)
    }

    /// The CRF values the encoder accepts.
    pub fn crf_range(self) -> RangeInclusive<u32> {
        match self {
            VideoCodec::H264 | VideoCodec::Hevc => 0..=51,
            VideoCodec::Vp9 => 0..=63,
            VideoCodec::Av1 => 1..=63,
        }
    }

    /// The speed values the encoder accepts, fastest first.
    pub fn speeds(self) -> Vec<String> {
        match self {
            VideoCodec::H264 | VideoCodec::Hevc => {
                X26X_SPEEDS.iter().map(|s| (*s).to_owned()).collect()
            }
            VideoCodec::Vp9 => (0..=8).rev().map(|n: i32| n.to_string()).collect(),
            VideoCodec::Av1 => (0..=13).rev().map(|n: i32| n.to_string()).collect(),
        }
    }

    /// A sensible speed for a new rendition.
    pub fn default_speed(self) -> &'static str {
        match self {
            VideoCodec::H264 => "veryfast",
            VideoCodec::Hevc => "fast",
            VideoCodec::Vp9 => "5",
            VideoCodec::Av1 => "10",
        }
    }

    /// A sensible CRF for a new rendition.
    pub fn default_crf(self) -> u32 {
        match self {
            VideoCodec::H264 => 23,
            VideoCodec::Hevc => 28,
            VideoCodec::Vp9 => 32,
            VideoCodec::Av1 => 35,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    Aac,
    Opus,
}

impl AudioCodec {
    pub const ALL: [AudioCodec; 2] = [AudioCodec::Aac, AudioCodec::Opus];

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

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            AudioCodec::Aac => "AAC",
            AudioCodec::Opus => "Opus",
        }
    }

    pub fn from_key(key: &str) -> Option<AudioCodec> {
        AudioCodec::ALL.into_iter().find(|c| c.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webm_holds_only_vp9_av1_and_opus() {
        assert!(!Container::Webm.holds_audio(AudioCodec::Aac));
        assert!(Container::Webm.holds_audio(AudioCodec::Opus));
        assert!(!Container::Webm.holds_video(VideoCodec::H264));
        assert!(Container::Webm.holds_video(VideoCodec::Vp9));
        assert!(Container::Mp4.holds_audio(AudioCodec::Opus));
    }

    #[test]
    fn keys_round_trip() {
        for c in VideoCodec::ALL {
            assert_eq!(VideoCodec::from_key(c.key()), Some(c));
        }
        for c in AudioCodec::ALL {
            assert_eq!(AudioCodec::from_key(c.key()), Some(c));
        }
        for c in Container::ALL {
            assert_eq!(Container::from_key(c.key()), Some(c));
        }
    }
}
