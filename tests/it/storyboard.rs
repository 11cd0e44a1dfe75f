//! Storyboards and posters (issue 15) made by `vidprism process` with user
//! presets: the cues cover the whole video and point inside their sprites,
//! tiles change over a moving source, the `thumbnail`-like preset (no
//! renditions) gets one from a decode-only pass, `poster = "best"`
//! skips a black opening, a fade and blurred pictures, and an HDR source's tiles and poster are
//! tone-mapped like its thumbnail.

use std::path::{Path, PathBuf};

use vidprism_engine::media::{parse_vtt, StoryboardCue};

use crate::util::*;

/// One small H.264 rendition and a storyboard of `storyboard` (a TOML
/// inline table), with `poster`.
fn preset_with_storyboard(name: &str, storyboard: &str, poster: &str, rendition: bool) -> String {
    let mut text = format!(
        "name = \"{name}\"\n\n[thumbnail]\nstoryboard = {storyboard}\nposter = \"{poster}\"\n"
    );
    if rendition {
        text.push_str(
            "\n[[renditions]]\nname = \"240p\"\ncontainer = \"mp4\"\nvideo_codec = \"h264\"\nsize = 240\nspeed = \"ultrafast\"\naudio_codec = \"none\"\n",
        );
    }
    text
}

/// The storyboard event's VTT, its cues, and its folder.
fn storyboard_of(run: &Run) -> (PathBuf, Vec<StoryboardCue>) {
    let event = run.one("storyboard_ready");
    let vtt = PathBuf::from(event["path"].as_str().expect("path"));
    assert_eq!(
        vtt.file_name().and_then(|n| n.to_str()),
        Some("storyboard.vtt")
    );
    let text = std::fs::read_to_string(&vtt).expect("the VTT is there");
    let cues = parse_vtt(&text).expect("a storyboard VTT");
    assert_eq!(Some(cues.len() as u64), event["tiles"].as_u64(), "{text}");
    (vtt, cues)
}

/// Cues start at 0, follow each other without gaps and the last ends at
/// the video's end, within a frame (25 fps).
fn assert_cues_cover(cues: &[StoryboardCue], duration_s: f64) {
    assert!(!cues.is_empty());
    assert_eq!(cues[0].start_s, 0.0);
    for pair in cues.windows(2) {
        assert!(
            (pair[0].end_s - pair[1].start_s).abs() < 1e-3,
            "gap between {pair:?}"
        );
        assert!(pair[0].end_s > pair[0].start_s);
    }
    let last = cues.last().map(|c| c.end_s).unwrap_or_default();
    assert!(
        (last - duration_s).abs() <= 0.041,
        "the last cue ends at {last} s, the video at {duration_s} s"
    );
}

/// Each sprite decoded, by name.
fn sprites(dir: &Path, cues: &[StoryboardCue]) -> Vec<(String, image::RgbImage)> {
    let mut names: Vec<&str> = cues.iter().map(|c| c.sprite.as_str()).collect();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let img = image::open(dir.join(name))
                .unwrap_or_else(|e| panic!("sprite {name}: {e}"))
                .to_rgb8();
            (name.to_owned(), img)
        })
        .collect()
}

/// The tile's pixels.
fn tile(sprites: &[(String, image::RgbImage)], cue: &StoryboardCue) -> image::RgbImage {
    let (_, sprite) = sprites
        .iter()
        .find(|(n, _)| *n == cue.sprite)
        .expect("its sprite");
    image::imageops::crop_imm(sprite, cue.x, cue.y, cue.width, cue.height).to_image()
}

/// The mean of a picture's sample values (0..255).
fn mean_value(img: &image::RgbImage) -> f64 {
    img.as_raw().iter().map(|v| f64::from(*v)).sum::<f64>() / img.as_raw().len().max(1) as f64
}

fn mean_abs_difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len().max(1) as f64
}

#[test]
fn storyboard_cues_cover_the_video_and_point_inside_their_sprites() {
    let fx = Fixture::new();
    let source = fx.clip("moving.mp4", "640x360", 12.0, false, &[]);
    let config = fx.path("config");
    user_preset(
        &config,
        "scrub",
        &preset_with_storyboard(
            "scrub",
            "{ interval_seconds = 1, columns = 3, rows = 2 }",
            "first",
            true,
        ),
    );
    let run = process_with_config(
        &fx.out_dir(),
        &config,
        &["-p", "scrub", &source.to_string_lossy()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.one("job_done");
    assert_eq!(run.rendition_paths().len(), 1);
    let (vtt, cues) = storyboard_of(&run);
    assert_eq!(cues.len(), 12);
    let duration = duration_s(&ffprobe(&source));
    assert_cues_cover(&cues, duration);
    let dir = vtt.parent().expect("job folder");
    let sprites = sprites(dir, &cues);
    // 12 tiles of 3x2 per sprite: two full sprites.
    assert_eq!(sprites.len(), 2);
    for cue in &cues {
        assert_eq!((cue.width, cue.height), (160, 90), "{cue:?}");
        let (_, sprite) = sprites
            .iter()
            .find(|(n, _)| *n == cue.sprite)
            .expect("sprite");
        assert!(
            cue.x + cue.width <= sprite.width() && cue.y + cue.height <= sprite.height(),
            "{cue:?} outside its {}x{} sprite",
            sprite.width(),
            sprite.height()
        );
    }
    // The test pattern moves: tiles seconds apart differ, and every tile
    // was drawn (none left black).
    let tiles: Vec<image::RgbImage> = cues.iter().map(|c| tile(&sprites, c)).collect();
    for (i, t) in tiles.iter().enumerate() {
        assert!(mean_value(t) > 20.0, "tile {i} is black");
    }
    for later in [3, 7, 11] {
        let d = mean_abs_difference(&tiles[0], &tiles[later]);
        assert!(d > 2.0, "tile {later} looks like tile 0 ({d})");
    }
    // Nothing staged is left behind.
    for file in files_in(dir) {
        assert!(
            !file.to_string_lossy().contains(".vidprism-part"),
            "{file:?}"
        );
    }
}

#[test]
fn a_preset_without_renditions_gets_its_storyboard_from_a_decode_only_pass() {
    let fx = Fixture::new();
    let source = fx.clip("short.mp4", "320x240", 4.0, true, &[]);
    let config = fx.path("config");
    user_preset(
        &config,
        "thumbs",
        &preset_with_storyboard("thumbs", "{ count = 8 }", "first", false),
    );
    let run = process_with_config(
        &fx.out_dir(),
        &config,
        &["-p", "thumbs", &source.to_string_lossy()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.one("job_done")["outputs"],
        2,
        "thumbnail and storyboard"
    );
    assert!(run.rendition_paths().is_empty());
    run.one("thumbnail_ready");
    let (vtt, cues) = storyboard_of(&run);
    assert_eq!(cues.len(), 8);
    assert_cues_cover(&cues, duration_s(&ffprobe(&source)));
    // A 320x240 source gets 160x120 tiles, 8 of them in one sprite of
    // ten columns, one row.
    let sprites = sprites(vtt.parent().expect("folder"), &cues);
    assert_eq!(sprites.len(), 1);
    assert_eq!(sprites[0].1.dimensions(), (1600, 120));
    assert!(cues.iter().all(|c| (c.width, c.height) == (160, 120)));
}

#[test]
fn a_best_poster_skips_a_black_opening() {
    let fx = Fixture::new();
    let source = fx.path("black_start.mp4");
    let s = source.to_string_lossy().into_owned();
    ffmpeg_h264(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=320x240:r=25:d=1.5",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=2.5",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1:a=0",
        ],
        &[&s],
    );
    let config = fx.path("config");
    user_preset(
        &config,
        "poster",
        &preset_with_storyboard("poster", "{ interval_seconds = 1 }", "best", false),
    );
    let run = process_with_config(&fx.out_dir(), &config, &["-p", "poster", &s]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let event = run.one("storyboard_ready");
    assert_eq!(event["poster"], "poster.jpg");
    let (vtt, _) = storyboard_of(&run);
    let poster = image::open(vtt.with_file_name("poster.jpg"))
        .expect("poster.jpg")
        .to_rgb8();
    let thumbnail = run.one("thumbnail_ready");
    assert_eq!(
        (u64::from(poster.width()), u64::from(poster.height())),
        (
            thumbnail["width"].as_u64().unwrap_or(0),
            thumbnail["height"].as_u64().unwrap_or(0)
        ),
        "the poster has the thumbnail's size"
    );
    let first = image::open(thumbnail["path"].as_str().expect("path"))
        .expect("thumbnail")
        .to_rgb8();
    assert!(
        mean_value(&first) < 20.0,
        "the thumbnail stays the (black) first frame"
    );
    assert!(
        mean_value(&poster) > 60.0,
        "the poster is not black: {}",
        mean_value(&poster)
    );
}

/// Mean absolute difference between horizontal neighbours' green values: high
/// for sharp bars, low for blurred ones.
fn edge_energy(img: &[u8], w: u32) -> f64 {
    let row = 3 * w as usize;
    let diffs: Vec<f64> = img
        .chunks_exact(row)
        .flat_map(|line| line.chunks_exact(3).zip(line.chunks_exact(3).skip(1)))
        .map(|(a, b)| f64::from(a[1].abs_diff(b[1])))
        .collect();
    diffs.iter().sum::<f64>() / diffs.len().max(1) as f64
}

#[test]
fn a_best_poster_skips_a_fade_and_blurred_pictures() {
    // One second each of a test pattern: the flat middle of a dissolve (8 % contrast),
    // the pattern blurred, sharp, blurred again. 8 tiles, every 0.5 s.
    let fx = Fixture::new();
    let bars = "testsrc2=s=320x240:r=25:d=1";
    let segments = [
        format!("{bars},eq=contrast=0.08"),
        format!("{bars},boxblur=24"),
        bars.to_owned(),
        format!("{bars},boxblur=24"),
    ];
    let sharp = fx.path("sharp.mp4");
    let blurred = fx.path("blurred.mp4");
    for (graph, path) in [(&segments[2], &sharp), (&segments[1], &blurred)] {
        ffmpeg_h264(&lavfi(&[graph.as_str()]), &[path.to_str().expect("path")]);
    }
    let source = fx.path("dissolve_blur_sharp.mp4");
    let s = source.to_string_lossy().into_owned();
    let graphs: Vec<&str> = segments.iter().map(String::as_str).collect();
    ffmpeg_h264(
        &[
            &lavfi(&graphs)[..],
            &["-filter_complex", "[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0"],
        ]
        .concat(),
        &[&s],
    );
    let config = fx.path("config");
    user_preset(
        &config,
        "poster",
        &preset_with_storyboard("poster", "{ count = 8 }", "best", false),
    );
    let run = process_with_config(&fx.out_dir(), &config, &["-p", "poster", &s]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (vtt, cues) = storyboard_of(&run);
    assert!(cues.len() >= 8, "tiles over every segment: {cues:?}");
    let poster = image::open(vtt.with_file_name("poster.jpg"))
        .expect("poster.jpg")
        .to_rgb8();
    let (w, h) = poster.dimensions();
    let energy = edge_energy(poster.as_raw(), w);
    let sharp_energy = edge_energy(&first_frame_rgb(&sharp, w, h), w);
    let blurred_energy = edge_energy(&first_frame_rgb(&blurred, w, h), w);
    assert!(
        sharp_energy > 2.0 * blurred_energy,
        "the fixture: sharp {sharp_energy:.2}, blurred {blurred_energy:.2}"
    );
    assert!(
        (energy - sharp_energy).abs() < (energy - blurred_energy).abs(),
        "the poster (edges {energy:.2}) is not the sharp pattern ({sharp_energy:.2}; \
         blurred {blurred_energy:.2})"
    );
    assert!(
        mean_value(&poster) > 60.0,
        "the poster is not the flat dissolve: {}",
        mean_value(&poster)
    );
}

#[test]
fn an_hdr_sources_tiles_and_poster_are_tone_mapped_like_its_thumbnail() {
    // A 100 cd/m² PQ grey (10-bit code 509): tone-mapped, SDR RGB about
    // 215 as in the thumbnail; shown as it is, the PQ code values would
    // make a dull grey near 130.
    let fx = Fixture::new();
    let source = crate::hdr::hdr_grey_clip(&fx, "pq.mp4", "smpte2084", "509");
    let s = source.to_string_lossy().into_owned();
    let config = fx.path("config");
    user_preset(
        &config,
        "hdrboard",
        &preset_with_storyboard("hdrboard", "{ count = 4 }", "best", true),
    );
    let run = process_with_config(&fx.out_dir(), &config, &["-p", "hdrboard", &s]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (vtt, cues) = storyboard_of(&run);
    let thumbnail = image::open(run.one("thumbnail_ready")["path"].as_str().expect("path"))
        .expect("thumbnail")
        .to_rgb8();
    let expected = mean_value(&thumbnail);
    assert!((190.0..=240.0).contains(&expected), "thumbnail {expected}");
    let sprites = sprites(vtt.parent().expect("folder"), &cues);
    for cue in &cues {
        let grey = mean_value(&tile(&sprites, cue));
        assert!(
            (grey - expected).abs() < 4.0,
            "{cue:?}: {grey} against {expected}"
        );
    }
    let poster = image::open(vtt.with_file_name("poster.jpg"))
        .expect("poster.jpg")
        .to_rgb8();
    assert!(
        (mean_value(&poster) - expected).abs() < 4.0,
        "poster {}",
        mean_value(&poster)
    );
}

/// On a farm (object store), the worker sends the storyboard's sprites and
/// poster beside its VTT and the submitter fetches them all: the same files
/// as a local run.
#[test]
fn a_farm_job_brings_back_the_whole_storyboard() {
    use crate::util::nats::Worker;
    use crate::util::nats_server::NatsServer;

    let fx = Fixture::new();
    let source = fx.clip("farm.mp4", "320x240", 3.0, false, &[]);
    let s = source.to_string_lossy().into_owned();
    let config = fx.path("config");
    user_preset(
        &config,
        "farmboard",
        &preset_with_storyboard(
            "farmboard",
            "{ interval_seconds = 1, columns = 2, rows = 1 }",
            "best",
            true,
        ),
    );
    let config_env = config.to_string_lossy().into_owned();
    let env = [("VIDPRISM_CONFIG_DIR", config_env.as_str())];
    let local_out = fx.path("local");
    let local = process_with_env(&local_out, &[], &env, &["-p", "farmboard", &s]);
    assert_eq!(local.code, 0, "{}", local.stderr);

    let server = NatsServer::start(&[]);
    let _worker = Worker::start(&server.url, fx.dir.path(), "a", &[]);
    let farm_out = fx.path("farm");
    let farm = process_with_env(
        &farm_out,
        &["--nats", &server.url],
        &env,
        &["-p", "farmboard", &s],
    );
    assert_eq!(farm.code, 0, "{}\n{:#?}", farm.stderr, farm.events);
    farm.one("job_done");
    let (vtt, cues) = storyboard_of(&farm);
    assert!(vtt.starts_with(&farm_out), "{vtt:?}");
    // 3 tiles, two to a sprite: two sprites, and the poster.
    assert_eq!(sprites(vtt.parent().expect("folder"), &cues).len(), 2);
    assert_eq!(relative_files(&farm_out), relative_files(&local_out));
    assert!(relative_files(&farm_out)
        .iter()
        .any(|p| p.ends_with("poster.jpg")));
}

/// A tiny file claiming a long video (two frames 100,000 s apart) gets no
/// more tiles than the limit, spread over the whole of it, instead of
/// 20,000 tiles and 200 sprites.
#[test]
fn two_frames_days_apart_make_at_most_the_limit_of_tiles() {
    let fx = Fixture::new();
    let source = spread_clip(&fx, "gap.mkv", 1, 2, 100_000);
    let source_arg = source.to_string_lossy().into_owned();
    assert!(std::fs::metadata(&source).unwrap().len() < 10_000);
    let config = fx.path("config");
    user_preset(
        &config,
        "thumbs",
        &preset_with_storyboard("thumbs", "{ interval_seconds = 5 }", "first", false),
    );
    let run = process_with_config(&fx.out_dir(), &config, &["-p", "thumbs", &source_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (vtt, cues) = storyboard_of(&run);
    let limit = vidprism_engine::limits::MAX_STORYBOARD_TILES as usize;
    assert_eq!(cues.len(), limit);
    // 100,001 s in 2,000 tiles: about 50 s apart, the last to the end.
    assert_cues_cover(&cues, 100_001.0);
    let mut names: Vec<&str> = cues.iter().map(|c| c.sprite.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), limit / 100, "ten by ten tiles a sprite");
    let dir = vtt.parent().expect("folder");
    let sprite_files = files_in(dir)
        .into_iter()
        .filter(|f| {
            f.to_string_lossy().ends_with(".jpg") && f.to_string_lossy().contains("storyboard-")
        })
        .count();
    assert_eq!(sprite_files, limit / 100);
}
