//! Whether the linked FFmpeg can encode what a preset asks for, so that a
//! preset naming a missing encoder says so before any job starts.

use super::model::{AudioSpec, Preset};
use super::validate::Problem;
use crate::media::has_encoder;

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
