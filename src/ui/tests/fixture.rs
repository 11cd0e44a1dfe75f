//! What the window tests share: a temp dir with settings, clips made by the
//! `ffmpeg` CLI, dropped files as eframe hands them over, a headless harness
//! and a bounded wait.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::settings::Settings;
use eframe::egui;
use egui_kittest::Harness;

use crate::ui::app::App;
use crate::ui::panels::view::app_ui;

/// A file dropped on the window, as eframe would hand it over.
#[derive(Debug)]
pub struct TestDrop(pub PathBuf);

impl egui::DroppedFile for TestDrop {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A temp dir holding `settings.json` with `presets` and an `out`
    /// folder as the output folder.
    pub fn new(presets: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            output_dir: Some(dir.path().join("out")),
            presets: presets.iter().map(|p| p.to_string()).collect(),
            transcode_jobs: 1,
            ..Settings::default()
        };
        settings
            .save_to(&dir.path().join("settings.json"))
            .expect("settings saved");
        Fixture { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A real clip made by the ffmpeg CLI.
    pub fn clip(&self, name: &str, size: &str, seconds: u32) -> PathBuf {
        let path = self.path(name);
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc2=s={size}:r=25:d={seconds}"))
            .args(["-pix_fmt", "yuv420p"])
            .arg(&path)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg made {name}");
        path
    }

    /// The window with this fixture's settings, notifications off.
    pub fn app(&self) -> App {
        let mut app = App::new(&egui::Context::default(), Some(self.path("settings.json")))
            .expect("app starts");
        app.systems.notifier.enabled = false;
        app
    }
}

/// Drops `paths` on the window, as eframe hands dropped files over, and
/// waits until the files found are rows.
pub fn drop_files(harness: &mut Harness<'_, App>, paths: &[PathBuf]) {
    for p in paths {
        harness
            .input_mut()
            .dropped_files
            .push(std::sync::Arc::new(TestDrop(p.clone())));
    }
    harness.step();
    harness.state_mut().finish_adding();
    harness.step();
}

/// A headless harness drawing `app` at `size`; like eframe, it runs
/// `App::logic` before each frame.
pub fn harness_for(app: App, size: [f32; 2]) -> Harness<'static, App> {
    Harness::builder().with_size(size).build_ui_state(
        |ui, app: &mut App| {
            app.logic(ui.ctx());
            app_ui(app, ui)
        },
        app,
    )
}

/// Steps the window until `done` holds, failing after `limit`.
pub fn step_until(
    harness: &mut Harness<'_, App>,
    limit: Duration,
    what: &str,
    done: impl Fn(&App) -> bool,
) {
    let start = Instant::now();
    while !done(harness.state()) {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    // One more frame so the view shows the final state.
    harness.step();
}

/// The rows' sources, top to bottom.
pub fn inputs(app: &App) -> Vec<PathBuf> {
    app.model
        .rows()
        .iter()
        .map(|r| r.request.input.clone())
        .collect()
}
