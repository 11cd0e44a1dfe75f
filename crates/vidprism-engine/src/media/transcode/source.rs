//! The source of a transcode, opened once: its demuxer, its video decoder,
//! its audio and subtitle tracks, the timing the renditions inherit, and
//! where its video should end (to tell a whole file from a cut one).

use std::path::Path;

use ffmpeg_next::{decoder, format, Rational};

use super::tracks::SourceTracks;
use crate::error::{Error, Result};
use crate::media::colour::Colour;
use crate::media::decode::{open_input, video_decoder};
use crate::media::probe::{duration_s, stream_rotation};
use crate::media::rendition_writer::SourceTiming;

/// An opened source, ready to be read once.
pub struct Source<'a> {
    pub path: &'a Path,
    pub input: format::context::Input,
    pub video_index: usize,
    pub video: decoder::Video,
    /// Every audio and subtitle track, with its decoder when there is one.
    pub tracks: SourceTracks,
    pub timing: SourceTiming,
    /// The container's start time in microseconds: subtracted from every
    /// stream so outputs start at zero and audio keeps its offset to the
    /// video.
    pub origin_us: i64,
    /// Where the video should end, and how far short of it still counts as
    /// whole.
    pub expected_end_s: Option<(f64, f64)>,
}

impl<'a> Source<'a> {
    pub fn open(path: &'a Path) -> Result<Source<'a>> {
        let (input, video_index) = open_input(path)?;
        let video = video_decoder(&input, video_index, 0, path)?;
        let tracks = SourceTracks::read(&input);
        let stream = input
            .stream(video_index)
            .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
        let frame_rate = [stream.avg_frame_rate(), stream.rate()]
            .into_iter()
            .find(|r| r.numerator() > 0 && r.denominator() > 0)
            .unwrap_or(Rational::new(25, 1));
        let timing = SourceTiming {
            video_time_base: stream.time_base(),
            frame_rate,
            rotation: stream_rotation(&stream),
            colour: Colour::of_decoder(&video),
        };
        let origin_us = start_time_us(&input);
        let expected_end_s = expected_video_end_s(&input, video_index);
        Ok(Source {
            path,
            input,
            video_index,
            video,
            tracks,
            timing,
            origin_us,
            expected_end_s,
        })
    }
}

/// Where the video should end, and how far short of it still counts as
/// whole: tight for the video stream's own duration, loose for the
/// container's, which can include longer audio.
fn expected_video_end_s(input: &format::context::Input, video_index: usize) -> Option<(f64, f64)> {
    let stream = input.stream(video_index)?;
    if stream.duration() > 0 {
        let start = stream.start_time().max(0) as f64;
        let own = (start + stream.duration() as f64) * f64::from(stream.time_base());
        let origin = start_time_us(input) as f64 / 1e6;
        // A whole stream ends where its header says, give or take a frame
        // or two of rounding; MP4 demuxers report a cut file as a plain end.
        let frame_s = 1.0 / f64::from(stream.avg_frame_rate()).clamp(1.0, 240.0);
        return Some((own - origin, (2.5 * frame_s).max(0.1)));
    }
    duration_s(input, video_index).map(|d| (d, 1.0 + 0.05 * d))
}

/// The container's start time in microseconds.
fn start_time_us(input: &format::context::Input) -> i64 {
    // SAFETY: the format context pointer is valid while `input` is.
    let start = unsafe { (*input.as_ptr()).start_time };
    if start == ffmpeg_next::ffi::AV_NOPTS_VALUE {
        0
    } else {
        start
    }
}
