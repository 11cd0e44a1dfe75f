//! The one watch loop's state, driven the same way by `vidprism watch` and
//! the window's watch folders: a [`Feed`], the platform's events for its
//! folders (none when polling), the watched folders themselves (removed,
//! made again), and the files whose jobs run, by the front end's key (a
//! job id, a window row).
//!
//! A front end's loop: [`Watch::take_hints`] (or [`Watch::hint`] for a hint
//! it received itself), [`Watch::check_folders`] now and then,
//! [`Watch::take_notices`] to show, [`Watch::whole_files`] to queue (then
//! [`Watch::started`] with each job's key), and [`Watch::ended`] when a job
//! ends, before its last event is shown.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

use crossbeam_channel::Receiver;

use super::feed::{Feed, FeedConfig, Notice, WholeFile};
use super::ledger::Ledger;
use super::watcher::{EventSource, Folders, Hint, WatchError};

/// Where a watch's news of files comes from.
pub enum Events {
    /// Rescans alone ([`Watch::rescan`]): the platform's events of a
    /// network mount are not to be trusted.
    Poll,
    /// The platform's file events, calling `wake` after each (a window
    /// that sleeps between frames is woken by it).
    Platform(Box<dyn Fn() + Send + Sync>),
}

/// One watch: its feed, events, folders and running files.
pub struct Watch<K> {
    feed: Feed,
    /// The platform's events; `None` when polling or stopped.
    source: Option<EventSource>,
    folders: Folders,
    running: HashMap<K, WholeFile>,
}

impl<K: Copy + Eq + Hash> Watch<K> {
    /// Starts watching what `config` says: the platform's events (unless
    /// polling), then a first scan of the folders.
    pub fn start(config: FeedConfig, ledger: Ledger, events: Events) -> Result<Self, WatchError> {
        let source = start_events(&config, events)?;
        let folders = Folders::new(&config.dirs);
        let mut feed = Feed::new(config, ledger);
        feed.rescan(Instant::now());
        Ok(Watch {
            feed,
            source,
            folders,
            running: HashMap::new(),
        })
    }

    pub fn config(&self) -> &FeedConfig {
        self.feed.config()
    }

    /// Files waiting to be whole.
    pub fn waiting(&self) -> usize {
        self.feed.waiting()
    }

    /// Whether the platform's events are watched (not stopped, not polling).
    pub fn has_events(&self) -> bool {
        self.source.is_some()
    }

    /// The platform's hints, for a loop that waits on them; a channel that
    /// never says anything when there are none.
    pub fn hints(&self) -> Receiver<Hint> {
        self.source
            .as_ref()
            .map(|s| s.hints().clone())
            .unwrap_or_else(crossbeam_channel::never)
    }

    /// One hint the front end received from [`Self::hints`].
    pub fn hint(&mut self, hint: Hint, now: Instant) {
        self.feed.hint(hint, now);
    }

    /// Takes at most `max` of the hints that arrived.
    pub fn take_hints(&mut self, now: Instant, max: usize) {
        if let Some(source) = &self.source {
            for hint in source.hints().try_iter().take(max) {
                self.feed.hint(hint, now);
            }
        }
    }

    /// Looks at every file of the folders again (polling).
    pub fn rescan(&mut self, now: Instant) {
        self.feed.rescan(now);
    }

    /// Looks at the watched folders themselves (a stat each): one removed
    /// is said, one made again is watched and scanned again. What to say
    /// comes from [`Self::take_notices`].
    pub fn check_folders(&mut self, now: Instant) {
        for news in self.folders.check() {
            self.feed.folder_news(self.source.as_mut(), news, now);
        }
    }

    /// What the user should hear of since the last call.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        self.feed.take_notices()
    }

    /// The files found whole, at most `max` (see [`Feed::whole_files`]):
    /// the front end queues each and calls [`Self::started`].
    pub fn whole_files(&mut self, now: Instant, max: usize) -> Vec<WholeFile> {
        self.feed.whole_files(now, max)
    }

    /// `file` is being processed by the job `key`.
    pub fn started(&mut self, key: K, file: WholeFile) {
        self.running.insert(key, file);
    }

    /// The job `key` ended (`done`: every output whole): its file's feed is
    /// told (ledger, on-done). False when the job was not one of this watch.
    pub fn ended(&mut self, key: K, done: bool) -> bool {
        match self.running.remove(&key) {
            Some(file) => {
                self.feed.finished(file, done);
                true
            }
            None => false,
        }
    }

    /// A file found whole the front end had already made a job of (a job
    /// restored from its store): told to the feed as that job's end.
    pub fn finished_elsewhere(&mut self, file: WholeFile, done: bool) {
        self.feed.finished(file, done);
    }

    /// The keys of the jobs running.
    pub fn running(&self) -> impl Iterator<Item = &K> {
        self.running.keys()
    }

    pub fn running_count(&self) -> usize {
        self.running.len()
    }

    /// Stops the platform's events (running files still report here).
    pub fn stop_events(&mut self) {
        self.source = None;
    }

    /// Starts the platform's events again after [`Self::stop_events`] and
    /// looks at the folders again.
    pub fn resume_events(&mut self, events: Events) -> Result<(), WatchError> {
        if self.source.is_none() {
            self.source = start_events(self.feed.config(), events)?;
            self.folders = Folders::new(&self.feed.config().dirs);
            self.feed.rescan(Instant::now());
        }
        Ok(())
    }
}

fn start_events(config: &FeedConfig, events: Events) -> Result<Option<EventSource>, WatchError> {
    match events {
        Events::Poll => Ok(None),
        Events::Platform(wake) => {
            EventSource::start_waking(&config.dirs, config.recursive, config.links, wake).map(Some)
        }
    }
}
