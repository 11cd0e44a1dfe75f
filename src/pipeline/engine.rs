//! The engine: owns the queues and workers, takes jobs, hands out events.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver, Sender};

use super::emitter::Emitter;
pub use super::emitter::Waker;
use super::event::{Event, EventKind, JobId, Queued};
use super::gate::Gate;
use super::job::Job;
use super::stages::{self, FanOut};
use super::stall::{StallTimeout, DEFAULT_STALL_TIMEOUT};
use super::worker::spawn_worker;
use crate::presets::Preset;

/// Most transcode workers; how many run at once is the gate's limit.
const MAX_TRANSCODE_WORKERS: usize = 8;
/// Queued jobs per queue. Jobs are small; the bound keeps a runaway
/// producer from growing memory without limit.
const QUEUE_CAPACITY: usize = 4096;
/// Events waiting for the front end.
const EVENT_CAPACITY: usize = 65_536;

/// One source to process.
#[derive(Clone, Debug)]
pub struct JobRequest {
    pub input: PathBuf,
    pub presets: Vec<Preset>,
    pub out_dir: PathBuf,
}

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Jobs transcoding at once.
    pub transcode_jobs: usize,
    pub thumbnail_workers: usize,
    pub ingest_workers: usize,
    /// A transcode making no progress for this long fails as stalled.
    pub stall_timeout: std::time::Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            transcode_jobs: 1,
            thumbnail_workers: 2,
            ingest_workers: 2,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

pub struct Engine {
    ingest: Option<Sender<Arc<Job>>>,
    events: Receiver<Event>,
    emitter: Emitter,
    jobs: Mutex<HashMap<JobId, Weak<Job>>>,
    next_id: AtomicU64,
    gate: Arc<Gate>,
    stall: StallTimeout,
    threads: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Starts the workers. `waker` is called after every event.
    pub fn start(config: EngineConfig, waker: Option<Waker>) -> std::io::Result<Engine> {
        crate::media::init();
        let (event_tx, events) = bounded(EVENT_CAPACITY);
        let emitter = Emitter::new(event_tx, waker);
        let (ingest_tx, ingest_rx) = bounded::<Arc<Job>>(QUEUE_CAPACITY);
        let (thumb_tx, thumb_rx) = bounded::<Arc<Job>>(QUEUE_CAPACITY);
        let (transcode_tx, transcode_rx) = bounded::<Arc<Job>>(QUEUE_CAPACITY);
        let gate = Arc::new(Gate::new(config.transcode_jobs));
        let fan_out = FanOut {
            thumbnail: thumb_tx,
            transcode: transcode_tx,
        };

        let mut threads = Vec::new();
        for i in 0..config.ingest_workers.max(1) {
            let fan_out = fan_out.clone();
            threads.push(spawn_worker(
                format!("ingest {i}"),
                ingest_rx.clone(),
                None,
                move |job| stages::ingest(job, &fan_out),
            )?);
        }
        drop(fan_out);
        for i in 0..config.thumbnail_workers.max(1) {
            threads.push(spawn_worker(
                format!("thumbnail {i}"),
                thumb_rx.clone(),
                None,
                stages::thumbnail,
            )?);
        }
        let stall = StallTimeout::new(config.stall_timeout);
        for i in 0..MAX_TRANSCODE_WORKERS {
            let stall = stall.clone();
            threads.push(spawn_worker(
                format!("transcode {i}"),
                transcode_rx.clone(),
                Some(Arc::clone(&gate)),
                move |job| stages::transcode(job, &stall),
            )?);
        }
        Ok(Engine {
            ingest: Some(ingest_tx),
            events,
            emitter,
            jobs: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            gate,
            stall,
            threads,
        })
    }

    /// Queues a source; its events carry the returned id.
    pub fn submit(&self, request: JobRequest) -> JobId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            job = id,
            input = %request.input.display(),
            presets = ?request.presets.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            "job submitted"
        );
        self.emitter.emit(
            id,
            EventKind::Queued(Queued {
                input: request.input.clone(),
            }),
        );
        let job = Arc::new(Job::new(id, request, self.emitter.clone()));
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
            job.record_error("VidPrism is shutting down".into());
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
                job.cancel.store(true, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// The event channel. Every job ends with exactly one of `job_done`,
    /// `job_failed` or `cancelled`.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// How many jobs transcode at once; takes effect as jobs start.
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
            job.cancel.store(true, Ordering::Relaxed);
        }
        self.ingest = None;
        // Workers may still send events; drain so none blocks on a full channel.
        let events = self.events.clone();
        let drainer = std::thread::spawn(move || while events.recv().is_ok() {});
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        drop(drainer);
    }
}
