//! Issue 24: every rendition's measured quality. The score in
//! `rendition_done` is checked against FFmpeg's own `ssim` and `psnr`
//! filters run with the ffmpeg command line on the same two streams (the
//! rendition and its source, at the source's size so the encoder was given
//! the source's own pictures), on sources of different difficulty.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// A one-rendition preset at the source's size, H.264 at `crf`, scored
/// as `score` says.
fn preset(name: &str, score: &str, crf: u32) -> String {
    format!(
        r#"name = "{name}"
score = "{score}"

[[renditions]]
name = "out"
container = "mp4"
video_codec = "h264"
size = "source"
crf = {crf}
speed = "veryfast"
audio_codec = "none"
"#
    )
}

/// What the filters say about `rendition` against `source`: SSIM Y and
/// All, PSNR y and average.
struct Filters {
    ssim_y: f64,
    ssim: f64,
    psnr_y: f64,
    psnr: f64,
}

fn filters(rendition: &Path, source: &Path) -> Filters {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-v", "info", "-i"])
        .arg(rendition)
        .arg("-i")
        .arg(source)
        .args([
            "-lavfi",
            "[0:v]setpts=PTS-STARTPTS,split[a][b];[1:v]setpts=PTS-STARTPTS,split[c][d];\
             [a][c]ssim;[b][d]psnr",
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let field = |line_start: &str, key: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.contains(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in {text}"));
        let rest = &line[line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len()..];
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        number.parse().unwrap_or_else(|_| panic!("{key} in {line}"))
    };
    Filters {
        ssim_y: field("SSIM Y:", "SSIM Y:"),
        ssim: field("SSIM Y:", "All:"),
        psnr_y: field("PSNR y:", "PSNR y:"),
        psnr: field("PSNR y:", "average:"),
    }
}

fn quality(done: &Value) -> (f64, f64, f64, f64, f64, u64) {
    let q = &done["quality"];
    let f = |k: &str| q[k].as_f64().unwrap_or_else(|| panic!("no {k} in {done}"));
    (
        f("ssim"),
        f("ssim_y"),
        f("psnr"),
        f("psnr_y"),
        f("worst_ssim"),
        q["frames"].as_u64().expect("frames"),
    )
}

/// Sources of different difficulty, 25 fps, square pixels.
fn sources(fx: &Fixture) -> Vec<(&'static str, std::path::PathBuf)> {
    // `input` (ffmpeg input options) through filter `vf`, nearly lossless.
    let encoded = |name: &str, input: &[&str], vf: &str| {
        let path = fx.path(name);
        let before = [input, &["-vf", vf, "-crf", "12"][..]].concat();
        ffmpeg_h264(&before, &[path.to_str().expect("utf-8")]);
        path
    };
    let graphics = fx.clip("graphics.mp4", "320x240", 2.0, false, &[]);
    let noise = encoded(
        "noise.mp4",
        &lavfi(&["testsrc2=s=320x240:r=25:d=2"]),
        "noise=alls=60:allf=t+u",
    );
    // Fast motion: a pattern that moves many pixels a frame.
    let motion = encoded(
        "motion.mp4",
        &lavfi(&["testsrc=s=320x240:r=25:d=2"]),
        "scroll=h=0.07:v=0.05",
    );
    // A natural clip (the corpus' foreman), with square pixels so the
    // rendition keeps its size.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/foreman_h264.mp4");
    let natural = encoded(
        "natural.mp4",
        &["-i", corpus.to_str().expect("utf-8")],
        "setsar=1",
    );
    vec![
        ("graphics", graphics),
        ("noise", noise),
        ("motion", motion),
        ("natural", natural),
    ]
}

#[test]
fn the_score_matches_ffmpegs_ssim_and_psnr_filters() {
    let fx = Fixture::new();
    let config = config_with(
        &fx,
        &[
            ("full", preset("full", "full", 30)),
            ("sampled", preset("sampled", "sampled", 30)),
        ],
    );
    for (what, source) in sources(&fx) {
        let out = fx.path(&format!("out-{what}"));
        let run = process_presets(&out, &config, &["full"], &source);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        let done = run.one("rendition_done");
        let rendition = Path::new(done["path"].as_str().expect("path"));
        let (ssim, ssim_y, psnr, psnr_y, worst, frames) = quality(done);
        let reference = filters(rendition, &source);
        let frame_count = frame_count(rendition) as u64;
        assert_eq!(frames, frame_count, "{what}: every frame scored");
        assert!(
            (ssim - reference.ssim).abs() <= 0.002,
            "{what}: SSIM {ssim} vs {}",
            reference.ssim
        );
        assert!(
            (ssim_y - reference.ssim_y).abs() <= 0.002,
            "{what}: Y {ssim_y} vs {}",
            reference.ssim_y
        );
        assert!(
            (psnr - reference.psnr).abs() <= 0.2,
            "{what}: PSNR {psnr} vs {}",
            reference.psnr
        );
        assert!(
            (psnr_y - reference.psnr_y).abs() <= 0.2,
            "{what}: y {psnr_y} vs {}",
            reference.psnr_y
        );
        assert!(worst <= ssim && worst > 0.0, "{what}: worst {worst}");
        eprintln!(
            "{what}: ours SSIM {ssim} Y {ssim_y} PSNR {psnr} y {psnr_y} worst {worst}; \
             filters SSIM {} Y {} PSNR {} y {}",
            reference.ssim, reference.ssim_y, reference.psnr, reference.psnr_y
        );

        // Sampled: one frame in five, close to the whole file's score.
        let out = fx.path(&format!("sampled-{what}"));
        let run = process_presets(&out, &config, &["sampled"], &source);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        let (sampled, _, sampled_psnr, _, _, sampled_frames) = quality(run.one("rendition_done"));
        assert_eq!(sampled_frames, frame_count.div_ceil(5), "{what}");
        assert!(
            (sampled - ssim).abs() <= 0.01,
            "{what}: sampled {sampled} vs {ssim}"
        );
        assert!(
            (sampled_psnr - psnr).abs() <= 1.5,
            "{what}: {sampled_psnr} vs {psnr}"
        );
    }
}

#[test]
fn harder_sources_score_lower_and_off_leaves_no_quality() {
    let fx = Fixture::new();
    let config = config_with(
        &fx,
        &[
            ("full", preset("full", "full", 30)),
            ("off", preset("off", "off", 30)),
        ],
    );
    let all = sources(&fx);
    let score = |name: &str| {
        let source = &all.iter().find(|(n, _)| *n == name).expect("source").1;
        let run = process_presets(&fx.path(&format!("out-{name}")), &config, &["full"], source);
        quality(run.one("rendition_done")).0
    };
    // Heavy noise costs an encoder at the same CRF far more than graphics.
    assert!(score("noise") + 0.05 < score("graphics"));
    let run = process_presets(&fx.path("off"), &config, &["off"], &all[0].1);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.one("rendition_done").get("quality").is_none());
}

/// [`preset`] with a floor: `min_ssim` and `on_low_quality`.
fn floored(name: &str, crf: u32, min_ssim: f64, on_low_quality: &str) -> String {
    format!(
        "{}min_ssim = {min_ssim}\non_low_quality = \"{on_low_quality}\"\n",
        preset(name, "sampled", crf)
    )
}

/// The CRF x264 wrote into the file's settings SEI.
fn x264_crf(path: &Path) -> f64 {
    let bytes = std::fs::read(path).expect("rendition read");
    let at = bytes
        .windows(4)
        .position(|w| w == b"crf=")
        .expect("x264 settings in the stream");
    let digits: String = bytes[at + 4..]
        .iter()
        .map(|&b| b as char)
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().expect("a number")
}

#[test]
fn a_floor_fails_a_rendition_below_it_and_a_retry_makes_it_again_lower() {
    let fx = Fixture::new();
    let source = fx.clip("graphics.mp4", "320x240", 2.0, false, &[]);
    let config = config_with(
        &fx,
        &[
            ("fail", floored("fail", 51, 0.97, "fail")),
            ("retry", floored("retry", 40, 0.95, "retry")),
            ("hopeless", floored("hopeless", 51, 0.999, "retry")),
        ],
    );
    // CRF 51 is far below 0.97: failed with the score, no file left.
    let out = fx.path("fail");
    let run = process_presets(&out, &config, &["fail"], &source);
    assert_ne!(run.code, 0);
    let failed = run.one("rendition_failed");
    let error = failed["error"].as_str().expect("error");
    let (score, floor) = error
        .strip_prefix("scored ")
        .and_then(|rest| rest.split_once(" < "))
        .unwrap_or_else(|| panic!("{error}"));
    assert_eq!(floor, "0.97");
    assert!(score.parse::<f64>().expect("a score") < 0.97, "{error}");
    assert!(run.of("rendition_done").is_empty());
    let left: Vec<_> = files_in(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e != "jpg"))
        .collect();
    assert!(left.is_empty(), "nothing but the thumbnail stays: {left:?}");

    // CRF 40 scores below 0.95; made again lower, it is above.
    let run = process_presets(&fx.path("retry"), &config, &["retry"], &source);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let done = run.one("rendition_done");
    assert!(quality(done).0 >= 0.95, "{done}");
    let crf = x264_crf(Path::new(done["path"].as_str().expect("path")));
    assert!((24.0..40.0).contains(&crf), "made again at CRF {crf}");

    // Out of reach: one retry, 16 steps lower, then the failure says so.
    let run = process_presets(&fx.path("hopeless"), &config, &["hopeless"], &source);
    let error = run.one("rendition_failed")["error"]
        .as_str()
        .expect("error")
        .to_owned();
    assert!(
        error.ends_with("< 0.999 (also when made again at CRF 35)"),
        "{error}"
    );
    assert!(run.of("rendition_done").is_empty());
}
