//! The app's part of the compare view (`ui/compare/`): its commands
//! applied, and its pictures pumped before it is drawn.

use std::time::Instant;

use eframe::egui;
use vidprism_engine::media::quality::Score;
use vidprism_engine::pipeline::Output;

use crate::ui::app::App;
use crate::ui::compare::{job_rules, Compare, CompareCommand, Mode, Zoom};
use crate::ui::state::queue_model::{RenditionStatus, RowId};
use crate::ui::state::scrub::ScrubTexture;
use crate::ui::systems::storyboards::STORYBOARD_TILE_PIXELS;

impl App {
    pub(in crate::ui) fn handle_compare(&mut self, command: CompareCommand) {
        match command {
            CompareCommand::Open { row, rendition } => return self.open_compare(row, rendition),
            CompareCommand::Preview(row) => return self.start_preview(row),
            CompareCommand::CancelPreview => return self.cancel_preview(),
            CompareCommand::Rendition(i) => return self.switch_rendition(i),
            _ => {}
        }
        let tiles = self.compare_tiles();
        let Some(c) = self.view.compare.as_mut() else {
            return;
        };
        match command {
            CompareCommand::Open { .. }
            | CompareCommand::Preview(_)
            | CompareCommand::CancelPreview
            | CompareCommand::Rendition(_) => {}
            CompareCommand::Close => self.view.compare = None,
            CompareCommand::Seek(t) => c.seek(t),
            CompareCommand::Step(n) => {
                c.playing = None;
                let shown = c.shown_time_s();
                // Half a picture back is the picture before (the reader
                // gives the one showing at a time).
                let t = match n {
                    n if n < 0 => shown + (f64::from(n) + 0.5) * c.frame_s,
                    n => shown + f64::from(n) * c.frame_s,
                };
                c.seek(t);
            }
            CompareCommand::Tile(direction) => {
                let now = c.time_s;
                let target = match direction {
                    d if d < 0 => tiles.iter().rev().find(|t| **t < now - c.frame_s * 0.5),
                    _ => tiles.iter().find(|t| **t > now + c.frame_s * 0.5),
                };
                if let Some(t) = target {
                    c.seek(*t);
                }
            }
            CompareCommand::Play(true) => {
                if c.time_s >= c.duration_s - c.frame_s * 1.5 {
                    c.time_s = 0.0;
                }
                c.playing = Some((Instant::now(), c.time_s));
            }
            CompareCommand::Play(false) => c.playing = None,
            CompareCommand::Split => c.mode = Mode::Split,
            CompareCommand::Flip => {
                c.mode = match c.mode {
                    Mode::Split => Mode::Flip { rendition: false },
                    Mode::Flip { rendition } => Mode::Flip {
                        rendition: !rendition,
                    },
                }
            }
            CompareCommand::Divider(d) => c.divider = d.clamp(0.0, 1.0),
            CompareCommand::Zoom(zoom) => {
                c.zoom = zoom;
                c.pan = egui::Vec2::ZERO;
            }
            CompareCommand::Worst => {
                if let Some(t) = c.score.as_ref().and_then(Score::worst_moment_s) {
                    c.playing = None;
                    c.seek(t);
                }
            }
            CompareCommand::Pan(by) => {
                if c.zoom != Zoom::Fit {
                    c.pan += by;
                }
            }
        }
    }

    /// Where the row's storyboard tiles start (seconds), once loaded.
    fn compare_tiles(&self) -> Vec<f64> {
        let Some(c) = &self.view.compare else {
            return Vec::new();
        };
        match self.view.scrubs.get(c.row) {
            Some(ScrubTexture::Ready(scrub)) => scrub.cues.iter().map(|c| c.start_s).collect(),
            _ => Vec::new(),
        }
    }

    /// The renditions the view can switch between: a preview's, or its
    /// row's done ones.
    pub fn compare_choices(&self) -> Vec<Output> {
        let Some(c) = &self.view.compare else {
            return Vec::new();
        };
        if let Some(sample) = &c.sample {
            return sample.outputs.clone();
        }
        self.model
            .row(c.row)
            .map(|r| {
                r.renditions
                    .iter()
                    .filter_map(|x| match &x.status {
                        RenditionStatus::Done(output) => Some(output.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn switch_rendition(&mut self, index: usize) {
        let choices = self.compare_choices();
        if let (Some(c), Some(output)) = (self.view.compare.as_mut(), choices.get(index)) {
            c.switch_to(output);
        }
    }

    fn open_compare(&mut self, row: RowId, rendition: usize) {
        let Some(r) = self.model.row(row) else {
            return;
        };
        let Some(output) = r.renditions.get(rendition).and_then(|x| match &x.status {
            RenditionStatus::Done(output) => Some(output.clone()),
            _ => None,
        }) else {
            return;
        };
        let mut compare = Compare::new(row, r.name(), &output, r.request.input.clone());
        compare.duration_s = r.facts.as_ref().and_then(|f| f.duration_s).unwrap_or(0.0);
        compare.series_files = self
            .systems
            .jobs
            .as_ref()
            .map(|s| s.lock().series_files().clone());
        let crop = r.facts.as_ref().and_then(|f| f.crop);
        compare.source_rules = Some(job_rules(&r.request.presets, crop));
        self.view.compare = Some(compare);
        self.load_storyboard(row, STORYBOARD_TILE_PIXELS);
    }

    /// Before the compare view is drawn: starts its workers, uploads what
    /// they made, moves a playing view's time on and asks for the pictures
    /// it lacks. A file that fails closes the view, saying why.
    pub fn pump_compare(&mut self, ctx: &egui::Context) {
        let Some(c) = self.view.compare.as_mut() else {
            return;
        };
        if let Some((since, from)) = c.playing {
            let t = from + since.elapsed().as_secs_f64();
            if t >= c.duration_s - c.frame_s * 0.5 {
                c.playing = None;
            }
            c.time_s = t.min((c.duration_s - c.frame_s * 0.5).max(0.0));
            ctx.request_repaint();
        }
        let mut failed = None;
        for i in 0..c.sides.len() {
            let before = c.sides[i].shown_id();
            if let Err(reason) = c.pump_side(ctx, i) {
                failed = Some(reason);
                break;
            }
            c.record_shown(i, before);
        }
        if let Some(reason) = failed {
            self.view.compare = None;
            self.view.notice = Some(format!("The compare view closed: {reason}"));
        }
    }
}
