//! The top bar: add videos, the presets for videos being added, the watch
//! folders, the output
//! folder, how many jobs transcode at once, the log folder, and where jobs
//! run.

use crate::settings::MAX_TRANSCODE_JOBS;
use eframe::egui;

use super::app::App;
use super::command::{Command, CommandSender, PresetCommand, WatchCommand};
use super::farm::{farm_window_ui, runs_on_ui};
use super::preset_form::preset_window_ui;
use super::watch_window::watch_window_ui;

pub fn settings_ui(app: &mut App, ui: &mut egui::Ui, commands: &CommandSender) {
    // The bar's lines wrap between controls, never inside a label: a
    // narrow window gets more lines, not controls drawn over others.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    ui.horizontal_wrapped(|ui| {
        let add = ui
            .button("Add videos…")
            .on_hover_text("Choose video files (Ctrl+O), or drop files and folders on the window");
        if add.clicked() {
            commands.send(Command::OpenAddDialog);
        }
        ui.separator();
        presets_ui(app, ui, commands);
        if ui
            .button("Presets…")
            .on_hover_text("Make, edit, import and export your own presets")
            .clicked()
        {
            commands.send(PresetCommand::Open);
        }
        if ui
            .button("Watch folders…")
            .on_hover_text("Folders whose new videos are queued by themselves")
            .clicked()
        {
            commands.send(WatchCommand::Open);
        }
        ui.separator();
        jobs_ui(app, ui, commands);
    });
    preset_window_ui(&mut app.view.preset_editor, ui.ctx(), commands);
    watch_window_ui(app, ui.ctx(), commands);
    farm_window_ui(&mut app.view.farm_form, ui.ctx(), commands);
    // Wraps in a narrow window: every control stays in reach.
    ui.horizontal_wrapped(|ui| {
        ui.label("Output folder:");
        let dir = app.systems.output_dir();
        let path = dir.display().to_string();
        ui.add(egui::Label::new(egui::RichText::new(&path).monospace()).truncate())
            .on_hover_text(path);
        if ui.button("Change…").clicked() {
            commands.send(Command::PickOutputFolder);
        }
        if ui
            .button("Open")
            .on_hover_text("Show the output folder")
            .clicked()
        {
            // The folder may not exist until the first job; it is created
            // so the file manager has something to show.
            commands.send(Command::ShowFolder(dir));
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
                commands.send(Command::ShowFolder(logs));
            }
        }
        ui.separator();
        runs_on_ui(app, ui, commands);
    });
}

/// One toggle per preset; at least one stays chosen.
fn presets_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
    ui.label("Presets:");
    if let Some(order) = preset_toggles(app, ui, &app.systems.settings.presets) {
        commands.send(Command::SetPresets(order));
    }
}

/// One toggle per preset, starting from `current`; at least one stays
/// chosen. The new choice in the preset list's order (whatever order they
/// were clicked in) when a toggle changed it, else `None`.
pub(super) fn preset_toggles(
    app: &App,
    ui: &mut egui::Ui,
    current: &[String],
) -> Option<Vec<String>> {
    preset_toggles_for(app, ui, current, None)
}

/// [`preset_toggles`], each named "NAME for WHAT" for screen readers (and
/// tests) when `what` says what they choose for.
pub(super) fn preset_toggles_for(
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

fn jobs_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
    let label = ui.label("Jobs at once:");
    // On a farm the workers decide (their --jobs); show what they take.
    let on_farm = app.systems.backend.runner.transcodes_at_once().is_some();
    let mut n = if on_farm {
        app.jobs_at_once()
    } else {
        app.systems.settings.transcode_jobs
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
    if response.changed() && n != app.systems.settings.transcode_jobs {
        commands.send(Command::SetTranscodeJobs(n));
    }
}
