//! The decode loop's first step: each decoded picture, before it is fanned
//! out to the renditions and the storyboard, is prepared as the job's
//! [`PicturePlan`] says (deinterlaced once for all of them), and leaves
//! with its timestamp in `pts`, in the time base the renditions were set
//! up with.

use ffmpeg_next::frame;

use crate::error::Result;
use crate::media::picture_plan::PictureFilter;
use crate::media::rendition_writer::SourceTiming;
use crate::media::PicturePlan;

pub struct PicturePrep {
    filter: Option<PictureFilter>,
    /// Without a filter, the picture pushed waits here to be pulled.
    ready: Option<frame::Video>,
}

impl PicturePrep {
    /// For `plan`; `timing` becomes that of the pictures that come out
    /// (twice the rate when each field becomes a picture).
    pub fn new(plan: &PicturePlan, timing: &mut SourceTiming) -> PicturePrep {
        let filter = plan.filter(timing.video_time_base, timing.frame_rate);
        (timing.video_time_base, timing.frame_rate) =
            plan.timing(timing.video_time_base, timing.frame_rate);
        PicturePrep {
            filter,
            ready: None,
        }
    }

    /// Takes a decoded picture; its best-effort timestamp becomes its `pts`.
    pub fn push(&mut self, mut picture: frame::Video) -> Result<()> {
        let pts = picture.timestamp();
        picture.set_pts(pts);
        match self.filter.as_mut() {
            Some(filter) => filter.push(&picture),
            None => {
                self.ready = Some(picture);
                Ok(())
            }
        }
    }

    /// The end of the decoded pictures.
    pub fn finish(&mut self) -> Result<()> {
        match self.filter.as_mut() {
            Some(filter) => filter.finish(),
            None => Ok(()),
        }
    }

    /// The next prepared picture, when one is ready.
    pub fn pull(&mut self) -> Option<frame::Video> {
        match self.filter.as_mut() {
            Some(filter) => filter.pull(),
            None => self.ready.take(),
        }
    }
}
