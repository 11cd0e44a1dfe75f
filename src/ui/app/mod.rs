//! The window's state and everything it does that is not drawing. What it
//! drives ([`Systems`]) is kept apart from what it shows ([`ViewState`]);
//! every click, key and dialog answer arrives as a [`Command`] and is
//! applied by [`App::handle`], the one place the window's state changes
//! on the user's behalf. Besides that, [`App::logic`] runs before every
//! frame and also while the window is minimized or hidden (eframe then
//! calls no `ui`): it takes the runner's events within a per-frame budget,
//! feeds the engine and the store and says when the queue finished.
//! Thumbnails are uploaded only by the frames that show them.

pub mod compare;
pub mod facts;
pub mod farm;
pub mod preset_editor;
pub mod preview;
pub mod queue;
pub mod quit;
pub mod row_presets;
pub mod storyboards;
pub mod thumbnail_textures;
pub mod warm_start;
pub mod watch_folders;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::settings::{Settings, MAX_TRANSCODE_JOBS};
use eframe::egui;
use vidprism_engine::output::PLAYER_PAGE;
use vidprism_engine::pipeline::{Event, EventKind, JobId, Waker};

use crate::ui::command::{command_channel, Command, CommandReceiver, CommandSender, RowCommand};
use crate::ui::compare::CompareCommand;
use crate::ui::state::end_rate::EndRate;
use crate::ui::state::forms::{FarmForm, QuitPrompt};
use crate::ui::state::preset_editor::PresetEditor;
use crate::ui::state::queue_model::{QueueModel, RowId};
use crate::ui::state::scrub::ScrubTextures;
use crate::ui::state::view_state::ViewState;
use crate::ui::systems::dialogs::Dialogs;
use crate::ui::systems::facts::FactsProber;
use crate::ui::systems::notify::{open_in_file_manager, FinishNotifier};
use crate::ui::systems::repaint::{one_pass_within, Repaint};
use crate::ui::systems::runner::Backend;
use crate::ui::systems::scanner::{Adding, Scan, Scanner};
use crate::ui::systems::settings_store::SettingsStore;
use crate::ui::systems::storyboards::{row_bundle_files, StoryboardLoader, STORYBOARD_TILE_PIXELS};
use crate::ui::systems::thumbnails::ThumbnailLoader;
use crate::ui::systems::watch_folders::Watches;
use crate::ui::systems::Systems;

/// Longest the UI thread spends on events per frame; more waiting events
/// are left for the next frame, which is requested right away. When news
/// repaints are spaced out (costly frames), the budget and the limit grow
/// in proportion: a pass then has more news to take, and a frame asked for
/// leftovers would cost more than taking them.
const EVENT_BUDGET: Duration = Duration::from_millis(2);
/// Most events handled per frame, whatever the clock says.
const EVENT_LIMIT: usize = 2000;
/// Longest the UI thread spends per frame making rows of found files.
const ADD_BUDGET: Duration = Duration::from_millis(4);
/// Progress and other news from the runner repaint at most this often;
/// input repaints at once.
pub const NEWS_REPAINT: Duration = Duration::from_millis(100);
/// News repaints come at least this often, however costly a frame.
const NEWS_REPAINT_MAX: Duration = Duration::from_secs(2);
/// The title's progress changes at most this often: each new title is a
/// viewport command, and egui answers every one with a frame (on a
/// software renderer a frame of rows costs about 40 ms of CPU), so a queue
/// of short jobs repainted for its title as fast as frames could be drawn.
pub const TITLE_EVERY: Duration = Duration::from_secs(2);
/// Frames drawn for news take at most about 1/this of the time: with a
/// software renderer (a virtual screen, no GPU) a frame costs 100 ms and
/// more, on both cores (Mesa's llvmpipe threads), taken from the videos.
const NEWS_FRAME_SHARE: f64 = 20.0;

/// How long news waits for a repaint when a frame costs `frame_s` seconds
/// (smoothed): [`NEWS_REPAINT`], longer when frames are costly, at most
/// [`NEWS_REPAINT_MAX`].
pub fn news_repaint(frame_s: f64) -> Duration {
    let wanted = (frame_s * NEWS_FRAME_SHARE)
        .clamp(NEWS_REPAINT.as_secs_f64(), NEWS_REPAINT_MAX.as_secs_f64());
    // NaN (no figure) clamps to NaN: the shortest delay then.
    Duration::try_from_secs_f64(wanted).unwrap_or(NEWS_REPAINT)
}

pub struct App {
    /// The runner, job store, settings, loaders and dialogs.
    pub(super) systems: Systems,
    /// The queue's rows, one per video.
    pub(super) model: QueueModel,
    /// No new job starts while paused.
    pub(super) paused: bool,
    /// Rows given to the engine beyond the jobs at once (none unless jobs
    /// are short: `queue::jobs_are_short`, then `next_ahead`).
    pub(super) ahead: usize,
    /// Jobs given ahead that a pause took back: cancelled in the engine,
    /// their rows wait again once it says so.
    pub(super) withdrawn: HashSet<JobId>,
    /// When each job in the engine was given to it.
    pub(super) given_at: HashMap<JobId, Instant>,
    /// How long jobs took lately, given to ended (smoothed), seconds.
    pub(super) job_s: Option<f64>,
    /// Jobs that ended since the last pass's pump.
    pub(super) ended_since_pump: usize,
    /// How fast jobs end (sizes the rows given ahead).
    pub(super) end_rate: EndRate,
    /// Files being found by the scanner and made rows.
    pub(super) adding: Adding,
    pub(super) view: ViewState,
    /// The cost of a frame, smoothed (seconds), and the news repaint delay
    /// it gives, in ms, read by the wakers of the runner and loaders.
    frame_s: f64,
    /// What a frame costs at least, whatever eframe says (a software
    /// renderer's work is on its own threads, which eframe does not time).
    frame_floor_s: f64,
    news_ms: Arc<AtomicU64>,
    /// Where drawing code and dialogs send commands.
    commands: CommandSender,
    /// Commands not handled yet.
    pending: CommandReceiver,
}

impl App {
    /// [`Self::start`] repainting `ctx` (tests; the window is opened after
    /// its app is built).
    #[cfg(test)]
    pub fn new(ctx: &egui::Context, settings_path: Option<PathBuf>) -> anyhow::Result<App> {
        App::start(Repaint::of(ctx), settings_path)
    }

    /// Starts the engine and the thumbnail and storyboard loaders, which
    /// ask `repaint` for passes (they reach the window once it is attached
    /// there). `settings_path` is where settings are remembered (`None`:
    /// nowhere); tests pass a temp dir.
    pub fn start(repaint: Repaint, settings_path: Option<PathBuf>) -> anyhow::Result<App> {
        let settings = settings_path
            .as_deref()
            .map(Settings::load_from)
            .unwrap_or_default();
        let news_ms = Arc::new(AtomicU64::new(NEWS_REPAINT.as_millis() as u64));
        let delay = Arc::clone(&news_ms);
        let news = repaint.clone();
        let wake: Waker =
            Arc::new(move || news.after(Duration::from_millis(delay.load(Ordering::Relaxed))));
        let wake_now: Waker = Arc::new(move || repaint.now());
        let (backend, notice) = Backend::start(&settings, Arc::clone(&wake))?;
        let farm_form = FarmForm::new(&settings.farm);
        let loader = ThumbnailLoader::start(Arc::clone(&wake))?;
        let storyboards = StoryboardLoader::start(Arc::clone(&wake))?;
        let scanner = Scanner::start(Arc::clone(&wake))?;
        let facts = FactsProber::start(Arc::clone(&wake))?;
        let (commands, pending) = command_channel();
        let preset_editor = PresetEditor::for_settings(settings_path.as_deref());
        Ok(App {
            systems: Systems {
                backend,
                jobs: None,
                settings,
                settings_store: SettingsStore::new(settings_path),
                presets: preset_editor.all_presets(),
                loader,
                facts,
                storyboards,
                scanner,
                dialogs: Dialogs::new(commands.clone(), wake_now),
                notifier: FinishNotifier::default(),
                watches: Watches::new(Arc::clone(&wake)),
            },
            model: QueueModel::default(),
            paused: false,
            ahead: 0,
            withdrawn: HashSet::new(),
            given_at: HashMap::new(),
            job_s: None,
            ended_since_pump: 0,
            end_rate: EndRate::default(),
            adding: Adding::default(),
            view: ViewState {
                selected: None,
                textures: HashMap::new(),
                preview: None,
                scrubs: ScrubTextures::default(),
                compare: None,
                sample: None,
                sample_cancelled: None,
                notice,
                farm_form,
                preset_editor,
                quit: QuitPrompt::default(),
                path_prompt: None,
                title: String::new(),
                title_sent_at: None,
                windows_open: [false; 3],
                focus_back: None,
                viewport: Vec::new(),
                cleared_to_panel_fill: false,
            },
            frame_s: 0.0,
            frame_floor_s: 0.0,
            news_ms,
            commands,
            pending,
        })
    }

    /// What the last frame cost (eframe's figure: `ui` and painting, not
    /// the wait for the screen): news repaints are spaced to keep frames a
    /// small share of the time ([`news_repaint`]).
    pub fn frame_cost(&mut self, seconds: f64) {
        if seconds.is_finite() && seconds >= 0.0 {
            self.frame_s = 0.8 * self.frame_s + 0.2 * seconds;
        }
        let delay = news_repaint(self.frame_cost_s().as_secs_f64()).as_millis() as u64;
        self.news_ms.store(delay, Ordering::Relaxed);
    }

    /// How long news now waits for a repaint, ms (a benchmark prints it).
    pub fn news_repaint_ms(&self) -> u64 {
        self.news_ms.load(Ordering::Relaxed)
    }

    /// What a frame is taken to cost.
    fn frame_cost_s(&self) -> Duration {
        Duration::try_from_secs_f64(self.frame_s.max(self.frame_floor_s)).unwrap_or_default()
    }

    /// Frames cost at least `seconds` (a software renderer).
    pub fn frame_cost_at_least(&mut self, seconds: f64) {
        self.frame_floor_s = seconds;
        self.frame_cost(self.frame_s);
    }

    /// Where drawing code sends what the user asked.
    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    /// Handles every command sent so far (clicks, dialog answers), then
    /// sends the viewport commands they asked for to `ctx`.
    pub fn run_commands(&mut self, ctx: &egui::Context) {
        while let Some(command) = self.pending.try_next() {
            self.handle(command);
        }
        for command in self.view.viewport.drain(..) {
            ctx.send_viewport_cmd(command);
        }
    }

    /// Applies one command.
    pub fn handle(&mut self, command: Command) {
        match command {
            Command::Row(command) => self.handle_row(command),
            Command::AddPaths(paths) => {
                self.add_paths(&paths);
            }
            Command::OpenAddDialog => self.systems.dialogs.add_videos(),
            Command::PickOutputFolder => {
                let start = self.systems.output_dir();
                self.systems.dialogs.output_folder(&start);
            }
            Command::SetOutputDir(dir) => self.set_output_dir(dir),
            Command::ShowFolder(dir) => {
                // The file manager needs something to show; a folder that
                // cannot be made is reported by the file manager itself.
                let _ = std::fs::create_dir_all(&dir);
                open_in_file_manager(&dir);
            }
            Command::SetPresets(names) => self.set_presets(names),
            Command::RowPresets { row, presets } => self.set_row_presets(row, presets),
            Command::SetTranscodeJobs(n) => self.set_transcode_jobs(n),
            Command::SetPaused(paused) => self.set_paused(paused),
            Command::ClearFinished => self.clear_finished(),
            Command::RemoveSelectedEnded => self.remove_selected_ended(),
            Command::DismissNotice => self.view.notice = None,
            Command::Presets(command) => self.handle_presets(command),
            Command::Farm(command) => self.handle_farm(command),
            Command::Watch(command) => self.handle_watch(command),
            Command::Compare(command) => self.handle_compare(command),
            Command::CloseRequested => self.close_requested(),
            Command::CloseTop { or_window } => self.close_top(or_window),
            Command::AskPath(purpose) => self.view.path_prompt = Some((purpose, String::new())),
            Command::PathTyped(path) => {
                let purpose = self.view.path_prompt.take().map(|(p, _)| p);
                if let (Some(purpose), Some(path)) = (purpose, path) {
                    self.handle(purpose.answer(path));
                }
            }
            Command::Quit(answer) => self.answer_quit(answer),
        }
    }

    fn handle_row(&mut self, command: RowCommand) {
        match command {
            // Clicking the selected row again closes its details.
            RowCommand::Select(id) if self.view.selected == Some(id) => self.view.selected = None,
            RowCommand::Select(id) => self.view.selected = Some(id),
            RowCommand::Cancel(id) => self.cancel(id),
            RowCommand::Retry(id) => self.retry(id),
            RowCommand::Remove(id) => self.remove(id),
            RowCommand::MoveUp(id) => self.move_up(id),
            RowCommand::MoveDown(id) => self.move_down(id),
            RowCommand::MoveToTop(id) => self.move_row(id, 0),
            RowCommand::MoveOnto { row, target } => {
                if let Some(at) = self.model.index_of(target) {
                    self.move_row(row, at);
                }
            }
            RowCommand::OpenFolder(id) => {
                if let Some(row) = self.model.row(id) {
                    open_in_file_manager(&row.output_folder());
                }
            }
            RowCommand::Compare(row, rendition) => {
                self.handle_compare(CompareCommand::Open { row, rendition });
            }
            RowCommand::Preview(row) => self.handle_compare(CompareCommand::Preview(row)),
            RowCommand::LoadStoryboard(id) => self.load_storyboard(id, STORYBOARD_TILE_PIXELS),
            RowCommand::OpenInBrowser(id) => {
                let page = self.model.row(id).and_then(|r| {
                    r.bundle
                        .iter()
                        .find(|p| p.file_name().is_some_and(|n| n == PLAYER_PAGE))
                        .cloned()
                });
                if let Some(page) = page {
                    // The platform's opener gives an HTML file to the browser.
                    open_in_file_manager(&page);
                }
            }
        }
    }

    /// Queues `paths` (folders are searched for videos) with the chosen
    /// presets. The search runs on the scanner's thread; rows appear as
    /// files are found (see [`Self::add_found`]).
    pub fn add_paths(&mut self, paths: &[PathBuf]) {
        self.adding.started();
        self.systems.scanner.scan(Scan {
            paths: paths.to_vec(),
            presets: self.systems.chosen_presets(),
            out_dir: self.systems.output_dir(),
            store: self.systems.jobs.clone(),
        });
    }

    /// Makes rows of found files (already in the store) until `deadline`; asks
    /// for another pass when some are left.
    fn add_found(&mut self, ctx: &egui::Context, deadline: Instant) {
        while let Some(news) = self.systems.scanner.try_next() {
            self.adding.take(news);
        }
        while let Some(found) = self.adding.waiting.pop_front() {
            let row = self.model.add(found.request);
            match found.stored {
                Some(Ok(id)) => self.model.set_store_id(row, id),
                Some(Err(e)) => self.store_failed(e),
                None => {}
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        if !self.adding.waiting.is_empty() {
            ctx.request_repaint();
        }
    }

    /// Waits until every scan asked for is over and its files are rows
    /// (tests only: the window never waits).
    #[cfg(test)]
    pub fn finish_adding(&mut self) {
        let ctx = egui::Context::default();
        let start = Instant::now();
        while self.adding.is_busy() {
            assert!(start.elapsed() < Duration::from_secs(20), "scan hung");
            self.add_found(&ctx, Instant::now() + Duration::from_secs(1));
            std::thread::sleep(Duration::from_millis(1));
        }
        self.pump();
    }

    /// [`Self::add_paths`], then waits for the rows (tests only).
    #[cfg(test)]
    pub fn add_paths_now(&mut self, paths: &[PathBuf]) {
        self.add_paths(paths);
        self.finish_adding();
    }

    pub fn cancel(&mut self, row: RowId) {
        match self.model.row(row).map(|r| r.job) {
            Some(Some(job)) => {
                self.systems.backend.runner.cancel(job);
            }
            Some(None) => self.cancel_waiting(row),
            None => {}
        }
    }

    /// Queues the row's request again at its place; the new job maps to
    /// the same row.
    pub fn retry(&mut self, row: RowId) {
        self.view.textures.remove(&row);
        self.view.preview = None;
        self.requeue(row);
    }

    /// Drops the row; a job still running is cancelled.
    pub fn remove(&mut self, row: RowId) {
        self.cancel(row);
        self.watch_row_ended(row, false);
        self.forget(row);
        self.model.remove(row);
        self.view.forget_row(row);
    }

    /// Removes the selected row if it ended; nothing else.
    fn remove_selected_ended(&mut self) {
        let ended = self
            .view
            .selected
            .and_then(|id| self.model.row(id))
            .filter(|row| row.status.is_final())
            .map(|row| row.id);
        if let Some(id) = ended {
            self.remove(id);
        }
    }

    pub fn set_presets(&mut self, names: Vec<String>) {
        self.systems.settings.presets = names;
        self.systems.save_settings();
    }

    pub fn set_output_dir(&mut self, dir: PathBuf) {
        self.systems.settings.output_dir = Some(dir);
        self.systems.save_settings();
    }

    /// How many videos transcode at once: the setting, or on a farm what
    /// its workers can take.
    pub fn jobs_at_once(&self) -> usize {
        self.systems.jobs_at_once()
    }

    pub fn set_transcode_jobs(&mut self, n: usize) {
        let n = n.clamp(1, MAX_TRANSCODE_JOBS);
        self.systems.settings.transcode_jobs = n;
        self.systems.backend.runner.set_transcode_jobs(n);
        self.systems.save_settings();
        self.pump();
    }

    /// The window's work, run before every frame and while the window is
    /// hidden: commands, a farm connected, found files and watch folders'
    /// whole files made rows and
    /// engine events (each within a budget), the engine fed, the "queue finished" notice. Asks for
    /// another pass when events are left over. Draws nothing.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.work(ctx);
        self.notify_when_finished(ctx);
        self.update_title(ctx);
    }

    /// The window's title says how far the queue got ("VidPrism — 42%
    /// (3 of 7)"), so it shows in the task bar while the window is
    /// minimized: set from here, since eframe calls no `ui` then.
    /// A change of progress waits [`TITLE_EVERY`] after the last title;
    /// the queue's start, end and pause are shown at once.
    fn update_title(&mut self, ctx: &egui::Context) {
        let title = window_title(&self.model, self.paused);
        if self.view.title == title {
            return;
        }
        let now = Instant::now();
        let wait = self
            .view
            .title_sent_at
            .map_or(Duration::ZERO, |at| TITLE_EVERY.saturating_sub(now - at));
        let state_changed = title == "VidPrism"
            || self.view.title == "VidPrism"
            || title.ends_with(", paused)") != self.view.title.ends_with(", paused)");
        if wait.is_zero() || state_changed {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.view.title = title;
            self.view.title_sent_at = Some(now);
        } else {
            ctx.request_repaint_after(wait);
        }
    }

    /// [`Self::logic`] without the "queue finished" notice: the warm
    /// start's passes, before there is a window that could have the focus
    /// (a queue that ended by then is seen ended when the window opens).
    pub fn work(&mut self, ctx: &egui::Context) {
        self.run_commands(ctx);
        self.poll_farm();
        self.pump_preview(ctx);
        self.add_found(ctx, Instant::now() + ADD_BUDGET);
        if let Some(again) = self.watch_pass() {
            ctx.request_repaint_after(again);
        }
        let news_ms = self.news_ms.load(Ordering::Relaxed);
        let spacing = (news_ms / NEWS_REPAINT.as_millis() as u64).max(1) as u32;
        // Taking events for as long as a frame costs is cheaper than the
        // frame that would take the ones left.
        let budget = (EVENT_BUDGET * spacing).max(self.frame_cost_s());
        self.drain_events(ctx, Instant::now() + budget, spacing);
        let news = Duration::from_millis(news_ms);
        self.pump_adapting(news);
        // The last jobs should end before the next news repaint: a pass
        // then says the queue finished (and quits a benchmark) sooner.
        if let Some(end) = self.queue_end_in().filter(|end| *end < news) {
            ctx.request_repaint_after(end.max(NEWS_REPAINT));
        }
    }

    fn drain_events(&mut self, ctx: &egui::Context, deadline: Instant, spacing: u32) {
        for handled in 0.. {
            if handled >= EVENT_LIMIT * spacing as usize || Instant::now() >= deadline {
                if !self.systems.backend.runner.events().is_empty() {
                    one_pass_within(ctx, Duration::ZERO);
                }
                return;
            }
            let Ok(event) = self.systems.backend.runner.events().try_recv() else {
                return;
            };
            self.apply_event(&event);
        }
    }

    /// One engine event: into the store and the queue; a job's end goes
    /// back to its watch folder, and a job's end (or its storyboard) looks
    /// for the published bundle's files in its folder.
    pub fn apply_event(&mut self, event: &Event) {
        if self.preview_event(event) {
            return;
        }
        self.store_event(event);
        if event.kind.is_final() {
            let cancelled = matches!(event.kind, vidprism_engine::pipeline::EventKind::Cancelled);
            self.job_ended(event.job, !cancelled);
        }
        if self.withdrawn_ended(event) {
            return;
        }
        // Thumbnails are loaded by the frames that show them.
        let row = self.model.apply(event);
        if let (Some(row), true) = (row, event.kind.is_final()) {
            self.ended_since_pump += 1;
            self.watch_row_ended(row, matches!(event.kind, EventKind::JobDone(_)));
        }
        if matches!(
            event.kind,
            EventKind::JobDone(_) | EventKind::StoryboardReady(_)
        ) {
            if let Some(id) = row {
                let files = self.model.row(id).map(row_bundle_files);
                self.model.set_bundle(id, files.unwrap_or_default());
            }
        }
    }

    /// Whether the queue had rows and every one has ended, with no files
    /// being added (the benchmarks' "quit when done").
    pub fn queue_ran(&self) -> bool {
        !self.model.rows().is_empty() && !self.model.is_busy() && !self.adding.is_busy()
    }

    /// Sends a desktop notification when the queue has just finished while
    /// the window is not focused (or minimized, or hidden).
    fn notify_when_finished(&mut self, ctx: &egui::Context) {
        let busy = self.model.is_busy() || self.adding.is_busy();
        if !self.systems.notifier.just_finished(busy) {
            return;
        }
        let focused = ctx.input(|i| {
            let viewport = i.viewport();
            viewport.minimized != Some(true)
                && viewport.visible() != Some(false)
                && viewport.focused.unwrap_or(i.raw.focused)
        });
        if focused {
            return;
        }
        let t = self.model.totals(self.jobs_at_once());
        let body = if t.failed > 0 {
            format!("{} done, {} failed", t.done, t.failed)
        } else {
            format!("{} video(s) done", t.done)
        };
        self.systems
            .notifier
            .notify("VidPrism: queue finished", &body);
    }
}

/// "VidPrism" with nothing to do; "VidPrism — 42% (3 of 7)" while the
/// queue runs (ended rows of the total not cancelled), "paused" when so.
pub fn window_title(model: &QueueModel, paused: bool) -> String {
    if !model.is_busy() {
        return "VidPrism".to_owned();
    }
    let t = model.totals(1);
    let ended = t.done + t.failed;
    let total = ended + t.running + t.waiting;
    let percent = (model.progress() * 100.0).floor();
    let state = if paused { ", paused" } else { "" };
    format!("VidPrism — {percent:.0}% ({ended} of {total}{state})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_repaints_are_spaced_out_when_frames_are_costly() {
        assert_eq!(news_repaint(0.003), NEWS_REPAINT, "a GPU's frame");
        assert_eq!(news_repaint(0.05), Duration::from_secs(1));
        assert_eq!(news_repaint(0.4), NEWS_REPAINT_MAX);
        assert_eq!(news_repaint(f64::NAN), NEWS_REPAINT);
        assert_eq!(news_repaint(f64::INFINITY), NEWS_REPAINT_MAX);
        assert_eq!(news_repaint(-1.0), NEWS_REPAINT);
    }
}
