//! The top bar: add videos, the presets for videos being added, the output
//! folder, how many jobs transcode at once, the log folder, and where jobs
//! run.

use eframe::egui;
use vidprism::settings::MAX_TRANSCODE_JOBS;

use super::app::App;
use super::farm::{farm_window_ui, runs_on_ui};
use super::notify::open_in_file_manager;
use super::preset_form::preset_window_ui;

pub fn settings_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        let add = ui
            .button("Add videos…")
            .on_hover_text("Choose video files (Ctrl+O), or drop files and folders on the window");
        if add.clicked() {
            app.open_add_dialog();
        }
        ui.separator();
        presets_ui(app, ui);
        if ui
            .button("Presets…")
            .on_hover_text("Make, edit, import and export your own presets")
            .clicked()
        {
            app.preset_editor.open = true;
        }
        ui.separator();
        jobs_ui(app, ui);
    });
    preset_window_ui(app, ui.ctx());
    farm_window_ui(app, ui.ctx());
    ui.horizontal(|ui| {
        ui.label("Output folder:");
        let dir = app.output_dir();
        ui.monospace(dir.display().to_string());
        if ui.button("Change…").clicked() {
            app.open_folder_dialog();
        }
        if ui
            .button("Open")
            .on_hover_text("Show the output folder")
            .clicked()
        {
            // The folder may not exist until the first job; create it so the
            // file manager has something to show.
            let _ = std::fs::create_dir_all(&dir);
            open_in_file_manager(&dir);
        }
        ui.separator();
        if let Some(logs) = crate::logging::log_dir() {
            if ui
                .button("Show log")
                .on_hover_text(format!(
                    "Open the folder of VidPrism's log files: {}",
                    logs.display()
                ))
                .clicked()
            {
                let _ = std::fs::create_dir_all(&logs);
                open_in_file_manager(&logs);
            }
        }
        ui.separator();
        runs_on_ui(app, ui);
    });
}

/// One toggle per preset; at least one stays chosen.
fn presets_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.label("Presets:");
    let mut chosen = app.settings.presets.clone();
    let mut changed = false;
    for preset in &app.presets {
        let mut on = chosen.contains(&preset.name);
        let response = ui
            .toggle_value(&mut on, &preset.name)
            .on_hover_text(&preset.description);
        if response.changed() {
            if on {
                chosen.push(preset.name.clone());
            } else if chosen.len() > 1 {
                chosen.retain(|n| n != &preset.name);
            }
            changed = true;
        }
    }
    if changed {
        // Keep the list's order, whatever order they were clicked in.
        let order: Vec<String> = app
            .presets
            .iter()
            .map(|p| p.name.clone())
            .filter(|n| chosen.contains(n))
            .collect();
        app.set_presets(order);
    }
}

fn jobs_ui(app: &mut App, ui: &mut egui::Ui) {
    let label = ui.label("Jobs at once:");
    // On a farm the workers decide (their --jobs); show what they take.
    let on_farm = app.engine.transcodes_at_once().is_some();
    let mut n = if on_farm {
        app.jobs_at_once()
    } else {
        app.settings.transcode_jobs
    };
    let hint = if on_farm {
        "On a farm, each worker's --jobs decides; this is what the workers take together"
    } else {
        "How many videos transcode at the same time"
    };
    let response = ui
        .add_enabled(
            !on_farm,
            egui::DragValue::new(&mut n).range(1..=MAX_TRANSCODE_JOBS),
        )
        .labelled_by(label.id)
        .on_hover_text(hint)
        .on_disabled_hover_text(hint);
    if response.changed() && n != app.settings.transcode_jobs {
        app.set_transcode_jobs(n);
    }
}
