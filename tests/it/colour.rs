//! Colour: every rendition and thumbnail is tagged with primaries,
//! transfer, matrix and range, and decodes to the source's colours. A flat
//! saturated green shows a BT.601/BT.709 mix-up as about 27 levels of green.

use std::path::{Path, PathBuf};

use crate::util::hdr_clips::{hevc_10bit_clip, mastering};
use crate::util::*;

/// The patch's colour as the source was made from it.
const GREEN: [f64; 3] = [32.0, 192.0, 64.0];

/// How far (per channel, 0-255) a decoded patch may be from another:
/// rounding through 8-bit YUV and the encoder's quantisation, well under a
/// matrix mix-up (27) or a range mix-up (about 20).
const TOLERANCE: f64 = 6.0;

/// A one-second clip of flat `GREEN`, converted to YUV with `matrix` and
/// `range` ("tv" or "pc") into `pix_fmt`, tagged with `tags` (ffmpeg
/// output options, empty for an untagged clip).
fn green_clip(
    fx: &Fixture,
    name: &str,
    size: &str,
    (matrix, range, pix_fmt): (&str, &str, &str),
    tags: &[&str],
) -> PathBuf {
    let path = fx.path(name);
    let source = format!("color=c=0x20C040:s={size}:r=25:d=1,format=rgb24");
    let convert = format!("scale=out_color_matrix={matrix}:out_range={range},format={pix_fmt}");
    let out = path.to_string_lossy().into_owned();
    let mut args = lavfi(&[&source]);
    args.extend(["-vf", &convert]);
    args.extend(tags);
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", &out]);
    ffmpeg(&args);
    path
}

/// ffprobe's (color_space, color_primaries, color_transfer, color_range).
fn colour_tags(path: &Path) -> [String; 4] {
    video_fields(
        path,
        [
            "color_space",
            "color_primaries",
            "color_transfer",
            "color_range",
        ],
    )
}

/// The mean colour of the middle of the first frame, decoded as a player
/// reads the file's tags.
fn patch(path: &Path) -> [f64; 3] {
    let rgb = first_frame_rgb(path, 64, 36);
    mean_rgb(&rgb, 64, (16, 9, 48, 27))
}

fn assert_close(got: [f64; 3], want: [f64; 3], what: &str) {
    let off = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    assert!(
        off <= TOLERANCE,
        "{what}: decoded {got:?}, expected {want:?} (off by {off:.1})"
    );
}

/// Runs the web preset and checks every rendition's tags and colours and
/// the thumbnail's colours against the source's.
fn assert_web_outputs(fx: &Fixture, src: &Path, tags: [&str; 4], renditions: usize) {
    let source_rgb = patch(src);
    assert_close(source_rgb, GREEN, "the source itself");
    let run = process(&fx.out_dir(), &["-p", "web", src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(paths.len(), renditions, "{:#?}", run.events);
    for path in &paths {
        assert_eq!(colour_tags(path), tags.map(String::from), "{path:?}");
        assert_close(patch(path), source_rgb, &format!("{path:?}"));
    }
    assert_close(thumbnail_patch(&run), source_rgb, "the thumbnail");
}

/// The mean colour of the middle of the run's thumbnail.
fn thumbnail_patch(run: &Run) -> [f64; 3] {
    let thumbnail = PathBuf::from(
        run.one("thumbnail_ready")["path"]
            .as_str()
            .expect("thumbnail path"),
    );
    let rgb = image::open(&thumbnail).expect("thumbnail").to_rgb8();
    let (w, h) = rgb.dimensions();
    mean_rgb(rgb.as_raw(), w, (w / 4, h / 4, 3 * w / 4, 3 * h / 4))
}

#[test]
fn bt709_source_gives_bt709_outputs_at_every_size() {
    let fx = Fixture::new();
    let src = green_clip(
        &fx,
        "bt709.mp4",
        "1920x1080",
        ("bt709", "tv", "yuv420p"),
        &BT709_TAGS,
    );
    assert_web_outputs(&fx, &src, ["bt709", "bt709", "bt709", "tv"], 4);
}

#[test]
fn full_range_source_becomes_limited_range_with_the_same_colours() {
    let fx = Fixture::new();
    let src = green_clip(
        &fx,
        "full.mp4",
        "1280x720",
        ("bt709", "pc", "yuvj420p"),
        &[&["-color_range", "pc"][..], &BT709_TAGS].concat(),
    );
    assert_eq!(colour_tags(&src)[3], "pc");
    assert_web_outputs(&fx, &src, ["bt709", "bt709", "bt709", "tv"], 3);
}

#[test]
fn untagged_sd_source_is_read_and_tagged_as_bt601() {
    let fx = Fixture::new();
    // Untagged and SD: players (and FFmpeg) read it as BT.601.
    let src = green_clip(&fx, "sd.mp4", "640x480", ("bt601", "tv", "yuv420p"), &[]);
    assert_eq!(colour_tags(&src)[0], "unknown");
    assert_web_outputs(&fx, &src, ["smpte170m", "smpte170m", "smpte170m", "tv"], 2);
}

#[test]
fn untagged_hd_source_is_read_and_tagged_as_bt709() {
    let fx = Fixture::new();
    // Untagged and HD: players read it as BT.709 (FFmpeg's own decode would
    // guess BT.601, so the source's patch is taken from the tagged copy).
    let src = green_clip(&fx, "hd.mp4", "1280x720", ("bt709", "tv", "yuv420p"), &[]);
    assert_eq!(colour_tags(&src)[0], "unknown");
    let run = process(&fx.out_dir(), &["-p", "web", src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(paths.len(), 3, "{:#?}", run.events);
    for path in &paths {
        assert_eq!(
            colour_tags(path),
            ["bt709", "bt709", "bt709", "tv"].map(String::from),
            "{path:?}"
        );
        assert_close(patch(path), GREEN, &format!("{path:?}"));
    }
    assert_close(thumbnail_patch(&run), GREEN, "the thumbnail");
}

/// A short 10-bit HEVC clip with the HDR transfer `transfer` ("smpte2084"
/// or "arib-std-b67"), BT.2020, with mastering metadata, as phones record.
fn hdr_clip(fx: &Fixture, name: &str, transfer: &str) -> PathBuf {
    let source = "testsrc2=s=640x360:r=25:d=0.4,format=yuv420p10le";
    let hvc1 = ["-tag:v", "hvc1"];
    hevc_10bit_clip(fx, name, source, transfer, &mastering(transfer), &hvc1)
}

#[test]
fn the_probed_event_says_pq_or_hlg_and_nothing_for_sdr() {
    let fx = Fixture::new();
    let pq = hdr_clip(&fx, "pq.mp4", "smpte2084");
    let hlg = hdr_clip(&fx, "hlg.mp4", "arib-std-b67");
    let sdr = fx.clip("sdr.mp4", "320x240", 0.4, false, &[]);
    for (src, want) in [
        (&pq, Some(serde_json::json!({"transfer": "pq"}))),
        (&hlg, Some(serde_json::json!({"transfer": "hlg"}))),
        (&sdr, None),
    ] {
        let run = process(&fx.out_dir(), &["-p", "thumbnail", src.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let probed = run.one("probed");
        assert_eq!(probed.get("hdr").cloned(), want, "{src:?}: {probed}");
    }
}
