//! Closing the window while videos run asks first: running jobs stop, and
//! (when the queue is remembered) start again from the beginning next time.

use eframe::egui;

use super::app::App;
use super::command::{Command, CommandSender, QuitAnswer};

/// Whether the user is being asked, or has said yes.
#[derive(Default)]
pub struct QuitPrompt {
    pub asking: bool,
    pub confirmed: bool,
}

/// Would closing now stop or lose work? (With a store, the files found so
/// far are in it already.)
fn work_would_stop(app: &App) -> bool {
    let waiting = app.model.is_busy() || app.adding.is_busy();
    app.model.in_flight() > 0 || (app.systems.jobs.is_none() && waiting)
}

impl App {
    /// Holds a close request while videos run, and asks.
    pub(super) fn close_requested(&mut self) {
        if !self.view.quit.confirmed && work_would_stop(self) {
            self.view.viewport.push(egui::ViewportCommand::CancelClose);
            self.view.quit.asking = true;
        }
    }

    pub(super) fn answer_quit(&mut self, answer: QuitAnswer) {
        match answer {
            QuitAnswer::Quit => {
                self.view.quit = QuitPrompt {
                    asking: false,
                    confirmed: true,
                };
                self.view.viewport.push(egui::ViewportCommand::Close);
            }
            QuitAnswer::KeepWorking => self.view.quit.asking = false,
        }
    }
}

/// Sends `CloseRequested` when the platform asks to close the window.
pub fn close_request_input(ctx: &egui::Context, commands: &CommandSender) {
    if ctx.input(|i| i.viewport().close_requested()) {
        commands.send(Command::CloseRequested);
    }
}

/// The "Quit VidPrism?" modal, while the user is being asked.
pub fn quit_prompt_ui(app: &App, ctx: &egui::Context, commands: &CommandSender) {
    if !app.view.quit.asking {
        return;
    }
    let running = app.model.in_flight();
    let what = if app.systems.jobs.is_some() {
        format!(
            "{running} running video(s) stop now and start again from the beginning \
             when VidPrism opens next. Waiting videos are kept."
        )
    } else {
        "Running and waiting videos stop, and this queue is not remembered.".to_owned()
    };
    egui::Modal::new(egui::Id::unique("quit prompt")).show(ctx, |ui| {
        ui.heading("Quit VidPrism?");
        ui.label(what);
        ui.horizontal(|ui| {
            if ui.button("Quit").clicked() {
                commands.send(Command::Quit(QuitAnswer::Quit));
            }
            if ui.button("Keep working").clicked() {
                commands.send(Command::Quit(QuitAnswer::KeepWorking));
            }
        });
    });
}
