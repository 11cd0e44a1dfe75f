//! Source metadata and chapters in every rendition: a camera-like clip
//! (creation time, ISO 6709 location, make, model, title, two chapters)
//! goes through the built-in `web` preset (whose default rule hides the
//! location) and user presets that keep or strip everything, in MP4 and
//! WebM; ffprobe reads back the tags and chapters of each output.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

const CHAPTERS: &str = ";FFMETADATA1
[CHAPTER]
TIMEBASE=1/1000
START=0
END=600
title=Start
[CHAPTER]
TIMEBASE=1/1000
START=600
END=1200
title=Tower
";

/// A user preset of an MP4 and a WebM rendition under `rule`; rendition
/// names start with `prefix` so their files tell the presets apart.
fn preset(name: &str, rule: &str, prefix: &str) -> String {
    format!(
        r#"name = "{name}"
metadata = "{rule}"

[[renditions]]
name = "{prefix}480p"
container = "mp4"
video_codec = "h264"
size = 480
speed = "ultrafast"
audio_codec = "aac"

[[renditions]]
name = "{prefix}360p"
container = "webm"
video_codec = "vp9"
size = 360
speed = "8"
audio_codec = "opus"
"#
    )
}

/// A 1.2 s 854x480 QuickTime clip tagged like a phone's, with chapters.
fn camera_clip(fx: &Fixture) -> PathBuf {
    let chapters = fx.path("chapters.txt");
    std::fs::write(&chapters, CHAPTERS).expect("chapters written");
    let chapters = chapters.to_string_lossy().into_owned();
    fx.clip(
        "camera.mov",
        "854x480",
        1.2,
        true,
        &[
            "-i",
            &chapters,
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map_metadata",
            "2",
            "-map_chapters",
            "2",
            "-metadata",
            "creation_time=2024-05-01T10:00:00Z",
            "-metadata",
            "location=+48.8584+002.2945/",
            "-metadata",
            "make=Acme",
            "-metadata",
            "model=Cam 1",
            "-metadata",
            "title=Eiffel",
        ],
    )
}

/// Format tags, key and value.
type Tags = Vec<(String, String)>;
/// Chapters: start and end in seconds, title.
type Chapters = Vec<(f64, f64, String)>;

/// ffprobe's format tags (keys lower-cased: Matroska's are upper case)
/// and chapters (start, end in seconds, title).
fn tags_and_chapters(path: &Path) -> (Tags, Chapters) {
    let probe = ffprobe_with(path, &["-show_format", "-show_chapters"]);
    let tags = probe["format"]["tags"]
        .as_object()
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let seconds = |v: &Value| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(-1.0);
    let chapters = probe["chapters"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        seconds(&c["start_time"]),
                        seconds(&c["end_time"]),
                        c["tags"]["title"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (tags, chapters)
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn assert_descriptive_tags(tags: &[(String, String)], what: &Path) {
    let date = tag(tags, "creation_time").unwrap_or("");
    assert!(
        date.starts_with("2024-05-01T10:00:00"),
        "{what:?}: {tags:?}"
    );
    assert_eq!(tag(tags, "make"), Some("Acme"), "{what:?}: {tags:?}");
    assert_eq!(tag(tags, "model"), Some("Cam 1"), "{what:?}: {tags:?}");
    assert_eq!(tag(tags, "title"), Some("Eiffel"), "{what:?}: {tags:?}");
}

fn has_location(tags: &[(String, String)]) -> bool {
    tags.iter().any(|(k, _)| k.contains("location"))
}

#[test]
fn tags_follow_the_rule_and_chapters_reach_every_rendition() {
    let fx = Fixture::new();
    let source = camera_clip(&fx);
    let (source_tags, _) = tags_and_chapters(&source);
    assert_descriptive_tags(&source_tags, &source);
    assert!(has_location(&source_tags), "{source_tags:?}");

    let config = config_with(
        &fx,
        &[
            ("keep-all", preset("keep-all", "keep", "k")),
            ("strip-all", preset("strip-all", "strip", "s")),
        ],
    );
    let out = fx.out_dir();
    let run = process_presets(&out, &config, &["web", "keep-all", "strip-all"], &source);
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    let paths = run.rendition_paths();
    // web: 480p and 360p (no upscaling); keep and strip: two each.
    assert_eq!(paths.len(), 6, "{paths:?}");
    for path in &paths {
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let (tags, chapters) = tags_and_chapters(path);
        match file.chars().next() {
            Some('k') => {
                assert_descriptive_tags(&tags, path);
                let location = tags.iter().find(|(k, _)| k.starts_with("location"));
                assert_eq!(
                    location.map(|(_, v)| v.as_str()),
                    Some("+48.8584+002.2945/"),
                    "{path:?}: {tags:?}"
                );
            }
            Some('s') => {
                for key in ["creation_time", "make", "model", "title"] {
                    assert_eq!(tag(&tags, key), None, "{path:?}: {tags:?}");
                }
                assert!(!has_location(&tags), "{path:?}: {tags:?}");
            }
            _ => {
                assert_descriptive_tags(&tags, path);
                assert!(!has_location(&tags), "{path:?}: {tags:?}");
            }
        }
        assert_eq!(chapters.len(), 2, "{path:?}: {chapters:?}");
        let want = [(0.0, 0.6, "Start"), (0.6, 1.2, "Tower")];
        for ((start, end, title), (want_start, want_end, want_title)) in chapters.iter().zip(want) {
            assert!((start - want_start).abs() < 0.05, "{path:?}: {chapters:?}");
            assert!((end - want_end).abs() < 0.05, "{path:?}: {chapters:?}");
            assert_eq!(title, want_title, "{path:?}");
        }
    }
}
