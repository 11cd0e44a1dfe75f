//! What is done to a source's pictures before any output is made of them,
//! decided once at ingest from the job's preset rules and the source
//! itself (issue 27), and applied alike by the decode loop (before the
//! fan-out to renditions and the storyboard) and the thumbnail, through
//! one [`PictureFilter`]. The same source and rules give the same plan, so
//! a farm worker preparing a stage again decides what the ingest decided.

use std::path::Path;

use ffmpeg_next::{frame, Rational, Rescale};

use super::deinterlace::{detect, Deinterlace};
use super::filter::Filter;
use crate::error::Result;
use crate::presets::PictureRules;

/// The decisions; the default changes nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PicturePlan {
    /// Set when the pictures are deinterlaced, and how.
    pub deinterlace: Option<Deinterlace>,
}

impl PicturePlan {
    /// The libavfilter chain that does it, when there is anything to do.
    fn chain(&self) -> Option<String> {
        self.deinterlace.map(Deinterlace::chain)
    }

    /// The time base and frame rate of the pictures that come out, for a
    /// source's.
    pub fn timing(&self, time_base: Rational, frame_rate: Rational) -> (Rational, Rational) {
        match self.deinterlace {
            Some(d) => d.timing(time_base, frame_rate),
            None => (time_base, frame_rate),
        }
    }

    /// Whether the first picture must be seen with the next one to come
    /// out right: alone, a picture looks still to the deinterlacer, which
    /// then keeps its two fields woven together.
    pub fn needs_next_picture(&self) -> bool {
        self.deinterlace.is_some()
    }

    /// The filter that applies the plan to pictures decoded in
    /// `time_base`; `None` when there is nothing to do.
    pub fn filter(&self, time_base: Rational) -> Option<PictureFilter> {
        let chain = self.chain()?;
        Some(PictureFilter {
            chain,
            time_base_in: time_base,
            // The time base does not depend on the rate.
            time_base: self.timing(time_base, Rational::new(1, 1)).0,
            filter: None,
        })
    }
}

/// Decides the plan for `path` under the job's `rules` (reading a few
/// dozen pictures unless every rule is off).
pub fn plan_pictures(path: &Path, rules: PictureRules) -> Result<PicturePlan> {
    Ok(PicturePlan {
        deinterlace: detect(path, rules)?,
    })
}

/// A plan's filter chain; each picture comes out with its timestamp
/// (`pts`) in the time base of [`PicturePlan::timing`].
pub struct PictureFilter {
    chain: String,
    /// The decoded pictures' time base, and the one they leave in.
    time_base_in: Rational,
    time_base: Rational,
    /// Built for the first picture.
    filter: Option<Filter>,
}

impl PictureFilter {
    /// Feeds a picture whose `pts` is in the decoder's time base; the
    /// filter takes over its reference.
    pub fn push(&mut self, picture: &frame::Video) -> Result<()> {
        let filter = match self.filter.as_mut() {
            Some(f) => f,
            None => self
                .filter
                .insert(Filter::video(picture, self.time_base_in, &self.chain)?),
        };
        filter.push(picture)
    }

    /// The end of the pictures: the last ones come out.
    pub fn finish(&mut self) -> Result<()> {
        match self.filter.as_mut() {
            Some(f) => f.finish(),
            None => Ok(()),
        }
    }

    /// The next picture, when one is ready.
    pub fn pull(&mut self) -> Option<frame::Video> {
        let filter = self.filter.as_mut()?;
        let mut out = frame::Video::empty();
        if !filter.pull(&mut out) {
            return None;
        }
        let from = filter.output_time_base();
        if from != self.time_base {
            let pts = out.pts().map(|p| p.rescale(from, self.time_base));
            out.set_pts(pts);
        }
        Some(out)
    }
}
