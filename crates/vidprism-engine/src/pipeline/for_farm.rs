//! The farm's one door into the pipeline: everything `crate::farm` uses
//! beyond the public API is here, so the pipeline's queues, workers and
//! stage functions can change without the farm noticing.
//!
//! A farm worker runs one stage of a job at a time ([`ingest`],
//! [`thumbnail`], [`transcode`]) on a [`stage_job`], whose events it
//! forwards as news. The submitting client keeps a [`Job`] per farm job,
//! made by its [`EventHub`], so a farm job ends exactly as a local one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver};

use super::emitter::Emitter;
use super::event::Event;
pub use super::hub::EventHub;
pub use super::job::Job;
use super::request::JobRequest;
pub use super::stage_error::StageError;
use super::stages::{self, Announce};
use super::stall::StallTimeout;
use super::worker::run_caught;

/// A job for running one stage on a farm worker: its events go to the
/// returned channel (nothing else reads them), to be forwarded.
pub fn stage_job(request: JobRequest) -> (Arc<Job>, Receiver<Event>) {
    let (tx, events) = unbounded();
    (
        Arc::new(Job::new(0, request, Emitter::new(tx, None))),
        events,
    )
}

/// Runs a job's ingest (probe, plan, reserve its folder unless `dir` was
/// reserved for it, announce what it found) and ends that stage. Returns
/// how many stages it opens: the thumbnail, and the transcode if any
/// rendition is planned; 0 when it failed.
pub fn ingest(job: &Job, dir: Option<PathBuf>) -> usize {
    let opened = run_caught(job, || {
        stages::prepare(job, Announce::Yes, dir).map(|renditions| 1 + usize::from(renditions))
    });
    job.end_stage();
    opened.flatten().unwrap_or(0)
}

/// Makes a job's thumbnail and ends that stage. The job is prepared again
/// quietly (its ingest, elsewhere, already reported); `dir` is the job's
/// folder when ingest reserved it on a shared disk.
pub fn thumbnail(job: &Arc<Job>, dir: Option<PathBuf>) {
    run_caught(job, || {
        if stages::prepare(job, Announce::No, dir).is_some() {
            stages::thumbnail(job);
        }
    });
    job.end_stage();
}

/// Transcodes a job's renditions and ends that stage, as [`thumbnail`]
/// does; a transcode making no progress for `stall_timeout` fails.
pub fn transcode(job: &Arc<Job>, dir: Option<PathBuf>, stall_timeout: Duration) {
    run_caught(job, || {
        if stages::prepare(job, Announce::No, dir).is_some() {
            stages::transcode(job, &StallTimeout::new(stall_timeout));
        }
    });
    job.end_stage();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{EventKind, JobFailed};

    #[test]
    fn a_stage_job_that_cannot_be_ingested_ends_failed_and_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (job, events) = stage_job(JobRequest {
            input: dir.path().join("missing.mp4"),
            presets: Vec::new(),
            out_dir: dir.path().join("out"),
        });
        assert_eq!(ingest(&job, None), 0);
        assert!(job.has_ended());
        let last = events.try_iter().last().map(|e| e.kind);
        assert!(
            matches!(&last, Some(EventKind::JobFailed(JobFailed { error })) if error.contains("file not found")),
            "{last:?}"
        );
    }
}
