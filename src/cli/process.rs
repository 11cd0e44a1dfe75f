//! `vidprism process`: run the engine headless, with progress bars on a
//! terminal or JSON event lines on stdout.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use vidprism_engine::media::missing_encoders;
use vidprism_engine::output::default_output_dir;
use vidprism_engine::pipeline::{
    Engine, EngineConfig, Event, EventKind, JobDone, JobFailed, JobId, JobRequest, JobRunner,
    Output, Progress, RenditionFailed, RenditionSkipped, StageStarted, Thumbnail, QUEUE_CAPACITY,
};
use vidprism_engine::presets::{resolve, Preset, PresetError, PresetStore, DEFAULT_PRESET};
use vidprism_engine::sources::{sources, Skipped, WalkRule};
use vidprism_farm::{FarmClient, Files};

use super::ProcessArgs;

/// Exit status for a usage error, as clap uses.
pub(super) const USAGE: u8 = 2;

/// Built-in presets, then the user's (`VIDPRISM_CONFIG_DIR` or the config
/// dir); a user preset that is invalid or needs a missing encoder is refused
/// here, before any job starts.
pub(super) fn resolve_presets(names: &[String]) -> Result<Vec<Preset>, PresetError> {
    let names: Vec<&str> = if names.is_empty() {
        vec![DEFAULT_PRESET]
    } else {
        names.iter().map(String::as_str).collect()
    };
    let store = PresetStore::open_default();
    names
        .into_iter()
        .map(|name| resolve(name, store.as_ref(), missing_encoders))
        .collect()
}

/// This machine's engine, or with `--nats` a farm client (`vidprism process`
/// and `vidprism watch`).
pub(super) fn start_runner(
    run: &super::RunArgs,
    queue_capacity: usize,
) -> anyhow::Result<Box<dyn JobRunner>> {
    Ok(match run.farm.connection()? {
        Some(connection) => {
            let files = if run.shared_folders {
                Files::Shared
            } else {
                Files::ObjectStore
            };
            Box::new(FarmClient::connect(&connection, files, None)?)
        }
        None => Box::new(
            Engine::start(
                EngineConfig {
                    transcode_jobs: usize::from(run.jobs),
                    stall_timeout: std::time::Duration::from_secs(run.stall_timeout),
                    queue_capacity,
                    event_capacity: queue_capacity.saturating_mul(16),
                    ..EngineConfig::default()
                },
                None,
            )
            .context("starting the pipeline's threads")?,
        ),
    })
}

pub fn run(args: ProcessArgs) -> anyhow::Result<ExitCode> {
    let presets = match resolve_presets(&args.run.presets) {
        Ok(p) => p,
        Err(message) => {
            super::say(message);
            return Ok(ExitCode::from(USAGE));
        }
    };
    let out_dir = args.run.out.clone().unwrap_or_else(default_output_dir);
    let queue_capacity = queue_capacity();
    let engine = start_runner(&args.run, queue_capacity)?;
    let mut session = Session::new(engine.as_ref(), args.run.json);
    if args.store {
        session.open_store()?;
    }
    // Submission and event reading take turns, with at most a window of
    // jobs open: any number of inputs then needs bounded memory, and a
    // submit never waits on a full queue while the events that would
    // empty it wait for this loop.
    let window = SUBMIT_WINDOW.min(queue_capacity).max(1);
    // The window's rule: files as given, folders' videos, each file once.
    let (files, skipped) = sources(&args.files, WalkRule::GIVEN);
    say_skipped(&skipped);
    // A folder given without a video in it is an input that failed.
    session.failed += skipped.empty_folders.len();
    let mut files = files.iter();
    let mut lonely = LonelyFarmHint::new(!args.run.json);
    let request = |file: &PathBuf| JobRequest {
        input: file.clone(),
        presets: presets.clone(),
        out_dir: out_dir.clone(),
    };
    loop {
        session.submit_up_to(window, &mut files, request)?;
        if session.inputs.is_empty() {
            break;
        }
        let event = match session.engine.events().recv_timeout(HINT_CHECK) {
            Ok(event) => event,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                lonely.check(session.engine);
                continue;
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                anyhow::bail!("the pipeline stopped unexpectedly")
            }
        };
        session.take(&event)?;
    }
    Ok(session.exit_code())
}

/// What a `process` run keeps between submitting jobs and reading their
/// events.
struct Session<'a> {
    engine: &'a dyn JobRunner,
    view: Box<dyn EventView>,
    /// Jobs submitted and not yet ended, with their inputs.
    inputs: HashMap<JobId, PathBuf>,
    /// Inputs that failed (jobs, folders without videos, jobs the store
    /// gave up on).
    failed: usize,
    store: Option<super::resume::StoreRun>,
    /// Whoever read stdout left: nothing more is submitted nor said.
    stdout_closed: bool,
}

impl<'a> Session<'a> {
    fn new(engine: &'a dyn JobRunner, json: bool) -> Session<'a> {
        let view: Box<dyn EventView> = if json {
            Box::new(JsonLines)
        } else {
            Box::new(Bars::new())
        };
        Session {
            engine,
            view,
            inputs: HashMap::new(),
            failed: 0,
            store: None,
            stdout_closed: false,
        }
    }

    /// `--store`: opens the job store and submits again what it holds.
    fn open_store(&mut self) -> anyhow::Result<()> {
        let (mut run, recovery) = super::resume::StoreRun::open()?;
        self.failed += recovery.failed.len();
        for (id, input) in run.resubmit(self.engine, &recovery.rerun) {
            self.view.submitted(id, &input);
            self.inputs.insert(id, input);
        }
        self.store = Some(run);
        Ok(())
    }

    /// Submits the next of `files` (a job `request` each) until `window`
    /// jobs are open; none once stdout is closed.
    fn submit_up_to<'f>(
        &mut self,
        window: usize,
        files: &mut impl Iterator<Item = &'f PathBuf>,
        request: impl Fn(&PathBuf) -> JobRequest,
    ) -> anyhow::Result<()> {
        while self.inputs.len() < window && !self.stdout_closed {
            let Some(file) = files.next() else {
                break;
            };
            let job = request(file);
            let id = match self.store.as_mut() {
                Some(run) => {
                    let names = job.presets.iter().map(|p| p.name.clone()).collect();
                    run.submit(self.engine, job, names)?
                }
                None => self.engine.submit(job),
            };
            self.view.submitted(id, file);
            self.inputs.insert(id, file.clone());
        }
        Ok(())
    }

    /// Takes one event: to the store, to the view, counted when it ends a
    /// job that failed. A reader of stdout that left cancels the rest.
    fn take(&mut self, event: &Event) -> anyhow::Result<()> {
        if let Some(run) = self.store.as_mut() {
            run.apply(event);
        }
        let shown = self.view.show(event);
        let ended = event.kind.is_final() && self.inputs.remove(&event.job).is_some();
        if ended && !matches!(event.kind, EventKind::JobDone { .. }) {
            self.failed += 1;
        }
        if let Err(e) = shown {
            if !reader_gone(&e) {
                return Err(e);
            }
            // `--json | head -1`: the reader has what it wanted. Cancel the
            // rest, submit no more, and let the jobs end (temp files
            // removed, the store told) without a word, like any command
            // whose reader left.
            for id in self.inputs.keys() {
                self.engine.cancel(*id);
            }
            self.view = Box::new(Unread);
            self.stdout_closed = true;
        }
        Ok(())
    }

    fn exit_code(&self) -> ExitCode {
        if self.failed > 0 && !self.stdout_closed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Says on stderr, a line each, what the inputs' walk did not take.
fn say_skipped(skipped: &Skipped) {
    let names = |paths: &[PathBuf]| {
        let shown: Vec<String> = paths
            .iter()
            .take(5)
            .map(|p| p.display().to_string())
            .collect();
        let more = paths.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{}{more}", shown.join(", "))
    };
    if !skipped.same_file.is_empty() {
        super::say(format!(
            "skipped {} as second paths to a file already queued (same device and inode): {}",
            skipped.same_file.len(),
            names(&skipped.same_file)
        ));
    }
    for folder in &skipped.empty_folders {
        super::say(format!(
            "{}: a folder with no videos in it",
            folder.display()
        ));
    }
    if !skipped.not_videos.is_empty() {
        super::say(format!(
            "skipped {} files in folders that are not videos: {}",
            skipped.not_videos.len(),
            names(&skipped.not_videos)
        ));
    }
}

/// Most jobs open at once (submitted, not yet ended).
pub(super) const SUBMIT_WINDOW: usize = 256;

/// The engine's queue capacity: its default, or `VIDPRISM_QUEUE_CAPACITY`
/// (for tests that shrink the queues to prove nothing waits on a full one).
pub(super) fn queue_capacity() -> usize {
    std::env::var("VIDPRISM_QUEUE_CAPACITY")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(QUEUE_CAPACITY)
}

/// How often the wait for events looks up, to say what it waits for.
const HINT_CHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// No worker for this long on a farm: say so, once.
const LONELY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Nothing moves on a farm without a worker: after a few seconds with none,
/// say so once on stderr (not with --json, whose reader wants events only).
pub(super) struct LonelyFarmHint {
    since: std::time::Instant,
    pending: bool,
}

impl LonelyFarmHint {
    pub(super) fn new(enabled: bool) -> LonelyFarmHint {
        LonelyFarmHint {
            since: std::time::Instant::now(),
            pending: enabled,
        }
    }

    pub(super) fn check(&mut self, runner: &dyn JobRunner) {
        if self.pending && self.since.elapsed() >= LONELY_AFTER && runner.workers() == Some(0) {
            self.pending = false;
            eprintln!(
                "vidprism: no worker has joined {} yet; the jobs wait there. \
                 Start one with: vidprism worker --nats URL",
                runner.describe()
            );
        }
    }
}

pub(super) trait EventView {
    /// A job was submitted for `input`.
    fn submitted(&mut self, _job: JobId, _input: &Path) {}
    fn show(&mut self, event: &Event) -> anyhow::Result<()>;
}

/// `--json`: one event per line on stdout and nothing else there.
pub(super) struct JsonLines;

impl EventView for JsonLines {
    fn show(&mut self, event: &Event) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(event).context("encoding an event")?;
        line.push(b'\n');
        // One write of the whole line: an error here is stdout's own (a
        // std::io::Error, which `reader_gone` looks for).
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&line).context("writing an event")?;
        stdout.flush().context("writing an event")?;
        Ok(())
    }
}

/// Whether `error` says stdout's reader has closed its end (EPIPE).
pub(super) fn reader_gone(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// After stdout's reader has left: the jobs' last events go nowhere.
pub(super) struct Unread;

impl EventView for Unread {
    fn show(&mut self, _event: &Event) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Terminal view: one bar per running rendition, a line per result.
pub(super) struct Bars {
    multi: MultiProgress,
    inputs: HashMap<JobId, PathBuf>,
    bars: HashMap<(JobId, String), ProgressBar>,
    style: ProgressStyle,
}

impl Bars {
    pub(super) fn new() -> Bars {
        let style =
            ProgressStyle::with_template("{prefix:>28.bold} [{bar:30}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            inputs: HashMap::new(),
            bars: HashMap::new(),
            style,
        }
    }

    fn name(&self, job: JobId) -> String {
        self.inputs
            .get(&job)
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("job {job}"))
    }

    /// Prints `text` above the bars, its control characters (a file name's
    /// escape sequences) made harmless.
    fn line(&self, text: String) {
        let text = vidprism_engine::names::printable(&text);
        if self.multi.is_hidden() {
            eprintln!("{text}");
        } else {
            // Printing above the bars only fails if the terminal is gone.
            let _ = self.multi.println(text);
        }
    }

    fn finish_bar(&mut self, job: JobId, rendition: &str) {
        if let Some(bar) = self.bars.remove(&(job, rendition.to_owned())) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }
}

impl EventView for Bars {
    fn submitted(&mut self, job: JobId, input: &Path) {
        self.inputs.insert(job, input.to_path_buf());
    }

    fn show(&mut self, event: &Event) -> anyhow::Result<()> {
        let job = event.job;
        let name = self.name(job);
        match &event.kind {
            EventKind::StageStarted(StageStarted {
                rendition: Some(rendition),
                ..
            }) => {
                let bar = self.multi.add(ProgressBar::new(1000));
                bar.set_style(self.style.clone());
                bar.set_prefix(vidprism_engine::names::printable(&format!(
                    "{name} {rendition}"
                )));
                self.bars.insert((job, rendition.clone()), bar);
            }
            EventKind::Progress(Progress {
                rendition,
                fraction,
                fps,
                eta_s,
                ..
            }) => {
                if let Some(bar) = self.bars.get(&(job, rendition.clone())) {
                    bar.set_position((fraction * 1000.0) as u64);
                    let eta = eta_s
                        .map(|s| format!(", {s:.0} s left"))
                        .unwrap_or_default();
                    bar.set_message(format!("{fps:.0} fps{eta}"));
                }
            }
            EventKind::ThumbnailReady(Thumbnail { path, .. }) => {
                self.line(format!("{name}: thumbnail {}", path.display()))
            }
            EventKind::RenditionDone(Output {
                rendition,
                path,
                width,
                height,
                bytes,
                skipped_tracks,
                quality,
                ..
            }) => {
                self.finish_bar(job, rendition);
                let score = quality
                    .as_ref()
                    .map(|q| format!(" · {}", q.summary()))
                    .unwrap_or_default();
                self.line(format!(
                    "{name}: {rendition} {width}x{height} {:.1} MB {}{score}",
                    *bytes as f64 / 1e6,
                    path.display()
                ));
                for skipped in skipped_tracks {
                    self.line(format!(
                        "{name}: {rendition} without source track {} ({}): {}",
                        skipped.index, skipped.codec, skipped.reason
                    ));
                }
            }
            EventKind::QualityPlanned(planned) => self.line(format!(
                "{name}: {} aims at SSIM {}: {}",
                planned.rendition,
                planned.target_ssim,
                planned.summary()
            )),
            EventKind::StoryboardReady(storyboard) => self.line(format!(
                "{name}: storyboard of {} tiles {}",
                storyboard.tiles,
                storyboard.path.display()
            )),
            EventKind::RenditionSkipped(RenditionSkipped { rendition, reason }) => {
                self.line(format!("{name}: {rendition} skipped: {reason}"))
            }
            EventKind::RenditionFailed(RenditionFailed { rendition, error }) => {
                self.finish_bar(job, rendition);
                self.line(format!("{name}: {rendition} failed: {error}"));
            }
            EventKind::JobDone(JobDone { outputs }) => {
                self.line(format!("{name}: done, {outputs} files"))
            }
            EventKind::JobFailed(JobFailed { error }) => {
                let open: Vec<String> = self
                    .bars
                    .keys()
                    .filter(|(j, _)| *j == job)
                    .map(|(_, r)| r.clone())
                    .collect();
                for rendition in open {
                    self.finish_bar(job, &rendition);
                }
                self.line(format!("{name}: failed: {error}"));
            }
            EventKind::Cancelled => self.line(format!("{name}: cancelled")),
            _ => {}
        }
        Ok(())
    }
}
