//! `vidprism worker`: pulls work from the farm's queues and runs the
//! engine's own stage functions on it, exactly as the local pipeline does;
//! only the queues in between are the broker's.
//!
//! Per delivery: fetch the source (object store) or map its path (shared
//! folder), run the stage on a thread while this one forwards live events
//! and keeps the delivery alive, then send the outputs and the stage's
//! results, queue the next stages (after ingest) and acknowledge. A stage
//! that fails is given back to the queue until its last try, and only the
//! last try's failure is reported. A worker killed mid-stage never
//! acknowledges, so the broker hands the work to another worker once the
//! ack wait has passed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, unbounded, Receiver};

use super::broker::{Broker, Delivery, WorkPolicy, WorkQueue};
use super::connect::FarmConnection;
use super::error::FarmError;
use super::identity::token;
use super::path_map::PathMap;
use super::source_cache::SourceCache;
use super::wire::{self, Files, News, Presence, Work, WorkStage};
use crate::pipeline::emitter::Emitter;
use crate::pipeline::job::Job;
use crate::pipeline::stages::{self, Announce};
use crate::pipeline::stall::StallTimeout;
use crate::pipeline::worker::run_caught;
use crate::pipeline::{Event, EventKind, JobRequest, DEFAULT_STALL_TIMEOUT};

/// How long one pull waits for work before checking whether to stop.
const PULL_WAIT: Duration = Duration::from_secs(1);
/// Wait before a failed stage is delivered again.
const RETRY_DELAY: Duration = Duration::from_secs(2);
/// How often a running stage checks whether its job was cancelled.
const CANCEL_CHECK: Duration = Duration::from_secs(1);
/// How often a worker says it is alive.
pub(super) const PRESENCE_EVERY: Duration = Duration::from_secs(2);
/// Thumbnail pullers per worker: thumbnails are quick and must not wait
/// behind each other.
const THUMBNAIL_PULLERS: usize = 2;

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub connection: FarmConnection,
    /// Queues this worker pulls from.
    pub stages: Vec<WorkStage>,
    /// Transcodes at once.
    pub transcode_jobs: usize,
    /// Ack wait and tries, used when this worker creates the queues.
    pub policy: WorkPolicy,
    /// Shared folders: the submitter's paths on this machine.
    pub path_map: PathMap,
    /// Where sources and outputs are kept while they travel.
    pub scratch: PathBuf,
    /// Names this worker in news and logs.
    pub name: String,
}

impl Default for WorkPolicy {
    fn default() -> Self {
        WorkPolicy {
            ack_wait: Duration::from_secs(30),
            tries: 3,
        }
    }
}

/// A running worker: its pulling threads, stopped on drop.
pub struct FarmWorker {
    stop: Stopper,
    threads: Vec<JoinHandle<()>>,
}

/// Stops a worker from another thread (a Ctrl+C handler): it takes no new
/// work and gives the work in hand back to the farm at once, so another
/// worker need not wait out the ack wait.
#[derive(Clone, Default)]
pub struct Stopper(Arc<AtomicBool>);

impl Stopper {
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_stopping(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What every pulling thread shares.
struct Context {
    broker: Broker,
    config: WorkerConfig,
    stall: StallTimeout,
    stop: Stopper,
    sources: SourceCache,
}

impl FarmWorker {
    /// Connects and starts pulling.
    pub fn start(config: WorkerConfig) -> Result<FarmWorker, FarmError> {
        crate::media::init();
        let broker = Broker::connect(&config.connection)?;
        std::fs::create_dir_all(&config.scratch).map_err(|e| FarmError::io(&config.scratch, e))?;
        let stop = Stopper::default();
        let mut pullers = Vec::new();
        for &stage in &config.stages {
            let count = match stage {
                WorkStage::Ingest => 1,
                WorkStage::Thumbnail => THUMBNAIL_PULLERS,
                WorkStage::Transcode => config.transcode_jobs.max(1),
            };
            for i in 0..count {
                pullers.push((stage, i, broker.work_queue(stage, config.policy)?));
            }
        }
        tracing::info!(
            worker = %config.name,
            farm = broker.url(),
            stages = ?config.stages,
            "worker joined the farm"
        );
        let context = Arc::new(Context {
            broker,
            stall: StallTimeout::new(DEFAULT_STALL_TIMEOUT),
            stop: stop.clone(),
            sources: SourceCache::new(config.scratch.join("sources")),
            config,
        });
        let mut threads = vec![std::thread::Builder::new()
            .name("farm presence".into())
            .spawn({
                let context = Arc::clone(&context);
                move || announce_presence(&context)
            })
            .map_err(|e| FarmError::broker("start a worker thread", e))?];
        for (stage, i, queue) in pullers {
            let context = Arc::clone(&context);
            let thread = std::thread::Builder::new()
                .name(format!("farm {} {i}", stage.name()))
                .spawn(move || pull_loop(&context, &queue))
                .map_err(|e| FarmError::broker("start a worker thread", e))?;
            threads.push(thread);
        }
        Ok(FarmWorker { stop, threads })
    }

    /// What stops this worker from another thread.
    pub fn stopper(&self) -> Stopper {
        self.stop.clone()
    }

    /// Runs until stopped.
    pub fn wait(mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for FarmWorker {
    /// Stops pulling and gives the work in hand back.
    fn drop(&mut self) {
        self.stop.stop();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Says this worker is alive every few seconds, and that it leaves when
/// it stops, so submitters can tell their users whether anyone works.
fn announce_presence(context: &Context) {
    let config = &context.config;
    let presence = |leaving| Presence {
        worker: config.name.clone(),
        stages: config.stages.clone(),
        transcode_jobs: config.transcode_jobs,
        leaving,
    };
    let subject_name = token(&config.name);
    let mut last = None::<Instant>;
    while !context.stop.is_stopping() {
        if last.is_none_or(|t| t.elapsed() >= PRESENCE_EVERY) {
            last = Some(Instant::now());
            context
                .broker
                .announce_worker(&subject_name, wire::encode(&presence(false)));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    context
        .broker
        .announce_worker(&subject_name, wire::encode(&presence(true)));
    context.broker.flush();
}

fn pull_loop(context: &Context, queue: &WorkQueue) {
    while !context.stop.is_stopping() {
        match queue.next(PULL_WAIT) {
            Ok(Some(delivery)) => handle(context, queue.policy(), &delivery),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(PULL_WAIT);
            }
        }
    }
}

/// What one run of a stage left behind.
struct StageRun {
    /// Events to report once the stage is over (results, not progress).
    results: Vec<EventKind>,
    /// Why the stage failed, if it did.
    error: Option<String>,
    cancelled: bool,
    source_failed: bool,
    /// Stages ingest opened.
    opened: usize,
    /// The job folder, with shared files.
    dir: Option<PathBuf>,
}

fn handle(context: &Context, policy: WorkPolicy, delivery: &Delivery) {
    let work: Work = match wire::decode(delivery.payload()) {
        Ok(work) => work,
        Err(e) => {
            tracing::error!("dropping work: {e}");
            let _ = delivery.give_up();
            return;
        }
    };
    let broker = &context.broker;
    let attempt = delivery.attempt();
    tracing::info!(
        job = %work.job,
        stage = work.stage.name(),
        attempt,
        input = %work.input.display(),
        "work taken"
    );
    if broker.is_cancelled(&work.job) {
        let _ = delivery.ack();
        return;
    }
    let scratch = context
        .config
        .scratch
        .join(format!("{}-{}", work.job, work.stage.name()));
    let _ = std::fs::remove_dir_all(&scratch);
    let run = match std::fs::create_dir_all(&scratch) {
        Ok(()) => run_stage(context, &work, delivery, &scratch),
        Err(e) => StageRun::failed(FarmError::io(&scratch, e).to_string()),
    };
    let outcome = match &run.error {
        _ if run.cancelled && context.stop.is_stopping() && !broker.is_cancelled(&work.job) => {
            tracing::info!(job = %work.job, stage = work.stage.name(), "work given back: the worker is stopping");
            delivery.retry_after(Duration::ZERO)
        }
        _ if run.cancelled => delivery.ack(),
        Some(reason) if attempt < policy.tries => {
            tracing::warn!(job = %work.job, stage = work.stage.name(), attempt, "{reason}; trying again");
            let news = News::Retrying {
                stage: work.stage,
                attempt,
                tries: policy.tries,
                reason: reason.clone(),
                worker: context.config.name.clone(),
            };
            broker
                .publish_news(&work.job, wire::encode(&news), true)
                .and_then(|()| delivery.retry_after(RETRY_DELAY))
        }
        _ => report(context, &work, run, attempt).and_then(|()| delivery.ack()),
    };
    let _ = std::fs::remove_dir_all(&scratch);
    if let Err(e) = outcome {
        // Not acknowledged: the broker delivers the work again later.
        tracing::error!(job = %work.job, stage = work.stage.name(), "{e}");
    }
}

impl StageRun {
    fn failed(error: String) -> StageRun {
        StageRun {
            results: Vec::new(),
            error: Some(error),
            cancelled: false,
            source_failed: false,
            opened: 0,
            dir: None,
        }
    }
}

/// Runs the engine's stage function for `work` on its own thread; this
/// thread forwards progress and keeps the delivery alive meanwhile.
fn run_stage(context: &Context, work: &Work, delivery: &Delivery, scratch: &Path) -> StageRun {
    let config = &context.config;
    let broker = &context.broker;
    let mut _source = None;
    let (input, out_dir) = match work.files {
        Files::ObjectStore => {
            let local = match context.sources.check_out(broker, work) {
                Ok(source) => {
                    let local = source.path().to_path_buf();
                    // Given back when this stage is over (end of this function).
                    _source = Some(source);
                    local
                }
                Err(e) => {
                    return StageRun::failed(format!(
                        "{}: the worker could not fetch the source: {e}",
                        work.input.display()
                    ))
                }
            };
            let out = scratch.join("out");
            if let Err(e) = std::fs::create_dir_all(&out) {
                return StageRun::failed(FarmError::io(&out, e).to_string());
            }
            (local, out)
        }
        Files::Shared => (
            config.path_map.to_worker(&work.input),
            config.path_map.to_worker(&work.out_dir),
        ),
    };
    let dir = work.dir.as_deref().map(|d| config.path_map.to_worker(d));
    let (event_tx, events) = unbounded();
    let request = JobRequest {
        input: input.clone(),
        presets: work.presets.clone(),
        out_dir,
    };
    let job = Arc::new(Job::new(0, request, Emitter::new(event_tx, None)));
    let (done_tx, done) = crossbeam_channel::bounded(1);
    let stage = work.stage;
    let stage_job = Arc::clone(&job);
    let stall = context.stall.clone();
    let thread = std::thread::Builder::new()
        .name(format!("farm {} run", stage.name()))
        .spawn(move || {
            let job = &stage_job;
            let opened = run_caught(job, || {
                let announce = if stage == WorkStage::Ingest {
                    Announce::Yes
                } else {
                    Announce::No
                };
                let has_renditions = stages::prepare(job, announce, dir)?;
                match stage {
                    WorkStage::Ingest => return Some(1 + usize::from(has_renditions)),
                    WorkStage::Thumbnail => stages::thumbnail(job),
                    WorkStage::Transcode => stages::transcode(job, &stall),
                }
                Some(0)
            })
            .flatten()
            .unwrap_or(0);
            job.end_stage();
            let _ = done_tx.send(opened);
        });
    let thread = match thread {
        Ok(thread) => thread,
        Err(e) => return StageRun::failed(format!("cannot start a stage thread: {e}")),
    };
    let (results, opened) = forward(context, work, delivery, &job, &events, &done);
    let _ = thread.join();
    let mut run = StageRun {
        results: Vec::new(),
        error: None,
        cancelled: false,
        source_failed: job.source_failed(),
        opened,
        dir: job.dir().map(|d| config.path_map.to_submitter(d)),
    };
    let local_input = input.display().to_string();
    let user_input = work.input.display().to_string();
    for kind in results {
        match kind {
            EventKind::Cancelled => run.cancelled = true,
            EventKind::JobFailed { error } => {
                run.error = Some(error.replace(&local_input, &user_input))
            }
            EventKind::JobDone { .. } => {}
            EventKind::RenditionFailed { rendition, error } => {
                run.results.push(EventKind::RenditionFailed {
                    rendition,
                    error: error.replace(&local_input, &user_input),
                })
            }
            other => run.results.push(other),
        }
    }
    run
}

/// Forwards progress as it comes and keeps results for the end; keeps the
/// delivery alive and watches for a cancel. Returns once the stage ended,
/// with the stages it opened.
fn forward(
    context: &Context,
    work: &Work,
    delivery: &Delivery,
    job: &Job,
    events: &Receiver<Event>,
    done: &Receiver<usize>,
) -> (Vec<EventKind>, usize) {
    let broker = &context.broker;
    let tick = crossbeam_channel::tick(CANCEL_CHECK);
    let keep_alive_every = delivery.keep_alive_every();
    let mut kept_alive = Instant::now();
    let mut results = Vec::new();
    let mut opened = 0;
    let forward_one = |event: Event, results: &mut Vec<EventKind>| match event.kind {
        kind @ (EventKind::Progress { .. } | EventKind::StageStarted { .. }) => {
            // Progress is best effort: a lost one is replaced by the next.
            let _ = broker.publish_news(&work.job, wire::encode(&News::Event(kind)), false);
        }
        kind => results.push(kind),
    };
    loop {
        select! {
            recv(events) -> event => match event {
                Ok(event) => forward_one(event, &mut results),
                Err(_) => break,
            },
            recv(done) -> n => {
                opened = n.unwrap_or(0);
                break;
            }
            recv(tick) -> _ => {
                if kept_alive.elapsed() >= keep_alive_every {
                    kept_alive = Instant::now();
                    if let Err(e) = delivery.keep_alive() {
                        tracing::warn!(job = %work.job, "{e}");
                    }
                }
                if context.stop.is_stopping() || broker.is_cancelled(&work.job) {
                    job.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    }
    for event in events.try_iter() {
        forward_one(event, &mut results);
    }
    (results, opened)
}

/// Sends a finished stage's outputs and results, then the next stages' work.
fn report(context: &Context, work: &Work, run: StageRun, attempt: u32) -> Result<(), FarmError> {
    let broker = &context.broker;
    let mut errors: Vec<String> = run.error.into_iter().collect();
    if attempt > 1 && !errors.is_empty() {
        errors = vec![format!(
            "{} (failed on all {attempt} tries)",
            errors.join("; ")
        )];
    }
    for kind in run.results {
        let kind = match kind {
            EventKind::ThumbnailReady {
                path,
                width,
                height,
            } => match send_output(context, work, &path) {
                Ok(path) => EventKind::ThumbnailReady {
                    path,
                    width,
                    height,
                },
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            },
            EventKind::RenditionDone {
                rendition,
                path,
                width,
                height,
                bytes,
            } => match send_output(context, work, &path) {
                Ok(path) => EventKind::RenditionDone {
                    rendition,
                    path,
                    width,
                    height,
                    bytes,
                },
                Err(e) => {
                    errors.push(e.to_string());
                    EventKind::RenditionFailed {
                        rendition,
                        error: e.to_string(),
                    }
                }
            },
            other => other,
        };
        broker.publish_news(&work.job, wire::encode(&News::Event(kind)), true)?;
    }
    let ok = errors.is_empty();
    let ended = News::StageEnded {
        stage: work.stage,
        opened: if ok { run.opened } else { 0 },
        errors,
        source_failed: run.source_failed,
        dir: match work.files {
            Files::Shared => run.dir.clone(),
            Files::ObjectStore => None,
        },
        worker: context.config.name.clone(),
    };
    // The submitter must count the stages opened before any of them ends.
    broker.publish_news(&work.job, wire::encode(&ended), true)?;
    if ok && work.stage == WorkStage::Ingest {
        let dir = match work.files {
            Files::Shared => run.dir,
            Files::ObjectStore => None,
        };
        let mut next = vec![WorkStage::Thumbnail];
        if run.opened > 1 {
            next.push(WorkStage::Transcode);
        }
        for stage in next {
            let follow = work.for_stage(stage, dir.clone());
            broker.publish_work(stage, &work.job, &follow.dedup_id(), wire::encode(&follow))?;
        }
    }
    Ok(())
}

/// Puts an output where the submitter gets it; returns the path to report.
fn send_output(context: &Context, work: &Work, path: &Path) -> Result<PathBuf, FarmError> {
    match work.files {
        Files::Shared => Ok(context.config.path_map.to_submitter(path)),
        Files::ObjectStore => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            context
                .broker
                .put_file(&wire::output_object(&work.job, &name), path)?;
            Ok(PathBuf::from(name))
        }
    }
}
