//! What becomes of a watched source once every output of its job is whole
//! (`--on-done keep|move:DIR|delete`). Never called for a job that failed.
//! It acts only on the file that was queued: the file at the path now must
//! have the same device, inode, size and modification time ([`Identity`]),
//! and be no link; otherwise it is left alone and the caller says why.
//! A move never overwrites: a name taken in the target folder gets a
//! number, `clip (1).mp4`, and the file is linked there (refused if the
//! name exists, so no race replaces a file) before the source is removed.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::sources::{FileId, SourceStamp};

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

/// What a source was when it was queued: on-done acts only on that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub file: FileId,
    pub stamp: SourceStamp,
}

impl Identity {
    pub fn of(metadata: &std::fs::Metadata) -> Identity {
        Identity {
            file: FileId::of(metadata),
            stamp: SourceStamp::of_metadata(metadata),
        }
    }

    /// Why the file at `path` now is not this one, if it is not (a link
    /// is never it: on-done never acts on a link's target).
    pub fn differs_at(&self, path: &Path) -> Option<String> {
        match std::fs::symlink_metadata(path) {
            Err(e) => Some(format!("it cannot be read now ({e})")),
            Ok(m) if m.file_type().is_symlink() => Some("it is now a link".to_owned()),
            Ok(m) if !m.is_file() => Some("it is no longer a file".to_owned()),
            Ok(m) => {
                let now = Identity::of(&m);
                if now.file != self.file {
                    Some("another file was put at its path since it was queued".to_owned())
                } else if now != *self {
                    Some("it was written to since it was queued".to_owned())
                } else {
                    None
                }
            }
        }
    }
}

/// What [`OnDone::apply`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Kept,
    Deleted,
    Moved(PathBuf),
    /// Not the file that was queued: nothing done, for this reason.
    LeftAlone(String),
}

/// An `--on-done` value that is none of the three.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not keep, delete or move:DIR (a folder after move:)")]
pub struct NotAnOnDone(pub String);

impl FromStr for OnDone {
    type Err = NotAnOnDone;

    fn from_str(text: &str) -> Result<OnDone, NotAnOnDone> {
        match text {
            "keep" => Ok(OnDone::Keep),
            "delete" => Ok(OnDone::Delete),
            _ => match text.strip_prefix("move:") {
                Some(dir) if !dir.is_empty() => Ok(OnDone::Move(PathBuf::from(dir))),
                _ => Err(NotAnOnDone(text.to_owned())),
            },
        }
    }
}

/// Tries of numbered names before a move gives up.
const MAX_NUMBERED: u32 = 10_000;

impl OnDone {
    /// Does it to `source` if it is still the file `queued` describes.
    pub fn apply(&self, source: &Path, queued: &Identity) -> Result<Applied, OnDoneError> {
        if *self == OnDone::Keep {
            return Ok(Applied::Kept);
        }
        if let Some(why) = queued.differs_at(source) {
            return Ok(Applied::LeftAlone(why));
        }
        match self {
            OnDone::Keep => Ok(Applied::Kept),
            OnDone::Delete => std::fs::remove_file(source)
                .map(|()| Applied::Deleted)
                .map_err(|e| OnDoneError::Delete {
                    path: source.to_path_buf(),
                    source: e,
                }),
            OnDone::Move(dir) => move_without_overwriting(source, dir, queued),
        }
    }
}

fn move_without_overwriting(
    source: &Path,
    dir: &Path,
    queued: &Identity,
) -> Result<Applied, OnDoneError> {
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
                // Replaced between the look and the link: the copy goes,
                // the source stays.
                if let Some(why) = queued.differs_at(source) {
                    let _ = std::fs::remove_file(&target);
                    return Ok(Applied::LeftAlone(why));
                }
                std::fs::remove_file(source).map_err(|e| fail(&target, e))?;
                return Ok(Applied::Moved(target));
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
        let to = OnDone::Move(done.clone())
            .apply(&source, &identity(&source))
            .unwrap();
        assert_eq!(to, Applied::Moved(done.join("clip (2).mp4")));
        assert_eq!(std::fs::read(done.join("clip (2).mp4")).unwrap(), b"new");
        assert_eq!(std::fs::read(done.join("clip.mp4")).unwrap(), b"older");
        assert!(!source.exists());
    }

    #[test]
    fn delete_removes_and_keep_leaves_the_source() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("clip.mp4");
        std::fs::write(&source, b"x").unwrap();
        let queued = identity(&source);
        assert_eq!(OnDone::Keep.apply(&source, &queued).unwrap(), Applied::Kept);
        assert!(source.exists());
        assert_eq!(
            OnDone::Delete.apply(&source, &queued).unwrap(),
            Applied::Deleted
        );
        assert!(!source.exists());
        assert!(matches!(
            OnDone::Delete.apply(&source, &queued).unwrap(),
            Applied::LeftAlone(_)
        ));
    }

    fn identity(path: &Path) -> Identity {
        Identity::of(&std::fs::metadata(path).unwrap())
    }

    #[test]
    fn a_replaced_changed_or_linked_source_is_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("clip.mp4");
        std::fs::write(&source, b"queued").unwrap();
        let queued = identity(&source);
        // Another file renamed over it, of the same size.
        let other = temp.path().join("other.mp4");
        std::fs::write(&other, b"QUEUED").unwrap();
        std::fs::rename(&other, &source).unwrap();
        for action in [OnDone::Delete, OnDone::Move(temp.path().join("done"))] {
            let applied = action.apply(&source, &queued).unwrap();
            assert!(
                matches!(&applied, Applied::LeftAlone(why) if why.contains("another file")),
                "{applied:?}"
            );
            assert_eq!(std::fs::read(&source).unwrap(), b"QUEUED");
        }
        // Written to in place.
        let queued = identity(&source);
        std::fs::write(&source, b"longer now").unwrap();
        let applied = OnDone::Delete.apply(&source, &queued).unwrap();
        assert!(matches!(applied, Applied::LeftAlone(_)), "{applied:?}");
        // A link in its place, to a file that is the queued one.
        #[cfg(unix)]
        {
            let target = temp.path().join("target.mp4");
            std::fs::write(&target, b"outside").unwrap();
            let queued = identity(&target);
            let link = temp.path().join("link.mp4");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let applied = OnDone::Delete.apply(&link, &queued).unwrap();
            assert!(matches!(applied, Applied::LeftAlone(_)), "{applied:?}");
            assert!(target.exists() && link.exists());
        }
        assert!(!temp.path().join("done").join("clip.mp4").exists());
    }
}
