//! What is done to a source's pictures before any output is made of them,
//! decided once at ingest from the job's preset rules and the source
//! itself (issue 27), and applied alike by the decode loop (before the
//! fan-out to renditions and the storyboard) and the thumbnail, through
//! one [`PictureFilter`]. The same source and rules give the same plan, so
//! a farm worker preparing a stage again decides what the ingest decided.

use std::path::Path;

use ffmpeg_next::{frame, Rational, Rescale};

use super::crop_detect::detect_bars;
use super::decode::open_input;
use super::deinterlace::{detect, Deinterlace};
use super::filter::Filter;
use super::geometry::{cropped_size, Rotation, Size};
use super::probe::stream_rotation;
use crate::error::{Error, Result};
use crate::presets::{Crop, CropRule, PictureRules};

/// Fewest pixels a crop may leave of either side of the picture.
const MIN_KEPT: u32 = 16;

/// The decisions; the default changes nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PicturePlan {
    /// Set when the pictures are deinterlaced, and how.
    pub deinterlace: Option<Deinterlace>,
    /// Set when pixels are taken off the sides (black bars, or the
    /// preset's fixed crop), in coded pixels.
    pub crop: Option<Crop>,
    /// The coded picture the crop is taken from, and how it is turned.
    coded: Size,
    rotation: Rotation,
}

impl PicturePlan {
    /// The libavfilter chain that does it, when there is anything to do:
    /// deinterlaced first (fields need every line), then cropped.
    fn chain(&self) -> Option<String> {
        let crop = self.crop.map(|c| {
            let kept = self.kept();
            format!(
                "crop=w={}:h={}:x={}:y={}:exact=1",
                kept.width, kept.height, c.left, c.top
            )
        });
        let steps: Vec<String> = [self.deinterlace.map(Deinterlace::chain), crop]
            .into_iter()
            .flatten()
            .collect();
        (!steps.is_empty()).then(|| steps.join(","))
    }

    /// The coded size left by the crop.
    fn kept(&self) -> Size {
        match self.crop {
            Some(c) => Size::new(
                self.coded.width.saturating_sub(c.left + c.right),
                self.coded.height.saturating_sub(c.top + c.bottom),
            ),
            None => self.coded,
        }
    }

    /// An upright size planned for the whole picture (the display, a
    /// rendition's), made for the cropped one: the display aspect kept.
    pub fn cropped(&self, size: Size) -> Size {
        match self.crop {
            Some(_) => cropped_size(size, self.coded, self.kept(), self.rotation),
            None => size,
        }
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
    /// `time_base` at `frame_rate`; `None` when there is nothing to do.
    pub fn filter(&self, time_base: Rational, frame_rate: Rational) -> Option<PictureFilter> {
        let chain = self.chain()?;
        Some(PictureFilter {
            chain,
            frame_rate,
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
    let deinterlace = detect(path, rules)?;
    let crop = match rules.crop {
        CropRule::None => None,
        CropRule::Auto => detect_bars(path)?,
        CropRule::Fixed(crop) => Some(crop),
    };
    let mut plan = PicturePlan {
        deinterlace,
        ..PicturePlan::default()
    };
    if let Some(crop) = crop.filter(|c| *c != Crop::default()) {
        let (input, index) = open_input(path)?;
        let stream = input
            .stream(index)
            .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
        // SAFETY: the parameters pointer is valid while `stream` is.
        let (width, height) = unsafe {
            let p = stream.parameters().as_ptr();
            ((*p).width.max(0) as u32, (*p).height.max(0) as u32)
        };
        plan.coded = Size::new(width, height);
        plan.rotation = stream_rotation(&stream);
        plan.crop = Some(crop);
        let kept = plan.kept();
        let fits = crop.left + crop.right + MIN_KEPT <= width
            && crop.top + crop.bottom + MIN_KEPT <= height
            && kept.width.is_multiple_of(2)
            && kept.height.is_multiple_of(2);
        if !fits {
            tracing::warn!(
                source = %path.display(),
                ?crop,
                width,
                height,
                "the crop does not fit the picture; nothing is cropped"
            );
            plan.crop = None;
        }
    }
    Ok(plan)
}

/// A plan's filter chain; each picture comes out with its timestamp
/// (`pts`) in the time base of [`PicturePlan::timing`].
pub struct PictureFilter {
    chain: String,
    frame_rate: Rational,
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
            None => self.filter.insert(Filter::video_at_rate(
                picture,
                self.time_base_in,
                Some(self.frame_rate),
                &self.chain,
            )?),
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
        // The duration copied from the decoded picture is in its time base
        // and its rate, neither of which may be this picture's: forgotten,
        // so the decode loop times the last picture by the gap before it.
        // SAFETY: `out` is a valid frame this function owns.
        unsafe {
            (*out.as_mut_ptr()).pkt_duration = 0;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::FieldRate;

    #[test]
    fn a_crop_shrinks_every_size_by_the_share_its_side_loses() {
        let bars = Crop {
            top: 138,
            bottom: 138,
            left: 0,
            right: 0,
        };
        let plan = PicturePlan {
            crop: Some(bars),
            coded: Size::new(1920, 1080),
            ..PicturePlan::default()
        };
        assert_eq!(plan.cropped(Size::new(1920, 1080)), Size::new(1920, 804));
        assert_eq!(plan.cropped(Size::new(1280, 720)), Size::new(1280, 536));
        assert_eq!(
            plan.chain().as_deref(),
            Some("crop=w=1920:h=804:x=0:y=138:exact=1")
        );
        // A portrait phone clip: the coded rows are the upright columns.
        let turned = PicturePlan {
            rotation: Rotation::Cw90,
            ..plan
        };
        assert_eq!(turned.cropped(Size::new(1080, 1920)), Size::new(804, 1920));
        let both = PicturePlan {
            deinterlace: Some(Deinterlace {
                top_field_first: false,
                rate: FieldRate::Frame,
                inverse_telecine: false,
            }),
            ..plan
        };
        let chain = both.chain().expect("a chain");
        assert!(
            chain.starts_with("bwdif=") && chain.ends_with(":exact=1"),
            "{chain}"
        );
        assert_eq!(PicturePlan::default().chain(), None);
        assert_eq!(
            PicturePlan::default().cropped(Size::new(7, 5)),
            Size::new(7, 5)
        );
    }
}
