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
use vidprism_engine::pipeline::Waker;
use vidprism_engine::presets::Preset;
use vidprism_engine::sources::Links;
use vidprism_engine::watch::{Events, FeedConfig, Ledger, LedgerError, OnDone, Watch, WatchError};

use crate::ui::state::queue_model::RowId;

/// How long a file's size and time must stay unchanged before it is queued.
pub const SETTLE: Duration = Duration::from_secs(5);
/// How often the feeds are asked for whole files while some wait.
pub(in crate::ui) const LOOK_EVERY: Duration = Duration::from_millis(100);
/// Most hints taken from one folder's events per pass.
pub(in crate::ui) const HINTS_PER_PASS: usize = 2000;
/// Most whole files made rows per folder per pass.
pub(in crate::ui) const FILES_PER_PASS: usize = 256;

/// The watches the window runs, apart from the settings that list them.
pub struct Watches {
    /// The ledger file; `None`: watch folders cannot run (no data dir).
    pub ledger: Option<PathBuf>,
    pub settle: Duration,
    /// Wakes the window when a folder's events arrive.
    pub(in crate::ui) wake: Waker,
    /// One per folder watched, or no longer watched but with jobs running.
    pub(in crate::ui) folders: Vec<Watching>,
    /// Why a folder cannot be watched, by folder (shown in the list).
    pub errors: HashMap<PathBuf, String>,
    /// The settings' list changed: start and stop watches at the next pass.
    pub(in crate::ui) dirty: bool,
    pub(in crate::ui) next_look: Instant,
    /// The "Watch folders" window is shown.
    pub open: bool,
}

/// One folder's watch (the engine's, as `vidprism watch` drives it): its
/// feed, its events (stopped once the folder is off) and its rows whose
/// jobs have not ended, with the file each came from.
pub(in crate::ui) struct Watching {
    /// As in the settings when it started.
    pub(in crate::ui) entry: WatchFolder,
    pub(in crate::ui) presets: Vec<Preset>,
    pub(in crate::ui) out_dir: PathBuf,
    pub(in crate::ui) watch: Watch<RowId>,
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

/// Why a watch folder cannot be watched (shown in its list).
#[derive(Debug, thiserror::Error)]
pub(in crate::ui) enum WatchFolderError {
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
pub(in crate::ui) fn start_watch(
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
pub(in crate::ui) fn waking(wake: &Waker) -> Events {
    let wake = wake.clone();
    Events::Platform(Box::new(move || wake()))
}

/// Turns the events of a kept watch back on (it was off while files of
/// it ran) and looks at its folder again.
pub(in crate::ui) fn restart_events(
    w: &mut Watching,
    wake: &Waker,
) -> Result<(), WatchFolderError> {
    w.watch
        .resume_events(waking(wake))
        .map_err(WatchFolderError::from)
}
