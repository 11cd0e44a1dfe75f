//! What can go wrong between VidPrism and a farm, each a sentence a user
//! can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FarmError {
    #[error("cannot connect to the farm at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("the farm's broker failed to {action}: {reason}")]
    Broker { action: String, reason: String },
    #[error("{}: cannot {action} through the farm: {reason}", file.display())]
    Transfer {
        file: PathBuf,
        action: &'static str,
        reason: String,
    },
    #[error("a farm message VidPrism cannot read ({reason}); is every machine running the same VidPrism version?")]
    BadMessage { reason: String },
    #[error("refused a farm message: {reason}")]
    Refused { reason: String },
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
}

impl FarmError {
    pub(crate) fn broker(action: impl Into<String>, reason: impl std::fmt::Display) -> FarmError {
        FarmError::Broker {
            action: action.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, e: std::io::Error) -> FarmError {
        FarmError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }
}
