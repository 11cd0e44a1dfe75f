//! The keyboard focus moved into a window that just opened.

use eframe::egui;

pub fn focus_into_id(window: &str) -> egui::Id {
    egui::Id::unique("focus into").with(window)
}

/// Whether the window `window` just opened and its first control, drawn
/// now, should take the keyboard (once).
pub fn take_focus_into(ctx: &egui::Context, window: &str) -> bool {
    ctx.data_mut(|d| d.remove_temp::<bool>(focus_into_id(window)))
        .unwrap_or(false)
}
