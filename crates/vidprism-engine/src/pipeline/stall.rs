//! Stall watch: a transcode that reports no progress for the configured
//! time is stopped (through its cancel flag) and marked stalled, so it
//! fails with that reason and its worker takes the next job.
//!
//! Only time the process ran counts: when the watchdog itself wakes far
//! later than it asked (the process was stopped with Ctrl+Z or SIGSTOP,
//! or starved of the CPU), the job's clock starts again from then, so
//! `fg` after a coffee break does not fail every running job as stalled.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        scope.spawn(move || {
            let mut last_check = Instant::now();
            loop {
                match done_rx.recv_timeout(poll) {
                    Err(RecvTimeoutError::Timeout) => {
                        let since_last_check = last_check.elapsed();
                        last_check = Instant::now();
                        match check(job.since_progress(), since_last_check, poll, timeout) {
                            Check::Running => {}
                            Check::Resumed => job.touch_progress(),
                            Check::Stalled => {
                                job.mark_stalled();
                                return;
                            }
                        }
                    }
                    _ => return,
                }
            }
        });
        let result = work();
        drop(done_tx);
        result
    })
}

/// How much later than asked the watchdog may wake before the process is
/// taken to have been stopped or starved meanwhile.
const RESUMED_AFTER: Duration = Duration::from_secs(5);

/// What one wake of the watchdog finds.
#[derive(Debug, PartialEq)]
enum Check {
    Running,
    /// The watchdog woke `RESUMED_AFTER` or more late: the process did
    /// not run meanwhile, so the job's clock starts again.
    Resumed,
    Stalled,
}

fn check(
    since_progress: Duration,
    since_last_check: Duration,
    poll: Duration,
    timeout: Duration,
) -> Check {
    if since_last_check > poll + RESUMED_AFTER {
        Check::Resumed
    } else if since_progress > timeout {
        Check::Stalled
    } else {
        Check::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_stopped_for_longer_than_the_timeout_is_not_a_stall() {
        let (poll, timeout) = (Duration::from_millis(250), Duration::from_secs(120));
        // Stopped for ten minutes (Ctrl+Z, then fg): the first wake after
        // finds no progress for ten minutes, and a watchdog ten minutes late.
        let stopped = Duration::from_secs(600);
        assert_eq!(check(stopped, stopped, poll, timeout), Check::Resumed);
        // Running, with no progress for longer than the timeout: a stall.
        let late = poll + Duration::from_millis(100);
        assert_eq!(check(stopped, late, poll, timeout), Check::Stalled);
        assert_eq!(
            check(Duration::from_secs(30), late, poll, timeout),
            Check::Running
        );
    }
}
