//! Closing the window while videos run asks first: running jobs stop, and
//! (when the queue is remembered) start again from the beginning next time.

use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{Command, CommandSender, QuitAnswer};

/// Sends `CloseRequested` when the platform asks to close the window, or
/// the user presses Ctrl+Q (quit); Ctrl+W closes the window on top (a
/// dialog, or the main window when none is open), as on the desktop.
pub fn close_request_input(ctx: &egui::Context, commands: &CommandSender) {
    let quit = ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Q));
    if quit || ctx.input(|i| i.viewport().close_requested()) {
        commands.send(Command::CloseRequested);
    }
    if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::W)) {
        commands.send(Command::CloseTop { or_window: true });
    }
}

/// The "Quit VidPrism?" modal, while the user is being asked: what stops
/// and what is kept, counted now (it follows the queue while it is open).
/// "Keep working" has the keyboard; Escape or a click beside it keeps
/// working too.
pub fn quit_prompt_ui(app: &App, ctx: &egui::Context, commands: &CommandSender) {
    if !app.view.quit.asking {
        return;
    }
    let t = app.model.totals(app.jobs_at_once());
    // Given to the engine but not transcoding yet (probing): stops too.
    let running = app.model.in_flight().max(t.running);
    let waiting = t.waiting.saturating_sub(running - t.running);
    let what = quit_text(running, waiting, app.systems.jobs.is_some());
    let modal = egui::Modal::new(egui::Id::unique("quit prompt")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading("Quit VidPrism?");
        ui.label(what);
        ui.horizontal(|ui| {
            let keep = ui.button("Keep working");
            if ui.button("Quit").clicked() {
                commands.send(Command::Quit(QuitAnswer::Quit));
            }
            if keep.clicked() {
                commands.send(Command::Quit(QuitAnswer::KeepWorking));
            }
            if ui.memory(|m| m.focused().is_none()) {
                keep.request_focus();
            }
        });
    });
    if modal.should_close() {
        commands.send(Command::Quit(QuitAnswer::KeepWorking));
    }
}

/// What quitting does to `running` and `waiting` videos, with or without a
/// job store that remembers the queue.
pub fn quit_text(running: usize, waiting: usize, remembered: bool) -> String {
    let count = |n: usize| match n {
        1 => "1 video".to_owned(),
        n => format!("{n} videos"),
    };
    if !remembered {
        return format!(
            "{} running and {} waiting stop, and this queue is not remembered.",
            count(running),
            count(waiting)
        );
    }
    let stops = match running {
        0 => "No video is running now.".to_owned(),
        1 => "1 running video stops now and starts again from the beginning when \
              VidPrism opens next."
            .to_owned(),
        n => format!(
            "{n} running videos stop now and start again from the beginning when \
             VidPrism opens next."
        ),
    };
    let kept = match waiting {
        0 => String::new(),
        n => format!(" {} waiting: kept for next time.", count(n)),
    };
    format!("{stops}{kept}")
}
