//! The store's files on disk: the errors of reading and writing them, a
//! crash-safe whole-file write (temporary file in the same folder, fsync,
//! rename, fsync of the folder) for the snapshot, and setting a file aside
//! rather than deleting it when it cannot be read.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Cause;

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot write the job store: {reason}")]
    Write {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: cannot read the job store: {reason}")]
    Read {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: the job store is unreadable and could not be set aside: {reason}")]
    SetAside {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: the job store is in use by another VidPrism (the window or `vidprism process --store`)")]
    InUse { path: PathBuf },
    #[error("{input}: its job has started or ended, so its presets can no longer change")]
    NotWaiting { input: PathBuf },
    #[error("{path}: the job store was written by a later version of VidPrism (store format {found}; this one reads up to {supported}); it is left as it is: use that version, or move the file away to start a new queue")]
    LaterVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
}

impl StoreError {
    pub(super) fn write(path: &Path, e: std::io::Error) -> StoreError {
        StoreError::Write {
            path: path.to_path_buf(),
            reason: e.into(),
        }
    }

    pub(super) fn read(path: &Path, e: std::io::Error) -> StoreError {
        StoreError::Read {
            path: path.to_path_buf(),
            reason: e.into(),
        }
    }
}

/// The contents of `path`; `None` when there is no such file.
pub fn read_if_any(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::read(path, e)),
    }
}

/// Renames `path` to a free `<name>.broken-<n>` next to it.
pub fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
    aside_as(path, |from, to| std::fs::rename(from, to))
}

/// Copies `path` to a free `<name>.broken-<n>` next to it (the original
/// stays until it is rewritten).
pub fn copy_aside(path: &Path) -> Result<PathBuf, StoreError> {
    aside_as(path, |from, to| std::fs::copy(from, to).map(drop))
}

fn aside_as(
    path: &Path,
    put: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<PathBuf, StoreError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jobs.json".to_owned());
    for n in 1..10_000 {
        let aside = path.with_file_name(format!("{name}.broken-{n}"));
        if aside.exists() {
            continue;
        }
        return put(path, &aside)
            .map(|()| aside)
            .map_err(|e| StoreError::SetAside {
                path: path.to_path_buf(),
                reason: e.into(),
            });
    }
    Err(StoreError::SetAside {
        path: path.to_path_buf(),
        reason: "too many set-aside copies already".into(),
    })
}

/// Makes a rename or a new file in `dir` durable; not every platform can
/// open a folder, so failing to is not an error.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` so that a crash at any moment leaves either the
/// old file or the new one, never a mix, and the new one is on disk when
/// this returns.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| StoreError::write(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jobs.json".to_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|e| StoreError::write(path, e))
}
