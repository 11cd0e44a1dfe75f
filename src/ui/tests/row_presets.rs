//! A waiting row's presets changed from its details (issue 28): the
//! toggles change the row and its job in the store, a restart keeps them,
//! and a row given to the engine shows none and refuses the command.

use egui_kittest::kittest::Queryable;
use vidprism_engine::store::STORE_FILE;

use crate::ui::app::App;
use crate::ui::command::{Command, RowCommand};
use crate::ui::state::queue_model::RowId;
use crate::ui::tests::fixture::{harness_for, Fixture};

fn row_presets(app: &App, row: RowId) -> Vec<String> {
    let row = app.model.row(row).expect("row");
    row.preset_names().into_iter().map(str::to_owned).collect()
}

fn stored_presets(app: &App) -> Vec<String> {
    let store = app.systems.jobs.as_ref().expect("store open").lock();
    let job = &store.jobs()[0];
    job.presets.iter().map(|p| p.name.clone()).collect()
}

#[test]
fn a_waiting_rows_presets_change_from_its_details_and_a_restart_keeps_them() {
    let fx = Fixture::new(&["web"]);
    let mut app = fx.app();
    app.open_job_store(&fx.path(STORE_FILE));
    app.handle(Command::SetPaused(true));
    app.handle(Command::AddPaths(vec![fx.path("a.mp4")]));
    app.finish_adding();
    let a = app.model.rows()[0].id;
    app.handle(RowCommand::Select(a).into());
    let mut harness = harness_for(app, [1100.0, 700.0]);
    harness.step();
    harness.get_by_label("webm for this video").click();
    harness.step();
    harness.step();
    let app = harness.state();
    assert_eq!(row_presets(app, a), ["web", "webm"]);
    assert_eq!(stored_presets(app), ["web", "webm"]);
    assert!(app.view.notice.is_none(), "{:?}", app.view.notice);
    drop(harness);

    // The next start restores the row with the presets chosen.
    let mut app = fx.app();
    app.open_job_store(&fx.path(STORE_FILE));
    let restored = app.model.rows()[0].id;
    assert_eq!(row_presets(&app, restored), ["web", "webm"]);

    // Given to the engine: no toggles, and the command changes nothing.
    app.handle(Command::SetPaused(false));
    assert!(app.model.rows()[0].job.is_some(), "the row was given");
    app.handle(RowCommand::Select(restored).into());
    app.handle(Command::RowPresets {
        row: restored,
        presets: vec!["thumbnail".into()],
    });
    assert_eq!(row_presets(&app, restored), ["web", "webm"]);
    assert_eq!(stored_presets(&app), ["web", "webm"]);
    let mut harness = harness_for(app, [1100.0, 700.0]);
    harness.step();
    assert!(harness.query_by_label("webm for this video").is_none());
}
