//! Where the window's jobs run: this computer's engine or a farm, and the
//! "Farm" window where the user connects to one. Rows look the same either
//! way; only the runner behind them changes, and only while no job runs.

use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver};
use eframe::egui;
use vidprism::farm::{FarmClient, FarmError, Files};
use vidprism::pipeline::{Engine, EngineConfig, JobRunner, Waker};
use vidprism::settings::{FarmSettings, Settings, MAX_TRANSCODE_JOBS};

use super::app::App;

/// A farm being connected to, off the UI thread (an unreachable host
/// takes seconds to give up).
pub struct Connecting {
    farm: FarmSettings,
    result: Receiver<Result<Box<dyn JobRunner>, String>>,
}

/// The "Farm" window's state: the settings being edited, a connect under
/// way, and why the last one failed.
pub struct FarmForm {
    pub open: bool,
    pub draft: FarmSettings,
    pub error: Option<String>,
    pub connecting: Option<Connecting>,
}

impl FarmForm {
    pub fn new(settings: &FarmSettings) -> FarmForm {
        FarmForm {
            open: false,
            draft: settings.clone(),
            error: None,
            connecting: None,
        }
    }
}

/// The runner the settings ask for. A farm that cannot be reached gives
/// this computer's engine, and a notice saying why.
pub fn start_runner(
    settings: &Settings,
    wake: &Waker,
) -> anyhow::Result<(Box<dyn JobRunner>, Option<String>)> {
    let mut notice = None;
    if settings.farm.enabled {
        match connect_farm(&settings.farm, wake) {
            Ok(runner) => return Ok((runner, None)),
            Err(e) => {
                tracing::warn!("{e}");
                notice = Some(format!(
                    "{e}. Jobs run on this computer; use Farm… to connect again."
                ));
            }
        }
    }
    Ok((local_engine(settings, wake)?, notice))
}

fn local_engine(settings: &Settings, wake: &Waker) -> std::io::Result<Box<dyn JobRunner>> {
    let engine = Engine::start(
        EngineConfig {
            transcode_jobs: settings.transcode_jobs.clamp(1, MAX_TRANSCODE_JOBS),
            ..Default::default()
        },
        Some(Arc::clone(wake)),
    )?;
    Ok(Box::new(engine))
}

fn connect_farm(farm: &FarmSettings, wake: &Waker) -> Result<Box<dyn JobRunner>, FarmError> {
    let files = if farm.shared_folders {
        Files::Shared
    } else {
        Files::ObjectStore
    };
    let client = FarmClient::connect(&farm.connection, files, Some(Arc::clone(wake)))?;
    Ok(Box::new(client))
}

impl App {
    /// Starts connecting to the farm `farm` describes; [`Self::poll_farm`]
    /// switches to it once connected. Refused while jobs run.
    pub fn use_farm(&mut self, farm: FarmSettings) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        let (tx, result) = bounded(1);
        let wake = Arc::clone(&self.wake);
        let settings = farm.clone();
        std::thread::Builder::new()
            .name("farm connect".into())
            .spawn(move || {
                let runner = connect_farm(&settings, &wake).map_err(|e| e.to_string());
                let _ = tx.send(runner);
                wake();
            })
            .map_err(|e| format!("cannot start connecting: {e}"))?;
        self.farm_form.connecting = Some(Connecting { farm, result });
        self.farm_form.error = None;
        Ok(())
    }

    /// Takes the result of a connect under way: new jobs run on the farm,
    /// or the Farm window says why not.
    pub fn poll_farm(&mut self) {
        let Some(connecting) = &self.farm_form.connecting else {
            return;
        };
        let Ok(result) = connecting.result.try_recv() else {
            return;
        };
        let farm = connecting.farm.clone();
        self.farm_form.connecting = None;
        let switched = result.and_then(|runner| {
            // Rows added while connecting went to the old runner.
            self.ensure_no_job_runs()?;
            self.engine = runner;
            Ok(())
        });
        match switched {
            Ok(()) => {
                self.settings.farm = FarmSettings {
                    enabled: true,
                    ..farm
                };
                self.save_settings();
                self.farm_form.open = false;
            }
            Err(e) => {
                self.farm_form.error = Some(e);
                self.farm_form.open = true;
            }
        }
    }

    /// New jobs run on this computer. Refused while jobs run.
    pub fn use_this_computer(&mut self) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        self.engine =
            local_engine(&self.settings, &self.wake).map_err(|e| format!("cannot start: {e}"))?;
        self.settings.farm.enabled = false;
        self.save_settings();
        Ok(())
    }

    fn ensure_no_job_runs(&self) -> Result<(), String> {
        if self.model.in_flight() > 0 {
            return Err("jobs are running: pause the queue and let them end, then switch".into());
        }
        Ok(())
    }
}

/// Where jobs run, and the button that opens the "Farm" window.
pub fn runs_on_ui(app: &mut App, ui: &mut egui::Ui) {
    let place = format!("Runs on {}", app.engine.describe());
    match app.engine.workers() {
        None => ui.label(place),
        Some(0) => ui
            .colored_label(
                ui.visuals().warn_fg_color,
                format!("{place} · no worker yet"),
            )
            .on_hover_text("Jobs wait until a worker joins: vidprism worker --nats <server>"),
        Some(1) => ui.label(format!("{place} · 1 worker")),
        Some(n) => ui.label(format!("{place} · {n} workers")),
    };
    if ui
        .button("Farm…")
        .on_hover_text("Run jobs on worker machines through a NATS server")
        .clicked()
    {
        app.farm_form = FarmForm::new(&app.settings.farm);
        app.farm_form.open = true;
    }
}

/// The "Farm" window: the server, a login, shared folders, connect.
pub fn farm_window_ui(app: &mut App, ctx: &egui::Context) {
    let mut open = app.farm_form.open;
    let mut action = None;
    egui::Window::new("Farm")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            let form = &mut app.farm_form;
            let connection = &mut form.draft.connection;
            egui::Grid::new("farm fields")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.label("NATS server:");
                    ui.add(
                        egui::TextEdit::singleline(&mut connection.url)
                            .hint_text("nats://farm.local:4222"),
                    );
                    ui.end_row();
                    ui.label("User:");
                    let mut user = connection.user.clone().unwrap_or_default();
                    ui.add(egui::TextEdit::singleline(&mut user).hint_text("optional"));
                    connection.user = Some(user).filter(|u| !u.is_empty());
                    ui.end_row();
                    ui.label("Password:");
                    let mut password = connection.password.clone().unwrap_or_default();
                    ui.add(egui::TextEdit::singleline(&mut password).password(true));
                    connection.password = Some(password).filter(|p| !p.is_empty());
                    ui.end_row();
                });
            ui.checkbox(
                &mut form.draft.shared_folders,
                "Workers share this computer's disk (no copies through the server)",
            );
            ui.label(
                egui::RichText::new(
                    "Start workers with: vidprism worker --nats <server>. \
                     Tokens, creds files and TLS: see the README.",
                )
                .small(),
            );
            if let Some(error) = &form.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            let idle = form.connecting.is_none();
            ui.horizontal(|ui| {
                let url_given = !form.draft.connection.url.trim().is_empty();
                if ui
                    .add_enabled(idle && url_given, egui::Button::new("Connect"))
                    .clicked()
                {
                    action = Some(true);
                }
                if ui
                    .add_enabled(idle, egui::Button::new("Use this computer"))
                    .clicked()
                {
                    action = Some(false);
                }
                if let Some(connecting) = &form.connecting {
                    ui.spinner();
                    ui.label(format!(
                        "Connecting to {}…",
                        connecting.farm.connection.display_url()
                    ));
                }
            });
        });
    let result = match action {
        Some(true) => {
            let mut farm = app.farm_form.draft.clone();
            farm.connection.url = farm.connection.url.trim().to_owned();
            Some(app.use_farm(farm))
        }
        Some(false) => Some(app.use_this_computer()),
        None => None,
    };
    match result {
        // Connecting: the window stays open until it is done.
        Some(Ok(())) if action == Some(true) => app.farm_form.error = None,
        Some(Ok(())) => {
            app.farm_form.error = None;
            open = false;
        }
        Some(Err(e)) => app.farm_form.error = Some(e),
        None => {}
    }
    // A connect under way closes the window itself once done (poll_farm).
    app.farm_form.open = open;
}
