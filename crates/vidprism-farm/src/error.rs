//! What can go wrong between VidPrism and a farm, each a sentence a user
//! can act on, with its cause kept (`source()`) for a report.

use std::path::PathBuf;

pub use super::wire_check::Refusal;

/// The error beneath a farm error: the client's, the file system's, or a
/// plain sentence.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum FarmError {
    #[error("cannot connect to the farm at {url}: {reason}")]
    Connect {
        url: String,
        #[source]
        reason: Cause,
    },
    #[error("the farm's broker failed to {action}: {reason}")]
    Broker {
        action: String,
        #[source]
        reason: Cause,
    },
    #[error("{}: cannot {action} through the farm: {reason}", file.display())]
    Transfer {
        file: PathBuf,
        action: &'static str,
        #[source]
        reason: Cause,
    },
    /// The reason is the parser's, made printable: it quotes the message.
    #[error("a farm message VidPrism cannot read ({reason}); is every machine running the same VidPrism version?")]
    BadMessage { reason: String },
    #[error("refused a farm message: {0}")]
    Refused(#[from] Refusal),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: is not a folder, so it cannot be a shared root", path.display())]
    NotAFolder { path: PathBuf },
}

impl FarmError {
    pub(crate) fn broker(action: impl Into<String>, reason: impl Into<Cause>) -> FarmError {
        FarmError::Broker {
            action: action.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> FarmError {
        FarmError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_sentences_stay_and_the_causes_are_kept() {
        let full = std::io::Error::from_raw_os_error(28);
        let said = full.to_string();
        let e = FarmError::io(std::path::Path::new("/scratch/x"), full);
        assert_eq!(e.to_string(), format!("/scratch/x: {said}"));
        let cause = e.source().expect("the io::Error");
        assert_eq!(
            cause
                .downcast_ref::<std::io::Error>()
                .and_then(|e| e.raw_os_error()),
            Some(28)
        );
        let e = FarmError::from(Refusal::Digest);
        assert_eq!(
            e.to_string(),
            "refused a farm message: its digest is not a SHA-256 digest"
        );
        assert!(e.source().is_some_and(|c| c.is::<Refusal>()));
        let e = FarmError::broker("send news", "it ended");
        assert_eq!(
            e.to_string(),
            "the farm's broker failed to send news: it ended"
        );
    }
}
