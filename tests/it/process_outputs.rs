//! `vidprism process` on clips made for each case the engine must handle:
//! sizes, rotation, pixel aspect, audio, variable frame rate, odd sizes,
//! full range, streams that start without a keyframe, every preset.

use crate::util::*;

fn file_names(run: &Run) -> Vec<String> {
    let mut names: Vec<String> = run
        .rendition_paths()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn web_ladder_skips_upscales_and_keeps_audio() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "854x480", 1.0, true, &[]);
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(file_names(&run), ["360p.mp4", "480p.mp4"]);
    let skipped: Vec<_> = run
        .of("rendition_skipped")
        .iter()
        .map(|e| e["rendition"].clone())
        .collect();
    assert_eq!(skipped, ["1080p", "720p"]);
    assert_outputs_sound(&run, Some(1.0));
    let made: Vec<_> = run
        .of("rendition_done")
        .iter()
        .map(|e| (e["width"].clone(), e["height"].clone()))
        .collect();
    assert!(made.contains(&(854.into(), 480.into())));
    assert!(made.contains(&(640.into(), 360.into())));
    for path in run.rendition_paths() {
        let probe = ffprobe(&path);
        assert_eq!(video_stream(&probe)["codec_name"], "h264");
        let audio = probe["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .expect("audio kept");
        assert_eq!(audio["codec_name"], "aac");
        // The source's tone is mono, and mono stays mono (channels rule).
        assert_eq!(audio["channels"], 1);
        // faststart: the index comes before the media data.
        let bytes = std::fs::read(&path).unwrap();
        let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
        assert!(find(b"moov") < find(b"mdat"), "{path:?} is not faststart");
    }
    let thumb = run.one("thumbnail_ready");
    assert_eq!(
        (thumb["width"].as_u64(), thumb["height"].as_u64()),
        (Some(640), Some(360))
    );
    let done = run.one("job_done");
    assert_eq!(done["outputs"], 3);
}

#[test]
fn portrait_rotated_clip_comes_out_upright() {
    let fx = Fixture::new();
    // Coded landscape 1280x720, shown turned a quarter: a 720x1280 portrait.
    // Its 480p and 360p are scaled from its 720p's upright pictures.
    let coded = fx.clip("coded.mp4", "1280x720", 1.0, false, &[]);
    let src = fx.path("rotated.mp4");
    // FFmpeg 5.1 writes the rotation matrix only when remuxing.
    ffmpeg(&[
        "-i",
        coded.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        src.to_str().unwrap(),
    ]);
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let probed = run.one("probed");
    assert_eq!(
        (probed["width"].as_u64(), probed["height"].as_u64()),
        (Some(720), Some(1280))
    );
    let mut sizes: Vec<_> = run
        .of("rendition_done")
        .iter()
        .map(|e| (e["width"].as_u64().unwrap(), e["height"].as_u64().unwrap()))
        .collect();
    sizes.sort();
    assert_eq!(sizes, [(360, 640), (480, 854), (720, 1280)]);
    assert_outputs_sound(&run, Some(1.0));
    let reference = first_frame_rgb(&src, 36, 64);
    for out in run.rendition_paths() {
        assert_eq!(audio_streams(&ffprobe(&out)), 0, "no audio in, none out");
        assert_eq!(frame_count(&out), 25, "{out:?}");
        // No rotation left in the output, and FFmpeg's upright first frame.
        let ours = first_frame_rgb(&out, 36, 64);
        for q in [(0, 0, 18, 32), (18, 32, 36, 64), (0, 32, 18, 64)] {
            let (a, b) = (mean_rgb(&ours, 36, q), mean_rgb(&reference, 36, q));
            assert!(
                (0..3).all(|c| (a[c] - b[c]).abs() < 24.0),
                "{out:?} quadrant {q:?}: {a:?} vs {b:?}"
            );
        }
    }
    let thumb = image::open(run.one("thumbnail_ready")["path"].as_str().unwrap())
        .unwrap()
        .to_rgb8();
    assert_eq!(thumb.dimensions(), (640, 1138));
}

#[test]
fn non_square_pixels_become_square_at_display_aspect() {
    let fx = Fixture::new();
    // 480x360 stored, pixels twice as wide as tall: shown at 960x360.
    let src = fx.clip(
        "anamorphic.mp4",
        "480x360",
        1.0,
        false,
        &["-vf", "setsar=2/1"],
    );
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let done = run.one("rendition_done");
    assert_eq!(
        (done["width"].as_u64(), done["height"].as_u64()),
        (Some(960), Some(360))
    );
    assert_outputs_sound(&run, Some(1.0));
}

#[test]
fn source_smaller_than_every_rendition_gets_the_smallest_at_its_own_size() {
    let fx = Fixture::new();
    // Odd dimensions, full-range yuvj420p.
    let src = fx.clip(
        "tiny.mp4",
        "321x241",
        1.0,
        false,
        &["-c:v", "libx264", "-pix_fmt", "yuvj420p"],
    );
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(file_names(&run), ["360p.mp4"]);
    let done = run.one("rendition_done");
    assert_eq!(
        (done["width"].as_u64(), done["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(run.of("rendition_skipped").len(), 3);
    assert_outputs_sound(&run, Some(1.0));
    let v = ffprobe(&run.rendition_paths()[0]);
    assert_eq!(video_stream(&v)["pix_fmt"], "yuv420p");
}

#[test]
fn variable_frame_rate_keeps_every_timestamp_and_the_last_duration() {
    let fx = Fixture::new();
    // 30 fps for a second, then every third frame (10 fps) for another.
    let src = fx.clip(
        "vfr.mp4",
        "320x240",
        2.0,
        false,
        &[
            "-vf",
            "fps=30,select='lt(n\\,30)+not(mod(n\\,3))'",
            "-vsync",
            "vfr",
        ],
    );
    let source_times = frame_times(&src);
    assert!(
        source_times.len() > 35 && source_times.len() < 55,
        "{}",
        source_times.len()
    );
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.rendition_paths()[0];
    let ours = frame_times(out);
    assert_eq!(
        ours.len(),
        source_times.len(),
        "no frame dropped or duplicated"
    );
    let t0 = (ours[0], source_times[0]);
    for (a, b) in ours.iter().zip(&source_times) {
        assert!(((a - t0.0) - (b - t0.1)).abs() < 0.002, "{a} vs {b}");
    }
    assert_outputs_sound(&run, Some(duration_s(&ffprobe(&src))));
}

#[test]
fn first_audio_track_is_used_and_resampled() {
    let fx = Fixture::new();
    let src = fx.path("two-tracks.mkv");
    let inputs = lavfi(&[
        "testsrc2=s=320x240:r=25:d=1",
        "sine=f=440:d=1:sample_rate=22050",
        "sine=f=880:d=1:sample_rate=44100",
    ]);
    ffmpeg(
        &[
            &inputs[..],
            &map_inputs(3),
            &[
                "-ac:a:0",
                "1",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-c:a",
                "flac",
                src.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    let run = process(
        &fx.out_dir(),
        &["-p", "web", "-p", "webm", src.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(file_names(&run), ["360p.mp4", "480p.webm"]);
    for path in run.rendition_paths() {
        let probe = ffprobe(&path);
        assert_eq!(audio_streams(&probe), 1);
        let a = probe["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .unwrap();
        assert_eq!(a["sample_rate"], "48000");
        // The first track is the mono one, and mono stays mono.
        assert_eq!(a["channels"], 1);
    }
    assert_outputs_sound(&run, Some(1.0));
}

#[test]
fn stream_starting_without_a_keyframe_starts_at_its_first_decodable_frame() {
    let fx = Fixture::new();
    let ts = fx.clip(
        "gop.ts",
        "320x240",
        2.0,
        true,
        &["-c:v", "libx264", "-g", "25", "-bf", "0", "-f", "mpegts"],
    );
    let bytes = std::fs::read(&ts).unwrap();
    // Cut mid-GOP on a transport packet boundary (188 bytes).
    let cut = (bytes.len() / 3) / 188 * 188;
    let headless = fx.path("headless.ts");
    std::fs::write(&headless, &bytes[cut..]).unwrap();
    let run = process(&fx.out_dir(), &[headless.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let out = &run.rendition_paths()[0];
    assert!(decode_errors(out).is_empty());
    let frames = frame_count(out);
    assert!(frames > 5 && frames < 50, "{frames} frames");
}

#[test]
fn every_builtin_preset_works() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "320x240", 1.0, true, &[]);
    let run = process(
        &fx.out_dir(),
        &[
            "-p",
            "web",
            "-p",
            "webm",
            "-p",
            "hevc",
            "-p",
            "av1",
            "-p",
            "thumbnail",
            src.to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.code,
        0,
        "{}\n{:#?}",
        run.stderr,
        run.of("rendition_failed")
    );
    assert_eq!(
        file_names(&run),
        ["360p.mp4", "480p.webm", "720p.mp4", "av1-720p.mp4"]
    );
    assert_outputs_sound(&run, Some(1.0));
    let codec_of = |name: &str| {
        let path = run
            .rendition_paths()
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(name))
            .unwrap();
        let probe = ffprobe(&path);
        let v = video_stream(&probe);
        (
            v["codec_name"].as_str().unwrap().to_owned(),
            v["codec_tag_string"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(codec_of("360p.mp4").0, "h264");
    assert_eq!(codec_of("480p.webm").0, "vp9");
    assert_eq!(codec_of("/720p.mp4"), ("hevc".into(), "hvc1".into()));
    assert_eq!(codec_of("av1-720p.mp4").0, "av1");
    assert_eq!(run.one("job_done")["outputs"], 5);
}

#[test]
fn thumbnail_preset_writes_only_the_thumbnail() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "320x240", 1.0, false, &[]);
    let run = process(&fx.out_dir(), &["-p", "thumbnail", src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = files_in(&fx.out_dir());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("clip/thumbnail.jpg"));
    assert!(run
        .of("stage_started")
        .iter()
        .all(|e| e["stage"] != "transcode"));
}

#[test]
fn existing_output_folder_is_never_overwritten() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "320x240", 0.5, false, &[]);
    let mine = fx.out_dir().join("clip");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("360p.mp4"), b"the user's own file").unwrap();
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(mine.join("360p.mp4")).unwrap(),
        b"the user's own file"
    );
    assert!(run.rendition_paths()[0].starts_with(fx.out_dir().join("clip (2)")));
}

#[test]
fn hostile_file_name_stays_inside_the_output_folder() {
    let fx = Fixture::new();
    let src = fx.clip("..odd 'name' é.mp4", "320x240", 0.5, false, &[]);
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for path in run.rendition_paths() {
        assert!(path.starts_with(fx.out_dir()), "{path:?}");
        let folder = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(!folder.starts_with('.'), "{folder}");
    }
}

#[test]
fn json_mode_prints_only_events_and_every_job_ends_once() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "320x240", 0.5, false, &[]);
    let run = process(&fx.out_dir(), &[src.to_str().unwrap(), "missing.mp4"]);
    assert_eq!(run.code, 1, "one job failed");
    let mut last_t = 0;
    for e in &run.events {
        assert!(e["job"].is_u64() && e["event"].is_string(), "{e}");
        let t = e["t_ms"].as_u64().expect("t_ms");
        assert!(t >= last_t, "t_ms goes back");
        last_t = t;
    }
    for job in [1, 2] {
        let ends = run
            .events
            .iter()
            .filter(|e| {
                e["job"] == job
                    && ["job_done", "job_failed", "cancelled"]
                        .contains(&e["event"].as_str().unwrap())
            })
            .count();
        assert_eq!(ends, 1, "job {job}");
    }
}

#[test]
fn usage_errors_exit_with_status_2() {
    let fx = Fixture::new();
    let run = process(&fx.out_dir(), &["-p", "no-such-preset", "x.mp4"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-preset"));
    assert!(run.events.is_empty());
    let status = vidprism().args(["process"]).output().unwrap().status;
    assert_eq!(status.code(), Some(2), "no files is a usage error");
}

#[test]
fn presets_command_lists_the_builtins() {
    let out = vidprism().args(["presets", "--json"]).output().unwrap();
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["web", "webm", "hevc", "av1", "stream", "thumbnail"]);
}

/// Each stream is held to its own length: a recording whose audio runs
/// past its video is whole, and its outputs keep the audio to its end
/// (players hold the last picture), in Matroska (per-track `DURATION`
/// tags) and MP4 (per-track durations) alike.
#[test]
fn audio_outlasting_the_video_is_kept_to_its_end() {
    for name in ["long-audio.mkv", "long-audio.mp4"] {
        let fx = Fixture::new();
        let src = longer_audio_clip(&fx, name, 1, 4);
        let run = process(&fx.out_dir(), &["-p", "web", src.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{name}: {}\n{:#?}", run.stderr, run.events);
        run.one("job_done");
        assert_eq!(run.rendition_paths().len(), 1, "{name}: {:#?}", run.events);
        for path in run.rendition_paths() {
            assert_eq!(decode_errors(&path), "", "{path:?}");
            assert_eq!(frame_count(&path), 25, "{path:?}");
            let probe = ffprobe(&path);
            let stream_s = |kind: &str| -> f64 {
                probe["streams"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["codec_type"] == kind)
                    .and_then(|s| s["duration"].as_str())
                    .and_then(|d| d.parse().ok())
                    .unwrap_or_else(|| panic!("{path:?}: no {kind} duration"))
            };
            assert!((stream_s("video") - 1.0).abs() < 0.1, "{path:?}");
            assert!((stream_s("audio") - 4.0).abs() < 0.1, "{path:?}");
        }
    }
}

/// A frame-rate cap drops frames and never repeats one: a 30 fps file of
/// three frames 1,000 s apart (3.5 KB) under a 10 fps cap gives three
/// frames lasting the same 2,000 s, not 20,000 repeated ones.
#[test]
fn a_frame_rate_cap_never_fills_a_claimed_gap_with_repeats() {
    let fx = Fixture::new();
    let source = spread_clip(&fx, "gap.mkv", 30, 3, 1000);
    let capped = "name = \"capped\"\n\n[[renditions]]\nname = \"small\"\ncontainer = \"mp4\"\n\
                  video_codec = \"h264\"\nsize = \"source\"\nspeed = \"ultrafast\"\nmax_fps = 10\n\
                  audio_codec = \"none\"\n";
    let config = config_with(&fx, &[("capped", capped.to_owned())]);
    let run = process_presets(&fx.out_dir(), &config, &["capped"], &source);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paths = run.rendition_paths();
    assert_eq!(paths.len(), 1);
    assert_eq!(frame_count(&paths[0]), 3);
    let lasts = duration_s(&ffprobe(&paths[0]));
    assert!((lasts - 2000.0).abs() < 1.0, "{lasts} s");
}
