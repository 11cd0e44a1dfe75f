//! What the window drives, apart from what it shows: the job runner, the
//! job store, the settings and where they are remembered, the thumbnail
//! loader, the file scanner, the file dialogs, the "queue finished" notification
//! and the watch folders' watches. The
//! view's own state is in [`crate::ui::state::view_state`].

pub mod dialogs;
pub mod facts;
pub mod image_file;
pub mod notify;
pub mod repaint;
pub mod runner;
pub mod scanner;
pub mod settings_store;
pub mod shared_store;
pub mod storyboards;
pub mod thumbnails;
pub mod ui_stats;
pub mod watch_folders;

use std::path::PathBuf;

use crate::settings::Settings;
use vidprism_engine::presets::Preset;

use crate::ui::systems::dialogs::Dialogs;
use crate::ui::systems::facts::FactsProber;
use crate::ui::systems::notify::FinishNotifier;
use crate::ui::systems::runner::Backend;
use crate::ui::systems::scanner::Scanner;
use crate::ui::systems::settings_store::SettingsStore;
use crate::ui::systems::shared_store::SharedStore;
use crate::ui::systems::storyboards::StoryboardLoader;
use crate::ui::systems::thumbnails::ThumbnailLoader;
use crate::ui::systems::watch_folders::Watches;

pub struct Systems {
    pub backend: Backend,
    /// The job store behind the queue (`None`: the queue is not remembered).
    pub jobs: Option<SharedStore>,
    pub settings: Settings,
    /// Remembers `settings` off the UI thread.
    pub settings_store: SettingsStore,
    /// Presets the user can pick: the built-ins, then the user's.
    pub presets: Vec<Preset>,
    pub loader: ThumbnailLoader,
    /// Probes the sources of rows whose jobs have not said what they are.
    pub facts: FactsProber,
    /// Reads the hovered rows' storyboards off the UI thread.
    pub storyboards: StoryboardLoader,
    /// Finds the files to add off the UI thread.
    pub scanner: Scanner,
    pub dialogs: Dialogs,
    pub notifier: FinishNotifier,
    /// The watch folders being watched.
    pub watches: Watches,
}

impl Systems {
    /// Remembers the current settings.
    pub fn save_settings(&self) {
        self.settings_store.save(&self.settings);
    }

    pub fn output_dir(&self) -> PathBuf {
        self.settings
            .output_dir
            .clone()
            .unwrap_or_else(vidprism_engine::output::default_output_dir)
    }

    /// The presets chosen for videos being added, in the list's order;
    /// names no longer known are ignored.
    pub fn chosen_presets(&self) -> Vec<Preset> {
        vidprism_engine::presets::named(&self.presets, &self.settings.presets)
    }

    /// How many videos transcode at once: the setting, or on a farm what
    /// its workers can take.
    pub fn jobs_at_once(&self) -> usize {
        self.backend.jobs_at_once(&self.settings)
    }
}
