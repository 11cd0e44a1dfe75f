//! User presets end to end: TOML round trips of every built-in, each
//! validation rule with its line and field, a broken file beside good ones,
//! `vidprism presets` and `--check`, export and import between two config
//! dirs, and `vidprism process -p` with user presets on generated clips.

use std::path::Path;

use crate::util::*;
use vidprism_engine::presets::{
    builtin_presets, parse, read_preset, to_toml, PresetStore, Problem, UserPreset,
};

const SMALL_WEBM: &str = r#"name = "small-webm"
description = "720p + 480p WebM with Opus"

[[renditions]]
name = "720p"
container = "webm"
video_codec = "vp9"
size = 720
crf = 32
speed = "8"
audio_codec = "opus"
audio_bitrate_kbps = 96

[[renditions]]
name = "480p"
container = "webm"
video_codec = "vp9"
size = 480
crf = 34
speed = "8"
audio_codec = "opus"
audio_bitrate_kbps = 96
"#;

/// Source size, a bitrate, a frame-rate cap, no audio and a PNG thumbnail.
const MIXED: &str = r#"name = "mixed"

[thumbnail]
format = "png"
width = 160

[[renditions]]
name = "small"
container = "mp4"
video_codec = "h264"
size = "source"
bitrate_kbps = 300
speed = "ultrafast"
max_fps = 10
audio_codec = "none"
"#;

/// A config folder whose `presets` folder holds `files` (name without
/// `.toml`, text), maybe none.
fn config_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("presets")).expect("presets dir");
    for (name, text) in files {
        user_preset(dir.path(), name, text);
    }
    dir
}

fn problems(text: &str) -> Vec<Problem> {
    parse(text).expect_err("invalid")
}

#[test]
fn every_builtin_round_trips_through_toml() {
    for preset in builtin_presets() {
        let text = to_toml(&preset);
        assert_eq!(parse(&text).as_ref(), Ok(&preset), "{text}");
    }
}

#[test]
fn each_rule_names_line_and_field() {
    let cases: &[(&str, &str, &str, usize)] = &[
        // (replace, with, field, line)
        (
            "video_codec = \"vp9\"",
            "video_codec = \"theora\"",
            "video_codec",
            7,
        ),
        (
            "audio_codec = \"opus\"",
            "audio_codec = \"aac\"",
            "audio_codec",
            11,
        ),
        ("size = 720", "size = 0", "size", 8),
        ("crf = 32", "crf = 70", "crf", 9),
        ("name = \"480p\"", "name = \"720p\"", "name", 15),
        ("name = \"small-webm\"", "name = \"../evil\"", "name", 1),
        // `#` would make a playlist line a comment, `%` an escape.
        ("name = \"480p\"", "name = \"480p#2\"", "name", 15),
        ("name = \"480p\"", "name = \"50%\"", "name", 15),
        ("name = \"small-webm\"", "name = \"a?b\"", "name", 1),
        (
            "video_codec = \"vp9\"",
            "video_codec = \"h264\"",
            "video_codec",
            7,
        ),
        (
            "container = \"webm\"",
            "container = \"avi\"",
            "container",
            6,
        ),
        ("speed = \"8\"", "speed = \"warp\"", "speed", 10),
    ];
    for (from, to, field, line) in cases {
        let text = SMALL_WEBM.replacen(from, to, 1);
        let found = problems(&text);
        assert!(
            found
                .iter()
                .any(|p| p.field == *field && p.line == Some(*line)),
            "{to}: {found:?}"
        );
    }
    // AAC in WebM says why in words.
    let text = SMALL_WEBM.replacen("audio_codec = \"opus\"", "audio_codec = \"aac\"", 1);
    assert_eq!(
        problems(&text)[0].to_string(),
        "line 11, rendition 1, audio_codec: a WebM file cannot hold AAC audio; \
         use opus or none, or an mp4 container"
    );
}

#[test]
fn a_broken_file_sits_beside_good_ones() {
    let config = config_with(&[
        ("a-good", SMALL_WEBM),
        (
            "b-broken",
            "name = \"b\"\n[[renditions]]\nname = \"x\"\nsize = \"big\"\n",
        ),
        ("c-mixed", MIXED),
        ("d-syntax", "name = \"d\n"),
    ]);
    let store = PresetStore::new(config.path().join("presets"));
    let loaded = store.load();
    assert_eq!(loaded.len(), 4);
    let valid: Vec<_> = loaded
        .iter()
        .filter_map(UserPreset::preset)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(valid, ["small-webm", "mixed"]);
    let UserPreset::Invalid { path, problems } = &loaded[1] else {
        panic!("b-broken.toml should be invalid");
    };
    assert!(path.ends_with("b-broken.toml"));
    assert!(problems.iter().any(|p| p.line.is_some()), "{problems:?}");
}

#[test]
fn presets_lists_user_presets_and_flags_broken_ones() {
    let config = config_with(&[("small-webm", SMALL_WEBM), ("zz", "oops = [\n")]);
    let (code, stdout, _) = vidprism_with_config(config.path(), &["presets"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("web "), "{stdout}");
    assert!(stdout.contains("small-webm"), "{stdout}");
    assert!(stdout.contains("zz.toml: line 1"), "{stdout}");
    let (code, stdout, _) = vidprism_with_config(config.path(), &["presets", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let user: Vec<_> = list
        .as_array()
        .expect("array")
        .iter()
        .filter(|p| p["source"] == "user")
        .map(|p| {
            (
                p["name"].as_str().unwrap_or("").to_owned(),
                p["valid"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        user,
        [
            ("small-webm".to_owned(), Some(true)),
            ("zz".to_owned(), Some(false))
        ]
    );
}

#[test]
fn check_prints_what_is_wrong_and_exits_1() {
    let config = config_with(&[]);
    let good = config.path().join("good.toml");
    std::fs::write(&good, SMALL_WEBM).unwrap();
    let (code, stdout, _) = vidprism_with_config(
        config.path(),
        &["presets", "--check", good.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("ok"), "{stdout}");

    let bad = config.path().join("bad.toml");
    let text = SMALL_WEBM
        .replacen("audio_codec = \"opus\"", "audio_codec = \"aac\"", 1)
        .replacen("size = 480", "size = 0", 1);
    std::fs::write(&bad, text).unwrap();
    let (code, stdout, _) = vidprism_with_config(
        config.path(),
        &["presets", "--check", bad.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with(&format!(
        "{}: line 11, rendition 1, audio_codec:",
        bad.display()
    )));
    assert!(
        lines[1].contains("line 18, rendition 2, size: is 0"),
        "{stdout}"
    );

    let missing = config.path().join("missing.toml");
    let (code, stdout, _) = vidprism_with_config(
        config.path(),
        &["presets", "--check", missing.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("missing.toml: cannot read"), "{stdout}");
}

#[test]
fn export_then_import_on_another_machine() {
    let here = config_with(&[("small-webm", SMALL_WEBM)]);
    let there = config_with(&[]);
    let preset = read_preset(&here.path().join("presets/small-webm.toml")).unwrap();
    let exported = here.path().join("shared.toml");
    vidprism_engine::presets::export(&preset, &exported).unwrap();
    let store = PresetStore::new(there.path().join("presets"));
    let imported = store.import(&exported).unwrap();
    assert_eq!(imported, preset);
    assert_eq!(store.valid(), vec![preset]);
    // Importing a broken file stores nothing and names the file.
    let broken = here.path().join("broken.toml");
    std::fs::write(&broken, "name = \"x/y\"\n").unwrap();
    let err = store.import(&broken).unwrap_err().to_string();
    assert!(err.starts_with(&broken.display().to_string()), "{err}");
    assert_eq!(store.load().len(), 1);
}

fn stream<'a>(probe: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    probe["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == kind))
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn process_uses_a_user_webm_preset() {
    let fx = Fixture::new();
    let config = config_with(&[("small-webm", SMALL_WEBM)]);
    let src = fx.clip("clip.mp4", "854x480", 1.0, true, &[]);
    let run = process_presets(&fx.out_dir(), config.path(), &["small-webm"], &src);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(
        paths.iter().map(|p| name_of(p)).collect::<Vec<_>>(),
        ["480p.webm"]
    );
    assert_eq!(run.one("rendition_skipped")["rendition"], "720p");
    let probe = ffprobe(&paths[0]);
    assert_eq!(
        probe["format"]["format_name"]
            .as_str()
            .map(|f| f.contains("webm")),
        Some(true)
    );
    assert_eq!(video_stream(&probe)["codec_name"], "vp9");
    assert_eq!(video_stream(&probe)["width"], 854);
    assert_eq!(
        stream(&probe, "audio").map(|a| a["codec_name"].clone()),
        Some("opus".into())
    );
    assert_outputs_sound(&run, Some(1.0));
}

#[test]
fn process_honours_source_size_bitrate_fps_cap_no_audio_and_png_thumbnail() {
    let fx = Fixture::new();
    let config = config_with(&[("mixed", MIXED)]);
    let src = fx.clip("clip.mp4", "321x241", 2.0, true, &[]);
    let run = process_presets(&fx.out_dir(), config.path(), &["mixed"], &src);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(paths.len(), 1);
    let probe = ffprobe(&paths[0]);
    let video = video_stream(&probe);
    assert_eq!(
        (video["width"].clone(), video["height"].clone()),
        (320.into(), 240.into())
    );
    assert_eq!(audio_streams(&probe), 0);
    let frames = frame_count(&paths[0]);
    assert!(
        (19..=21).contains(&frames),
        "{frames} frames at max 10 fps over 2 s"
    );
    assert!(
        (duration_s(&probe) - 2.0).abs() < 0.15,
        "{}",
        duration_s(&probe)
    );
    let thumb = run.one("thumbnail_ready");
    assert!(
        thumb["path"]
            .as_str()
            .unwrap_or("")
            .ends_with("thumbnail.png"),
        "{thumb}"
    );
    assert_eq!(thumb["width"], 160);
}

#[test]
fn a_webp_thumbnail_is_a_real_webp_of_the_asked_width() {
    let fx = Fixture::new();
    let webp = MIXED
        .replacen("name = \"mixed\"", "name = \"webp-thumb\"", 1)
        .replacen("format = \"png\"", "format = \"webp\"", 1);
    let config = config_with(&[("webp", &webp)]);
    let src = fx.clip("clip.mp4", "640x360", 1.0, false, &[]);
    let run = process_presets(&fx.out_dir(), config.path(), &["webp-thumb"], &src);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let thumb = run.one("thumbnail_ready");
    let path = std::path::PathBuf::from(thumb["path"].as_str().unwrap());
    assert!(path.ends_with("thumbnail.webp"), "{path:?}");
    let probe = ffprobe(&path);
    let picture = video_stream(&probe);
    assert_eq!(picture["codec_name"], "webp");
    assert_eq!(
        (picture["width"].clone(), picture["height"].clone()),
        (160.into(), 90.into())
    );
    assert_eq!(
        (thumb["width"].clone(), thumb["height"].clone()),
        (160.into(), 90.into())
    );
}

#[test]
fn process_refuses_a_broken_or_unknown_user_preset_before_starting() {
    let fx = Fixture::new();
    let bad = SMALL_WEBM
        .replacen("crf = 32", "crf = 99", 1)
        .replace("small-webm", "bad");
    let config = config_with(&[("bad", &bad)]);
    let src = fx.clip("clip.mp4", "320x240", 0.5, false, &[]);
    for name in ["bad", "nonesuch"] {
        let run = process_presets(&fx.out_dir(), config.path(), &[name], &src);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.events.is_empty());
        assert!(!fx.out_dir().exists());
        if name == "bad" {
            assert!(run.stderr.contains("bad.toml"), "{}", run.stderr);
            assert!(
                run.stderr.contains("line 9, rendition 1, crf: is 99"),
                "{}",
                run.stderr
            );
        }
    }
}

const COPY: &str = r#"name = "copy"

[[renditions]]
name = "mp4"
container = "mp4"
video_codec = "h264"
size = 240
speed = "ultrafast"
audio_codec = "copy"

[[renditions]]
name = "webm"
container = "webm"
video_codec = "vp9"
size = 240
speed = "8"
audio_codec = "copy"
"#;

#[test]
fn audio_copy_keeps_the_track_where_the_container_allows() {
    let fx = Fixture::new();
    let config = config_with(&[("copy", COPY)]);
    let src = fx.clip("clip.mp4", "320x240", 1.0, true, &[]);
    let run = process_presets(&fx.out_dir(), config.path(), &["copy"], &src);
    // AAC goes into MP4 as it is; WebM cannot hold AAC, and says so.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(
        paths.iter().map(|p| name_of(p)).collect::<Vec<_>>(),
        ["mp4.mp4"]
    );
    let probe = ffprobe(&paths[0]);
    let audio = stream(&probe, "audio").expect("an audio stream");
    assert_eq!(audio["codec_name"], "aac");
    let source_audio = ffprobe(&src);
    let source_audio = stream(&source_audio, "audio").expect("source audio");
    assert_eq!(
        audio["sample_rate"], source_audio["sample_rate"],
        "not re-encoded"
    );
    assert!(
        (duration_s(&probe) - 1.0).abs() < 0.1,
        "{}",
        duration_s(&probe)
    );
    let failed = run.one("rendition_failed");
    assert_eq!(failed["rendition"], "webm");
    let error = failed["error"].as_str().unwrap_or("");
    assert!(
        error.contains("aac audio cannot be copied into a WebM file"),
        "{error}"
    );
    assert!(decode_errors(&paths[0]).is_empty());
}
