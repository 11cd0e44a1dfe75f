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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};

mod abandoned;
mod news;
mod workers;

use super::broker::{Broker, Bucket};
use super::connect::FarmConnection;
use super::error::FarmError;
use super::identity::submitter_prefix;
use super::lock;
use super::news_proof;
use super::retry::with_retries;
use super::wire::{self, Files, Work, WorkStage};
use abandoned::follow_abandoned;
use news::follow_news;
use vidprism_engine::limits::{MAX_SOURCE_BYTES, OUTPUT_BYTES_PER_SOURCE_BYTE, OUTPUT_BYTES_SLACK};
use vidprism_engine::output::reserve_job_dir;
use vidprism_engine::pipeline::for_farm::{EventHub, Job, StageError};
use vidprism_engine::pipeline::{Event, JobId, JobRequest, JobRunner, Waker};
use workers::{follow_workers, live_workers, Workers};

/// How long the news thread waits before checking whether to stop.
const NEWS_WAIT: Duration = Duration::from_millis(500);
/// One submitted job: the engine's tally, plus what news was seen.
struct FarmJob {
    key: String,
    /// The key its work carries: news must prove it (`news_proof`).
    news_key: String,
    job: Job,
    /// The labels of the renditions its presets plan: news of any other
    /// is refused.
    planned: HashSet<String>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// Stages whose end was counted.
    ended: HashSet<WorkStage>,
    /// Results already reported ("thumbnail", "rendition:720p", ...).
    results: HashSet<String>,
    /// Stages (and transcode renditions) whose start was passed on.
    started: HashSet<String>,
    /// Bytes its outputs may still take here (see [`output_budget`]).
    budget: u64,
    /// Objects to delete once the job ends.
    objects: Vec<(Bucket, String)>,
    /// The size of the source as sent: workers fetch no more.
    source_bytes: Option<u64>,
    /// The digest of each output object (by file name) and the bucket it
    /// is in, as its worker first said it sent it; only that content is
    /// fetched, from there.
    digests: HashMap<String, (String, Bucket)>,
    /// Each planned rendition's per-frame score as its worker first sent
    /// it, for its `rendition_done`.
    series: HashMap<String, vidprism_engine::media::quality::Series>,
}

type Jobs = Arc<Mutex<HashMap<String, Arc<FarmJob>>>>;
/// Jobs submitted to a farm, with their events.
pub struct FarmClient {
    broker: Broker,
    prefix: String,
    files: Files,
    hub: EventHub,
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
        let hub = EventHub::new(waker.clone());
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
            hub,
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

impl JobRunner for FarmClient {
    fn submit(&self, mut request: JobRequest) -> JobId {
        // Workers have other working folders: paths they see (shared
        // folders) and paths their messages name must not be relative.
        for path in [&mut request.input, &mut request.out_dir] {
            if let Ok(absolute) = std::path::absolute(&*path) {
                *path = absolute;
            }
        }
        let job = self.hub.new_job(request);
        let id = job.id();
        let key = format!("{}.{id}", self.prefix);
        tracing::info!(job = id, farm_job = %key, input = %job.request().input.display(), "job submitted to the farm");
        let planned = vidprism_engine::plan::labels(&job.request().presets);
        let news_key = news_proof::new_key();
        let job = Arc::new(FarmJob {
            key: key.clone(),
            news_key: news_key.as_ref().cloned().unwrap_or_default(),
            job,
            planned,
            seen: Mutex::default(),
        });
        lock(&self.jobs).insert(key, Arc::clone(&job));
        let queued = news_key.is_ok()
            && self
                .uploads
                .as_ref()
                .is_some_and(|q| q.send(Arc::clone(&job)).is_ok());
        if !queued {
            job.job.record_error(match news_key {
                Err(e) => StageError::remote(e),
                Ok(_) => StageError::ShuttingDown,
            });
            end_stage(&self.broker, &job, &self.jobs);
        }
        id
    }

    fn cancel(&self, id: JobId) -> bool {
        let Some(job) = self.find(id) else {
            return false;
        };
        job.job.cancel();
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
        self.hub.events()
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
            job.job.cancel();
            let _ = self.broker.cancel_job(&job.key);
            job.job.end_now();
            forget(&self.broker, &job, &self.jobs);
        }
        self.stop.store(true, Ordering::Relaxed);
        self.hub.join_draining(self.threads.drain(..));
        self.broker.flush();
    }
}

/// Sends a job's source (unless the disk is shared) and queues its ingest.
fn send_job(broker: &Broker, farm_job: &Arc<FarmJob>, files: &Files, jobs: &Jobs) {
    let job = &farm_job.job;
    if job.is_cancelled() {
        return;
    }
    let request = job.request();
    let sent = (|| {
        // A missing file or a pipe gets its plain answer here, at once; a
        // pipe would also block the upload forever.
        vidprism_engine::media::check_source(&request.input)?;
        let source_bytes = std::fs::metadata(&request.input).map_or(0, |m| m.len());
        lock(&farm_job.seen).budget = output_budget(source_bytes);
        if *files == Files::ObjectStore {
            too_large(&request.input, source_bytes)?;
            let name = wire::source_object(&farm_job.key);
            lock(&farm_job.seen)
                .objects
                .push((Bucket::Sources, name.clone()));
            let bytes = with_retries(
                "sending a source",
                || {
                    broker
                        .put_file(Bucket::Sources, &name, &request.input)
                        .map(|(b, _)| b)
                },
                || {},
            )
            .map_err(|e| match e {
                // A source that cannot be read says so plainly.
                FarmError::Transfer { file, reason, .. } => {
                    StageError::remote(format!("{}: {reason}", file.display()))
                }
                other => StageError::remote(other),
            })?;
            // It may have grown meanwhile.
            too_large(&request.input, bytes)?;
            let mut seen = lock(&farm_job.seen);
            seen.source_bytes = Some(bytes);
            seen.budget = output_budget(bytes);
        } else {
            // With shared folders the job's folder is reserved here, by
            // the submitter: the only folder of the job it will accept
            // outputs in, and remove on a cancel.
            let stem = request
                .input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = reserve_job_dir(&request.out_dir, &stem)?;
            job.set_dir(dir);
        }
        queue(broker, farm_job, WorkStage::Ingest, files).map_err(StageError::remote)
    })();
    if let Err(reason) = sent {
        job.record_error(reason);
        end_stage(broker, farm_job, jobs);
    }
}

/// A source larger than workers fetch (they would refuse its work).
fn too_large(input: &std::path::Path, bytes: u64) -> Result<(), StageError> {
    if bytes > MAX_SOURCE_BYTES {
        return Err(StageError::remote(format!(
            "{}: {bytes} bytes, more than the {MAX_SOURCE_BYTES} a farm takes",
            input.display()
        )));
    }
    Ok(())
}

/// The bytes a job's outputs may take here, for a source of
/// `source_bytes`: a worker cannot fill the submitter's disk beyond it.
/// Checked arithmetic, never a wrap.
fn output_budget(source_bytes: u64) -> u64 {
    source_bytes
        .checked_mul(OUTPUT_BYTES_PER_SOURCE_BYTE)
        .and_then(|b| b.checked_add(OUTPUT_BYTES_SLACK))
        .unwrap_or(u64::MAX)
}

/// Queues one stage of the job, built from the job's own request.
fn queue(
    broker: &Broker,
    farm_job: &FarmJob,
    stage: WorkStage,
    files: &Files,
) -> Result<(), FarmError> {
    let request = farm_job.job.request();
    let dir = match files {
        Files::Shared => farm_job.job.dir().cloned(),
        Files::ObjectStore => None,
    };
    let work = Work {
        job: farm_job.key.clone(),
        stage,
        input: request.input.clone(),
        files: files.clone(),
        presets: request.presets.clone(),
        out_dir: request.out_dir.clone(),
        dir,
        source_bytes: lock(&farm_job.seen).source_bytes,
        news_key: Some(farm_job.news_key.clone()),
    };
    let payload = wire::encode(&work);
    with_retries(
        "queueing a job",
        || broker.publish_work(stage, &farm_job.key, &work.dedup_id(), payload.clone()),
        || {},
    )
}

/// After a good ingest, queues the stages it opened: the thumbnail, and
/// the transcode when it opened two. The submitter does it, not the
/// worker, so that a worker's login never needs to queue work (see
/// `vidprism farm init`). A stage that cannot be queued ends at once with
/// the reason.
fn queue_opened_stages(
    broker: &Broker,
    farm_job: &Arc<FarmJob>,
    files: &Files,
    opened: usize,
    jobs: &Jobs,
) {
    let stages = [WorkStage::Thumbnail, WorkStage::Transcode];
    for stage in stages.into_iter().take(opened) {
        if let Err(reason) = queue(broker, farm_job, stage, files) {
            farm_job.job.record_error(StageError::remote(reason));
            end_stage(broker, farm_job, jobs);
        }
    }
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
    for (bucket, object) in objects {
        broker.delete_file(bucket, &object);
    }
}
