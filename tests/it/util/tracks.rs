//! Clips and presets for the audio track and subtitle tests: a clip with
//! two titled languages and a SubRip track, a preset of an MP4 and a WebM
//! rendition under given track rules, and ffprobe's view of a file's
//! streams and their tags.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ffmpeg_h264, ffprobe, lavfi, map_inputs, Fixture};

/// The SubRip text of the clips' subtitle tracks.
pub const SUBTITLES: &str = "1
00:00:00,300 --> 00:00:01,000
Hello world

2
00:00:01,200 --> 00:00:01,900
Second line
";

/// A 2 s Matroska clip: video, an English track ("English", 440 Hz), a
/// French one ("Français", 880 Hz) and an English SubRip track.
pub fn two_language_clip(fx: &Fixture) -> PathBuf {
    let srt = fx.path("subs.srt");
    std::fs::write(&srt, SUBTITLES).expect("subtitles written");
    let srt = srt.to_string_lossy().into_owned();
    let path = fx.path("languages.mkv");
    let inputs = lavfi(&[
        "testsrc2=s=320x240:r=25:d=2",
        "sine=f=440:d=2",
        "sine=f=880:d=2",
    ]);
    ffmpeg_h264(
        &[inputs, vec!["-i", &srt], map_inputs(4)].concat(),
        &[
            "-c:a",
            "aac",
            "-c:s",
            "srt",
            "-metadata:s:a:0",
            "language=eng",
            "-metadata:s:a:0",
            "title=English",
            "-metadata:s:a:1",
            "language=fra",
            "-metadata:s:a:1",
            "title=Français",
            "-metadata:s:s:0",
            "language=eng",
            path.to_str().expect("utf-8 path"),
        ],
    );
    path
}

/// A user preset of one MP4 and one WebM rendition, the track rules in
/// `rules` (TOML lines); file names start with `prefix`.
pub fn preset(name: &str, rules: &str, prefix: &str) -> String {
    format!(
        r#"name = "{name}"
{rules}

[[renditions]]
name = "{prefix}mp4"
container = "mp4"
video_codec = "h264"
size = 240
speed = "ultrafast"
audio_codec = "aac"

[[renditions]]
name = "{prefix}webm"
container = "webm"
video_codec = "vp9"
size = 240
speed = "8"
audio_codec = "opus"
"#
    )
}

/// The streams of `kind` ("audio", "subtitle") in `path`.
pub fn streams(path: &Path, kind: &str) -> Vec<Value> {
    ffprobe(path)["streams"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["codec_type"] == kind)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A stream's tag, whatever its case (Matroska's are upper case).
pub fn tag(stream: &Value, key: &str) -> Option<String> {
    stream["tags"].as_object().and_then(|tags| {
        tags.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    })
}
