//! One remembered job: what was asked (input, presets, output folder), how
//! far it got (state, outputs, error) and what the source looked like when
//! it was queued, so a changed or vanished source can be told apart.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::output::job_dir_from;
use crate::pipeline::{EventKind, JobFailed, JobRequest, Output, Storyboard, Thumbnail};
use crate::presets::Preset;
pub use crate::sources::SourceStamp;

/// A job's id in the store; stable across restarts (engine ids are not).
pub type StoreId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    /// Whether the job has ended (it will not run again unless retried).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// Everything the store keeps about one job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: StoreId,
    #[serde(with = "crate::path_json")]
    pub input: PathBuf,
    /// The names the user picked, for display.
    pub preset_names: Vec<String>,
    /// The presets as resolved when queued, so a re-run makes the same
    /// outputs even if a user preset was edited or deleted since.
    pub presets: Vec<Preset>,
    #[serde(with = "crate::path_json")]
    pub out_dir: PathBuf,
    pub state: JobState,
    /// The folder this job's current attempt wrote into, once known.
    #[serde(default, with = "crate::path_json::option")]
    pub job_dir: Option<PathBuf>,
    /// The thumbnail, as its `thumbnail_ready` event described it.
    #[serde(default)]
    pub thumbnail: Option<Thumbnail>,
    /// Renditions written by the current attempt, as their
    /// `rendition_done` events described them.
    #[serde(default)]
    pub outputs: Vec<Output>,
    /// The storyboard, as its `storyboard_ready` event described it; not
    /// written when there is none, so older records stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storyboard: Option<Storyboard>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub source: Option<SourceStamp>,
    /// How many times the job was started (restarts and retries count).
    #[serde(default)]
    pub attempts: u32,
}

impl JobRecord {
    /// The request to give the engine for this job.
    pub fn request(&self) -> JobRequest {
        JobRequest {
            input: self.input.clone(),
            presets: self.presets.clone(),
            out_dir: self.out_dir.clone(),
        }
    }

    /// Every file this job's current attempt created (thumbnail first).
    pub fn created_files(&self) -> Vec<PathBuf> {
        let thumbnail = self.thumbnail.iter().map(|t| t.path.clone());
        thumbnail
            .chain(self.outputs.iter().flat_map(Output::files))
            .chain(self.storyboard.iter().flat_map(Storyboard::files))
            .collect()
    }

    /// Forgets the current attempt's results before a new one starts.
    pub fn reset_attempt(&mut self) {
        self.state = JobState::Queued;
        self.job_dir = None;
        self.thumbnail = None;
        self.outputs.clear();
        self.storyboard = None;
        self.error = None;
    }

    /// Folds one engine event into the record. Returns whether anything
    /// worth saving changed (progress is not).
    pub fn apply(&mut self, kind: &EventKind) -> bool {
        match kind {
            EventKind::StageStarted { .. } if self.state == JobState::Queued => {
                self.state = JobState::Running;
                true
            }
            EventKind::ThumbnailReady(thumbnail) => {
                self.job_dir = job_dir_from([thumbnail.path.as_path()]);
                self.thumbnail = Some(thumbnail.clone());
                true
            }
            EventKind::RenditionDone(output) => {
                self.job_dir = job_dir_from([output.path.as_path()]);
                self.outputs.push(output.clone());
                true
            }
            EventKind::StoryboardReady(storyboard) => {
                self.job_dir = job_dir_from([storyboard.path.as_path()]);
                self.storyboard = Some(storyboard.clone());
                true
            }
            EventKind::JobDone { .. } => {
                self.state = JobState::Done;
                true
            }
            EventKind::JobFailed(JobFailed { error }) => {
                self.state = JobState::Failed;
                self.error = Some(error.clone());
                // A failed source takes its outputs with it: keep only what is there.
                self.thumbnail = self.thumbnail.take().filter(|t| t.path.exists());
                self.outputs.retain(|o| o.path.exists());
                self.storyboard = self.storyboard.take().filter(|s| s.path.exists());
                true
            }
            EventKind::Cancelled => {
                self.state = JobState::Cancelled;
                self.thumbnail = None;
                self.outputs.clear();
                self.storyboard = None;
                true
            }
            _ => false,
        }
    }
}
