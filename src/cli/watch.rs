//! `vidprism watch`: every video written into the watched folders is
//! queued once it is whole and processed once, even across restarts. The
//! loop ties the library's pieces (src/watch/) to a runner, this machine's
//! engine or a farm, and shows the events as `vidprism process` does.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use vidprism::output::default_output_dir;
use vidprism::pipeline::{Event, EventKind, JobId, JobRequest, JobRunner};
use vidprism::presets::Preset;
use vidprism::watch::{
    is_ignored, is_watched, scan, stamp, EventSource, FileStat, Hint, Ledger, OnDone, Settler,
    Stamp, Verdict,
};

use super::process::{
    reader_gone, resolve_presets, start_runner, Bars, EventView, JsonLines, LonelyFarmHint, Unread,
    USAGE,
};
use super::WatchArgs;

/// How often the loop looks for files whose settling time is up.
const TICK: Duration = Duration::from_millis(100);

pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let presets = match resolve_presets(&args.presets) {
        Ok(p) => p,
        Err(message) => {
            eprintln!("vidprism: {message}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let mut dirs = Vec::new();
    for dir in &args.dirs {
        match std::fs::canonicalize(dir) {
            Ok(found) if found.is_dir() => dirs.push(found),
            _ => {
                eprintln!("vidprism: {} is not a folder", dir.display());
                return Ok(ExitCode::from(USAGE));
            }
        }
    }
    let out_dir = args.out.clone().unwrap_or_else(default_output_dir);
    // Outputs and moved sources written inside a watched folder are no
    // sources.
    let mut excluded = vec![settled_path(&out_dir)?];
    if let OnDone::Move(dir) = &args.on_done {
        excluded.push(settled_path(dir)?);
    }
    let ledger = Ledger::open_default()?;
    if ledger.unreadable_lines() > 0 {
        notice(format!(
            "{}: {} unreadable lines skipped",
            ledger.path().display(),
            ledger.unreadable_lines()
        ));
    }
    let runner = start_runner(
        &args.farm,
        args.shared_folders,
        args.jobs,
        args.stall_timeout,
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = Arc::clone(&stop);
    ctrlc::set_handler(move || stopper.store(true, Ordering::SeqCst)).context("handling Ctrl+C")?;
    // With --poll the scans alone find the files (the events of a network
    // mount are not to be trusted).
    let source = match args.poll {
        Some(_) => None,
        None => Some(EventSource::start(&dirs, args.recursive)?),
    };
    let hints = source
        .as_ref()
        .map(|s| s.hints().clone())
        .unwrap_or_else(crossbeam_channel::never);
    let view: Box<dyn EventView> = if args.json {
        Box::new(JsonLines)
    } else {
        Box::new(Bars::new(HashMap::new()))
    };
    let mut watch = WatchLoop {
        dirs,
        recursive: args.recursive,
        excluded,
        settler: Settler::new(Duration::from_secs_f64(args.settle)),
        ledger,
        handled: HashMap::new(),
        running: HashMap::new(),
        running_paths: HashSet::new(),
        runner: runner.as_ref(),
        presets,
        out_dir,
        on_done: args.on_done.clone(),
        view,
        cancelled: false,
    };
    watch.rescan(Instant::now());
    notice(format!(
        "watching {} ({} files found, waiting to be whole); stop with Ctrl+C",
        watch
            .dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        watch.settler.len()
    ));
    let poll = args.poll.map(Duration::from_secs_f64);
    let mut next_scan = poll.map(|p| Instant::now() + p);
    let tick = crossbeam_channel::tick(TICK);
    let mut lonely = LonelyFarmHint::new(!args.json);
    let mut stopping = false;
    loop {
        crossbeam_channel::select! {
            recv(hints) -> hint => {
                if let Ok(hint) = hint {
                    watch.hint(hint, Instant::now());
                }
            }
            recv(watch.runner.events()) -> event => match event {
                Ok(event) => {
                    if watch.event(event)? {
                        stopping = true;
                    }
                }
                Err(_) => anyhow::bail!("the pipeline stopped unexpectedly"),
            },
            recv(tick) -> _ => lonely.check(watch.runner),
        }
        let now = Instant::now();
        if !stopping && stop.load(Ordering::SeqCst) {
            stopping = true;
            notice("stopping: the running jobs are cancelled".to_owned());
        }
        if stopping {
            if watch.cancel_all() {
                break;
            }
            continue;
        }
        if let (Some(poll), Some(at)) = (poll, next_scan) {
            if now >= at {
                watch.rescan(now);
                next_scan = Some(now + poll);
            }
        }
        watch.queue_whole_files(now);
    }
    Ok(ExitCode::SUCCESS)
}

/// The folder `dir` as the watched folders' events name its files: made if
/// missing, then with links resolved.
fn settled_path(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
    std::fs::canonicalize(dir).with_context(|| format!("finding {}", dir.display()))
}

/// A line for the user on stderr (never stdout, which `--json` keeps for
/// events).
fn notice(message: String) {
    eprintln!("vidprism: watch: {message}");
}

/// How a file came to be looked at.
#[derive(Clone, Copy)]
enum Look {
    Seen,
    Written,
    Closed,
    Arrived,
}

struct WatchLoop<'a> {
    dirs: Vec<PathBuf>,
    recursive: bool,
    excluded: Vec<PathBuf>,
    settler: Settler,
    ledger: Ledger,
    /// Files done, failed or already in the ledger in this run, as they
    /// were then: not looked at again until they change.
    handled: HashMap<PathBuf, FileStat>,
    running: HashMap<JobId, (Stamp, FileStat)>,
    running_paths: HashSet<PathBuf>,
    runner: &'a dyn JobRunner,
    presets: Vec<Preset>,
    out_dir: PathBuf,
    on_done: OnDone,
    view: Box<dyn EventView>,
    /// The running jobs were cancelled (stopping).
    cancelled: bool,
}

impl WatchLoop<'_> {
    fn wanted(&self, path: &Path) -> bool {
        is_watched(path, &self.dirs, self.recursive)
            && !is_ignored(path)
            && !self.excluded.iter().any(|dir| path.starts_with(dir))
    }

    fn hint(&mut self, hint: Hint, now: Instant) {
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
        if !self.wanted(path) || self.running_paths.contains(path) {
            return;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(_) => return self.gone(path),
        };
        if metadata.is_dir() {
            // A folder made or moved in: its files came with it, unseen.
            if self.recursive {
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
            dropped(path);
        }
    }

    /// Looks at every file in the folders again, and at every waiting one
    /// (those gone are dropped).
    fn rescan(&mut self, now: Instant) {
        let found = scan(&self.dirs, self.recursive);
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

    /// Queues every file whose settling time is up and that is unchanged.
    fn queue_whole_files(&mut self, now: Instant) {
        for path in self.settler.due(now) {
            let stat = std::fs::metadata(&path).ok().and_then(|m| FileStat::of(&m));
            match self.settler.confirm(&path, stat, now) {
                Verdict::Ready => {}
                Verdict::Waiting => continue,
                Verdict::Gone => {
                    dropped(&path);
                    continue;
                }
            }
            let Some(stat) = stat else { continue };
            let stamp = match stamp(&path) {
                Ok(stamp) => stamp,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    dropped(&path);
                    continue;
                }
                Err(e) => {
                    notice(format!("{}: cannot read it: {e}", path.display()));
                    self.handled.insert(path, stat);
                    continue;
                }
            };
            if self.ledger.is_done(&stamp) {
                tracing::info!("{}: done before, skipped", path.display());
                self.handled.insert(path, stat);
                continue;
            }
            let id = self.runner.submit(JobRequest {
                input: path.clone(),
                presets: self.presets.clone(),
                out_dir: self.out_dir.clone(),
            });
            self.view.add_input(id, path.clone());
            self.running_paths.insert(path);
            self.running.insert(id, (stamp, stat));
        }
    }

    /// Shows one event; after a job's last, records it in the ledger and
    /// applies `--on-done`. True when stdout's reader has gone (stop).
    fn event(&mut self, event: Event) -> anyhow::Result<bool> {
        if event.kind.is_final() {
            if let Some((stamp, stat)) = self.running.remove(&event.job) {
                self.finished(&event.kind, stamp, stat);
            }
        }
        if let Err(e) = self.view.show(&event) {
            if !reader_gone(&e) {
                return Err(e);
            }
            self.view = Box::new(Unread);
            return Ok(true);
        }
        Ok(false)
    }

    fn finished(&mut self, kind: &EventKind, stamp: Stamp, stat: FileStat) {
        let path = stamp.path.clone();
        self.running_paths.remove(&path);
        // Failed or cancelled: not again in this run unless it changes; a
        // restart tries it again (only what is done is in the ledger).
        self.handled.insert(path.clone(), stat);
        if matches!(kind, EventKind::JobDone(_)) {
            // Recorded before `job_done` is shown: what a reader saw done
            // is never done again.
            if let Err(e) = self.ledger.record(stamp) {
                notice(e.to_string());
            }
            match self.on_done.apply(&path) {
                Ok(Some(to)) => tracing::info!("{} moved to {}", path.display(), to.display()),
                Ok(None) => {}
                Err(e) => notice(e.to_string()),
            }
        }
        // Changed while it ran: it settles and runs again.
        self.look(&path, Instant::now(), Look::Seen);
    }

    /// Cancels the running jobs (once); true when none is left.
    fn cancel_all(&mut self) -> bool {
        if !self.cancelled {
            self.cancelled = true;
            for id in self.running.keys() {
                self.runner.cancel(*id);
            }
        }
        self.running.is_empty()
    }
}

fn dropped(path: &Path) {
    notice(format!(
        "{}: removed before it was whole; dropped",
        path.display()
    ));
}
