//! The window: eframe/egui over the engine. The app state and its rules
//! live in [`app`] and [`queue_model`]; functions ending in `_ui` only draw
//! and send [`command::Command`]s, which `App::handle` applies.

mod app;
mod app_queue;
mod command;
mod dialogs;
mod farm;
mod files;
mod format;
mod notify;
mod preset_editor;
mod preset_form;
mod queue_model;
mod quit;
mod row;
mod runner;
mod scanner;
mod settings_panel;
mod settings_store;
mod systems;
mod thumbnail_textures;
mod thumbnails;
mod view;
mod view_state;
mod watch_folders;
mod watch_window;

#[cfg(test)]
mod preset_editor_tests;
#[cfg(test)]
mod test_fixture;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_a11y;
#[cfg(test)]
mod tests_commands;
#[cfg(test)]
mod tests_farm;
#[cfg(test)]
mod tests_queue;
#[cfg(test)]
mod tests_scale;
#[cfg(test)]
mod tests_watch;

use std::path::PathBuf;

use eframe::egui;
use vidprism::settings::Settings;

/// Opens the window with `files` queued and runs until it is closed.
pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("VidPrism")
            .with_app_id("org.vidprism.VidPrism")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "VidPrism",
        options,
        Box::new(move |cc| {
            let mut app = app::App::new(&cc.egui_ctx, Settings::default_path())?;
            if let Some(dir) = vidprism::store::data_dir() {
                app.open_job_store(&dir.join(vidprism::store::STORE_FILE));
            }
            app.add_paths(&files);
            Ok(Box::new(Window {
                app,
                quit_when_done: std::env::var_os(QUIT_WHEN_DONE).is_some_and(|v| v == "1"),
            }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// The environment variable that makes the window close itself once its
/// queue has run (`1`): for benchmarks (scripts/bench-window.sh), which
/// time the real window from start to end.
const QUIT_WHEN_DONE: &str = "VIDPRISM_QUIT_WHEN_DONE";

/// The eframe side of [`app::App`].
struct Window {
    app: app::App,
    /// Close once the queue had rows and all of them ended.
    quit_when_done: bool,
}

impl eframe::App for Window {
    /// Called before every `ui` and, while the window is minimized or
    /// hidden, instead of it: the queue keeps running either way.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.app.logic(ctx);
        if self.quit_when_done && self.app.queue_ran() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        view::app_ui(&mut self.app, ui);
    }
}
