//! The "Farm" window where the user connects to a farm or goes back to
//! this computer, and switching the runner (see [`super::runner`]), which
//! happens only while no job runs.

use std::sync::Arc;

use crate::settings::FarmSettings;
use crossbeam_channel::{bounded, Receiver};
use eframe::egui;
use vidprism_engine::pipeline::JobRunner;

use super::app::App;
use super::command::{CommandSender, FarmCommand};
use super::runner::connect_farm;

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

impl App {
    /// Applies what the "Farm" window asked.
    pub(super) fn handle_farm(&mut self, command: FarmCommand) {
        match command {
            FarmCommand::Open => {
                self.view.farm_form = FarmForm::new(&self.systems.settings.farm);
                self.view.farm_form.open = true;
            }
            FarmCommand::Connect => {
                let mut farm = self.view.farm_form.draft.clone();
                farm.connection.url = farm.connection.url.trim().to_owned();
                // Connecting: the window stays open until it is done
                // (poll_farm closes it).
                match self.use_farm(farm) {
                    Ok(()) => self.view.farm_form.error = None,
                    Err(e) => self.view.farm_form.error = Some(e),
                }
            }
            FarmCommand::UseThisComputer => match self.use_this_computer() {
                Ok(()) => {
                    self.view.farm_form.error = None;
                    self.view.farm_form.open = false;
                }
                Err(e) => self.view.farm_form.error = Some(e),
            },
            FarmCommand::Close => self.view.farm_form.open = false,
        }
    }

    /// Starts connecting to the farm `farm` describes; [`Self::poll_farm`]
    /// switches to it once connected. Refused while jobs run.
    pub fn use_farm(&mut self, farm: FarmSettings) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        let (tx, result) = bounded(1);
        let wake = Arc::clone(&self.systems.backend.wake);
        let settings = farm.clone();
        std::thread::Builder::new()
            .name("farm connect".into())
            .spawn(move || {
                let runner = connect_farm(&settings, &wake).map_err(|e| e.to_string());
                let _ = tx.send(runner);
                wake();
            })
            .map_err(|e| format!("cannot start connecting: {e}"))?;
        self.view.farm_form.connecting = Some(Connecting { farm, result });
        self.view.farm_form.error = None;
        Ok(())
    }

    /// Takes the result of a connect under way: new jobs run on the farm,
    /// or the Farm window says why not.
    pub fn poll_farm(&mut self) {
        let Some(connecting) = &self.view.farm_form.connecting else {
            return;
        };
        let Ok(result) = connecting.result.try_recv() else {
            return;
        };
        let farm = connecting.farm.clone();
        self.view.farm_form.connecting = None;
        let switched = result.and_then(|runner| {
            // Rows added while connecting went to the old runner.
            self.ensure_no_job_runs()?;
            self.systems.backend.runner = runner;
            Ok(())
        });
        match switched {
            Ok(()) => {
                self.systems.settings.farm = FarmSettings {
                    enabled: true,
                    ..farm
                };
                self.systems.save_settings();
                self.view.farm_form.open = false;
            }
            Err(e) => {
                self.view.farm_form.error = Some(e);
                self.view.farm_form.open = true;
            }
        }
    }

    /// New jobs run on this computer. Refused while jobs run.
    pub fn use_this_computer(&mut self) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        let systems = &mut self.systems;
        systems
            .backend
            .use_this_computer(&systems.settings)
            .map_err(|e| format!("cannot start: {e}"))?;
        systems.settings.farm.enabled = false;
        systems.save_settings();
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
pub fn runs_on_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
    let engine = &app.systems.backend.runner;
    let place = format!("Runs on {}", engine.describe());
    match engine.workers() {
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
        commands.send(FarmCommand::Open);
    }
}

/// The "Farm" window: the server, a login, shared folders, connect. The
/// fields edit the form's draft directly; the buttons send commands.
pub fn farm_window_ui(form: &mut FarmForm, ctx: &egui::Context, commands: &CommandSender) {
    let mut open = form.open;
    egui::Window::new("Farm")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            let connection = &mut form.draft.connection;
            egui::Grid::new("farm fields")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("NATS server:");
                    let url = ui
                        .add(
                            egui::TextEdit::singleline(&mut connection.url)
                                .hint_text("nats://farm.local:4222"),
                        )
                        .labelled_by(label.id);
                    if super::view::take_focus_into(ui.ctx(), "Farm") {
                        url.request_focus();
                    }
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
                    commands.send(FarmCommand::Connect);
                }
                if ui
                    .add_enabled(idle, egui::Button::new("Use this computer"))
                    .clicked()
                {
                    commands.send(FarmCommand::UseThisComputer);
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
    // A connect under way closes the window itself once done (poll_farm).
    if form.open && !open {
        commands.send(FarmCommand::Close);
    }
}
