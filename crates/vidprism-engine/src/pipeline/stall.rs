//! Stall watch: a transcode that reports no progress for the configured
//! time is stopped (through its cancel flag) and marked stalled, so it
//! fails with that reason and its worker takes the next job.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{bounded, RecvTimeoutError};

use super::job::Job;

/// How long a transcode may go without progress by default.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The stall timeout shared by the engine and its transcode workers; it
/// can change while the engine runs and applies to transcodes that start
/// afterwards.
#[derive(Clone, Debug)]
pub struct StallTimeout(Arc<AtomicU64>);

impl StallTimeout {
    pub fn new(timeout: Duration) -> StallTimeout {
        StallTimeout(Arc::new(AtomicU64::new(millis(timeout))))
    }

    pub fn set(&self, timeout: Duration) {
        self.0.store(millis(timeout), Ordering::Relaxed);
    }

    pub fn get(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Runs `work` while a watchdog thread checks the job's progress clock; if
/// it stands still for longer than `timeout`, the job is marked stalled and
/// cancelled, which makes `work` return soon after.
pub fn run_watched<R>(job: &Job, timeout: Duration, work: impl FnOnce() -> R) -> R {
    job.touch_progress();
    let poll = (timeout / 4).clamp(Duration::from_millis(1), Duration::from_millis(250));
    let (done_tx, done_rx) = bounded::<()>(0);
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            match done_rx.recv_timeout(poll) {
                Err(RecvTimeoutError::Timeout) => {
                    if job.since_progress() > timeout {
                        job.mark_stalled();
                        return;
                    }
                }
                _ => return,
            }
        });
        let result = work();
        drop(done_tx);
        result
    })
}
