//! The quality strip under the picture: the rendition's SSIM per scored
//! frame over time (issue 24's measurement, kept per frame for issue 25),
//! the worst 1 % of the frames marked, the view's time as a line; a click
//! seeks there.

use eframe::egui;
use vidprism_engine::media::quality::Score;

use super::{clock, Compare, CompareCommand};

/// The strip's height, points.
pub const STRIP_HEIGHT: f32 = 44.0;

/// The lowest SSIM the strip's scale goes down to when every frame is
/// better: small differences between good frames still show.
const STRIP_FLOOR: f64 = 0.9;

/// What the strip says to a screen reader.
pub fn strip_description(score: &Score) -> String {
    match score.worst_moment_s() {
        Some(t) => format!(
            "Quality over time: {}; worst frame at {}",
            score.summary(),
            clock(t)
        ),
        None => format!("Quality: {}", score.summary()),
    }
}

pub fn strip_ui(ui: &mut egui::Ui, c: &Compare, send: &dyn Fn(CompareCommand)) {
    let Some(score) = c.score.as_ref() else {
        ui.weak("No per-frame score for this rendition (its preset's score is off, or it was made elsewhere)");
        return;
    };
    let Some(series) = score.series.as_ref().filter(|s| !s.is_empty()) else {
        ui.weak(format!("{} (no per-frame score kept)", score.summary()));
        return;
    };
    let width = ui.available_width();
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, STRIP_HEIGHT), egui::Sense::click());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let duration = c.duration_s.max(c.frame_s);
    let low = series
        .iter()
        .map(|(_, s)| *s)
        .fold(STRIP_FLOOR, f64::min)
        .min(1.0 - 1e-3);
    let x = |t: f64| rect.left() + rect.width() * (t / duration).clamp(0.0, 1.0) as f32;
    let y =
        |s: f64| rect.bottom() - rect.height() * ((s - low) / (1.0 - low)).clamp(0.0, 1.0) as f32;
    let worst_colour = ui.visuals().error_fg_color;
    for (t, _) in score.worst_frames() {
        painter.vline(x(t), rect.y_range(), egui::Stroke::new(2.0, worst_colour));
    }
    let points: Vec<egui::Pos2> = series
        .iter()
        .map(|(t, s)| egui::pos2(x(*t), y(*s)))
        .collect();
    painter.add(egui::Shape::line(
        points,
        egui::Stroke::new(1.0, ui.visuals().text_color()),
    ));
    painter.vline(
        x(c.time_s),
        rect.y_range(),
        egui::Stroke::new(1.0, ui.visuals().selection.bg_fill),
    );
    let description = strip_description(score);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &description));
    if let Some(pos) = response
        .interact_pointer_pos()
        .filter(|_| response.clicked())
    {
        let t = f64::from((pos.x - rect.left()) / rect.width().max(1.0)) * duration;
        send(CompareCommand::Seek(t));
    }
}
