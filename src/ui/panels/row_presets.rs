//! A waiting row's presets, changed from its details (issue 28): the
//! toggles of the preset list while the row is not given to the engine,
//! and the change kept in the job store first, so a restart keeps it and
//! a job that started meanwhile is left as it is.

use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{Command, CommandSender};
use crate::ui::state::queue_model::Row;
use crate::ui::widgets::preset_toggles::preset_toggles_for;

/// The row's presets as toggles while it waits; nothing once it started.
pub fn row_presets_ui(app: &App, ui: &mut egui::Ui, row: &Row, commands: &CommandSender) {
    if !row.is_waiting() {
        return;
    }
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        ui.label("Presets of this video:");
        let current: Vec<String> = row.preset_names().into_iter().map(str::to_owned).collect();
        if let Some(presets) = preset_toggles_for(app, ui, &current, Some("this video")) {
            commands.send(Command::RowPresets {
                row: row.id,
                presets,
            });
        }
    });
}
