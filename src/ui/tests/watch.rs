//! The window's watch folders: the list is changed by commands and
//! remembered in the settings; a video written into a watched folder
//! becomes one row of the queue and is done once, even after a restart;
//! a folder turned off is no longer watched.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::settings::{Settings, WatchFolder};
use eframe::egui;
use vidprism_engine::store::STORE_FILE;
use vidprism_engine::watch::LEDGER_FILE;

use crate::ui::app::App;
use crate::ui::command::WatchCommand;
use crate::ui::state::queue_model::RowStatus;
use crate::ui::tests::fixture::Fixture;

/// Settling time in these tests.
const SETTLE: Duration = Duration::from_millis(300);

/// The window with the fixture's settings and job store, watch folders
/// settling quickly.
fn app(fx: &Fixture) -> App {
    let mut app = fx.app();
    app.open_job_store(&fx.path(STORE_FILE));
    app.systems.watches.settle = SETTLE;
    app
}

/// Runs `App::logic` alone (as eframe does for a hidden window) for `for_at_least`
/// and until `done` holds, failing after 60 s.
fn run(app: &mut App, for_at_least: Duration, done: impl Fn(&App) -> bool) {
    let ctx = egui::Context::default();
    let start = Instant::now();
    while start.elapsed() < for_at_least || !done(app) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the watch folder got stuck: {:?}",
            statuses(app)
        );
        let _ = ctx.run_logic(&egui::RawInput::default(), |ctx| app.logic(ctx));
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn statuses(app: &App) -> Vec<(String, RowStatus, bool)> {
    app.model
        .rows()
        .iter()
        .map(|r| (r.name(), r.status.clone(), r.from_watch))
        .collect()
}

fn ledger_lines(fx: &Fixture) -> usize {
    std::fs::read_to_string(fx.path(LEDGER_FILE))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn the_watch_folder_list_is_changed_by_commands_and_remembered() {
    let fx = Fixture::new(&["thumbnail"]);
    let (a, b) = (PathBuf::from("/nowhere/a"), PathBuf::from("/nowhere/b"));
    {
        let mut app = fx.app();
        app.handle(WatchCommand::Open.into());
        assert!(app.systems.watches.open);
        app.handle(WatchCommand::Add(a.clone()).into());
        app.handle(WatchCommand::Add(b.clone()).into());
        app.handle(WatchCommand::Add(a.clone()).into());
        app.handle(
            WatchCommand::SetPresets(a.clone(), vec!["web".into(), "thumbnail".into()]).into(),
        );
        app.handle(WatchCommand::SetEnabled(a.clone(), false).into());
        app.handle(WatchCommand::SetOutput(a.clone(), Some(PathBuf::from("/out/a"))).into());
        app.handle(WatchCommand::SetRecursive(a.clone(), true).into());
        app.handle(WatchCommand::Remove(b.clone()).into());
        app.handle(WatchCommand::PickFolder.into());
        assert_eq!(
            app.systems.dialogs.asked.borrow().as_slice(),
            ["watch folder dialog"]
        );
        // Dropping the window writes the last settings.
    }
    let settings = Settings::load_from(&fx.path("settings.json"));
    assert_eq!(
        settings.watch_folders,
        [WatchFolder {
            folder: a.clone(),
            presets: vec!["web".into(), "thumbnail".into()],
            output_dir: Some(PathBuf::from("/out/a")),
            enabled: false,
            recursive: true,
        }]
    );
    let app = fx.app();
    assert_eq!(app.systems.settings.watch_folders, settings.watch_folders);
    assert_eq!(app.watch_output_dir(&a), Path::new("/out/a"));
}

#[test]
fn a_video_written_into_a_watched_folder_is_one_row_done_once_even_after_a_restart() {
    let fx = Fixture::new(&["thumbnail"]);
    let folder = fx.path("incoming");
    std::fs::create_dir(&folder).expect("folder");
    {
        let mut app = app(&fx);
        app.handle(WatchCommand::Add(folder.clone()).into());
        run(&mut app, Duration::ZERO, |app| {
            app.systems.watches.watching(&folder)
        });
        // Written by ffmpeg while watched: queued only once whole.
        fx.clip("incoming/a.mp4", "160x120", 1);
        run(&mut app, Duration::ZERO, |app| {
            !app.model.rows().is_empty() && !app.model.is_busy()
        });
        run(&mut app, SETTLE * 4, |_| true);
        assert_eq!(
            statuses(&app),
            [("a.mp4".to_owned(), RowStatus::Done, true)]
        );
        assert_eq!(ledger_lines(&fx), 1, "done once, in the ledger");
        let stored = app
            .systems
            .jobs
            .as_ref()
            .expect("store")
            .lock()
            .jobs()
            .len();
        assert_eq!(stored, 1, "the row is a job of the store");

        // Off: a new file is left alone.
        app.handle(WatchCommand::SetEnabled(folder.clone(), false).into());
        run(&mut app, Duration::ZERO, |app| {
            !app.systems.watches.watching(&folder)
        });
        std::fs::copy(folder.join("a.mp4"), folder.join("b.mp4")).expect("copy");
        run(&mut app, SETTLE * 4, |_| true);
        assert_eq!(app.model.rows().len(), 1, "{:?}", statuses(&app));
    }
    // A restart, the folder on again: a.mp4 was done, b.mp4 is new.
    let mut app = app(&fx);
    app.handle(WatchCommand::SetEnabled(folder.clone(), true).into());
    run(&mut app, SETTLE * 4, |app| {
        app.model.rows().len() == 2 && !app.model.is_busy()
    });
    assert_eq!(
        statuses(&app),
        [
            ("a.mp4".to_owned(), RowStatus::Done, false),
            ("b.mp4".to_owned(), RowStatus::Done, true)
        ],
        "a.mp4 is the restored row, not done again"
    );
    assert_eq!(ledger_lines(&fx), 2);
}
