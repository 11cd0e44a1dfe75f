//! The whole window: top bar, queue, details of the selected row, footer,
//! and the overlay that shows where to drop while a drag hovers.

use eframe::egui;

use super::app::App;
use super::format;
use super::notify::open_in_file_manager;
use super::quit::quit_guard_ui;
use super::row::{details_ui, row_ui, RowAction};
use super::settings_panel::settings_ui;

/// One frame of the window. Handles input first (drops, Ctrl+O), then the
/// engine's news, then draws.
pub fn app_ui(app: &mut App, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    let dropped: Vec<std::path::PathBuf> = ui.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect()
    });
    if !dropped.is_empty() {
        app.add_paths(&dropped);
    }
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
        app.open_add_dialog();
    }
    app.poll(&ctx);

    egui::Panel::top("settings").show(ui, |ui| {
        ui.add_space(4.0);
        settings_ui(app, ui);
        ui.add_space(4.0);
    });
    egui::Panel::bottom("footer").show(ui, |ui| footer_ui(app, ui));
    if app.notice.is_some() {
        egui::Panel::top("notice").show(ui, |ui| notice_ui(app, ui));
    }

    let mut actions = Vec::new();
    let selected = app
        .selected
        .and_then(|id| app.model.row(id).map(|r| (id, r)));
    if let Some((id, row)) = selected {
        egui::Panel::right("details")
            .default_size(340.0)
            .show(ui, |ui| {
                actions.extend(details_ui(ui, row, app.textures.get(&id)));
            });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if app.model.rows().is_empty() {
            empty_ui(ui);
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for row in app.model.rows() {
                    let selected = app.selected == Some(row.id);
                    actions.extend(row_ui(ui, row, app.textures.get(&row.id), selected));
                    ui.add_space(4.0);
                }
            });
    });
    for action in actions {
        apply(app, action);
    }
    drop_overlay_ui(ui);
    quit_guard_ui(app, &ctx);
}

fn apply(app: &mut App, action: RowAction) {
    match action {
        // Clicking the selected row again closes its details.
        RowAction::Select(id) if app.selected == Some(id) => app.selected = None,
        RowAction::Select(id) => app.selected = Some(id),
        RowAction::Cancel(id) => app.cancel(id),
        RowAction::Retry(id) => app.retry(id),
        RowAction::Remove(id) => app.remove(id),
        RowAction::MoveUp(id) => app.move_up(id),
        RowAction::MoveDown(id) => app.move_down(id),
        RowAction::MoveToTop(id) => app.move_row(id, 0),
        RowAction::MoveOnto { row, target } => {
            if let Some(at) = app.model.index_of(target) {
                app.move_row(row, at);
            }
        }
        RowAction::OpenFolder(id) => {
            if let Some(row) = app.model.row(id) {
                open_in_file_manager(&row.output_folder());
            }
        }
    }
}

fn empty_ui(ui: &mut egui::Ui) {
    ui.centered_and_justified(|ui| {
        ui.label(
            egui::RichText::new("Drop videos or folders here\nor click “Add videos…” (Ctrl+O)")
                .size(18.0)
                .weak(),
        );
    });
}

/// A message the user must see (the job store was set aside), until dismissed.
fn notice_ui(app: &mut App, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if let Some(notice) = &app.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        if ui.button("Dismiss").clicked() {
            app.notice = None;
        }
    });
}

/// Pause or resume the queue, clear the rows that ended.
fn queue_controls_ui(app: &mut App, ui: &mut egui::Ui) {
    let pause = if app.paused {
        "Resume queue"
    } else {
        "Pause queue"
    };
    let hint = if app.paused {
        "Start waiting videos again"
    } else {
        "Start no new video; those running finish"
    };
    if ui.button(pause).on_hover_text(hint).clicked() {
        app.set_paused(!app.paused);
    }
    let finished = app.model.rows().iter().any(|r| r.status.is_final());
    if ui
        .add_enabled(finished, egui::Button::new("Clear finished"))
        .clicked()
    {
        app.clear_finished();
    }
}

fn footer_ui(app: &mut App, ui: &mut egui::Ui) {
    let t = app.model.totals(app.jobs_at_once());
    ui.horizontal(|ui| {
        queue_controls_ui(app, ui);
        ui.separator();
        if app.paused {
            ui.strong("Paused");
            ui.separator();
        }
        ui.label(format!(
            "{} videos · {} waiting · {} running · {} done · {} failed · {} cancelled",
            t.rows, t.waiting, t.running, t.done, t.failed, t.cancelled
        ));
        ui.separator();
        ui.label(format!("written {}", format::bytes(t.output_bytes)));
        if t.running + t.waiting > 0 {
            ui.separator();
            match t.time_left_s {
                Some(s) => ui.label(format!("about {} left", format::duration(s))),
                None => ui.label("estimating time left…"),
            };
        }
    });
}

/// While files hover over the window, dims it and says what a drop does.
fn drop_overlay_ui(ui: &mut egui::Ui) {
    let hovered = ui.input(|i| i.raw.hovered_files.len());
    if hovered == 0 {
        return;
    }
    let ctx = ui.ctx();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop overlay"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(170));
    painter.rect_stroke(
        rect.shrink(12.0),
        8.0,
        egui::Stroke::new(3.0, egui::Color32::from_rgb(120, 180, 255)),
        egui::StrokeKind::Inside,
    );
    let text = if hovered == 1 {
        "Drop to add this video (folders are searched)".to_owned()
    } else {
        format!("Drop to add these {hovered} items (folders are searched)")
    };
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}
