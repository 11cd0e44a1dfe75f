//! Headless window tests with egui_kittest: drops add rows, a real clip
//! runs to done with its thumbnail shown, a text file shows its error,
//! cancel and retry act, and snapshots of the main states.
//!
//! Settings always go to a temp dir; clips are made with the `ffmpeg` CLI.

mod a11y;
mod commands;
mod compare;
mod farm;
pub(in crate::ui) mod fixture;
mod preset_editor;
mod queue;
mod row_presets;
mod scale;
mod storyboard;
mod watch;
mod window;

use std::path::PathBuf;
use std::time::Duration;

use crate::settings::Settings;
use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use egui_kittest::{Harness, SnapshotOptions};
use vidprism_engine::pipeline::{
    Event, EventKind, JobDone, JobFailed, JobRequest, Output, Progress, RenditionSkipped,
    SourceFacts, Stage,
};
use vidprism_engine::presets::find_preset;

use crate::ui::app::App;
use crate::ui::state::queue_model::{RowId, RowStatus};
use crate::ui::state::view_state::ThumbnailTexture;
use crate::ui::tests::fixture::{drop_files, harness_for, step_until, Fixture};

const SIZE: [f32; 2] = [900.0, 520.0];

/// The window with the fixture's settings.
fn window(fx: &Fixture) -> Harness<'static, App> {
    harness_for(fx.app(), SIZE)
}

/// The rows' names, top to bottom.
fn row_names(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .state()
        .model
        .rows()
        .iter()
        .map(|r| r.name())
        .collect()
}

fn only_row(app: &App) -> RowId {
    assert_eq!(app.model.rows().len(), 1, "exactly one row");
    app.model.rows()[0].id
}

#[test]
fn dropping_files_and_folders_adds_rows() {
    let fx = Fixture::new(&["thumbnail"]);
    let folder = fx.path("folder");
    std::fs::create_dir_all(folder.join("sub")).expect("folders");
    for f in ["one.mp4", "sub/two.mkv", "notes.txt"] {
        std::fs::write(folder.join(f), b"not really a video").expect("write");
    }
    let single = fx.path("single.mov");
    std::fs::write(&single, b"x").expect("write");
    let mut harness = window(&fx);
    assert!(harness.query_by_label("one.mp4").is_none());
    drop_files(&mut harness, &[single, folder]);
    assert_eq!(
        row_names(&harness),
        ["single.mov", "one.mp4", "two.mkv"],
        "folder's text file skipped"
    );
    harness.get_by_label("single.mov");
    harness.get_by_label("one.mp4");
    harness.get_by_label("two.mkv");
    assert!(harness.query_by_label("notes.txt").is_none());
    // Every row shows its presets.
    assert_eq!(harness.get_all_by_label("presets: thumbnail").count(), 3);
}

#[test]
fn a_real_clip_ends_done_with_its_thumbnail_shown() {
    let fx = Fixture::new(&["web"]);
    let clip = fx.clip("clip.mp4", "320x240", 1);
    let mut harness = window(&fx);
    drop_files(&mut harness, &[clip]);
    let row = only_row(harness.state());
    step_until(
        &mut harness,
        Duration::from_secs(60),
        "done + thumbnail",
        |app| {
            app.model.row(row).is_some_and(|r| r.status.is_final())
                && app.view.textures.contains_key(&row)
        },
    );
    let app = harness.state();
    let r = app.model.row(row).expect("row");
    assert_eq!(r.status, RowStatus::Done);
    assert!(matches!(
        app.view.textures.get(&row),
        Some(ThumbnailTexture::Ready(_))
    ));
    let outputs = r.outputs();
    assert!(!outputs.is_empty(), "at least one rendition written");
    for (_, path, bytes) in &outputs {
        assert!(path.starts_with(fx.path("out")) && path.exists() && *bytes > 0);
    }
    assert_eq!(
        r.facts.as_ref().map(|f| (f.width, f.height)),
        Some((320, 240))
    );
    harness.get_by_label("Thumbnail of clip.mp4");
    harness.get_by_label("Done");
    // Clicking the row's name shows its details: a preview and the outputs.
    harness.get_by_label("clip.mp4").click();
    harness.step();
    harness.step();
    assert_eq!(harness.state().view.selected, Some(row));
    assert_eq!(harness.get_all_by_label("Thumbnail of clip.mp4").count(), 2);
    harness.get_by_label_contains("360p.mp4 · ");
}

#[test]
fn a_dropped_text_file_shows_its_error() {
    let fx = Fixture::new(&["web"]);
    let text = fx.path("notes.txt");
    std::fs::write(&text, "hello, not a video\n").expect("write");
    let mut harness = window(&fx);
    drop_files(&mut harness, &[text]);
    let row = only_row(harness.state());
    step_until(&mut harness, Duration::from_secs(20), "failure", |app| {
        app.model.row(row).is_some_and(|r| r.status.is_final())
    });
    let RowStatus::Failed(reason) = harness.state().model.row(row).expect("row").status.clone()
    else {
        panic!("a text file must fail");
    };
    assert!(
        reason.contains("notes.txt"),
        "reason names the file: {reason}"
    );
    harness.get_by_label("Failed");
    harness.get_by_label(&reason);
    harness.get_by_label("Retry");
}

#[test]
fn cancel_and_retry_buttons_act() {
    let fx = Fixture::new(&["web"]);
    let clip = fx.clip("long.mp4", "640x480", 6);
    let mut harness = window(&fx);
    drop_files(&mut harness, &[clip]);
    let row = only_row(harness.state());
    let first_job = harness.state().model.row(row).and_then(|r| r.job);
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, Duration::from_secs(20), "cancelled", |app| {
        app.model.row(row).is_some_and(|r| r.status.is_final())
    });
    assert_eq!(
        harness.state().model.row(row).expect("row").status,
        RowStatus::Cancelled
    );
    harness.get_by_label("Cancelled");
    assert!(
        harness.query_by_label("Cancel").is_none(),
        "no cancel on an ended row"
    );

    harness.get_by_label("Retry").click();
    harness.step();
    let r = harness
        .state()
        .model
        .row(row)
        .expect("same row after retry");
    assert_ne!(r.job, first_job, "retry submits a new job");
    assert!(!r.status.is_final());
    step_until(&mut harness, Duration::from_secs(90), "retry done", |app| {
        app.model.row(row).is_some_and(|r| r.status.is_final())
    });
    assert_eq!(
        harness.state().model.row(row).expect("row").status,
        RowStatus::Done
    );
    assert_eq!(harness.state().model.rows().len(), 1, "retry keeps one row");

    harness.get_by_label("Remove").click();
    harness.step();
    assert!(harness.state().model.rows().is_empty());
}

#[test]
fn preset_and_jobs_choices_are_remembered() {
    let fx = Fixture::new(&["web"]);
    let mut harness = window(&fx);
    harness.get_by_label("webm").click();
    harness.step();
    assert_eq!(harness.state().systems.settings.presets, ["web", "webm"]);
    harness.state_mut().set_transcode_jobs(3);
    drop(harness); // flushes the settings writer
    let saved = Settings::load_from(&fx.path("settings.json"));
    assert_eq!(saved.presets, ["web", "webm"]);
    assert_eq!(saved.transcode_jobs, 3);
    assert_eq!(saved.output_dir, Some(fx.path("out")));
}

// ---- snapshots: states built from synthetic events, no live numbers ----

/// A fixed app for snapshots: the output folder shown is a fixed path and
/// job ids start far above the engine's (which gets no jobs here).
fn snapshot_app(fx: &Fixture) -> App {
    let mut app =
        App::new(&egui::Context::default(), Some(fx.path("settings.json"))).expect("app starts");
    app.systems.settings.output_dir = Some(PathBuf::from("/home/user/Videos/VidPrism"));
    app
}

/// A row whose job (never given to the engine) had `events`.
pub(super) fn synthetic_row(app: &mut App, name: &str, job: u64, events: Vec<EventKind>) -> RowId {
    let request = JobRequest {
        input: PathBuf::from(format!("/home/user/{name}")),
        presets: vec![find_preset("web").expect("web")],
        out_dir: PathBuf::from("/home/user/Videos/VidPrism"),
    };
    let row = app.model.add(request);
    app.model.attach(row, job);
    for kind in events {
        app.model.apply(&Event { job, t_ms: 0, kind });
    }
    row
}

fn probed() -> EventKind {
    EventKind::Probed(SourceFacts {
        width: 1280,
        height: 720,
        duration_s: Some(12.0),
        fps: 25.0,
        video_codec: "h264".into(),
        audio_codec: Some("aac".into()),
        hdr: None,
        crop: None,
    })
}

fn progress(rendition: &str, fraction: f64) -> EventKind {
    EventKind::Progress(Progress {
        stage: Stage::Transcode,
        rendition: rendition.into(),
        fraction,
        fps: 120.0,
        eta_s: Some(6.0),
    })
}

fn done(rendition: &str, bytes: u64) -> EventKind {
    EventKind::RenditionDone(Output {
        rendition: rendition.into(),
        path: format!("/home/user/Videos/VidPrism/clip/{rendition}.mp4").into(),
        width: 1280,
        height: 720,
        bytes,
        skipped_tracks: Vec::new(),
        sidecars: Vec::new(),
        quality: None,
    })
}

fn snapshot(harness: &mut Harness<'_, App>, name: &str) {
    harness.run_steps(2);
    let options = SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.snapshot_options(name, &options);
}

#[test]
fn snapshot_empty() {
    let fx = Fixture::new(&["web"]);
    let mut harness = harness_for(snapshot_app(&fx), SIZE);
    harness.get_by_label_contains("Drop videos or folders here");
    snapshot(&mut harness, "empty");
}

#[test]
fn snapshot_running_done_failed() {
    let fx = Fixture::new(&["web"]);
    let mut app = snapshot_app(&fx);
    let skipped = EventKind::RenditionSkipped(RenditionSkipped {
        rendition: "1080p".into(),
        reason: "the source is only 1280x720; 1080p would be upscaled".into(),
    });
    synthetic_row(
        &mut app,
        "running.mp4",
        1001,
        vec![
            probed(),
            skipped.clone(),
            progress("720p", 0.4),
            progress("480p", 0.7),
        ],
    );
    let finished = synthetic_row(
        &mut app,
        "finished.mp4",
        1002,
        vec![
            probed(),
            skipped,
            done("720p", 2_400_000),
            done("480p", 1_100_000),
            EventKind::JobDone(JobDone { outputs: 3 }),
        ],
    );
    synthetic_row(
        &mut app,
        "notes.txt",
        1003,
        vec![EventKind::JobFailed(JobFailed {
            error: "/home/user/notes.txt: not a video file (FFmpeg does not recognise its format)"
                .into(),
        })],
    );
    let mut harness = harness_for(app, SIZE);
    harness.step();
    // A synthetic thumbnail for the finished row: a fixed gradient.
    let image = egui::ColorImage::from_rgb(
        [64, 36],
        &(0..64 * 36)
            .flat_map(|i| [(i % 64 * 4) as u8, 90, (i / 64 * 7) as u8])
            .collect::<Vec<u8>>(),
    );
    let texture = harness
        .ctx
        .load_texture("synthetic", image, egui::TextureOptions::NEAREST);
    harness
        .state_mut()
        .view
        .textures
        .insert(finished, ThumbnailTexture::Ready(texture));
    harness.get_by_label("Running");
    harness.get_by_label("Done");
    harness.get_by_label("Failed");
    // A row shows its job's progress; each rendition's is in its details.
    harness.get_by_label_contains("55% · 0:06 left");
    snapshot(&mut harness, "queue");
    harness.get_by_label("running.mp4").click();
    harness.run_steps(2);
    harness.get_by_label_contains("40% · 120 fps · 0:06 left");
    // The finished row selected: details with the outputs.
    harness.get_by_label("finished.mp4").click();
    harness.run_steps(2);
    assert_eq!(harness.state().view.selected, Some(finished));
    harness.get_by_label("720p.mp4 · 2.4 MB");
    snapshot(&mut harness, "details");
}

#[test]
fn a_thumbnail_only_job_says_what_it_made() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = snapshot_app(&fx);
    synthetic_row(
        &mut app,
        "clip.mp4",
        1001,
        vec![
            probed(),
            EventKind::ThumbnailReady(vidprism_engine::pipeline::Thumbnail {
                path: "/home/user/Videos/VidPrism/clip/thumbnail.jpg".into(),
                width: 320,
                height: 180,
            }),
            EventKind::JobDone(JobDone { outputs: 1 }),
        ],
    );
    let mut harness = harness_for(app, SIZE);
    harness.run_steps(2);
    harness.get_by_label("thumbnail 320x180");
    assert!(
        harness.query_by_label_contains("file(s)").is_none(),
        "not \"0 file(s) · 0 B\""
    );
}

#[test]
fn snapshot_drop_overlay() {
    let fx = Fixture::new(&["web"]);
    let mut harness = harness_for(snapshot_app(&fx), SIZE);
    harness.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(PathBuf::from("/home/user/clip.mp4")),
        mime: String::new(),
    });
    // Hovering alone adds nothing.
    harness.run_steps(2);
    assert!(harness.state().model.rows().is_empty());
    snapshot(&mut harness, "drop_overlay");
}

#[test]
fn snapshot_waiting_rows_with_drag_handles() {
    let fx = Fixture::new(&["web"]);
    let mut app = snapshot_app(&fx);
    app.paused = true;
    for name in ["first.mp4", "second.mp4"] {
        app.model.add(JobRequest {
            input: PathBuf::from(format!("/home/user/{name}")),
            presets: vec![find_preset("web").expect("web")],
            out_dir: PathBuf::from("/home/user/Videos/VidPrism"),
        });
    }
    let mut harness = harness_for(app, SIZE);
    harness.step();
    assert_eq!(harness.get_all_by_label("Drag to reorder").count(), 2);
    snapshot(&mut harness, "waiting");
}

#[test]
fn a_scored_rendition_shows_its_score_in_the_details() {
    let fx = Fixture::new(&["web"]);
    let mut app = snapshot_app(&fx);
    let EventKind::RenditionDone(mut output) = done("720p", 2_400_000) else {
        panic!("a rendition_done")
    };
    output.quality = serde_json::from_str(
        r#"{"ssim":0.98412,"ssim_y":0.98,"psnr":42.06,"psnr_y":41.0,"psnr_u":44.0,"psnr_v":45.0,"worst_ssim":0.9618,"frames":60}"#,
    )
    .expect("a score");
    let id = synthetic_row(
        &mut app,
        "scored.mp4",
        1004,
        vec![probed(), EventKind::RenditionDone(output)],
    );
    let row = app.model.row(id).expect("row").clone();
    let mut harness = Harness::builder()
        .with_size([480.0, 640.0])
        .build_ui(move |ui| {
            let _ = crate::ui::panels::row::details_ui(ui, &row, None);
        });
    harness.run_steps(2);
    harness.get_by_label("SSIM 0.984 · 42.1 dB · worst 0.962");
}
