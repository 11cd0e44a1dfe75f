//! When a file is whole: its size and modification time stayed the same for
//! the settling time and, where the platform reports it (inotify's
//! close-after-write), the last writer has closed it.
//!
//! Pure bookkeeping: the caller reads the file's metadata and passes the
//! time in, so every rule is tested without a clock or a disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// What settling looks at: a file's size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    pub mtime: Option<SystemTime>,
}

impl FileStat {
    /// The stat of a regular file; `None` for anything else.
    pub fn of(metadata: &std::fs::Metadata) -> Option<FileStat> {
        metadata.is_file().then(|| FileStat {
            size: metadata.len(),
            mtime: metadata.modified().ok(),
        })
    }
}

/// What [`Settler::confirm`] decided about a file whose time was up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Whole: it left the settler and is the caller's to queue.
    Ready,
    /// Changed since, or a writer still has it open: wait more.
    Waiting,
    /// Removed while waiting: it left the settler.
    Gone,
}

#[derive(Clone, Copy, Debug)]
struct Candidate {
    stat: FileStat,
    /// When the file was last seen to change.
    stable_since: Instant,
    /// A write was reported and no close after it yet.
    writing: bool,
}

/// Files waiting to be whole.
#[derive(Debug)]
pub struct Settler {
    settle: Duration,
    files: HashMap<PathBuf, Candidate>,
}

impl Settler {
    pub fn new(settle: Duration) -> Settler {
        Settler {
            settle,
            files: HashMap::new(),
        }
    }

    /// How long an open writer may hold back a file that stopped changing:
    /// a close event that got lost (a full event queue, a writer killed
    /// without its close reaching us) must not keep a file waiting forever.
    pub fn writer_grace(&self) -> Duration {
        (self.settle * 6).max(Duration::from_secs(30))
    }

    /// The file was seen (a scan or an event) with `stat`: a new file, or
    /// one whose size or time changed, starts its settling time again.
    pub fn observe(&mut self, path: &Path, stat: FileStat, now: Instant) {
        match self.files.get_mut(path) {
            Some(known) if known.stat == stat => {}
            Some(known) => {
                known.stat = stat;
                known.stable_since = now;
            }
            None => {
                self.files.insert(
                    path.to_path_buf(),
                    Candidate {
                        stat,
                        stable_since: now,
                        writing: false,
                    },
                );
            }
        }
    }

    /// A write to the file was reported: it is not whole until closed.
    pub fn written(&mut self, path: &Path, stat: FileStat, now: Instant) {
        self.observe(path, stat, now);
        if let Some(known) = self.files.get_mut(path) {
            known.writing = true;
            known.stable_since = now;
        }
    }

    /// The file's writer closed it.
    pub fn closed(&mut self, path: &Path, stat: FileStat, now: Instant) {
        self.observe(path, stat, now);
        if let Some(known) = self.files.get_mut(path) {
            known.writing = false;
        }
    }

    /// The file was renamed into the folder: written elsewhere and moved in
    /// whole, so it counts as settled at once unless it changes again.
    pub fn arrived(&mut self, path: &Path, stat: FileStat, now: Instant) {
        let since = now.checked_sub(self.settle).unwrap_or(now);
        self.files.insert(
            path.to_path_buf(),
            Candidate {
                stat,
                stable_since: since,
                writing: false,
            },
        );
    }

    /// Forgets the file; whether it was waiting.
    pub fn forget(&mut self, path: &Path) -> bool {
        self.files.remove(path).is_some()
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every waiting file, for a rescan to look at again.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    /// The files whose settling time is up (to be read again and passed to
    /// [`Self::confirm`]), oldest first.
    pub fn due(&self, now: Instant) -> Vec<PathBuf> {
        let mut due: Vec<(&PathBuf, Instant)> = self
            .files
            .iter()
            .filter(|(_, c)| self.is_due(c, now))
            .map(|(p, c)| (p, c.stable_since))
            .collect();
        due.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        due.into_iter().map(|(p, _)| p.clone()).collect()
    }

    fn is_due(&self, candidate: &Candidate, now: Instant) -> bool {
        let stable = now.saturating_duration_since(candidate.stable_since);
        stable >= self.settle && (!candidate.writing || stable >= self.writer_grace())
    }

    /// The file's stat read again now (`None`: it is gone): [`Verdict::Ready`]
    /// when it is unchanged and due, and then it leaves the settler.
    pub fn confirm(&mut self, path: &Path, stat: Option<FileStat>, now: Instant) -> Verdict {
        let Some(stat) = stat else {
            self.files.remove(path);
            return Verdict::Gone;
        };
        self.observe(path, stat, now);
        match self.files.get(path) {
            Some(candidate) if self.is_due(candidate, now) => {
                self.files.remove(path);
                Verdict::Ready
            }
            _ => Verdict::Waiting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTLE: Duration = Duration::from_secs(5);

    fn stat(size: u64, mtime_s: u64) -> FileStat {
        FileStat {
            size,
            mtime: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime_s)),
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_file_is_ready_only_after_the_settling_time_unchanged() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.observe(path, stat(10, 1), t0);
        assert!(settler.due(t0 + secs(4)).is_empty());
        assert_eq!(settler.due(t0 + secs(5)), vec![path.to_path_buf()]);
        assert_eq!(
            settler.confirm(path, Some(stat(10, 1)), t0 + secs(5)),
            Verdict::Ready
        );
        assert!(settler.is_empty(), "a ready file leaves the settler");
    }

    #[test]
    fn a_growing_file_starts_its_settling_time_again() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.observe(path, stat(10, 1), t0);
        settler.observe(path, stat(20, 1), t0 + secs(3));
        assert!(settler.due(t0 + secs(6)).is_empty());
        // Due by the last look, but it grew again when read: wait more.
        assert_eq!(
            settler.confirm(path, Some(stat(30, 2)), t0 + secs(8)),
            Verdict::Waiting
        );
        assert!(settler.contains(path));
        assert_eq!(
            settler.confirm(path, Some(stat(30, 2)), t0 + secs(13)),
            Verdict::Ready
        );
    }

    #[test]
    fn a_changed_time_alone_restarts_the_settling_time() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.observe(path, stat(10, 1), t0);
        settler.observe(path, stat(10, 2), t0 + secs(4));
        assert!(settler.due(t0 + secs(6)).is_empty());
        assert_eq!(settler.due(t0 + secs(9)).len(), 1);
    }

    #[test]
    fn an_open_writer_holds_a_file_back_until_it_closes() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.written(path, stat(10, 1), t0);
        // Unchanged for twice the settling time, but still open for writing.
        assert!(settler.due(t0 + secs(10)).is_empty());
        settler.closed(path, stat(10, 1), t0 + secs(10));
        assert_eq!(settler.due(t0 + secs(10)).len(), 1);
    }

    #[test]
    fn a_lost_close_holds_a_file_back_only_for_the_writer_grace() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.written(path, stat(10, 1), t0);
        let grace = settler.writer_grace();
        assert!(grace > SETTLE);
        assert!(settler.due(t0 + grace - secs(1)).is_empty());
        assert_eq!(settler.due(t0 + grace).len(), 1);
    }

    #[test]
    fn a_file_renamed_in_counts_at_once_unless_it_changes() {
        let t0 = Instant::now() + secs(60);
        let mut settler = Settler::new(SETTLE);
        let moved = Path::new("/in/moved.mp4");
        settler.arrived(moved, stat(10, 1), t0);
        assert_eq!(settler.due(t0), vec![moved.to_path_buf()]);
        let rewritten = Path::new("/in/rewritten.mp4");
        settler.arrived(rewritten, stat(10, 1), t0);
        assert_eq!(
            settler.confirm(rewritten, Some(stat(11, 1)), t0),
            Verdict::Waiting
        );
    }

    #[test]
    fn a_file_removed_while_waiting_is_gone() {
        let t0 = Instant::now();
        let path = Path::new("/in/a.mp4");
        let mut settler = Settler::new(SETTLE);
        settler.observe(path, stat(10, 1), t0);
        assert_eq!(settler.confirm(path, None, t0 + secs(6)), Verdict::Gone);
        assert!(!settler.contains(path));
        assert!(!settler.forget(path));
    }

    #[test]
    fn due_files_come_oldest_first() {
        let t0 = Instant::now();
        let mut settler = Settler::new(SETTLE);
        settler.observe(Path::new("/in/b"), stat(1, 1), t0 + secs(1));
        settler.observe(Path::new("/in/a"), stat(1, 1), t0 + secs(2));
        settler.observe(Path::new("/in/c"), stat(1, 1), t0 + secs(1));
        assert_eq!(
            settler.due(t0 + secs(10)),
            vec![
                PathBuf::from("/in/b"),
                PathBuf::from("/in/c"),
                PathBuf::from("/in/a")
            ]
        );
    }
}
