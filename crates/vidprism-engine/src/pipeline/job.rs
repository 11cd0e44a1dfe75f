//! One job's shared state: its request, its cancel flag, what its stages
//! have made, and the single place that decides how it ends. Its fields
//! are private: the engine's and the farm's threads change a job only
//! through its methods.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::clock::elapsed_ms;
use super::emitter::Emitter;
use super::event::{EventKind, JobDone, JobFailed, JobId};
use super::request::JobRequest;
use super::stage_error::StageError;
use crate::media::{PicturePlan, SourceInfo};
use crate::plan::Plan;

/// What ingest learned and decided; read by the thumbnail and transcode stages.
pub struct Prepared {
    pub info: SourceInfo,
    pub plan: Plan,
    /// What is done to its pictures first (deinterlacing).
    pub picture: PicturePlan,
}

struct JobDir {
    path: PathBuf,
    /// Reserved by this job: removed when it is cancelled or its source
    /// fails. A folder another stage reserved elsewhere (a farm worker's
    /// stage on a shared disk) is never removed here.
    owned: bool,
}

#[derive(Default)]
struct Tally {
    /// Stages started and not yet ended; the job ends when this reaches 0.
    open_stages: usize,
    outputs: usize,
    errors: Vec<StageError>,
    /// The source itself turned out unusable (truncated, corrupt): nothing
    /// made from it is kept.
    source_failed: bool,
    ended: bool,
}

pub struct Job {
    id: JobId,
    request: JobRequest,
    cancel: AtomicBool,
    /// Set by the stall watch: the job was stopped for making no progress,
    /// so it fails instead of ending as cancelled.
    stalled: AtomicBool,
    /// When the job last made progress, on the event clock.
    last_progress_ms: AtomicU64,
    prepared: OnceLock<Prepared>,
    /// The job's output folder, once known.
    dir: OnceLock<JobDir>,
    emitter: Emitter,
    tally: Mutex<Tally>,
}

impl Job {
    /// A job with its ingest stage open.
    pub(super) fn new(id: JobId, request: JobRequest, emitter: Emitter) -> Job {
        Job {
            id,
            request,
            cancel: AtomicBool::new(false),
            stalled: AtomicBool::new(false),
            last_progress_ms: AtomicU64::new(elapsed_ms()),
            prepared: OnceLock::new(),
            dir: OnceLock::new(),
            emitter,
            tally: Mutex::new(Tally {
                open_stages: 1,
                ..Tally::default()
            }),
        }
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn id(&self) -> JobId {
        self.id
    }

    pub fn request(&self) -> &JobRequest {
        &self.request
    }

    /// Asks the job's work to stop; it ends as cancelled (unless stalled).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The flag the media layer polls to stop a transcode.
    pub(super) fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// What ingest learned and decided, once it has.
    pub(super) fn prepared(&self) -> Option<&Prepared> {
        self.prepared.get()
    }

    /// Keeps what ingest learned; false if the job was prepared already.
    pub(super) fn set_prepared(&self, prepared: Prepared) -> bool {
        self.prepared.set(prepared).is_ok()
    }

    /// Whether the job's final event has been sent. A worker may still hold
    /// the job for a moment after that.
    pub fn has_ended(&self) -> bool {
        self.tally().ended
    }

    /// Notes that the job just made progress (for the stall watch).
    pub(super) fn touch_progress(&self) {
        self.last_progress_ms.store(elapsed_ms(), Ordering::Relaxed);
    }

    /// How long since the job last made progress.
    pub(super) fn since_progress(&self) -> Duration {
        let last = self.last_progress_ms.load(Ordering::Relaxed);
        Duration::from_millis(elapsed_ms().saturating_sub(last))
    }

    /// Stops the job because it stalled; it will fail, not be cancelled.
    pub(super) fn mark_stalled(&self) {
        self.stalled.store(true, Ordering::Relaxed);
        self.cancel();
    }

    pub(super) fn is_stalled(&self) -> bool {
        self.stalled.load(Ordering::Relaxed)
    }

    /// Sets the output folder this job reserved; false if already set.
    pub fn set_dir(&self, dir: PathBuf) -> bool {
        self.dir
            .set(JobDir {
                path: dir,
                owned: true,
            })
            .is_ok()
    }

    /// Sets an output folder reserved elsewhere, which this job only writes
    /// into and never removes; false if already set.
    pub(super) fn use_dir(&self, dir: PathBuf) -> bool {
        self.dir
            .set(JobDir {
                path: dir,
                owned: false,
            })
            .is_ok()
    }

    pub fn dir(&self) -> Option<&PathBuf> {
        self.dir.get().map(|d| &d.path)
    }

    pub fn emit(&self, kind: EventKind) {
        self.emitter.emit(self.id, kind);
    }

    pub fn emit_lossy(&self, kind: EventKind) {
        self.emitter.emit_lossy(self.id, kind);
    }

    /// Opens `n` more stages; call before ending the stage that opens them.
    pub fn open_stages(&self, n: usize) {
        self.tally().open_stages += n;
    }

    /// Counts `files` more files written.
    pub fn record_outputs(&self, files: usize) {
        self.tally().outputs += files;
    }

    /// Records why part of the job failed; the same reason from two stages
    /// (a corrupt source fails both) is kept once.
    pub fn record_error(&self, error: StageError) {
        let mut tally = self.tally();
        let text = error.to_string();
        if !tally.errors.iter().any(|e| e.to_string() == text) {
            tally.errors.push(error);
        }
    }

    /// Whether the source turned out unusable.
    pub fn source_failed(&self) -> bool {
        self.tally().source_failed
    }

    /// Records that the source is unusable; everything made from it goes.
    pub fn record_source_error(&self, error: StageError) {
        self.tally().source_failed = true;
        self.record_error(error);
    }

    /// Ends one stage; the last one to end decides the job's final event.
    pub fn end_stage(&self) {
        let ended = {
            let mut tally = self.tally();
            tally.open_stages = tally.open_stages.saturating_sub(1);
            if tally.open_stages > 0 || tally.ended {
                return;
            }
            Self::take_end(&mut tally)
        };
        self.finish(ended);
    }

    /// Ends the job now, whatever stages are still open (a farm job whose
    /// stages run elsewhere); their later news is ignored. False if it had
    /// already ended.
    pub fn end_now(&self) -> bool {
        let ended = {
            let mut tally = self.tally();
            if tally.ended {
                return false;
            }
            Self::take_end(&mut tally)
        };
        self.finish(ended);
        true
    }

    fn take_end(tally: &mut Tally) -> (usize, Vec<StageError>, bool) {
        tally.ended = true;
        (
            tally.outputs,
            std::mem::take(&mut tally.errors),
            tally.source_failed,
        )
    }

    /// Sends the job's final event and removes what must not stay.
    fn finish(&self, (outputs, errors, source_failed): (usize, Vec<StageError>, bool)) {
        let dir = self.dir.get().filter(|d| d.owned).map(|d| d.path.clone());
        // A stalled job was stopped through its cancel flag but fails.
        let cancelled = self.is_cancelled() && !self.is_stalled();
        if cancelled || source_failed {
            if let Some(dir) = dir.as_ref() {
                // The folder was created fresh for this job: nothing of the
                // user's is in it.
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        if cancelled {
            tracing::info!(job = self.id, "job cancelled");
            self.emit(EventKind::Cancelled);
        } else if errors.is_empty() {
            tracing::info!(job = self.id, outputs, "job done");
            self.emit(EventKind::JobDone(JobDone { outputs }));
        } else {
            if outputs == 0 && !source_failed {
                if let Some(dir) = dir {
                    // Only succeeds when empty; never removes an output.
                    let _ = std::fs::remove_dir(dir);
                }
            }
            // The user's sentence is made here, once, from the typed reasons.
            let error = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            tracing::warn!(
                job = self.id,
                input = %self.request.input.display(),
                outputs,
                causes = ?errors,
                "job failed: {error}"
            );
            self.emit(EventKind::JobFailed(JobFailed { error }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancelled_job_with(dir: &std::path::Path, owned: bool) {
        let (tx, _events) = crossbeam_channel::unbounded();
        let request = JobRequest {
            input: "clip.mp4".into(),
            presets: Vec::new(),
            out_dir: "out".into(),
        };
        let job = Job::new(1, request, Emitter::new(tx, None));
        if owned {
            job.set_dir(dir.to_path_buf());
        } else {
            job.use_dir(dir.to_path_buf());
        }
        job.cancel();
        job.end_stage();
    }

    #[test]
    fn a_failed_job_says_each_reason_once_where_its_end_is_made() {
        let (tx, events) = crossbeam_channel::unbounded();
        let request = JobRequest {
            input: "clip.mp4".into(),
            presets: Vec::new(),
            out_dir: "out".into(),
        };
        let job = Job::new(1, request, Emitter::new(tx, None));
        job.open_stages(1);
        let corrupt = || {
            StageError::from(crate::error::Error::Corrupt {
                path: "clip.mp4".into(),
                detail: "moov atom not found".into(),
            })
        };
        // The thumbnail and the transcode both find the source corrupt.
        job.record_source_error(corrupt());
        job.record_error(corrupt());
        job.record_error(StageError::rendition(
            "720p",
            crate::error::Error::EncoderMissing {
                encoder: "libx264".into(),
            },
        ));
        job.end_stage();
        job.end_stage();
        let last = events.try_iter().last().map(|e| e.kind);
        assert_eq!(
            last,
            Some(EventKind::JobFailed(JobFailed {
                error: "clip.mp4: file is truncated or corrupt (moov atom not found); \
                        rendition 720p failed: the libx264 encoder is not available in this FFmpeg build"
                    .into()
            }))
        );
    }

    #[test]
    fn a_cancelled_job_removes_only_a_folder_it_reserved_itself() {
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::write(shared.join("thumbnail.jpg"), b"another stage's").unwrap();
        cancelled_job_with(&shared, false);
        assert!(shared.join("thumbnail.jpg").exists());
        cancelled_job_with(&shared, true);
        assert!(!shared.exists());
    }
}
