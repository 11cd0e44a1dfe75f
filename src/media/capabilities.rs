//! What the linked FFmpeg can encode, asked of presets: the preset model is
//! pure data, and whoever validates one (the command line, the preset
//! editor, `process` before any job starts) asks here whether its codecs
//! are available, so that a preset naming a missing encoder says so early.

use crate::presets::{AudioSpec, Preset, Problem};

/// Whether the linked FFmpeg has an encoder of this name.
pub fn has_encoder(name: &str) -> bool {
    super::init();
    ffmpeg_next::encoder::find_by_name(name).is_some()
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
    use crate::presets::{builtin_presets, VideoCodec};

    #[test]
    fn encoders_are_found_by_their_ffmpeg_name() {
        assert!(has_encoder(VideoCodec::H264.encoder_name()));
        assert!(!has_encoder("no-such-encoder"));
    }

    #[test]
    fn the_builtin_presets_need_only_encoders_this_ffmpeg_has() {
        for preset in builtin_presets() {
            assert_eq!(missing_encoders(&preset), [], "{}", preset.name);
        }
    }
}
