//! The submitting side of a farm: a [`JobRunner`] whose jobs run on
//! workers. It sends each source (or, with shared folders, its path) and
//! the ingest work, follows the jobs' news on the event stream, fetches
//! each output into the job's folder here (temporary name, then rename),
//! and turns the news back into the engine's own events, so the window and
//! `vidprism process` show farm jobs exactly like local ones.
//!
//! A job's end is decided here, by the same [`Job`] tally the engine uses:
//! each stage's end arrives as news, ingest says how many stages it opened.
//! News repeated by a redelivered stage is ignored.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use super::broker::{AbandonedFeed, Broker, NewsFeed, PresenceFeed};
use super::connect::FarmConnection;
use super::error::FarmError;
use super::identity::submitter_prefix;
use super::wire::{self, Files, News, Presence, Work, WorkStage};
use crate::output::{reserve_job_dir, StagedFile};
use crate::pipeline::emitter::Emitter;
use crate::pipeline::job::Job;
use crate::pipeline::{Event, EventKind, JobId, JobRequest, JobRunner, Waker};

/// Events waiting for the front end (as the engine's channel).
const EVENT_CAPACITY: usize = 65_536;
/// How long the news thread waits before checking whether to stop.
const NEWS_WAIT: Duration = Duration::from_millis(500);
/// A worker not heard from for this long is counted as gone (it says it
/// is alive every `PRESENCE_EVERY`).
const WORKER_GONE_AFTER: Duration = Duration::from_secs(6);

/// One submitted job: the engine's tally, plus what news was seen.
struct FarmJob {
    key: String,
    job: Job,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// Stages whose end was counted.
    ended: HashSet<WorkStage>,
    /// Results already reported ("thumbnail", "rendition:720p", ...).
    results: HashSet<String>,
    /// Objects to delete once the job ends.
    objects: Vec<String>,
}

type Jobs = Arc<Mutex<HashMap<String, Arc<FarmJob>>>>;
/// Workers heard from: when, and how many jobs each transcodes at once.
type Workers = Arc<Mutex<HashMap<String, (Instant, usize)>>>;

/// Jobs submitted to a farm, with their events.
pub struct FarmClient {
    broker: Broker,
    prefix: String,
    files: Files,
    emitter: Emitter,
    events: Receiver<Event>,
    next_id: AtomicU64,
    jobs: Jobs,
    workers: Workers,
    uploads: Option<Sender<Arc<FarmJob>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FarmClient {
    /// Connects to the farm. With `files` = [`Files::Shared`], sources and
    /// outputs stay on a disk the workers share.
    pub fn connect(
        connection: &FarmConnection,
        files: Files,
        waker: Option<Waker>,
    ) -> Result<FarmClient, FarmError> {
        let broker = Broker::connect(connection)?;
        let prefix = submitter_prefix();
        let feed = broker.news_feed(&prefix)?;
        let (event_tx, events) = bounded(EVENT_CAPACITY);
        let emitter = Emitter::new(event_tx, waker.clone());
        let jobs: Jobs = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (upload_tx, upload_rx) = unbounded::<Arc<FarmJob>>();
        let news_thread = {
            let broker = broker.clone();
            let jobs = Arc::clone(&jobs);
            let stop = Arc::clone(&stop);
            let files = files.clone();
            std::thread::Builder::new()
                .name("farm news".into())
                .spawn(move || follow_news(&broker, &feed, &jobs, &files, &stop))
                .map_err(|e| FarmError::broker("start the news thread", e))?
        };
        let abandoned_thread = {
            let broker = broker.clone();
            let feed = broker.abandoned_work()?;
            let jobs = Arc::clone(&jobs);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("farm abandoned".into())
                .spawn(move || follow_abandoned(&broker, &feed, &jobs, &stop))
                .map_err(|e| FarmError::broker("start the abandoned-work thread", e))?
        };
        let workers: Workers = Arc::default();
        let presence_thread = {
            let feed = broker.worker_presence()?;
            let workers = Arc::clone(&workers);
            let stop = Arc::clone(&stop);
            let waker = waker.clone();
            std::thread::Builder::new()
                .name("farm workers".into())
                .spawn(move || follow_workers(&feed, &workers, waker.as_ref(), &stop))
                .map_err(|e| FarmError::broker("start the worker-watch thread", e))?
        };
        let upload_thread = {
            let broker = broker.clone();
            let jobs = Arc::clone(&jobs);
            let files = files.clone();
            std::thread::Builder::new()
                .name("farm upload".into())
                .spawn(move || {
                    for job in upload_rx {
                        send_job(&broker, &job, &files, &jobs);
                    }
                })
                .map_err(|e| FarmError::broker("start the upload thread", e))?
        };
        tracing::info!(farm = broker.url(), submitter = %prefix, "connected to the farm");
        Ok(FarmClient {
            broker,
            prefix,
            files,
            emitter,
            events,
            next_id: AtomicU64::new(1),
            jobs,
            workers,
            uploads: Some(upload_tx),
            stop,
            threads: vec![
                news_thread,
                abandoned_thread,
                presence_thread,
                upload_thread,
            ],
        })
    }

    fn find(&self, id: JobId) -> Option<Arc<FarmJob>> {
        lock(&self.jobs)
            .get(&format!("{}.{id}", self.prefix))
            .cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl JobRunner for FarmClient {
    fn submit(&self, mut request: JobRequest) -> JobId {
        // Workers have other working folders: paths they see (shared
        // folders) and paths their messages name must not be relative.
        for path in [&mut request.input, &mut request.out_dir] {
            if let Ok(absolute) = std::path::absolute(&*path) {
                *path = absolute;
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let key = format!("{}.{id}", self.prefix);
        tracing::info!(job = id, farm_job = %key, input = %request.input.display(), "job submitted to the farm");
        self.emitter.emit(
            id,
            EventKind::Queued {
                input: request.input.clone(),
            },
        );
        let job = Arc::new(FarmJob {
            key: key.clone(),
            job: Job::new(id, request, self.emitter.clone()),
            seen: Mutex::default(),
        });
        lock(&self.jobs).insert(key, Arc::clone(&job));
        let queued = self
            .uploads
            .as_ref()
            .is_some_and(|q| q.send(Arc::clone(&job)).is_ok());
        if !queued {
            job.job.record_error("VidPrism is shutting down".into());
            end_stage(&self.broker, &job, &self.jobs);
        }
        id
    }

    fn cancel(&self, id: JobId) -> bool {
        let Some(job) = self.find(id) else {
            return false;
        };
        job.job.cancel.store(true, Ordering::Relaxed);
        // The job ends here now; the workers stop at their next check.
        let ended = job.job.end_now();
        // Telling the broker can wait on the network: not on this thread
        // (the window's).
        let broker = self.broker.clone();
        let jobs = Arc::clone(&self.jobs);
        let told = std::thread::Builder::new()
            .name("farm cancel".into())
            .spawn(move || {
                if let Err(e) = broker.cancel_job(&job.key) {
                    tracing::warn!(farm_job = %job.key, "{e}");
                }
                forget(&broker, &job, &jobs);
            });
        if let Err(e) = told {
            tracing::warn!("cannot tell the farm about a cancel: {e}");
        }
        ended
    }

    fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    fn set_transcode_jobs(&self, _n: usize) {
        // Each worker's own --jobs decides.
    }

    fn describe(&self) -> String {
        let files = match self.files {
            Files::ObjectStore => "",
            Files::Shared => ", shared folders",
        };
        format!("the farm at {}{files}", self.broker.url())
    }

    fn workers(&self) -> Option<usize> {
        Some(live_workers(&lock(&self.workers)).count())
    }

    fn transcodes_at_once(&self) -> Option<usize> {
        Some(live_workers(&lock(&self.workers)).sum())
    }
}

impl Drop for FarmClient {
    /// Cancels the jobs still running (as closing the local engine does:
    /// the job store submits them again next time) and stops the threads.
    fn drop(&mut self) {
        self.uploads = None;
        let open: Vec<Arc<FarmJob>> = lock(&self.jobs).values().cloned().collect();
        for job in open {
            job.job.cancel.store(true, Ordering::Relaxed);
            let _ = self.broker.cancel_job(&job.key);
            job.job.end_now();
            forget(&self.broker, &job, &self.jobs);
        }
        self.stop.store(true, Ordering::Relaxed);
        let events = self.events.clone();
        let drainer = std::thread::spawn(move || while events.recv().is_ok() {});
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        self.broker.flush();
        drop(drainer);
    }
}

/// Sends a job's source (unless the disk is shared) and queues its ingest.
fn send_job(broker: &Broker, farm_job: &Arc<FarmJob>, files: &Files, jobs: &Jobs) {
    let job = &farm_job.job;
    if job.is_cancelled() {
        return;
    }
    let request = &job.request;
    let sent = (|| {
        // A missing file or a pipe gets its plain answer here, at once; a
        // pipe would also block the upload forever.
        crate::media::check_source(&request.input).map_err(|e| e.to_string())?;
        if *files == Files::ObjectStore {
            let name = wire::source_object(&farm_job.key);
            lock(&farm_job.seen).objects.push(name.clone());
            broker
                .put_file(&name, &request.input)
                .map_err(|e| match e {
                    // A source that cannot be read says so plainly.
                    FarmError::Transfer { file, reason, .. } => {
                        format!("{}: {reason}", file.display())
                    }
                    other => other.to_string(),
                })?;
        }
        let work = Work {
            job: farm_job.key.clone(),
            stage: WorkStage::Ingest,
            input: request.input.clone(),
            files: files.clone(),
            presets: request.presets.clone(),
            out_dir: request.out_dir.clone(),
            dir: None,
        };
        broker
            .publish_work(
                WorkStage::Ingest,
                &farm_job.key,
                &work.dedup_id(),
                wire::encode(&work),
            )
            .map_err(|e| e.to_string())
    })();
    if let Err(reason) = sent {
        job.record_error(reason);
        end_stage(broker, farm_job, jobs);
    }
}

fn follow_news(broker: &Broker, feed: &NewsFeed, jobs: &Jobs, files: &Files, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match feed.next(NEWS_WAIT) {
            Ok(Some((key, payload))) => {
                let Some(job) = lock(jobs).get(&key).cloned() else {
                    continue;
                };
                match wire::decode::<News>(&payload) {
                    Ok(news) => apply(broker, &job, news, files, jobs),
                    Err(e) => tracing::warn!(farm_job = %key, "{e}"),
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(NEWS_WAIT);
            }
        }
    }
}

/// The transcodes at once of each worker heard from lately.
fn live_workers(workers: &HashMap<String, (Instant, usize)>) -> impl Iterator<Item = usize> + '_ {
    workers
        .values()
        .filter(|(seen, _)| seen.elapsed() < WORKER_GONE_AFTER)
        .map(|&(_, transcodes)| transcodes)
}

/// Keeps the list of workers heard from; wakes the front end when the
/// number alive changes.
fn follow_workers(
    feed: &PresenceFeed,
    workers: &Workers,
    waker: Option<&Waker>,
    stop: &AtomicBool,
) {
    let mut alive = 0;
    while !stop.load(Ordering::Relaxed) {
        match feed.next(NEWS_WAIT) {
            Ok(Some(payload)) => match wire::decode::<Presence>(&payload) {
                Ok(p) if p.leaving => {
                    lock(workers).remove(&p.worker);
                }
                Ok(p) => {
                    let transcodes = if p.stages.contains(&WorkStage::Transcode) {
                        p.transcode_jobs
                    } else {
                        0
                    };
                    lock(workers).insert(p.worker, (Instant::now(), transcodes));
                }
                Err(e) => tracing::debug!("{e}"),
            },
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(NEWS_WAIT);
            }
        }
        let now_alive = live_workers(&lock(workers)).count();
        if now_alive != alive {
            alive = now_alive;
            tracing::info!(workers = alive, "workers on the farm");
            if let Some(wake) = waker {
                wake();
            }
        }
    }
}

/// Fails the jobs whose work the broker gave up on: every worker that took
/// it vanished (a source that crashes the decoder kills each in turn).
fn follow_abandoned(broker: &Broker, feed: &AbandonedFeed, jobs: &Jobs, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let abandoned = match feed.next(NEWS_WAIT) {
            Ok(Some(abandoned)) => abandoned,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(NEWS_WAIT);
                continue;
            }
        };
        let Some(farm_job) = lock(jobs).get(&abandoned.job).cloned() else {
            continue;
        };
        broker.discard(&abandoned);
        let job = &farm_job.job;
        job.record_error(format!(
            "{}: no worker finished its {} stage: the worker stopped without a word \
             (killed or crashed) on all {} tries",
            job.request.input.display(),
            abandoned.stage.name(),
            abandoned.deliveries
        ));
        job.end_now();
        forget(broker, &farm_job, jobs);
    }
}

/// Folds one piece of news into its job.
fn apply(broker: &Broker, farm_job: &Arc<FarmJob>, news: News, files: &Files, jobs: &Jobs) {
    let job = &farm_job.job;
    if job.has_ended() {
        return;
    }
    match news {
        News::Event(kind) => {
            let Some(key) = result_key(&kind) else {
                match kind {
                    EventKind::Progress { .. } => job.emit_lossy(kind),
                    EventKind::StageStarted { .. } => job.emit(kind),
                    // Workers never send a job's end; ignore it if one does.
                    _ => {}
                }
                return;
            };
            if !lock(&farm_job.seen).results.insert(key) {
                return;
            }
            match receive_output(broker, farm_job, kind, files) {
                Ok(kind) => job.emit(kind),
                Err(reason) => job.record_error(reason),
            }
        }
        News::StageEnded {
            stage,
            opened,
            errors,
            source_failed,
            dir,
            worker,
        } => {
            if !lock(&farm_job.seen).ended.insert(stage) {
                return;
            }
            tracing::info!(farm_job = %farm_job.key, stage = stage.name(), %worker, ?errors, "stage ended");
            if let Some(dir) = dir {
                job.set_dir(dir);
            }
            for error in errors {
                if source_failed {
                    job.record_source_error(error);
                } else {
                    job.record_error(error);
                }
            }
            job.open_stages(opened);
            end_stage(broker, farm_job, jobs);
        }
        News::Retrying {
            stage,
            attempt,
            tries,
            reason,
            worker,
        } => tracing::warn!(
            farm_job = %farm_job.key,
            stage = stage.name(),
            %worker,
            "try {attempt} of {tries} failed: {reason}"
        ),
    }
}

/// Names a result so a repeated one (a redelivered stage) is seen as such.
fn result_key(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::Probed { .. } => Some("probed".into()),
        EventKind::ThumbnailReady { .. } => Some("thumbnail".into()),
        EventKind::RenditionDone { rendition, .. }
        | EventKind::RenditionFailed { rendition, .. } => Some(format!("rendition:{rendition}")),
        EventKind::RenditionSkipped { rendition, .. } => Some(format!("skipped:{rendition}")),
        _ => None,
    }
}

/// Fetches the output an event announces into the job's folder and points
/// the event at it.
fn receive_output(
    broker: &Broker,
    farm_job: &FarmJob,
    kind: EventKind,
    files: &Files,
) -> Result<EventKind, String> {
    let job = &farm_job.job;
    let fetch = |path: &Path| -> Result<(PathBuf, u64), String> {
        match files {
            Files::Shared => {
                let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                Ok((path.to_path_buf(), bytes))
            }
            Files::ObjectStore => {
                let name = path
                    .file_name()
                    .filter(|n| Path::new(n) == path)
                    .ok_or_else(|| format!("a worker sent an output named {}", path.display()))?
                    .to_string_lossy()
                    .into_owned();
                let dir = job_dir(job)?;
                let object = wire::output_object(&farm_job.key, &name);
                lock(&farm_job.seen).objects.push(object.clone());
                let staged = StagedFile::new(dir.join(&name));
                broker
                    .get_file(&object, staged.temp_path())
                    .map_err(|e| e.to_string())?;
                let target = staged.target().to_path_buf();
                let bytes = staged.commit().map_err(|e| e.to_string())?;
                Ok((target, bytes))
            }
        }
    };
    Ok(match kind {
        EventKind::ThumbnailReady {
            path,
            width,
            height,
        } => {
            let (path, _) = fetch(&path)?;
            job.record_output();
            EventKind::ThumbnailReady {
                path,
                width,
                height,
            }
        }
        EventKind::RenditionDone {
            rendition,
            path,
            width,
            height,
            ..
        } => match fetch(&path) {
            Ok((path, bytes)) => {
                job.record_output();
                EventKind::RenditionDone {
                    rendition,
                    path,
                    width,
                    height,
                    bytes,
                }
            }
            Err(error) => {
                job.record_error(format!("rendition {rendition} failed: {error}"));
                EventKind::RenditionFailed { rendition, error }
            }
        },
        other => other,
    })
}

/// The job's folder here, reserved at its first output.
fn job_dir(job: &Job) -> Result<PathBuf, String> {
    if let Some(dir) = job.dir() {
        return Ok(dir.clone());
    }
    let stem = job
        .request
        .input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = reserve_job_dir(&job.request.out_dir, &stem).map_err(|e| e.to_string())?;
    job.set_dir(dir.clone());
    Ok(dir)
}

/// Ends one stage of the job; once the job has ended, forgets it.
fn end_stage(broker: &Broker, farm_job: &Arc<FarmJob>, jobs: &Jobs) {
    farm_job.job.end_stage();
    if farm_job.job.has_ended() {
        forget(broker, farm_job, jobs);
    }
}

/// Drops an ended job and deletes its files from the broker.
fn forget(broker: &Broker, farm_job: &FarmJob, jobs: &Jobs) {
    lock(jobs).remove(&farm_job.key);
    let objects = std::mem::take(&mut lock(&farm_job.seen).objects);
    for object in objects {
        broker.delete_file(&object);
    }
}
