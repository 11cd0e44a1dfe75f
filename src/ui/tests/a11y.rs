//! The window as a screen reader and a keyboard-only user meet it: rows
//! (name, status, progress), buttons and progress bars read from the
//! accessibility tree, and the shortcuts (Tab, Space, Delete, Ctrl+O).

use std::collections::HashSet;
use std::path::PathBuf;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use vidprism_engine::pipeline::{EventKind, JobFailed, JobRequest, Progress, SourceFacts, Stage};
use vidprism_engine::presets::find_preset;

use crate::ui::app::App;
use crate::ui::command::Command;
use crate::ui::state::queue_model::RowId;
use crate::ui::tests::fixture::{harness_for, Fixture};
use crate::ui::tests::synthetic_row;

const SIZE: [f32; 2] = [1000.0, 520.0];

/// The window with "clip.mp4" running at 42% (its one rendition)
/// and "notes.txt" failed.
fn window(fx: &Fixture) -> (Harness<'static, App>, RowId, RowId) {
    let mut app = fx.app();
    let probed = EventKind::Probed(SourceFacts {
        width: 1280,
        height: 720,
        duration_s: Some(12.0),
        fps: 25.0,
        video_codec: "h264".into(),
        audio_codec: None,
        hdr: None,
        crop: None,
    });
    // The engine names a row's renditions as it reports them: one here.
    let progress = EventKind::Progress(Progress {
        stage: Stage::Transcode,
        rendition: "720p".into(),
        fraction: 0.42,
        fps: 100.0,
        eta_s: None,
    });
    let running = synthetic_row(&mut app, "clip.mp4", 1001, vec![probed, progress]);
    let failed = synthetic_row(
        &mut app,
        "notes.txt",
        1002,
        vec![EventKind::JobFailed(JobFailed {
            error: "not a video file".into(),
        })],
    );
    let mut harness = harness_for(app, SIZE);
    harness.run_steps(2);
    (harness, running, failed)
}

#[test]
fn rows_buttons_and_progress_bars_are_in_the_accessibility_tree() {
    let fx = Fixture::new(&["web"]);
    let (harness, _, _) = window(&fx);
    // Each row is one item named by its file, status and progress.
    let row = harness.get_by_role_and_label(Role::ListItem, "clip.mp4, Running, 42%");
    assert!(
        row.accesskit_node()
            .data()
            .supports_action(egui::accesskit::Action::Focus),
        "a row is reached with Tab"
    );
    harness.get_by_role_and_label(Role::ListItem, "notes.txt, Failed");
    // The row's progress bar says whose it is and how far it got.
    let bar = harness.get_by_role(Role::ProgressIndicator);
    assert_eq!(bar.accesskit_node().numeric_value(), Some(42.0));
    let label = bar.accesskit_node().label().unwrap_or_default();
    assert!(
        label.starts_with("Progress of clip.mp4: 42%"),
        "progress bar named {label:?}"
    );
    // Every button has a name to read out.
    let buttons: Vec<String> = harness
        .get_all_by_role(Role::Button)
        .map(|b| b.accesskit_node().label().unwrap_or_default())
        .collect();
    assert!(
        buttons.iter().all(|b| !b.is_empty()),
        "unnamed: {buttons:?}"
    );
    for name in ["Pause queue", "Clear finished", "Retry", "Cancel"] {
        assert!(buttons.iter().any(|b| b == name), "{name} in {buttons:?}");
    }
}

/// A control told apart from others of the same name by where it is.
fn control(node: egui_kittest::kittest::AccessKitNode<'_>) -> String {
    format!(
        "{} at {:?}",
        node.label().unwrap_or_default(),
        node.bounding_box()
    )
}

#[test]
fn tab_reaches_every_control() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = window(&fx);
    let wanted: HashSet<String> = harness
        .get_all_by(|n| {
            !n.is_disabled() && n.data().supports_action(egui::accesskit::Action::Focus)
        })
        .map(|n| control(n.accesskit_node()))
        .collect();
    assert!(
        wanted
            .iter()
            .any(|c| c.starts_with("clip.mp4, Running, 42% at "))
            && wanted.iter().any(|c| c.starts_with("Retry at ")),
        "rows and buttons are controls: {wanted:?}"
    );
    let mut reached = HashSet::new();
    for _ in 0..300 {
        harness.key_press(egui::Key::Tab);
        harness.step();
        if let Some(node) = harness.query_by(|n| n.is_focused()) {
            reached.insert(control(node.accesskit_node()));
        }
    }
    let missed: Vec<&String> = wanted.difference(&reached).collect();
    assert!(missed.is_empty(), "Tab never reached {missed:?}");
}

#[test]
fn space_pauses_and_resumes_unless_a_control_has_focus() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, running, _) = window(&fx);
    assert!(!harness.state().paused);
    harness.key_press(egui::Key::Space);
    harness.step();
    assert!(harness.state().paused, "Space pauses the queue");
    harness.get_by_label("Resume queue");
    harness.key_press(egui::Key::Space);
    harness.step();
    assert!(!harness.state().paused, "Space again resumes it");

    // With a row focused, Space is that row's: it selects it.
    harness
        .get_by_role_and_label(Role::ListItem, "clip.mp4, Running, 42%")
        .focus();
    harness.step();
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    assert!(!harness.state().paused, "the queue did not pause");
    assert_eq!(harness.state().view.selected, Some(running));
}

#[test]
fn delete_removes_the_selected_row_only_once_it_ended() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, running, failed) = window(&fx);
    // A running row selected stays.
    harness
        .get_by_role_and_label(Role::ListItem, "clip.mp4, Running, 42%")
        .click_accesskit();
    harness.step();
    assert_eq!(harness.state().view.selected, Some(running));
    harness.key_press(egui::Key::Delete);
    harness.run_steps(2);
    assert!(harness.state().model.row(running).is_some());

    harness
        .get_by_role_and_label(Role::ListItem, "notes.txt, Failed")
        .click_accesskit();
    harness.step();
    assert_eq!(harness.state().view.selected, Some(failed));
    harness.key_press(egui::Key::Delete);
    harness.run_steps(2);
    assert!(harness.state().model.row(failed).is_none(), "removed");
    assert_eq!(harness.state().view.selected, None);
    assert!(harness
        .query_by_role_and_label(Role::ListItem, "notes.txt, Failed")
        .is_none());
    assert!(harness.state().model.row(running).is_some());
}

#[test]
fn ctrl_o_asks_for_the_add_videos_dialog() {
    let fx = Fixture::new(&["web"]);
    let (mut harness, _, _) = window(&fx);
    assert!(harness.state().systems.dialogs.asked.borrow().is_empty());
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    harness.step();
    assert_eq!(
        *harness.state().systems.dialogs.asked.borrow(),
        ["file dialog"]
    );
}

#[test]
fn remove_selected_ended_leaves_a_waiting_row() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    app.handle(Command::SetPaused(true));
    let waiting = app.model.add(JobRequest {
        input: PathBuf::from("/home/user/a.mp4"),
        presets: vec![find_preset("web").expect("web")],
        out_dir: PathBuf::from("/home/user/Videos/VidPrism"),
    });
    app.handle(Command::RemoveSelectedEnded);
    assert!(app.model.row(waiting).is_some(), "nothing selected");
    app.view.selected = Some(waiting);
    app.handle(Command::RemoveSelectedEnded);
    assert!(app.model.row(waiting).is_some(), "not ended");
}
