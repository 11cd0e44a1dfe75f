//! One rendition's scale chain: the source's pictures (or a larger
//! rendition's) made into this rendition's, upright, in its size, colour
//! and pixel format, at its frame-rate cap. Kept apart from the encoder
//! and the file (`rendition_writer.rs`) so that the pictures go on to the
//! smaller renditions scaled from these even when this rendition's encoder
//! or file fails.

use std::collections::HashMap;

use ffmpeg_next::{format, frame, Rational, Rescale};

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
    /// Without a frame-rate cap, each picture keeps its timestamp: its
    /// duration, by presentation time, until it comes out.
    durations: HashMap<i64, i64>,
    /// With a cap, every picture lasts this long (in `time_base`).
    capped_duration: Option<i64>,
    finished: bool,
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
        // A frame-rate cap drops frames first, so fewer are scaled.
        let fps_filter = cap.map(|fps| format!("fps={fps},")).unwrap_or_default();
        // The scale converts from the pictures' matrix and range to the
        // output's, read from the tags decided for the source (not the frames').
        let chain = format!(
            "{fps_filter}scale={}:{}:flags=bicubic{},{}setsar=1,format={pixel_name}",
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
            capped_duration: cap
                .map(|fps| 1i64.rescale(Rational::new(1, fps as i32), timing.video_time_base))
                .map(|d| d.max(1)),
            finished: false,
        }
    }

    /// Feeds one picture shown for `duration` (in the pictures' time base).
    pub fn push(&mut self, mut frame: frame::Video, duration: i64) -> Result<()> {
        self.colour_in.tag_frame(&mut frame);
        if self.filter.is_none() {
            self.filter = Some(Filter::video(&frame, self.time_base, &self.chain)?);
        }
        if let (Some(pts), None) = (frame.pts(), self.capped_duration) {
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
        match self.filter.as_mut() {
            Some(filter) => filter.finish(),
            None => Ok(()),
        }
    }

    /// The next picture made, tagged with the rendition's colour, its
    /// timestamp in the time base of the pictures fed in, and its duration.
    pub fn pull(&mut self) -> Option<(frame::Video, i64)> {
        let filter = self.filter.as_mut()?;
        let mut scaled = frame::Video::empty();
        if !filter.pull(&mut scaled) {
            return None;
        }
        self.colour_out.tag_frame(&mut scaled);
        let duration = match self.capped_duration {
            Some(duration) => {
                let filtered = filter.output_time_base();
                let pts = scaled.pts().map(|p| p.rescale(filtered, self.time_base));
                scaled.set_pts(pts);
                duration
            }
            None => scaled
                .pts()
                .and_then(|p| self.durations.remove(&p))
                .unwrap_or(0),
        };
        Some((scaled, duration))
    }
}
