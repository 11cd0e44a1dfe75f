//! The compare view (issue 25): a finished rendition and its source at the
//! same presentation time, split by a divider or flipped, zoomed and
//! panned, stepped, scrubbed and played. Each side's pictures are made by
//! a worker thread ([`fetch`]) through the engine's `FrameReader` and
//! uploaded here into a bounded cache ([`cache`]); [`draw`] only turns the
//! state into pixels and clicks and keys into [`CompareCommand`]s, which
//! `App::handle_compare` (`ui/app/compare.rs`) applies.

mod cache;
pub mod draw;
mod fetch;
pub mod sample;
mod strip;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use eframe::egui;
use vidprism_engine::media::geometry::Size;
use vidprism_engine::media::quality::Score;
use vidprism_engine::media::RgbPicture;
use vidprism_engine::pipeline::Output;
use vidprism_engine::presets::{Crop, CropRule, PictureRules, Preset};

use crate::ui::state::queue_model::RowId;
use crate::ui::systems::ui_stats;
use cache::{Frame, FrameCache};
use fetch::{Fetched, Fetcher};

/// How the two pictures are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The source left of the divider, the rendition right of it.
    Split,
    /// One picture at a time; `rendition` says which.
    Flip { rendition: bool },
}

/// Picture pixels per screen pixel (`Fit`: the whole picture in view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zoom {
    Fit,
    Times(u8),
}

impl Zoom {
    pub const ALL: [Zoom; 4] = [Zoom::Fit, Zoom::Times(1), Zoom::Times(2), Zoom::Times(4)];

    pub fn label(self) -> String {
        match self {
            Zoom::Fit => "Fit".to_owned(),
            Zoom::Times(n) => format!("{n}:1"),
        }
    }
}

/// What the compare view's controls and keys ask.
#[derive(Clone, Debug, PartialEq)]
pub enum CompareCommand {
    /// Opens the view on the row's rendition (its index in the row's list).
    Open {
        row: RowId,
        rendition: usize,
    },
    Close,
    /// Shows the pictures at this time (seconds).
    Seek(f64),
    /// Steps this many pictures (negative: back).
    Step(i32),
    /// Jumps to the previous (-1) or next (1) storyboard tile.
    Tile(i32),
    /// Plays (true) or pauses.
    Play(bool),
    Split,
    /// Switches to flip, or in flip to the other picture.
    Flip,
    /// Where the divider is, 0 (left) to 1 (right).
    Divider(f32),
    Zoom(Zoom),
    /// Moves the picture by this many points.
    Pan(egui::Vec2),
    /// Jumps to the rendition's worst scored frame.
    Worst,
    /// Shows another rendition (its index among the preview's, or the
    /// row's done ones).
    Rendition(usize),
    /// Encodes a sample of a waiting row and opens the view on it.
    Preview(RowId),
    CancelPreview,
}

/// The source (0) or the rendition (1): a worker and its pictures.
pub struct Side {
    pub path: PathBuf,
    fetcher: Option<Fetcher>,
    cache: FrameCache,
    /// The picture on screen: the one at the view's time once uploaded,
    /// the one before until then.
    pub shown: Option<(f64, egui::TextureHandle)>,
    /// Whether the picture shown is the keyframe before the one asked,
    /// shown while that decodes.
    pub approximate: bool,
    asked: Option<f64>,
}

impl Side {
    fn new(path: PathBuf) -> Side {
        Side {
            path,
            fetcher: None,
            cache: FrameCache::default(),
            shown: None,
            approximate: false,
            asked: None,
        }
    }

    /// The texture on screen.
    pub(in crate::ui) fn shown_id(&self) -> Option<egui::TextureId> {
        self.shown.as_ref().map(|(_, t)| t.id())
    }

    /// Pictures uploaded and kept.
    #[cfg(test)]
    pub fn cached(&self) -> usize {
        self.cache.len()
    }
}

pub struct Compare {
    pub row: RowId,
    /// The row's source file name and the rendition's name.
    pub name: String,
    pub rendition: String,
    /// The size both sides' pictures are made at (the rendition's).
    pub size: Size,
    pub time_s: f64,
    pub duration_s: f64,
    /// A picture's duration at the source's rate.
    pub frame_s: f64,
    pub mode: Mode,
    pub divider: f32,
    pub zoom: Zoom,
    pub pan: egui::Vec2,
    /// Playing since this instant, from this time.
    pub playing: Option<(Instant, f64)>,
    pub sides: [Side; 2],
    /// The rendition's score, with its per-frame series when kept.
    pub score: Option<Score>,
    /// A preview's sample and renditions (its folder goes with the view).
    pub sample: Option<sample::SampleFacts>,
    /// Where the job store keeps per-frame scores, for a rendition whose
    /// score came without its series (a restart, a farm).
    pub series_files: Option<vidprism_engine::store::SeriesFiles>,
    /// The source's picture rules as its job applied them (its presets',
    /// with the crop the job reported), so the source is shown
    /// deinterlaced and cropped as the rendition was made.
    pub source_rules: Option<PictureRules>,
}

impl Compare {
    /// The view of `output` beside `source` (the row's, or a sample), at
    /// the start, split, fit.
    pub fn new(row: RowId, name: String, output: &Output, source: PathBuf) -> Compare {
        Compare {
            row,
            name,
            rendition: output.rendition.clone(),
            size: Size::new(output.width.max(2), output.height.max(2)),
            time_s: 0.0,
            duration_s: 0.0,
            frame_s: 1.0 / 25.0,
            mode: Mode::Split,
            divider: 0.5,
            zoom: Zoom::Fit,
            pan: egui::Vec2::ZERO,
            playing: None,
            sides: [Side::new(source), Side::new(output.path.clone())],
            score: output.quality.clone(),
            sample: None,
            series_files: None,
            source_rules: None,
        }
    }

    /// Shows `output` instead of the rendition shown; time and view kept.
    pub(in crate::ui) fn switch_to(&mut self, output: &Output) {
        self.rendition = output.rendition.clone();
        self.size = Size::new(output.width.max(2), output.height.max(2));
        self.score = output.quality.clone();
        let source = self.sides[0].path.clone();
        // The source's pictures are made at the rendition's size.
        self.sides = [Side::new(source), Side::new(output.path.clone())];
    }

    /// Blocks until a side's worker has news (at most `limit`); whether
    /// one has. For tests, which then step the window.
    #[cfg(test)]
    pub fn wait_for_news(&self, limit: std::time::Duration) -> bool {
        let fetchers: Vec<&Fetcher> = self
            .sides
            .iter()
            .filter_map(|s| s.fetcher.as_ref())
            .collect();
        fetch::wait_any(&fetchers, limit)
    }

    /// Labels of the two sides: "Source" and the rendition's name.
    pub fn side_name(&self, side: usize) -> &str {
        if side == 0 {
            "Source"
        } else {
            &self.rendition
        }
    }

    pub(in crate::ui) fn seek(&mut self, time_s: f64) {
        let end = (self.duration_s - self.frame_s * 0.5).max(0.0);
        self.time_s = time_s.clamp(0.0, end);
        let time_s = self.time_s;
        ui_stats::record(|| ui_stats::Record::Seek { time_s });
        if self.playing.is_some() {
            self.playing = Some((Instant::now(), self.time_s));
        }
    }

    /// Tells the UI figures ([`ui_stats`]) that side `i` shows a new
    /// picture, when its texture is not `before`.
    pub(in crate::ui) fn record_shown(&self, i: usize, before: Option<egui::TextureId>) {
        let side = &self.sides[i];
        if let Some((time_s, texture)) = &side.shown {
            if Some(texture.id()) != before {
                ui_stats::record(|| ui_stats::Record::Shown {
                    side: i,
                    time_s: *time_s,
                    view_s: self.time_s,
                    exact: !side.approximate,
                });
            }
        }
    }

    /// The time of the picture shown (the rendition's), else the view's.
    pub(in crate::ui) fn shown_time_s(&self) -> f64 {
        self.sides[1]
            .shown
            .as_ref()
            .map_or(self.time_s, |(t, _)| *t)
    }
}

impl Compare {
    /// One side: its worker started once (waking `ctx` when it has news),
    /// its pictures uploaded, the one at the view's time shown or asked
    /// for. Returns why the side cannot go on.
    pub(in crate::ui) fn pump_side(
        &mut self,
        ctx: &egui::Context,
        i: usize,
    ) -> Result<(), SideFailed> {
        let what = if i == 0 {
            "the source"
        } else {
            "the rendition"
        };
        if self.sides[i].fetcher.is_none() {
            let waker = ctx.clone();
            let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || waker.request_repaint());
            let path = self.sides[i].path.clone();
            let lacks_series = self.score.as_ref().is_some_and(|s| s.series.is_none());
            let series = (i == 1 && lacks_series)
                .then(|| self.series_files.clone())
                .flatten();
            let rules = self.source_rules.filter(|_| i == 0);
            let fetcher = Fetcher::start(path, self.size, rules, series, wake)
                .map_err(|source| SideFailed::Start { what, source })?;
            self.sides[i].fetcher = Some(fetcher);
        }
        while let Some(fetched) = self.sides[i].fetcher.as_ref().and_then(Fetcher::try_next) {
            match fetched {
                Fetched::Opened {
                    duration_s,
                    frame_s,
                } => {
                    if let Some(d) = duration_s.filter(|d| *d > 0.0) {
                        // The shorter of the two: both must have a picture.
                        self.duration_s = match self.duration_s > 0.0 {
                            true => self.duration_s.min(d),
                            false => d,
                        };
                    }
                    if i == 0 {
                        self.frame_s = frame_s;
                    }
                }
                Fetched::Picture(p) => {
                    let texture = upload(ctx, &format!("compare {} {i}", self.row), &p);
                    // A play the worker falls behind shows the latest
                    // picture made (the ones between are dropped).
                    if p.time_s <= self.time_s + self.frame_s {
                        self.sides[i].shown = Some((p.time_s, texture.clone()));
                        self.sides[i].approximate = false;
                    }
                    self.sides[i].cache.insert(Frame {
                        time_s: p.time_s,
                        duration_s: p.duration_s,
                        texture,
                    });
                }
                Fetched::Approximate(p) if p.time_s <= self.time_s + self.frame_s => {
                    let texture = upload(ctx, &format!("compare {} {i}", self.row), &p);
                    self.sides[i].shown = Some((p.time_s, texture));
                    self.sides[i].approximate = true;
                }
                Fetched::Approximate(_) => {}
                Fetched::Series(series) => {
                    if let Some(score) = self.score.as_mut() {
                        score.series.get_or_insert(series);
                    }
                }
                Fetched::Failed(source) => return Err(SideFailed::Read { what, source }),
            }
        }
        let time_s = self.time_s;
        let side = &mut self.sides[i];
        if let Some(frame) = side.cache.at(time_s) {
            side.shown = Some((frame.time_s, frame.texture.clone()));
            side.approximate = false;
        } else if side.asked != Some(time_s) {
            if let Some(fetcher) = &side.fetcher {
                fetcher.ask(time_s);
                side.asked = Some(time_s);
            }
        }
        Ok(())
    }
}

/// Why a side of the view cannot go on (the view closes saying so).
#[derive(Debug, thiserror::Error)]
pub(in crate::ui) enum SideFailed {
    #[error("cannot read {what}: {source}")]
    Start {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cannot read {what}: {source}")]
    Read {
        what: &'static str,
        source: vidprism_engine::Error,
    },
}

/// The picture rules a job of `presets` applied to its source: theirs,
/// with the crop it reported (`probed`) instead of finding bars again.
pub fn job_rules(presets: &[Preset], crop: Option<Crop>) -> PictureRules {
    PictureRules {
        crop: crop.map_or(CropRule::None, CropRule::Fixed),
        ..PictureRules::of_job(presets.iter().map(|p| &p.picture))
    }
}

/// A picture as a texture, its pixels sharp when zoomed in.
fn upload(ctx: &egui::Context, name: &str, p: &RgbPicture) -> egui::TextureHandle {
    let image = egui::ColorImage::from_rgb([p.width as usize, p.height as usize], &p.rgb);
    let options = egui::TextureOptions {
        magnification: egui::TextureFilter::Nearest,
        ..egui::TextureOptions::LINEAR
    };
    ctx.load_texture(format!("{name} {}", p.time_s), image, options)
}

/// "1:02.480": a time in the view, to the millisecond.
pub fn clock(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}
