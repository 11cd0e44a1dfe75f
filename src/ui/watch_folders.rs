//! The window's watch folders (issue 16): the folders of the settings that
//! are on are watched while the window runs, by the library's
//! [`Feed`] (when a file is whole, what was done) and [`EventSource`] (the
//! platform's file events), driven from `App::logic` so that a minimized
//! window keeps going. Each whole file becomes a row of the same queue and
//! job store, marked as coming from a watch folder; the end of its job goes
//! back to its feed, whose ledger (`<data dir>/watched.jsonl`, shared with
//! `vidprism watch`) makes it done once across restarts. Sources are kept
//! where they are (the window has no on-done choice).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::settings::WatchFolder;
use vidprism_engine::pipeline::{JobRequest, Waker};
use vidprism_engine::presets::Preset;
use vidprism_engine::sources::Links;
use vidprism_engine::watch::{
    Events, FeedConfig, Ledger, LedgerError, Notice, OnDone, Watch, WatchError, WholeFile,
};

use super::app::App;
use super::command::WatchCommand;
use super::queue_model::{RowId, RowStatus};

/// How long a file's size and time must stay unchanged before it is queued.
pub const SETTLE: Duration = Duration::from_secs(5);
/// How often the feeds are asked for whole files while some wait.
const LOOK_EVERY: Duration = Duration::from_millis(100);
/// Most hints taken from one folder's events per pass.
const HINTS_PER_PASS: usize = 2000;
/// Most whole files made rows per folder per pass.
const FILES_PER_PASS: usize = 256;

/// The watches the window runs, apart from the settings that list them.
pub struct Watches {
    /// The ledger file; `None`: watch folders cannot run (no data dir).
    pub ledger: Option<PathBuf>,
    pub settle: Duration,
    /// Wakes the window when a folder's events arrive.
    wake: Waker,
    /// One per folder watched, or no longer watched but with jobs running.
    folders: Vec<Watching>,
    /// Why a folder cannot be watched, by folder (shown in the list).
    pub errors: HashMap<PathBuf, String>,
    /// The settings' list changed: start and stop watches at the next pass.
    pub(super) dirty: bool,
    next_look: Instant,
    /// The "Watch folders" window is shown.
    pub open: bool,
}

/// One folder's watch (the engine's, as `vidprism watch` drives it): its
/// feed, its events (stopped once the folder is off) and its rows whose
/// jobs have not ended, with the file each came from.
struct Watching {
    /// As in the settings when it started.
    entry: WatchFolder,
    presets: Vec<Preset>,
    out_dir: PathBuf,
    watch: Watch<RowId>,
}

impl Watches {
    pub fn new(wake: Waker) -> Watches {
        Watches {
            ledger: vidprism_engine::app_dirs::ledger_path(),
            settle: SETTLE,
            wake,
            folders: Vec::new(),
            errors: HashMap::new(),
            dirty: true,
            next_look: Instant::now(),
            open: false,
        }
    }

    /// Folders being watched now.
    pub fn watching(&self, folder: &Path) -> bool {
        self.folders
            .iter()
            .any(|w| w.entry.folder == folder && w.watch.has_events())
    }

    /// Files waiting to be whole, over every folder.
    pub fn waiting(&self) -> usize {
        self.folders.iter().map(|w| w.watch.waiting()).sum()
    }
}

impl App {
    pub(super) fn handle_watch(&mut self, command: WatchCommand) {
        let list = &mut self.systems.settings.watch_folders;
        match command {
            WatchCommand::Open => self.systems.watches.open = true,
            WatchCommand::Close => self.systems.watches.open = false,
            WatchCommand::PickFolder => self.systems.dialogs.watch_folder(),
            WatchCommand::Add(folder) => {
                if list.iter().any(|w| w.folder == folder) {
                    return;
                }
                list.push(WatchFolder {
                    folder,
                    presets: self.systems.settings.presets.clone(),
                    output_dir: self.systems.settings.output_dir.clone(),
                    enabled: true,
                    recursive: false,
                });
            }
            WatchCommand::Remove(folder) => {
                list.retain(|w| w.folder != folder);
                self.systems.watches.errors.remove(&folder);
            }
            WatchCommand::SetEnabled(folder, on) => {
                // Why it stopped is said until the user turns it on or off.
                self.systems.watches.errors.remove(&folder);
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.enabled = on);
            }
            WatchCommand::SetRecursive(folder, on) => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.recursive = on);
            }
            WatchCommand::SetPresets(folder, names) if !names.is_empty() => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.presets = names.clone());
            }
            WatchCommand::SetPresets(..) => return,
            WatchCommand::PickOutput(folder) => {
                let start = self.watch_output_dir(&folder);
                self.systems.dialogs.watch_output_folder(folder, &start);
                return;
            }
            WatchCommand::SetOutput(folder, out) => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.output_dir = out.clone());
            }
        }
        self.systems.watches.dirty = true;
        self.systems.save_settings();
    }

    /// Where the outputs of the watch folder `folder` go.
    pub(super) fn watch_output_dir(&self, folder: &Path) -> PathBuf {
        self.systems
            .settings
            .watch_folders
            .iter()
            .find(|w| w.folder == folder)
            .and_then(|w| w.output_dir.clone())
            .unwrap_or_else(|| self.systems.output_dir())
    }

    /// The watch folders' part of `App::logic`: starts and stops watches
    /// after a change of the list, takes the folders' news, makes rows of
    /// the files found whole. Returns how long until it wants another
    /// pass (files are settling), if it does.
    pub(super) fn watch_pass(&mut self) -> Option<Duration> {
        if self.systems.watches.dirty {
            self.systems.watches.dirty = false;
            self.sync_watches();
        }
        let now = Instant::now();
        let watches = &mut self.systems.watches;
        let mut notices = Vec::new();
        for w in &mut watches.folders {
            if w.watch.has_events() {
                w.watch.take_hints(now, HINTS_PER_PASS);
                w.watch.check_folders(now);
            }
            for notice in w.watch.take_notices() {
                match notice {
                    // Skipped files are no news to show: the log has them.
                    Notice::Skipped { .. } => tracing::info!("watch folder: {notice}"),
                    other => notices.push(other.to_string()),
                }
            }
        }
        if now >= watches.next_look {
            watches.next_look = now + LOOK_EVERY;
            let mut whole = Vec::new();
            for (i, w) in watches.folders.iter_mut().enumerate() {
                if w.watch.has_events() {
                    whole.extend(
                        w.watch
                            .whole_files(now, FILES_PER_PASS)
                            .into_iter()
                            .map(|f| (i, f)),
                    );
                }
            }
            for (i, file) in whole {
                self.queue_watched(i, file);
            }
        }
        if !notices.is_empty() {
            let text: Vec<String> = notices
                .iter()
                .map(|n| format!("Watch folder: {n}"))
                .collect();
            tracing::warn!("{}", text.join("; "));
            self.view.notice = Some(text.join("\n"));
        }
        let watches = &self.systems.watches;
        let settling = watches
            .folders
            .iter()
            .any(|w| w.watch.has_events() && w.watch.waiting() > 0);
        settling.then_some(LOOK_EVERY)
    }

    /// Starts the watches of the folders that are on, stops those of the
    /// others (their running files still report to their feed).
    fn sync_watches(&mut self) {
        let wanted: Vec<WatchFolder> = self
            .systems
            .settings
            .watch_folders
            .iter()
            .filter(|w| w.enabled)
            .cloned()
            .collect();
        let watches = &mut self.systems.watches;
        for w in &mut watches.folders {
            if !wanted.iter().any(|f| f.folder == w.entry.folder) {
                w.watch.stop_events();
            }
        }
        for entry in wanted {
            let presets = vidprism_engine::presets::named(&self.systems.presets, &entry.presets);
            let out_dir = entry
                .output_dir
                .clone()
                .unwrap_or_else(|| self.systems.output_dir());
            let watches = &mut self.systems.watches;
            let existing = watches
                .folders
                .iter()
                .position(|w| w.entry.folder == entry.folder);
            if existing.is_some_and(|i| {
                let w = &watches.folders[i];
                w.entry == entry && w.watch.has_events()
            }) {
                continue;
            }
            // Files still running keep their feed (a new one would find
            // them again); otherwise the feed is made for this entry anew.
            let keep = existing.filter(|&i| watches.folders[i].watch.running_count() > 0);
            let result = match keep {
                Some(i) => restart_events(&mut watches.folders[i], &watches.wake),
                None => start_watch(watches, &entry, presets.clone(), out_dir.clone()).map(|w| {
                    match existing {
                        Some(i) => watches.folders[i] = w,
                        None => watches.folders.push(w),
                    }
                }),
            };
            if let Some(i) = keep {
                let w = &mut watches.folders[i];
                w.presets = presets;
                w.out_dir = out_dir;
                w.entry = entry.clone();
            }
            match result {
                Ok(()) => {
                    watches.errors.remove(&entry.folder);
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    watches.errors.insert(entry.folder.clone(), e.to_string());
                }
            }
        }
        let watches = &mut self.systems.watches;
        watches
            .folders
            .retain(|w| w.watch.has_events() || w.watch.running_count() > 0);
    }

    /// Makes a row of a whole file of folder `i`, or takes the row not
    /// ended yet that has it already (the job store restored it, queued
    /// again after a restart, and it may have started).
    fn queue_watched(&mut self, i: usize, file: WholeFile) {
        let w = &self.systems.watches.folders[i];
        let input = file.path().to_path_buf();
        // A row the job store restored for this file may have finished
        // before the file settled: it is done, and the ledger says so.
        let restored_done = self.model.rows().iter().any(|r| {
            r.status == RowStatus::Done
                && !r.from_watch
                && r.store_id.is_some()
                && r.request.input == input
        });
        if restored_done {
            (self.systems.watches.folders[i].watch).finished_elsewhere(file, true);
            return;
        }
        let restored = self
            .model
            .rows()
            .iter()
            .find(|r| !r.status.is_final() && !r.from_watch && r.request.input == input)
            .map(|r| r.id);
        let row = match restored {
            Some(row) => row,
            None => {
                let names: Vec<String> = w.presets.iter().map(|p| p.name.clone()).collect();
                let stored = self.systems.jobs.as_ref().map(|store| {
                    store
                        .lock()
                        .add(input.clone(), names, w.presets.clone(), w.out_dir.clone())
                });
                let row = self.model.add(JobRequest {
                    input,
                    presets: w.presets.clone(),
                    out_dir: w.out_dir.clone(),
                });
                match stored {
                    Some(Ok(id)) => self.model.set_store_id(row, id),
                    Some(Err(e)) => self.store_failed(e),
                    None => {}
                }
                row
            }
        };
        self.model.mark_watched(row);
        self.systems.watches.folders[i].watch.started(row, file);
    }

    /// A row's job ended (`done`: every output whole) or the row left the
    /// queue before: its watch folder's feed is told.
    pub(super) fn watch_row_ended(&mut self, row: RowId, done: bool) {
        let watches = &mut self.systems.watches;
        for w in &mut watches.folders {
            w.watch.ended(row, done);
        }
        watches
            .folders
            .retain(|w| w.watch.has_events() || w.watch.running_count() > 0);
    }
}

/// Why a watch folder cannot be watched (shown in its list).
#[derive(Debug, thiserror::Error)]
enum WatchFolderError {
    #[error("{}: none of its presets exists", .0.display())]
    NoPresets(PathBuf),
    #[error("watch folders need a data folder; none was found")]
    NoDataFolder,
    #[error("{} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{}: {source}", path.display())]
    OutputFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Watch(#[from] WatchError),
}

/// A new watch of `entry`: its feed (ledger opened, folder scanned) and
/// the platform's events.
fn start_watch(
    watches: &Watches,
    entry: &WatchFolder,
    presets: Vec<Preset>,
    out_dir: PathBuf,
) -> Result<Watching, WatchFolderError> {
    let folder = &entry.folder;
    if presets.is_empty() {
        return Err(WatchFolderError::NoPresets(folder.clone()));
    }
    let ledger_path = (watches.ledger.as_deref()).ok_or(WatchFolderError::NoDataFolder)?;
    let dir = std::fs::canonicalize(folder)
        .ok()
        .filter(|d| d.is_dir())
        .ok_or_else(|| WatchFolderError::NotAFolder(folder.clone()))?;
    // Outputs written inside the watched folder are no sources.
    let excluded = std::fs::create_dir_all(&out_dir)
        .and_then(|()| std::fs::canonicalize(&out_dir))
        .map_err(|source| WatchFolderError::OutputFolder {
            path: out_dir.clone(),
            source,
        })?;
    let ledger = Ledger::open(ledger_path)?;
    let config = FeedConfig {
        dirs: vec![dir],
        recursive: entry.recursive,
        excluded: vec![excluded],
        settle: watches.settle,
        on_done: OnDone::Keep,
        links: Links::Stay,
    };
    let watch = Watch::start(config, ledger, waking(&watches.wake))?;
    Ok(Watching {
        entry: entry.clone(),
        presets,
        out_dir,
        watch,
    })
}

/// The platform's events, waking the window.
fn waking(wake: &Waker) -> Events {
    let wake = wake.clone();
    Events::Platform(Box::new(move || wake()))
}

/// Turns the events of a kept watch back on (it was off while files of
/// it ran) and looks at its folder again.
fn restart_events(w: &mut Watching, wake: &Waker) -> Result<(), WatchFolderError> {
    w.watch
        .resume_events(waking(wake))
        .map_err(WatchFolderError::from)
}
