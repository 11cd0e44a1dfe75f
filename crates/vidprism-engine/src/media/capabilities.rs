//! What the linked FFmpeg can encode, asked of presets: the preset model is
//! pure data, and whoever validates one (the command line, the preset
//! editor, `process` before any job starts) asks here whether its codecs
//! are available, so that a preset naming a missing encoder says so early.

use crate::presets::{AudioSpec, Preset, Problem, VideoCodec};

/// Whether the linked FFmpeg has an encoder of this name.
pub fn has_encoder(name: &str) -> bool {
    super::init();
    ffmpeg_next::encoder::find_by_name(name).is_some()
}

/// Whether the linked FFmpeg's encoder for `codec` takes 10-bit 4:2:0
/// pictures (yuv420p10le): asked at run time, as a libvpx or x265 may be
/// built without high bit depth.
pub fn encodes_10_bit(codec: VideoCodec) -> bool {
    super::init();
    ffmpeg_next::encoder::find_by_name(codec.encoder_name())
        .and_then(|c| c.video().ok())
        .and_then(|v| v.formats())
        .is_some_and(|mut formats| formats.any(|f| f == ffmpeg_next::format::Pixel::YUV420P10LE))
}

/// One problem per rendition field whose encoder this FFmpeg lacks.
pub fn missing_encoders(preset: &Preset) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, r) in preset.renditions.iter().enumerate() {
        let video = r.video.encoder_name();
        if !has_encoder(video) {
            problems.push(Problem::new(
                Some(i),
                "video_codec",
                format!(
                    "this FFmpeg has no {video} encoder, so it cannot make {} video",
                    r.video.label()
                ),
            ));
        }
        if let AudioSpec::Encode { codec, .. } = r.audio {
            let audio = codec.encoder_name();
            if !has_encoder(audio) {
                problems.push(Problem::new(
                    Some(i),
                    "audio_codec",
                    format!(
                        "this FFmpeg has no {audio} encoder, so it cannot make {} audio",
                        codec.label()
                    ),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::builtin_presets;

    #[test]
    fn encoders_are_found_by_their_ffmpeg_name() {
        assert!(has_encoder(VideoCodec::H264.encoder_name()));
        assert!(!has_encoder("no-such-encoder"));
    }

    #[test]
    fn hdr_codecs_have_10_bit_encoders_here() {
        // Debian 12's x265, SVT-AV1 and libvpx are all built with it.
        assert!(encodes_10_bit(VideoCodec::Hevc));
        assert!(encodes_10_bit(VideoCodec::Av1));
        assert!(encodes_10_bit(VideoCodec::Vp9));
    }

    #[test]
    fn the_builtin_presets_need_only_encoders_this_ffmpeg_has() {
        for preset in builtin_presets() {
            assert_eq!(missing_encoders(&preset), [], "{}", preset.name);
        }
    }
}
