//! HDR: an HDR10 (PQ) or HLG source, 10-bit HEVC with mastering metadata as
//! phones record, keeps its HDR in the renditions that can hold it (10-bit,
//! the same transfer, the mastering display and light levels) and is
//! tone-mapped to SDR BT.709 in H.264 renditions and the thumbnail, where a
//! flat 100 cd/m² PQ grey must come out as an SDR grey, neither dull nor
//! blown out. An SDR source is made as before.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::hdr_clips::{hevc_10bit_clip, mastering};
use crate::util::tone_reference::{cpu_has_avx512, mean, psnr, raw_frames, yuv420p_luma, PqToSdr};
use crate::util::*;

/// 10-bit limited-range code value of a 100 cd/m² PQ signal (0.508).
pub(crate) const PQ_100_NITS: &str = "509";
/// HLG's reference white: 75% of the signal (203 cd/m² on a 1000 cd/m²
/// display).
const HLG_REFERENCE_WHITE: &str = "721";
/// Where a flat HDR grey must land as 8-bit limited-range SDR luma, and
/// how far the encodes and the thumbnail's JPEG may move it. PQ's 100 cd/m²
/// grey: the exact chain's value (`tone_reference`, 200.5; the README's
/// "201"); HLG's reference white: the README's 218. Untouched PQ code
/// values (the old bug) give 126-129, hable 151 and 182.
const PQ_GREY_SDR: f64 = 200.5;
const HLG_WHITE_SDR: f64 = 218.0;
const GREY_TOLERANCE: f64 = 1.5;

fn assert_grey(luma: f64, expected: f64, what: &str) {
    assert!(
        (luma - expected).abs() <= GREY_TOLERANCE,
        "{what}: SDR grey at luma {luma:.1}, expected {expected} ± {GREY_TOLERANCE}"
    );
}

/// A flat grey 10-bit HEVC clip at 10-bit code `luma`, with `transfer`
/// ("smpte2084" or "arib-std-b67"), BT.2020, the mastering display of
/// `util::hdr_clips` and MaxCLL 1000, MaxFALL 400.
pub(crate) fn hdr_grey_clip(fx: &Fixture, name: &str, transfer: &str, luma: &str) -> PathBuf {
    let source =
        format!("nullsrc=s=640x360:r=25:d=0.4,format=yuv420p10le,geq=lum={luma}:cb=512:cr=512");
    hevc_10bit_clip(fx, name, &source, transfer, &mastering(transfer), &[])
}

/// ffprobe's (pix_fmt, color_transfer, color_primaries, color_space,
/// color_range) of the video stream.
fn video_format(path: &Path) -> [String; 5] {
    video_fields(
        path,
        [
            "pix_fmt",
            "color_transfer",
            "color_primaries",
            "color_space",
            "color_range",
        ],
    )
}

/// The side data of the video stream (container) and of its first frame
/// (bitstream), by type name.
fn side_data(path: &Path) -> (Vec<Value>, Vec<Value>) {
    let json = |args: &[&str]| -> Value {
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-of", "json", "-select_streams", "v:0"])
            .args(args)
            .arg(path)
            .output()
            .expect("ffprobe runs");
        serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
    };
    let streams = json(&["-show_streams"]);
    let frames = json(&["-show_frames", "-read_intervals", "%+#1"]);
    let list = |v: &Value| {
        v["side_data_list"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| {
                let kind = s["side_data_type"].as_str().unwrap_or("");
                kind.starts_with("Mastering") || kind.starts_with("Content light")
            })
            .collect::<Vec<_>>()
    };
    (list(&streams["streams"][0]), list(&frames["frames"][0]))
}

/// The mastering display's peak (cd/m²) and MaxCLL a side-data list says.
fn light(side: &[Value]) -> (Option<f64>, Option<u64>) {
    let ratio = |text: &str| {
        let (n, d) = text.split_once('/')?;
        Some(n.parse::<f64>().ok()? / d.parse::<f64>().ok()?)
    };
    let peak = side
        .iter()
        .find_map(|s| s["max_luminance"].as_str().and_then(ratio));
    let cll = side.iter().find_map(|s| s["max_content"].as_u64());
    (peak, cll)
}

/// Mean 8-bit luma code of the first frame, as stored (signalstats).
fn mean_luma(path: &Path) -> f64 {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "info", "-i"])
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-vf",
            "signalstats,metadata=print:key=lavfi.signalstats.YAVG",
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.split("lavfi.signalstats.YAVG=").nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no YAVG for {path:?}: {text}"))
}

/// The thumbnail's mean colour and its BT.709 luma (full range, 0-255).
fn thumbnail_grey(run: &Run) -> ([f64; 3], f64) {
    let path = PathBuf::from(
        run.one("thumbnail_ready")["path"]
            .as_str()
            .expect("thumbnail path"),
    );
    let rgb = image::open(&path).expect("thumbnail").to_rgb8();
    let (w, h) = rgb.dimensions();
    let mean = mean_rgb(rgb.as_raw(), w, (w / 4, h / 4, 3 * w / 4, 3 * h / 4));
    let luma = 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2];
    (mean, luma)
}

/// The video's width and height.
fn size(path: &Path) -> (u64, u64) {
    let probe = ffprobe(path);
    let v = video_stream(&probe);
    (
        v["width"].as_u64().unwrap_or(0),
        v["height"].as_u64().unwrap_or(0),
    )
}

fn by_codec(run: &Run, codec: &str) -> PathBuf {
    run.rendition_paths()
        .into_iter()
        .find(|p| video_stream(&ffprobe(p))["codec_name"] == codec)
        .unwrap_or_else(|| panic!("no {codec} rendition: {:#?}", run.events))
}

/// Runs web (H.264), hevc and webm (VP9) on an HDR grey clip and checks
/// every output.
fn assert_hdr_kept_and_sdr_tone_mapped(src: &Path, transfer: &str, grey: f64) {
    let fx = Fixture::new();
    let run = process(
        &fx.out_dir(),
        &[
            "-p",
            "web",
            "-p",
            "hevc",
            "-p",
            "webm",
            src.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.rendition_paths().len(), 3, "{:#?}", run.events);

    for codec in ["hevc", "vp9"] {
        let kept = by_codec(&run, codec);
        assert_eq!(
            video_format(&kept),
            ["yuv420p10le", transfer, "bt2020", "bt2020nc", "tv"].map(String::from),
            "{kept:?}"
        );
        // The mastering display and light levels, in the container (MP4
        // mdcv/clli, WebM MasteringMetadata).
        let (stream, frame) = side_data(&kept);
        assert_eq!(
            light(&stream),
            (Some(1000.0), Some(1000)),
            "{kept:?}: {stream:?}"
        );
        if codec == "hevc" {
            // And as SEI in the HEVC bitstream, which every decoder sees.
            assert_eq!(light(&frame), light(&stream), "{frame:?}");
            let probe = ffprobe(&kept);
            assert_eq!(video_stream(&probe)["profile"], "Main 10");
        }
    }

    let sdr = by_codec(&run, "h264");
    assert_eq!(
        video_format(&sdr),
        ["yuv420p", "bt709", "bt709", "bt709", "tv"].map(String::from),
        "{sdr:?}"
    );
    assert!(side_data(&sdr).0.is_empty() && side_data(&sdr).1.is_empty());
    assert_grey(mean_luma(&sdr), grey, "H.264");

    let (rgb, luma) = thumbnail_grey(&run);
    let sdr_luma = 16.0 + luma * 219.0 / 255.0;
    assert_grey(sdr_luma, grey, &format!("thumbnail {rgb:?}"));
    assert!(
        rgb.iter().all(|c| (c - rgb[1]).abs() < 4.0),
        "the thumbnail's grey is tinted: {rgb:?}"
    );
}

#[test]
fn hdr10_stays_hdr_in_hevc_and_vp9_and_becomes_sdr_grey_in_h264_and_thumbnail() {
    let fx = Fixture::new();
    let src = hdr_grey_clip(&fx, "pq.mp4", "smpte2084", PQ_100_NITS);
    // The source is what the test means (10-bit codes; read as 8-bit
    // untouched, as before, that is 126-129).
    let raw = mean_luma(&src);
    assert!((505.0..=513.0).contains(&raw), "{raw}");
    assert_hdr_kept_and_sdr_tone_mapped(&src, "smpte2084", PQ_GREY_SDR);
}

#[test]
fn hlg_stays_hlg_in_hevc_and_vp9_and_becomes_sdr_in_h264_and_thumbnail() {
    let fx = Fixture::new();
    let src = hdr_grey_clip(&fx, "hlg.mp4", "arib-std-b67", HLG_REFERENCE_WHITE);
    assert_hdr_kept_and_sdr_tone_mapped(&src, "arib-std-b67", HLG_WHITE_SDR);
}

#[test]
fn tonemap_rule_makes_hevc_sdr_and_keep_refuses_h264() {
    let fx = Fixture::new();
    let src = hdr_grey_clip(&fx, "pq.mp4", "smpte2084", PQ_100_NITS);
    let config = config_with(
        &fx,
        &[(
            "hevc-sdr",
            "name = \"hevc-sdr\"\nhdr = \"tonemap\"\n\n[[renditions]]\nname = \"sdr\"\n\
             container = \"mp4\"\nvideo_codec = \"hevc\"\nsize = 360\ncrf = 28\nspeed = \"ultrafast\"\n\
             audio_codec = \"none\"\n"
                .to_owned(),
        )],
    );
    let run = process_presets(&fx.out_dir(), &config, &["hevc-sdr"], &src);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = by_codec(&run, "hevc");
    assert_eq!(
        video_format(&out),
        ["yuv420p", "bt709", "bt709", "bt709", "tv"].map(String::from)
    );
    assert_eq!(video_stream(&ffprobe(&out))["profile"], "Main");
    assert!(side_data(&out).0.is_empty(), "no HDR metadata on SDR");
    assert_grey(mean_luma(&out), PQ_GREY_SDR, "HEVC tone-mapped");

    // `keep` on H.264 is refused by `presets --check`, saying the way out.
    let keep = fx.path("keep.toml");
    std::fs::write(
        &keep,
        "name = \"h264-hdr\"\nhdr = \"keep\"\n\n[[renditions]]\nname = \"x\"\n\
         container = \"mp4\"\nvideo_codec = \"h264\"\nsize = 360\naudio_codec = \"none\"\n",
    )
    .expect("preset written");
    let (code, stdout, _) =
        vidprism_with_config(&config, &["presets", "--check", keep.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stdout.contains("H.264 cannot hold HDR"), "{stdout}");
    assert!(stdout.contains("hdr = \"auto\""), "{stdout}");
}

#[test]
fn renditions_smaller_than_the_source_are_tone_mapped_at_their_size_with_the_same_grey() {
    // The tone-mapper scales to the largest SDR rendition (240 lines of a
    // 360-line source) before its LUT; the grey must land as at full size
    // (201 by FFmpeg's own chain), in both renditions.
    let fx = Fixture::new();
    let src = hdr_grey_clip(&fx, "pq.mp4", "smpte2084", PQ_100_NITS);
    let config = config_with(
        &fx,
        &[(
            "small",
            "name = \"small\"\n\n[[renditions]]\nname = \"a\"\ncontainer = \"mp4\"\n\
             video_codec = \"h264\"\nsize = 240\naudio_codec = \"none\"\n\n\
             [[renditions]]\nname = \"b\"\ncontainer = \"mp4\"\nvideo_codec = \"h264\"\n\
             size = 180\naudio_codec = \"none\"\n"
                .to_owned(),
        )],
    );
    let run = process_presets(&fx.out_dir(), &config, &["small"], &src);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let outs = run.rendition_paths();
    assert_eq!(outs.len(), 2, "{:#?}", run.events);
    let mut heights: Vec<String> = Vec::new();
    for out in &outs {
        let probe = ffprobe(out);
        let v = video_stream(&probe);
        heights.push(v["height"].to_string());
        assert_eq!(
            video_format(out),
            ["yuv420p", "bt709", "bt709", "bt709", "tv"].map(String::from)
        );
        assert_grey(mean_luma(out), PQ_GREY_SDR, &format!("{out:?}"));
    }
    heights.sort();
    assert_eq!(heights, ["180", "240"]);
}

#[test]
fn an_sdr_source_keeps_its_pictures_and_tags_untouched_by_the_hdr_path() {
    let fx = Fixture::new();
    let src = fx.clip("sdr.mp4", "640x360", 0.4, false, &BT709_TAGS);
    let run = process(&fx.out_dir(), &["-p", "hevc", src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = by_codec(&run, "hevc");
    assert_eq!(
        video_format(&out),
        ["yuv420p", "bt709", "bt709", "bt709", "tv"].map(String::from)
    );
    assert_eq!(video_stream(&ffprobe(&out))["profile"], "Main");
    assert!(side_data(&out).0.is_empty() && side_data(&out).1.is_empty());
    assert!(run.one("probed").get("hdr").is_none());
    // The pictures are the source's, only encoded: no tone curve, no gamut
    // or range conversion (any of them moves luma by tens of code values:
    // under 25 dB).
    assert_eq!(size(&out), (640, 360));
    let psnr = luma_psnr(&out, &src);
    assert!(psnr > 38.0, "luma PSNR {psnr:.1} dB against the source");
}

/// PSNR of the luma of `a` against `b` (ffmpeg's psnr filter).
fn luma_psnr(a: &Path, b: &Path) -> f64 {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "info", "-i"])
        .arg(a)
        .arg("-i")
        .arg(b)
        .args(["-lavfi", "[0:v][1:v]psnr", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter(|l| l.contains("PSNR"))
        .find_map(|l| l.split(" y:").nth(1))
        .and_then(|v| v.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no PSNR: {text}"))
}

#[test]
fn tone_mapping_matches_the_mobius_chain_computed_per_pixel() {
    // Colours as a camera sees them (a blurred test pattern, at most a few
    // hundred cd/m², half saturated): the table must give what the exact
    // chain (PQ, BT.2020 to BT.709, mobius on max(R,G,B), BT.1886's inverse)
    // gives, computed here per pixel in f64, to within the encoder's loss.
    let fx = Fixture::new();
    let source = "testsrc2=s=640x360:r=25:d=0.2,boxblur=8,format=yuv420p10le,\
        geq=lum='64+(lum(X,Y)-64)*0.6':cb='512+(cb(X,Y)-512)*0.4':cr='512+(cr(X,Y)-512)*0.4'";
    let src = hevc_10bit_clip(&fx, "natural.mp4", source, "smpte2084", "", &["-crf", "4"]);
    let out = src.to_string_lossy().into_owned();
    let run = process(&fx.out_dir(), &["-p", "web", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let made = by_codec(&run, "h264");
    assert_eq!(size(&made), (640, 360));

    // No MaxCLL nor mastering peak: the curve's peak is 1000 cd/m².
    let reference = PqToSdr::new(1000.0).luma_planes(&raw_frames(&src, "yuv420p10le"), 640, 360);
    let luma = yuv420p_luma(&raw_frames(&made, "yuv420p"), 640, 360);
    let psnr = psnr(&luma, &reference);
    let (made_mean, reference_mean) = (mean(&luma), mean(&reference));
    // The encode alone (CRF 23) costs about 49 dB here; the untouched PQ
    // values would be near 10 dB, FFmpeg's chain on an AVX-512 CPU 18.7 dB.
    // Measured: 46.5 dB, mean luma 101.44 against 101.71.
    assert!(
        psnr > 45.0,
        "luma PSNR {psnr:.1} dB against the exact chain"
    );
    assert!(
        (made_mean - reference_mean).abs() < 0.6,
        "mean luma {made_mean:.2} against the exact chain's {reference_mean:.2}"
    );

    // FFmpeg's own chain agrees where its zimg is right (no AVX-512).
    if !cpu_has_avx512() {
        let ffmpeg_chain = fx.path("reference.mkv");
        ffmpeg(&[
            "-i",
            &out,
            "-vf",
            "zscale=tin=smpte2084:min=bt2020nc:pin=bt2020:rin=tv:t=linear:npl=100,format=gbrpf32le,\
             zscale=p=bt709,tonemap=mobius:desat=0:peak=10,zscale=t=bt709:m=bt709:r=tv,format=yuv420p",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            ffmpeg_chain.to_str().unwrap(),
        ]);
        let psnr = luma_psnr(&made, &ffmpeg_chain);
        assert!(psnr > 45.0, "luma PSNR {psnr:.1} dB against FFmpeg's chain");
    }
}
