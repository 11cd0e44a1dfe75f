//! The window on a farm: a real nats-server, two workers (in this process,
//! through the library), rows that end done with their files fetched here,
//! and a farm that cannot be reached at start.

use std::time::Duration;

use crate::settings::{FarmSettings, Settings};
use egui_kittest::kittest::Queryable as _;
use vidprism_farm::{FarmConnection, FarmWorker, PathMap, WorkPolicy, WorkStage, WorkerConfig};

use crate::ui::state::queue_model::RowStatus;
use crate::ui::tests::fixture::{drop_files, harness_for, step_until, Fixture};

#[path = "../../../tests/it/util/nats_server.rs"]
mod nats_server;

fn worker(url: &str, fx: &Fixture, name: &str) -> FarmWorker {
    FarmWorker::start(WorkerConfig {
        connection: FarmConnection::new(url),
        stages: WorkStage::ALL.to_vec(),
        transcode_jobs: 1,
        policy: WorkPolicy::default(),
        path_map: PathMap::default(),
        shared_roots: Vec::new(),
        scratch: fx.path(&format!("scratch-{name}")),
        name: name.into(),
    })
    .expect("worker joins the farm")
}

fn steps(harness: &mut egui_kittest::Harness<'_, crate::ui::app::App>, n: usize) {
    for _ in 0..n {
        harness.step();
    }
}

#[test]
fn a_queue_dropped_on_the_window_runs_on_two_farm_workers() {
    let server = nats_server::NatsServer::start(&[]);
    let fx = Fixture::new(&["web"]);
    let clips = [
        fx.clip("first.mp4", "640x360", 1),
        fx.clip("second.mp4", "640x360", 1),
    ];
    let a = worker(&server.url, &fx, "a");
    let b = worker(&server.url, &fx, "b");
    let mut harness = harness_for(fx.app(), [1000.0, 560.0]);
    harness.get_by_label("Runs on this computer");

    // Connect through the Farm window, as a user would.
    harness.get_by_label("Farm…").click();
    steps(&mut harness, 3);
    harness.state_mut().view.farm_form.draft.connection.url = server.url.clone();
    steps(&mut harness, 2);
    harness.get_by_label("Connect").click();
    harness.step();
    assert!(harness.state().view.farm_form.connecting.is_some());
    step_until(&mut harness, Duration::from_secs(10), "connected", |app| {
        app.view.farm_form.connecting.is_none()
    });
    assert_eq!(harness.state().view.farm_form.error, None);
    assert!(
        !harness.state().view.farm_form.open,
        "the Farm window closes"
    );
    // Both workers say they are alive.
    step_until(&mut harness, Duration::from_secs(10), "2 workers", |app| {
        app.systems.backend.runner.workers() == Some(2)
    });
    harness.get_by_label(&format!("Runs on the farm at {} · 2 workers", server.url));
    // Jobs at once is what the two workers take (one each), not the setting.
    assert_eq!(harness.state().systems.settings.transcode_jobs, 1);
    assert_eq!(harness.state().jobs_at_once(), 2);

    drop_files(&mut harness, &clips);
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "both rows end",
        |app| app.model.rows().len() == 2 && app.model.rows().iter().all(|r| r.status.is_final()),
    );
    for row in harness.state().model.rows() {
        assert_eq!(row.status, RowStatus::Done, "{}", row.name());
        let outputs = row.outputs();
        assert!(!outputs.is_empty());
        for (_, path, bytes) in &outputs {
            assert!(path.starts_with(fx.path("out")), "{path:?}");
            assert_eq!(std::fs::metadata(path).map(|m| m.len()).ok(), Some(*bytes));
        }
        let thumbnail = row.thumbnail.as_ref().expect("thumbnail");
        assert!(thumbnail.path.is_file());
    }
    let farm = &harness.state().systems.settings.farm;
    assert!(farm.enabled);
    assert_eq!(farm.connection.url, server.url);

    // Workers that stop say so: the count drops at once, not after the
    // silence that counts a worker as gone (6 s).
    drop(a);
    drop(b);
    step_until(&mut harness, Duration::from_secs(4), "no worker", |app| {
        app.systems.backend.runner.workers() == Some(0)
    });
    harness.get_by_label(&format!(
        "Runs on the farm at {} · no worker yet",
        server.url
    ));

    // Back to this computer.
    harness.get_by_label("Farm…").click();
    steps(&mut harness, 3);
    harness.get_by_label("Use this computer").click();
    harness.step();
    harness.step();
    harness.get_by_label("Runs on this computer");
    // Remembered once the window closes (settings are written off the UI thread).
    drop(harness);
    let saved = Settings::load_from(&fx.path("settings.json"));
    assert!(!saved.farm.enabled);
    assert_eq!(saved.farm.connection.url, server.url);
}

#[test]
fn a_farm_that_cannot_be_reached_at_start_says_so_and_jobs_run_here() {
    let fx = Fixture::new(&["thumbnail"]);
    let settings_path = fx.path("settings.json");
    let mut settings = Settings::load_from(&settings_path);
    settings.farm = FarmSettings {
        enabled: true,
        connection: FarmConnection::new("nats://127.0.0.1:1"),
        shared_folders: false,
    };
    settings.save_to(&settings_path).expect("saved");
    let mut harness = harness_for(fx.app(), [1000.0, 560.0]);
    harness.step();
    harness.get_by_label_contains("cannot connect to the farm at nats://127.0.0.1:1");
    harness.get_by_label("Runs on this computer");
    let clip = fx.clip("here.mp4", "320x240", 1);
    drop_files(&mut harness, &[clip]);
    step_until(&mut harness, Duration::from_secs(60), "row ends", |app| {
        app.model.rows().iter().all(|r| r.status.is_final())
    });
    assert_eq!(harness.state().model.rows()[0].status, RowStatus::Done);
}

#[test]
fn connecting_to_a_farm_that_is_not_there_says_why_and_keeps_this_computer() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut harness = harness_for(fx.app(), [1000.0, 560.0]);
    harness.get_by_label("Farm…").click();
    steps(&mut harness, 3);
    harness.state_mut().view.farm_form.draft.connection.url = "nats://127.0.0.1:1".into();
    steps(&mut harness, 2);
    harness.get_by_label("Connect").click();
    harness.step();
    assert!(harness.state().view.farm_form.connecting.is_some());
    step_until(
        &mut harness,
        Duration::from_secs(10),
        "connect ends",
        |app| app.view.farm_form.connecting.is_none(),
    );
    let error = harness
        .state()
        .view
        .farm_form
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains("cannot connect to the farm at nats://127.0.0.1:1"),
        "{error}"
    );
    harness.get_by_label_contains("cannot connect to the farm");
    harness.get_by_label("Runs on this computer");
    assert!(!harness.state().systems.settings.farm.enabled);
}
