//! The transcode stage's last step for packaged presets: the rungs of each
//! one become a streaming bundle (`media::package`), and each rung's
//! `rendition_done` names its fragmented MP4 in the bundle; the last one
//! also names the bundle's other files in its `sidecars`. A bundle is all or nothing: when packaging fails,
//! every rung of it fails with the reason.

use std::path::PathBuf;

use super::event::{EventKind, Output, RenditionFailed};
use super::job::Job;
use super::stage_error::StageError;
use crate::error::Result;
use crate::media::quality::Score;
use crate::media::{self, BundleSpec, RungInput, SkippedTrack};
use crate::output::{sanitize_name, thumbnail_file_name, StagedFile};
use crate::plan::PlannedRendition;

/// Where a packaged rendition's transcode writes: a temporary file of its
/// own, never moved into place (the bundle's file is made from it).
pub fn transcode_file(dir: &std::path::Path, rendition: &PlannedRendition) -> StagedFile {
    StagedFile::new(dir.join(format!("{}.transcode", rendition.file_name)))
}

/// One rung the transcode attempted, with its result (its score, when
/// scored).
pub struct Attempt<'a> {
    pub rendition: &'a PlannedRendition,
    pub staged: StagedFile,
    pub result: Result<Option<Score>>,
}

/// The rung's name in the bundle: its unique file name without `.mp4`.
fn rung_name(rendition: &PlannedRendition) -> String {
    rendition
        .file_name
        .strip_suffix(".mp4")
        .unwrap_or(&rendition.file_name)
        .to_owned()
}

/// Packages the renditions of one preset (`attempts`, in the preset's
/// order); `first` says whether this is the job's first bundle (the others
/// get their preset's name before their manifests' names).
pub fn package_preset(job: &Job, attempts: Vec<Attempt<'_>>, first: bool) {
    let Some(dir) = job.dir() else {
        return;
    };
    let Some(head) = attempts.first().map(|a| a.rendition) else {
        return;
    };
    let preset_name = job
        .request()
        .presets
        .get(head.preset_index)
        .map(|p| sanitize_name(&p.name))
        .unwrap_or_default();
    let prefix = if first {
        String::new()
    } else {
        format!("{preset_name}-")
    };
    let thumbnail = thumbnail_file_name(&job.request().presets);
    let title = job
        .request()
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The sources are kept until the bundle is made: dropping one removes its file.
    let (done, sources) = made_rungs(job, attempts);
    if done.is_empty() || job.is_cancelled() {
        return;
    }
    let inputs: Vec<RungInput> = done
        .iter()
        .zip(&sources)
        .map(|((r, _), s)| RungInput {
            name: rung_name(r),
            file: s.temp_path().to_path_buf(),
        })
        .collect();
    let spec = BundleSpec {
        dir,
        packaging: head.packaging,
        title: &title,
        thumbnail: &thumbnail,
        prefix: &prefix,
    };
    match media::package(&spec, &inputs) {
        Ok(bundle) => bundle_made(job, &done, bundle),
        Err(e) => bundle_failed(job, &done, e),
    }
}

/// A rung made and its score.
type Rung<'a> = (&'a PlannedRendition, Option<Score>);

/// The rungs of `attempts` that were made, with their staged files; each
/// one that failed (not cancelled) is told and recorded.
fn made_rungs<'a>(job: &Job, attempts: Vec<Attempt<'a>>) -> (Vec<Rung<'a>>, Vec<StagedFile>) {
    let mut done = Vec::new();
    let mut sources = Vec::new();
    for attempt in attempts {
        match attempt.result {
            Ok(quality) => {
                done.push((attempt.rendition, quality));
                sources.push(attempt.staged);
            }
            Err(crate::Error::Cancelled) => {}
            Err(e) => {
                job.emit(EventKind::RenditionFailed(RenditionFailed {
                    rendition: attempt.rendition.label.clone(),
                    error: e.to_string(),
                }));
                job.record_error(StageError::rendition(&attempt.rendition.label, e));
            }
        }
    }
    (done, sources)
}

/// Each rung of the bundle made is told done; the last one's event names
/// the bundle's other files, so whoever moves the rungs (a farm worker)
/// moves them too.
fn bundle_made(job: &Job, done: &[Rung<'_>], bundle: media::Bundle) {
    tracing::info!(job = job.id(), files = ?bundle.files, "bundle packaged");
    job.record_outputs(bundle.files.len());
    let mut others: Vec<String> = bundle.files.iter().filter_map(|p| file_name(p)).collect();
    let last = done.len().saturating_sub(1);
    for (i, ((rendition, quality), rung)) in done.iter().zip(bundle.rungs).enumerate() {
        job.record_outputs(1);
        let sidecars = if i == last {
            std::mem::take(&mut others)
        } else {
            Vec::new()
        };
        let made = Made {
            path: rung.path,
            bytes: rung.bytes,
            skipped_tracks: Vec::new(),
            sidecars,
            quality: quality.clone(),
        };
        emit_done(job, rendition, made);
    }
}

/// The bundle could not be made: every rung of it fails with the reason.
fn bundle_failed(job: &Job, done: &[Rung<'_>], e: crate::Error) {
    tracing::warn!(job = job.id(), error = ?e, "packaging failed: {e}");
    for (rendition, _) in done {
        job.emit(EventKind::RenditionFailed(RenditionFailed {
            rendition: rendition.label.clone(),
            error: e.to_string(),
        }));
    }
    if let Some((rendition, _)) = done.first() {
        job.record_error(StageError::rendition(&rendition.label, e));
    }
}

/// What was put in place for a rendition: its file (`path`, `bytes`), the
/// tracks it could not carry, the files beside it and its score.
pub(super) struct Made {
    pub path: PathBuf,
    pub bytes: u64,
    pub skipped_tracks: Vec<SkippedTrack>,
    pub sidecars: Vec<String>,
    pub quality: Option<Score>,
}

/// Tells that `rendition` is made: the one place a
/// [`EventKind::RenditionDone`] is made, for a lone file and a bundle's rung.
pub(super) fn emit_done(job: &Job, rendition: &PlannedRendition, made: Made) {
    job.emit(EventKind::RenditionDone(Output {
        rendition: rendition.label.clone(),
        path: made.path,
        width: rendition.size.width,
        height: rendition.size.height,
        bytes: made.bytes,
        skipped_tracks: made.skipped_tracks,
        sidecars: made.sidecars,
        quality: made.quality,
    }));
}

/// The name an event gives a file beside its output.
pub(super) fn file_name(path: &std::path::Path) -> Option<String> {
    path.file_name().map(|n| n.to_string_lossy().into_owned())
}
