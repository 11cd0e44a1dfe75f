//! Why a stage failed, kept typed from where it happened up to the job's
//! end: the engine's own [`Error`] (with its cause) stays inside, and the
//! sentence the user reads (a `job_failed` or `rendition_failed` text) is
//! made from it once, where the event is made.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// A failure that does not come from this process's stage functions: a
/// farm's transfer or broker, or a stage a farm worker ran (its reason as
/// the worker worded it).
pub type RemoteError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The source or an output could not be made; the error says which.
    #[error(transparent)]
    Media(#[from] Error),
    /// One rendition failed; the others may still be made.
    #[error("rendition {rendition} failed: {source}")]
    Rendition {
        rendition: String,
        #[source]
        source: RemoteError,
    },
    /// The stall watch stopped a transcode that made no progress.
    #[error("{}: stalled: no progress for {}, so it was stopped", input.display(), describe(*waited))]
    Stalled { input: PathBuf, waited: Duration },
    /// A stage panicked; the worker caught it and went on.
    #[error("internal error (please report it): {message}")]
    Panicked { message: String },
    #[error("internal error: job ingested twice")]
    IngestedTwice,
    #[error("VidPrism is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Remote(RemoteError),
}

impl StageError {
    /// One rendition failed because of `source`.
    pub fn rendition(rendition: &str, source: impl Into<RemoteError>) -> StageError {
        StageError::Rendition {
            rendition: rendition.to_owned(),
            source: source.into(),
        }
    }

    /// A failure met outside this process's stage functions.
    pub fn remote(source: impl Into<RemoteError>) -> StageError {
        StageError::Remote(source.into())
    }
}

/// "120 s", or "250 ms" under a second.
fn describe(timeout: std::time::Duration) -> String {
    if timeout >= std::time::Duration::from_secs(1) {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_failed_rendition_reads_as_before_and_keeps_the_engine_error_as_its_cause() {
        let error = StageError::rendition(
            "720p",
            Error::Write {
                path: "out/720p.mp4".into(),
                reason: "no space left on device".into(),
            },
        );
        assert_eq!(
            error.to_string(),
            "rendition 720p failed: out/720p.mp4: cannot write output: no space left on device"
        );
        let cause = error.source().and_then(|s| s.downcast_ref::<Error>());
        assert!(matches!(cause, Some(Error::Write { .. })), "{cause:?}");
    }

    #[test]
    fn an_engine_error_reads_as_itself_and_keeps_its_own_cause() {
        let error = StageError::from(Error::Ffmpeg {
            what: "opening the decoder".into(),
            source: ffmpeg_next::Error::InvalidData,
        });
        assert!(
            error
                .to_string()
                .starts_with("opening the decoder failed: "),
            "{error}"
        );
        let cause = error
            .source()
            .and_then(|s| s.downcast_ref::<ffmpeg_next::Error>());
        assert_eq!(cause, Some(&ffmpeg_next::Error::InvalidData));
    }

    #[test]
    fn a_stall_names_the_source_and_the_time_waited() {
        let error = StageError::Stalled {
            input: "clip.mp4".into(),
            waited: Duration::from_millis(250),
        };
        assert_eq!(
            error.to_string(),
            "clip.mp4: stalled: no progress for 250 ms, so it was stopped"
        );
    }
}
