//! What a front end needs from whatever runs its jobs: this machine's
//! [`Engine`](super::Engine), or a farm of workers behind a broker
//! (`crate::farm::FarmClient`). The window and `vidprism process` hold a
//! `Box<dyn JobRunner>` and cannot tell the two apart.

use crossbeam_channel::Receiver;

use super::event::{Event, JobId};
use super::request::JobRequest;

pub trait JobRunner: Send {
    /// Queues a source; its events carry the returned id.
    fn submit(&self, request: JobRequest) -> JobId;
    /// Cancels a job; false when it has already ended.
    fn cancel(&self, id: JobId) -> bool;
    /// Every job's events; each job ends with exactly one of `job_done`,
    /// `job_failed` or `cancelled`.
    fn events(&self) -> &Receiver<Event>;
    /// How many jobs transcode at once (on a farm, each worker's own
    /// `--jobs` decides instead).
    fn set_transcode_jobs(&self, n: usize);
    /// Where the jobs run, for the window's status line.
    fn describe(&self) -> String;
    /// On a farm: how many workers were heard from lately. `None` when the
    /// jobs run on this computer.
    fn workers(&self) -> Option<usize> {
        None
    }
    /// On a farm: how many jobs its live workers transcode at once (the sum
    /// of their `--jobs`). `None` when the jobs run on this computer.
    fn transcodes_at_once(&self) -> Option<usize> {
        None
    }
}
