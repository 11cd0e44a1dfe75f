//! Window tests of the queue that survives: restoring from the job store
//! (finished rows, failed rows with their reason, interrupted jobs run
//! again with their partial files removed), a store set aside, pause and
//! resume, reordering and clearing finished rows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use vidprism_engine::output::TEMP_MARKER;
use vidprism_engine::pipeline::{Event, EventKind, JobDone, JobFailed, Stage, StageStarted};
use vidprism_engine::presets::find_preset;
use vidprism_engine::store::{JobState, JobStore, STORE_FILE};

use super::row_names;
use crate::ui::app::App;
use crate::ui::state::queue_model::RowStatus;
use crate::ui::tests::fixture::{harness_for, step_until, Fixture};

/// a.mp4, b.mp4 and c.mp4: not videos, so they fail at once when run.
fn abc_files(fx: &Fixture) -> Vec<PathBuf> {
    ["a.mp4", "b.mp4", "c.mp4"]
        .iter()
        .map(|n| {
            let p = fx.path(n);
            std::fs::write(&p, b"not a video").unwrap();
            p
        })
        .collect()
}

/// The sources in the job store, in queue order.
fn stored_inputs(fx: &Fixture) -> Vec<PathBuf> {
    JobStore::open(&fx.store_path())
        .unwrap()
        .jobs()
        .iter()
        .map(|j| j.input.clone())
        .collect()
}

impl Fixture {
    fn store_path(&self) -> PathBuf {
        self.path(STORE_FILE)
    }

    /// The window with its job store in the temp dir.
    fn harness(&self) -> Harness<'static, App> {
        let mut app = self.app();
        app.open_job_store(&self.store_path());
        harness_for(app, [1000.0, 560.0])
    }
}

/// Every row's status, top to bottom.
fn statuses(harness: &Harness<'_, App>) -> Vec<RowStatus> {
    harness
        .state()
        .model
        .rows()
        .iter()
        .map(|r| r.status.clone())
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            found.extend(files_in(&e.path()));
        } else {
            found.push(e.path());
        }
    }
    found
}

fn ffprobe_frames(path: &Path) -> String {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_job_interrupted_mid_transcode_is_run_again_by_the_restored_window() {
    let fx = Fixture::new(&["web"]);
    let clip = fx.clip("clip.mp4", "640x360", 6);
    let out = fx.path("out");

    // First session: run until the transcode makes progress, then keep
    // exactly what a kill at that moment leaves: the store file as saved
    // (saves are atomic), the thumbnail and a half-written rendition.
    let mut harness = fx.harness();
    harness
        .state_mut()
        .add_paths_now(std::slice::from_ref(&clip));
    step_until(&mut harness, Duration::from_secs(60), "progress", |app| {
        app.model.rows()[0].progress() > 0.0 && app.model.rows()[0].thumbnail.is_some()
    });
    // The store is its snapshot and its journal: keep both as they are.
    let store_dir = fx.store_path().parent().unwrap().to_path_buf();
    let store_at_kill: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(&store_dir)
        .expect("store folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("jobs.json") && !name.ends_with(".lock")
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert!(!store_at_kill.is_empty(), "store written");
    let thumb = harness.state().model.rows()[0]
        .thumbnail
        .clone()
        .expect("thumbnail")
        .path;
    let thumb_bytes = std::fs::read(&thumb).expect("thumbnail written");
    drop(harness);
    // Only what was there at the kill: nothing a clean close wrote since.
    for entry in std::fs::read_dir(&store_dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("jobs.json") && !name.ends_with(".lock") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    for (path, bytes) in &store_at_kill {
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::create_dir_all(thumb.parent().unwrap()).unwrap();
    std::fs::write(&thumb, thumb_bytes).unwrap();
    let leftover = thumb.with_file_name(format!(".360p.mp4{TEMP_MARKER}"));
    std::fs::write(&leftover, b"half a video").unwrap();
    let store = JobStore::open(&fx.store_path()).unwrap();
    assert_eq!(store.jobs()[0].state, JobState::Running);
    drop(store);

    // Second session: the row comes back queued and runs again.
    let mut harness = fx.harness();
    assert_eq!(harness.state().model.rows().len(), 1);
    step_until(
        &mut harness,
        Duration::from_secs(90),
        "re-run done",
        |app| app.model.rows()[0].status.is_final(),
    );
    let row = harness.state().model.rows()[0].clone();
    assert_eq!(row.status, RowStatus::Done);
    assert!(!leftover.exists(), "the partial file is removed");
    let outputs: Vec<PathBuf> = row
        .outputs()
        .iter()
        .map(|(_, p, _)| p.to_path_buf())
        .collect();
    assert_eq!(outputs.len(), 1, "360p only (never upscale)");
    assert_eq!(
        ffprobe_frames(&outputs[0]),
        "150",
        "the re-run output is whole"
    );
    let mut expected = outputs.clone();
    expected.push(row.thumbnail.clone().unwrap().path);
    expected.sort();
    let mut found = files_in(&out);
    found.sort();
    assert_eq!(found, expected, "only the re-run's files remain");
    drop(harness);
    let store = JobStore::open(&fx.store_path()).unwrap();
    assert_eq!(store.jobs()[0].state, JobState::Done);
}

#[test]
fn finished_and_failed_jobs_are_restored_as_they_ended() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut store = JobStore::open(&fx.store_path()).unwrap();
    let preset = vec![find_preset("thumbnail").unwrap()];
    let done = store
        .add(
            fx.path("done.mp4"),
            vec!["thumbnail".into()],
            preset.clone(),
            fx.path("out"),
        )
        .unwrap();
    let failed = store
        .add(
            fx.path("bad.mp4"),
            vec!["thumbnail".into()],
            preset,
            fx.path("out"),
        )
        .unwrap();
    store.bind(done, 1);
    store.bind(failed, 2);
    let ev = |job, kind| Event { job, t_ms: 0, kind };
    store
        .apply(&ev(
            1,
            EventKind::StageStarted(StageStarted {
                stage: Stage::Probe,
                rendition: None,
            }),
        ))
        .unwrap();
    store
        .apply(&ev(1, EventKind::JobDone(JobDone { outputs: 0 })))
        .unwrap();
    let reason = "bad.mp4: not a video file (FFmpeg does not recognise its format)";
    store
        .apply(&ev(
            2,
            EventKind::JobFailed(JobFailed {
                error: reason.into(),
            }),
        ))
        .unwrap();
    drop(store);

    let mut harness = fx.harness();
    harness.step();
    let statuses = statuses(&harness);
    assert_eq!(
        statuses,
        [RowStatus::Done, RowStatus::Failed(reason.into())]
    );
    harness.get_by_label(reason);
    // Clear finished empties the queue and the store.
    harness.get_by_label("Clear finished").click();
    harness.step();
    assert!(harness.state().model.rows().is_empty());
    drop(harness);
    assert!(JobStore::open(&fx.store_path()).unwrap().jobs().is_empty());
}

#[test]
fn a_corrupt_store_is_set_aside_and_the_window_says_so() {
    let fx = Fixture::new(&["thumbnail"]);
    std::fs::write(fx.store_path(), b"\x00\x01 not json").unwrap();
    let mut harness = fx.harness();
    harness.step();
    assert!(harness.state().model.rows().is_empty());
    harness.get_by_label_contains("set aside");
    assert!(fx.path(&format!("{STORE_FILE}.broken-1")).exists());
    harness.get_by_label("Dismiss").click();
    harness.step();
    harness.step();
    assert!(harness.query_by_label_contains("set aside").is_none());
}

/// Issue 26: a store a later VidPrism wrote is refused, byte for byte as
/// it was, and the window says why it does not remember its queue.
#[test]
fn a_store_from_a_later_version_is_left_as_it_is_and_the_window_says_so() {
    let fx = Fixture::new(&["thumbnail"]);
    let later = format!(
        "{{\"version\": {}, \"seq\": 0, \"next_id\": 1, \"jobs\": []}}",
        vidprism_engine::store::STORE_VERSION + 1
    );
    std::fs::write(fx.store_path(), &later).unwrap();
    let mut harness = fx.harness();
    harness.step();
    harness.get_by_label_contains("written by a later version of VidPrism");
    harness.get_by_label_contains("the queue will not be remembered");
    drop(harness);
    assert_eq!(std::fs::read_to_string(fx.store_path()).unwrap(), later);
    assert!(!fx.path(&format!("{STORE_FILE}.broken-1")).exists());
}

#[test]
fn a_store_in_use_by_another_vidprism_is_left_alone_and_the_window_says_so() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut other = JobStore::open(&fx.store_path()).unwrap();
    let theirs = other
        .add(
            fx.path("theirs.mp4"),
            Vec::new(),
            Vec::new(),
            fx.path("out"),
        )
        .unwrap();
    let mut harness = fx.harness();
    harness.step();
    harness.get_by_label_contains("in use by another VidPrism");
    assert!(harness.state().model.rows().is_empty());
    // Their queue is not touched: no recovery, no rewrite.
    drop(harness);
    assert_eq!(other.job(theirs).unwrap().state, JobState::Queued);
    drop(other);
    assert_eq!(JobStore::open(&fx.store_path()).unwrap().jobs().len(), 1);
}

#[test]
fn pause_holds_new_jobs_and_reordering_changes_which_starts_first() {
    let fx = Fixture::new(&["thumbnail"]);
    let files = abc_files(&fx);
    let mut harness = fx.harness();
    harness.get_by_label("Pause queue").click();
    harness.step();
    assert!(harness.state().paused);
    harness.state_mut().add_paths_now(&files);
    harness.step();
    harness.step();
    assert!(harness.state().model.rows().iter().all(|r| r.job.is_none()));
    assert_eq!(harness.get_all_by_label("Move to top").count(), 3);
    // c to the top, then a down one place: c, b, a.
    let c = harness.state().model.rows()[2].id;
    harness.state_mut().move_row(c, 0);
    let a = harness.state().model.rows()[1].id;
    harness.state_mut().move_down(a);
    harness.step();
    assert_eq!(row_names(&harness), ["c.mp4", "b.mp4", "a.mp4"]);
    harness.get_by_label("Resume queue").click();
    harness.step();
    step_until(&mut harness, Duration::from_secs(30), "all failed", |app| {
        app.model.rows().iter().all(|r| r.status.is_final())
    });
    let jobs: Vec<u64> = harness
        .state()
        .model
        .rows()
        .iter()
        .map(|r| r.job.unwrap())
        .collect();
    assert!(
        jobs.windows(2).all(|w| w[0] < w[1]),
        "submitted in the new order: {jobs:?}"
    );
    drop(harness);
    let order = stored_inputs(&fx);
    assert_eq!(
        order,
        [files[2].clone(), files[1].clone(), files[0].clone()]
    );
}

#[test]
fn a_source_that_changed_while_waiting_fails_with_that_reason() {
    let fx = Fixture::new(&["thumbnail"]);
    let changed = fx.path("changed.mp4");
    let gone = fx.path("gone.mp4");
    std::fs::write(&changed, b"not a video").unwrap();
    std::fs::write(&gone, b"not a video").unwrap();
    let mut harness = fx.harness();
    harness.state_mut().set_paused(true);
    harness
        .state_mut()
        .add_paths_now(&[changed.clone(), gone.clone()]);
    std::fs::write(&changed, b"another file, another size").unwrap();
    std::fs::remove_file(&gone).unwrap();
    harness.state_mut().set_paused(false);
    harness.step();
    let statuses = statuses(&harness);
    let changed_reason = format!(
        "{}: the source file changed since it was queued",
        changed.display()
    );
    let gone_reason = format!(
        "{}: the source file disappeared since it was queued",
        gone.display()
    );
    assert_eq!(
        statuses,
        [
            RowStatus::Failed(changed_reason),
            RowStatus::Failed(gone_reason)
        ]
    );
    drop(harness);
    let store = JobStore::open(&fx.store_path()).unwrap();
    assert!(store.jobs().iter().all(|j| j.state == JobState::Failed));
}

/// The window's close button, as the platform reports it.
fn request_close(harness: &mut Harness<'_, App>) {
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.step();
}

fn root_commands(harness: &Harness<'_, App>) -> Vec<egui::ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

#[test]
fn closing_while_videos_run_asks_first_and_keeps_working_if_told_to() {
    let fx = Fixture::new(&["web"]);
    let mut harness = fx.harness();
    // Nothing runs: the window just closes.
    request_close(&mut harness);
    assert!(!harness.state().view.quit.asking);
    assert!(!root_commands(&harness).contains(&egui::ViewportCommand::CancelClose));

    let clip = fx.clip("long.mp4", "1280x720", 20);
    let next = fx.clip("next.mp4", "320x240", 1);
    harness.state_mut().add_paths_now(&[clip, next]);
    step_until(&mut harness, Duration::from_secs(30), "running", |app| {
        app.model.rows()[0].status == RowStatus::Running
    });
    request_close(&mut harness);
    assert!(root_commands(&harness).contains(&egui::ViewportCommand::CancelClose));
    harness.step();
    harness.get_by_label("Quit VidPrism?");
    // One running, one waiting: counted apart.
    harness.get_by_label(
        "1 running video stops now and starts again from the beginning when VidPrism opens \
         next. 1 video waiting: kept for next time.",
    );
    harness.get_by_label("Keep working").click();
    harness.step();
    harness.step();
    assert!(!harness.state().view.quit.asking);
    assert!(harness.query_by_label("Quit VidPrism?").is_none());
    assert_eq!(harness.state().model.in_flight(), 1, "still running");

    // Ctrl+Q asks too; Escape closes the question.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Q);
    harness.step();
    harness.step();
    harness.get_by_label("Quit VidPrism?");
    harness.key_press(egui::Key::Escape);
    harness.step();
    harness.step();
    assert!(!harness.state().view.quit.asking);
    assert!(harness.query_by_label("Quit VidPrism?").is_none());

    // The counts follow the queue while the question is open.
    request_close(&mut harness);
    harness.step();
    harness.state_mut().set_paused(true);
    let first = harness.state().model.rows()[0].id;
    harness.state_mut().cancel(first);
    step_until(&mut harness, Duration::from_secs(30), "cancelled", |app| {
        app.model.rows()[0].status.is_final()
    });
    harness.get_by_label("No video is running now. 1 video waiting: kept for next time.");
    harness.get_by_label("Quit").click();
    harness.step();
    assert!(harness.state().view.quit.confirmed);
    assert!(root_commands(&harness).contains(&egui::ViewportCommand::Close));
}

#[test]
fn snapshot_quit_question() {
    let fx = Fixture::new(&["thumbnail"]);
    let files = abc_files(&fx);
    let mut harness = fx.harness();
    harness.state_mut().set_paused(true);
    harness.state_mut().add_paths_now(&files);
    // The first as if running (a job id the engine never gave).
    let app = harness.state_mut();
    let first = app.model.rows()[0].id;
    app.model.attach(first, 9999);
    app.model.apply(&Event {
        job: 9999,
        t_ms: 0,
        kind: EventKind::StageStarted(StageStarted {
            stage: Stage::Transcode,
            rendition: None,
        }),
    });
    app.view.quit.asking = true;
    // Not the temp dir's random name: the snapshot stays the same.
    app.systems.settings.output_dir = Some("/home/user/Videos/VidPrism".into());
    harness.run_steps(2);
    harness.get_by_label(
        "1 running video stops now and starts again from the beginning when VidPrism opens \
         next. 2 videos waiting: kept for next time.",
    );
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.snapshot_options("quit_question", &options);
}

/// Presses at `from`, moves in steps to `to`, releases there.
fn drag(harness: &mut Harness<'_, App>, from: egui::Pos2, to: egui::Pos2) {
    harness.hover_at(from);
    harness.step();
    harness.drag_at(from);
    harness.step();
    for i in 1..=5 {
        harness.hover_at(from + (to - from) * (i as f32 / 5.0));
        harness.step();
    }
    harness.drop_at(to);
    harness.step();
    harness.step();
}

#[test]
fn a_waiting_row_dragged_onto_another_takes_its_place() {
    let fx = Fixture::new(&["thumbnail"]);
    let files = abc_files(&fx);
    let mut harness = fx.harness();
    harness.state_mut().set_paused(true);
    harness.state_mut().add_paths_now(&files);
    harness.step();
    harness.step();
    let handles: Vec<egui::Pos2> = harness
        .get_all_by_label("Drag to reorder")
        .map(|n| n.rect().center())
        .collect();
    assert_eq!(handles.len(), 3, "every waiting row has a handle");
    // c up onto a: c, a, b.
    let onto_a = harness.get_by_label("a.mp4").rect().center();
    drag(&mut harness, handles[2], onto_a);
    assert_eq!(row_names(&harness), ["c.mp4", "a.mp4", "b.mp4"]);
    // c down onto b: a, b, c.
    let handle_c = harness
        .get_all_by_label("Drag to reorder")
        .next()
        .unwrap()
        .rect()
        .center();
    let onto_b = harness.get_by_label("b.mp4").rect().center();
    drag(&mut harness, handle_c, onto_b);
    assert_eq!(row_names(&harness), ["a.mp4", "b.mp4", "c.mp4"]);
    // The store keeps the order.
    drop(harness);
    let order = stored_inputs(&fx);
    assert_eq!(order, files);
}

#[test]
fn a_file_name_that_is_not_utf8_is_shown_made_and_restored_by_the_window() {
    use std::os::unix::ffi::OsStrExt as _;

    let fx = Fixture::new(&["thumbnail"]);
    let made = fx.clip("made.mp4", "320x240", 1);
    // "café.mp4" as a Latin-1 camera or old share writes it: 0xE9 alone.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.mp4");
    let clip = fx.path("").join(name);
    std::fs::rename(&made, &clip).unwrap();
    let mut harness = fx.harness();
    harness
        .state_mut()
        .add_paths_now(std::slice::from_ref(&clip));
    step_until(
        &mut harness,
        Duration::from_secs(60),
        "the job's end",
        |app| {
            app.model
                .rows()
                .first()
                .is_some_and(|r| r.status.is_final())
        },
    );
    assert_eq!(statuses(&harness), [RowStatus::Done]);
    // Shown with the bad byte as `?` (as `ls` shows it), read out so too.
    harness.get_by_role_and_label(egui::accesskit::Role::ListItem, "caf?.mp4, Done");
    // The output folder's name replaces it too; the thumbnail is a JPEG.
    let row = &harness.state().model.rows()[0];
    let thumbnail = row.thumbnail.clone().expect("thumbnail").path;
    assert!(thumbnail.starts_with(fx.path("out")), "{thumbnail:?}");
    assert!(thumbnail.to_str().is_some(), "{thumbnail:?}");
    assert_eq!(std::fs::read(&thumbnail).unwrap()[..2], [0xFF, 0xD8]);
    drop(harness);
    // The store keeps the exact bytes: restored, the row is the same file.
    assert_eq!(stored_inputs(&fx), std::slice::from_ref(&clip));
    let mut harness = fx.harness();
    harness.step();
    assert_eq!(statuses(&harness), [RowStatus::Done]);
    assert_eq!(harness.state().model.rows()[0].request.input, clip);
}

/// Every row's job was given to the engine after the one above it's.
fn assert_started_in_order(harness: &Harness<'_, App>) {
    let jobs: Vec<u64> = harness
        .state()
        .model
        .rows()
        .iter()
        .filter_map(|r| r.job)
        .collect();
    assert!(jobs.windows(2).all(|w| w[0] < w[1]), "{jobs:?}");
}

/// Whether the row at `i` is waiting in the window (not given to the engine).
fn waiting_at(harness: &Harness<'_, App>, i: usize) -> bool {
    harness.state().model.rows()[i].is_waiting()
}

/// A few more passes, in which a job could start if one were to.
fn idle_passes(harness: &mut Harness<'_, App>) {
    for _ in 0..25 {
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
}

#[test]
fn a_paused_queue_starts_nothing_when_a_job_is_cancelled_retried_or_ends() {
    let fx = Fixture::new(&["web"]);
    let a = fx.clip("a.mp4", "640x360", 8);
    let b = fx.clip("b.mp4", "320x240", 1);
    let c = fx.clip("c.mp4", "320x240", 1);
    let mut harness = fx.harness();
    harness.state_mut().add_paths_now(&[a, b, c]);
    step_until(&mut harness, Duration::from_secs(60), "a running", |app| {
        app.model.rows()[0].status == RowStatus::Running
    });
    // Only the row that can start is in the engine: b and c wait here.
    assert!(waiting_at(&harness, 1) && waiting_at(&harness, 2));

    // Paused, a is cancelled: nothing starts.
    harness.get_by_label("Pause queue").click();
    harness.step();
    let row_a = harness.state().model.rows()[0].id;
    harness.state_mut().cancel(row_a);
    step_until(
        &mut harness,
        Duration::from_secs(30),
        "a cancelled",
        |app| app.model.rows()[0].status == RowStatus::Cancelled,
    );
    idle_passes(&mut harness);
    assert!(
        waiting_at(&harness, 1) && waiting_at(&harness, 2),
        "{:?}",
        statuses(&harness)
    );
    // Retried while paused: it waits too.
    harness.state_mut().retry(row_a);
    idle_passes(&mut harness);
    assert!(
        (0..3).all(|i| waiting_at(&harness, i)),
        "{:?}",
        statuses(&harness)
    );

    // Resumed, a runs; paused again, a ends: still nothing starts.
    harness.get_by_label("Resume queue").click();
    step_until(&mut harness, Duration::from_secs(60), "a running", |app| {
        app.model.rows()[0].status == RowStatus::Running
    });
    harness.get_by_label("Pause queue").click();
    step_until(&mut harness, Duration::from_secs(60), "a done", |app| {
        app.model.rows()[0].status.is_final()
    });
    idle_passes(&mut harness);
    assert_eq!(statuses(&harness)[0], RowStatus::Done);
    assert!(
        waiting_at(&harness, 1) && waiting_at(&harness, 2),
        "{:?}",
        statuses(&harness)
    );
    harness.get_by_label("Paused");

    // Resumed: b, then c.
    harness.get_by_label("Resume queue").click();
    step_until(&mut harness, Duration::from_secs(60), "all done", |app| {
        app.model.rows().iter().all(|r| r.status.is_final())
    });
    assert_eq!(statuses(&harness), vec![RowStatus::Done; 3]);
    assert_started_in_order(&harness);
}

#[test]
fn rows_start_top_to_bottom_and_every_waiting_row_can_be_moved() {
    let fx = Fixture::new(&["web"]);
    let long = fx.clip("long.mp4", "640x360", 8);
    let mut files = vec![long];
    files.extend(abc_files(&fx));
    let mut harness = fx.harness();
    harness.state_mut().add_paths_now(&files);
    step_until(
        &mut harness,
        Duration::from_secs(60),
        "long running",
        |app| app.model.rows()[0].status == RowStatus::Running,
    );
    // The engine holds only what can start; the rest wait here, each with
    // its grip and Move buttons.
    assert_eq!(harness.state().model.in_flight(), 1);
    assert_eq!(harness.get_all_by_label("Drag to reorder").count(), 3);
    let enabled = |label: &str| -> Vec<bool> {
        harness
            .get_all_by_label(label)
            .map(|n| !n.accesskit_node().is_disabled())
            .collect()
    };
    // Rows a, b, c: a cannot go up (the row above it started), c not down.
    assert_eq!(enabled("Move up"), [false, true, true]);
    assert_eq!(enabled("Move to top"), [false, true, true]);
    assert_eq!(enabled("Move down"), [true, true, false]);

    // c up past b: a, c, b; then they start in that order.
    let c = harness.state().model.rows()[3].id;
    harness.state_mut().move_up(c);
    harness.step();
    assert_eq!(row_names(&harness), ["long.mp4", "a.mp4", "c.mp4", "b.mp4"]);
    step_until(&mut harness, Duration::from_secs(60), "all ended", |app| {
        app.model.rows().iter().all(|r| r.status.is_final())
    });
    assert_started_in_order(&harness);
}

#[test]
fn waiting_and_restored_rows_show_their_size_and_length() {
    let fx = Fixture::new(&["thumbnail"]);
    let clip = fx.clip("clip.mp4", "320x240", 2);
    let mut harness = fx.harness();
    harness.state_mut().set_paused(true);
    harness
        .state_mut()
        .add_paths_now(std::slice::from_ref(&clip));
    step_until(&mut harness, Duration::from_secs(20), "facts", |app| {
        app.model.rows()[0].facts.is_some()
    });
    assert!(waiting_at(&harness, 0), "known before it starts");
    assert!(harness.query_all_by_label_contains("320x240").count() > 0);
    harness.state_mut().set_paused(false);
    step_until(&mut harness, Duration::from_secs(60), "done", |app| {
        app.model.rows()[0].status.is_final()
    });
    drop(harness);
    // After a restart the finished row knows them again.
    let mut harness = fx.harness();
    step_until(&mut harness, Duration::from_secs(20), "facts", |app| {
        app.model.rows()[0].facts.is_some()
    });
    assert_eq!(statuses(&harness), [RowStatus::Done]);
    assert!(harness.query_all_by_label_contains("320x240").count() > 0);
}

/// Issue 26: 600 hard links to one clip made one row in the window,
/// silently (and 600 jobs in `vidprism process`). One row still, and the
/// status line names what was skipped.
#[test]
fn second_paths_to_one_file_make_one_row_and_the_status_line_says_so() {
    let fx = Fixture::new(&["thumbnail"]);
    let a = abc_files(&fx).remove(0);
    let mut given = vec![a.clone()];
    for i in 0..3 {
        let link = fx.path(&format!("a-{i}.mp4"));
        std::fs::hard_link(&a, &link).unwrap();
        given.push(link);
    }
    let mut harness = fx.harness();
    harness.get_by_label("Pause queue").click();
    harness.step();
    crate::ui::tests::fixture::drop_files(&mut harness, &given);
    assert_eq!(harness.state().model.rows().len(), 1);
    harness
        .get_by_label_contains("skipped 3 files (a-0.mp4, …): second paths to files already added");
}
