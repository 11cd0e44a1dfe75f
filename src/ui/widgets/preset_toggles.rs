//! The preset toggles shared by the top bar, a waiting row's details and
//! the watch folders' window.

use crate::ui::app::App;
use eframe::egui;

/// One toggle per preset, starting from `current`; at least one stays
/// chosen. The new choice in the preset list's order (whatever order they
/// were clicked in) when a toggle changed it, else `None`.
pub(in crate::ui) fn preset_toggles(
    app: &App,
    ui: &mut egui::Ui,
    current: &[String],
) -> Option<Vec<String>> {
    preset_toggles_for(app, ui, current, None)
}

/// [`preset_toggles`], each named "NAME for WHAT" for screen readers (and
/// tests) when `what` says what they choose for.
pub(in crate::ui) fn preset_toggles_for(
    app: &App,
    ui: &mut egui::Ui,
    current: &[String],
    what: Option<&str>,
) -> Option<Vec<String>> {
    let mut chosen = current.to_vec();
    let mut changed = false;
    for preset in &app.systems.presets {
        let mut on = chosen.contains(&preset.name);
        let response = ui
            .toggle_value(&mut on, &preset.name)
            .on_hover_text(&preset.description);
        if let Some(what) = what {
            let name = format!("{} for {what}", preset.name);
            response
                .widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, on, &name));
        }
        if response.changed() {
            if on {
                chosen.push(preset.name.clone());
            } else if chosen.len() > 1 {
                chosen.retain(|n| n != &preset.name);
            }
            changed = true;
        }
    }
    changed.then(|| {
        app.systems
            .presets
            .iter()
            .map(|p| p.name.clone())
            .filter(|n| chosen.contains(n))
            .collect()
    })
}
