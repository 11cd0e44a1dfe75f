//! The window as issue 28 found it wanting: a layout that fits 640x480
//! (nothing overlaps, nothing runs off the edge, from egui's own layout
//! rectangles), a path field where no file chooser opens, Escape and the
//! keyboard focus for every window, Tab through a row in the order its
//! buttons are seen, and the queue's progress in the window's title.

use std::path::PathBuf;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::Harness;
use vidprism_engine::pipeline::{EventKind, JobFailed, Progress, Stage};

use crate::ui::app::{window_title, App};
use crate::ui::tests::fixture::{harness_for, inputs, Fixture};
use crate::ui::tests::synthetic_row;

/// Not videos: they fail at once if run (the queue is paused here).
fn not_videos(fx: &Fixture, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| {
            let p = fx.path(n);
            std::fs::write(&p, b"not a video").unwrap();
            p
        })
        .collect()
}

/// The window at `size` with a running row, a failed row and two waiting
/// rows, the queue paused.
fn busy_window(fx: &Fixture, size: [f32; 2]) -> Harness<'static, App> {
    let mut app = fx.app();
    // Not the temp dir's random name: snapshots stay the same.
    app.systems.settings.output_dir = Some("/home/user/Videos/VidPrism".into());
    app.set_paused(true);
    let progress = EventKind::Progress(Progress {
        stage: Stage::Transcode,
        rendition: "720p".into(),
        fraction: 0.42,
        fps: 100.0,
        eta_s: Some(30.0),
    });
    synthetic_row(
        &mut app,
        "a video with a rather long name.mp4",
        1001,
        vec![progress],
    );
    let failed = EventKind::JobFailed(JobFailed {
        error: "notes.txt: not a video file (FFmpeg does not recognise its format)".into(),
    });
    synthetic_row(&mut app, "notes.txt", 1002, vec![failed]);
    app.add_paths_now(&not_videos(fx, &["next.mp4", "last.mp4"]));
    let mut harness = harness_for(app, size);
    harness.run_steps(3);
    harness
}

/// Roles of the controls and texts that must neither overlap nor leave
/// the window (containers such as rows and panels hold others).
const LEAVES: [Role; 9] = [
    Role::Button,
    Role::CheckBox,
    Role::ComboBox,
    Role::Label,
    Role::ProgressIndicator,
    Role::SpinButton,
    Role::TextInput,
    Role::Image,
    Role::Link,
];

#[test]
fn nothing_overlaps_or_is_cut_off_at_640x480() {
    let fx = Fixture::new(&["web"]);
    let harness = busy_window(&fx, [640.0, 480.0]);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(640.0, 480.0));
    let nodes: Vec<(String, egui::Rect)> = harness
        .get_all_by(|n| LEAVES.contains(&n.role()))
        .map(|n| {
            let label = n.accesskit_node().label().unwrap_or_default();
            let value = n.accesskit_node().value().unwrap_or_default();
            (
                format!("{:?} {label}{value}", n.accesskit_node().role()),
                n.rect(),
            )
        })
        .filter(|(_, r)| r.width() > 0.5 && r.height() > 0.5)
        .collect();
    assert!(nodes.len() > 30, "the window's controls: {nodes:?}");
    let mut problems = Vec::new();
    for (i, (a, ra)) in nodes.iter().enumerate() {
        if !window.expand(0.5).contains_rect(*ra) {
            problems.push(format!("{a} runs off the window: {ra:?}"));
        }
        for (b, rb) in &nodes[i + 1..] {
            let overlap = ra.intersect(*rb);
            if overlap.is_positive() && overlap.area() > 1.0 {
                problems.push(format!("{a} {ra:?} overlaps {b} {rb:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // Each row's status is there to read.
    for status in ["Running", "Failed", "Queued"] {
        assert!(harness.query_all_by_label(status).count() > 0, "{status}");
    }
}

#[test]
fn snapshot_narrow_window() {
    let fx = Fixture::new(&["web"]);
    let mut harness = busy_window(&fx, [640.0, 480.0]);
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.run_steps(2);
    harness.snapshot_options("narrow_window", &options);
}

#[test]
fn without_a_file_chooser_the_window_asks_for_a_path() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    app.set_paused(true);
    app.systems.dialogs.no_chooser = true;
    let mut harness = harness_for(app, [1000.0, 600.0]);
    harness.run();
    harness.get_by_label("Add videos…").click();
    harness.run_steps(3);
    harness.get_by_label_contains("No file chooser could open on this desktop");
    assert!(
        harness.get_by_label("Path").is_focused(),
        "the field has the keyboard"
    );
    let clip = not_videos(&fx, &["typed.mp4"]).remove(0);
    harness.event(egui::Event::Paste(clip.display().to_string()));
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    harness.state_mut().finish_adding();
    harness.run();
    assert!(harness.state().view.path_prompt.is_none(), "closed");
    assert_eq!(inputs(harness.state()), [clip]);
    // Escape drops the question.
    harness.get_by_label("Add videos…").click();
    harness.run_steps(3);
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().view.path_prompt.is_none());
}

/// The label of the control with the keyboard focus.
fn focused(harness: &Harness<'_, App>) -> String {
    harness
        .query_by(|n| n.is_focused())
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .unwrap_or_default()
}

#[test]
fn each_window_takes_the_focus_and_escape_gives_it_back() {
    let fx = Fixture::new(&["web"]);
    let mut harness = harness_for(fx.app(), [1000.0, 600.0]);
    harness.run();
    for (opener, first) in [
        ("Presets…", "New preset"),
        ("Watch folders…", "Add folder…"),
        ("Farm…", "NATS server:"),
    ] {
        harness.get_by_label(opener).focus();
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run_steps(3);
        assert_eq!(focused(&harness), first, "into the window {opener}");
        harness.key_press(egui::Key::Escape);
        harness.run_steps(3);
        let app = harness.state();
        let open = [
            app.view.preset_editor.open,
            app.systems.watches.open,
            app.view.farm_form.open,
        ];
        assert_eq!(open, [false; 3], "Escape closes {opener}");
        assert_eq!(focused(&harness), opener, "back to {opener}");
    }
}

#[test]
fn tab_goes_through_a_row_as_it_is_seen_and_enter_keeps_the_focus() {
    let fx = Fixture::new(&["web"]);
    let mut harness = busy_window(&fx, [1000.0, 600.0]);
    harness
        .get_by_role_and_label(Role::ListItem, "notes.txt, Failed")
        .focus();
    harness.run();
    let mut order = Vec::new();
    for _ in 0..2 {
        harness.key_press(egui::Key::Tab);
        harness.run();
        order.push(focused(&harness));
    }
    // Open folder is disabled (no files): Retry, then Remove.
    assert_eq!(order, ["Retry", "Remove"]);
    // Enter on a row shows its details and leaves the focus on it.
    harness
        .get_by_role_and_label(Role::ListItem, "notes.txt, Failed")
        .focus();
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert!(harness.state().view.selected.is_some(), "details shown");
    assert_eq!(focused(&harness), "notes.txt, Failed");
}

#[test]
fn the_title_says_how_far_the_queue_got_even_while_minimized() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    assert_eq!(window_title(&app.model, false), "VidPrism");
    app.set_paused(true);
    app.add_paths_now(&not_videos(&fx, &["a.mp4", "b.mp4"]));
    let progress = EventKind::Progress(Progress {
        stage: Stage::Transcode,
        rendition: "720p".into(),
        fraction: 0.5,
        fps: 100.0,
        eta_s: None,
    });
    synthetic_row(&mut app, "c.mp4", 1003, vec![progress]);
    // Only App::logic runs (a minimized window): it sets the title.
    let ctx = egui::Context::default();
    let mut raw = egui::RawInput::default();
    raw.viewports.insert(
        egui::ViewportId::ROOT,
        egui::ViewportInfo {
            minimized: Some(true),
            ..Default::default()
        },
    );
    let titles = |app: &mut App| {
        let out = ctx.run_logic(&raw, |ctx| app.logic(ctx));
        let commands = out.viewport_commands.get(&egui::ViewportId::ROOT);
        let titles: Vec<String> = commands
            .into_iter()
            .flatten()
            .filter_map(|c| match c {
                egui::ViewportCommand::Title(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        titles
    };
    let sent = titles(&mut app);
    assert_eq!(sent, ["VidPrism — 16% (0 of 3, paused)"]);

    // More progress soon after waits (each title costs a frame; a queue of
    // short jobs repainted for its title as fast as frames were drawn)...
    let more = EventKind::Progress(Progress {
        stage: Stage::Transcode,
        rendition: "720p".into(),
        fraction: 0.9,
        fps: 100.0,
        eta_s: None,
    });
    synthetic_row(&mut app, "d.mp4", 1004, vec![more]);
    let sent = titles(&mut app);
    assert!(sent.is_empty(), "{sent:?}");
    // ...and is shown once TITLE_EVERY has passed.
    app.view.title_sent_at = app
        .view
        .title_sent_at
        .and_then(|at| at.checked_sub(crate::ui::app::TITLE_EVERY));
    let sent = titles(&mut app);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("of 4, paused)"), "{sent:?}");
    // A pause is shown at once.
    app.set_paused(false);
    let sent = titles(&mut app);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(!sent[0].contains("paused"), "{sent:?}");
}
