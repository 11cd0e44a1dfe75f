//! The "Farm" window where the user connects to a farm or goes back to
//! this computer, and switching the runner (see [`crate::ui::systems::runner`]), which
//! happens only while no job runs.

use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{CommandSender, FarmCommand};
use crate::ui::state::forms::FarmForm;

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
                    if crate::ui::widgets::focus::take_focus_into(ui.ctx(), "Farm") {
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
