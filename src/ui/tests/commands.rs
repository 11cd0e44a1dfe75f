//! `App::handle` driven with commands and no drawing: what a click does is
//! checked on the state alone.

use eframe::egui;
use vidprism_engine::store::STORE_FILE;

use crate::ui::app::App;
use crate::ui::command::{Command, FarmCommand, PresetCommand, QuitAnswer, RowCommand};
use crate::ui::state::queue_model::{RowId, RowStatus};
use crate::ui::tests::fixture::Fixture;

fn status(app: &App, row: RowId) -> Option<RowStatus> {
    app.model.row(row).map(|r| r.status.clone())
}

/// Ids of the rows' jobs in the store, in queue order.
fn stored(app: &App) -> Vec<u64> {
    let store = app.systems.jobs.as_ref().expect("store open").lock();
    store.jobs().iter().map(|j| j.id).collect()
}

#[test]
fn pause_cancel_select_and_clear_finished_through_commands() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    app.open_job_store(&fx.path(STORE_FILE));

    app.handle(Command::SetPaused(true));
    assert!(app.paused);
    app.handle(Command::AddPaths(vec![fx.path("a.mp4"), fx.path("b.mp4")]));
    app.finish_adding();
    let rows: Vec<RowId> = app.model.rows().iter().map(|r| r.id).collect();
    let [a, b] = rows[..] else {
        panic!("two rows, got {rows:?}")
    };
    assert!(
        app.model.rows().iter().all(|r| r.job.is_none()),
        "nothing starts while paused"
    );
    // Each row knows its job in the store.
    let ids: Vec<u64> = app.model.rows().iter().filter_map(|r| r.store_id).collect();
    assert_eq!(ids, stored(&app));

    app.handle(RowCommand::Cancel(a).into());
    assert_eq!(status(&app, a), Some(RowStatus::Cancelled));
    app.handle(RowCommand::Select(a).into());
    assert_eq!(app.view.selected, Some(a));

    app.handle(Command::ClearFinished);
    assert_eq!(status(&app, a), None, "the cancelled row is gone");
    assert_eq!(app.view.selected, None, "with its details");
    assert_eq!(status(&app, b), Some(RowStatus::Queued));
    assert_eq!(stored(&app), ids[1..], "and its job in the store");

    app.handle(Command::SetPaused(false));
    assert!(!app.paused);
    assert!(
        app.model.row(b).is_some_and(|r| r.job.is_some()),
        "resuming gives the waiting row to the engine"
    );
}

#[test]
fn selecting_twice_closes_details_and_windows_open_and_close() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    app.handle(Command::SetPaused(true));
    app.handle(Command::AddPaths(vec![fx.path("a.mp4")]));
    app.finish_adding();
    let a = app.model.rows()[0].id;
    app.handle(RowCommand::Select(a).into());
    app.handle(RowCommand::Select(a).into());
    assert_eq!(app.view.selected, None);

    app.handle(RowCommand::Remove(a).into());
    assert!(app.model.rows().is_empty());

    app.handle(FarmCommand::Open.into());
    assert!(app.view.farm_form.open);
    app.handle(FarmCommand::Close.into());
    assert!(!app.view.farm_form.open);

    app.handle(PresetCommand::Open.into());
    assert!(app.view.preset_editor.open);
    app.handle(PresetCommand::Create.into());
    assert!(app.view.preset_editor.draft.is_some());
    app.handle(PresetCommand::Discard.into());
    assert!(app.view.preset_editor.draft.is_none());
    app.handle(PresetCommand::Close.into());
    assert!(!app.view.preset_editor.open);

    app.view.notice = Some("something".into());
    app.handle(Command::DismissNotice);
    assert_eq!(app.view.notice, None);
}

#[test]
fn commands_sent_are_handled_in_order_by_run_commands() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    let commands = app.commands();
    commands.send(Command::SetPaused(true));
    commands.send(Command::SetTranscodeJobs(3));
    commands.send(Command::SetPresets(vec!["webm".into()]));
    assert!(!app.paused, "nothing happens before the commands are run");
    app.run_commands(&egui::Context::default());
    assert!(app.paused);
    assert_eq!(app.systems.settings.transcode_jobs, 3);
    assert_eq!(app.systems.settings.presets, ["webm"]);
}

#[test]
fn closing_with_work_left_is_held_until_the_user_says_quit() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    app.handle(Command::CloseRequested);
    assert!(
        !app.view.quit.asking,
        "nothing would stop: the window closes"
    );
    assert!(app.view.viewport.is_empty());

    // Without a store, a waiting row would be lost.
    app.handle(Command::SetPaused(true));
    app.handle(Command::AddPaths(vec![fx.path("a.mp4")]));
    app.finish_adding();
    app.handle(Command::CloseRequested);
    assert!(app.view.quit.asking);
    assert_eq!(app.view.viewport, [egui::ViewportCommand::CancelClose]);
    app.view.viewport.clear();
    app.handle(Command::Quit(QuitAnswer::KeepWorking));
    assert!(!app.view.quit.asking);
    assert!(app.view.viewport.is_empty());

    app.handle(Command::CloseRequested);
    app.view.viewport.clear();
    app.handle(Command::Quit(QuitAnswer::Quit));
    assert!(app.view.quit.confirmed && !app.view.quit.asking);
    assert_eq!(app.view.viewport, [egui::ViewportCommand::Close]);
}
