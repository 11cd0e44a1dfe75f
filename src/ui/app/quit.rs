//! Closing the window while videos run asks first: running jobs stop, and
//! (when the queue is remembered) start again from the beginning next time.

use crate::ui::app::App;
use crate::ui::command::QuitAnswer;
use crate::ui::state::forms::QuitPrompt;
use eframe::egui;

/// Would closing now stop or lose work? (With a store, the files found so
/// far are in it already.)
fn work_would_stop(app: &App) -> bool {
    let waiting = app.model.is_busy() || app.adding.is_busy();
    app.model.in_flight() > 0 || (app.systems.jobs.is_none() && waiting)
}

impl App {
    /// Holds a close request while videos run, and asks.
    pub(in crate::ui) fn close_requested(&mut self) {
        if !self.view.quit.confirmed && work_would_stop(self) {
            self.view.viewport.push(egui::ViewportCommand::CancelClose);
            self.view.quit.asking = true;
        }
    }

    /// Closes the dialog or window on top; with `or_window`, the main
    /// window when none is open (asking first if videos run).
    pub(in crate::ui) fn close_top(&mut self, or_window: bool) {
        let view = &mut self.view;
        if view.quit.asking {
            view.quit.asking = false;
        } else if view.path_prompt.is_some() {
            view.path_prompt = None;
        } else if view.preset_editor.delete_question.is_some() {
            view.preset_editor.delete_question = None;
        } else if view.preset_editor.open {
            view.preset_editor.open = false;
        } else if self.systems.watches.open {
            self.systems.watches.open = false;
        } else if view.farm_form.open {
            view.farm_form.open = false;
        } else if view.compare.is_some() {
            view.compare = None;
        } else if or_window {
            self.view.viewport.push(egui::ViewportCommand::Close);
        } else {
            view.selected = None;
        }
    }

    pub(in crate::ui) fn answer_quit(&mut self, answer: QuitAnswer) {
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
