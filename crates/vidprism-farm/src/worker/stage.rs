//! One delivery of a stage on a worker: fetch or map the source, run the
//! engine's stage function on its own thread while this one forwards
//! progress, keeps the delivery alive and watches for a cancel; then give
//! it back (a try that failed, a worker that stops) or report and
//! acknowledge it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver};

use super::report::report;
use super::{send_news, Context};
use crate::broker::{Delivery, WorkPolicy};
use crate::checked_dir::CheckedDir;
use crate::error::FarmError;
use crate::shared_roots::SharedPathError;
use crate::source_cache::CheckedOut;
use crate::wire::{self, Files, News, Work, WorkStage};
use vidprism_engine::pipeline::for_farm::{self, Job};
use vidprism_engine::pipeline::{Event, EventKind, JobFailed, JobRequest, RenditionFailed};

/// Wait before a failed stage is delivered again.
const RETRY_DELAY: Duration = Duration::from_secs(2);
/// How often a running stage checks whether its job was cancelled.
const CANCEL_CHECK: Duration = Duration::from_secs(1);

/// What one run of a stage left behind.
pub(super) struct StageRun {
    /// Events to report once the stage is over (results, not progress).
    pub(super) results: Vec<EventKind>,
    /// Why the stage failed, if it did.
    pub(super) error: Option<String>,
    pub(super) cancelled: bool,
    pub(super) source_failed: bool,
    /// Stages ingest opened.
    pub(super) opened: usize,
    /// The job folder, with shared files.
    pub(super) dir: Option<PathBuf>,
}

pub(super) fn handle(context: &Context, policy: WorkPolicy, delivery: &Delivery) {
    let work: Work = match wire::decode(delivery.payload()) {
        Ok(work) => work,
        Err(e) => {
            tracing::error!("dropping work: {e}");
            let _ = delivery.give_up();
            return;
        }
    };
    let shared = match shared_paths(context, &work) {
        Ok(shared) => shared,
        Err(reason) => {
            tracing::error!(job = %work.job, "refused work: {}", wire::printable(&reason.to_string()));
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
    // The job's folder as checked: still the same folder when the stage
    // is over, or nothing made there is reported.
    let checked = shared
        .as_ref()
        .map(|s| (s.dir.real().to_path_buf(), folder_id(s.dir.real())));
    let mut run = match std::fs::create_dir_all(&scratch) {
        Ok(()) => run_stage(context, &work, shared.as_ref(), delivery, &scratch),
        Err(e) => StageRun::failed(FarmError::io(&scratch, e).to_string()),
    };
    if let Some((dir, before)) = checked {
        if before.is_none() || folder_id(&dir) != before {
            run = StageRun::failed(format!(
                "{}: the job's folder was replaced while the stage ran",
                dir.display()
            ));
        }
    }
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
            send_news(broker, &work, &news, true).and_then(|()| delivery.retry_after(RETRY_DELAY))
        }
        _ => match report(context, &work, run, attempt) {
            Ok(()) => delivery.ack(),
            Err(e) => {
                // Sending failed (the broker went away mid-report): run the
                // stage again soon; what was already sent is ignored then.
                tracing::warn!(job = %work.job, stage = work.stage.name(), "{e}; trying again");
                delivery.retry_after(RETRY_DELAY)
            }
        },
    };
    let _ = std::fs::remove_dir_all(&scratch);
    if let Err(e) = outcome {
        // Not acknowledged: the broker delivers the work again later.
        tracing::error!(job = %work.job, stage = work.stage.name(), "{e}");
    }
}

/// Shared-folder work's paths on this machine, each checked.
pub(super) struct SharedPaths {
    input: PathBuf,
    out_dir: PathBuf,
    /// The job's folder, reserved by the submitter, held open since it was
    /// checked: the stage writes through it.
    dir: CheckedDir,
}

/// Admits shared-folder work only on a worker started for shared folders,
/// and only with paths inside its roots: the source, the output folder,
/// and the job's folder directly in the output folder. `None` for work
/// through the object store, whose paths the worker makes itself.
fn shared_paths(context: &Context, work: &Work) -> Result<Option<SharedPaths>, SharedPathError> {
    if work.files == Files::ObjectStore {
        return Ok(None);
    }
    let roots = &context.shared;
    if roots.is_empty() {
        return Err(SharedPathError::NoRoots);
    }
    let map = &context.config.path_map;
    let input = roots.resolve(&map.to_worker(&work.input))?;
    let out_dir = roots.resolve(&map.to_worker(&work.out_dir))?;
    let dir = work.dir.as_deref().ok_or(SharedPathError::NoJobFolder)?;
    let dir = roots.resolve(&map.to_worker(dir))?;
    if dir.parent() != Some(out_dir.as_path()) || !input.is_file() {
        return Err(SharedPathError::NotAJobFolder { dir, out_dir });
    }
    let dir = CheckedDir::open(&dir).map_err(|source| SharedPathError::NotHeld { dir, source })?;
    Ok(Some(SharedPaths {
        input,
        out_dir,
        dir,
    }))
}

/// A folder's identity (device and inode), read without following a link:
/// `None` when it is not a folder (now a link, or gone).
#[cfg(unix)]
fn folder_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_dir().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn folder_id(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_dir().then_some((0, 0))
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
fn run_stage(
    context: &Context,
    work: &Work,
    shared: Option<&SharedPaths>,
    delivery: &Delivery,
    scratch: &Path,
) -> StageRun {
    let config = &context.config;
    // The source checked out is given back when this stage is over (end
    // of this function).
    let (input, out_dir, dir, _source) = match stage_files(context, work, shared, scratch) {
        Ok(files) => files,
        Err(failed) => return failed,
    };
    let request = JobRequest {
        input: input.clone(),
        presets: work.presets.clone(),
        out_dir,
    };
    let (job, events) = for_farm::stage_job(request);
    let (done_tx, done) = crossbeam_channel::bounded(1);
    let stage = work.stage;
    let stage_job = Arc::clone(&job);
    let stall = context.stall;
    let thread = std::thread::Builder::new()
        .name(format!("farm {} run", stage.name()))
        .spawn(move || {
            let job = &stage_job;
            let opened = match stage {
                WorkStage::Ingest => for_farm::ingest(job, dir),
                WorkStage::Thumbnail => {
                    for_farm::thumbnail(job, dir);
                    0
                }
                WorkStage::Transcode => {
                    for_farm::transcode(job, dir, stall);
                    0
                }
            };
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
        dir: job
            .dir()
            .map(|d| config.path_map.to_submitter(&real_path(shared, d))),
    };
    run.results = worker_results(results, &mut run, &input, work, shared);
    run
}

/// Where a stage reads and writes: the source (fetched into the worker's
/// cache, given back when the guard is dropped, or the shared folder's),
/// the output folder, and the held job folder of shared-folder work.
type StageFiles<'a> = (PathBuf, PathBuf, Option<PathBuf>, Option<CheckedOut<'a>>);

fn stage_files<'a>(
    context: &'a Context,
    work: &Work,
    shared: Option<&SharedPaths>,
    scratch: &Path,
) -> Result<StageFiles<'a>, StageRun> {
    let Some(shared) = shared else {
        let source = context
            .sources
            .check_out(&context.broker, work)
            .map_err(|e| {
                StageRun::failed(format!(
                    "{}: the worker could not fetch the source: {e}",
                    work.input.display()
                ))
            })?;
        let out = scratch.join("out");
        std::fs::create_dir_all(&out)
            .map_err(|e| StageRun::failed(FarmError::io(&out, e).to_string()))?;
        return Ok((source.path().to_path_buf(), out, None, Some(source)));
    };
    Ok((
        shared.input.clone(),
        shared.out_dir.clone(),
        Some(shared.dir.path().to_path_buf()),
        None,
    ))
}

/// The stage's events as the submitter gets them: the job's end taken
/// into `run` (cancelled, or its error), errors naming the user's source
/// instead of the worker's copy, outputs named under the held folder's
/// own name.
fn worker_results(
    results: Vec<EventKind>,
    run: &mut StageRun,
    input: &Path,
    work: &Work,
    shared: Option<&SharedPaths>,
) -> Vec<EventKind> {
    let local_input = input.display().to_string();
    let user_input = work.input.display().to_string();
    let user_text = |error: String| {
        let error = error.replace(&local_input, &user_input);
        shared.map_or(error.clone(), |s| s.dir.real_text(&error))
    };
    let mut kept = Vec::new();
    for kind in results {
        match kind {
            EventKind::Cancelled => run.cancelled = true,
            EventKind::JobFailed(JobFailed { error }) => run.error = Some(user_text(error)),
            EventKind::JobDone { .. } => {}
            EventKind::RenditionFailed(RenditionFailed { rendition, error }) => {
                kept.push(EventKind::RenditionFailed(RenditionFailed {
                    rendition,
                    error: user_text(error),
                }))
            }
            other => {
                // Made through the held folder: named under its own name.
                let other = match other.output_path() {
                    Some(path) => {
                        let path = real_path(shared, path);
                        other.moved_output(path, None)
                    }
                    None => other,
                };
                kept.push(other)
            }
        }
    }
    kept
}

/// `path` as the stage made it, named under the job folder's own name.
fn real_path(shared: Option<&SharedPaths>, path: &Path) -> PathBuf {
    shared.map_or_else(|| path.to_path_buf(), |s| s.dir.real_path(path))
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
        kind @ (EventKind::Progress { .. }
        | EventKind::StageStarted { .. }
        | EventKind::QualityPlanned { .. }) => {
            // Progress is best effort: a lost one is replaced by the next.
            let _ = send_news(broker, work, &News::Event(kind), false);
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
                    job.cancel();
                }
            }
        }
    }
    for event in events.try_iter() {
        forward_one(event, &mut results);
    }
    (results, opened)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_folder_replaced_by_a_link_or_another_folder_is_told_apart() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("clip");
        let elsewhere = temp.path().join("home");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        let before = folder_id(&dir);
        assert!(before.is_some());
        assert_eq!(folder_id(&dir), before);
        std::fs::rename(&dir, temp.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
        assert_eq!(folder_id(&dir), None, "a link is not the folder");
        std::fs::remove_file(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        assert_ne!(folder_id(&dir), before, "a new folder of the same name");
    }
}
