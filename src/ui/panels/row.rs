//! One queue row, and the details of the selected row. Drawing only: what
//! the user clicked comes back as a [`RowCommand`] for the app to carry out.

use eframe::egui;
use vidprism_engine::output::PLAYER_PAGE;

use crate::ui::command::RowCommand;
use crate::ui::state::queue_model::{path_text, RenditionStatus, Row, RowId, RowStatus};
use crate::ui::state::scrub::ScrubTexture;
use crate::ui::state::view_state::ThumbnailTexture;
use crate::ui::state::view_state::{PREVIEW_SIZE, ROW_THUMB};
use crate::ui::systems::ui_stats;
use crate::ui::widgets::format;

/// Space between a row's edge and its content.
const ROW_PADDING: f32 = 6.0;
/// Every row has this height (its details are in the side panel), so the
/// queue lays out only the rows in view.
pub const ROW_HEIGHT: f32 = ROW_THUMB.y + 2.0 * ROW_PADDING;

/// One row of the queue, exactly [`ROW_HEIGHT`] high: thumbnail, name,
/// status and buttons, the source's facts and presets, and one line of
/// news (the row's progress, why it failed, or what it wrote).
pub fn row_ui(
    ui: &mut egui::Ui,
    row: &Row,
    texture: Option<&ThumbnailTexture>,
    scrub: Option<&ScrubTexture>,
    selected: bool,
    moves: Moves,
) -> Option<RowCommand> {
    let mut action = None;
    // The whole row is one control: Tab reaches it, a click (or Enter or
    // Space while focused) selects it, and a screen reader reads its name,
    // status and progress. Its buttons are controls of their own; the
    // name and thumbnail are not (a click on them is the row's). Its id is
    // the row's, whatever rows were drawn before it, so it keeps the focus
    // when rows change or the details open.
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), ROW_HEIGHT),
        egui::Sense::hover(),
    );
    let row_id = egui::Id::unique("queue row").with(row.id);
    let response = ui.interact(rect, row_id, egui::Sense::click());
    ui_stats::place(ui.ctx(), || format!("row {}", row.name()), rect);
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::ListItem, true, selected, row_summary(row))
    });
    if response.clicked() {
        action = Some(RowCommand::Select(row.id));
    }
    outline_ui(ui, rect, &response, row.id, selected);
    let inner = rect.shrink(ROW_PADDING);
    let mut content = ui.new_child(
        egui::UiBuilder::new()
            .scope_id(row_id.with("content"))
            .max_rect(inner)
            .layout(egui::Layout::left_to_right(egui::Align::Min)),
    );
    content.set_clip_rect(rect.intersect(ui.clip_rect()));
    let thumb = thumbnail_ui(&mut content, row, texture, ROW_THUMB);
    if let Some(a) = scrub_ui(&content, row, scrub, &thumb) {
        action = Some(a);
    }
    content.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 2.0;
        if let Some(a) = ui.horizontal(|ui| title_line_ui(ui, row, moves)).inner {
            action = Some(a);
        }
        ui.horizontal(|ui| presets_line_ui(ui, row));
        news_ui(ui, row);
    });
    if let Some(dragged) = response
        .dnd_release_payload::<RowId>()
        .filter(|d| **d != row.id)
    {
        action = Some(RowCommand::MoveOnto {
            row: *dragged,
            target: row.id,
        });
    }
    action
}

/// The row's outline: filled only when selected, the selection's stroke
/// when it has the focus or a waiting row is dragged over it.
fn outline_ui(
    ui: &egui::Ui,
    rect: egui::Rect,
    response: &egui::Response,
    row: RowId,
    selected: bool,
) {
    let visuals = ui.visuals();
    // Rows are outlined, filled only when selected: a software renderer
    // (no GPU) pays for every filled pixel, and the rows in view cover
    // most of the window (with llvmpipe, row fills were a third of a
    // frame's 140 ms of CPU).
    let fill = if selected {
        visuals.selection.bg_fill.gamma_multiply(0.25)
    } else {
        egui::Color32::TRANSPARENT
    };
    // A waiting row dragged over this one: show where it would land.
    let dragged_over = response
        .dnd_hover_payload::<RowId>()
        .is_some_and(|d| *d != row);
    // A keyboard user sees which row has focus.
    let stroke = if dragged_over || response.has_focus() {
        visuals.selection.stroke
    } else {
        visuals.widgets.noninteractive.bg_stroke
    };
    ui.painter()
        .rect(rect, 4.0, fill, stroke, egui::StrokeKind::Inside);
}

/// The row's first line: drag handle, status, name and buttons.
fn title_line_ui(ui: &mut egui::Ui, row: &Row, moves: Moves) -> Option<RowCommand> {
    if waiting(row) {
        drag_handle_ui(ui, row.id);
    }
    // The status first, so nothing ever covers it; the buttons at
    // the right end; the name in what is left, cut short if need be.
    status_ui(ui, &row.status);
    let buttons = row_buttons(row, moves);
    let width = buttons_width(ui, &buttons);
    let free = ui.available_rect_before_wrap();
    let line = ui.spacing().interact_size.y;
    let right = egui::Rect::from_min_max(
        egui::pos2((free.right() - width).max(free.left()), free.top()),
        egui::pos2(free.right(), free.top() + line),
    );
    let left = egui::Rect::from_min_max(
        free.min,
        egui::pos2(
            (right.left() - ui.spacing().item_spacing.x).max(free.left()),
            free.top() + line,
        ),
    );
    let layout = egui::Layout::left_to_right(egui::Align::Center);
    ui.scope_builder(egui::UiBuilder::new().max_rect(left).layout(layout), |ui| {
        let name = egui::RichText::new(row.name()).strong();
        ui.add(egui::Label::new(name).truncate().selectable(false));
    });
    // Drawn left to right, so Tab goes through them in the order
    // they are seen.
    ui.scope_builder(
        egui::UiBuilder::new().max_rect(right).layout(layout),
        |ui| buttons_ui(ui, &buttons),
    )
    .inner
}

/// The row's second line: the source's facts, its presets, whether a
/// watch folder found it, and a folder name that differs from the file's.
fn presets_line_ui(ui: &mut egui::Ui, row: &Row) {
    if let Some(facts) = &row.facts {
        ui.label(format!("{} ·", format::facts(facts)));
    }
    let watched = if row.from_watch {
        " · watch folder"
    } else {
        ""
    };
    // Another video of the same name went to "clip (2)": say so.
    let folder = match (row.folder_name(), row.request.input.file_stem()) {
        (Some(folder), Some(stem)) if folder != path_text(std::path::Path::new(stem)) => {
            format!(" · into “{folder}”")
        }
        _ => String::new(),
    };
    let presets = format!(
        "presets: {}{watched}{folder}",
        row.preset_names().join(", ")
    );
    let presets = egui::RichText::new(presets).weak();
    ui.add(egui::Label::new(presets).truncate());
}

/// What a screen reader says of a row: its name, status, and how far it
/// got while running, e.g. "clip.mp4, Running, 42%".
pub fn row_summary(row: &Row) -> String {
    let mut text = format!("{}, {}", row.name(), row.status.label());
    if row.status == RowStatus::Running {
        text.push_str(&format!(", {:.0}%", row.progress() * 100.0));
    }
    text
}

/// The row's one line of news: progress while it runs, why it failed, or
/// what it wrote. Each rendition is in the details panel.
fn news_ui(ui: &mut egui::Ui, row: &Row) {
    match &row.status {
        RowStatus::Failed(reason) => {
            let text = egui::RichText::new(reason).color(ui.visuals().error_fg_color);
            ui.add(egui::Label::new(text).truncate());
        }
        RowStatus::Running => {
            let fraction = row.progress();
            let mut text = format!("{:.0}%", fraction * 100.0);
            if let Some(eta) = row.eta_s() {
                text.push_str(&format!(" · {} left", format::duration(eta)));
            }
            let bar = ui.add(
                egui::ProgressBar::new(fraction as f32)
                    .desired_width(260.0)
                    .text(text.clone()),
            );
            // Named for its video; the bar gives its value (percent).
            progress_info(
                &bar,
                fraction,
                &format!("Progress of {}: {text}", row.name()),
            );
        }
        RowStatus::Done => {
            let outputs = row.outputs();
            let bytes: u64 = outputs.iter().map(|(_, _, b)| b).sum();
            let mut text = match &row.thumbnail {
                // A thumbnail-only preset: "0 file(s) · 0 B" would say
                // nothing was made.
                Some(t) if outputs.is_empty() => format!("thumbnail {}x{}", t.width, t.height),
                _ => format!("{} file(s) · {}", row.files_written(), format::bytes(bytes)),
            };
            let skipped = row
                .renditions
                .iter()
                .filter(|r| matches!(r.status, RenditionStatus::Skipped(_)))
                .count();
            if skipped > 0 {
                text.push_str(&format!(" · {skipped} skipped"));
            }
            ui.add(egui::Label::new(egui::RichText::new(text).weak()).truncate());
        }
        RowStatus::Queued | RowStatus::Probing | RowStatus::Cancelled => {}
    }
}

/// Names a progress bar for screen readers, keeping its value: the
/// percentage done, as egui's own bar reports it.
fn progress_info(bar: &egui::Response, fraction: f64, label: &str) {
    bar.widget_info(|| {
        let mut info = egui::WidgetInfo::labeled(egui::Role::ProgressIndicator, true, label);
        info.value = Some((fraction.clamp(0.0, 1.0) * 100.0).floor());
        info
    });
}

/// Rows that have not started can change their turn.
fn waiting(row: &Row) -> bool {
    row.is_waiting()
}

/// Where a waiting row can go: up past a waiting row above it, down past
/// one below it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moves {
    pub up: bool,
    pub down: bool,
}

/// What a waiting row is dragged by: a grip of three lines, painted (the
/// bundled font has no such glyph). It is no Tab stop: the keyboard moves
/// rows with the Move buttons.
fn drag_handle_ui(ui: &mut egui::Ui, row: RowId) {
    let id = egui::Id::unique("drag row").with(row);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 14.0), egui::Sense::hover());
    let response = ui.interact(rect, id, egui::Sense::DRAG);
    if response.dragged() {
        egui::DragAndDrop::set_payload(ui.ctx(), row);
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
    } else if response.hovered() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
    }
    let stroke = egui::Stroke::new(1.5, ui.visuals().weak_text_color());
    for i in 0..3 {
        let y = rect.top() + 3.0 + 4.0 * i as f32;
        ui.painter()
            .hline(rect.left() + 1.0..=rect.right() - 1.0, y, stroke);
    }
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, "Drag to reorder"));
    response.on_hover_text("Drag onto another row to start this video at its place");
}

/// The thumbnail fitted into a `max`-sized box, a placeholder before it
/// arrives, or why it could not be shown. The box has the same size either
/// way so rows line up.
fn thumbnail_ui(
    ui: &mut egui::Ui,
    row: &Row,
    texture: Option<&ThumbnailTexture>,
    max: egui::Vec2,
) -> egui::Response {
    // Hover only (the scrub): a click goes to the row below it.
    let (rect, response) = ui.allocate_exact_size(max, egui::Sense::hover());
    ui.painter()
        .rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let label = match texture {
        Some(ThumbnailTexture::Ready(handle)) => {
            let size = handle.size_vec2();
            let scale = (max.x / size.x).min(max.y / size.y);
            let fitted = egui::Rect::from_center_size(rect.center(), size * scale);
            egui::Image::from_texture((handle.id(), size)).paint_at(ui, fitted);
            format!("Thumbnail of {}", row.name())
        }
        other => {
            let text = match other {
                Some(ThumbnailTexture::Failed(_)) => "no preview",
                Some(ThumbnailTexture::Loading) => "…",
                _ if row.status.is_final() => "no thumbnail",
                _ => "…",
            };
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(12.0),
                ui.visuals().weak_text_color(),
            );
            format!("No thumbnail of {}", row.name())
        }
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    match texture {
        Some(ThumbnailTexture::Failed(e)) => response.on_hover_text(e),
        _ => response,
    }
}

/// Hovering a thumbnail whose row has a storyboard scrubs through it: the
/// tile at the pointer's fraction of the width is drawn over the
/// thumbnail, with a bar showing where in the video it is. Asks for the
/// storyboard when it is not loaded. The tile shown is remembered in egui's
/// memory under [`scrub_id`] and named for screen readers.
fn scrub_ui(
    ui: &egui::Ui,
    row: &Row,
    scrub: Option<&ScrubTexture>,
    thumb: &egui::Response,
) -> Option<RowCommand> {
    row.storyboard.as_ref()?;
    let pointer = thumb.hover_pos()?;
    let scrub = match scrub {
        None => return Some(RowCommand::LoadStoryboard(row.id)),
        Some(ScrubTexture::Ready(scrub)) => scrub,
        Some(ScrubTexture::Loading) => return None,
        Some(ScrubTexture::Failed(e)) => {
            thumb.clone().on_hover_text(e);
            return None;
        }
    };
    let rect = thumb.rect;
    let fraction = ((pointer.x - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
    let (index, texture, uv) = scrub.tile_at(fraction)?;
    let cue = &scrub.cues[index];
    let tile = egui::vec2(cue.width as f32, cue.height as f32);
    let scale = (rect.width() / tile.x).min(rect.height() / tile.y);
    let fitted = egui::Rect::from_center_size(rect.center(), tile * scale);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    painter.image(texture, fitted, uv, egui::Color32::WHITE);
    let bar = egui::Rect::from_min_max(
        egui::pos2(rect.left(), rect.bottom() - 3.0),
        egui::pos2(rect.left() + rect.width() * fraction, rect.bottom()),
    );
    painter.rect_filled(bar, 0.0, ui.visuals().selection.bg_fill);
    ui.ctx()
        .data_mut(|d| d.insert_temp(scrub_id(row.id), index));
    let label = format!(
        "Storyboard of {} at {}",
        row.name(),
        format::duration(cue.start_s)
    );
    thumb.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    None
}

/// Where the index of the storyboard tile a row's scrub shows is kept.
pub fn scrub_id(row: RowId) -> egui::Id {
    egui::Id::unique("storyboard scrub").with(row)
}

fn status_ui(ui: &mut egui::Ui, status: &RowStatus) {
    let visuals = ui.visuals();
    let color = match status {
        RowStatus::Done => egui::Color32::from_rgb(60, 160, 80),
        RowStatus::Failed(_) => visuals.error_fg_color,
        RowStatus::Cancelled => visuals.warn_fg_color,
        _ => visuals.text_color(),
    };
    ui.colored_label(color, status.label());
}

/// What a target-quality search found, in words.
fn planned_hover(planned: &vidprism_engine::pipeline::QualityPlanned) -> String {
    let how = match planned.cached {
        true => "found by an earlier search of this source".to_owned(),
        false => format!("found by {} sample encodes", planned.probes),
    };
    format!(
        "Target SSIM {}: CRF {} scored {:.4} on the samples ({how})",
        planned.target_ssim,
        planned.crf_text(),
        planned.predicted_ssim
    )
}

/// A progress bar per running rendition, and a line per finished, skipped
/// or failed one (details panel).
fn renditions_ui(ui: &mut egui::Ui, row: &Row) -> Option<RowCommand> {
    let mut action = None;
    for (index, r) in row.renditions.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.add_sized([64.0, 16.0], egui::Label::new(&r.name));
            match &r.status {
                RenditionStatus::Waiting => {
                    ui.weak("waiting");
                    if let Some(planned) = &r.planned {
                        ui.label(planned.summary());
                    }
                }
                RenditionStatus::Running {
                    fraction,
                    fps,
                    eta_s,
                } => {
                    let mut text = format!("{:.0}%", fraction * 100.0);
                    if *fps > 0.0 {
                        text.push_str(&format!(" · {fps:.0} fps"));
                    }
                    if let Some(eta) = eta_s {
                        text.push_str(&format!(" · {} left", format::duration(*eta)));
                    }
                    let bar = ui.add(
                        egui::ProgressBar::new(*fraction as f32)
                            .desired_width(200.0)
                            .text(text.clone()),
                    );
                    progress_info(&bar, *fraction, &format!("Progress of {}: {text}", r.name));
                    if let Some(planned) = &r.planned {
                        ui.label(planned.summary())
                            .on_hover_text(planned_hover(planned));
                    }
                }
                RenditionStatus::Done(output) => {
                    ui.label(format!(
                        "done · {}x{} · {}",
                        output.width,
                        output.height,
                        format::bytes(output.bytes)
                    ));
                    if let Some(planned) = &r.planned {
                        ui.label(format!("CRF {}", planned.crf_text()))
                            .on_hover_text(planned_hover(planned));
                    }
                    if let Some(score) = &output.quality {
                        ui.label(score.summary());
                    }
                    let compare = ui
                        .button("Compare")
                        .on_hover_text("The rendition beside its source, picture by picture");
                    let name = format!("Compare {} with the source", r.name);
                    compare
                        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    ui_stats::place(ui.ctx(), || name.clone(), compare.rect);
                    if compare.clicked() {
                        action = Some(RowCommand::Compare(row.id, index));
                    }
                    if !output.skipped_tracks.is_empty() {
                        let all: Vec<String> = output
                            .skipped_tracks
                            .iter()
                            .map(|t| format!("track {} ({}): {}", t.index, t.codec, t.reason))
                            .collect();
                        let text = format!("{} track(s) left out", all.len());
                        ui.add(egui::Label::new(egui::RichText::new(text).weak()).truncate())
                            .on_hover_text(all.join("\n"));
                    }
                }
                // Long reasons are cut to the row's width; hovering shows all.
                RenditionStatus::Skipped(reason) => {
                    let text = egui::RichText::new(format!("skipped: {reason}")).weak();
                    ui.add(egui::Label::new(text).truncate());
                }
                RenditionStatus::Failed(error) => {
                    let text = egui::RichText::new(format!("failed: {error}"))
                        .color(ui.visuals().error_fg_color);
                    ui.add(egui::Label::new(text).truncate());
                }
            }
        });
    }
    action
}

/// One of a row's buttons: its text, its name for a screen reader, its
/// tooltip, what it does and whether it can now.
struct RowButton {
    text: &'static str,
    name: &'static str,
    hint: &'static str,
    command: RowCommand,
    enabled: bool,
}

/// A row's buttons, left to right: moving (waiting rows), cancel or retry,
/// open folder, remove. Moves are short words, so the name and status
/// keep their room in a narrow window; their full names are read out.
fn row_buttons(row: &Row, moves: Moves) -> Vec<RowButton> {
    let id = row.id;
    let mut buttons = Vec::new();
    let mut add = |text, name, hint, command, enabled| {
        buttons.push(RowButton {
            text,
            name,
            hint,
            command,
            enabled,
        })
    };
    if waiting(row) {
        let top = RowCommand::MoveToTop(id);
        add("Top", "Move to top", "Start this video next", top, moves.up);
        let up = RowCommand::MoveUp(id);
        add("Up", "Move up", "Start this video sooner", up, moves.up);
        let down = RowCommand::MoveDown(id);
        add(
            "Down",
            "Move down",
            "Start this video later",
            down,
            moves.down,
        );
    }
    if !row.status.is_final() {
        let hint = "Stop this video; files already made are removed";
        add("Cancel", "Cancel", hint, RowCommand::Cancel(id), true);
    }
    if matches!(row.status, RowStatus::Failed(_) | RowStatus::Cancelled) && retryable(row) {
        add(
            "Retry",
            "Retry",
            "Run this video again",
            RowCommand::Retry(id),
            true,
        );
    }
    // Once its job started, always there (disabled until files exist) so
    // the buttons do not shift; a waiting row has none yet.
    if !waiting(row) {
        let has_files = row.thumbnail.is_some() || !row.outputs().is_empty();
        let hint = "Show this video's outputs in the file manager";
        add(
            "Open folder",
            "Open folder",
            hint,
            RowCommand::OpenFolder(id),
            has_files,
        );
    }
    let hint = "Take this video off the queue; its files stay on disk";
    add("Remove", "Remove", hint, RowCommand::Remove(id), true);
    buttons
}

/// Whether running the row again could end otherwise: not when its source
/// is no video at all (an audio-only or unreadable file fails again).
fn retryable(row: &Row) -> bool {
    match &row.status {
        RowStatus::Failed(reason) => !crate::ui::widgets::format::is_not_a_video(reason),
        _ => true,
    }
}

/// The width `buttons` take side by side.
fn buttons_width(ui: &egui::Ui, buttons: &[RowButton]) -> f32 {
    let spacing = ui.spacing();
    let font = egui::TextStyle::Button.resolve(ui.style());
    let texts: f32 = buttons
        .iter()
        .map(|b| {
            let galley = ui.painter().layout_no_wrap(
                b.text.to_owned(),
                font.clone(),
                egui::Color32::PLACEHOLDER,
            );
            galley.size().x + 2.0 * spacing.button_padding.x
        })
        .sum();
    texts + spacing.item_spacing.x * buttons.len().saturating_sub(1) as f32
}

fn buttons_ui(ui: &mut egui::Ui, buttons: &[RowButton]) -> Option<RowCommand> {
    let mut action = None;
    for b in buttons {
        let response = ui
            .add_enabled(b.enabled, egui::Button::new(b.text))
            .on_hover_text(b.hint)
            .on_disabled_hover_text(b.hint);
        if b.text != b.name {
            response
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, b.enabled, b.name));
        }
        if response.clicked() {
            action = Some(b.command);
        }
    }
    action
}

/// The selected row: a larger preview and every output with its size.
pub fn details_ui(
    ui: &mut egui::Ui,
    row: &Row,
    texture: Option<&ThumbnailTexture>,
) -> Option<RowCommand> {
    let mut action = None;
    ui.heading(row.name());
    ui.label(path_text(&row.request.input));
    ui.add_space(4.0);
    let max = egui::vec2(PREVIEW_SIZE.x.min(ui.available_width()), PREVIEW_SIZE.y);
    thumbnail_ui(ui, row, texture, max);
    if let Some(facts) = &row.facts {
        ui.label(format::facts(facts));
    }
    ui.label(format!("presets: {}", row.preset_names().join(", ")));
    if let RowStatus::Failed(reason) = &row.status {
        ui.colored_label(ui.visuals().error_fg_color, reason);
    }
    if !row.renditions.is_empty() {
        ui.separator();
        ui.strong("Renditions");
        if let Some(a) = renditions_ui(ui, row) {
            action = Some(a);
        }
    }
    ui.separator();
    ui.strong("Outputs");
    let outputs = row.outputs();
    if let Some(thumb) = &row.thumbnail {
        ui.label(format!(
            "{} · {}x{}",
            crate::ui::state::queue_model::file_name(&thumb.path),
            thumb.width,
            thumb.height
        ));
    }
    if outputs.is_empty() && row.thumbnail.is_none() {
        ui.weak("none yet");
    }
    for (_, path, bytes) in &outputs {
        ui.label(format!(
            "{} · {}",
            crate::ui::state::queue_model::file_name(path),
            format::bytes(*bytes)
        ))
        .on_hover_text(path_text(path));
    }
    if let Some(a) = bundle_ui(ui, row) {
        action = Some(a);
    }
    ui.horizontal(|ui| {
        if row.is_waiting()
            && ui
                .button("Preview")
                .on_hover_text("Encode a few seconds with these presets and compare")
                .clicked()
        {
            action = Some(RowCommand::Preview(row.id));
        }
        if (row.thumbnail.is_some() || !outputs.is_empty()) && ui.button("Open folder").clicked() {
            action = Some(RowCommand::OpenFolder(row.id));
        }
        if ui.button("Close").clicked() {
            action = Some(RowCommand::Select(row.id));
        }
    });
    action
}

/// The published bundle's files in the job's folder (player page,
/// manifests, storyboard, poster), and "Open in browser" for its page.
fn bundle_ui(ui: &mut egui::Ui, row: &Row) -> Option<RowCommand> {
    if row.bundle.is_empty() {
        return None;
    }
    let mut action = None;
    ui.separator();
    ui.strong("Published");
    for path in &row.bundle {
        let name = crate::ui::state::queue_model::file_name(path);
        let text = match &row.storyboard {
            Some(s) if s.path == *path => format!(
                "{name} · {} tiles in {} sprite(s)",
                s.tiles,
                s.sprites.len()
            ),
            _ => name,
        };
        ui.label(text).on_hover_text(path_text(path));
    }
    let page = row
        .bundle
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == PLAYER_PAGE));
    if page
        && ui
            .button("Open in browser")
            .on_hover_text("Play this video's page in the web browser")
            .clicked()
    {
        action = Some(RowCommand::OpenInBrowser(row.id));
    }
    action
}
