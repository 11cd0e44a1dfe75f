//! The window at scale and out of sight: a minimized window (no `ui`
//! pass at all, only `App::logic`) still starts jobs and says the queue
//! finished; with thousands of rows only those in view are laid out; a
//! dropped folder with a symlink loop queues each file once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui;

use super::app::App;
use super::command::Command;
use super::queue_model::RowStatus;
use super::test_fixture::Fixture;

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
