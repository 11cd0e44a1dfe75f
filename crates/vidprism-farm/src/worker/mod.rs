//! `vidprism worker`: pulls work from the farm's queues and runs the
//! engine's own stage functions on it, exactly as the local pipeline does;
//! only the queues in between are the broker's.
//!
//! Per delivery: fetch the source (object store) or map its path (shared
//! folder), run the stage on a thread while this one forwards live events
//! and keeps the delivery alive, then send the outputs, the stage's
//! results and its end (the submitter queues the stages ingest opened) and
//! acknowledge. A stage that fails is given back to the queue until its
//! last try, and only the last try's failure is reported. A worker killed mid-stage never
//! acknowledges, so the broker hands the work to another worker once the
//! ack wait has passed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod report;
mod stage;

use super::broker::{Broker, WorkPolicy, WorkQueue};
use super::connect::FarmConnection;
use super::error::FarmError;
use super::identity::token;
use super::news_proof;
use super::path_map::PathMap;
use super::shared_roots::SharedRoots;
use super::source_cache::SourceCache;
use super::wire::{self, News, Presence, Work, WorkStage};
use super::worker_login::{is_shared_worker_login, SHARED_WORKER_USER};
use stage::handle;
use vidprism_engine::pipeline::DEFAULT_STALL_TIMEOUT;

/// How long one pull waits for work before checking whether to stop.
const PULL_WAIT: Duration = Duration::from_secs(1);
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
    /// Shared folders this worker may read and write, besides the
    /// targets of `path_map`; with neither, it does no shared-folder work.
    pub shared_roots: Vec<PathBuf>,
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
    reported: Arc<AtomicUsize>,
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
    /// A transcode making no progress for this long fails.
    stall: Duration,
    stop: Stopper,
    sources: SourceCache,
    /// Where shared-folder work may read and write.
    shared: SharedRoots,
    /// Stage ends this worker reported (see [`FarmWorker::stages_reported`]).
    reported: Arc<AtomicUsize>,
}

impl FarmWorker {
    /// Connects and starts pulling.
    pub fn start(config: WorkerConfig) -> Result<FarmWorker, FarmError> {
        vidprism_engine::media::init();
        if is_shared_worker_login(&config.connection) {
            tracing::warn!(
                "this worker logs in as `{SHARED_WORKER_USER}`, the one login every worker shares on \
                 a server an older `vidprism farm init` set up: any worker can read the others' work \
                 and replace their outputs; run `vidprism farm init NEW_DIR` (a login per worker \
                 machine: worker-1, worker-2...), start nats-server on it, and give each worker its own"
            );
        }
        let broker = Broker::connect(&config.connection)?;
        std::fs::create_dir_all(&config.scratch).map_err(|e| FarmError::io(&config.scratch, e))?;
        let shared = config.shared_roots.iter().chain(config.path_map.targets());
        let shared = SharedRoots::new(shared.cloned())?;
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
        let reported = Arc::new(AtomicUsize::new(0));
        let context = Arc::new(Context {
            reported: Arc::clone(&reported),
            broker,
            stall: DEFAULT_STALL_TIMEOUT,
            stop: stop.clone(),
            sources: SourceCache::new(config.scratch.join("sources")),
            shared,
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
        Ok(FarmWorker {
            stop,
            reported,
            threads,
        })
    }

    /// How many stage ends (of any job) this worker has reported to their
    /// submitters, counted before each is sent.
    pub fn stages_reported(&self) -> usize {
        self.reported.load(Ordering::Relaxed)
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
        proves_news: true,
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

/// Publishes news of `work`'s job, proved with the key its work carries
/// (`news_proof`; none in an older submitter's work).
fn send_news(broker: &Broker, work: &Work, news: &News, confirm: bool) -> Result<(), FarmError> {
    let payload = wire::encode(news);
    let proof = work
        .news_key
        .as_deref()
        .map(|key| news_proof::prove(key, &work.job, &payload));
    broker.publish_news(&work.job, payload, proof, confirm)
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
