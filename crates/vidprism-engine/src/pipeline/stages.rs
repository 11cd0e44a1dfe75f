//! What each queue's workers do with a job: ingest (probe, plan, fan out),
//! thumbnail, transcode. Each handler reports through the job's events and
//! records failures; the worker ends the stage.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::Sender;

use super::event::{
    EventKind, RenditionFailed, RenditionSkipped, SourceFacts, Stage, StageStarted, Storyboard,
    Thumbnail,
};
use super::job::{Job, Prepared};
use super::packaging;
use super::progress::ProgressReporter;
use super::quality_retry;
use super::stage_error::StageError;
use super::stall::{run_watched, StallTimeout};
use super::target_quality;
use crate::error::Error;
use crate::media::geometry::thumbnail_size;
use crate::media::{
    self, Grid, PicturePlan, RenditionTarget, RenditionTracks, StoryboardFiles, StoryboardTarget,
    Transcoded,
};
use crate::output::{job_thumbnail_spec, reserve_job_dir, thumbnail_file_name, StagedFile};
use crate::plan::{plan, PlannedRendition};
use crate::presets::{PictureRules, PosterChoice, StoryboardSpec, ThumbnailSpec};

/// What a failed storyboard is called where a rendition's name goes.
const STORYBOARD: &str = "storyboard";

/// The queues ingest fans out onto.
#[derive(Clone)]
pub struct StageQueues {
    pub thumbnail: Sender<Arc<Job>>,
    pub transcode: Sender<Arc<Job>>,
}

pub fn ingest(job: &Arc<Job>, queues: &StageQueues) {
    if job.is_cancelled() {
        return;
    }
    let Some(has_renditions) = prepare(job, Announce::Yes, None) else {
        return;
    };
    job.open_stages(1 + usize::from(has_renditions));
    send_or_fail(&queues.thumbnail, job);
    if has_renditions {
        send_or_fail(&queues.transcode, job);
    }
}

/// Whether [`prepare`] reports what it finds: ingest does; a farm worker
/// preparing a job again for its thumbnail or transcode stage does not
/// (the job's ingest already said it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    Yes,
    No,
}

/// Probes the source, plans its renditions and reserves the job's output
/// folder (or takes `dir`, reserved earlier elsewhere). Returns whether
/// any rendition (or a storyboard) is planned, so a transcode stage opens;
/// `None` when it failed (the reason is recorded).
pub fn prepare(job: &Job, announce: Announce, dir: Option<PathBuf>) -> Option<bool> {
    if announce == Announce::Yes {
        job.emit(EventKind::StageStarted(StageStarted {
            stage: Stage::Probe,
            rendition: None,
        }));
    }
    let request = job.request();
    let info = match media::probe(&request.input) {
        Ok(info) => info,
        Err(e) => {
            tracing::info!(job = job.id(), error = %e, "probe failed");
            job.record_error(e.into());
            return None;
        }
    };
    tracing::info!(
        job = job.id(),
        width = info.display.width,
        height = info.display.height,
        duration_s = info.duration_s,
        fps = info.fps,
        video_codec = %info.video_codec,
        audio_codec = ?info.audio_codec,
        hdr = ?info.hdr,
        "probed"
    );
    let picture = plan_pictures(job);
    if announce == Announce::Yes {
        job.emit(EventKind::Probed(SourceFacts {
            crop: picture.crop,
            ..SourceFacts::from(&info)
        }));
    }
    let mut plan = plan(info.display, &request.presets);
    // A crop shrinks each planned size as it shrinks the picture: rungs are
    // chosen on the whole frame (a scope film's 1080p is 1920x804), and the
    // thumbnail and storyboard are made at the cropped display size.
    for rendition in &mut plan.renditions {
        rendition.size = picture.cropped(rendition.size);
    }
    let info = media::SourceInfo {
        display: picture.cropped(info.display),
        ..info
    };
    let dir_set = match dir {
        Some(dir) => job.use_dir(dir),
        None => {
            let stem = request
                .input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match reserve_job_dir(&request.out_dir, &stem) {
                Ok(dir) => job.set_dir(dir),
                Err(e) => {
                    job.record_error(e.into());
                    return None;
                }
            }
        }
    };
    if announce == Announce::Yes {
        for skipped in &plan.skipped {
            job.emit(EventKind::RenditionSkipped(RenditionSkipped {
                rendition: skipped.label.clone(),
                reason: skipped.reason.clone(),
            }));
        }
    }
    // A storyboard comes from the transcode's decode (decode only when no
    // rendition is planned).
    let has_renditions = !plan.renditions.is_empty() || storyboard_spec(job).is_some();
    if !dir_set
        || !job.set_prepared(Prepared {
            info,
            plan,
            picture,
        })
    {
        job.record_error(StageError::IngestedTwice);
        return None;
    }
    Some(has_renditions)
}

/// What is done to the source's pictures first, under the rules of all the
/// job's presets. A source whose pictures cannot be sampled is made as it
/// is (its transcode reports what is wrong with it).
fn plan_pictures(job: &Job) -> PicturePlan {
    let request = job.request();
    let rules = PictureRules::of_job(request.presets.iter().map(|p| &p.picture));
    media::plan_pictures(&request.input, rules).unwrap_or_else(|e| {
        tracing::warn!(job = job.id(), error = %e, "pictures not sampled");
        PicturePlan::default()
    })
}

fn send_or_fail(queue: &Sender<Arc<Job>>, job: &Arc<Job>) {
    if queue.send(Arc::clone(job)).is_err() {
        // Only when the engine is shutting down.
        job.record_error(StageError::ShuttingDown);
        job.end_stage();
    }
}

pub fn thumbnail(job: &Arc<Job>) {
    let Some(prepared) = job.prepared() else {
        return;
    };
    if job.is_cancelled() {
        return;
    }
    job.emit(EventKind::StageStarted(StageStarted {
        stage: Stage::Thumbnail,
        rendition: None,
    }));
    // A job has one thumbnail: its first preset's spec says how.
    let spec = job_thumbnail_spec(&job.request().presets);
    let name = thumbnail_file_name(&job.request().presets);
    let Some(dir) = job.dir() else {
        return;
    };
    let staged = StagedFile::new(dir.join(name));
    let made = media::write_thumbnail(
        &job.request().input,
        staged.temp_path(),
        prepared.info.display,
        &spec,
        &prepared.picture,
    )
    .and_then(|size| Ok((size, staged.target().to_path_buf(), staged.commit()?)));
    match made {
        Ok((size, path, _bytes)) => {
            job.record_outputs(1);
            job.emit(EventKind::ThumbnailReady(Thumbnail {
                path,
                width: size.width,
                height: size.height,
            }));
        }
        Err(e) => job.record_error(e.into()),
    }
}

/// The transcode stage: every rendition of the job's plan (and its
/// storyboard) from one decode, each committed and announced, or failed
/// with its reason; then each packaged preset's bundle.
pub fn transcode(job: &Arc<Job>, stall: &StallTimeout) {
    super::priority::lower_current_thread();
    let Some(prepared) = job.prepared() else {
        return;
    };
    if job.is_cancelled() {
        return;
    }
    job.emit(EventKind::StageStarted(StageStarted {
        stage: Stage::Transcode,
        rendition: None,
    }));
    let Some(dir) = job.dir() else {
        return;
    };
    let renditions = &prepared.plan.renditions;
    let (staged, mut targets) = rendition_targets(dir, renditions);
    for r in renditions {
        job.emit(EventKind::StageStarted(StageStarted {
            stage: Stage::Transcode,
            rendition: Some(r.label.clone()),
        }));
    }
    let Some(Transcoded {
        renditions: results,
        storyboard,
    }) = run_transcode(job, prepared, dir, &mut targets, stall.get())
    else {
        return;
    };
    // Packaged presets' rungs, by preset, in order: each becomes a bundle.
    let mut bundles: Vec<Vec<packaging::Attempt>> = Vec::new();
    for ((rendition, staged), result) in renditions.iter().zip(staged).zip(results) {
        if !rendition.packaging.is_packaged() {
            commit_rendition(job, rendition, staged, result);
            continue;
        }
        let attempt = packaging::Attempt {
            rendition,
            staged,
            // A bundle's rungs carry no sidecars (its page has none).
            result: result.map(|made| made.quality),
        };
        match bundles
            .iter_mut()
            .find(|b| b[0].rendition.preset_index == rendition.preset_index)
        {
            Some(bundle) => bundle.push(attempt),
            None => bundles.push(vec![attempt]),
        }
    }
    if let Some(made) = storyboard {
        storyboard_done(job, made);
    }
    for (i, attempts) in bundles.into_iter().enumerate() {
        packaging::package_preset(job, attempts, i == 0);
    }
}

/// Each rendition's staged file in `dir` and what the media layer is to
/// make of it.
fn rendition_targets(
    dir: &std::path::Path,
    renditions: &[PlannedRendition],
) -> (Vec<StagedFile>, Vec<RenditionTarget>) {
    let staged: Vec<StagedFile> = renditions
        .iter()
        .map(|r| match r.packaging.is_packaged() {
            true => packaging::transcode_file(dir, r),
            false => StagedFile::new(dir.join(&r.file_name)),
        })
        .collect();
    let targets = renditions
        .iter()
        .zip(&staged)
        .map(|(r, s)| RenditionTarget {
            spec: r.spec.clone(),
            size: r.size,
            metadata: r.metadata,
            tracks: r.tracks.clone(),
            hdr: r.hdr,
            temp_path: s.temp_path().to_path_buf(),
            score: r.score,
            fine_crf: None,
            segment_seconds: r
                .packaging
                .is_packaged()
                .then_some(r.packaging.segment_seconds),
        })
        .collect();
    (staged, targets)
}

/// Decodes the source once for every target and the storyboard, under the
/// stall watch, then makes again the renditions scored below their floor.
/// `None` when the job ended here (cancelled, stalled, or the source
/// failed: then every rendition failed with it, once).
fn run_transcode(
    job: &Arc<Job>,
    prepared: &Prepared,
    dir: &std::path::Path,
    targets: &mut [RenditionTarget],
    timeout: std::time::Duration,
) -> Option<Transcoded> {
    let renditions = &prepared.plan.renditions;
    let reporter = ProgressReporter::new(
        job,
        renditions.iter().map(|r| r.label.clone()).collect(),
        prepared.info.duration_s,
    );
    let storyboard = storyboard_spec(job).map(|(spec, thumbnail)| StoryboardTarget {
        spacing: spec.spacing,
        grid: Grid::new(&spec, prepared.info.display),
        duration_s: prepared.info.duration_s,
        dir: dir.to_path_buf(),
        poster: (thumbnail.poster == PosterChoice::Best)
            .then(|| thumbnail_size(prepared.info.display, thumbnail.width)),
    });
    let cancel = job.cancel_flag();
    // Only a cancel (or a stall) stops it, which the transcode then sees.
    let slopes = run_watched(job, timeout, || {
        target_quality::plan_targets(job, prepared, targets, cancel)
    })
    .unwrap_or_default();
    let results = run_watched(job, timeout, || {
        media::transcode_with_storyboard(
            &job.request().input,
            targets,
            &prepared.picture,
            storyboard.as_ref(),
            cancel,
            &|i, p| {
                job.touch_progress();
                reporter.report(i, p)
            },
        )
    });
    // The source failed or stalled: every rendition fails with it, once.
    let fail_every_rendition = |reason: &str| {
        for r in renditions {
            job.emit(EventKind::RenditionFailed(RenditionFailed {
                rendition: r.label.clone(),
                error: reason.to_owned(),
            }));
        }
    };
    let transcoded = match results {
        Err(Error::Cancelled) if job.is_stalled() => {
            let stalled = StageError::Stalled {
                input: job.request().input.clone(),
                waited: timeout,
            };
            fail_every_rendition(&stalled.to_string());
            job.record_error(stalled);
            return None;
        }
        Ok(results) => results,
        Err(Error::Cancelled) => return None,
        Err(e) => {
            fail_every_rendition(&e.to_string());
            job.record_source_error(e.into());
            return None;
        }
    };
    let renditions = quality_retry::retry_below_floor(
        targets,
        &slopes,
        transcoded.renditions,
        |again, indices| {
            run_watched(job, timeout, || {
                media::transcode(&job.request().input, again, cancel, &|i, p| {
                    job.touch_progress();
                    reporter.report(indices[i], p)
                })
            })
        },
    );
    Some(Transcoded {
        renditions,
        storyboard: transcoded.storyboard,
    })
}

/// Commits a rendition of separate files (its sidecar subtitle files
/// first, so a rendition announced is whole) and announces it, or reports
/// why it failed.
fn commit_rendition(
    job: &Job,
    rendition: &PlannedRendition,
    staged: StagedFile,
    result: crate::Result<RenditionTracks>,
) {
    let path = staged.target().to_path_buf();
    let committed = result.and_then(|made| {
        let mut sidecars = Vec::new();
        for sidecar in made.sidecars {
            sidecars.extend(packaging::file_name(sidecar.target()));
            sidecar.commit()?;
        }
        Ok((staged.commit()?, made.skipped, sidecars, made.quality))
    });
    match committed {
        Ok((bytes, skipped_tracks, sidecars, quality)) => {
            tracing::info!(
                job = job.id(),
                rendition = %rendition.label,
                path = %path.display(),
                bytes,
                "rendition done"
            );
            // The rendition and each of its sidecars.
            job.record_outputs(1 + sidecars.len());
            let made = packaging::Made {
                path,
                bytes,
                skipped_tracks,
                sidecars,
                quality,
            };
            packaging::emit_done(job, rendition, made);
        }
        Err(Error::Cancelled) => {}
        Err(e) => {
            tracing::warn!(
                job = job.id(),
                rendition = %rendition.label,
                error = ?e,
                "rendition failed: {e}"
            );
            job.emit(EventKind::RenditionFailed(RenditionFailed {
                rendition: rendition.label.clone(),
                error: e.to_string(),
            }));
            job.record_error(StageError::rendition(&rendition.label, e));
        }
    }
}

/// The storyboard and poster asked for by the job's first preset (whose
/// thumbnail spec the job's thumbnail follows too).
fn storyboard_spec(job: &Job) -> Option<(StoryboardSpec, ThumbnailSpec)> {
    let thumbnail = job.request().presets.first()?.thumbnail;
    Some((thumbnail.storyboard?, thumbnail))
}

/// Commits a storyboard's files (sprites and poster first, the VTT that
/// points at them last) and announces them, or reports why it failed.
fn storyboard_done(job: &Job, made: crate::Result<StoryboardFiles>) {
    let name = |path: &std::path::Path| packaging::file_name(path).unwrap_or_default();
    let committed = made.and_then(|files| {
        let mut sprites = Vec::with_capacity(files.sprites.len());
        for sprite in files.sprites {
            sprites.push(name(sprite.target()));
            sprite.commit()?;
        }
        let poster = match files.poster {
            Some(poster) => {
                let poster_name = name(poster.target());
                poster.commit()?;
                Some(poster_name)
            }
            None => None,
        };
        let path = files.vtt.target().to_path_buf();
        files.vtt.commit()?;
        Ok(Storyboard {
            path,
            sprites,
            tiles: u32::try_from(files.tiles).unwrap_or(u32::MAX),
            tile_width: files.tile.width,
            tile_height: files.tile.height,
            poster,
        })
    });
    match committed {
        Ok(storyboard) => {
            job.record_outputs(1);
            job.emit(EventKind::StoryboardReady(storyboard));
        }
        Err(Error::Cancelled) => {}
        Err(e) => {
            tracing::warn!(job = job.id(), error = ?e, "storyboard failed: {e}");
            job.emit(EventKind::RenditionFailed(RenditionFailed {
                rendition: STORYBOARD.into(),
                error: e.to_string(),
            }));
            job.record_error(StageError::rendition(STORYBOARD, e));
        }
    }
}
