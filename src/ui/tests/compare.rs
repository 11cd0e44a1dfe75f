//! The compare view (issue 25): opened on a finished job's rendition from
//! its details, both pictures' times read out as they change (a step, a
//! seek), split and flip snapshots, and the view closing with a message
//! when its row is removed or its file goes.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::{Harness, SnapshotOptions};
use vidprism_engine::media::quality::Score;
use vidprism_engine::pipeline::{Event, EventKind, JobDone, JobRequest, Output, SourceFacts};
use vidprism_engine::presets::find_preset;

use crate::ui::app::App;
use crate::ui::command::{Command, RowCommand};
use crate::ui::compare::CompareCommand;
use crate::ui::state::queue_model::RowId;
use crate::ui::tests::fixture::{harness_for, step_until, Fixture};
use vidprism_engine::store::{JobStore, STORE_FILE};

/// A 2 s 320x240 source and its 160x120 rendition "low", both real files.
fn source_and_rendition(fx: &Fixture) -> (PathBuf, PathBuf) {
    let source = fx.clip("a.mp4", "320x240", 2);
    let rendition = fx.path("low.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&source)
        .args(["-vf", "scale=160:120", "-c:v", "libx264", "-crf", "40"])
        .arg(&rendition)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    (source, rendition)
}

/// The events of a job that made `rendition` of the 2 s source, scored
/// `quality`.
fn finished_events(rendition: &std::path::Path, quality: Option<Score>) -> [EventKind; 3] {
    let facts = SourceFacts {
        width: 320,
        height: 240,
        duration_s: Some(2.0),
        fps: 25.0,
        video_codec: "h264".into(),
        audio_codec: None,
        hdr: None,
        crop: None,
    };
    let output = Output {
        rendition: "low".into(),
        path: rendition.to_path_buf(),
        width: 160,
        height: 120,
        bytes: 1000,
        skipped_tracks: Vec::new(),
        sidecars: Vec::new(),
        quality,
    };
    [
        EventKind::Probed(facts),
        EventKind::RenditionDone(output),
        EventKind::JobDone(JobDone { outputs: 1 }),
    ]
}

/// A finished row (the app paused): [`source_and_rendition`], its
/// rendition's score `quality`.
fn finished_row_scored(app: &mut App, fx: &Fixture, quality: Option<Score>) -> (RowId, PathBuf) {
    let (source, rendition) = source_and_rendition(fx);
    app.paused = true;
    let row = app.model.add(JobRequest {
        input: source,
        presets: vec![find_preset("web").expect("built-in")],
        out_dir: fx.path("out"),
    });
    app.model.attach(row, 42);
    for kind in finished_events(&rendition, quality) {
        app.apply_event(&Event {
            job: 42,
            t_ms: 0,
            kind,
        });
    }
    (row, rendition)
}

/// Both sides show the picture at `time` (as the labels read it).
fn wait_for_both(harness: &mut Harness<'_, App>, time: &str) {
    wait_for_both_named(harness, time);
    harness.get_by_label(&format!("low at {time}"));
}

/// Both sides show the picture at `time`; the source's label says so.
/// Event-driven: the window is stepped each time a side's worker has news,
/// however long that takes on a loaded machine (the limit only stops a
/// test whose workers went quiet for good).
fn wait_for_both_named(harness: &mut Harness<'_, App>, time: &str) {
    let source = format!("Source at {time}");
    let shown = |app: &App| {
        app.view.compare.as_ref().is_some_and(|c| {
            c.sides.iter().all(|s| {
                !s.approximate
                    && s.shown
                        .as_ref()
                        .is_some_and(|(t, _)| crate::ui::compare::clock(*t) == time)
            })
        })
    };
    for _ in 0..MAX_NEWS {
        // Two frames: a click's command is applied at the end of a frame,
        // and the pictures it needs are asked for in the next.
        for _ in 0..2 {
            harness.step();
            if shown(harness.state()) {
                // One more frame so the view shows the final state.
                harness.step();
                harness.get_by_label(&source);
                return;
            }
        }
        // (The view opens a frame or two after its button is clicked.)
        if let Some(c) = harness.state().view.compare.as_ref() {
            assert!(
                c.wait_for_news(QUIET_FOR_GOOD),
                "no news from the workers for {QUIET_FOR_GOOD:?}: {source} never came"
            );
        }
    }
    panic!("{source} never came in {MAX_NEWS} pieces of the workers' news");
}

/// Pieces of news (pictures made, files opened) a wait takes at most.
const MAX_NEWS: usize = 1000;
/// How long workers that went quiet are waited for: a hang, not a slow
/// machine (every wait ends at their news).
const QUIET_FOR_GOOD: Duration = Duration::from_secs(600);

fn opened(fx: &Fixture) -> (Harness<'static, App>, RowId, PathBuf) {
    opened_scored(fx, None)
}

fn opened_scored(fx: &Fixture, quality: Option<Score>) -> (Harness<'static, App>, RowId, PathBuf) {
    let mut app = fx.app();
    let (row, rendition) = finished_row_scored(&mut app, fx, quality);
    app.handle(RowCommand::Select(row).into());
    let mut harness = harness_for(app, [900.0, 600.0]);
    harness.run_steps(2);
    harness.get_by_label("Compare low with the source").click();
    harness.run_steps(2);
    assert!(
        harness.state().view.compare.is_some(),
        "the button opens it"
    );
    (harness, row, rendition)
}

#[test]
fn compare_opens_on_a_finished_job_and_shows_both_pictures_at_the_same_time() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");

    harness.key_press(egui::Key::ArrowRight);
    wait_for_both(&mut harness, "0:00.040");
    harness.key_press(egui::Key::ArrowLeft);
    wait_for_both(&mut harness, "0:00.000");

    harness
        .state_mut()
        .handle(Command::Compare(CompareCommand::Seek(1.5)));
    wait_for_both(&mut harness, "0:01.480");
    harness.get_by_label("Time 0:01.500");

    // Escape closes it; the queue is back.
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().view.compare.is_none());
}

/// Snapshots the view with nothing of the temp dir in it: the output
/// folder fixed, the details (the source's path) closed.
fn snapshot(harness: &mut Harness<'_, App>, name: &str) {
    let app = harness.state_mut();
    app.systems.settings.output_dir = Some(PathBuf::from("/home/user/Videos/VidPrism"));
    app.view.selected = None;
    harness.run_steps(2);
    let options = SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.snapshot_options(name, &options);
}

#[test]
fn split_and_flip_snapshots() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened(&fx);
    harness
        .state_mut()
        .handle(Command::Compare(CompareCommand::Seek(1.0)));
    wait_for_both(&mut harness, "0:01.000");
    harness.get_by_label_contains("divider at 50%");
    snapshot(&mut harness, "compare_split");

    harness.key_press(egui::Key::F);
    harness.run_steps(2);
    harness.get_by_label("Showing Source");
    harness.key_press(egui::Key::F);
    harness.key_press(egui::Key::Num2);
    harness.run_steps(2);
    harness.get_by_label("Showing low");
    let c = harness.state().view.compare.as_ref().expect("open");
    assert_eq!(c.zoom, crate::ui::compare::Zoom::Times(2));
    snapshot(&mut harness, "compare_flip_2x");
}

#[test]
fn removing_the_row_closes_the_view_with_a_message() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, row, _) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");
    harness.state_mut().remove(row);
    harness.run_steps(2);
    assert!(harness.state().view.compare.is_none());
    harness.get_by_label_contains("The compare view closed: its video left the queue.");
}

#[test]
fn a_rendition_deleted_under_the_view_closes_it_saying_why() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, rendition) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");
    std::fs::remove_file(&rendition).expect("deleted");
    // The open reader still reads its file (Unix); a seek far away reads
    // on, so close and reopen the view the way a user would.
    harness
        .state_mut()
        .handle(Command::Compare(CompareCommand::Close));
    harness.run_steps(1);
    let row = harness.state().model.rows()[0].id;
    harness
        .state_mut()
        .handle(RowCommand::Compare(row, 0).into());
    step_until(
        &mut harness,
        Duration::from_secs(20),
        "the view closed",
        |app| app.view.compare.is_none(),
    );
    harness.get_by_label_contains("cannot read the rendition");
}

#[test]
fn the_cache_stays_bounded_while_playing() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");
    for i in 0..45 {
        let t = f64::from(i) * 0.04;
        harness
            .state_mut()
            .handle(Command::Compare(CompareCommand::Seek(t)));
        wait_for_both(&mut harness, &crate::ui::compare::clock(t));
    }
    let c = harness.state().view.compare.as_ref().expect("open");
    assert!(
        c.sides.iter().all(|s| s.cached() == 32),
        "{:?}",
        c.sides.iter().map(|s| s.cached()).collect::<Vec<_>>()
    );
}

/// A score of 50 frames, 0.99 but for a dip at 1.2 s, with its series.
fn dipping_score() -> Score {
    let series: Vec<(f64, f64)> = (0..50)
        .map(|i| {
            let t = f64::from(i) * 0.04;
            (t, if i == 30 { 0.7 } else { 0.99 })
        })
        .collect();
    Score {
        ssim: 0.984,
        ssim_y: 0.98,
        psnr: 40.0,
        psnr_y: 40.0,
        psnr_u: 40.0,
        psnr_v: 40.0,
        worst_ssim: 0.7,
        frames: 50,
        series: Some(series.into()),
    }
}

#[test]
fn the_quality_strip_marks_the_worst_moment_and_w_jumps_there() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened_scored(&fx, Some(dipping_score()));
    wait_for_both(&mut harness, "0:00.000");
    harness.get_by_label_contains("worst frame at 0:01.200");
    harness.get_by_label("Worst moment (W)").click();
    wait_for_both(&mut harness, "0:01.200");
    harness.key_press(egui::Key::Home);
    wait_for_both(&mut harness, "0:00.000");
    harness.key_press(egui::Key::W);
    wait_for_both(&mut harness, "0:01.200");
    snapshot(&mut harness, "compare_strip");
}

/// A waiting row (the queue paused) of a 4 s 640x360 clip, with its
/// details open.
fn waiting_row(fx: &Fixture) -> Harness<'static, App> {
    let source = fx.clip("b.mp4", "640x360", 4);
    let mut app = fx.app();
    app.paused = true;
    app.add_paths_now(&[source]);
    let row = app.model.rows()[0].id;
    app.handle(RowCommand::Select(row).into());
    let mut harness = harness_for(app, [900.0, 600.0]);
    harness.run_steps(2);
    harness
}

/// The output folder holds nothing (or is not there).
fn output_folder_empty(fx: &Fixture) -> bool {
    std::fs::read_dir(fx.path("out")).map_or(true, |mut d| d.next().is_none())
}

#[test]
fn a_preview_of_a_waiting_row_writes_only_into_a_temporary_folder_removed_on_close() {
    let fx = Fixture::new(&["web"]);
    let mut harness = waiting_row(&fx);
    harness.get_by_label("Preview").click();
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "the preview",
        |app| app.view.compare.is_some() || app.view.notice.is_some(),
    );
    let app = harness.state();
    assert_eq!(app.view.notice, None);
    let c = app.view.compare.as_ref().expect("the compare view");
    let sample = c.sample.as_ref().expect("a preview");
    let folder = sample.folder.path().to_path_buf();
    assert!(folder.starts_with(std::env::temp_dir()), "{folder:?}");
    assert!(folder.is_dir());
    assert!(!sample.outputs.is_empty());
    assert!(sample.outputs.iter().all(|o| o.path.starts_with(&folder)));
    assert!(output_folder_empty(&fx), "nothing in the output folder");
    assert!(app.model.rows()[0].is_waiting(), "the row still waits");
    harness.get_by_label_contains("Preview: 4.0 s from 0:00.000");
    wait_for_both_named(&mut harness, "0:00.000");

    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().view.compare.is_none());
    assert!(
        !folder.exists(),
        "the preview's folder is removed with its view"
    );
    assert!(output_folder_empty(&fx));
}

/// A waiting row's preview, pressed and encoding; its folder.
fn preview_encoding(fx: &Fixture) -> (Harness<'static, App>, PathBuf) {
    let mut harness = waiting_row(fx);
    harness.get_by_label("Preview").click();
    harness.run_steps(1);
    let folder = harness
        .state()
        .view
        .sample
        .as_ref()
        .expect("a preview on its way")
        .folder
        .path()
        .to_path_buf();
    step_until(&mut harness, Duration::from_secs(60), "the encode", |app| {
        app.view
            .sample
            .as_ref()
            .is_some_and(|s| s.state().starts_with("encoding"))
    });
    (harness, folder)
}

/// Steps until no preview is on its way or waiting for its job's end.
fn until_preview_ended(harness: &mut Harness<'_, App>) {
    step_until(harness, Duration::from_secs(60), "the job ended", |app| {
        app.view.sample.is_none() && app.view.sample_cancelled.is_none()
    });
}

#[test]
fn a_cancelled_preview_leaves_nothing_behind() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, folder) = preview_encoding(&fx);
    harness.get_by_label("Cancel preview").click();
    until_preview_ended(&mut harness);
    assert!(harness.state().view.compare.is_none());
    assert!(!folder.exists(), "{folder:?} left behind");
    assert!(output_folder_empty(&fx));
    assert!(harness.state().model.rows()[0].is_waiting());
}

/// Every control of the view has a name a screen reader reads and is
/// reached with Tab.
#[test]
fn tab_reaches_every_compare_control_by_its_name() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");
    let names = [
        "Close compare",
        "Split (S)",
        "Flip (F)",
        "Zoom Fit",
        "Zoom 1:1",
        "Zoom 2:1",
        "Zoom 4:1",
        "Previous tile",
        "Step back",
        "Play",
        "Step forward",
        "Next tile",
        "Divider between source and rendition",
        "Time 0:00.000",
    ];
    let mut reached = std::collections::HashSet::new();
    for _ in 0..60 {
        harness.key_press(egui::Key::Tab);
        harness.step();
        if let Some(node) = harness.query_by(|n| n.is_focused()) {
            reached.insert(node.accesskit_node().label().unwrap_or_default());
        }
    }
    let missed: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !reached.contains(*n))
        .collect();
    assert!(
        missed.is_empty(),
        "Tab never reached {missed:?} ({reached:?})"
    );
    // Without a score the worst moment is there but disabled.
    assert!(harness
        .get_by_label("Worst moment (W)")
        .accesskit_node()
        .is_disabled());
}

#[test]
fn removing_a_row_being_previewed_cancels_the_preview_and_removes_its_folder() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, folder) = preview_encoding(&fx);
    let row = harness.state().model.rows()[0].id;
    harness.state_mut().remove(row);
    until_preview_ended(&mut harness);
    assert!(!folder.exists(), "{folder:?} left behind");
    assert!(output_folder_empty(&fx));
}

#[test]
fn space_plays_both_pictures_on_and_pauses_them_together() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = opened(&fx);
    wait_for_both(&mut harness, "0:00.000");
    harness.key_press(egui::Key::Space);
    harness.run_steps(1);
    assert!(harness
        .state()
        .view
        .compare
        .as_ref()
        .is_some_and(|c| c.playing.is_some()));
    let shown = |app: &App| -> Vec<f64> {
        app.view.compare.as_ref().map_or(Vec::new(), |c| {
            c.sides
                .iter()
                .filter_map(|s| s.shown.as_ref().map(|(t, _)| *t))
                .collect()
        })
    };
    step_until(
        &mut harness,
        Duration::from_secs(30),
        "pictures played",
        |app| shown(app).iter().all(|t| *t > 0.4),
    );
    harness.key_press(egui::Key::Space);
    harness.run_steps(1);
    let c = harness.state().view.compare.as_ref().expect("open");
    assert!(c.playing.is_none(), "Space pauses");
    let paused_at = c.time_s;
    step_until(
        &mut harness,
        Duration::from_secs(30),
        "both at the pause",
        |app| {
            let times = shown(app);
            times.len() == 2
                && times[0] == times[1]
                && times[0] <= paused_at
                && paused_at - times[0] < 0.04 + 1e-9
        },
    );
}

/// Runs a preview of the waiting row to its compare view.
fn preview_opened(harness: &mut Harness<'_, App>) {
    let row = harness.state().model.rows()[0].id;
    harness.state_mut().handle(RowCommand::Preview(row).into());
    step_until(harness, Duration::from_secs(120), "the preview", |app| {
        app.view.sample.is_none() && (app.view.compare.is_some() || app.view.notice.is_some())
    });
    assert_eq!(harness.state().view.notice, None);
}

/// Preview again after the compare slider moved: the new sample is at the
/// point the view showed (cut from the keyframe before it, a keyframe a
/// second here), and its view opens on that point, both pictures there.
#[test]
fn a_preview_again_samples_the_point_the_slider_was_at() {
    let fx = Fixture::new(&["web"]);
    let source = fx.path("g25.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=s=320x240:r=25:d=4")
        .args(["-pix_fmt", "yuv420p", "-g", "25", "-sc_threshold", "0"])
        .arg(&source)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    let mut app = fx.app();
    app.paused = true;
    app.add_paths_now(&[source]);
    let mut harness = harness_for(app, [900.0, 600.0]);
    harness.run_steps(2);
    preview_opened(&mut harness);
    let c = harness.state().view.compare.as_ref().expect("open");
    let first = c.sample.as_ref().expect("a sample");
    // 1.32 s into the sample when it is that long.
    let into = if first.seconds > 1.5 { 1.32 } else { 0.32 };
    let point = first.start_s + into;
    harness
        .state_mut()
        .handle(Command::Compare(CompareCommand::Seek(into)));
    harness.run_steps(1);
    preview_opened(&mut harness);
    let c = harness.state().view.compare.as_ref().expect("open");
    let sample = c.sample.as_ref().expect("a sample");
    assert!(
        (sample.start_s - point.floor()).abs() < 1e-6,
        "from the keyframe before {point} s: {}",
        sample.start_s
    );
    assert!(
        (sample.start_s + c.time_s - point).abs() < 1e-6,
        "opened at {point} s: {} + {}",
        sample.start_s,
        c.time_s
    );
    wait_for_both_named(
        &mut harness,
        &crate::ui::compare::clock(point - point.floor()),
    );
}

/// A window restarted on the job store that recorded a scored rendition,
/// its compare view opened; whether the strip has the series.
fn restarted_strip(fx: &Fixture) -> bool {
    let mut app = fx.app();
    app.open_job_store(&fx.path(STORE_FILE));
    app.paused = true;
    let row = app.model.rows()[0].id;
    app.handle(RowCommand::Select(row).into());
    let mut harness = harness_for(app, [900.0, 600.0]);
    harness.run_steps(2);
    harness.get_by_label("Compare low with the source").click();
    wait_for_both(&mut harness, "0:00.000");
    let c = harness.state().view.compare.as_ref().expect("open");
    let kept = c.score.as_ref().is_some_and(|s| s.series.is_some());
    if kept {
        harness.get_by_label_contains("worst frame at 0:01.200");
    } else {
        harness.get_by_label_contains("no per-frame score kept");
    }
    kept
}

/// Issue 25: the per-frame score outlives the window that scored it. The
/// job store records it beside itself with the rendition; a window
/// restarted on that store shows the strip. A damaged or hostile kept
/// file is ignored: the view opens without the strip.
#[test]
fn the_quality_strip_shows_after_a_restart_and_a_damaged_series_is_ignored() {
    let fx = Fixture::new(&["web"]);
    let (source, rendition) = source_and_rendition(&fx);
    let mut store = JobStore::open(&fx.path(STORE_FILE)).expect("a store");
    let preset = vec![find_preset("web").expect("built-in")];
    let id = store
        .add(source, vec!["web".into()], preset, fx.path("out"))
        .expect("added");
    store.bind(id, 1);
    for kind in finished_events(&rendition, Some(dipping_score())) {
        store
            .apply(&Event {
                job: 1,
                t_ms: 0,
                kind,
            })
            .expect("recorded");
    }
    drop(store);
    assert!(restarted_strip(&fx), "the strip after a restart");

    let kept: Vec<PathBuf> = std::fs::read_dir(fx.path("quality-series"))
        .expect("kept beside the store")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let text = std::fs::read_to_string(&kept[0]).expect("readable");
    for damaged in [
        text[..text.len() / 2].to_owned(),
        text.replacen("0.99", "1e300", 1),
        "\u{0}garbage".to_owned(),
    ] {
        std::fs::write(&kept[0], damaged).expect("written");
        assert!(!restarted_strip(&fx), "a damaged series is not shown");
    }
    // Another file at the rendition's path: its old series is stale.
    std::fs::write(&kept[0], &text).expect("written");
    assert!(restarted_strip(&fx));
    let again = fx.path("again.mp4");
    std::fs::copy(&rendition, &again).expect("copied");
    std::fs::write(&rendition, b"").expect("emptied");
    std::fs::rename(&again, &rendition).expect("made again");
    // (Same bytes, a new modification time: another file.)
    assert!(!restarted_strip(&fx), "a stale series is not shown");
}

/// Issue 25 with issue 24's `target_ssim`: a preview of a rendition
/// aiming at an SSIM predicts the whole file from its target search's
/// prediction (its `quality_planned`), not the sample's size alone, and
/// says which CRF the search chose.
#[test]
fn a_preview_of_a_target_rendition_predicts_from_its_search() {
    let fx = Fixture::new(&["web"]);
    let source = fx.clip("b.mp4", "320x240", 4);
    let preset_file = fx.path("aimed.toml");
    std::fs::write(
        &preset_file,
        "name = \"aimed\"\ndeinterlace = \"off\"\n\n[[renditions]]\nname = \"low\"\n\
         container = \"mp4\"\nvideo_codec = \"h264\"\nsize = \"source\"\n\
         target_ssim = 0.98\nspeed = \"veryfast\"\naudio_codec = \"none\"\n",
    )
    .expect("preset written");
    let preset = vidprism_engine::presets::read_preset(&preset_file).expect("a preset");
    let mut app = fx.app();
    app.paused = true;
    app.model.add(JobRequest {
        input: source,
        presets: vec![preset],
        out_dir: fx.path("out"),
    });
    let mut harness = harness_for(app, [900.0, 600.0]);
    harness.run_steps(2);
    preview_opened(&mut harness);
    let c = harness.state().view.compare.as_ref().expect("open");
    let sample = c.sample.as_ref().expect("a sample");
    let output = &sample.outputs[0];
    let planned = sample.planned(output).expect("its search's result");
    assert_ne!(planned.predicted_bytes, output.bytes);
    let whole = sample.source_s.max(sample.seconds) / sample.seconds;
    assert_eq!(
        sample.predicted_bytes(output),
        (planned.predicted_bytes as f64 * whole).round() as u64
    );
    let said = format!("CRF {} for SSIM 0.980", planned.crf_text());
    harness.get_by_label_contains(&said);
}
