//! The window at scale and out of sight: a minimized window (no `ui`
//! pass at all, only `App::logic`) still starts jobs and says the queue
//! finished; with thousands of rows only those in view are laid out; a
//! dropped folder with a symlink loop queues each file once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use vidprism_engine::pipeline::{Event, EventKind, JobRequest};
use vidprism_engine::presets::find_preset;

use crate::ui::app::thumbnail_textures::KEEP_AROUND;
use crate::ui::app::App;
use crate::ui::command::Command;
use crate::ui::state::queue_model::RowStatus;
use crate::ui::state::view_state::ThumbnailTexture;
use crate::ui::tests::fixture::{drop_files, harness_for, step_until, Fixture};

/// What eframe hands `App::logic` while the window is minimized.
fn minimized_input() -> egui::RawInput {
    let mut raw = egui::RawInput {
        focused: false,
        ..Default::default()
    };
    raw.viewports.insert(
        egui::ViewportId::ROOT,
        egui::ViewportInfo {
            minimized: Some(true),
            focused: Some(false),
            ..Default::default()
        },
    );
    raw
}

/// Runs only `App::logic`, as eframe does for a hidden window, until
/// `done` holds.
fn run_hidden(app: &mut App, ctx: &egui::Context, limit: Duration, done: impl Fn(&App) -> bool) {
    let input = minimized_input();
    let start = Instant::now();
    while !done(app) {
        assert!(start.elapsed() < limit, "the hidden window got stuck");
        let _ = ctx.run_logic(&input, |ctx| app.logic(ctx));
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_minimized_window_runs_its_queue_and_says_it_finished() {
    let fx = Fixture::new(&["thumbnail"]);
    // More rows than run at once plus those submitted ahead (1 + 2): the
    // last ones start only once earlier ones ended, all without a frame.
    let mut files: Vec<PathBuf> = (0..2)
        .map(|i| fx.clip(&format!("clip{i}.mp4"), "160x120", 1))
        .collect();
    for i in 0..3 {
        let p = fx.path(&format!("broken{i}.mp4"));
        std::fs::write(&p, b"not a video").expect("write");
        files.push(p);
    }
    let ctx = egui::Context::default();
    let mut app = fx.app();
    app.commands().send(Command::AddPaths(files));
    run_hidden(&mut app, &ctx, Duration::from_secs(60), |app| {
        app.model.rows().len() == 5 && !app.model.is_busy()
    });
    let statuses: Vec<RowStatus> = app.model.rows().iter().map(|r| r.status.clone()).collect();
    assert_eq!(&statuses[..2], [RowStatus::Done, RowStatus::Done]);
    assert!(statuses[2..]
        .iter()
        .all(|s| matches!(s, RowStatus::Failed(_))));
    assert_eq!(
        app.systems.notifier.last,
        Some((
            "VidPrism: queue finished".to_owned(),
            "2 done, 3 failed".to_owned()
        )),
        "the end-of-queue notice comes while minimized"
    );
}

/// `n` waiting rows (the app is paused), each with the same thumbnail
/// file, as if their jobs had made it.
fn many_rows(app: &mut App, fx: &Fixture, n: usize) {
    let thumb = fx.path("thumb.jpg");
    image::RgbImage::from_pixel(640, 360, image::Rgb([30, 120, 200]))
        .save(&thumb)
        .expect("thumbnail written");
    app.paused = true;
    for i in 0..n {
        let row = app.model.add(JobRequest {
            input: PathBuf::from(format!("/videos/row{i:04}.mp4")),
            presets: vec![find_preset("thumbnail").expect("built-in")],
            out_dir: fx.path("out"),
        });
        let job = 100_000 + i as u64;
        app.model.attach(row, job);
        app.model.apply(&Event {
            job,
            t_ms: 0,
            kind: EventKind::ThumbnailReady(vidprism_engine::pipeline::Thumbnail {
                path: thumb.clone(),
                width: 640,
                height: 360,
            }),
        });
    }
}

/// Ready row textures and their largest side in pixels.
fn ready_textures(app: &App) -> (usize, usize) {
    let sizes: Vec<usize> = app
        .view
        .textures
        .values()
        .filter_map(|t| match t {
            ThumbnailTexture::Ready(t) => Some(t.size()[0].max(t.size()[1])),
            _ => None,
        })
        .collect();
    (sizes.len(), sizes.into_iter().max().unwrap_or(0))
}

#[test]
fn with_thousands_of_rows_only_those_in_view_are_laid_out() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    many_rows(&mut app, &fx, 2000);
    let mut harness = harness_for(app, [900.0, 520.0]);
    harness.run_steps(3);
    let laid_out = harness
        .get_all_by_label_contains("presets: thumbnail")
        .count();
    assert!(
        (3..=12).contains(&laid_out),
        "{laid_out} of 2000 rows laid out"
    );
    harness.get_by_label("row0000.mp4");
    assert!(harness.query_by_label("row1999.mp4").is_none());

    // Thumbnails of the rows in view arrive, at row size, a few per frame.
    step_until(&mut harness, Duration::from_secs(20), "thumbnails", |app| {
        ready_textures(app).0 >= laid_out
    });
    let (ready, largest) = ready_textures(harness.state());
    assert!(ready <= laid_out + 2 * KEEP_AROUND, "{ready} textures");
    assert!(
        largest <= 112,
        "row textures are row-sized, got {largest} px"
    );

    // Scrolled to the end: the last rows are laid out, the first ones'
    // textures released.
    harness.hover_at(egui::pos2(450.0, 300.0));
    for _ in 0..40 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Page,
            delta: egui::vec2(0.0, -100.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    harness.run_steps(3);
    harness.get_by_label("row1999.mp4");
    assert!(harness.query_by_label("row0000.mp4").is_none());
    let first = harness.state().model.rows()[0].id;
    assert!(
        !harness.state().view.textures.contains_key(&first),
        "the first row's texture is released"
    );
    assert!(
        harness
            .get_all_by_label_contains("presets: thumbnail")
            .count()
            <= 12
    );
}

/// The area the last frame painted, in window areas: the sum of its
/// triangles (those inside their clip rectangle), which is what a software
/// renderer shades pixel by pixel.
fn painted_windows<S>(harness: &egui_kittest::Harness<'_, S>, size: [f32; 2]) -> f32 {
    let output = harness.output();
    let meshes = harness
        .ctx
        .tessellate(output.shapes.clone(), output.pixels_per_point);
    let mut area = 0.0;
    for clipped in meshes {
        let egui::epaint::Primitive::Mesh(mesh) = clipped.primitive else {
            continue;
        };
        for t in mesh.indices.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|i| mesh.vertices[t[i] as usize].pos);
            if clipped
                .clip_rect
                .contains(egui::pos2((a.x + b.x + c.x) / 3.0, (a.y + b.y + c.y) / 3.0))
            {
                area += ((b - a).x * (c - a).y - (b - a).y * (c - a).x).abs() / 2.0;
            }
        }
    }
    area / (size[0] * size[1])
}

#[test]
fn a_frame_of_a_full_queue_paints_less_than_half_the_window() {
    // Without a GPU every painted pixel costs CPU (llvmpipe: a fill of the
    // whole window about 50 ms): the window clears to the panels' fill, so
    // panels paint no background, and rows are outlined, not filled.
    let size = [1100.0, 720.0];
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    many_rows(&mut app, &fx, 1000);
    let mut harness = harness_for(app, size);
    step_until(&mut harness, Duration::from_secs(20), "thumbnails", |app| {
        ready_textures(app).0 >= 8
    });
    // The harness paints a background of its own, as large as what is in it.
    let mut empty = egui_kittest::Harness::builder()
        .with_size(size)
        .build_ui(|ui| {
            ui.allocate_space(ui.available_size());
        });
    empty.run();
    let harness_own = painted_windows(&empty, size);
    let filled = painted_windows(&harness, size) - harness_own;
    harness.state_mut().view.cleared_to_panel_fill = true;
    harness.run_steps(2);
    let cleared = painted_windows(&harness, size) - harness_own;
    assert!(
        filled >= 1.0,
        "panels painting their fill cover the window: {filled:.2}"
    );
    assert!(
        cleared < 0.5,
        "a frame cleared to the panels' fill paints {cleared:.2} windows"
    );
}

#[test]
fn a_dropped_folder_with_a_symlink_loop_queues_each_file_once() {
    let fx = Fixture::new(&["thumbnail"]);
    let folder = fx.path("phone");
    std::fs::create_dir_all(folder.join("DCIM")).expect("folders");
    for f in ["a.mp4", "DCIM/b.mp4"] {
        std::fs::write(folder.join(f), b"not really a video").expect("write");
    }
    std::os::unix::fs::symlink(&folder, folder.join("DCIM/again")).expect("link to a parent");
    std::os::unix::fs::symlink(folder.join("a.mp4"), folder.join("same.mp4"))
        .expect("link to a file");
    let mut app = fx.app();
    app.paused = true;
    let mut harness = harness_for(app, [900.0, 520.0]);
    drop_files(&mut harness, &[folder.clone(), folder.join("a.mp4")]);
    assert_eq!(
        crate::ui::tests::fixture::inputs(harness.state()),
        [folder.join("DCIM/b.mp4"), folder.join("a.mp4")]
    );
}

#[test]
fn adding_shows_how_many_files_were_found_so_far() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    app.adding.scans = 1;
    app.adding.found = 7;
    let mut harness = harness_for(app, [900.0, 520.0]);
    harness.step();
    assert_eq!(harness.get_all_by_label("Scanning… 7 found").count(), 2);
}

/// CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "thread CPU clock");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `make bench` (a measurement, not a test): a folder of 10,000 files
/// (`VIDPRISM_BENCH_ROWS` to change)
/// dropped on the paused window. Prints how long until every row is
/// there, the median CPU time of a frame while scrolling through them
/// (layout and logic; painting is the renderer's), and the memory the
/// rows cost. Run with `--ignored --nocapture`.
#[test]
#[ignore = "a benchmark: run by scripts/bench.sh"]
fn bench_ten_thousand_rows() {
    let rows: usize = std::env::var("VIDPRISM_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let fx = Fixture::new(&["thumbnail"]);
    let folder = fx.path("many");
    std::fs::create_dir_all(&folder).expect("folder");
    for i in 0..rows {
        std::fs::write(folder.join(format!("clip{i:05}.mp4")), b"").expect("write");
    }
    let mut app = fx.app();
    app.paused = true;
    let mut harness = harness_for(app, [1100.0, 720.0]);
    harness.run_steps(2);
    let rss_before = rss_kib();

    let start = Instant::now();
    harness.input_mut().dropped_files.push(std::sync::Arc::new(
        crate::ui::tests::fixture::TestDrop(folder),
    ));
    let mut frames = 0;
    while harness.state().model.rows().len() < rows || harness.state().adding.is_busy() {
        assert!(start.elapsed() < Duration::from_secs(120), "adding hung");
        harness.step();
        frames += 1;
    }
    let added = start.elapsed();

    harness.hover_at(egui::pos2(500.0, 400.0));
    let mut times = Vec::new();
    for i in 0..200 {
        let delta = if i < 100 { -240.0 } else { 240.0 };
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, delta),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        let cpu = thread_cpu_time();
        harness.step();
        times.push(thread_cpu_time() - cpu);
    }
    times.sort();
    let median = times[times.len() / 2];
    let rss_after = rss_kib();
    println!(
        "window, {rows} rows: all added in {:.2} s ({frames} frames); \
         median frame CPU {:.2} ms (p90 {:.2} ms); memory +{} MiB (RSS {} MiB)",
        added.as_secs_f64(),
        median.as_secs_f64() * 1e3,
        times[times.len() * 9 / 10].as_secs_f64() * 1e3,
        rss_after.saturating_sub(rss_before) / 1024,
        rss_after / 1024,
    );
}
