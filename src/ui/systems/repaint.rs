//! Where the window's threads (engine, loaders, scanner, dialogs) ask for
//! a pass: the egui context, which exists only once eframe opened the
//! window. The app is built and its work started before that (see
//! [`crate::ui::app::warm_start`]); until the context is attached, asking does
//! nothing (the warm start's own passes are running then).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use eframe::egui;

/// The window's egui context, once there is one.
#[derive(Clone, Default)]
pub struct Repaint(Arc<OnceLock<egui::Context>>);

impl Repaint {
    /// Repaints `ctx` from the start (tests: the window attaches its own).
    #[cfg(test)]
    pub fn of(ctx: &egui::Context) -> Repaint {
        let repaint = Repaint::default();
        repaint.attach(ctx);
        repaint
    }

    /// The window is open: from now on asking repaints `ctx` (a second
    /// context is ignored).
    pub fn attach(&self, ctx: &egui::Context) {
        let _ = self.0.set(ctx.clone());
    }

    /// A pass at once.
    pub fn now(&self) {
        if let Some(ctx) = self.0.get() {
            ctx.request_repaint();
        }
    }

    /// A pass within `delay`.
    pub fn after(&self, delay: Duration) {
        if let Some(ctx) = self.0.get() {
            ctx.request_repaint_after(delay);
        }
    }
}

/// Asks `ctx` for one pass within `delay` (at the soonest 1 ms). Not
/// `request_repaint`: egui answers that with two frames, and without a GPU
/// each frame costs tens of ms of CPU.
pub fn one_pass_within(ctx: &egui::Context, delay: Duration) {
    ctx.request_repaint_after(delay.max(Duration::from_millis(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_nothing_before_the_context_is_attached_and_repaints_it_after() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let asked = Arc::new(AtomicUsize::new(0));
        let ctx = egui::Context::default();
        let count = Arc::clone(&asked);
        ctx.set_request_repaint_callback(move |_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        let repaint = Repaint::default();
        repaint.now();
        repaint.after(Duration::from_millis(10));
        assert_eq!(asked.load(Ordering::Relaxed), 0, "no window yet");
        repaint.attach(&ctx);
        repaint.now();
        assert!(asked.load(Ordering::Relaxed) > 0, "the window repaints");
    }
}
