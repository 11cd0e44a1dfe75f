//! The top bar: add videos, the presets for videos being added, the watch
//! folders, the output
//! folder, how many jobs transcode at once, the log folder, and where jobs
//! run.

use crate::settings::MAX_TRANSCODE_JOBS;
use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{Command, CommandSender, PresetCommand, WatchCommand};
use crate::ui::widgets::preset_toggles::preset_toggles;
use crate::ui::windows::farm::{farm_window_ui, runs_on_ui};
use crate::ui::windows::preset_form::preset_window_ui;
use crate::ui::windows::watch_window::watch_window_ui;

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
