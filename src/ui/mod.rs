//! The window: eframe/egui over the engine, grouped by role (as rerun's
//! viewer is): [`app`] is `App` and every `impl App` (its state changes,
//! `App::logic`, `App::handle`); [`state`] what it holds (the queue model,
//! the view's state, forms); [`systems`] the threads and services it
//! drives (runner, job store, loaders, scanner, dialogs, watch folders);
//! [`panels`] and [`windows`] only draw and send [`command::Command`]s,
//! with [`widgets`] shared between them. No module outside `app` and
//! `compare` implements `App`, and `app`, `state` and `systems` import
//! no drawing module.

mod app;
mod command;
mod compare;
mod panels;
mod state;
mod systems;
mod widgets;
mod windows;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crate::settings::Settings;
use eframe::egui;

use app::warm_start::WarmStart;
use systems::repaint::Repaint;

/// Opens the window with `files` queued and runs until it is closed. The
/// work starts before the window is open ([`warm_start`]).
pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    display_exists()?;
    let repaint = Repaint::default();
    let mut app = app::App::start(repaint.clone(), Settings::default_path())?;
    if let Some(dir) = vidprism_engine::store::data_dir() {
        app.open_job_store(&dir.join(vidprism_engine::store::STORE_FILE));
    }
    app.add_paths(&files);
    let warm = WarmStart::start(app)?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("VidPrism")
            .with_app_id("org.vidprism.VidPrism")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let quit_when_done = std::env::var_os(QUIT_WHEN_DONE).is_some_and(|v| v == "1");
    eframe::run_native(
        "VidPrism",
        options,
        Box::new(move |cc| {
            repaint.attach(&cc.egui_ctx);
            // No GPU: each frame is drawn by the CPU (Mesa's llvmpipe),
            // tens of ms on both cores, and eframe's frame time does not
            // see that work.
            let software = cc.wgpu_render_state.as_ref().is_some_and(|rs| {
                rs.adapter.get_info().device_type == eframe::wgpu::DeviceType::Cpu
            });
            if software {
                // No animations: each of their frames would cost as much
                // (a scroll bar fading in on hover asks for about five).
                cc.egui_ctx
                    .all_styles_mut(|style| style.animation_time = 0.0);
            }
            Ok(Box::new(Window {
                warm: Some(warm),
                app: None,
                software,
                bench: quit_when_done.then(|| BenchStats {
                    opened_ms: vidprism_engine::pipeline::elapsed_ms(),
                    ..BenchStats::default()
                }),
            }))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    if quit_when_done {
        eprintln!(
            "vidprism: window: closed at {} ms",
            vidprism_engine::pipeline::elapsed_ms()
        );
    }
    Ok(())
}

/// Fails when there is plainly no display to open the window on (a
/// terminal over SSH, a server): said before the app is built, so the
/// command line's files are not queued and started for a window that will
/// never open. Other failures to open are found by eframe, later.
fn display_exists() -> anyhow::Result<()> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        if !["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .into_iter()
            .any(set)
        {
            anyhow::bail!(
                "cannot open the window: no display (DISPLAY and WAYLAND_DISPLAY are not set); \
                 `vidprism process FILES...` works without one"
            );
        }
    }
    Ok(())
}

/// The environment variable that makes the window close itself once its
/// queue has run (`1`): for benchmarks (scripts/bench-window.sh), which
/// time the real window from start to end. The window then also says on
/// stderr where its UI thread's time went.
const QUIT_WHEN_DONE: &str = "VIDPRISM_QUIT_WHEN_DONE";

/// What a frame is taken to cost at least on a software renderer, seconds
/// (measured: 35-45 ms of llvmpipe's CPU for the 1100x720 window full of
/// rows, plus the UI thread's part; 100-150 ms while panels and rows were
/// filled).
const SOFTWARE_FRAME_S: f64 = 0.05;

/// The eframe side of [`app::App`].
struct Window {
    /// The app's passes before the window's first one.
    warm: Option<WarmStart>,
    /// The app, once the window's first pass took it from `warm`.
    app: Option<app::App>,
    /// Frames are drawn by the CPU (no GPU).
    software: bool,
    /// Set by [`QUIT_WHEN_DONE`]: close once the queue had rows and all of
    /// them ended, counting the passes until then.
    bench: Option<BenchStats>,
}

/// The UI thread's passes during a benchmark run, and when the window
/// opened and took the app over (ms since the process started).
#[derive(Default)]
struct BenchStats {
    logic: (u64, std::time::Duration),
    ui: (u64, std::time::Duration),
    opened_ms: u64,
    first_pass_ms: u64,
    /// Rows that had ended when the window's first pass took the app.
    ended_at_first_pass: usize,
    /// When each frame was drawn (ms since the process started) and what
    /// asked for it (egui's repaint causes, `file:line`).
    frames: Vec<(u64, String)>,
    /// The queue ran and the window was asked to close.
    closing: bool,
}

impl eframe::App for Window {
    /// Frames start cleared to the panels' fill, which the panels then do
    /// not paint again ([`state::view_state::ViewState::cleared_to_panel_fill`]).
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    /// The app (engine, job store, loaders) closes here, before the
    /// window's own teardown; a benchmark says how long each took.
    fn on_exit(&mut self) {
        let start = std::time::Instant::now();
        drop(self.app.take());
        drop(self.warm.take().map(WarmStart::finish));
        if self.bench.is_some() {
            eprintln!(
                "vidprism: window: exit at {} ms, the app closed in {:.3} s",
                vidprism_engine::pipeline::elapsed_ms(),
                start.elapsed().as_secs_f64()
            );
        }
    }

    /// Called before every `ui` and, while the window is minimized or
    /// hidden, instead of it: the queue keeps running either way.
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        let start = std::time::Instant::now();
        if let Some(warm) = self.warm.take() {
            let mut app = warm.finish();
            if self.software {
                app.frame_cost_at_least(SOFTWARE_FRAME_S);
            }
            app.view.cleared_to_panel_fill = true;
            if let Some(bench) = &mut self.bench {
                bench.first_pass_ms = vidprism_engine::pipeline::elapsed_ms();
                let t = app.model.totals(1);
                bench.ended_at_first_pass = t.done + t.failed + t.cancelled;
            }
            self.app = Some(app);
        }
        let Some(app) = &mut self.app else {
            return;
        };
        if let Some(seconds) = frame.info().cpu_usage {
            app.frame_cost(f64::from(seconds));
        }
        app.logic(ctx);
        let Some(bench) = &mut self.bench else {
            return;
        };
        bench.logic.0 += 1;
        bench.logic.1 += start.elapsed();

        if app.queue_ran() && !bench.closing {
            bench.closing = true;
            eprintln!(
                "vidprism: window: opened at {} ms, first pass at {} ms ({} rows ended), \
                 queue ran at {} ms; {} logic passes ({:.3} s), {} frames drawn ({:.3} s in ui); \
                 software renderer: {}, news repaint every {} ms; frames at {:?} ms",
                bench.opened_ms,
                bench.first_pass_ms,
                bench.ended_at_first_pass,
                vidprism_engine::pipeline::elapsed_ms(),
                bench.logic.0,
                bench.logic.1.as_secs_f64(),
                bench.ui.0,
                bench.ui.1.as_secs_f64(),
                self.software,
                app.news_repaint_ms(),
                bench.frames,
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let start = std::time::Instant::now();
        let Some(app) = &mut self.app else {
            return;
        };
        // The benchmark's window closes after this frame: nothing to show
        // (on a software renderer a frame of rows costs about 40 ms).
        if self.bench.as_ref().is_some_and(|b| b.closing) {
            return;
        }
        panels::view::app_ui(app, ui);
        if let Some(bench) = &mut self.bench {
            bench.ui.0 += 1;
            bench.ui.1 += start.elapsed();
            let mut causes: Vec<String> = ui
                .ctx()
                .repaint_causes()
                .iter()
                .map(|c| {
                    let file = c.file.rsplit('/').next().unwrap_or(c.file);
                    format!("{file}:{}", c.line)
                })
                .collect();
            causes.sort();
            causes.dedup();
            bench
                .frames
                .push((vidprism_engine::pipeline::elapsed_ms(), causes.join(" ")));
        }
    }
}
