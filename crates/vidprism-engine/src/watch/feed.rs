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
use super::ledger::{stamp_and_identity, Ledger, Stamp};
use super::on_done::{Applied, Identity, OnDone};
use super::settle::{FileStat, Settler, Verdict};
use super::watcher::{is_watched, scan, EventSource, FolderNews, Hint};
use crate::sources::{
    by_name, content_is_video, through_link, ByName, FileId, Links, Skipped, SourceStamp,
};

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
    /// Whether links in the folders are followed (never out of them by
    /// default; `--on-done` never acts on a file reached through one).
    pub links: Links,
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
    /// `--on-done` was not applied: the file at the path is not the one
    /// that was processed, or was reached through a link.
    LeftAlone {
        path: PathBuf,
        reason: String,
    },
    /// A watched folder was removed, or made again and watched again.
    Folder(String),
    /// Files found since the last such notice that are no sources: one
    /// line for them all.
    Skipped {
        not_videos: usize,
        links: usize,
        same_file: usize,
    },
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
            Notice::Failed(error) | Notice::Folder(error) => f.write_str(error),
            Notice::LeftAlone { path, reason } => {
                write!(
                    f,
                    "{}: left alone, --on-done not applied: {reason}",
                    path.display()
                )
            }
            Notice::Skipped {
                not_videos,
                links,
                same_file,
            } => {
                let parts: Vec<String> = [
                    (*not_videos, "not videos (by extension or content)"),
                    (*links, "links not followed (see --follow-links)"),
                    (*same_file, "second paths to a file already found"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                write!(f, "skipped {}", parts.join(", "))
            }
        }
    }
}

/// A whole file to queue, as it was when found whole.
#[derive(Clone, Debug)]
pub struct WholeFile {
    pub stamp: Stamp,
    stat: FileStat,
    /// The file queued: `--on-done` acts only on it.
    identity: Identity,
    /// Reached through a link (`--follow-links`): `--on-done` leaves it.
    via_link: bool,
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
    /// Every file handed out in this run, by device and inode, with its
    /// path and stamp then: a second path to it (a hard link arriving by
    /// an event, which no scan compares) is skipped, not a second job.
    taken: HashMap<FileId, (PathBuf, SourceStamp)>,
    notices: Vec<Notice>,
    /// Paths skipped (not sources), each counted once while it is there.
    skipped: HashSet<PathBuf>,
    /// Skipped and not yet said, and when the last one was met.
    unsaid: Unsaid,
}

/// Files skipped and not yet said: how many of each kind, and when the
/// last one was met.
#[derive(Default)]
struct Unsaid {
    not_videos: usize,
    links: usize,
    same_file: usize,
    last: Option<Instant>,
}

impl Feed {
    pub fn new(config: FeedConfig, ledger: Ledger) -> Feed {
        Feed {
            settler: Settler::new(config.settle),
            config,
            ledger,
            handled: HashMap::new(),
            running: HashSet::new(),
            taken: HashMap::new(),
            notices: Vec::new(),
            skipped: HashSet::new(),
            unsaid: Unsaid::default(),
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

    /// Whether `path` is reached through a link from its watched folder.
    fn through_link(&self, path: &Path) -> bool {
        let root = self.config.dirs.iter().find(|dir| path.starts_with(dir));
        root.is_none_or(|root| through_link(path, root))
    }

    /// Counts `path` as skipped (once while it is there), for the next
    /// "skipped" notice.
    fn skip(&mut self, path: &Path, now: Instant, count: fn(&mut Unsaid) -> &mut usize) {
        if self.skipped.insert(path.to_path_buf()) {
            *count(&mut self.unsaid) += 1;
            self.unsaid.last = Some(now);
        }
    }

    /// Counts what a scan skipped.
    fn skip_all(&mut self, skipped: Skipped, now: Instant) {
        for path in skipped.not_videos {
            self.skip(&path, now, |u| &mut u.not_videos);
        }
        for path in skipped.links {
            self.skip(&path, now, |u| &mut u.links);
        }
        for path in skipped.same_file {
            self.skip(&path, now, |u| &mut u.same_file);
        }
    }

    /// The "skipped" notice, once none was met for the settling time (a
    /// burst of files makes one line).
    fn say_skipped(&mut self, now: Instant) {
        let quiet = |last: Instant| now.saturating_duration_since(last) >= self.config.settle;
        if self.unsaid.last.is_some_and(quiet) {
            let unsaid = std::mem::take(&mut self.unsaid);
            self.notices.push(Notice::Skipped {
                not_videos: unsaid.not_videos,
                links: unsaid.links,
                same_file: unsaid.same_file,
            });
        }
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
        if self.config.links == Links::Stay && self.through_link(path) {
            return self.skip(path, now, |u| &mut u.links);
        }
        if metadata.is_dir() {
            // A folder made or moved in: its files came with it, unseen.
            if self.config.recursive {
                let (files, skipped) = scan(&[path.to_path_buf()], true, self.config.links);
                self.skip_all(skipped, now);
                for file in files {
                    self.look(&file, now, Look::Seen);
                }
            }
            return;
        }
        if by_name(path) == ByName::Other {
            return self.skip(path, now, |u| &mut u.not_videos);
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
        self.skipped.remove(path);
        if self.settler.forget(path) {
            self.notices.push(Notice::Dropped(path.to_path_buf()));
        }
    }

    /// Looks at every file in the folders again, and at every waiting one
    /// (those gone are dropped).
    pub fn rescan(&mut self, now: Instant) {
        // A watched folder that is not there is said once, when it goes
        // (`folder_news`), not at every scan of a poll.
        let there: Vec<PathBuf> = (self.config.dirs.iter())
            .filter(|dir| dir.is_dir())
            .cloned()
            .collect();
        let (found, skipped) = scan(&there, self.config.recursive, self.config.links);
        self.skip_all(skipped, now);
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

    /// Acts on news of a watched folder itself and says it (a notice): a
    /// folder made again is watched again (by `source`, when the
    /// platform's events are used) and scanned again.
    pub fn folder_news(
        &mut self,
        source: Option<&mut EventSource>,
        news: FolderNews,
        now: Instant,
    ) {
        let said = self.folder_news_said(source, news, now);
        self.notices.push(Notice::Folder(said));
    }

    fn folder_news_said(
        &mut self,
        source: Option<&mut EventSource>,
        news: FolderNews,
        now: Instant,
    ) -> String {
        match news {
            FolderNews::Gone(dir) => format!(
                "{} was removed; nothing is watched there until it is made again",
                dir.display()
            ),
            FolderNews::Back(dir) => {
                if let Some(Err(e)) = source.map(|s| s.rewatch(&dir)) {
                    return format!("{e}; it is no longer watched");
                }
                self.rescan(now);
                format!("{} is there again and watched again", dir.display())
            }
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
            // Whole now: a file without an extension is a source only when
            // its content is a video's.
            if by_name(&path) == ByName::NoExtension && !content_is_video(&path) {
                self.skip(&path, now, |u| &mut u.not_videos);
                self.handled.insert(path, stat);
                continue;
            }
            let (stamp, identity) = match stamp_and_identity(&path) {
                Ok(found) => found,
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
            if self.second_path(&path, &identity) {
                self.skip(&path, now, |u| &mut u.same_file);
                self.handled.insert(path, stat);
                continue;
            }
            (self.taken).insert(identity.file, (path.clone(), identity.stamp));
            let via_link = self.config.links == Links::Follow && self.through_link(&path);
            self.running.insert(path);
            whole.push(WholeFile {
                stamp,
                stat,
                identity,
                via_link,
            });
        }
        self.say_skipped(now);
        whole
    }

    /// Whether `path` is a second path to a file handed out in this run
    /// (same device, inode, size and time: an inode used again by a new
    /// file has another time).
    fn second_path(&self, path: &Path, identity: &Identity) -> bool {
        self.taken
            .get(&identity.file)
            .is_some_and(|(first, stamp)| first != path && *stamp == identity.stamp)
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
            let applied = if file.via_link && self.config.on_done != OnDone::Keep {
                Ok(Applied::LeftAlone(
                    "it was reached through a link; --on-done acts only on files in the watched folders"
                        .to_owned(),
                ))
            } else {
                self.config.on_done.apply(&path, &file.identity)
            };
            match applied {
                Ok(Applied::Moved(to)) => {
                    tracing::info!("{} moved to {}", path.display(), to.display())
                }
                Ok(Applied::Deleted) => tracing::info!("{} deleted", path.display()),
                Ok(Applied::Kept) => {}
                Ok(Applied::LeftAlone(reason)) => {
                    // Another file may be there with the same size and
                    // time: it is looked at anew.
                    self.handled.remove(&path);
                    self.notices.push(Notice::LeftAlone {
                        path: path.clone(),
                        reason,
                    });
                }
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
            self.feed_with(on_done, false, Links::Stay)
        }

        fn feed_with(&self, on_done: OnDone, recursive: bool, links: Links) -> Feed {
            let ledger = Ledger::open(&self.temp.path().join(LEDGER_FILE)).unwrap();
            let config = FeedConfig {
                dirs: vec![self.dir.clone()],
                recursive,
                excluded: vec![self.dir.join("out")],
                settle: SETTLE,
                on_done,
                links,
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

    /// Issue 26: a hard link to a file already handed out, arriving by an
    /// event (a scan compares inodes, an event did not), made a second job.
    #[cfg(unix)]
    #[test]
    fn a_hard_link_arriving_by_an_event_is_skipped_as_the_same_file() {
        let setup = Setup::new();
        let a = setup.dir.join("a.mp4");
        std::fs::write(&a, b"video").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Keep);
        feed.rescan(t0);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        assert_eq!(paths(&whole), vec![a.clone()]);
        let b = setup.dir.join("b.mp4");
        std::fs::hard_link(&a, &b).unwrap();
        feed.hint(Hint::Touched(b.clone()), t0 + SETTLE);
        assert!(feed.whole_files(t0 + SETTLE * 2, ALL).is_empty(), "running");
        for file in whole {
            feed.finished(file, true);
        }
        feed.hint(Hint::Written(b.clone()), t0 + SETTLE * 3);
        assert!(feed.whole_files(t0 + SETTLE * 5, ALL).is_empty(), "done");
        assert_eq!(
            feed.whole_files(t0 + SETTLE * 10, ALL).len() + feed.waiting(),
            0
        );
        let notices = feed.take_notices();
        assert!(
            notices.contains(&Notice::Skipped {
                not_videos: 0,
                links: 0,
                same_file: 1
            }),
            "{notices:?}"
        );
    }

    /// A scan of a watched folder that was removed finds nothing and says
    /// nothing: its removal is said once, by the folder's news, not at every
    /// `--poll` scan.
    #[test]
    fn a_scan_of_a_removed_watched_folder_finds_nothing_and_says_nothing() {
        let setup = Setup::new();
        let mut feed = setup.feed(OnDone::Keep);
        std::fs::remove_dir(&setup.dir).unwrap();
        let t0 = Instant::now();
        feed.rescan(t0);
        assert_eq!(feed.waiting(), 0);
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

    /// A feed deleting done sources, and `a.mp4` (holding `bytes`) handed
    /// out whole by it at `t0 + SETTLE`.
    fn a_handed_out(setup: &Setup, bytes: &[u8]) -> (Feed, Vec<WholeFile>, PathBuf, Instant) {
        let a = setup.dir.join("a.mp4");
        std::fs::write(&a, bytes).unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Delete);
        feed.rescan(t0);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        (feed, whole, a, t0)
    }

    #[test]
    fn a_failed_file_is_not_handed_out_again_until_it_changes() {
        let setup = Setup::new();
        let (mut feed, whole, a, t0) = a_handed_out(&setup, b"video");
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

    fn mp4_head() -> Vec<u8> {
        let mut head = b"\0\0\0\x20ftypisom".to_vec();
        head.resize(64, 0);
        head
    }

    #[test]
    fn files_that_are_not_videos_are_skipped_and_said_in_one_notice() {
        let setup = Setup::new();
        for i in 0..50 {
            std::fs::write(setup.dir.join(format!("note-{i}.txt")), b"text").unwrap();
        }
        for name in ["C0001.THM", "C0001.XML", "IMG.AAE"] {
            std::fs::write(setup.dir.join(name), b"sidecar").unwrap();
        }
        std::fs::write(setup.dir.join("README"), b"plain text").unwrap();
        std::fs::write(setup.dir.join("CLIP0001"), mp4_head()).unwrap();
        std::fs::write(setup.dir.join("a.mp4"), b"by its name").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed(OnDone::Keep);
        feed.rescan(t0);
        // A file without an extension waits to be whole, then is read.
        assert_eq!(feed.waiting(), 3);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        let mut got = paths(&whole);
        got.sort();
        assert_eq!(got, [setup.dir.join("CLIP0001"), setup.dir.join("a.mp4")]);
        // Events and scans of the same files count nothing twice.
        feed.hint(Hint::Touched(setup.dir.join("note-1.txt")), t0 + SETTLE);
        feed.rescan(t0 + SETTLE);
        assert!(feed.take_notices().is_empty(), "not before a quiet time");
        assert!(feed.whole_files(t0 + SETTLE * 2, ALL).is_empty());
        assert_eq!(
            feed.take_notices(),
            vec![Notice::Skipped {
                not_videos: 54,
                links: 0,
                same_file: 0
            }]
        );
        assert!(feed.whole_files(t0 + SETTLE * 4, ALL).is_empty());
        assert!(feed.take_notices().is_empty(), "said once");
    }

    #[cfg(unix)]
    #[test]
    fn links_lead_nowhere_unless_followed_and_on_done_never_acts_through_one() {
        let setup = Setup::new();
        let outside = setup.temp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("o.mp4"), b"outside").unwrap();
        std::fs::write(outside.join("one.mp4"), b"outside one").unwrap();
        std::os::unix::fs::symlink(&outside, setup.dir.join("ext")).unwrap();
        std::os::unix::fs::symlink(outside.join("one.mp4"), setup.dir.join("one.mp4")).unwrap();
        std::os::unix::fs::symlink(".", setup.dir.join("loop")).unwrap();
        std::fs::write(setup.dir.join("a.mp4"), b"inside").unwrap();
        let t0 = Instant::now();
        let mut feed = setup.feed_with(OnDone::Delete, true, Links::Stay);
        feed.rescan(t0);
        // Events naming paths through the links are refused too.
        feed.hint(Hint::Touched(setup.dir.join("ext/o.mp4")), t0);
        feed.hint(Hint::Touched(setup.dir.join("loop/a.mp4")), t0);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        assert_eq!(paths(&whole), [setup.dir.join("a.mp4")]);
        let said = feed.take_notices();
        assert!(
            matches!(said[..], [Notice::Skipped { links: 5, .. }]),
            "{said:?}"
        );
        let mut feed = setup.feed_with(OnDone::Delete, true, Links::Follow);
        feed.rescan(t0);
        let whole = feed.whole_files(t0 + SETTLE, ALL);
        let mut got = paths(&whole);
        got.sort();
        assert_eq!(
            got,
            [
                setup.dir.join("a.mp4"),
                setup.dir.join("ext/o.mp4"),
                setup.dir.join("ext/one.mp4")
            ],
            "followed, each file once (one.mp4 is ext/one.mp4); the loop ends"
        );
        for file in whole {
            feed.finished(file, true);
        }
        assert!(!setup.dir.join("a.mp4").exists(), "done and deleted");
        assert!(outside.join("o.mp4").exists() && outside.join("one.mp4").exists());
        assert!(setup.dir.join("one.mp4").exists(), "nor the link itself");
        let left: Vec<_> = feed
            .take_notices()
            .into_iter()
            .filter(|n| matches!(n, Notice::LeftAlone { reason, .. } if reason.contains("link")))
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }

    #[test]
    fn a_file_replaced_while_its_job_ran_is_left_alone_then_done_itself() {
        let setup = Setup::new();
        let (mut feed, whole, a, _) = a_handed_out(&setup, b"queued");
        let replacement = setup.temp.path().join("new.mp4");
        std::fs::write(&replacement, b"QUEUED").unwrap();
        std::fs::rename(&replacement, &a).unwrap();
        for file in whole {
            feed.finished(file, true);
        }
        assert_eq!(std::fs::read(&a).unwrap(), b"QUEUED", "not deleted");
        let said = feed.take_notices();
        assert!(
            matches!(&said[..], [Notice::LeftAlone { path, .. }] if *path == a),
            "{said:?}"
        );
        // The new file is another source: it settles and runs.
        assert_eq!(paths(&feed.whole_files(Instant::now() + SETTLE, ALL)), [a]);
    }
}
