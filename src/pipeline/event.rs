//! The events every stage reports: the `--json` lines of the command line,
//! and what the window turns into pixels.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::media::Hdr;

pub type JobId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Probe,
    Thumbnail,
    Transcode,
}

/// One event: which job, when, and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub job: JobId,
    pub t_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    Queued {
        input: PathBuf,
    },
    Probed {
        width: u32,
        height: u32,
        duration_s: Option<f64>,
        fps: f64,
        video_codec: String,
        audio_codec: Option<String>,
        /// Only for an HDR source, so SDR sources' events stay as they were.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hdr: Option<Hdr>,
    },
    StageStarted {
        stage: Stage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rendition: Option<String>,
    },
    Progress {
        stage: Stage,
        rendition: String,
        fraction: f64,
        fps: f64,
        eta_s: Option<f64>,
    },
    ThumbnailReady {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    RenditionDone {
        rendition: String,
        path: PathBuf,
        width: u32,
        height: u32,
        bytes: u64,
    },
    RenditionSkipped {
        rendition: String,
        reason: String,
    },
    RenditionFailed {
        rendition: String,
        error: String,
    },
    JobDone {
        outputs: usize,
    },
    JobFailed {
        error: String,
    },
    Cancelled,
}

impl EventKind {
    /// The file an output event (thumbnail or rendition) announces.
    pub fn output_path(&self) -> Option<&Path> {
        match self {
            EventKind::ThumbnailReady { path, .. } | EventKind::RenditionDone { path, .. } => {
                Some(path)
            }
            _ => None,
        }
    }

    /// The same output event about the file at `to` (its size `bytes`,
    /// when known): what a farm does as an output moves between machines.
    pub fn moved_output(mut self, to: PathBuf, bytes: Option<u64>) -> EventKind {
        match &mut self {
            EventKind::ThumbnailReady { path, .. } => *path = to,
            EventKind::RenditionDone {
                path, bytes: size, ..
            } => {
                *path = to;
                if let Some(bytes) = bytes {
                    *size = bytes;
                }
            }
            _ => {}
        }
        self
    }

    /// Whether this event ends its job.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            EventKind::JobDone { .. } | EventKind::JobFailed { .. } | EventKind::Cancelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_have_the_designed_shape() {
        let e = Event {
            job: 3,
            t_ms: 12,
            kind: EventKind::StageStarted {
                stage: Stage::Transcode,
                rendition: Some("720p".into()),
            },
        };
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"], "stage_started");
        assert_eq!(v["job"], 3);
        assert_eq!(v["t_ms"], 12);
        assert_eq!(v["stage"], "transcode");
        assert_eq!(v["rendition"], "720p");
        let cancelled = serde_json::to_value(Event {
            job: 1,
            t_ms: 0,
            kind: EventKind::Cancelled,
        })
        .unwrap();
        assert_eq!(cancelled["event"], "cancelled");
    }

    #[test]
    fn a_moved_output_points_at_its_new_file_and_size() {
        let done = EventKind::RenditionDone {
            rendition: "720p".into(),
            path: "720p.mp4".into(),
            width: 1280,
            height: 720,
            bytes: 1,
        };
        assert_eq!(done.output_path(), Some(Path::new("720p.mp4")));
        let moved = done.clone().moved_output("/out/720p.mp4".into(), Some(99));
        assert_eq!(moved.output_path(), Some(Path::new("/out/720p.mp4")));
        assert!(matches!(moved, EventKind::RenditionDone { bytes: 99, .. }));
        let kept = done.moved_output("x".into(), None);
        assert!(matches!(kept, EventKind::RenditionDone { bytes: 1, .. }));
        assert_eq!(EventKind::Cancelled.output_path(), None);
    }
}
