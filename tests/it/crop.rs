//! Black bars (issue 27): with `crop = "auto"`, a 2.39:1 film letterboxed
//! in 1920x1080 loses exactly its bars in every output and says so in its
//! `probed` event; a clip that opens on black, or fades to black, keeps
//! its whole picture; without the rule nothing is cropped.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

/// A clip made by the lavfi `graph`, H.264 with a keyframe every second
/// (as cameras and broadcasts have them).
fn clip(fx: &Fixture, name: &str, graph: &str) -> PathBuf {
    let path = fx.path(name);
    let out = path.to_string_lossy().into_owned();
    ffmpeg(&[&lavfi(&[graph])[..], &H264_FAST[..], &["-g", "25", &out]].concat());
    path
}

/// A preset cropping as `crop` says: one rendition at the source's size.
fn preset(crop: &str) -> String {
    format!(
        r#"name = "bars"
crop = {crop}

[[renditions]]
name = "full"
container = "mp4"
video_codec = "h264"
size = "source"
crf = 20
speed = "ultrafast"
audio_codec = "none"
"#
    )
}

/// Runs `source` with the preset; returns the run and its rendition.
fn make(fx: &Fixture, crop: &str, source: &Path) -> (Run, PathBuf) {
    let config = config_with(fx, &[("bars", preset(crop))]);
    let run = process_presets(&fx.out_dir(), &config, &["bars"], source);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let rendition = run.rendition_paths()[0].clone();
    (run, rendition)
}

fn size(path: &Path) -> (u64, u64) {
    let probe = ffprobe(path);
    let v = video_stream(&probe);
    (
        v["width"].as_u64().expect("width"),
        v["height"].as_u64().expect("height"),
    )
}

/// The brightest luma of the first and last rows of `path`'s first picture.
fn edge_rows_max(path: &Path) -> (u8, u8) {
    let (w, h) = size(path);
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg");
    let (w, h) = (w as usize, h as usize);
    assert_eq!(out.stdout.len(), w * h);
    let max = |y: usize| {
        out.stdout[y * w..(y + 1) * w]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    };
    (max(0), max(h - 1))
}

#[test]
fn a_letterboxed_film_loses_exactly_its_bars() {
    let fx = Fixture::new();
    // 1920x804 (2.39:1) in a 1920x1080 frame: 138 black rows above and below.
    let source = clip(
        &fx,
        "scope.mp4",
        "testsrc2=s=1920x804:r=25:d=4,pad=1920:1080:0:138:black",
    );
    let (run, rendition) = make(&fx, "\"auto\"", &source);
    let probed = run.one("probed");
    assert_eq!(
        (probed["width"].as_u64(), probed["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    let crop = &probed["crop"];
    for (side, want) in [("top", 138), ("bottom", 138), ("left", 0), ("right", 0)] {
        let got = crop[side]
            .as_u64()
            .unwrap_or_else(|| panic!("no {side} in {probed}"));
        assert!(
            got % 2 == 0 && got <= want && want - got <= 2,
            "{side}: {got}"
        );
    }
    let (w, h) = size(&rendition);
    assert_eq!(w, 1920);
    assert!((804..=808).contains(&h) && h % 2 == 0, "{w}x{h}");
    let (top, bottom) = edge_rows_max(&rendition);
    assert!(
        top > 24 && bottom > 24,
        "bars left: rows max {top}, {bottom}"
    );
    let thumbnail = run.one("thumbnail_ready");
    let ratio = thumbnail["width"].as_f64().unwrap() / thumbnail["height"].as_f64().unwrap();
    assert!(
        (ratio - 1920.0 / 804.0).abs() < 0.02,
        "thumbnail {thumbnail}"
    );

    // Without the rule (the default, as in `web`), the bars stay.
    let fx = Fixture::new();
    let (run, rendition) = make(&fx, "\"none\"", &source);
    assert_eq!(run.one("probed").get("crop"), None::<&Value>);
    assert_eq!(size(&rendition), (1920, 1080));
}

/// Asserts the 1280x720 clip the lavfi `graph` makes keeps its whole
/// picture under `crop = "auto"`.
fn assert_kept_whole(name: &str, graph: &str) {
    let fx = Fixture::new();
    let source = clip(&fx, name, graph);
    let (run, rendition) = make(&fx, "\"auto\"", &source);
    let probed = run.one("probed");
    assert_eq!(probed.get("crop"), None::<&Value>, "{}", run.stderr);
    assert_eq!(size(&rendition), (1280, 720));
}

#[test]
fn a_clip_opening_on_black_keeps_its_whole_picture() {
    assert_kept_whole(
        "opening.mp4",
        "color=black:s=1280x720:r=25:d=3[a];testsrc2=s=1280x720:r=25:d=3[b];[a][b]concat",
    );
}

#[test]
fn a_clip_fading_to_black_keeps_its_whole_picture() {
    // Mostly fading: most sampled pictures are dark, many of them black.
    assert_kept_whole("fade.mp4", "testsrc2=s=1280x720:r=25:d=6,fade=out:st=1:d=3");
}
