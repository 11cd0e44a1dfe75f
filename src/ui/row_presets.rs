//! A waiting row's presets, changed from its details (issue 28): the
//! toggles of the preset list while the row is not given to the engine,
//! and the change kept in the job store first, so a restart keeps it and
//! a job that started meanwhile is left as it is.

use eframe::egui;

use super::app::App;
use super::command::{Command, CommandSender};
use super::queue_model::{Row, RowId};
use super::settings_panel::preset_toggles_for;

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

impl App {
    /// Gives a waiting row the presets named (in the list's order): in
    /// the store first (refused there for a job that started), then on the
    /// row. Unknown names are ignored; none left changes nothing.
    pub(super) fn set_row_presets(&mut self, row: RowId, names: Vec<String>) {
        if !self.model.row(row).is_some_and(Row::is_waiting) {
            return;
        }
        let presets: Vec<_> = self
            .systems
            .presets
            .iter()
            .filter(|p| names.contains(&p.name))
            .cloned()
            .collect();
        if presets.is_empty() {
            return;
        }
        let store_id = self.model.row(row).and_then(|r| r.store_id);
        if let (Some(store), Some(id)) = (&self.systems.jobs, store_id) {
            let names = presets.iter().map(|p| p.name.clone()).collect();
            let stored = store.lock().set_presets(id, names, presets.clone());
            if let Err(e) = stored {
                self.view.notice = Some(e.to_string());
                return;
            }
        }
        self.model.set_presets(row, presets);
    }
}
