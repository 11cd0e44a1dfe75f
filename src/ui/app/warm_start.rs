//! The window's work starts before its window. Opening the window takes
//! about a second (the X connection, Vulkan, shaders compiled by a
//! software renderer), and eframe runs no pass of ours until it is open:
//! the videos given on the command line would wait for it. So the app is
//! built first (engine, job store, files queued), and a thread runs its
//! logic passes (rows made, engine fed, events taken) until the window's
//! first pass takes the app over. No click can come before the window
//! exists, so the queue behaves as it would with the window open.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use eframe::egui;

use crate::ui::app::App;

/// Time between the warm start's passes: short, so the engine is fed as
/// soon as rows are found and jobs end; a pass with nothing to do costs
/// microseconds.
const PASS_EVERY: Duration = Duration::from_millis(5);

/// The app, running its passes on a thread until the window takes it.
pub struct WarmStart {
    stop: StopOnDrop,
    thread: JoinHandle<App>,
}

/// Stops the passes when dropped: when the window could not open, the
/// thread ends and the app with it (engine and store closed).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

impl WarmStart {
    /// Runs `app`'s passes on a thread from now.
    pub fn start(mut app: App) -> std::io::Result<WarmStart> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("warm start".into())
            .spawn(move || {
                // No window yet: what the passes ask of egui (repaints)
                // goes to a context that nothing draws.
                let ctx = egui::Context::default();
                while !stopped.load(Ordering::Acquire) {
                    app.work(&ctx);
                    std::thread::sleep(PASS_EVERY);
                }
                app
            })?;
        Ok(WarmStart {
            stop: StopOnDrop(stop),
            thread,
        })
    }

    /// Stops the passes after the current one and gives the app back.
    pub fn finish(self) -> App {
        let WarmStart { stop, thread } = self;
        drop(stop);
        match thread.join() {
            Ok(app) => app,
            // A pass panicked: the window fails as if it had panicked in
            // its own pass.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::ui::tests::fixture::Fixture;

    #[test]
    fn the_queue_runs_before_the_window_takes_the_app() {
        let fx = Fixture::new(&["thumbnail"]);
        let clips: Vec<_> = (0..3)
            .map(|i| fx.clip(&format!("c{i}.mp4"), "160x120", 1))
            .collect();
        let mut app = fx.app();
        app.add_paths(&clips);
        let warm = WarmStart::start(app).expect("thread starts");
        // No pass runs here: only the warm start's thread works.
        let start = Instant::now();
        while jpegs_in(&fx.path("out")) < 3 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the queue did not run"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The last events follow the thumbnails by milliseconds: leave the
        // warm start's passes time to take them.
        std::thread::sleep(Duration::from_secs(1));
        let mut app = warm.finish();
        // Its last events may still wait; the window's passes take them.
        let ctx = egui::Context::default();
        while !app.queue_ran() {
            assert!(start.elapsed() < Duration::from_secs(60), "rows ended");
            app.logic(&ctx);
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(app.model.rows().len(), 3);
        assert!(
            app.systems.notifier.last.is_none(),
            "no \"queue finished\" notice for a queue that ended before the window opened"
        );
    }

    /// Thumbnails written under `dir`, at any depth.
    fn jpegs_in(dir: &std::path::Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    jpegs_in(&path)
                } else {
                    usize::from(path.extension().is_some_and(|x| x == "jpg"))
                }
            })
            .sum()
    }
}
