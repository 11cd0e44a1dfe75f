//! Where news of files comes from: the platform's file events through the
//! `notify` crate (inotify on Linux, FSEvents on macOS,
//! ReadDirectoryChangesW on Windows), turned into [`Hint`]s, and [`scan`],
//! the walk of the folders that a start, a lost event queue and `--poll`
//! (network mounts send no events) rely on. [`Folders`] notices a watched
//! folder removed or made again.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender};
use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::sources::{sources, FileId, Links, Skipped, WalkRule};

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {path}: {source}")]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot start watching folders: {0}")]
    Start(#[source] notify::Error),
}

/// What an event says about a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Created, or its metadata changed: look at it.
    Touched(PathBuf),
    /// Written to: not whole until closed.
    Written(PathBuf),
    /// Its writer closed it.
    Closed(PathBuf),
    /// Renamed into the folder (or a folder was: look inside).
    Arrived(PathBuf),
    /// Removed or renamed away.
    Gone(PathBuf),
    /// Events were lost: scan the folders again.
    Rescan,
}

/// The hints one `notify` event gives.
pub fn hints_of(event: &notify::Event) -> Vec<Hint> {
    if event.need_rescan() {
        return vec![Hint::Rescan];
    }
    let each = |hint: fn(PathBuf) -> Hint| event.paths.iter().cloned().map(hint).collect();
    match event.kind {
        EventKind::Create(CreateKind::Folder) => each(Hint::Arrived),
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Metadata(_)) => each(Hint::Touched),
        EventKind::Modify(ModifyKind::Data(_)) => each(Hint::Written),
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => each(Hint::Closed),
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => each(Hint::Arrived),
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => {
            each(Hint::Gone)
        }
        // Both old and new names: the `From` and `To` events say it already.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => Vec::new(),
        // A rename whose side the platform does not tell: look at each path.
        EventKind::Modify(ModifyKind::Name(_)) | EventKind::Modify(ModifyKind::Any) => {
            each(Hint::Touched)
        }
        EventKind::Modify(_) | EventKind::Any | EventKind::Other => each(Hint::Touched),
        EventKind::Access(_) => Vec::new(),
    }
}

/// The platform's watcher on some folders; its hints arrive on
/// [`Self::hints`] until it is dropped. Links are followed into the folders
/// they name only with [`Links::Follow`].
pub struct EventSource {
    watcher: notify::RecommendedWatcher,
    mode: RecursiveMode,
    hints: Receiver<Hint>,
}

impl EventSource {
    pub fn start(
        dirs: &[PathBuf],
        recursive: bool,
        links: Links,
    ) -> Result<EventSource, WatchError> {
        Self::start_waking(dirs, recursive, links, || {})
    }

    /// [`Self::start`], calling `wake` after each event's hints are sent
    /// (a window that sleeps between frames is woken by it).
    pub fn start_waking(
        dirs: &[PathBuf],
        recursive: bool,
        links: Links,
        wake: impl Fn() + Send + 'static,
    ) -> Result<EventSource, WatchError> {
        let (tx, hints): (Sender<Hint>, Receiver<Hint>) = crossbeam_channel::unbounded();
        let handler = move |result: notify::Result<notify::Event>| {
            let hints = match result {
                Ok(event) => hints_of(&event),
                Err(e) => {
                    tracing::warn!("watching folders: {e}; scanning again");
                    vec![Hint::Rescan]
                }
            };
            for hint in hints {
                // The loop has stopped: nothing left to tell.
                let _ = tx.send(hint);
            }
            wake();
        };
        let config = notify::Config::default().with_follow_symlinks(links == Links::Follow);
        let watcher =
            notify::RecommendedWatcher::new(handler, config).map_err(WatchError::Start)?;
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        let mut source = EventSource {
            watcher,
            mode,
            hints,
        };
        for dir in dirs {
            source.rewatch(dir)?;
        }
        Ok(source)
    }

    /// Watches `dir` (again: after it was removed and made anew, the
    /// platform's watch of the old one is gone).
    pub fn rewatch(&mut self, dir: &Path) -> Result<(), WatchError> {
        let _ = self.watcher.unwatch(dir);
        self.watcher
            .watch(dir, self.mode)
            .map_err(|source| WatchError::Watch {
                path: dir.to_path_buf(),
                source,
            })
    }

    pub fn hints(&self) -> &Receiver<Hint> {
        &self.hints
    }
}

/// What became of a watched folder itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderNews {
    /// Removed (or no longer a folder): nothing in it is watched.
    Gone(PathBuf),
    /// There again (made anew, or replaced by another folder): to be
    /// watched and scanned again.
    Back(PathBuf),
}

/// The watched folders themselves, by device and inode, so that one
/// removed is said at once and one made again is watched again.
pub struct Folders {
    dirs: Vec<(PathBuf, Option<FileId>)>,
}

impl Folders {
    pub fn new(dirs: &[PathBuf]) -> Folders {
        Folders {
            dirs: dirs.iter().map(|d| (d.clone(), folder_id(d))).collect(),
        }
    }

    /// What changed since the last look (a stat per folder).
    pub fn check(&mut self) -> Vec<FolderNews> {
        let mut news = Vec::new();
        for (dir, was) in &mut self.dirs {
            let now = folder_id(dir);
            if now == *was {
                continue;
            }
            if was.is_some() && now.is_none() {
                news.push(FolderNews::Gone(dir.clone()));
            }
            if now.is_some() {
                news.push(FolderNews::Back(dir.clone()));
            }
            *was = now;
        }
        news
    }
}

fn folder_id(dir: &Path) -> Option<FileId> {
    std::fs::metadata(dir)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| FileId::of(&m))
}

/// Every file in `dirs` (and their subfolders when `recursive`) that may
/// be a source ([`crate::sources`]: a video's extension, or none and the
/// content to be looked at once whole), each once; links followed only
/// with [`Links::Follow`]. Also what was skipped. Folders that cannot be
/// read are skipped with a warning in the log.
pub fn scan(dirs: &[PathBuf], recursive: bool, links: Links) -> (Vec<PathBuf>, Skipped) {
    let rule = WalkRule {
        recursive,
        links,
        content_later: true,
    };
    let (mut files, skipped) = sources(dirs, rule);
    files.sort();
    (files, skipped)
}

/// Whether `path` is directly in one of `dirs`, or anywhere below one when
/// `recursive`.
pub fn is_watched(path: &Path, dirs: &[PathBuf], recursive: bool) -> bool {
    dirs.iter().any(|dir| {
        if recursive {
            path.starts_with(dir) && path != dir
        } else {
            path.parent() == Some(dir.as_path())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{DataChange, RemoveKind};

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn events_become_hints() {
        let p = || PathBuf::from("/in/a.mp4");
        let cases = [
            (EventKind::Create(CreateKind::File), Hint::Touched(p())),
            (
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                Hint::Written(p()),
            ),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                Hint::Closed(p()),
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                Hint::Arrived(p()),
            ),
            (
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                Hint::Gone(p()),
            ),
            (EventKind::Remove(RemoveKind::File), Hint::Gone(p())),
        ];
        for (kind, hint) in cases {
            assert_eq!(hints_of(&event(kind, "/in/a.mp4")), vec![hint], "{kind:?}");
        }
        let opened = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert!(hints_of(&event(opened, "/in/a.mp4")).is_empty());
        let lost = notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(hints_of(&lost), vec![Hint::Rescan]);
    }

    #[test]
    fn a_scan_lists_files_not_ignored_and_enters_subfolders_only_when_recursive() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().to_path_buf();
        std::fs::write(root.join("a.mp4"), b"x").unwrap();
        std::fs::write(root.join("b.mp4.part"), b"x").unwrap();
        std::fs::write(root.join(".hidden.mp4"), b"x").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub").join("c.mp4"), b"x").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git").join("d.mp4"), b"x").unwrap();
        let dirs = [root.clone()];
        assert_eq!(scan(&dirs, false, Links::Stay).0, vec![root.join("a.mp4")]);
        assert_eq!(
            scan(&dirs, true, Links::Stay).0,
            vec![root.join("a.mp4"), root.join("sub").join("c.mp4")]
        );
    }

    #[test]
    fn only_paths_in_the_watched_folders_count() {
        let dirs = [PathBuf::from("/in")];
        assert!(is_watched(Path::new("/in/a.mp4"), &dirs, false));
        assert!(!is_watched(Path::new("/in/sub/a.mp4"), &dirs, false));
        assert!(is_watched(Path::new("/in/sub/a.mp4"), &dirs, true));
        assert!(!is_watched(Path::new("/in"), &dirs, true));
        assert!(!is_watched(Path::new("/other/a.mp4"), &dirs, true));
    }

    #[test]
    fn a_watched_folder_removed_and_made_again_is_news() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("in");
        std::fs::create_dir(&dir).unwrap();
        let mut folders = Folders::new(std::slice::from_ref(&dir));
        assert!(folders.check().is_empty());
        std::fs::remove_dir(&dir).unwrap();
        assert_eq!(folders.check(), [FolderNews::Gone(dir.clone())]);
        assert!(folders.check().is_empty());
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(folders.check(), [FolderNews::Back(dir.clone())]);
        // Replaced between two looks: back, as another folder.
        std::fs::rename(&dir, temp.path().join("old")).unwrap();
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(folders.check(), [FolderNews::Back(dir)]);
    }
}
