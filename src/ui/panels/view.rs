//! The whole window: top bar, queue, details of the selected row, footer,
//! and the overlay that shows where to drop while a drag hovers.

use eframe::egui;

use crate::ui::app::App;
use crate::ui::command::{Command, CommandSender};
use crate::ui::compare::draw::{compare_input, compare_ui};
use crate::ui::compare::CompareCommand;
use crate::ui::panels::row::{details_ui, row_ui, Moves, ROW_HEIGHT};
use crate::ui::panels::row_presets::row_presets_ui;
use crate::ui::panels::settings_panel::settings_ui;
use crate::ui::state::queue_model::Row;
use crate::ui::state::view_state::ThumbnailTexture;
use crate::ui::widgets::focus::focus_into_id;
use crate::ui::widgets::format;
use crate::ui::windows::path_prompt::path_prompt_ui;
use crate::ui::windows::quit::{close_request_input, quit_prompt_ui};

/// One frame of the window, after `App::logic` took the engine's news.
/// Input (drops, Ctrl+O, a close request) is handled first; then the
/// window is drawn, and what was clicked is handled at the end of the frame.
pub fn app_ui(app: &mut App, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    let commands = app.commands();
    if let Some(c) = &app.view.compare {
        compare_input(&ctx, c, &commands);
    }
    input_ui(ui, app.paused, &commands);
    app.run_commands(&ctx);
    window_focus(app, &ctx);

    let cleared = app.view.cleared_to_panel_fill;
    let panel = |frame: egui::Frame| panel_frame(frame, cleared);
    let bar = panel(egui::Frame::side_top_panel(ui.style()));
    egui::Panel::top("settings").frame(bar).show(ui, |ui| {
        ui.add_space(4.0);
        settings_ui(app, ui, &commands);
        ui.add_space(4.0);
    });
    egui::Panel::bottom("footer")
        .frame(bar)
        .show(ui, |ui| footer_ui(app, ui, &commands));
    if let Some(run) = &app.view.sample {
        let name = app.model.row(run.row).map(|r| r.name()).unwrap_or_default();
        egui::Panel::top("preview").frame(bar).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!("Preview of {name}: {}", run.state()));
                if ui.button("Cancel preview").clicked() {
                    commands.send(Command::Compare(CompareCommand::CancelPreview));
                }
            });
        });
    }
    if app.view.notice.is_some() {
        egui::Panel::top("notice")
            .frame(bar)
            .show(ui, |ui| notice_ui(app, ui, &commands));
    }

    let selected = app
        .view
        .selected
        .and_then(|id| app.model.row(id).map(|r| (id, r)));
    if let Some((id, row)) = selected {
        // The larger preview once loaded; the row's thumbnail until then.
        let preview = match &app.view.preview {
            Some((p, t @ ThumbnailTexture::Ready(_))) if *p == id => Some(t),
            _ => app.view.textures.get(&id),
        };
        egui::Panel::right("details")
            .frame(bar)
            .default_size(340.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(c) = details_ui(ui, row, preview) {
                        commands.send(c);
                    }
                    row_presets_ui(app, ui, row, &commands);
                });
            });
    }
    app.pump_compare(&ctx);
    let visible = egui::CentralPanel::default()
        .frame(panel(egui::Frame::central_panel(ui.style())))
        .show(ui, |ui| match &app.view.compare {
            Some(c) => {
                compare_ui(ui, c, &app.compare_choices(), &commands);
                0..0
            }
            None => queue_ui(app, ui, &commands),
        })
        .inner;
    app.sync_facts(visible.clone());
    app.sync_thumbnails(&ctx, visible);
    app.upload_storyboards(&ctx);
    drop_overlay_ui(ui);
    quit_prompt_ui(app, &ctx, &commands);
    path_prompt_ui(&mut app.view.path_prompt, &ctx, &commands);
    app.run_commands(&ctx);
}

/// The windows whose opening moves the keyboard focus into them, by name.
pub const WINDOWS: [&str; 3] = ["Presets", "Watch folders", "Farm"];

/// The keyboard follows the windows: a window that just opened gets it on
/// its first control ([`take_focus_into`]); when it closes, the control
/// that had it before (the button that opened it) gets it back.
fn window_focus(app: &mut App, ctx: &egui::Context) {
    let open = [
        app.view.preset_editor.open,
        app.systems.watches.open,
        app.view.farm_form.open,
    ];
    let before = std::mem::replace(&mut app.view.windows_open, open);
    for (name, (was, is)) in WINDOWS.iter().zip(before.into_iter().zip(open)) {
        if !was && is {
            app.view.focus_back = ctx.memory(|m| m.focused());
            ctx.data_mut(|d| d.insert_temp(focus_into_id(name), true));
        } else if was && !is {
            if let Some(id) = app.view.focus_back.take() {
                ctx.memory_mut(|m| m.request_focus(id));
            }
        }
    }
}

/// A panel's `frame`, without its fill when the frame was cleared to it:
/// on a software renderer (no GPU) every filled pixel costs, about 50 ms
/// of CPU for a fill of the whole window with Mesa's llvmpipe, and the
/// panels cover it all.
fn panel_frame(frame: egui::Frame, cleared_to_panel_fill: bool) -> egui::Frame {
    if cleared_to_panel_fill {
        frame.fill(egui::Color32::TRANSPARENT)
    } else {
        frame
    }
}

/// The queue's rows; only those in view are laid out (rows have a fixed
/// height). Returns the range of rows in view.
fn queue_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) -> std::ops::Range<usize> {
    let rows = app.model.rows();
    if rows.is_empty() {
        match adding_text(app) {
            Some(text) => {
                ui.centered_and_justified(|ui| ui.label(text));
            }
            None => empty_ui(ui),
        }
        return 0..0;
    }
    // The first and last waiting rows: one cannot move up, the other down.
    let first_waiting = rows.iter().position(Row::is_waiting);
    let last_waiting = rows.iter().rposition(Row::is_waiting);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            for (i, row) in rows[range.clone()].iter().enumerate() {
                let i = range.start + i;
                let selected = app.view.selected == Some(row.id);
                let (texture, scrub) =
                    (app.view.textures.get(&row.id), app.view.scrubs.get(row.id));
                let moves = Moves {
                    up: first_waiting.is_some_and(|f| f < i),
                    down: last_waiting.is_some_and(|l| l > i),
                };
                if let Some(c) = row_ui(ui, row, texture, scrub, selected, moves) {
                    commands.send(c);
                }
            }
            range
        })
        .inner
}

/// What the frame's input asks: files dropped, the keyboard shortcuts,
/// closing the window.
fn input_ui(ui: &mut egui::Ui, paused: bool, commands: &CommandSender) {
    let dropped: Vec<std::path::PathBuf> = ui.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect()
    });
    if !dropped.is_empty() {
        commands.send(Command::AddPaths(dropped));
    }
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
        commands.send(Command::OpenAddDialog);
    }
    shortcut_input(ui.ctx(), paused, commands);
    close_request_input(ui.ctx(), commands);
}

/// Space pauses or resumes the queue unless a control has the keyboard
/// (Space then types, or presses the focused button or row). Delete
/// removes the selected row once it ended, unless a text field has focus.
fn shortcut_input(ctx: &egui::Context, paused: bool, commands: &CommandSender) {
    if !ctx.egui_wants_keyboard_input()
        && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Space))
    {
        commands.send(Command::SetPaused(!paused));
    }
    if !ctx.text_edit_focused()
        && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Delete))
    {
        commands.send(Command::RemoveSelectedEnded);
    }
    // Escape closes the dialog or window on top; in a text field it first
    // only leaves the field, and an open list only closes itself.
    if !ctx.text_edit_focused()
        && !egui::Popup::is_any_open(ctx)
        && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
    {
        commands.send(Command::CloseTop { or_window: false });
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
fn notice_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
    ui.horizontal_wrapped(|ui| {
        if let Some(notice) = &app.view.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        if ui.button("Dismiss").clicked() {
            commands.send(Command::DismissNotice);
        }
    });
}

/// Pause or resume the queue, clear the rows that ended.
fn queue_controls_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
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
        commands.send(Command::SetPaused(!app.paused));
    }
    let finished = app.model.has_ended();
    if ui
        .add_enabled(finished, egui::Button::new("Clear finished"))
        .clicked()
    {
        commands.send(Command::ClearFinished);
    }
}

/// What adding files is doing: searching folders, or making rows.
fn adding_text(app: &App) -> Option<String> {
    let adding = &app.adding;
    if adding.scans > 0 {
        Some(format!("Scanning… {} found", adding.found))
    } else if !adding.waiting.is_empty() {
        Some(format!("Adding {} videos…", adding.waiting.len()))
    } else {
        None
    }
}

fn footer_ui(app: &App, ui: &mut egui::Ui, commands: &CommandSender) {
    let t = app.model.totals(app.jobs_at_once());
    // Wraps in a narrow window rather than running off its edge, between
    // its parts and never inside one.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    ui.horizontal_wrapped(|ui| {
        queue_controls_ui(app, ui, commands);
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
        if let Some(text) = adding_text(app) {
            ui.separator();
            ui.label(text);
        }
        if let Some(text) = app.adding.skipped_text() {
            ui.separator();
            ui.label(text);
        }
        // While paused nothing is left to time; an estimate needs a
        // running video's pace.
        if t.running + t.waiting > 0 && !app.paused {
            match t.time_left_s {
                Some(s) => {
                    ui.separator();
                    ui.label(format!("about {} left", format::duration(s)));
                }
                None if t.running > 0 => {
                    ui.separator();
                    ui.label("estimating time left…");
                }
                None => {}
            }
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
