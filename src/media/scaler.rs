//! One rendition's scale chain: the source's pictures (or a larger
//! rendition's) made into this rendition's, upright, in its size, colour
//! and pixel format, at its frame-rate cap. Kept apart from the encoder
//! and the file (`rendition_writer.rs`) so that the pictures go on to the
//! smaller renditions scaled from these even when this rendition's encoder
//! or file fails.
//!
//! A frame-rate cap drops pictures and never repeats one: at most `fps`
//! pictures start in any second of the source's timestamps, each lasting
//! until the next one kept. (FFmpeg's `fps` filter repeats pictures over a
//! gap: a 3.5 KB file claiming three frames 1,000 s apart made 20,000.)

use std::collections::HashMap;

use ffmpeg_next::{format, frame, Rational};

use super::colour::Colour;
use super::filter::Filter;
use super::geometry::Size;
use super::rendition_writer::SourceTiming;
use crate::error::Result;
use crate::presets::RenditionSpec;

/// The pixel format renditions are encoded in, and its name for filters:
/// 10-bit for one that stays HDR, 8-bit otherwise.
pub fn encoded_pixel(ten_bit: bool) -> (format::Pixel, &'static str) {
    if ten_bit {
        (format::Pixel::YUV420P10LE, "yuv420p10le")
    } else {
        (format::Pixel::YUV420P, "yuv420p")
    }
}

/// The frame rate to cap the source's at, when the rendition asks for one
/// lower than the source's.
pub fn fps_cap(spec: &RenditionSpec, source: Rational) -> Option<u32> {
    let max = spec.max_fps?;
    let source_fps = positive(source).map(f64::from)?;
    (source_fps > f64::from(max) + 0.01).then_some(max)
}

/// `q` when both its terms are positive.
pub fn positive(q: Rational) -> Option<Rational> {
    (q.numerator() > 0 && q.denominator() > 0).then_some(q)
}

pub struct Scaler {
    chain: String,
    /// Built on the first picture, which tells the input's size and format.
    filter: Option<Filter>,
    /// The colour of the pictures fed in, and of those made.
    colour_in: Colour,
    colour_out: Colour,
    /// The time base of the pictures in and out.
    time_base: Rational,
    /// Each picture keeps its timestamp: its duration, by presentation
    /// time, until it comes out.
    durations: HashMap<i64, i64>,
    /// The frame-rate cap, when the rendition has one.
    cap: Option<Cap>,
    finished: bool,
}

/// Which pictures a frame-rate cap keeps: the first to start in each
/// 1/`fps` s slot of the source's timestamps; each kept picture waits
/// (`held`) until the next one tells how long it lasts.
struct Cap {
    fps: u32,
    last_slot: Option<i128>,
    held: Option<(frame::Video, i64)>,
}

impl Cap {
    /// The slot of a picture at `pts` (in `time_base`): floor(seconds x fps).
    fn slot(&self, pts: i64, time_base: Rational) -> i128 {
        let num = i128::from(time_base.numerator()) * i128::from(self.fps);
        let den = i128::from(time_base.denominator()).max(1);
        (i128::from(pts) * num).div_euclid(den)
    }
}

impl Scaler {
    /// The chain making pictures described by `timing` into those of a
    /// rendition of `spec` at `size` (10-bit when `ten_bit`).
    pub fn for_rendition(
        spec: &RenditionSpec,
        size: Size,
        timing: &SourceTiming,
        ten_bit: bool,
    ) -> Scaler {
        let cap = fps_cap(spec, timing.frame_rate);
        let colour_out = timing.colour.encoded();
        let (_, pixel_name) = encoded_pixel(ten_bit);
        // Scale first, then rotate: turning the smaller picture costs less.
        let before_rotation = size.unrotated(timing.rotation);
        // The scale converts from the pictures' matrix and range to the
        // output's, read from the tags decided for the source (not the frames').
        let chain = format!(
            "scale={}:{}:flags=bicubic{},{}setsar=1,format={pixel_name}",
            before_rotation.width,
            before_rotation.height,
            timing.colour.scale_options(Some(colour_out)),
            timing.rotation.filter_prefix()
        );
        Scaler {
            chain,
            filter: None,
            colour_in: timing.colour,
            colour_out,
            time_base: timing.video_time_base,
            durations: HashMap::new(),
            cap: cap.map(|fps| Cap {
                fps,
                last_slot: None,
                held: None,
            }),
            finished: false,
        }
    }

    /// Feeds one picture shown for `duration` (in the pictures' time base).
    /// Under a cap, a picture starting in the slot of the last one kept is
    /// dropped, its time added to that one's.
    pub fn push(&mut self, frame: frame::Video, duration: i64) -> Result<()> {
        let time_base = self.time_base;
        let Some(cap) = self.cap.as_mut() else {
            return self.feed(frame, duration);
        };
        let slot = frame.pts().map(|pts| cap.slot(pts, time_base));
        if let (Some(slot), Some(last)) = (slot, cap.last_slot) {
            if slot <= last {
                if let Some((_, held)) = cap.held.as_mut() {
                    *held = held.saturating_add(duration);
                }
                return Ok(());
            }
        }
        cap.last_slot = slot.or(cap.last_slot);
        match cap.held.replace((frame, duration)) {
            Some((kept, lasts)) => self.feed(kept, lasts),
            None => Ok(()),
        }
    }

    /// Puts one picture into the chain.
    fn feed(&mut self, mut frame: frame::Video, duration: i64) -> Result<()> {
        self.colour_in.tag_frame(&mut frame);
        if self.filter.is_none() {
            self.filter = Some(Filter::video(&frame, self.time_base, &self.chain)?);
        }
        if let Some(pts) = frame.pts() {
            self.durations.insert(pts, duration);
        }
        match self.filter.as_mut() {
            Some(filter) => filter.push(&frame),
            None => Ok(()),
        }
    }

    /// Ends the input, so every picture still in the chain comes out.
    pub fn finish(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        if let Some((held, lasts)) = self.cap.as_mut().and_then(|c| c.held.take()) {
            self.feed(held, lasts)?;
        }
        match self.filter.as_mut() {
            Some(filter) => filter.finish(),
            None => Ok(()),
        }
    }

    /// The next picture made, tagged with the rendition's colour, with its
    /// timestamp (in the time base of the pictures fed in) and duration.
    pub fn pull(&mut self) -> Option<(frame::Video, i64)> {
        let filter = self.filter.as_mut()?;
        let mut scaled = frame::Video::empty();
        if !filter.pull(&mut scaled) {
            return None;
        }
        self.colour_out.tag_frame(&mut scaled);
        let duration = scaled
            .pts()
            .and_then(|p| self.durations.remove(&p))
            .unwrap_or(0);
        Some((scaled, duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::colour::Colour;
    use crate::media::geometry::Rotation;
    use crate::presets::find_preset;

    /// Pictures of 64x48 at `times` (in 1/1000 s) through a scaler capped
    /// at 10 fps: each one made, with its timestamp and duration.
    fn capped(times: &[i64]) -> Vec<(i64, i64)> {
        crate::media::init();
        let mut spec = find_preset("web").expect("web").renditions[0].clone();
        spec.max_fps = Some(10);
        let timing = SourceTiming {
            video_time_base: Rational::new(1, 1000),
            frame_rate: Rational::new(30, 1),
            rotation: Rotation::None,
            colour: Colour::SDR_BT709,
        };
        let mut scaler = Scaler::for_rendition(&spec, Size::new(64, 48), &timing, false);
        let mut made = Vec::new();
        let mut take = |scaler: &mut Scaler| {
            while let Some((picture, duration)) = scaler.pull() {
                made.push((picture.pts().expect("a timestamp"), duration));
            }
        };
        for (i, &pts) in times.iter().enumerate() {
            let mut picture = frame::Video::new(format::Pixel::YUV420P, 64, 48);
            picture.set_pts(Some(pts));
            let next = times.get(i + 1).copied().unwrap_or(pts + 33);
            scaler.push(picture, next - pts).expect("scaled");
            take(&mut scaler);
        }
        scaler.finish().expect("finished");
        take(&mut scaler);
        made
    }

    #[test]
    fn a_frame_rate_cap_drops_pictures_and_never_repeats_one() {
        // 30 fps capped at 10: one in three kept, each lasting three.
        let thirty: Vec<i64> = (0..9).map(|k| k * 100 / 3).collect();
        assert_eq!(capped(&thirty), [(0, 100), (100, 100), (200, 99)]);
        // Three pictures 1,000 s apart stay three (an fps filter made 20,000).
        let gaps = capped(&[0, 1_000_000, 2_000_000]);
        assert_eq!(
            gaps,
            [(0, 1_000_000), (1_000_000, 1_000_000), (2_000_000, 33)]
        );
    }
}
