//! The window's queue control and its job store: rows wait in the window
//! and are given to the engine only when they can start (a few ahead only
//! while jobs end faster than the window's passes come), so the queue's
//! order is the order jobs start in, every waiting row can be moved, and a
//! paused queue starts nothing; every
//! row is a job in the store (recorded by the scanner thread when its file
//! is found), restored on the next start. A row whose
//! source changed or disappeared since it was queued fails with that
//! reason when its turn comes.

use std::path::Path;
use std::time::{Duration, Instant};

use vidprism_engine::pipeline::{Event, JobId};
use vidprism_engine::store::{JobRecord, JobState, JobStore, StoreError};

use crate::ui::app::App;
use crate::ui::state::queue_model::{Rendition, RenditionStatus, RowId, RowStatus};
use crate::ui::systems::shared_store::SharedStore;

/// Rows given to the engine beyond the jobs that transcode at once while
/// jobs are short ([`jobs_are_short`]); otherwise none: the engine's
/// ingest probes two sources at once and queues the one probed first, so a
/// row given ahead could start before the row above it.
pub const SUBMIT_AHEAD: usize = 2;
/// Jobs are short when one takes less than this many news repaints from
/// being given to the engine to its end: the engine would then sit idle
/// for much of the time between the window's passes with only the rows
/// that can start given to it.
pub const SHORT_JOB_PASSES: f64 = 2.0;

/// Whether jobs take about as long as the window's passes are apart
/// (`job_s`: how long jobs took lately, none known yet: not short; a
/// pass every `until`), so rows are given ahead.
pub fn jobs_are_short(job_s: Option<f64>, until: Duration) -> bool {
    job_s.is_some_and(|s| s < SHORT_JOB_PASSES * until.as_secs_f64())
}

/// Most rows given ahead when jobs are short. The window's passes come at
/// most about 10 times a second while it only hears the engine's news
/// (every 2 s when frames are costly, see `App::frame_cost`); jobs shorter
/// than that would leave the engine idle between passes with only
/// [`SUBMIT_AHEAD`] given ahead.
pub const MAX_AHEAD: usize = 512;

/// The rows to give ahead at the next pump, from `ahead` now: all it may
/// hold ([`MAX_AHEAD`]) when the engine ran short of work since the last
/// pass (jobs `ended` and fewer than `jobs_at_once` are left in flight:
/// passes can be 2 s apart, and doubling from 2 took 8 of them while the
/// engine sat idle); otherwise at least the rows `needed` until the next
/// pass ([`rows_until_next_pass`]), shrinking by one a pass in which jobs
/// ended while the engine had enough; within
/// [`SUBMIT_AHEAD`]..=[`MAX_AHEAD`]. Long jobs bring it back to
/// `SUBMIT_AHEAD`, so reordering and pausing keep acting on all but a few.
pub fn next_ahead(
    ahead: usize,
    ended: usize,
    in_flight: usize,
    jobs_at_once: usize,
    needed: usize,
) -> usize {
    if ended > 0 && in_flight < jobs_at_once {
        MAX_AHEAD
    } else if ended > 0 {
        ahead.saturating_sub(1).max(needed)
    } else {
        ahead.max(needed)
    }
    .clamp(SUBMIT_AHEAD, MAX_AHEAD)
}

/// The rows that keep the engine busy until the next pass: those that end
/// in `until` at `per_s` jobs a second, twice over (passes come late when
/// a frame is slow). The window's passes can be 2 s apart (news repaints
/// on a software renderer), and the first pass of the window comes after
/// the warm start's passes, 5 ms apart, which measured the rate.
pub fn rows_until_next_pass(per_s: f64, until: Duration) -> usize {
    let rows = (per_s * until.as_secs_f64() * 2.0).ceil();
    // NaN (no rate) and negative give 0; `as` saturates.
    if rows > 0.0 {
        rows as usize
    } else {
        0
    }
}

impl App {
    /// Opens the job store at `path`, says why when it had to be set aside,
    /// and restores its jobs as rows: ended ones as they ended, and the ones
    /// a crash interrupted queued again (their partial files removed).
    pub fn open_job_store(&mut self, path: &Path) {
        let mut store = match JobStore::open(path) {
            Ok(store) => store,
            Err(e) => {
                self.view.notice = Some(format!("{e}; the queue will not be remembered."));
                return;
            }
        };
        if let Some(warning) = store.warning() {
            self.view.notice = Some(warning.to_owned());
        }
        if let Err(e) = store.recover() {
            self.view.notice = Some(e.to_string());
        }
        for record in store.jobs() {
            let row = self.model.restore(
                record.request(),
                row_status(record),
                record.thumbnail.clone(),
                renditions(record),
            );
            self.model.set_store_id(row, record.id);
            self.model.set_storyboard(row, record.storyboard.clone());
        }
        self.systems.jobs = Some(SharedStore::new(store));
        // What watch folders did is remembered beside the queue.
        if let Some(dir) = path.parent() {
            self.systems.watches.ledger = Some(vidprism_engine::app_dirs::ledger_path_in(dir));
        }
    }

    pub(in crate::ui) fn store_event(&mut self, event: &Event) {
        if let Some(Err(e)) = self.systems.jobs.as_ref().map(|s| s.lock().apply(event)) {
            self.store_failed(e);
        }
    }

    pub(in crate::ui) fn store_failed(&mut self, e: StoreError) {
        self.view.notice = Some(format!("{e}; the queue may not be restored next time."));
    }

    fn with_store(
        &mut self,
        row: RowId,
        f: impl FnOnce(&mut JobStore, u64) -> Result<(), StoreError>,
    ) {
        let id = self.model.row(row).and_then(|r| r.store_id);
        let Some(id) = id else {
            return;
        };
        let result = match &self.systems.jobs {
            Some(store) => f(&mut store.lock(), id),
            None => return,
        };
        if let Err(e) = result {
            self.store_failed(e);
        }
    }

    /// Gives the engine the next rows, in queue order, while fewer than
    /// the jobs at once (plus a few ahead) are in flight and the queue is
    /// not paused.
    pub(in crate::ui) fn pump(&mut self) {
        if self.paused {
            return;
        }
        let ahead = self.jobs_at_once() + self.ahead;
        while self.model.in_flight() < ahead {
            let Some(row) = self.model.next_unsubmitted() else {
                return;
            };
            let Some(request) = self.model.row(row).map(|r| r.request.clone()) else {
                return;
            };
            let id = self.model.row(row).and_then(|r| r.store_id);
            let changed = self
                .systems
                .jobs
                .as_ref()
                .zip(id)
                .and_then(|(store, id)| store.lock().source_changed(id));
            if let (Some(reason), Some(id)) = (changed, id) {
                self.model.fail_unsubmitted(row, reason.clone());
                self.watch_row_ended(row, false);
                self.with_store(row, |s, _| s.mark_failed(id, reason));
                continue;
            }
            let job = self.systems.backend.runner.submit(request);
            self.given_at.insert(job, Instant::now());
            self.model.attach(row, job);
            if let (Some(store), Some(id)) = (&self.systems.jobs, id) {
                store.lock().bind(id, job);
            }
        }
    }

    /// A pass's pump, after its events: first how many rows to give ahead
    /// is adapted to how fast jobs end ([`next_ahead`]), so that what is
    /// given lasts until the next pass (`until`, the news repaint delay).
    pub(in crate::ui) fn pump_adapting(&mut self, until: Duration) {
        let ended = std::mem::take(&mut self.ended_since_pump);
        self.end_rate.count(ended, Instant::now());
        if !self.paused && self.model.next_unsubmitted().is_some() {
            self.ahead = if jobs_are_short(self.job_s, until) {
                let in_flight = self.model.in_flight();
                let needed = rows_until_next_pass(self.end_rate.per_s, until);
                next_ahead(self.ahead, ended, in_flight, self.jobs_at_once(), needed)
            } else {
                0
            };
        }
        self.pump();
    }

    /// When the last rows are in the engine, the pass that sees them end
    /// (and says the queue finished) should not wait for the next news
    /// repaint: the time they should take at the rate jobs end, or `None`
    /// when rows wait, none run, or no rate is known yet.
    pub(in crate::ui) fn queue_end_in(&self) -> Option<Duration> {
        let in_flight = self.model.in_flight();
        if in_flight == 0 || (!self.paused && self.model.next_unsubmitted().is_some()) {
            return None;
        }
        self.end_rate.time_to_end(in_flight)
    }

    /// Pausing stops new jobs from starting; running jobs finish. Rows
    /// given to the engine ahead that have not started are taken back
    /// (cancelled there, queued again here at their place when it says so:
    /// [`Self::withdrawn_ended`]), so that nothing starts while paused,
    /// however the running ones end.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
        if paused {
            let not_started: Vec<_> = self
                .model
                .rows()
                .iter()
                .filter(|r| matches!(r.status, RowStatus::Queued | RowStatus::Probing))
                .filter_map(|r| r.job)
                .collect();
            for job in not_started {
                if self.systems.backend.runner.cancel(job) {
                    self.withdrawn.insert(job);
                }
            }
        }
        self.pump();
    }

    /// A job ended: how long it took from being given to the engine
    /// (smoothed over the last ones) tells whether jobs are short. A job
    /// that was cancelled (`ran_its_course` false) says nothing about how
    /// long jobs take: a cancel a moment after the start made a long job
    /// look short, and rows were given ahead, to start behind a pause.
    pub(in crate::ui) fn job_ended(&mut self, job: JobId, ran_its_course: bool) {
        if let Some(given) = self.given_at.remove(&job) {
            if ran_its_course {
                let took = given.elapsed().as_secs_f64();
                self.job_s = Some(self.job_s.map_or(took, |s| 0.5 * s + 0.5 * took));
            }
        }
    }

    /// A job taken back by a pause ended: when it ended cancelled, its row
    /// waits again, as it was before it was given (what its probe said is
    /// kept). Returns whether the event was taken here.
    pub(in crate::ui) fn withdrawn_ended(&mut self, event: &Event) -> bool {
        if !event.kind.is_final() || !self.withdrawn.remove(&event.job) {
            return false;
        }
        if !matches!(event.kind, vidprism_engine::pipeline::EventKind::Cancelled) {
            // It ended before the cancel reached it: shown as it ended.
            return false;
        }
        let Some(row) = self.model.row_of(event.job) else {
            return true;
        };
        self.view.textures.remove(&row);
        self.requeue(row);
        true
    }

    /// A row back in the queue for a retry, at its place.
    pub(in crate::ui) fn requeue(&mut self, row: RowId) {
        self.model.requeue(row);
        self.with_store(row, |s, id| s.requeue(id).map(|_| ()));
        self.pump();
    }

    /// Cancels a row that never reached the engine.
    pub(in crate::ui) fn cancel_waiting(&mut self, row: RowId) {
        if self.model.cancel_unsubmitted(row) {
            self.watch_row_ended(row, false);
            self.with_store(row, |s, id| s.mark_cancelled(id));
        }
    }

    pub(in crate::ui) fn forget(&mut self, row: RowId) {
        self.with_store(row, |s, id| s.remove(id));
    }

    /// Moves a row to `to` in the queue (and in the store's order).
    pub fn move_row(&mut self, row: RowId, to: usize) {
        if let Some(at) = self.model.move_row(row, to) {
            self.with_store(row, |s, id| s.move_to(id, at));
        }
    }

    /// Moves a row above the waiting row before it (rows that started or
    /// ended are passed over: their turn is gone).
    pub fn move_up(&mut self, row: RowId) {
        if let Some(to) = self.model.waiting_before(row) {
            self.move_row(row, to);
        }
    }

    /// Moves a row below the waiting row after it.
    pub fn move_down(&mut self, row: RowId) {
        if let Some(to) = self.model.waiting_after(row) {
            self.move_row(row, to);
        }
    }

    /// Removes every ended row from the queue and the store.
    pub fn clear_finished(&mut self) {
        for row in self.model.clear_finished() {
            self.view.forget_row(row);
        }
        if let Some(Err(e)) = self
            .systems
            .jobs
            .as_ref()
            .map(|s| s.lock().clear_finished())
        {
            self.store_failed(e);
        }
    }
}

fn row_status(record: &JobRecord) -> RowStatus {
    match record.state {
        JobState::Queued | JobState::Running => RowStatus::Queued,
        JobState::Done => RowStatus::Done,
        JobState::Failed => RowStatus::Failed(record.error.clone().unwrap_or_default()),
        JobState::Cancelled => RowStatus::Cancelled,
    }
}

fn renditions(record: &JobRecord) -> Vec<Rendition> {
    record
        .outputs
        .iter()
        .map(|o| Rendition {
            name: o.rendition.clone(),
            status: RenditionStatus::Done(o.clone()),
            planned: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_ahead_grow_while_the_engine_runs_short_and_shrink_back() {
        let mut ahead = SUBMIT_AHEAD;
        let mut seen = Vec::new();
        // Short jobs: every pass finds the engine with free slots.
        assert_eq!(next_ahead(ahead, 0, 0, 2, 0), ahead, "nothing ended yet");
        for _ in 0..2 {
            ahead = next_ahead(ahead, 3, 0, 2, 0);
            seen.push(ahead);
        }
        assert_eq!(seen, [MAX_AHEAD, MAX_AHEAD], "at once, and it stays");
        // Long jobs: the engine always has its jobs at once.
        for _ in 0..MAX_AHEAD {
            ahead = next_ahead(ahead, 1, 2 + ahead, 2, 0);
        }
        assert_eq!(ahead, SUBMIT_AHEAD);
        assert_eq!(next_ahead(SUBMIT_AHEAD, 1, 1, 1, 0), SUBMIT_AHEAD);
    }

    #[test]
    fn rows_ahead_cover_the_jobs_that_end_before_the_next_pass() {
        // 100 jobs a second, passes 2 s apart: 400 rows, before any ended
        // in this pass (the window's first pass after the warm start).
        let needed = rows_until_next_pass(100.0, Duration::from_secs(2));
        assert_eq!(needed, 400);
        assert_eq!(next_ahead(SUBMIT_AHEAD, 0, 4, 2, needed), 400);
        assert_eq!(next_ahead(400, 5, 300, 2, needed), 400, "kept");
        assert_eq!(
            next_ahead(SUBMIT_AHEAD, 0, 4, 2, 10_000),
            MAX_AHEAD,
            "at most"
        );
        // A job a minute: nothing more than the few ahead.
        let slow = rows_until_next_pass(1.0 / 60.0, Duration::from_secs(2));
        assert_eq!(slow, 1);
        assert_eq!(next_ahead(3, 1, 4, 2, slow), SUBMIT_AHEAD);
        assert_eq!(rows_until_next_pass(f64::NAN, Duration::from_secs(2)), 0);
        assert_eq!(rows_until_next_pass(-1.0, Duration::from_secs(2)), 0);
    }

    #[test]
    fn jobs_are_short_when_they_take_less_than_two_passes() {
        let pass = Duration::from_millis(100);
        assert!(!jobs_are_short(None, pass), "nothing known yet");
        assert!(jobs_are_short(Some(0.05), pass));
        assert!(!jobs_are_short(Some(5.0), pass), "a 5 s job");
        // On a software renderer passes are up to 2 s apart.
        assert!(jobs_are_short(Some(1.0), Duration::from_secs(2)));
    }
}
