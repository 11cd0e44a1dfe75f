//! The engine: owns the queues and stage threads, takes jobs, hands out events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver, Sender};

pub use super::emitter::Waker;
use super::event::{Event, JobId};
use super::gate::Gate;
use super::hub::{EventHub, EVENT_CAPACITY};
use super::job::Job;
use super::request::JobRequest;
use super::stage_error::StageError;
use super::stages::{self, StageQueues};
use super::stall::{StallTimeout, DEFAULT_STALL_TIMEOUT};
use super::worker::spawn_stage_thread;

/// Most jobs transcoding at once: the engine starts this many transcode
/// threads, and the settings and `process --jobs` accept no more. More
/// would only make every job slower on a desktop machine.
pub const MAX_TRANSCODE_JOBS: usize = 8;
/// Queued jobs per queue. Jobs are small; the bound keeps a runaway
/// producer from growing memory without limit.
pub const QUEUE_CAPACITY: usize = 4096;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Jobs transcoding at once, at most [`MAX_TRANSCODE_JOBS`].
    pub transcode_jobs: usize,
    pub thumbnail_threads: usize,
    pub ingest_threads: usize,
    /// A transcode making no progress for this long fails as stalled.
    pub stall_timeout: std::time::Duration,
    /// Jobs each stage's queue holds; `submit` waits when ingest's is full.
    pub queue_capacity: usize,
    /// Events held for the front end; the stages wait when it is full.
    pub event_capacity: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            transcode_jobs: 1,
            thumbnail_threads: 2,
            ingest_threads: 2,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            queue_capacity: QUEUE_CAPACITY,
            event_capacity: EVENT_CAPACITY,
        }
    }
}

pub struct Engine {
    ingest: Option<Sender<Arc<Job>>>,
    hub: EventHub,
    jobs: Mutex<HashMap<JobId, Weak<Job>>>,
    gate: Arc<Gate>,
    stall: StallTimeout,
    threads: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Starts the workers. `waker` is called after every event.
    pub fn start(config: EngineConfig, waker: Option<Waker>) -> std::io::Result<Engine> {
        crate::media::init();
        let hub = EventHub::with_capacity(waker, config.event_capacity);
        let capacity = config.queue_capacity.max(1);
        let (ingest_tx, ingest_rx) = bounded::<Arc<Job>>(capacity);
        let (thumb_tx, thumb_rx) = bounded::<Arc<Job>>(capacity);
        let (transcode_tx, transcode_rx) = bounded::<Arc<Job>>(capacity);
        let gate = Arc::new(Gate::new(config.transcode_jobs));
        let queues = StageQueues {
            thumbnail: thumb_tx,
            transcode: transcode_tx,
        };

        let mut threads = Vec::new();
        for i in 0..config.ingest_threads.max(1) {
            let queues = queues.clone();
            threads.push(spawn_stage_thread(
                format!("ingest {i}"),
                ingest_rx.clone(),
                None,
                move |job| stages::ingest(job, &queues),
            )?);
        }
        drop(queues);
        for i in 0..config.thumbnail_threads.max(1) {
            threads.push(spawn_stage_thread(
                format!("thumbnail {i}"),
                thumb_rx.clone(),
                None,
                stages::thumbnail,
            )?);
        }
        let stall = StallTimeout::new(config.stall_timeout);
        for i in 0..MAX_TRANSCODE_JOBS {
            let stall = stall.clone();
            threads.push(spawn_stage_thread(
                format!("transcode {i}"),
                transcode_rx.clone(),
                Some(Arc::clone(&gate)),
                move |job| stages::transcode(job, &stall),
            )?);
        }
        Ok(Engine {
            ingest: Some(ingest_tx),
            hub,
            jobs: Mutex::new(HashMap::new()),
            gate,
            stall,
            threads,
        })
    }

    /// Queues a source; its events carry the returned id.
    pub fn submit(&self, request: JobRequest) -> JobId {
        let job = Arc::new(self.hub.new_job(request));
        let id = job.id();
        tracing::info!(
            job = id,
            input = %job.request().input.display(),
            presets = ?job.request().presets.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            "job submitted"
        );
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
            jobs.retain(|_, j| j.strong_count() > 0);
            jobs.insert(id, Arc::downgrade(&job));
        }
        let sent = self
            .ingest
            .as_ref()
            .is_some_and(|q| q.send(Arc::clone(&job)).is_ok());
        if !sent {
            job.record_error(StageError::ShuttingDown);
            job.end_stage();
        }
        id
    }

    /// Cancels a job: its work stops within a frame or two, its files are
    /// removed and it ends with `cancelled`. False when the job has ended.
    pub fn cancel(&self, id: JobId) -> bool {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        match jobs.get(&id).and_then(Weak::upgrade) {
            Some(job) if !job.has_ended() => {
                job.cancel();
                true
            }
            _ => false,
        }
    }

    /// The event channel. Every job ends with exactly one of `job_done`,
    /// `job_failed` or `cancelled`.
    pub fn events(&self) -> &Receiver<Event> {
        self.hub.events()
    }

    /// How many jobs transcode at once (at most [`MAX_TRANSCODE_JOBS`]);
    /// takes effect as jobs start.
    pub fn set_transcode_jobs(&self, n: usize) {
        self.gate.set_limit(n);
    }

    /// How long a transcode may make no progress before it fails as
    /// stalled; applies to transcodes that start afterwards.
    pub fn set_stall_timeout(&self, timeout: std::time::Duration) {
        self.stall.set(timeout);
    }
}

impl super::runner::JobRunner for Engine {
    fn submit(&self, request: JobRequest) -> JobId {
        Engine::submit(self, request)
    }

    fn cancel(&self, id: JobId) -> bool {
        Engine::cancel(self, id)
    }

    fn events(&self) -> &Receiver<Event> {
        Engine::events(self)
    }

    fn set_transcode_jobs(&self, n: usize) {
        Engine::set_transcode_jobs(self, n)
    }

    fn describe(&self) -> String {
        "this computer".into()
    }
}

impl Drop for Engine {
    /// Cancels every job and waits for the workers to stop.
    fn drop(&mut self) {
        for job in self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter_map(Weak::upgrade)
        {
            job.cancel();
        }
        self.ingest = None;
        self.hub.join_draining(self.threads.drain(..));
    }
}
