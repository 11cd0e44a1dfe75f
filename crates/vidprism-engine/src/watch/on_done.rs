//! What becomes of a watched source once every output of its job is whole
//! (`--on-done keep|move:DIR|delete`). Never called for a job that failed.
//! A move never overwrites: a name taken in the target folder gets a
//! number, `clip (1).mp4`, and the file is linked there (refused if the
//! name exists, so no race replaces a file) before the source is removed.

use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnDone {
    Keep,
    Move(PathBuf),
    Delete,
}

#[derive(Debug, thiserror::Error)]
pub enum OnDoneError {
    #[error("cannot move {from} to {to}: {source}")]
    Move {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot delete {path}: {source}")]
    Delete {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FromStr for OnDone {
    type Err = String;

    fn from_str(text: &str) -> Result<OnDone, String> {
        match text {
            "keep" => Ok(OnDone::Keep),
            "delete" => Ok(OnDone::Delete),
            _ => match text.strip_prefix("move:") {
                Some(dir) if !dir.is_empty() => Ok(OnDone::Move(PathBuf::from(dir))),
                _ => Err(format!(
                    "`{text}` is not keep, delete or move:DIR (a folder after move:)"
                )),
            },
        }
    }
}

/// Tries of numbered names before a move gives up.
const MAX_NUMBERED: u32 = 10_000;

impl OnDone {
    /// Does it to `source`; where the file went, for a move.
    pub fn apply(&self, source: &Path) -> Result<Option<PathBuf>, OnDoneError> {
        match self {
            OnDone::Keep => Ok(None),
            OnDone::Delete => {
                std::fs::remove_file(source)
                    .map(|()| None)
                    .map_err(|e| OnDoneError::Delete {
                        path: source.to_path_buf(),
                        source: e,
                    })
            }
            OnDone::Move(dir) => move_without_overwriting(source, dir).map(Some),
        }
    }
}

fn move_without_overwriting(source: &Path, dir: &Path) -> Result<PathBuf, OnDoneError> {
    let fail = |to: &Path, e| OnDoneError::Move {
        from: source.to_path_buf(),
        to: to.to_path_buf(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let name = source
        .file_name()
        .map(Path::new)
        .unwrap_or(Path::new("source"));
    let stem = name.file_stem().unwrap_or(name.as_os_str()).to_os_string();
    let extension = name.extension().map(|e| e.to_os_string());
    for n in 0..MAX_NUMBERED {
        let mut candidate = stem.clone();
        if n > 0 {
            candidate.push(format!(" ({n})"));
        }
        if let Some(ext) = &extension {
            candidate.push(".");
            candidate.push(ext);
        }
        let target = dir.join(candidate);
        match place(source, &target) {
            Ok(()) => {
                std::fs::remove_file(source).map_err(|e| fail(&target, e))?;
                return Ok(target);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(&target, e)),
        }
    }
    Err(fail(
        dir,
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free name left"),
    ))
}

/// Makes `target` hold `source`'s bytes, refusing if `target` exists: a
/// hard link on the same disk, else a copy into a new file.
fn place(source: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(source, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            let mut from = std::fs::File::open(source)?;
            let mut to = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(target)?;
            let copied = std::io::copy(&mut from, &mut to).and_then(|_| to.sync_all());
            if let Err(e) = copied {
                let _ = std::fs::remove_file(target);
                return Err(e);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choices_parse() {
        assert_eq!("keep".parse(), Ok(OnDone::Keep));
        assert_eq!("delete".parse(), Ok(OnDone::Delete));
        assert_eq!("move:/done".parse(), Ok(OnDone::Move("/done".into())));
        assert!("move:".parse::<OnDone>().is_err());
        assert!("remove".parse::<OnDone>().is_err());
    }

    #[test]
    fn a_move_never_overwrites() {
        let temp = tempfile::tempdir().unwrap();
        let done = temp.path().join("done");
        std::fs::create_dir(&done).unwrap();
        std::fs::write(done.join("clip.mp4"), b"older").unwrap();
        std::fs::write(done.join("clip (1).mp4"), b"older 1").unwrap();
        let source = temp.path().join("clip.mp4");
        std::fs::write(&source, b"new").unwrap();
        let to = OnDone::Move(done.clone()).apply(&source).unwrap();
        assert_eq!(to, Some(done.join("clip (2).mp4")));
        assert_eq!(std::fs::read(done.join("clip (2).mp4")).unwrap(), b"new");
        assert_eq!(std::fs::read(done.join("clip.mp4")).unwrap(), b"older");
        assert!(!source.exists());
    }

    #[test]
    fn delete_removes_and_keep_leaves_the_source() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("clip.mp4");
        std::fs::write(&source, b"x").unwrap();
        assert_eq!(OnDone::Keep.apply(&source).unwrap(), None);
        assert!(source.exists());
        OnDone::Delete.apply(&source).unwrap();
        assert!(!source.exists());
        assert!(OnDone::Delete.apply(&source).is_err());
    }
}
