//! The window's state and everything it does that is not drawing: adding
//! videos, draining engine events within a per-frame budget, uploading
//! thumbnails, cancel/retry/remove, remembered settings and the "queue
//! finished" notification.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use eframe::egui;
use vidprism::pipeline::{JobRequest, JobRunner, Waker};
use vidprism::presets::Preset;
use vidprism::settings::{Settings, MAX_TRANSCODE_JOBS};
use vidprism::store::{JobStore, StoreId};

use super::farm::{start_runner, FarmForm};
use super::files::expand_paths;
use super::preset_editor::PresetEditor;
use super::queue_model::{QueueModel, RowId};
use super::quit::QuitPrompt;
use super::settings_store::SettingsStore;
use super::thumbnails::ThumbnailLoader;

/// Longest the UI thread spends on events per frame; more waiting events
/// are left for the next frame, which is requested right away.
const EVENT_BUDGET: Duration = Duration::from_millis(2);
/// Most events handled per frame, whatever the clock says.
const EVENT_LIMIT: usize = 2000;

/// What a native dialog, run on its own thread, sends back.
pub enum DialogResult {
    AddFiles(Vec<PathBuf>),
    OutputFolder(PathBuf),
}

/// A thumbnail uploaded to the GPU, or why there is none.
pub enum ThumbnailTexture {
    Ready(egui::TextureHandle),
    Failed(String),
}

pub struct App {
    /// Runs the jobs: this computer's engine, or a farm.
    pub(super) engine: Box<dyn JobRunner>,
    /// Wakes the window when the runner has news.
    pub(super) wake: Waker,
    /// The "Farm" window.
    pub(super) farm_form: FarmForm,
    /// Asking before a close stops running videos.
    pub(super) quit: QuitPrompt,
    pub(super) model: QueueModel,
    pub(super) settings: Settings,
    store: SettingsStore,
    /// Presets the user can pick: the built-ins, then the user's.
    pub(super) presets: Vec<Preset>,
    /// The "Presets" window and the user preset files.
    pub(super) preset_editor: PresetEditor,
    pub(super) loader: ThumbnailLoader,
    pub(super) textures: HashMap<RowId, ThumbnailTexture>,
    /// The row whose details are shown.
    pub(super) selected: Option<RowId>,
    dialogs_tx: Sender<DialogResult>,
    dialogs: Receiver<DialogResult>,
    /// Whether a desktop notification is sent when the queue empties while
    /// the window is unfocused (off in tests).
    pub(super) notify: bool,
    was_busy: bool,
    ctx: egui::Context,
    /// The job store behind the queue (`None`: the queue is not remembered).
    pub(super) jobs: Option<JobStore>,
    pub(super) store_ids: HashMap<RowId, StoreId>,
    /// No new job starts while paused.
    pub(super) paused: bool,
    /// Something the user must know (a store set aside), shown until dismissed.
    pub(super) notice: Option<String>,
}

impl App {
    /// Starts the engine and the thumbnail loader. `settings_path` is where
    /// settings are remembered (`None`: nowhere); tests pass a temp dir.
    pub fn new(ctx: &egui::Context, settings_path: Option<PathBuf>) -> anyhow::Result<App> {
        let settings = settings_path
            .as_deref()
            .map(Settings::load_from)
            .unwrap_or_default();
        let repaint_ctx = ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || repaint_ctx.request_repaint());
        let (engine, notice) = start_runner(&settings, &wake)?;
        let farm_form = FarmForm::new(&settings.farm);
        let loader = ThumbnailLoader::start(Arc::clone(&wake))?;
        let (dialogs_tx, dialogs) = unbounded();
        let preset_editor = PresetEditor::for_settings(settings_path.as_deref());
        Ok(App {
            engine,
            wake,
            farm_form,
            quit: QuitPrompt::default(),
            model: QueueModel::default(),
            settings,
            store: SettingsStore::new(settings_path),
            presets: preset_editor.all_presets(),
            preset_editor,
            loader,
            textures: HashMap::new(),
            selected: None,
            dialogs_tx,
            dialogs,
            notify: true,
            was_busy: false,
            ctx: ctx.clone(),
            jobs: None,
            store_ids: HashMap::new(),
            paused: false,
            notice,
        })
    }

    /// The presets chosen for videos being added, in the list's order;
    /// names no longer known are ignored.
    pub fn chosen_presets(&self) -> Vec<Preset> {
        self.presets
            .iter()
            .filter(|p| self.settings.presets.contains(&p.name))
            .cloned()
            .collect()
    }

    pub fn output_dir(&self) -> PathBuf {
        self.settings
            .output_dir
            .clone()
            .unwrap_or_else(vidprism::output::default_output_dir)
    }

    /// Queues `paths` (folders are searched for videos) with the chosen
    /// presets. Returns the new rows.
    pub fn add_paths(&mut self, paths: &[PathBuf]) -> Vec<RowId> {
        let presets = self.chosen_presets();
        let out_dir = self.output_dir();
        let rows = expand_paths(paths)
            .into_iter()
            .map(|input| {
                let request = JobRequest {
                    input,
                    presets: presets.clone(),
                    out_dir: out_dir.clone(),
                };
                let row = self.model.add(request.clone());
                self.store_add(row, &request);
                row
            })
            .collect();
        self.pump();
        rows
    }

    pub fn cancel(&mut self, row: RowId) {
        match self.model.row(row).map(|r| r.job) {
            Some(Some(job)) => {
                self.engine.cancel(job);
            }
            Some(None) => self.cancel_waiting(row),
            None => {}
        }
    }

    /// Queues the row's request again at its place; the new job maps to
    /// the same row.
    pub fn retry(&mut self, row: RowId) {
        self.textures.remove(&row);
        self.requeue(row);
    }

    /// Drops the row; a job still running is cancelled.
    pub fn remove(&mut self, row: RowId) {
        self.cancel(row);
        self.forget(row);
        self.model.remove(row);
        self.textures.remove(&row);
        if self.selected == Some(row) {
            self.selected = None;
        }
    }

    /// Remembers the current settings.
    pub(super) fn save_settings(&self) {
        self.store.save(&self.settings);
    }

    pub fn set_presets(&mut self, names: Vec<String>) {
        self.settings.presets = names;
        self.store.save(&self.settings);
    }

    pub fn set_output_dir(&mut self, dir: PathBuf) {
        self.settings.output_dir = Some(dir);
        self.store.save(&self.settings);
    }

    /// How many videos transcode at once: the setting, or on a farm what
    /// its workers can take.
    pub fn jobs_at_once(&self) -> usize {
        self.engine
            .transcodes_at_once()
            .unwrap_or(self.settings.transcode_jobs)
            .max(1)
    }

    pub fn set_transcode_jobs(&mut self, n: usize) {
        let n = n.clamp(1, MAX_TRANSCODE_JOBS);
        self.settings.transcode_jobs = n;
        self.engine.set_transcode_jobs(n);
        self.store.save(&self.settings);
        self.pump();
    }

    /// Opens the multi-select file dialog on its own thread (a native
    /// dialog must not freeze the event loop); the files arrive through
    /// [`Self::poll`].
    pub fn open_add_dialog(&self) {
        let tx = self.dialogs_tx.clone();
        let ctx = self.ctx.clone();
        let _ = std::thread::Builder::new()
            .name("file dialog".into())
            .spawn(move || {
                let picked = rfd::FileDialog::new()
                    .set_title("Add videos")
                    .add_filter("Videos", super::files::VIDEO_EXTENSIONS)
                    .add_filter("All files", &["*"])
                    .pick_files();
                if let Some(files) = picked {
                    let _ = tx.send(DialogResult::AddFiles(files));
                    ctx.request_repaint();
                }
            });
    }

    pub fn open_folder_dialog(&self) {
        let tx = self.dialogs_tx.clone();
        let ctx = self.ctx.clone();
        let start = self.output_dir();
        let _ = std::thread::Builder::new()
            .name("folder dialog".into())
            .spawn(move || {
                let picked = rfd::FileDialog::new()
                    .set_title("Output folder")
                    .set_directory(&start)
                    .pick_folder();
                if let Some(folder) = picked {
                    let _ = tx.send(DialogResult::OutputFolder(folder));
                    ctx.request_repaint();
                }
            });
    }

    /// Everything that arrived since the last frame: dialog results, engine
    /// events (within the budget), decoded thumbnails. Asks for another
    /// frame when events are left over.
    pub fn poll(&mut self, ctx: &egui::Context) {
        while let Ok(result) = self.dialogs.try_recv() {
            match result {
                DialogResult::AddFiles(files) => {
                    self.add_paths(&files);
                }
                DialogResult::OutputFolder(dir) => self.set_output_dir(dir),
            }
        }
        self.poll_farm();
        self.drain_events(ctx, Instant::now() + EVENT_BUDGET);
        self.pump();
        while let Some(loaded) = self.loader.try_next() {
            // A retry may have replaced the thumbnail since it was asked for.
            let current = self
                .model
                .row(loaded.row)
                .and_then(|r| r.thumbnail.as_ref())
                .is_some_and(|t| t.path == loaded.path);
            if !current {
                continue;
            }
            let texture = match loaded.image {
                Ok(image) => ThumbnailTexture::Ready(ctx.load_texture(
                    format!("thumbnail {}", loaded.row),
                    image,
                    egui::TextureOptions::LINEAR,
                )),
                Err(e) => ThumbnailTexture::Failed(e),
            };
            self.textures.insert(loaded.row, texture);
        }
        self.notify_when_finished(ctx);
    }

    fn drain_events(&mut self, ctx: &egui::Context, deadline: Instant) {
        for handled in 0.. {
            if handled >= EVENT_LIMIT || Instant::now() >= deadline {
                if !self.engine.events().is_empty() {
                    ctx.request_repaint();
                }
                return;
            }
            let Ok(event) = self.engine.events().try_recv() else {
                return;
            };
            let thumbnail = match &event.kind {
                vidprism::pipeline::EventKind::ThumbnailReady(t) => Some(t.path.clone()),
                _ => None,
            };
            self.store_event(&event);
            if let (Some(row), Some(path)) = (self.model.apply(&event), thumbnail) {
                self.loader.request(row, path);
            }
        }
    }

    /// Sends a desktop notification when the queue has just finished while
    /// the window is not focused.
    fn notify_when_finished(&mut self, ctx: &egui::Context) {
        let busy = self.model.is_busy();
        let finished = self.was_busy && !busy;
        self.was_busy = busy;
        if !finished || !self.notify {
            return;
        }
        let focused = ctx.input(|i| i.viewport().focused.unwrap_or(i.raw.focused));
        if focused {
            return;
        }
        let t = self.model.totals(self.jobs_at_once());
        let body = if t.failed > 0 {
            format!("{} done, {} failed", t.done, t.failed)
        } else {
            format!("{} video(s) done", t.done)
        };
        super::notify::send("VidPrism: queue finished", &body);
    }
}
