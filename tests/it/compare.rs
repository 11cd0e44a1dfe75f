//! Issue 25: the compare view's frame fetch. A picture asked for by time
//! is the one showing then, whether reached by a seek or by decoding on,
//! and pixel for pixel the same either way.

use vidprism_engine::media::geometry::Size;
use vidprism_engine::media::{FrameReader, RgbPicture};

use crate::util::*;

/// A 25 fps clip with a keyframe every second (seeks land before the time).
fn clip(fx: &Fixture) -> std::path::PathBuf {
    fx.clip("a.mp4", "320x240", 4.0, false, &["-g", "25"])
}

#[test]
fn a_picture_asked_by_time_is_the_one_showing_then() {
    let fx = Fixture::new();
    let path = clip(&fx);
    let mut reader = FrameReader::open(&path).expect("opens");
    let size = Size::new(160, 120);
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let at = |reader: &mut FrameReader, t: f64| reader.picture_at(t, size).expect("picture").time_s;
    assert!(
        near(at(&mut reader, 1.5), 1.48),
        "the last picture before 1.5 s"
    );
    assert!(near(at(&mut reader, 1.48), 1.48), "exactly at a picture");
    assert!(near(at(&mut reader, 2.7), 2.68), "decoded on");
    assert!(near(at(&mut reader, 0.2), 0.2), "a seek back");
    assert!(near(at(&mut reader, 0.0), 0.0));
    assert!(near(at(&mut reader, 99.0), 3.96), "past the end: the last");
    let p = reader.picture_at(0.5, size).expect("picture");
    assert!(near(p.time_s, 0.48), "{}", p.time_s);
    assert_eq!((p.width, p.height, p.rgb.len()), (160, 120, 160 * 120 * 3));
    assert!((p.duration_s - 0.04).abs() < 1e-6, "{}", p.duration_s);
    let next = reader
        .next_picture(size)
        .expect("decodes")
        .expect("a next one");
    assert!(near(next.time_s, 0.52), "{}", next.time_s);
}

#[test]
fn a_seek_and_a_decode_from_the_start_give_the_same_pixels() {
    let fx = Fixture::new();
    let path = clip(&fx);
    let size = Size::new(320, 240);
    let mut sequential = FrameReader::open(&path).expect("opens");
    let mut picture = sequential.picture_at(0.0, size).expect("first");
    while picture.time_s < 2.3 {
        picture = sequential
            .next_picture(size)
            .expect("decodes")
            .expect("more");
    }
    let mut seeking = FrameReader::open(&path).expect("opens");
    let sought = seeking.picture_at(picture.time_s, size).expect("picture");
    assert_eq!(sought.time_s, picture.time_s);
    assert!(
        sought.rgb == picture.rgb,
        "same pixels at {}",
        picture.time_s
    );
    let other = seeking.picture_at(1.0, size).expect("picture");
    assert!(other.rgb != picture.rgb, "testsrc2 moves");
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let fx = Fixture::new();
    let e = FrameReader::open(&fx.path("gone.mp4"))
        .err()
        .expect("fails");
    assert!(e.to_string().contains("gone.mp4"), "{e}");
}

/// A 6 s source, clean but for a burst of heavy noise from 3.0 to 3.6 s,
/// encoded at a low rate (CRF 42): the score's worst moment (issue 25's
/// "worst moment" button) falls within the burst.
#[test]
fn a_burst_of_noise_is_the_worst_moment() {
    use std::time::Duration;
    use vidprism_engine::pipeline::{Engine, EngineConfig, EventKind, JobRequest};

    let fx = Fixture::new();
    let source = fx.path("burst.mp4");
    let before = [
        &lavfi(&["testsrc2=s=320x240:r=25:d=6"])[..],
        &[
            "-vf",
            "noise=alls=90:allf=t+u:enable='between(t,3,3.6)'",
            "-crf",
            "10",
        ],
    ]
    .concat();
    ffmpeg_h264(&before, &[source.to_str().expect("utf-8")]);
    let preset_file = fx.path("low.toml");
    std::fs::write(
        &preset_file,
        r#"name = "low"
score = "full"
deinterlace = "off"

[[renditions]]
name = "out"
container = "mp4"
video_codec = "h264"
size = "source"
crf = 42
speed = "veryfast"
audio_codec = "none"
"#,
    )
    .expect("preset written");
    let preset = vidprism_engine::presets::read_preset(&preset_file).expect("a preset");
    let engine = Engine::start(EngineConfig::default(), None).expect("engine");
    engine.submit(JobRequest {
        input: source,
        presets: vec![preset],
        out_dir: fx.out_dir(),
    });
    let events = collect_until(&engine, Duration::from_secs(120), |e| e.kind.is_final());
    let score = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RenditionDone(o) => o.quality.clone(),
            _ => None,
        })
        .expect("a scored rendition");
    let series = score.series.clone().expect("a per-frame series");
    assert_eq!(series.len(), 150, "every frame scored");
    let worst = score.worst_moment_s().expect("a worst moment");
    assert!((3.0..3.6).contains(&worst), "worst at {worst} s");
    let marked = score.worst_frames();
    assert!(
        marked.iter().all(|(t, _)| (3.0..3.64).contains(t)),
        "{marked:?}"
    );
}

/// Issue 25's preview sample: 2 s after 3.5 s of a clip with sound start
/// at the keyframe before (a keyframe a second here) and last to 5.5 s,
/// with their video and audio, and from zero.
#[test]
fn a_sample_is_cut_from_the_keyframe_before_with_its_sound() {
    let fx = Fixture::new();
    let source = fx.clip("a.mp4", "320x240", 8.0, true, &["-g", "25"]);
    let sample = fx.path("sample.mkv");
    let cut = vidprism_engine::media::cut_sample(&source, 3.5, 2.0, &sample).expect("cut");
    assert!(
        (cut.start_s - 3.0).abs() < 1e-6,
        "from the keyframe at 3 s: {cut:?}"
    );
    // Its last picture starts before 5.5 s and lasts a picture (0.04 s).
    assert!((2.5..=2.54).contains(&cut.seconds), "to 5.5 s: {cut:?}");
    let probe = ffprobe(&sample);
    assert_eq!(audio_streams(&probe), 1);
    let frames = frame_count(&sample);
    assert!((61..=63).contains(&frames), "{frames} frames");
    let times = frame_times(&sample);
    assert!(times[0].abs() < 0.05, "starts at zero: {}", times[0]);
    assert!(
        decode_errors(&sample).is_empty(),
        "{}",
        decode_errors(&sample)
    );
}

/// An HDR10 source is shown as its SDR rendition looks: the compare
/// view's picture of a PQ grey is the tone-mapped grey (sRGB about 201
/// luma's worth), the same as the engine's H.264 rendition's picture, not
/// the raw 10-bit signal read as SDR (about 128).
#[test]
fn an_hdr_source_is_shown_tone_mapped_as_its_sdr_rendition() {
    let fx = Fixture::new();
    let src = crate::hdr::hdr_grey_clip(&fx, "pq.mp4", "smpte2084", crate::hdr::PQ_100_NITS);
    let run = process(&fx.out_dir(), &["-p", "web", src.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sdr = run
        .rendition_paths()
        .into_iter()
        .next()
        .expect("a rendition");
    let size = Size::new(64, 36);
    let mean = |path: &std::path::Path| {
        let p = FrameReader::open(path)
            .expect("opens")
            .picture_at(0.1, size)
            .expect("picture");
        mean_rgb(&p.rgb, p.width, (0, 0, p.width, p.height))
    };
    let (source, rendition) = (mean(&src), mean(&sdr));
    for c in 0..3 {
        assert!(
            (source[c] - rendition[c]).abs() < 4.0,
            "source {source:?} against the SDR rendition {rendition:?}"
        );
    }
    assert!(
        source[1] > 180.0,
        "tone-mapped, not the raw signal: {source:?}"
    );
}

/// Issue 25's preview of a file not encoded yet starts at the poster's
/// moment: a clip black for its first 3 s and testsrc2 for its last 3 s
/// (a keyframe a second) has it among the keyframes of the second half.
#[test]
fn the_poster_moment_is_past_the_black_start() {
    let fx = Fixture::new();
    let source = fx.path("black_then_test.mp4");
    let graph = "color=c=black:s=320x240:r=25:d=3[a];testsrc2=s=320x240:r=25:d=3[b];\
                 [a][b]concat=n=2:v=1:a=0";
    ffmpeg_h264(
        &lavfi(&[graph]),
        &["-g", "25", source.to_str().expect("utf-8")],
    );
    let moment = vidprism_engine::media::poster_moment(&source).expect("a moment");
    assert!((3.0..6.0).contains(&moment), "at {moment} s");
    let whole = |t: f64| (t - t.round()).abs() < 1e-6;
    assert!(whole(moment), "a keyframe (one a second): {moment}");
}

/// Issue 25: a farm job's rendition comes back with its per-frame score
/// (the quality strip), which its `rendition_done` JSON does not carry:
/// the worker sends it before that event, and the submitter's event has it,
/// a point per frame scored, in time order.
#[test]
fn a_farm_rendition_comes_back_with_its_per_frame_score() {
    use std::time::{Duration, Instant};
    use vidprism_engine::pipeline::{EventKind, JobRequest, JobRunner};
    use vidprism_farm::{FarmClient, FarmConnection, Files};

    let fx = Fixture::new();
    let clip = fx.clip("a.mp4", "320x240", 2.0, false, &[]);
    let preset_file = fx.path("scored.toml");
    std::fs::write(
        &preset_file,
        r#"name = "scored"
score = "full"

[[renditions]]
name = "out"
container = "mp4"
video_codec = "h264"
size = "source"
crf = 30
speed = "veryfast"
audio_codec = "none"
"#,
    )
    .expect("preset written");
    let preset = vidprism_engine::presets::read_preset(&preset_file).expect("a preset");
    let server = crate::util::nats_server::NatsServer::start(&[]);
    let connection = FarmConnection::new(server.url.clone());
    let _worker = crate::util::nats::in_process_worker(&connection, fx.path("scratch"));
    let client = FarmClient::connect(&connection, Files::ObjectStore, None).expect("client");
    client.submit(JobRequest {
        input: clip,
        presets: vec![preset],
        out_dir: fx.out_dir(),
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let score = loop {
        let event = client
            .events()
            .recv_deadline(deadline)
            .expect("the rendition in time");
        match event.kind {
            EventKind::RenditionDone(output) => break output.quality.expect("scored"),
            kind => assert!(!kind.is_final(), "{kind:?}"),
        }
    };
    let series = score.series.clone().expect("the per-frame score came back");
    assert_eq!(series.len() as u64, score.frames, "a point per frame");
    assert_eq!(series.len(), 50);
    assert!(series.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
    let mean = series.iter().map(|(_, s)| s).sum::<f64>() / series.len() as f64;
    assert!(
        (mean - score.ssim).abs() < 1e-4,
        "{mean} against {}",
        score.ssim
    );
}

/// Mean absolute difference of two pictures' RGB bytes.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.len().max(1) as f64
}

/// Issue 25 with issue 27's crop: a letterboxed source whose preset crops
/// its bars is shown through its job's plan (the crop its `probed` said),
/// so the source side shows the rendition's picture area: the two
/// pictures nearly the same, where the whole frame scaled to the
/// rendition's size would differ (bars over a quarter of it, squeezed).
#[test]
fn a_cropped_source_is_shown_as_its_rendition_was_cut() {
    use vidprism_engine::media::plan_pictures;
    use vidprism_engine::presets::{Crop, CropRule, PictureRules};

    let fx = Fixture::new();
    let source = fx.path("bars.mp4");
    let out = source.to_string_lossy().into_owned();
    let graph = "testsrc2=s=320x180:r=25:d=2,pad=320:240:0:30";
    ffmpeg(&[&lavfi(&[graph])[..], &H264_FAST[..], &["-g", "25", &out]].concat());
    let preset = r#"name = "bars"
crop = "auto"

[[renditions]]
name = "full"
container = "mp4"
video_codec = "h264"
size = "source"
crf = 16
speed = "ultrafast"
audio_codec = "none"
"#;
    let config = config_with(&fx, &[("bars", preset.to_owned())]);
    let run = process_presets(&fx.out_dir(), &config, &["bars"], &source);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let crop: Crop =
        serde_json::from_value(run.one("probed")["crop"].clone()).expect("a crop reported");
    let rendition = run.rendition_paths()[0].clone();
    let size = Size::new(320, 180);
    let picture = |reader: &mut FrameReader| reader.picture_at(1.0, size).expect("picture").rgb;
    let made = picture(&mut FrameReader::open(&rendition).expect("opens"));
    let rules = PictureRules {
        crop: CropRule::Fixed(crop),
        ..PictureRules::default()
    };
    let plan = plan_pictures(&source, rules).expect("a plan");
    let prepared = picture(&mut FrameReader::open_prepared(&source, plan).expect("opens"));
    let whole = picture(&mut FrameReader::open(&source).expect("opens"));
    let (same, bars) = (
        mean_difference(&prepared, &made),
        mean_difference(&whole, &made),
    );
    assert!(same < 4.0, "cropped source against the rendition: {same}");
    assert!(bars > 4.0 * same.max(1.0), "the whole frame: {bars}");
}

/// Issue 25 with issue 27's deinterlacing: an interlaced source whose job
/// deinterlaces at field rate is shown as its renditions got it, a picture
/// per field (0.02 s apart at 25i) without the woven fields' combing.
#[test]
fn an_interlaced_source_is_shown_deinterlaced_as_its_renditions_were() {
    use vidprism_engine::media::plan_pictures;
    use vidprism_engine::presets::{DeinterlaceRule, FieldRate, PictureRules};

    let fx = Fixture::new();
    let source = crate::interlaced::interlaced_clip(&fx, "i.mp4", "320x240", "top", &H264_FAST);
    let rules = PictureRules {
        deinterlace: DeinterlaceRule::Always,
        rate: FieldRate::Field,
        ..PictureRules::default()
    };
    let plan = plan_pictures(&source, rules).expect("a plan");
    assert!(plan.deinterlace.is_some());
    let size = Size::new(320, 240);
    let mut prepared = FrameReader::open_prepared(&source, plan).expect("opens");
    let mut whole = FrameReader::open(&source).expect("opens");
    let green = |rgb: &[u8]| -> Vec<u8> { rgb.chunks_exact(3).map(|p| p[1]).collect() };
    let first = prepared.picture_at(1.0, size).expect("picture");
    assert!((first.time_s - 1.0).abs() < 1e-6, "{}", first.time_s);
    assert!(
        (first.duration_s - 0.02).abs() < 1e-6,
        "{}",
        first.duration_s
    );
    let next = prepared.next_picture(size).expect("decodes").expect("more");
    assert!(
        (next.time_s - 1.02).abs() < 1e-6,
        "a picture per field: {}",
        next.time_s
    );
    let woven = whole.picture_at(1.0, size).expect("picture");
    let (clean, combed) = (
        crate::interlaced::comb(&green(&first.rgb), 320, 240),
        crate::interlaced::comb(&green(&woven.rgb), 320, 240),
    );
    assert!(
        combed > 2.0 * clean,
        "woven {combed} against deinterlaced {clean}"
    );
}

/// A clip with B-pictures nothing refers to (x264 veryfast: three between
/// references) and one keyframe for its 6 s, so a seek decodes far.
fn b_picture_clip(fx: &Fixture) -> std::path::PathBuf {
    let path = fx.path("b.mp4");
    let out = path.to_string_lossy().into_owned();
    ffmpeg(
        &[
            &lavfi(&["testsrc2=s=320x240:r=25:d=6"])[..],
            &["-c:v", "libx264", "-preset", "veryfast", "-bf", "3"],
            &["-g", "250", "-pix_fmt", "yuv420p", &out],
        ]
        .concat(),
    );
    path
}

/// Issue 25's scrub: on the way to a time the pictures nothing refers to
/// are left undecoded, yet the picture given is pixel for pixel the one a
/// decode from the start reaches, at every time tried (B-pictures among
/// them); and the keyframe the seek landed on is offered first.
#[test]
fn a_scrub_skipping_unreferenced_pictures_gives_the_exact_picture() {
    let fx = Fixture::new();
    let path = b_picture_clip(&fx);
    let size = Size::new(160, 120);
    let mut sequential = FrameReader::open(&path).expect("opens");
    let mut all = vec![sequential.picture_at(0.0, size).expect("first")];
    while let Some(p) = sequential.next_picture(size).expect("decodes") {
        all.push(p);
    }
    assert_eq!(all.len(), 150);
    for t in [5.0, 1.3, 4.52, 2.0, 3.96, 0.7, 5.96] {
        let mut reader = FrameReader::open(&path).expect("opens");
        let (p, offered) = fetch_offered(&mut reader, t, size);
        let want = all
            .iter()
            .rev()
            .find(|q| q.time_s <= t + 1e-6)
            .expect("one");
        assert_eq!(p.time_s, want.time_s);
        assert!(p.rgb == want.rgb, "the same pixels at {t}");
        assert_eq!(offered, [0.0], "the keyframe first, for {t}");
    }
}

/// The picture at `t` and the times of the pictures offered on the way
/// (the keyframe a seek landed on).
fn fetch_offered(reader: &mut FrameReader, t: f64, size: Size) -> (RgbPicture, Vec<f64>) {
    let mut offered = Vec::new();
    let p = reader
        .picture_at_early(t, size, &mut |early| {
            offered.extend(early.map(|p| p.time_s));
            true
        })
        .expect("decodes")
        .expect("not stopped");
    (p, offered)
}

/// A fetch told to stop (a newer time asked) gives nothing, and the
/// reader then gives the next time asked exactly.
#[test]
fn a_stopped_scrub_leaves_the_reader_ready_for_the_next() {
    let fx = Fixture::new();
    let path = b_picture_clip(&fx);
    let size = Size::new(160, 120);
    let mut reader = FrameReader::open(&path).expect("opens");
    let stopped = reader
        .picture_at_early(5.0, size, &mut |early| early.is_some())
        .expect("decodes");
    assert_eq!(stopped, None);
    let p = reader.picture_at(2.52, size).expect("picture");
    let mut fresh = FrameReader::open(&path).expect("opens");
    let want = fresh.picture_at(2.52, size).expect("picture");
    assert!((p.time_s - 2.52).abs() < 1e-6, "{}", p.time_s);
    assert!(p.rgb == want.rgb);
}

/// A drag forward within a group of pictures decodes on from the picture
/// shown instead of seeking back to the keyframe (the file's index says
/// where it is), and still gives the exact picture; a time behind is
/// sought.
#[test]
fn a_scrub_ahead_in_the_same_group_of_pictures_decodes_on_exactly() {
    let fx = Fixture::new();
    let path = b_picture_clip(&fx);
    let size = Size::new(160, 120);
    let mut reader = FrameReader::open(&path).expect("opens");
    reader.picture_at(1.0, size).expect("picture");
    let fetch = |reader: &mut FrameReader, t: f64| {
        let (p, offered) = fetch_offered(reader, t, size);
        let want = FrameReader::open(&path)
            .expect("opens")
            .picture_at(t, size)
            .expect("picture");
        assert_eq!(p.time_s, want.time_s);
        assert!(p.rgb == want.rgb, "the same pixels at {t}");
        offered
    };
    assert_eq!(fetch(&mut reader, 4.0), [0.0; 0], "3 s ahead: decoded on");
    assert_eq!(fetch(&mut reader, 5.52), [0.0; 0]);
    assert_eq!(fetch(&mut reader, 2.0), [0.0], "behind: from the keyframe");
    // Read as before this (a seek unless within 1 s ahead), the same drag
    // goes back to the keyframe: what the first check tells apart.
    let mut before = FrameReader::open(&path).expect("opens");
    before.decode_on_in_gop(false);
    before.picture_at(1.0, size).expect("picture");
    assert_eq!(fetch(&mut before, 4.0), [0.0], "sought");
}
