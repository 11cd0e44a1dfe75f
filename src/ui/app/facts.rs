//! The app's part of probing the rows' sources ahead ([`FactsProber`]).

use crate::ui::app::App;
use crate::ui::state::queue_model::RowId;
use crate::ui::systems::facts::{Probed, PROBE_AHEAD};
use std::ops::Range;
use std::path::PathBuf;

impl App {
    /// Takes the prober's answers into their rows (a row whose job already
    /// said its facts keeps them), and asks for the rows in `visible` and
    /// the first [`PROBE_AHEAD`] waiting rows that know nothing yet.
    pub(in crate::ui) fn sync_facts(&mut self, visible: Range<usize>) {
        while let Some(Probed { row, facts }) = self.systems.facts.try_next() {
            match facts {
                Ok(facts) => self.model.set_facts(row, facts),
                Err(e) => tracing::debug!(row, "cannot probe a row's source: {e}"),
            }
        }
        let rows = self.model.rows();
        let end = visible.end.min(rows.len());
        let in_view = rows[visible.start.min(end)..end].iter();
        let waiting = rows
            .iter()
            .filter(|r| r.job.is_none() && !r.status.is_final())
            .take(PROBE_AHEAD);
        let wanted: Vec<(RowId, PathBuf)> = in_view
            .chain(waiting)
            .filter(|r| r.facts.is_none())
            .map(|r| (r.id, r.request.input.clone()))
            .collect();
        for (row, path) in wanted {
            self.systems.facts.ask(row, path);
        }
    }
}
