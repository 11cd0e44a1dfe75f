//! A waiting row's presets changed (issue 28): kept in the job store
//! first, so a restart keeps them.

use crate::ui::app::App;
use crate::ui::state::queue_model::{Row, RowId};

impl App {
    /// Gives a waiting row the presets named (in the list's order): in
    /// the store first (refused there for a job that started), then on the
    /// row. Unknown names are ignored; none left changes nothing.
    pub(in crate::ui) fn set_row_presets(&mut self, row: RowId, names: Vec<String>) {
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
