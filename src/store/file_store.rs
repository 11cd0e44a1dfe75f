//! The store's file: one JSON document, written crash-safely (temporary file
//! in the same folder, fsync, rename, fsync of the folder), and set aside
//! rather than deleted when it cannot be read.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::JobRecord;
use crate::error::io_reason;

/// The store format this build reads and writes.
pub const STORE_VERSION: u32 = 1;

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot write the job store: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{path}: cannot read the job store: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: the job store is unreadable and could not be set aside: {reason}")]
    SetAside { path: PathBuf, reason: String },
    #[error("{path}: the job store is in use by another VidPrism (the window or `vidprism process --store`)")]
    InUse { path: PathBuf },
}

/// The document on disk.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreFile {
    pub version: u32,
    pub next_id: u64,
    pub jobs: Vec<JobRecord>,
}

/// Reads the store at `path`. A missing file is an empty store. A file
/// that is corrupt or of another version is renamed aside and an empty
/// store returned with a warning that says where it went.
pub fn load(path: &Path) -> Result<(StoreFile, Option<String>), StoreError> {
    let empty = StoreFile {
        version: STORE_VERSION,
        next_id: 1,
        jobs: Vec::new(),
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((empty, None)),
        Err(e) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                reason: io_reason(&e),
            })
        }
    };
    let problem = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Err(e) => format!("it is corrupt ({e})"),
        Ok(value) => match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(STORE_VERSION) => {
                match serde_json::from_value::<StoreFile>(value) {
                    Ok(mut file) => {
                        let highest = file.jobs.iter().map(|j| j.id).max().unwrap_or(0);
                        file.next_id = file.next_id.max(highest + 1);
                        return Ok((file, None));
                    }
                    Err(e) => format!("it is corrupt ({e})"),
                }
            }
            Some(v) => format!("it is from another version of VidPrism (format {v})"),
            None => "it has no format version".to_owned(),
        },
    };
    let aside = set_aside(path)?;
    let warning = format!(
        "The job queue could not be restored: {} {problem}. It was set aside as {} and the queue starts empty.",
        path.display(),
        aside.display()
    );
    Ok((empty, Some(warning)))
}

/// Renames `path` to a free `<name>.broken-<n>` next to it.
fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jobs.json".to_owned());
    for n in 1..10_000 {
        let aside = path.with_file_name(format!("{name}.broken-{n}"));
        if aside.exists() {
            continue;
        }
        return std::fs::rename(path, &aside)
            .map(|()| aside)
            .map_err(|e| StoreError::SetAside {
                path: path.to_path_buf(),
                reason: io_reason(&e),
            });
    }
    Err(StoreError::SetAside {
        path: path.to_path_buf(),
        reason: "too many set-aside copies already".to_owned(),
    })
}

/// Writes `file` to `path` so that a crash at any moment leaves either the
/// old store or the new one, never a mix.
pub fn save(path: &Path, file: &StoreFile) -> Result<(), StoreError> {
    let fail = |e: std::io::Error| StoreError::Write {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let json = serde_json::to_vec_pretty(file).map_err(|e| StoreError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jobs.json".to_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)?;
        // Makes the rename itself durable; not every platform can open a folder.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(fail)
}
