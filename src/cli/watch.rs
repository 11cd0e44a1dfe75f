//! `vidprism watch`: every video written into the watched folders is
//! queued once it is whole and processed once, even across restarts. The
//! loop drives the engine's [`Watch`] (the window's watch folders drive
//! the same) with a runner, this machine's engine or a farm, and shows the
//! events as `vidprism process` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use vidprism_engine::output::default_output_dir;
use vidprism_engine::pipeline::{Event, EventKind, JobId, JobRequest, JobRunner};
use vidprism_engine::presets::Preset;
use vidprism_engine::sources::Links;
use vidprism_engine::watch::{Events, FeedConfig, Ledger, OnDone, Watch};

use super::process::{
    queue_capacity, reader_gone, resolve_presets, start_runner, Bars, EventView, JsonLines,
    LonelyFarmHint, Unread, SUBMIT_WINDOW, USAGE,
};
use super::WatchArgs;

/// How often the loop looks for files whose settling time is up.
const TICK: Duration = Duration::from_millis(100);

pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let presets = match resolve_presets(&args.run.presets) {
        Ok(p) => p,
        Err(message) => {
            super::say(message);
            return Ok(ExitCode::from(USAGE));
        }
    };
    let Some(dirs) = watched_dirs(&args.dirs) else {
        return Ok(ExitCode::from(USAGE));
    };
    let out_dir = args.run.out.clone().unwrap_or_else(default_output_dir);
    let watch = start_watch(&args, dirs, &out_dir)?;
    let queue_capacity = queue_capacity();
    let runner = start_runner(&args.run, queue_capacity)?;
    let stop = stop_on_ctrl_c()?;
    let view: Box<dyn EventView> = if args.run.json {
        Box::new(JsonLines)
    } else {
        Box::new(Bars::new())
    };
    let mut watch = WatchLoop {
        watch,
        runner: runner.as_ref(),
        presets,
        out_dir,
        view,
        cancelled: false,
        window: SUBMIT_WINDOW.min(queue_capacity).max(1),
    };
    notice(format!(
        "watching {} ({} files found, waiting to be whole); stop with Ctrl+C",
        (watch.watch.config().dirs.iter())
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        watch.watch.waiting()
    ));
    let poll = args.poll.map(Duration::from_secs_f64);
    watch.run(&stop, poll, LonelyFarmHint::new(!args.run.json))?;
    Ok(ExitCode::SUCCESS)
}

/// The folders to watch, links resolved (as the platform's events name
/// their files); `None`, said, when one is not a folder.
fn watched_dirs(given: &[PathBuf]) -> Option<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for dir in given {
        match std::fs::canonicalize(dir) {
            Ok(found) if found.is_dir() => dirs.push(found),
            _ => {
                super::say(format!("{} is not a folder", dir.display()));
                return None;
            }
        }
    }
    Some(dirs)
}

/// The ledger opened, the platform's events started (unless `--poll`: the
/// events of a network mount are not to be trusted, the scans alone find
/// the files) and the folders scanned.
fn start_watch(
    args: &WatchArgs,
    dirs: Vec<PathBuf>,
    out_dir: &Path,
) -> anyhow::Result<Watch<JobId>> {
    // Outputs and moved sources written inside a watched folder are no
    // sources.
    let mut excluded = vec![settled_path(out_dir)?];
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
    let links = if args.follow_links {
        Links::Follow
    } else {
        Links::Stay
    };
    let config = FeedConfig {
        dirs,
        recursive: args.recursive,
        excluded,
        settle: Duration::from_secs_f64(args.settle),
        on_done: args.on_done.clone(),
        links,
    };
    let events = match args.poll {
        Some(_) => Events::Poll,
        None => Events::Platform(Box::new(|| {})),
    };
    Ok(Watch::start(config, ledger, events)?)
}

/// The first Ctrl+C sets the flag (the running jobs are cancelled and
/// waited for, temporary files removed); a second one leaves at once.
fn stop_on_ctrl_c() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = Arc::clone(&stop);
    ctrlc::set_handler(move || {
        if stopper.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    })
    .context("handling Ctrl+C")?;
    Ok(stop)
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
    super::say(format!("watch: {message}"));
}

struct WatchLoop<'a> {
    watch: Watch<JobId>,
    runner: &'a dyn JobRunner,
    presets: Vec<Preset>,
    out_dir: PathBuf,
    view: Box<dyn EventView>,
    /// The running jobs were cancelled (stopping).
    cancelled: bool,
    /// Most jobs open at once: a submit never waits on a full queue while
    /// the events that would empty it wait for this loop.
    window: usize,
}

impl WatchLoop<'_> {
    /// Until stopped: takes the folders' news and the jobs' events, queues
    /// the files found whole, says what the user should hear of.
    fn run(
        &mut self,
        stop: &AtomicBool,
        poll: Option<Duration>,
        mut lonely: LonelyFarmHint,
    ) -> anyhow::Result<()> {
        let mut next_scan = poll.map(|p| Instant::now() + p);
        let tick = crossbeam_channel::tick(TICK);
        let hints = self.watch.hints();
        let runner = self.runner;
        let mut stopping = false;
        let mut next_look = Instant::now();
        loop {
            crossbeam_channel::select! {
                recv(hints) -> hint => {
                    if let Ok(hint) = hint {
                        self.watch.hint(hint, Instant::now());
                    }
                }
                recv(runner.events()) -> event => match event {
                    Ok(event) => stopping |= self.event(event)?,
                    Err(_) => anyhow::bail!("the pipeline stopped unexpectedly"),
                },
                recv(tick) -> _ => {
                    lonely.check(runner);
                    self.watch.check_folders(Instant::now());
                }
            }
            for message in self.watch.take_notices() {
                notice(message.to_string());
            }
            let now = Instant::now();
            if !stopping && stop.load(Ordering::SeqCst) {
                stopping = true;
                notice("stopping: the running jobs are cancelled".to_owned());
            }
            if stopping {
                if self.cancel_all() {
                    return Ok(());
                }
                continue;
            }
            if let (Some(poll), Some(at)) = (poll, next_scan) {
                if now >= at {
                    self.watch.rescan(now);
                    next_scan = Some(now + poll);
                }
            }
            // At most once a tick: a look at the waiting files costs one
            // step each, and events come by the thousand.
            if now >= next_look {
                self.queue_whole_files(now);
                next_look = now + TICK;
            }
        }
    }

    /// Queues the files found whole, as many as the window has room for
    /// (the others wait for the next look).
    fn queue_whole_files(&mut self, now: Instant) {
        let room = self.window.saturating_sub(self.watch.running_count());
        for file in self.watch.whole_files(now, room) {
            let input = file.path().to_path_buf();
            let id = self.runner.submit(JobRequest {
                input: input.clone(),
                presets: self.presets.clone(),
                out_dir: self.out_dir.clone(),
            });
            self.view.submitted(id, &input);
            self.watch.started(id, file);
        }
    }

    /// Shows one event; a job's last is first told to the feed (the ledger,
    /// `--on-done`). True when stdout's reader has gone (stop).
    fn event(&mut self, event: Event) -> anyhow::Result<bool> {
        if event.kind.is_final() {
            let done = matches!(event.kind, EventKind::JobDone(_));
            self.watch.ended(event.job, done);
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

    /// Cancels the running jobs (once); true when none is left.
    fn cancel_all(&mut self) -> bool {
        if !self.cancelled {
            self.cancelled = true;
            for id in self.watch.running() {
                self.runner.cancel(*id);
            }
        }
        self.watch.running_count() == 0
    }
}
