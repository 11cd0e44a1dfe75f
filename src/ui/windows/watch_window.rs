//! The "Watch folders" window: the list of watch folders, each with its
//! presets, output folder and on/off switch; adding and removing folders.
//! Drawing only: every change is a [`WatchCommand`].

use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{CommandSender, WatchCommand};
use crate::ui::widgets::preset_toggles::preset_toggles;

/// The window, while it is open.
pub fn watch_window_ui(app: &App, ctx: &egui::Context, commands: &CommandSender) {
    if !app.systems.watches.open {
        return;
    }
    let mut open = true;
    egui::Window::new("Watch folders")
        .open(&mut open)
        .default_width(560.0)
        .show(ctx, |ui| {
            ui.label(
                "Videos written into these folders are queued once whole (unchanged for a few \
                 seconds), each once, even after a restart.",
            );
            let settling = app.systems.watches.waiting();
            if settling > 0 {
                ui.label(format!("{settling} file(s) being written or settling"));
            }
            ui.separator();
            let list = &app.systems.settings.watch_folders;
            if list.is_empty() {
                ui.weak("No watch folder yet.");
            }
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for (i, entry) in list.iter().enumerate() {
                        ui.push_id(i, |ui| entry_ui(app, ui, entry, commands));
                        ui.separator();
                    }
                });
            let add = ui
                .button("Add folder…")
                .on_hover_text("Choose a folder to watch");
            if crate::ui::widgets::focus::take_focus_into(ui.ctx(), "Watch folders") {
                add.request_focus();
            }
            if add.clicked() {
                commands.send(WatchCommand::PickFolder);
            }
        });
    if !open {
        commands.send(WatchCommand::Close);
    }
}

/// One watch folder: on/off, its state, presets, output folder, remove.
fn entry_ui(
    app: &App,
    ui: &mut egui::Ui,
    entry: &crate::settings::WatchFolder,
    commands: &CommandSender,
) {
    let folder = &entry.folder;
    ui.horizontal(|ui| {
        let mut on = entry.enabled;
        if ui
            .checkbox(&mut on, folder.display().to_string())
            .on_hover_text("Watch this folder while VidPrism runs")
            .changed()
        {
            commands.send(WatchCommand::SetEnabled(folder.clone(), on));
        }
        let watches = &app.systems.watches;
        match watches.errors.get(folder) {
            // A folder that failed to start, or was stopped (its preset
            // was deleted), says why.
            Some(error) => {
                ui.colored_label(ui.visuals().warn_fg_color, error);
            }
            _ if watches.watching(folder) => {
                ui.weak("watching");
            }
            _ => {
                ui.weak("off");
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Remove").clicked() {
                commands.send(WatchCommand::Remove(folder.clone()));
            }
        });
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Presets:");
        if let Some(order) = preset_toggles(app, ui, &entry.presets) {
            commands.send(WatchCommand::SetPresets(folder.clone(), order));
        }
    });
    ui.horizontal(|ui| {
        ui.label("Output folder:");
        ui.monospace(app.watch_output_dir(folder).display().to_string());
        if ui.button("Change…").clicked() {
            commands.send(WatchCommand::PickOutput(folder.clone()));
        }
        if entry.output_dir.is_some()
            && ui
                .button("Use the window's")
                .on_hover_text("Outputs go to the output folder of the top bar")
                .clicked()
        {
            commands.send(WatchCommand::SetOutput(folder.clone(), None));
        }
        let mut recursive = entry.recursive;
        if ui.checkbox(&mut recursive, "Subfolders").changed() {
            commands.send(WatchCommand::SetRecursive(folder.clone(), recursive));
        }
    });
}
