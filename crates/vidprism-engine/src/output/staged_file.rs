//! Files written under a temporary name in their final folder and renamed
//! when complete, so a crash or a cancel never leaves a half-written file at
//! a final name.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

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

/// Random temporary names tried when `.<name>.vidprism-part` is taken.
const RANDOM_NAME_TRIES: usize = 16;

impl StagedFile {
    /// Makes the temporary file at once, new and never through a link
    /// (`O_CREAT|O_EXCL|O_NOFOLLOW`): whatever is already at its name (a
    /// leftover, or a link planted to a user's file) is left alone and
    /// another, unguessable name is taken, so writing to
    /// [`temp_path`](Self::temp_path) reaches only a file made here. A
    /// folder where nothing can be made is left for the writer to report.
    pub fn new(target: PathBuf) -> StagedFile {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut temp = target.with_file_name(format!(".{name}{TEMP_MARKER}"));
        for _ in 0..RANDOM_NAME_TRIES {
            match create_new_no_follow(&temp) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let random = std::hash::BuildHasher::hash_one(
                        &std::collections::hash_map::RandomState::new(),
                        &temp,
                    );
                    temp = target.with_file_name(format!(".{name}.{random:016x}{TEMP_MARKER}"));
                }
                _ => break,
            }
        }
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
            reason: e.into(),
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

/// Makes a new empty file at `path`; fails if anything is there, a link
/// included.
fn create_new_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    no_follow(&mut options);
    options.open(path)
}

/// Opens `path` for writing, made if missing and emptied if there, but
/// never through a symbolic link at its last component.
pub fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    no_follow(&mut options);
    options.open(path)
}

#[cfg(unix)]
fn no_follow(options: &mut std::fs::OpenOptions) {
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
}

/// Elsewhere `create_new` alone refuses an existing link.
#[cfg(not(unix))]
fn no_follow(_options: &mut std::fs::OpenOptions) {}

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

    /// Issue 26: a link planted at the temporary name, to a user's file,
    /// used to be followed by the writer (truncating the user's file).
    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let user_file = dir.path().join("keep.txt");
        std::fs::write(&user_file, b"the user's file").unwrap();
        let target = dir.path().join("720p.mp4");
        let planted = dir.path().join(format!(".720p.mp4{TEMP_MARKER}"));
        std::os::unix::fs::symlink(&user_file, &planted).unwrap();
        let staged = StagedFile::new(target.clone());
        assert_ne!(staged.temp_path(), planted);
        assert!(staged.temp_path().to_string_lossy().ends_with(TEMP_MARKER));
        // The engine's writers open the path they are given.
        std::fs::write(staged.temp_path(), b"video").unwrap();
        assert_eq!(staged.commit().unwrap(), 5);
        assert_eq!(std::fs::read(&user_file).unwrap(), b"the user's file");
        assert_eq!(std::fs::read(&target).unwrap(), b"video");
        assert!(planted.symlink_metadata().unwrap().is_symlink());
        assert!(open_no_follow(&planted).is_err());
        assert_eq!(std::fs::read(&user_file).unwrap(), b"the user's file");
    }

    #[test]
    fn the_temporary_file_is_made_at_once_and_goes_with_a_drop() {
        let dir = tempfile::tempdir().unwrap();
        let staged = StagedFile::new(dir.path().join("a.mp4"));
        assert!(staged.temp_path().symlink_metadata().unwrap().is_file());
        let second = StagedFile::new(dir.path().join("a.mp4"));
        assert_ne!(second.temp_path(), staged.temp_path());
        drop((staged, second));
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
