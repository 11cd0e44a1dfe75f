//! Where no native file chooser opens (a desktop without the XDG
//! file-chooser portal and without zenity), the window asks for the path
//! itself: it says why, and takes a path typed or pasted. Drawing only.

use std::path::PathBuf;

use eframe::egui;

use crate::ui::command::{Command, CommandSender, PathPurpose};

/// The modal asking for a path, while `prompt` is set. Enter or the
/// button uses the path; Escape, a click beside it or "Cancel" drops it.
pub fn path_prompt_ui(
    prompt: &mut Option<(PathPurpose, String)>,
    ctx: &egui::Context,
    commands: &CommandSender,
) {
    // Set while the question is shown: its field took the keyboard once.
    let focused_once = egui::Id::unique("path prompt focused");
    let Some((purpose, text)) = prompt else {
        ctx.data_mut(|d| d.remove_temp::<bool>(focused_once));
        return;
    };
    let verb = match purpose {
        PathPurpose::AddVideos => "Add",
        PathPurpose::WatchFolder => "Watch",
        PathPurpose::ImportPreset => "Import",
        PathPurpose::ExportPreset(_) => "Export",
        PathPurpose::OutputFolder | PathPurpose::WatchOutput(_) => "Use this folder",
    };
    let modal = egui::Modal::new(egui::Id::unique("path prompt")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.heading(purpose.title());
        ui.label(
            "No file chooser could open on this desktop (it needs the XDG file-chooser \
             portal or zenity). Type or paste the path instead:",
        );
        let label = ui.label("Path");
        let edit = ui
            .add(
                egui::TextEdit::singleline(text)
                    .id_salt("typed path")
                    .desired_width(f32::INFINITY)
                    .hint_text("/home/me/Videos/clip.mp4"),
            )
            .labelled_by(label.id);
        // The field has the keyboard when the question opens.
        let first = ui.data_mut(|d| {
            let first = d.get_temp::<bool>(focused_once).is_none();
            d.insert_temp(focused_once, true);
            first
        });
        if first {
            edit.request_focus();
        }
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let path = PathBuf::from(text.trim());
        let has_path = !text.trim().is_empty();
        ui.horizontal(|ui| {
            let go = ui.add_enabled(has_path, egui::Button::new(verb));
            if (go.clicked() || entered) && has_path {
                commands.send(Command::PathTyped(Some(path)));
            }
            if ui.button("Cancel").clicked() {
                commands.send(Command::PathTyped(None));
            }
        });
    });
    if modal.should_close() {
        commands.send(Command::PathTyped(None));
    }
}
