//! Queue control on the model: which row to submit next, reordering,
//! clearing finished rows, rows restored from the job store. Pure state,
//! unit tested like the rest of the model.
//!
//! The window submits rows to the engine only a few ahead of what is
//! running (see `App::pump`), so the rows' order here is the order jobs
//! start in, and moving a row that is not submitted yet changes when it
//! runs.

use vidprism_engine::pipeline::{JobRequest, SourceFacts};

use super::{QueueModel, Rendition, Row, RowId, RowStatus, Tally, Thumbnail};

impl QueueModel {
    /// The first queued row not yet given to the engine.
    pub fn next_unsubmitted(&self) -> Option<RowId> {
        if self.tally.unsubmitted == 0 {
            return None;
        }
        self.rows
            .iter()
            .find(|r| r.job.is_none() && r.status == RowStatus::Queued)
            .map(|r| r.id)
    }

    /// How far the queue got, 0..1: ended rows whole, running rows by
    /// their progress, waiting rows not at all (cancelled rows are left
    /// out). Reads the counters and the running rows only.
    pub fn progress(&self) -> f64 {
        let t = &self.tally;
        let total = t.done + t.failed + t.running + t.waiting;
        if total == 0 {
            return 0.0;
        }
        let running: f64 = self
            .running
            .iter()
            .filter_map(|&id| self.row(id))
            .map(Row::progress)
            .sum();
        ((t.done + t.failed) as f64 + running) / total as f64
    }

    /// Rows given to the engine that have not ended.
    pub fn in_flight(&self) -> usize {
        self.tally.in_flight
    }

    /// Puts a row back in the queue, not submitted (a retry waiting for
    /// its turn); events of its earlier job are ignored from now on.
    pub fn requeue(&mut self, row: RowId) {
        let old = self.change(row, |r| {
            let old = r.job.take();
            r.reset();
            old
        });
        if let Some(Some(old)) = old {
            self.by_job.remove(&old);
        }
    }

    /// Marks a row that never reached the engine as cancelled.
    pub fn cancel_unsubmitted(&mut self, row: RowId) -> bool {
        self.change(row, |r| {
            let waiting = r.job.is_none() && !r.status.is_final();
            if waiting {
                r.status = RowStatus::Cancelled;
            }
            waiting
        })
        .unwrap_or(false)
    }

    /// Fails a row that never reached the engine (its source changed).
    pub fn fail_unsubmitted(&mut self, row: RowId, reason: String) {
        self.change(row, |r| {
            if r.job.is_none() {
                r.status = RowStatus::Failed(reason);
            }
        });
    }

    /// What the window's own probe said of a row's source, unless its job
    /// said it already.
    pub fn set_facts(&mut self, row: RowId, facts: SourceFacts) {
        self.change(row, |r| {
            if r.facts.is_none() {
                r.facts = Some(facts);
            }
        });
    }

    /// The index of the nearest waiting row above `row` (not given to the
    /// engine: its turn can change).
    pub fn waiting_before(&self, row: RowId) -> Option<usize> {
        let i = self.index_of(row)?;
        self.rows[..i].iter().rposition(Row::is_waiting)
    }

    /// The index of the nearest waiting row below `row`.
    pub fn waiting_after(&self, row: RowId) -> Option<usize> {
        let i = self.index_of(row)?;
        self.rows[i + 1..]
            .iter()
            .position(Row::is_waiting)
            .map(|n| i + 1 + n)
    }

    pub fn index_of(&self, row: RowId) -> Option<usize> {
        self.index.get(&row).copied()
    }

    /// Moves a row to `to` (clamped). Returns its new index.
    pub fn move_row(&mut self, row: RowId, to: usize) -> Option<usize> {
        let from = self.index_of(row)?;
        let moved = self.rows.remove(from);
        let to = to.min(self.rows.len());
        self.rows.insert(to, moved);
        self.reindex();
        Some(to)
    }

    /// Removes every row that has ended; returns them.
    pub fn clear_finished(&mut self) -> Vec<RowId> {
        let finished: Vec<RowId> = self
            .rows
            .iter()
            .filter(|r| r.status.is_final())
            .map(|r| r.id)
            .collect();
        let ended: std::collections::HashSet<RowId> = finished.iter().copied().collect();
        for row in self.rows.iter().filter(|r| ended.contains(&r.id)) {
            if let Some(job) = row.job {
                self.by_job.remove(&job);
            }
            self.tally.replace(Tally::of(row), Tally::default());
        }
        self.rows.retain(|r| !ended.contains(&r.id));
        self.reindex();
        finished
    }

    /// Adds a row as the job store remembers it (not submitted).
    pub fn restore(
        &mut self,
        request: JobRequest,
        status: RowStatus,
        thumbnail: Option<Thumbnail>,
        renditions: Vec<Rendition>,
    ) -> RowId {
        let id = self.add(request);
        self.change(id, |row| {
            row.status = status;
            row.thumbnail = thumbnail;
            row.renditions = renditions;
        });
        id
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use vidprism_engine::pipeline::{Event, EventKind, JobDone};

    use super::*;

    fn request(name: &str) -> JobRequest {
        JobRequest {
            input: PathBuf::from(format!("/videos/{name}")),
            presets: Vec::new(),
            out_dir: PathBuf::from("/out"),
        }
    }

    fn names(m: &QueueModel) -> Vec<String> {
        m.rows().iter().map(|r| r.name()).collect()
    }

    #[test]
    fn rows_are_submitted_in_order_and_reordering_changes_the_next() {
        let mut m = QueueModel::default();
        let a = m.add(request("a.mp4"));
        let b = m.add(request("b.mp4"));
        let c = m.add(request("c.mp4"));
        assert_eq!(m.next_unsubmitted(), Some(a));
        m.attach(a, 1);
        assert_eq!(m.in_flight(), 1);
        assert_eq!(m.next_unsubmitted(), Some(b));
        assert_eq!(m.move_row(c, 0), Some(0));
        assert_eq!(names(&m), ["c.mp4", "a.mp4", "b.mp4"]);
        assert_eq!(m.next_unsubmitted(), Some(c));
        assert_eq!(m.move_row(c, 99), Some(2));
        assert_eq!(m.next_unsubmitted(), Some(b));
    }

    #[test]
    fn clearing_finished_keeps_the_rest_and_requeue_forgets_the_old_job() {
        let mut m = QueueModel::default();
        let a = m.add(request("a.mp4"));
        let b = m.add(request("b.mp4"));
        let c = m.add(request("c.mp4"));
        m.attach(a, 1);
        m.apply(&Event {
            job: 1,
            t_ms: 0,
            kind: EventKind::JobDone(JobDone { outputs: 0 }),
        });
        assert!(m.cancel_unsubmitted(c));
        assert!(
            !m.cancel_unsubmitted(a),
            "a submitted row is cancelled by the engine"
        );
        assert_eq!(m.clear_finished(), vec![a, c]);
        assert_eq!(names(&m), ["b.mp4"]);

        m.attach(b, 2);
        m.requeue(b);
        assert_eq!(m.row_of(2), None);
        assert_eq!(m.next_unsubmitted(), Some(b));
        assert_eq!(m.in_flight(), 0);
    }
}
