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
mod storyboards;
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
mod tests_storyboard;
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
            // No GPU: each frame is drawn by the CPU (Mesa's llvmpipe),
            // 100 ms and more of both cores, and eframe's frame time does
            // not see that work.
            let software = cc.wgpu_render_state.as_ref().is_some_and(|rs| {
                rs.adapter.get_info().device_type == eframe::wgpu::DeviceType::Cpu
            });
            if software {
                app.frame_cost_at_least(SOFTWARE_FRAME_S);
            }
            let quit_when_done = std::env::var_os(QUIT_WHEN_DONE).is_some_and(|v| v == "1");
            Ok(Box::new(Window {
                app,
                bench: quit_when_done.then(BenchStats::default),
            }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// The environment variable that makes the window close itself once its
/// queue has run (`1`): for benchmarks (scripts/bench-window.sh), which
/// time the real window from start to end. The window then also says on
/// stderr where its UI thread's time went.
const QUIT_WHEN_DONE: &str = "VIDPRISM_QUIT_WHEN_DONE";

/// What a frame is taken to cost at least on a software renderer, seconds
/// (measured: 100-150 ms of CPU for the 1100x720 window on llvmpipe).
const SOFTWARE_FRAME_S: f64 = 0.1;

/// The eframe side of [`app::App`].
struct Window {
    app: app::App,
    /// Set by [`QUIT_WHEN_DONE`]: close once the queue had rows and all of
    /// them ended, counting the passes until then.
    bench: Option<BenchStats>,
}

/// The UI thread's passes during a benchmark run.
#[derive(Default)]
struct BenchStats {
    logic: (u64, std::time::Duration),
    ui: (u64, std::time::Duration),
}

impl eframe::App for Window {
    /// Called before every `ui` and, while the window is minimized or
    /// hidden, instead of it: the queue keeps running either way.
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        let start = std::time::Instant::now();
        if let Some(seconds) = frame.info().cpu_usage {
            self.app.frame_cost(f64::from(seconds));
        }
        self.app.logic(ctx);
        let Some(bench) = &mut self.bench else {
            return;
        };
        bench.logic.0 += 1;
        bench.logic.1 += start.elapsed();

        if self.app.queue_ran() {
            eprintln!(
                "vidprism: window: {} logic passes ({:.3} s), {} frames drawn ({:.3} s in ui)",
                bench.logic.0,
                bench.logic.1.as_secs_f64(),
                bench.ui.0,
                bench.ui.1.as_secs_f64()
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let start = std::time::Instant::now();
        view::app_ui(&mut self.app, ui);
        if let Some(bench) = &mut self.bench {
            bench.ui.0 += 1;
            bench.ui.1 += start.elapsed();
        }
    }
}
