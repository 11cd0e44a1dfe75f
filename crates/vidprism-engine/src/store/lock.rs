//! One process at a time owns the job store. The window and
//! `vidprism process --store` both append to its journal and rewrite its
//! snapshot, so a second one would silently undo the first one's changes;
//! instead it is told the store is in use. The lock is the operating system's (flock on
//! Unix), so it goes away with the process, even one that crashed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::file_store::StoreError;

/// Held for as long as the store is open.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// `<store>.lock`, beside the store.
fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    store.with_file_name(name)
}

impl StoreLock {
    /// Takes the store's lock, or says who has it.
    pub fn acquire(store: &Path) -> Result<StoreLock, StoreError> {
        let path = lock_path(store);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Write {
                path: dir.to_path_buf(),
                reason: e.into(),
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Write {
                path: path.clone(),
                reason: e.into(),
            })?;
        match file.try_lock() {
            Ok(()) => Ok(StoreLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::InUse {
                path: store.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(StoreError::Write {
                path,
                reason: e.into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("jobs.json");
        let first = StoreLock::acquire(&store).unwrap();
        let second = StoreLock::acquire(&store).unwrap_err();
        assert!(
            second.to_string().contains("in use by another VidPrism"),
            "{second}"
        );
        drop(first);
        StoreLock::acquire(&store).unwrap();
        assert!(dir.path().join("jobs.json.lock").exists());
    }
}
