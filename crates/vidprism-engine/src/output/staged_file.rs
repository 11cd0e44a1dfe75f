//! Files written under a temporary name in their final folder and renamed
//! when complete, so a crash or a cancel never leaves a half-written file at
//! a final name.

use std::path::{Path, PathBuf};

use crate::error::{io_reason, Error, Result};

/// Part of every temporary file name, so leftovers can be recognised.
pub const TEMP_MARKER: &str = ".vidprism-part";

/// An output being written. Dropping it without [`commit`](Self::commit)
/// removes the temporary file.
#[derive(Debug)]
pub struct StagedFile {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedFile {
    pub fn new(target: PathBuf) -> StagedFile {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = target.with_file_name(format!(".{name}{TEMP_MARKER}"));
        StagedFile {
            temp,
            target,
            committed: false,
        }
    }

    /// Where to write.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished file to its final name, never replacing a file
    /// that is already there. Returns the final size in bytes.
    pub fn commit(mut self) -> Result<u64> {
        let fail = |e: std::io::Error| Error::Write {
            path: self.target.clone(),
            reason: io_reason(&e),
        };
        // A hard link fails if the target exists, unlike rename; fall back to
        // a checked rename on file systems without links.
        match std::fs::hard_link(&self.temp, &self.target) {
            Ok(()) => {
                let _ = std::fs::remove_file(&self.temp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(fail(e)),
            Err(_) => {
                if self.target.exists() {
                    return Err(fail(std::io::ErrorKind::AlreadyExists.into()));
                }
                std::fs::rename(&self.temp, &self.target).map_err(fail)?;
            }
        }
        self.committed = true;
        std::fs::metadata(&self.target)
            .map(|m| m.len())
            .map_err(fail)
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Removes the temporary files a crash left in `dir` (not its subfolders).
pub fn remove_temp_files_in(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().ends_with(TEMP_MARKER) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let staged = StagedFile::new(dir.path().join("720p.mp4"));
        std::fs::write(staged.temp_path(), b"partial").unwrap();
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn commit_never_overwrites_a_user_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("720p.mp4");
        std::fs::write(&target, b"user data").unwrap();
        let staged = StagedFile::new(target.clone());
        std::fs::write(staged.temp_path(), b"new").unwrap();
        assert!(staged.commit().is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"user data");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
