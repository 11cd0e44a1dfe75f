//! Named stage threads draining a queue (ingest, thumbnail, transcode; a
//! "worker" is a farm worker). A panic while handling a job is caught and
//! fails that job with the panic's message; the thread goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;

use super::gate::Gate;
use super::job::Job;
use super::stage_error::StageError;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Spawns a stage thread that runs `handle` on every job from `queue` and
/// then ends that job's stage, exactly once, whatever happened. With a
/// `gate`, the thread takes a place in it before taking a job.
pub fn spawn_stage_thread(
    name: String,
    queue: Receiver<Arc<Job>>,
    gate: Option<Arc<Gate>>,
    handle: impl Fn(&Arc<Job>) + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name).spawn(move || loop {
        let _permit = gate.as_ref().map(|g| g.acquire());
        let Ok(job) = queue.recv() else {
            return;
        };
        run_caught(&job, || handle(&job));
        job.end_stage();
    })
}

/// Runs one stage's work for `job`; a panic fails the job with the panic's
/// message instead of taking the thread down. `None` if it panicked.
pub fn run_caught<R>(job: &Job, work: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(r) => Some(r),
        Err(payload) => {
            job.record_error(StageError::Panicked {
                message: panic_message(payload.as_ref()),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::emitter::Emitter;
    use crate::pipeline::event::{EventKind, JobDone, JobFailed};
    use crate::pipeline::request::JobRequest;

    #[test]
    fn a_panicking_handler_fails_its_job_and_the_worker_goes_on() {
        let (event_tx, events) = crossbeam_channel::unbounded();
        let emitter = Emitter::new(event_tx, None);
        let (queue_tx, queue_rx) = crossbeam_channel::unbounded();
        let worker = spawn_stage_thread("test".into(), queue_rx, None, |job: &Arc<Job>| {
            if job.id() == 1 {
                panic!("decoder exploded");
            }
        })
        .unwrap();
        for id in [1, 2] {
            let request = JobRequest {
                input: "x.mp4".into(),
                presets: Vec::new(),
                out_dir: "out".into(),
            };
            queue_tx
                .send(Arc::new(Job::new(id, request, emitter.clone())))
                .unwrap();
        }
        drop(queue_tx);
        worker.join().unwrap();
        let finals: Vec<_> = events.try_iter().map(|e| (e.job, e.kind)).collect();
        assert!(
            matches!(&finals[0], (1, EventKind::JobFailed(JobFailed { error })) if error.contains("decoder exploded"))
        );
        assert_eq!(finals[1], (2, EventKind::JobDone(JobDone { outputs: 0 })));
    }
}
