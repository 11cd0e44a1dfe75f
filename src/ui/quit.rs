//! Closing the window while videos run asks first: running jobs stop, and
//! (when the queue is remembered) start again from the beginning next time.

use eframe::egui;

use super::app::App;

/// Whether the user is being asked, or has said yes.
#[derive(Default)]
pub struct QuitPrompt {
    pub asking: bool,
    pub confirmed: bool,
}

/// Would closing now stop or lose work?
fn work_would_stop(app: &App) -> bool {
    app.model.in_flight() > 0 || (app.jobs.is_none() && app.model.is_busy())
}

/// Holds a close request while videos run and asks in a modal.
pub fn quit_guard_ui(app: &mut App, ctx: &egui::Context) {
    let close_requested = ctx.input(|i| i.viewport().close_requested());
    if close_requested && !app.quit.confirmed && work_would_stop(app) {
        ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        app.quit.asking = true;
    }
    if !app.quit.asking {
        return;
    }
    let running = app.model.in_flight();
    let what = if app.jobs.is_some() {
        format!(
            "{running} running video(s) stop now and start again from the beginning \
             when VidPrism opens next. Waiting videos are kept."
        )
    } else {
        "Running and waiting videos stop, and this queue is not remembered.".to_owned()
    };
    let mut choice = None;
    egui::Modal::new(egui::Id::unique("quit prompt")).show(ctx, |ui| {
        ui.heading("Quit VidPrism?");
        ui.label(what);
        ui.horizontal(|ui| {
            if ui.button("Quit").clicked() {
                choice = Some(true);
            }
            if ui.button("Keep working").clicked() {
                choice = Some(false);
            }
        });
    });
    match choice {
        Some(true) => {
            app.quit = QuitPrompt {
                asking: false,
                confirmed: true,
            };
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        Some(false) => app.quit.asking = false,
        None => {}
    }
}
