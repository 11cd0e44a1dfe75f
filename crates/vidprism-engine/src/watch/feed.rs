//! The watch loop's bookkeeping, apart from any runner or view: file news
//! in ([`Feed::hint`], [`Feed::rescan`]), whole files out
//! ([`Feed::whole_files`]), and each job's end back ([`Feed::finished`]),
//! which records it in the ledger and applies `--on-done`. The command
//! line's `vidprism watch` drives it; a window can drive the same.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::ignore::is_ignored;
use super::ledger::{stamp, Ledger, Stamp};
use super::on_done::OnDone;
use super::settle::{FileStat, Settler, Verdict};
use super::watcher::{is_watched, scan, Hint};

/// What to watch.
#[derive(Clone, Debug)]
pub struct FeedConfig {
    /// The folders, links resolved (as the platform's events name them).
    pub dirs: Vec<PathBuf>,
    pub recursive: bool,
    /// Folders whose files are never sources (the output folder, the
    /// folder sources are moved to), links resolved.
    pub excluded: Vec<PathBuf>,
    pub settle: Duration,
    pub on_done: OnDone,
}

/// Something the user should hear of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Removed (or renamed away) before it was whole.
    Dropped(PathBuf),
    Unreadable {
        path: PathBuf,
        error: String,
    },
    /// The ledger could not be written, or `--on-done` failed.
    Failed(String),
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Dropped(path) => {
                write!(
                    f,
                    "{}: removed before it was whole; dropped",
                    path.display()
                )
            }
            Notice::Unreadable { path, error } => {
                write!(f, "{}: cannot read it: {error}", path.display())
            }
            Notice::Failed(error) => f.write_str(error),
        }
    }
}

/// A whole file to queue, as it was when found whole.
#[derive(Clone, Debug)]
pub struct WholeFile {
    pub stamp: Stamp,
    stat: FileStat,
}

impl WholeFile {
    pub fn path(&self) -> &Path {
        &self.stamp.path
    }
}

/// How a file came to be looked at.
#[derive(Clone, Copy)]
enum Look {
    Seen,
    Written,
    Closed,
    Arrived,
}

pub struct Feed {
    config: FeedConfig,
    settler: Settler,
    ledger: Ledger,
    /// Files done, failed or already in the ledger in this run, as they
    /// were then: not looked at again until they change.
    handled: HashMap<PathBuf, FileStat>,
    /// Files handed out by `whole_files` and not yet `finished`.
    running: HashSet<PathBuf>,
    notices: Vec<Notice>,
}

impl Feed {
    pub fn new(config: FeedConfig, ledger: Ledger) -> Feed {
        Feed {
            settler: Settler::new(config.settle),
            config,
            ledger,
            handled: HashMap::new(),
            running: HashSet::new(),
            notices: Vec::new(),
        }
    }

    pub fn config(&self) -> &FeedConfig {
        &self.config
    }

    /// Files waiting to be whole.
    pub fn waiting(&self) -> usize {
        self.settler.len()
    }

    /// The notices since the last call.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    fn wanted(&self, path: &Path) -> bool {
        is_watched(path, &self.config.dirs, self.config.recursive)
            && !is_ignored(path)
            && !self.config.excluded.iter().any(|dir| path.starts_with(dir))
    }

    pub fn hint(&mut self, hint: Hint, now: Instant) {
        match hint {
            Hint::Touched(path) => self.look(&path, now, Look::Seen),
            Hint::Written(path) => self.look(&path, now, Look::Written),
            Hint::Closed(path) => self.look(&path, now, Look::Closed),
            Hint::Arrived(path) => self.look(&path, now, Look::Arrived),
            Hint::Gone(path) => self.gone(&path),
            Hint::Rescan => self.rescan(now),
        }
    }

    fn look(&mut self, path: &Path, now: Instant, how: Look) {
        if !self.wanted(path) || self.running.contains(path) {
            return;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(_) => return self.gone(path),
        };
        if metadata.is_dir() {
            // A folder made or moved in: its files came with it, unseen.
            if self.config.recursive {
                for file in scan(&[path.to_path_buf()], true) {
                    self.look(&file, now, Look::Seen);
                }
            }
            return;
        }
        let Some(stat) = FileStat::of(&metadata) else {
            return;
        };
        if self.handled.get(path) == Some(&stat) {
            return;
        }
        self.handled.remove(path);
        match how {
            Look::Seen => self.settler.observe(path, stat, now),
            Look::Written => self.settler.written(path, stat, now),
            Look::Closed => self.settler.closed(path, stat, now),
            Look::Arrived => self.settler.arrived(path, stat, now),
        }
    }

    fn gone(&mut self, path: &Path) {
        self.handled.remove(path);
        if self.settler.forget(path) {
            self.notices.push(Notice::Dropped(path.to_path_buf()));
        }
    }

    /// Looks at every file in the folders again, and at every waiting one
    /// (those gone are dropped).
    pub fn rescan(&mut self, now: Instant) {
        let found = scan(&self.config.dirs, self.config.recursive);
        let found_set: HashSet<&Path> = found.iter().map(PathBuf::as_path).collect();
        let missing: Vec<PathBuf> = self
            .settler
            .paths()
            .filter(|p| !found_set.contains(p))
            .map(Path::to_path_buf)
            .collect();
        for path in &found {
            self.look(path, now, Look::Seen);
        }
        for path in missing {
            self.look(&path, now, Look::Seen);
        }
    }

    /// The files whose settling time is up, unchanged and not done before,
    /// at most `max` of them (the others stay due for the next call): the
    /// caller queues each and reports its end to [`Self::finished`].
    pub fn whole_files(&mut self, now: Instant, max: usize) -> Vec<WholeFile> {
        let mut whole = Vec::new();
        for path in self.settler.due(now) {
            if whole.len() >= max {
                break;
            }
            let stat = std::fs::metadata(&path).ok().and_then(|m| FileStat::of(&m));
            match self.settler.confirm(&path, stat, now) {
                Verdict::Ready => {}
                Verdict::Waiting => continue,
                Verdict::Gone => {
                    self.notices.push(Notice::Dropped(path));
                    continue;
                }
            }
            let Some(stat) = stat else { continue };
            let stamp = match stamp(&path) {
                Ok(stamp) => stamp,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.notices.push(Notice::Dropped(path));
                    continue;
                }
                Err(e) => {
                    self.notices.push(Notice::Unreadable {
                        path: path.clone(),
                        error: e.to_string(),
                    });
                    self.handled.insert(path, stat);
                    continue;
                }
            };
            if self.ledger.is_done(&stamp) {
                tracing::info!("{}: done before, skipped", path.display());
                self.handled.insert(path, stat);
                continue;
            }
            self.running.insert(path);
            whole.push(WholeFile { stamp, stat });
        }
        whole
    }

    /// A file's job ended, `done` (every output whole) or not (failed or
    /// cancelled). Done: recorded in the ledger, then `on_done` applied.
    /// Not done: not again in this run unless it changes; a restart tries
    /// it again (only what is done is in the ledger). Call it before
    /// showing the job's last event, so what a reader saw done is never
    /// done again.
    pub fn finished(&mut self, file: WholeFile, done: bool) {
        let path = file.stamp.path.clone();
        self.running.remove(&path);
        self.handled.insert(path.clone(), file.stat);
        if done {
            if let Err(e) = self.ledger.record(file.stamp) {
                self.notices.push(Notice::Failed(e.to_string()));
            }
            match self.config.on_done.apply(&path) {
                Ok(Some(to)) => tracing::info!("{} moved to {}", path.display(), to.display()),
                Ok(None) => {}
                Err(e) => self.notices.push(Notice::Failed(e.to_string())),
            }
        }
        // Changed while it ran: it settles and runs again.
        self.look(&path, Instant::now(), Look::Seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::ledger::LEDGER_FILE;

    const SETTLE: Duration = Duration::from_secs(2);
    const ALL: usize = usize::MAX;

    struct Setup {
        temp: tempfile::TempDir,
        dir: PathBuf,
    }

    impl Setup {
        fn new() -> Setup {
            let temp = tempfile::tempdir().unwrap();
            let dir = std::fs::canonicalize(temp.path()).unwrap().join("in");
            std::fs::create_dir(&dir).unwrap();
            Setup { temp, dir }
        }

        fn feed(&self, on_done: OnDone) -> Feed {
            let ledger = Ledger::open(&self.temp.path().join(LEDGER_FILE)).unwrap();
            let config = FeedConfig {
                dirs: vec![self.dir.clone()],
                recursive: false,
                excluded: vec![self.dir.join("out")],
                settle: SETTLE,
                on_done,
            };
            Feed::new(config, ledger)
        }
    }

    fn paths(files: &[WholeFile]) -> Vec<PathBuf> {
        files.iter().map(|f| f.path().to_path_buf()).collect()
    }

    #[test]
    fn a_file_is_handed_out_once_when_whole_and_not_again_after_a_restart() {
        let setup = Setup::new();
        let a = setup.dir.join("a.mp4");
        std::fs::write(&a, b"video").unwrap();
        std::fs::create_dir(setup.dir.join("out")).unwrap();
        std::fs::write(setup.dir.join("out").join("b.mp4"), b"output").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Keep);
        feed.rescan(t0);
        assert_eq!(feed.waiting(), 1, "the output folder is not watched");
        assert!(feed.whole_files(t0 + SETTLE / 2, ALL).is_empty());
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        assert_eq!(paths(&whole), vec![a.clone()]);
        // Running: news of it changes nothing.
        feed.hint(Hint::Touched(a.clone()), t0 + SETTLE);
        feed.rescan(t0 + SETTLE);
        assert_eq!(feed.waiting(), 0);
        for file in whole {
            feed.finished(file, true);
        }
        feed.rescan(t0 + SETTLE * 2);
        assert!(feed.whole_files(t0 + SETTLE * 4, ALL).is_empty());
        // A restart: found again, settled, but in the ledger.
        let mut feed = setup.feed(OnDone::Keep);
        feed.rescan(t0);
        assert!(feed.whole_files(t0 + SETTLE, ALL).is_empty());
        assert!(feed.take_notices().is_empty());
    }

    #[test]
    fn no_more_files_are_handed_out_than_asked_the_rest_stay_due() {
        let setup = Setup::new();
        for name in ["a.mp4", "b.mp4", "c.mp4"] {
            std::fs::write(setup.dir.join(name), b"video").unwrap();
        }
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Keep);
        feed.rescan(t0);
        assert_eq!(feed.whole_files(t0 + SETTLE, 2).len(), 2);
        assert_eq!(feed.waiting(), 1);
        assert_eq!(feed.whole_files(t0 + SETTLE, 0).len(), 0);
        assert_eq!(feed.whole_files(t0 + SETTLE, 2).len(), 1);
    }

    #[test]
    fn a_failed_file_is_not_handed_out_again_until_it_changes() {
        let setup = Setup::new();
        let a = setup.dir.join("a.mp4");
        std::fs::write(&a, b"video").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Delete);
        feed.rescan(t0);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        for file in whole {
            feed.finished(file, false);
        }
        assert!(a.exists(), "on_done only after a job is done");
        feed.rescan(t0 + SETTLE);
        assert!(feed.whole_files(t0 + SETTLE * 3, ALL).is_empty());
        std::fs::write(&a, b"video, longer").unwrap();
        feed.hint(Hint::Written(a.clone()), t0 + SETTLE * 3);
        feed.hint(Hint::Closed(a.clone()), t0 + SETTLE * 3);
        assert_eq!(paths(&feed.whole_files(t0 + SETTLE * 4, ALL)), vec![a]);
    }

    #[test]
    fn a_file_gone_while_waiting_is_dropped_with_a_notice() {
        let setup = Setup::new();
        let a = setup.dir.join("a.mp4");
        std::fs::write(&a, b"video").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Keep);
        feed.hint(Hint::Touched(a.clone()), t0);
        std::fs::remove_file(&a).unwrap();
        assert!(feed.whole_files(t0 + SETTLE, ALL).is_empty());
        assert_eq!(feed.take_notices(), vec![Notice::Dropped(a.clone())]);
        // Through an event before its time is up, too.
        std::fs::write(&a, b"video").unwrap();
        feed.hint(Hint::Touched(a.clone()), t0);
        feed.hint(Hint::Gone(a.clone()), t0);
        assert_eq!(feed.take_notices(), vec![Notice::Dropped(a)]);
    }
}
