//! Errors reading, writing and checking preset files; each names the file.

use std::path::PathBuf;

use super::validate::Problem;
use crate::error::Cause;

#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("{path}: cannot read the preset file: {reason}")]
    Read {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: cannot write the preset file: {reason}")]
    Write {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: is not a valid preset: {}", list(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("{path}: no user preset is stored under this name")]
    NotFound { path: PathBuf },
    #[error("unknown preset {name:?}; `vidprism presets` lists them")]
    Unknown { name: String },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
