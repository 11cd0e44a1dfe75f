//! Drawing the compare view and reading its keys: only pixels out and
//! [`CompareCommand`]s in. Keys (when no text field has the keyboard):
//! Space plays or pauses, Left/Right step a picture, Page Up/Down jump a
//! storyboard tile, Home/End go to the start/end, S splits, F flips (and
//! switches the picture), 0/1/2/4 zoom (fit, 1:1, 2:1, 4:1), [ and ] move
//! the divider, W jumps to the worst moment; Escape closes.

use eframe::egui;

use crate::ui::command::{Command, CommandSender};
use vidprism_engine::pipeline::Output;

use super::sample::SampleFacts;
use super::strip::{strip_ui, STRIP_HEIGHT};
use super::{clock, Compare, CompareCommand, Mode, Zoom};
use crate::ui::systems::ui_stats;
use crate::ui::widgets::format;

/// Share of the width the divider moves per [ or ] press.
const DIVIDER_STEP: f32 = 0.05;
/// Points the picture moves per Shift+arrow press when zoomed in.
const PAN_STEP: f32 = 64.0;

/// The compare view's keys, read before the window's own shortcuts (so
/// Space plays here instead of pausing the queue).
pub fn compare_input(ctx: &egui::Context, c: &Compare, commands: &CommandSender) {
    if ctx.text_edit_focused() {
        return;
    }
    let send = |command: CompareCommand| commands.send(Command::Compare(command));
    let pressed = |key: egui::Key| ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key));
    let shifted = |key: egui::Key| ctx.input_mut(|i| i.consume_key(egui::Modifiers::SHIFT, key));
    // Space presses a focused button instead.
    if !ctx.egui_wants_keyboard_input() && pressed(egui::Key::Space) {
        send(CompareCommand::Play(c.playing.is_none()));
    }
    for (key, pan) in [
        (egui::Key::ArrowLeft, egui::vec2(PAN_STEP, 0.0)),
        (egui::Key::ArrowRight, egui::vec2(-PAN_STEP, 0.0)),
        (egui::Key::ArrowUp, egui::vec2(0.0, PAN_STEP)),
        (egui::Key::ArrowDown, egui::vec2(0.0, -PAN_STEP)),
    ] {
        if shifted(key) {
            send(CompareCommand::Pan(pan));
        }
    }
    let keys = [
        (egui::Key::ArrowLeft, CompareCommand::Step(-1)),
        (egui::Key::ArrowRight, CompareCommand::Step(1)),
        (egui::Key::PageUp, CompareCommand::Tile(-1)),
        (egui::Key::PageDown, CompareCommand::Tile(1)),
        (egui::Key::Home, CompareCommand::Seek(0.0)),
        (egui::Key::End, CompareCommand::Seek(c.duration_s)),
        (egui::Key::S, CompareCommand::Split),
        (egui::Key::W, CompareCommand::Worst),
        (egui::Key::F, CompareCommand::Flip),
        (egui::Key::Num0, CompareCommand::Zoom(Zoom::Fit)),
        (egui::Key::Num1, CompareCommand::Zoom(Zoom::Times(1))),
        (egui::Key::Num2, CompareCommand::Zoom(Zoom::Times(2))),
        (egui::Key::Num4, CompareCommand::Zoom(Zoom::Times(4))),
        (
            egui::Key::OpenBracket,
            CompareCommand::Divider(c.divider - DIVIDER_STEP),
        ),
        (
            egui::Key::CloseBracket,
            CompareCommand::Divider(c.divider + DIVIDER_STEP),
        ),
    ];
    // The divider with the keyboard takes the arrows itself.
    let on_divider = ctx.memory(|m| m.focused()) == Some(divider_id());
    for (key, command) in keys {
        let arrow = matches!(key, egui::Key::ArrowLeft | egui::Key::ArrowRight);
        if !(arrow && on_divider) && pressed(key) {
            send(command);
        }
    }
}

/// The whole view: its controls, the two times, the time slider and the
/// picture.
pub fn compare_ui(ui: &mut egui::Ui, c: &Compare, choices: &[Output], commands: &CommandSender) {
    let send = |command: CompareCommand| commands.send(Command::Compare(command));
    ui.horizontal(|ui| {
        ui.heading(format!("{} · {}", c.name, c.rendition));
        if ui.button("Close compare").clicked() {
            send(CompareCommand::Close);
        }
    });
    if let Some(sample) = &c.sample {
        sample_ui(ui, c, sample, &send);
    } else if choices.len() > 1 {
        ui.horizontal_wrapped(|ui| {
            ui.label("Rendition:");
            for (i, output) in choices.iter().enumerate() {
                if ui
                    .selectable_label(output.rendition == c.rendition, &output.rendition)
                    .clicked()
                {
                    send(CompareCommand::Rendition(i));
                }
            }
        });
    }
    controls_ui(ui, c, &send);
    ui.horizontal(|ui| {
        for side in 0..2 {
            let text = match &c.sides[side].shown {
                Some((t, _)) if c.sides[side].approximate => format!(
                    "{} at {} (the keyframe before; decoding {})",
                    c.side_name(side),
                    clock(*t),
                    clock(c.time_s)
                ),
                Some((t, _)) => format!("{} at {}", c.side_name(side), clock(*t)),
                None => format!("{}: loading", c.side_name(side)),
            };
            ui.label(text);
            ui.separator();
        }
    });
    ui.spacing_mut().slider_width = (ui.available_width() - 120.0).max(120.0);
    let mut t = c.time_s as f32;
    let end = c.duration_s.max(c.frame_s) as f32;
    let slider = ui.add(
        egui::Slider::new(&mut t, 0.0..=end)
            .show_value(false)
            .text(clock(c.time_s)),
    );
    slider.widget_info(|| {
        egui::WidgetInfo::slider(true, f64::from(t), format!("Time {}", clock(c.time_s)))
    });
    ui_stats::place(ui.ctx(), || "time slider".to_owned(), slider.rect);
    if slider.changed() {
        send(CompareCommand::Seek(f64::from(t)));
    }
    let picture = egui::vec2(
        ui.available_width(),
        ui.available_height() - STRIP_HEIGHT - 8.0,
    );
    ui.allocate_ui(picture.max(egui::vec2(64.0, 64.0)), |ui| {
        picture_ui(ui, c, &send)
    });
    strip_ui(ui, c, &send);
}

/// Mode, zoom, step, tile and play buttons, each labelled for a screen
/// reader and reachable with Tab.
fn controls_ui(ui: &mut egui::Ui, c: &Compare, send: &dyn Fn(CompareCommand)) {
    ui.horizontal_wrapped(|ui| {
        let split = matches!(c.mode, Mode::Split);
        if ui.selectable_label(split, "Split (S)").clicked() {
            send(CompareCommand::Split);
        }
        let flip = match c.mode {
            Mode::Flip { rendition: true } => format!("Flip: {} (F)", c.rendition),
            Mode::Flip { rendition: false } => "Flip: Source (F)".to_owned(),
            Mode::Split => "Flip (F)".to_owned(),
        };
        if ui.selectable_label(!split, flip).clicked() {
            send(CompareCommand::Flip);
        }
        ui.separator();
        for zoom in Zoom::ALL {
            let label = ui
                .selectable_label(c.zoom == zoom, zoom.label())
                .on_hover_text("0, 1, 2, 4");
            let name = format!("Zoom {}", zoom.label());
            label.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, c.zoom == zoom, &name)
            });
            if label.clicked() {
                send(CompareCommand::Zoom(zoom));
            }
        }
        ui.separator();
        let buttons = [
            ("|< Tile", "Previous tile", CompareCommand::Tile(-1)),
            ("< Step", "Step back", CompareCommand::Step(-1)),
        ];
        labelled_buttons(ui, &buttons, send);
        let (icon, name) = match c.playing {
            Some(_) => ("Pause", "Pause"),
            None => ("Play", "Play"),
        };
        labelled_buttons(
            ui,
            &[(icon, name, CompareCommand::Play(c.playing.is_none()))],
            send,
        );
        let buttons = [
            ("Step >", "Step forward", CompareCommand::Step(1)),
            ("Tile >|", "Next tile", CompareCommand::Tile(1)),
        ];
        labelled_buttons(ui, &buttons, send);
        ui.separator();
        let worst = c.score.as_ref().and_then(|s| s.worst_moment_s());
        let button = ui
            .add_enabled(worst.is_some(), egui::Button::new("Worst moment (W)"))
            .on_hover_text("The rendition's lowest-scored frame");
        if button.clicked() {
            send(CompareCommand::Worst);
        }
    });
}

/// Small icon buttons whose accessible name (and tooltip) is `name`.
fn labelled_buttons(
    ui: &mut egui::Ui,
    buttons: &[(&str, &str, CompareCommand)],
    send: &dyn Fn(CompareCommand),
) {
    for (icon, name, command) in buttons {
        let button = ui.button(*icon).on_hover_text(*name);
        button.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, *name));
        ui_stats::place(ui.ctx(), || (*name).to_owned(), button.rect);
        if button.clicked() {
            send(command.clone());
        }
    }
}

/// Where the picture goes in `area` at the view's zoom and pan.
pub fn picture_rect(c: &Compare, area: egui::Rect, pixels_per_point: f32) -> egui::Rect {
    let size = egui::vec2(c.size.width as f32, c.size.height as f32);
    let scale = match c.zoom {
        Zoom::Fit => (area.width() / size.x).min(area.height() / size.y),
        Zoom::Times(n) => f32::from(n) / pixels_per_point,
    };
    egui::Rect::from_center_size(area.center() + c.pan, size * scale)
}

/// The picture: split at the divider (which can be dragged) or one side;
/// dragging elsewhere pans a zoomed picture.
fn picture_ui(ui: &mut egui::Ui, c: &Compare, send: &dyn Fn(CompareCommand)) {
    let (area, response) = ui.allocate_exact_size(
        ui.available_size().max(egui::vec2(64.0, 64.0)),
        egui::Sense::drag(),
    );
    let painter = ui.painter_at(area);
    painter.rect_filled(area, 0.0, egui::Color32::BLACK);
    let rect = picture_rect(c, area, ui.ctx().pixels_per_point());
    let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
    let paint = |side: usize, clip: egui::Rect| {
        if let Some((_, texture)) = &c.sides[side].shown {
            painter.with_clip_rect(clip.intersect(area)).image(
                texture.id(),
                rect,
                uv,
                egui::Color32::WHITE,
            );
        }
    };
    let description = match c.mode {
        Mode::Split => {
            let x = area.left() + area.width() * c.divider;
            paint(
                0,
                egui::Rect::from_x_y_ranges(area.left()..=x, area.y_range()),
            );
            paint(
                1,
                egui::Rect::from_x_y_ranges(x..=area.right(), area.y_range()),
            );
            divider_ui(ui, c, area, x, send);
            format!(
                "Source left, {} right, divider at {:.0}%",
                c.rendition,
                c.divider * 100.0
            )
        }
        Mode::Flip { rendition } => {
            paint(usize::from(rendition), area);
            format!("Showing {}", c.side_name(usize::from(rendition)))
        }
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &description));
    if response.dragged() && c.zoom != Zoom::Fit {
        send(CompareCommand::Pan(response.drag_delta()));
    }
}

fn divider_id() -> egui::Id {
    egui::Id::unique("compare divider")
}

/// The divider: a line with a handle that can be dragged, or moved with
/// [ and ] (and the arrow keys once it has the keyboard).
fn divider_ui(
    ui: &mut egui::Ui,
    c: &Compare,
    area: egui::Rect,
    x: f32,
    send: &dyn Fn(CompareCommand),
) {
    let handle = egui::Rect::from_center_size(
        egui::pos2(x, area.center().y),
        egui::vec2(12.0, area.height()),
    );
    let response = ui.interact(handle, divider_id(), egui::Sense::click_and_drag());
    let stroke_width = if response.hovered() || response.has_focus() {
        3.0
    } else {
        1.5
    };
    ui.painter_at(area).vline(
        x,
        area.y_range(),
        egui::Stroke::new(stroke_width, egui::Color32::WHITE),
    );
    response.widget_info(|| {
        egui::WidgetInfo::slider(
            true,
            f64::from(c.divider),
            "Divider between source and rendition",
        )
    });
    if response.dragged() {
        if let Some(pointer) = response.interact_pointer_pos() {
            send(CompareCommand::Divider(
                (pointer.x - area.left()) / area.width(),
            ));
        }
    }
    if response.has_focus() {
        let step = |key| ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key));
        if step(egui::Key::ArrowLeft) {
            send(CompareCommand::Divider(c.divider - DIVIDER_STEP));
        }
        if step(egui::Key::ArrowRight) {
            send(CompareCommand::Divider(c.divider + DIVIDER_STEP));
        }
    }
}

/// A preview's facts: where the sample is from, and per rendition its
/// size, what the whole file would weigh, its score; each one a button
/// showing it.
fn sample_ui(ui: &mut egui::Ui, c: &Compare, sample: &SampleFacts, send: &dyn Fn(CompareCommand)) {
    ui.label(format!(
        "Preview: {:.1} s from {} · made in {:.1} s, about {} for the whole file",
        sample.seconds,
        clock(sample.start_s),
        sample.wall_s,
        format::duration(sample.predicted_s()),
    ))
    .on_hover_text(sample.folder.path().display().to_string());
    for (i, output) in sample.outputs.iter().enumerate() {
        let score = output
            .quality
            .as_ref()
            .map(|q| format!(" · {}", q.summary()));
        let target = sample
            .planned(output)
            .map(|p| format!(" · CRF {} for SSIM {:.3}", p.crf_text(), p.target_ssim));
        let text = format!(
            "{}: {} · about {} for the whole file{}{}",
            output.rendition,
            format::bytes(output.bytes),
            format::bytes(sample.predicted_bytes(output)),
            target.unwrap_or_default(),
            score.unwrap_or_default(),
        );
        if ui
            .selectable_label(output.rendition == c.rendition, text)
            .clicked()
        {
            send(CompareCommand::Rendition(i));
        }
    }
}
