//! Interlaced sources (issue 27): a 1080i camcorder-like clip (H.264,
//! flagged top field first) and 576i anamorphic ones (MPEG-2 flagged
//! bottom first; DV, whose header says nothing) come out progressive
//! (ffprobe's field order, and `idet` over the output), at the frame or
//! field rate asked, at the display aspect, with a thumbnail that is not
//! combed; a progressive clip flagged interlaced is left as it is.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// Two seconds of moving test pattern, really interlaced: `tinterlace`
/// weaves the fields of two 50p pictures into each 25i frame, `order`
/// ("top" or "bottom") first; `encode` are the output options.
pub(crate) fn interlaced_clip(
    fx: &Fixture,
    name: &str,
    size: &str,
    order: &str,
    encode: &[&str],
) -> PathBuf {
    let path = fx.path(name);
    let field = if order == "top" { "tff" } else { "bff" };
    let graph =
        format!("testsrc2=s={size}:r=50:d=2,tinterlace=interleave_{order},setfield={field}");
    let out = path.to_string_lossy().into_owned();
    ffmpeg(&[&lavfi(&[&graph])[..], encode, &[&out]].concat());
    path
}

/// 1080i25 H.264 with interlaced coding, flagged top field first.
fn clip_1080i(fx: &Fixture) -> PathBuf {
    let encode = [
        &H264_FAST[..],
        &["-flags", "+ildct+ilme", "-field_order", "tt"],
    ]
    .concat();
    interlaced_clip(fx, "camcorder.mp4", "1920x1080", "top", &encode)
}

/// A user preset `name`: one H.264 rendition at the source's size and a
/// thumbnail as wide as it, under these picture rules.
fn preset(name: &str, deinterlace: &str, rate: &str, thumbnail_width: u32) -> String {
    format!(
        r#"name = "{name}"
deinterlace = "{deinterlace}"
rate = "{rate}"

[thumbnail]
width = {thumbnail_width}

[[renditions]]
name = "full"
container = "mp4"
video_codec = "h264"
size = "source"
crf = 18
speed = "ultrafast"
audio_codec = "none"
"#
    )
}

/// Runs `source` through one preset; returns the rendition and the
/// thumbnail with its size.
fn make(fx: &Fixture, preset_text: String, source: &Path) -> (PathBuf, PathBuf, (u32, u32)) {
    let config = config_with(fx, &[("di", preset_text)]);
    let run = process_presets(&fx.out_dir(), &config, &["di"], source);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let thumbnail = run.one("thumbnail_ready");
    let size = |k: &str| thumbnail[k].as_u64().expect("size") as u32;
    (
        run.rendition_paths()[0].clone(),
        PathBuf::from(thumbnail["path"].as_str().expect("path")),
        (size("width"), size("height")),
    )
}

/// The first picture of `path` as 8-bit grey, `w`x`h` (its own size).
fn grey(path: &Path, w: u32, h: u32) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "decoding {path:?} failed");
    assert_eq!(
        out.stdout.len(),
        (w * h) as usize,
        "{path:?} is not {w}x{h}"
    );
    out.stdout
}

/// How combed a grey picture is: the share (per mille) of its pixels
/// brighter or darker than both the pixel above and the one below by more
/// than 12, the teeth of woven fields. On the moving test pattern: about
/// 25 for the woven fields, 2 to 4 once deinterlaced, 9 for the progressive
/// pattern itself (its thin lines).
pub(crate) fn comb(grey: &[u8], w: u32, h: u32) -> f64 {
    let (w, h) = (w as usize, h as usize);
    let teeth = (1..h - 1)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let b = i32::from(grey[y * w + x]);
            let above = i32::from(grey[(y - 1) * w + x]) - b;
            let below = i32::from(grey[(y + 1) * w + x]) - b;
            (above > 12 && below > 12) || (above < -12 && below < -12)
        })
        .count();
    1000.0 * teeth as f64 / (w * (h - 2)) as f64
}

/// What FFmpeg's `idet` says of every picture of `path`: (interlaced,
/// progressive) by its multi-frame detection.
fn idet(path: &Path) -> (u64, u64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-i"])
        .arg(path)
        .args(["-vf", "idet", "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("Multi frame detection"))
        .unwrap_or_else(|| panic!("no idet summary: {text}"));
    let count = |key: &str| -> u64 {
        let after = &line[line.find(key).expect(key) + key.len()..];
        after
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("count")
    };
    (count("TFF:") + count("BFF:"), count("Progressive:"))
}

/// Asserts the rendition is progressive: so flagged, and so to `idet`.
fn assert_progressive(path: &Path) {
    let [order] = video_fields(path, ["field_order"]);
    assert_eq!(order, "progressive", "{path:?}");
    let (interlaced, progressive) = idet(path);
    assert!(
        progressive >= 9 * interlaced && progressive > 0,
        "{path:?}: idet finds {interlaced} interlaced, {progressive} progressive"
    );
}

/// Asserts the thumbnail is not combed while the source's first picture is.
fn assert_clean_thumbnail(thumbnail: &Path, (w, h): (u32, u32), source: &Path, coded: (u32, u32)) {
    let before = comb(&grey(source, coded.0, coded.1), coded.0, coded.1);
    assert!(before > 15.0, "the source is combed: {before:.1}");
    let after = comb(&grey(thumbnail, w, h), w, h);
    assert!(after < 6.0, "the thumbnail is combed: {after:.1}");
}

fn frame_rate(path: &Path) -> String {
    let [rate] = video_fields(path, ["avg_frame_rate"]);
    rate
}

#[test]
fn a_1080i_camcorder_clip_comes_out_progressive_with_a_clean_thumbnail() {
    let fx = Fixture::new();
    let source = clip_1080i(&fx);
    let (rendition, thumbnail, size) = make(&fx, preset("di", "auto", "frame", 1920), &source);
    assert_progressive(&rendition);
    assert_eq!(frame_rate(&rendition), "25/1");
    assert_eq!(frame_count(&rendition), 50);
    assert_eq!(size, (1920, 1080));
    assert_clean_thumbnail(&thumbnail, size, &source, (1920, 1080));
}

#[test]
fn with_deinterlace_off_the_combs_stay() {
    // What the other tests measure fails without the deinterlacer.
    let fx = Fixture::new();
    let source = clip_1080i(&fx);
    let (rendition, thumbnail, size) = make(&fx, preset("di", "off", "frame", 1920), &source);
    let (interlaced, progressive) = idet(&rendition);
    assert!(interlaced > progressive, "{interlaced} vs {progressive}");
    let combed = comb(&grey(&thumbnail, size.0, size.1), size.0, size.1);
    assert!(combed > 15.0, "the thumbnail keeps its combs: {combed:.1}");
}

#[test]
fn a_576i_bottom_first_anamorphic_clip_at_field_rate() {
    // DVD-like MPEG-2, flagged bottom field first, 16:9 by 64:45 pixels.
    let fx = Fixture::new();
    let encode = [
        "-vf",
        "setsar=64/45",
        "-c:v",
        "mpeg2video",
        "-q:v",
        "3",
        "-flags",
        "+ildct+ilme",
        "-top",
        "0",
    ];
    let source = interlaced_clip(&fx, "dvd.mpg", "720x576", "bottom", &encode);
    assert_eq!(video_fields(&source, ["field_order"]), ["bb".to_owned()]);
    let (rendition, thumbnail, size) = make(&fx, preset("di", "auto", "field", 1024), &source);
    assert_progressive(&rendition);
    assert_eq!(frame_rate(&rendition), "50/1", "a picture per field");
    let frames = frame_count(&rendition);
    assert!(
        (98..=100).contains(&frames),
        "{frames} pictures from 50 frames"
    );
    let probe = ffprobe(&rendition);
    let v = video_stream(&probe);
    let (w, h) = (v["width"].as_u64(), v["height"].as_u64());
    assert_eq!((w, h), (Some(1024), Some(576)), "16:9 in square pixels");
    assert_eq!(size, (1024, 576));
    assert_clean_thumbnail(&thumbnail, size, &source, (720, 576));
}

#[test]
fn an_unflagged_dv_clip_is_found_interlaced_by_its_pictures() {
    // DV's header has no field order: only the pictures tell.
    let fx = Fixture::new();
    let encode = [
        "-vf",
        "setsar=64/45",
        "-c:v",
        "dvvideo",
        "-pix_fmt",
        "yuv420p",
        "-flags",
        "+ildct+ilme",
        "-aspect",
        "16:9",
    ];
    let source = interlaced_clip(&fx, "tape.dv", "720x576", "bottom", &encode);
    assert_eq!(
        video_fields(&source, ["field_order"]),
        ["unknown".to_owned()]
    );
    let (rendition, thumbnail, size) = make(&fx, preset("di", "auto", "frame", 1024), &source);
    assert_progressive(&rendition);
    assert_eq!(frame_rate(&rendition), "25/1");
    assert_eq!(size, (1024, 576));
    assert_clean_thumbnail(&thumbnail, size, &source, (720, 576));
}

/// PSNR (dB, average of all planes) of `a` against `b`.
fn psnr(a: &Path, b: &Path) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-i"])
        .arg(a)
        .arg("-i")
        .arg(b)
        .args(["-lavfi", "psnr", "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr);
    let at = text
        .find("average:")
        .unwrap_or_else(|| panic!("no PSNR: {text}"));
    text[at + 8..]
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .expect("PSNR value")
}

#[test]
fn a_progressive_clip_flagged_interlaced_is_not_harmed() {
    let fx = Fixture::new();
    let source = fx.clip(
        "lying.mp4",
        "1920x1080",
        2.0,
        false,
        &[
            &H264_FAST[..],
            &["-flags", "+ildct+ilme", "-field_order", "tt"],
        ]
        .concat(),
    );
    assert_eq!(video_fields(&source, ["field_order"]), ["tt".to_owned()]);
    let (rendition, _, _) = make(&fx, preset("di", "auto", "frame", 640), &source);
    // Deinterlaced, it would lose vertical detail: about 38 dB.
    let db = psnr(&rendition, &source);
    assert!(db > 45.0, "PSNR {db:.1} dB against the source");
}

#[test]
fn progressive_test_patterns_are_left_alone_though_idet_says_interlaced() {
    // testsrc2's detail one line high: FFmpeg's idet calls these pictures
    // top field first, whether the header says progressive (H.264 in MP4)
    // or nothing (MJPEG in AVI). Deinterlaced, they would fall to about
    // 35 dB against the source; untouched they keep over 50.
    for (name, encode) in [
        ("pattern.mp4", &["-crf", "23"][..]),
        ("pattern.avi", &["-c:v", "mjpeg", "-q:v", "2"][..]),
    ] {
        let fx = Fixture::new();
        let source = fx.clip(name, "640x360", 2.0, false, encode);
        let (interlaced, progressive) = idet(&source);
        assert!(
            interlaced > progressive,
            "{name}: idet's miss, the premise: {interlaced} vs {progressive}"
        );
        let (rendition, _, _) = make(&fx, preset("di", "auto", "frame", 640), &source);
        let db = psnr(&rendition, &source);
        assert!(db > 45.0, "{name}: PSNR {db:.1} dB against the source");
    }
}

#[test]
fn fields_woven_by_the_interlace_filter_are_found_under_a_progressive_header() {
    // 50p made 25i by FFmpeg's `interlace` filter (its vertical low-pass
    // included) and coded as progressive H.264: the header says
    // progressive, the pictures say otherwise.
    let fx = Fixture::new();
    let source = fx.path("woven.mp4");
    let out = source.to_string_lossy().into_owned();
    let graph = "testsrc2=s=720x576:r=50:d=2,interlace";
    ffmpeg(&[&lavfi(&[graph])[..], &H264_FAST[..], &[&out]].concat());
    assert_eq!(video_fields(&source, ["field_order"]), ["progressive"]);
    let (rendition, thumbnail, size) = make(&fx, preset("di", "auto", "frame", 720), &source);
    assert_progressive(&rendition);
    assert_eq!(frame_count(&rendition), 50);
    assert_clean_thumbnail(&thumbnail, size, &source, (720, 576));
}

/// Every picture of `path` as 8-bit grey, `w`x`h`.
fn grey_pictures(path: &Path, w: u32, h: u32) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "decoding {path:?} failed");
    out.stdout
        .chunks((w * h) as usize)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Pictures (after the first) that repeat the one before: a mean
/// difference under one code value, where the moving pattern changes by
/// several between film frames.
fn repeated_pictures(pictures: &[Vec<u8>]) -> usize {
    pictures
        .windows(2)
        .filter(|pair| {
            let total: u64 = pair[0]
                .iter()
                .zip(&pair[1])
                .map(|(a, b)| u64::from(a.abs_diff(*b)))
                .sum();
            (total as f64 / pair[0].len() as f64) < 1.0
        })
        .count()
}

#[test]
fn telecined_film_comes_out_at_its_own_23_976_fps() {
    let fx = Fixture::new();
    // 4 s of 23.976 fps film made 29.97 by 3:2 pulldown, as broadcasts do.
    let source = fx.path("film.mp4");
    let out = source.to_string_lossy().into_owned();
    let graph = "testsrc2=s=720x480:r=24000/1001:d=4,telecine=first_field=top:pattern=23";
    ffmpeg(&[&lavfi(&[graph])[..], &H264_FAST[..], &["-crf", "16", &out]].concat());
    assert_eq!(frame_rate(&source), "30000/1001");
    let (rendition, thumbnail, size) = make(&fx, preset("di", "auto", "frame", 720), &source);
    assert_eq!(frame_rate(&rendition), "24000/1001");
    let pictures = grey_pictures(&rendition, 720, 480);
    assert!(
        (95..=97).contains(&pictures.len()),
        "{} pictures",
        pictures.len()
    );
    assert_eq!(repeated_pictures(&pictures), 0, "no picture shown twice");
    let combed = pictures.iter().filter(|p| comb(p, 720, 480) > 15.0).count();
    assert_eq!(combed, 0, "film frames woven back whole");
    // The film's first frame (its pattern's thin lines score about 10).
    let thumbnail_comb = comb(&grey(&thumbnail, size.0, size.1), size.0, size.1);
    assert!(
        thumbnail_comb < 15.0,
        "thumbnail combed: {thumbnail_comb:.1}"
    );

    // Without it: 120 pictures, one in five repeated or combed.
    let fx = Fixture::new();
    let (rendition, _, _) = make(&fx, preset("di", "off", "frame", 720), &source);
    let pictures = grey_pictures(&rendition, 720, 480);
    let combed = pictures.iter().filter(|p| comb(p, 720, 480) > 15.0).count();
    assert!(
        pictures.len() == 120 && combed >= 40,
        "{} pictures, {combed} combed",
        pictures.len()
    );
}

#[test]
fn a_farm_worker_deinterlaces_as_the_local_engine_does() {
    // The worker runs the ingest's detection on its own copy of the source
    // and decides the same: progressive renditions, a clean thumbnail.
    let fx = Fixture::new();
    let source = clip_1080i(&fx);
    let server = crate::util::nats_server::NatsServer::start(&[]);
    let _worker = crate::util::nats::Worker::start(&server.url, fx.dir.path(), "w", &[]);
    let config = config_with(&fx, &[("di", preset("di", "auto", "frame", 1920))]);
    let run = process_with_config(
        &fx.out_dir(),
        &config,
        &[
            "--nats",
            &server.url,
            "-p",
            "di",
            source.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let rendition = run.rendition_paths()[0].clone();
    assert_progressive(&rendition);
    assert_eq!(frame_count(&rendition), 50);
    let thumbnail = run.one("thumbnail_ready");
    let size = |k: &str| thumbnail[k].as_u64().expect("size") as u32;
    let path = PathBuf::from(thumbnail["path"].as_str().expect("path"));
    assert_clean_thumbnail(
        &path,
        (size("width"), size("height")),
        &source,
        (1920, 1080),
    );
}
