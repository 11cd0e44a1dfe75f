//! News of a job, folded into its engine Job: events passed on, outputs
//! fetched into the job's folder here, stage ends counted once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{end_stage, lock, queue_opened_stages, FarmJob, Jobs, Seen, NEWS_WAIT};
use crate::broker::{Broker, Bucket, NewsFeed, NewsMessage};
use crate::error::FarmError;
use crate::news_proof;
use crate::retry::with_retries;
use crate::wire::{self, Files, News, WorkStage};
use crate::wire_check::check_against_plan;
use vidprism_engine::output::{reserve_job_dir, StagedFile};
use vidprism_engine::pipeline::for_farm::{Job, StageError};
use vidprism_engine::pipeline::{
    EventKind, Output, Progress, QualityPlanned, RenditionFailed, RenditionSkipped, StageStarted,
};

/// Largest thumbnail, storyboard file or subtitle sidecar fetched from a
/// worker (its event gives no size).
const MAX_THUMBNAIL_BYTES: u64 = 64 << 20;
/// Largest file a rendition names beside it (a stream bundle's audio of a
/// long film is the largest; its event gives no size either).
const MAX_BESIDE_BYTES: u64 = 4 << 30;

pub(super) fn follow_news(
    broker: &Broker,
    feed: &NewsFeed,
    jobs: &Jobs,
    files: &Files,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        match feed.next(NEWS_WAIT) {
            Ok(Some(message)) => {
                let Some(job) = lock(jobs).get(&message.job).cloned() else {
                    continue;
                };
                if !proved(&job, &message) {
                    tracing::warn!(
                        farm_job = %job.key,
                        "refused news without the proof of the job's work: from a login that was not given it, or a worker older than this submitter"
                    );
                    continue;
                }
                match wire::decode::<News>(&message.payload) {
                    Ok(news) => apply(broker, &job, news, files, jobs),
                    Err(e) => tracing::warn!(farm_job = %job.key, "{e}"),
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

/// Whether news carries the proof that its sender was given the job's work
/// (`news_proof`): only then is it acted on.
fn proved(farm_job: &FarmJob, message: &NewsMessage) -> bool {
    message.proof.as_deref().is_some_and(|proof| {
        news_proof::verify(&farm_job.news_key, &farm_job.key, &message.payload, proof)
    })
}

/// Folds one piece of news into its job.
fn apply(broker: &Broker, farm_job: &Arc<FarmJob>, news: News, files: &Files, jobs: &Jobs) {
    let job = &farm_job.job;
    if job.has_ended() {
        return;
    }
    match news {
        News::Event(kind) => apply_event(broker, farm_job, kind, files),
        ended @ News::StageEnded { .. } => apply_stage_end(broker, farm_job, ended, files, jobs),
        // The first word on a name stands: a later one (from another
        // worker given the same work) does not make its object acceptable.
        // Every bucket told is cleaned at the job's end.
        News::Sent {
            name,
            digest,
            bucket,
        } => {
            // Checked when decoded: none (the shared one) or an outputs
            // bucket.
            let bucket = bucket
                .as_deref()
                .and_then(Bucket::outputs_named)
                .unwrap_or(Bucket::Outputs);
            let object = (bucket.clone(), wire::output_object(&farm_job.key, &name));
            let mut seen = lock(&farm_job.seen);
            if !seen.objects.contains(&object) {
                seen.objects.push(object);
            }
            seen.digests.entry(name).or_insert((digest, bucket));
        }
        // A planned rendition's, once.
        News::Series { rendition, series } if farm_job.planned.contains(&rendition) => {
            let mut seen = lock(&farm_job.seen);
            seen.series
                .entry(rendition)
                .or_insert_with(|| series.into());
        }
        News::Series { rendition, .. } => {
            tracing::warn!(farm_job = %farm_job.key, %rendition, "refused the score of a rendition not planned");
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

/// An event a worker sent: checked against the plan, progress and stage
/// starts passed on once each, a rendition's or a file's result fetched
/// and passed on once.
fn apply_event(broker: &Broker, farm_job: &Arc<FarmJob>, kind: EventKind, files: &Files) {
    let job = &farm_job.job;
    if let Err(reason) = check_against_plan(&kind, &farm_job.planned) {
        tracing::warn!(farm_job = %farm_job.key, "refused a farm message: {reason}");
        return;
    }
    let Some(key) = result_key(&kind) else {
        match &kind {
            // Progress of a rendition still under way only.
            EventKind::Progress(Progress { rendition, .. })
                if !settled(&lock(&farm_job.seen), rendition) =>
            {
                job.emit_lossy(kind)
            }
            // Each stage (each rendition's) starts once.
            EventKind::StageStarted(StageStarted { stage, rendition }) => {
                let start = format!("{stage:?}:{}", rendition.as_deref().unwrap_or(""));
                if lock(&farm_job.seen).started.insert(start) {
                    job.emit(kind);
                }
            }
            // A rendition's plan once (a stage given back and made
            // again finds the same, from its cache).
            EventKind::QualityPlanned(QualityPlanned { rendition, .. })
                if lock(&farm_job.seen)
                    .started
                    .insert(format!("planned:{rendition}")) =>
            {
                job.emit(kind)
            }
            // Workers never send a job's end; ignore it if one does.
            _ => {}
        }
        return;
    };
    if !lock(&farm_job.seen).results.insert(key) {
        return;
    }
    match receive_output(broker, farm_job, kind, files) {
        Ok(kind) => job.emit(with_series(kind, &mut lock(&farm_job.seen))),
        Err(reason) => job.record_error(StageError::remote(reason)),
    }
}

/// A stage a worker ended (`News::StageEnded`; other news is not this
/// function's): once per stage, its errors recorded, the stages it opened
/// counted (and queued after the ingest), the job ended when it was the
/// last.
fn apply_stage_end(
    broker: &Broker,
    farm_job: &Arc<FarmJob>,
    ended: News,
    files: &Files,
    jobs: &Jobs,
) {
    let News::StageEnded {
        stage,
        opened,
        errors,
        source_failed,
        dir,
        worker,
    } = ended
    else {
        return;
    };
    let job = &farm_job.job;
    if !lock(&farm_job.seen).ended.insert(stage) {
        return;
    }
    tracing::info!(farm_job = %farm_job.key, stage = stage.name(), %worker, ?errors, "stage ended");
    let queue_next = stage == WorkStage::Ingest && errors.is_empty();
    // The job's folder is the one this submitter reserved, whatever
    // a worker says: a folder named in news is never taken.
    if dir.is_some() && dir.as_ref() != job.dir() {
        tracing::warn!(farm_job = %farm_job.key, %worker, "ignored a job folder a worker named");
    }
    for error in errors {
        // The worker made the sentence; it travels as text.
        let error = StageError::remote(error);
        if source_failed {
            job.record_source_error(error);
        } else {
            job.record_error(error);
        }
    }
    job.open_stages(opened);
    if queue_next {
        queue_opened_stages(broker, farm_job, files, opened, jobs);
    }
    end_stage(broker, farm_job, jobs);
}

/// A rendition's event with the per-frame score its worker sent before
/// it, when that fits its score (no more points than frames scored).
fn with_series(mut kind: EventKind, seen: &mut Seen) -> EventKind {
    if let EventKind::RenditionDone(output) = &mut kind {
        let series = seen.series.remove(&output.rendition);
        if let (Some(score), Some(series)) = (output.quality.as_mut(), series) {
            if score.series.is_none() && series.len() as u64 <= score.frames {
                score.series = Some(series);
            }
        }
    }
    kind
}

/// Whether a rendition's result is in: no more progress for it.
fn settled(seen: &Seen, rendition: &str) -> bool {
    [
        format!("rendition:{rendition}"),
        format!("skipped:{rendition}"),
    ]
    .iter()
    .any(|key| seen.results.contains(key))
}

/// Names a result so a repeated one (a redelivered stage) is seen as such.
fn result_key(kind: &EventKind) -> Option<String> {
    match kind {
        EventKind::Probed { .. } => Some("probed".into()),
        EventKind::ThumbnailReady { .. } => Some("thumbnail".into()),
        EventKind::StoryboardReady { .. } => Some("storyboard".into()),
        EventKind::RenditionDone(Output { rendition, .. })
        | EventKind::RenditionFailed(RenditionFailed { rendition, .. }) => {
            Some(format!("rendition:{rendition}"))
        }
        EventKind::RenditionSkipped(RenditionSkipped { rendition, .. }) => {
            Some(format!("skipped:{rendition}"))
        }
        _ => None,
    }
}

/// Why an output a worker announced is not taken here.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("{}: the job's outputs would take more than the {budget} bytes allowed for its source", path.display())]
    OverBudget { path: PathBuf, budget: u64 },
    #[error("a worker reported an output outside the job's folder: {}", path.display())]
    Outside { path: PathBuf },
    #[error("{}: the output is not there", path.display())]
    Missing { path: PathBuf },
    #[error("{}: it is larger than the {max_bytes} bytes allowed", path.display())]
    TooLarge { path: PathBuf, max_bytes: u64 },
    #[error("a worker sent an output named {}", path.display())]
    BadName { path: PathBuf },
    #[error("{name}: no worker said it sent this output")]
    NotSent { name: String },
    /// The fetch itself (the broker, the object's digest or size).
    #[error(transparent)]
    Farm(#[from] FarmError),
    /// The job's folder or the file put in place here.
    #[error(transparent)]
    Output(#[from] vidprism_engine::Error),
}

/// Fetches the output an event announces into the job's folder and points
/// the event at it.
fn receive_output(
    broker: &Broker,
    farm_job: &FarmJob,
    kind: EventKind,
    files: &Files,
) -> Result<EventKind, FetchError> {
    let job = &farm_job.job;
    // Each file takes its bytes from the job's budget: whatever sizes a
    // worker declares, the job's outputs stay within it.
    let fetch = |path: &Path, max_bytes: u64| -> Result<(PathBuf, u64), FetchError> {
        let budget = lock(&farm_job.seen).budget;
        let (path, bytes) = fetch_one(farm_job, broker, files, path, max_bytes.min(budget))?;
        let mut seen = lock(&farm_job.seen);
        seen.budget = match seen.budget.checked_sub(bytes) {
            Some(left) => left,
            None => return Err(FetchError::OverBudget { path, budget }),
        };
        Ok((path, bytes))
    };
    let Some(path) = kind.output_path() else {
        return Ok(kind);
    };
    let (max_bytes, max_beside) = match &kind {
        EventKind::RenditionDone(Output { bytes, .. }) => (*bytes, MAX_BESIDE_BYTES),
        _ => (MAX_THUMBNAIL_BYTES, MAX_THUMBNAIL_BYTES),
    };
    // The files beside it first (sidecars, a bundle's other files, a
    // storyboard's sprites and poster): the file announced points at them.
    let beside = kind
        .files_beside()
        .iter()
        .try_for_each(|file| fetch(file, max_beside).map(|_| ()));
    match (beside.and_then(|()| fetch(path, max_bytes)), kind) {
        (Ok((path, bytes)), kind) => {
            // Counted as where it was made: a rendition with each file
            // beside it, a storyboard once.
            let files = match &kind {
                EventKind::RenditionDone(output) => output.files().len(),
                _ => 1,
            };
            job.record_outputs(files);
            Ok(kind.moved_output(path, Some(bytes)))
        }
        // One rendition that cannot be fetched fails alone.
        (Err(error), EventKind::RenditionDone(Output { rendition, .. })) => {
            let said = error.to_string();
            job.record_error(StageError::rendition(&rendition, error));
            Ok(EventKind::RenditionFailed(RenditionFailed {
                rendition,
                error: said,
            }))
        }
        (Err(error), _) => Err(error),
    }
}

/// Fetches one file of a job's output (object store) or checks it where
/// the worker wrote it (shared folders); at most `max_bytes`.
fn fetch_one(
    farm_job: &FarmJob,
    broker: &Broker,
    files: &Files,
    path: &Path,
    max_bytes: u64,
) -> Result<(PathBuf, u64), FetchError> {
    let job = &farm_job.job;
    match files {
        Files::Shared => {
            // Only a file directly in the folder reserved for the job.
            let inside = job
                .dir()
                .is_some_and(|dir| path.parent() == Some(dir.as_path()));
            if !inside {
                return Err(FetchError::Outside {
                    path: path.to_path_buf(),
                });
            }
            let bytes = std::fs::symlink_metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .ok_or_else(|| FetchError::Missing {
                    path: path.to_path_buf(),
                })?;
            if bytes > max_bytes {
                return Err(FetchError::TooLarge {
                    path: path.to_path_buf(),
                    max_bytes,
                });
            }
            Ok((path.to_path_buf(), bytes))
        }
        Files::ObjectStore => {
            let name = path
                .file_name()
                .filter(|n| Path::new(n) == path)
                .ok_or_else(|| FetchError::BadName {
                    path: path.to_path_buf(),
                })?
                .to_string_lossy()
                .into_owned();
            let dir = job_dir(job)?;
            let object = wire::output_object(&farm_job.key, &name);
            let told = lock(&farm_job.seen).digests.get(&name).cloned();
            let (digest, bucket) =
                told.ok_or_else(|| FetchError::NotSent { name: name.clone() })?;
            let staged = StagedFile::new(dir.join(&name));
            let temp = staged.temp_path();
            // Each try empties the temporary file first.
            with_retries(
                "fetching an output",
                || broker.get_file(bucket.clone(), &object, temp, max_bytes, Some(&digest)),
                || {},
            )?;
            let target = staged.target().to_path_buf();
            let bytes = staged.commit()?;
            Ok((target, bytes))
        }
    }
}

/// The job's folder here, reserved at its first output.
fn job_dir(job: &Job) -> Result<PathBuf, vidprism_engine::Error> {
    if let Some(dir) = job.dir() {
        return Ok(dir.clone());
    }
    let request = job.request();
    let stem = request
        .input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = reserve_job_dir(&request.out_dir, &stem)?;
    job.set_dir(dir.clone());
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidprism_engine::media::quality::Score;

    fn done(rendition: &str, frames: u64) -> EventKind {
        EventKind::RenditionDone(Output {
            rendition: rendition.into(),
            path: PathBuf::from("out.mp4"),
            width: 320,
            height: 240,
            bytes: 1000,
            skipped_tracks: Vec::new(),
            sidecars: Vec::new(),
            quality: Some(Score {
                ssim: 0.9,
                ssim_y: 0.9,
                psnr: 40.0,
                psnr_y: 40.0,
                psnr_u: 40.0,
                psnr_v: 40.0,
                worst_ssim: 0.9,
                frames,
                series: None,
            }),
        })
    }

    fn series_of(kind: &EventKind) -> Option<usize> {
        match kind {
            EventKind::RenditionDone(o) => o.quality.as_ref()?.series.as_ref().map(|s| s.len()),
            _ => None,
        }
    }

    /// A worker's series goes with its own rendition's event only, and
    /// only when it has no more points than that rendition scored frames.
    #[test]
    fn a_series_joins_its_renditions_event_when_it_fits_the_score() {
        let mut seen = Seen::default();
        let three: vidprism_engine::media::quality::Series =
            vec![(0.0, 0.9), (0.04, 0.9), (0.08, 0.9)].into();
        seen.series.insert("720p".into(), three.clone());
        assert_eq!(series_of(&with_series(done("480p", 3), &mut seen)), None);
        assert_eq!(series_of(&with_series(done("720p", 3), &mut seen)), Some(3));
        seen.series.insert("720p".into(), three);
        assert_eq!(
            series_of(&with_series(done("720p", 2), &mut seen)),
            None,
            "more points than frames scored"
        );
    }
}
