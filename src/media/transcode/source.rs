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
    /// Where a whole read ends (the video's own end when it is known).
    pub expected_end: ExpectedEnd,
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
        let expected_end = expected_end(&input, video_index);
        Ok(Source {
            path,
            input,
            video_index,
            video,
            tracks,
            timing,
            origin_us,
            expected_end,
        })
    }
}

/// Where a whole source's reading ends, to tell it from a cut one. The
/// end check is per stream: the video is held to its own length, never to
/// the container's, which is the longest track's (a recording whose audio
/// outlasts its video is whole); the container's duration is reached by
/// the furthest any stream is read to.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExpectedEnd {
    /// The video stream's own end (from its duration, its Matroska
    /// `DURATION` tag or its frame count) and how far short of it still
    /// counts as whole (a frame or two of rounding).
    pub video: Option<(f64, f64)>,
    /// The container's duration, and the (loose) tolerance.
    pub container: Option<(f64, f64)>,
}

impl ExpectedEnd {
    /// What is wrong when reading stopped with the video at `video_end_s`
    /// and the furthest stream at `read_end_s` (seconds from the start).
    pub fn shortfall(self, video_end_s: f64, read_end_s: f64) -> Option<String> {
        if let Some((end_s, tolerance_s)) = self.video {
            if video_end_s < end_s - tolerance_s {
                return Some(format!(
                    "its video stops at {video_end_s:.1} s of the {end_s:.1} s it claims"
                ));
            }
        }
        let (end_s, tolerance_s) = self.container?;
        let reached = video_end_s.max(read_end_s);
        (reached < end_s - tolerance_s)
            .then(|| format!("it stops at {reached:.1} s of the {end_s:.1} s it claims"))
    }
}

/// Where the video and the whole file should end and how far short still
/// counts as whole: tight for the video stream's own length, loose for the
/// container's.
fn expected_end(input: &format::context::Input, video_index: usize) -> ExpectedEnd {
    let container = duration_s(input, video_index).map(|d| (d, 1.0 + 0.05 * d));
    let Some(stream) = input.stream(video_index) else {
        return ExpectedEnd::default();
    };
    let time_base = f64::from(stream.time_base());
    let start_s = match stream.start_time() {
        ffmpeg_next::ffi::AV_NOPTS_VALUE => 0.0,
        t => t.max(0) as f64 * time_base,
    };
    let fps = f64::from(stream.avg_frame_rate());
    let fps = if fps.is_finite() && fps > 0.0 {
        Some(fps)
    } else {
        None
    };
    let frame_s = 1.0 / fps.unwrap_or(25.0).clamp(1.0, 240.0);
    // A whole stream ends where its header says, give or take a frame or
    // two of rounding; MP4 demuxers report a cut file as a plain end.
    let own_end_s = if stream.duration() > 0 {
        Some(start_s + stream.duration() as f64 * time_base)
    } else if let Some(end_s) = matroska_duration_s(&stream.metadata()) {
        // The muxer's end time of the track (FFmpeg), or its length
        // (mkvmerge): never past the track's end.
        Some(end_s)
    } else {
        fps.filter(|_| stream.frames() > 0)
            .map(|fps| start_s + stream.frames() as f64 / fps)
    };
    let origin = start_time_us(input) as f64 / 1e6;
    ExpectedEnd {
        video: own_end_s.map(|end_s| (end_s - origin, (2.5 * frame_s).max(0.1))),
        container,
    }
}

/// A Matroska track's `DURATION` tag (`HH:MM:SS.nnnnnnnnn`, written by
/// FFmpeg's and mkvmerge's muxers; `DURATION-eng` and the like when the
/// tag has a language), in seconds.
fn matroska_duration_s(tags: &ffmpeg_next::DictionaryRef<'_>) -> Option<f64> {
    let (_, value) = tags.iter().find(|(key, _)| {
        key.get(..8)
            .is_some_and(|k| k.eq_ignore_ascii_case("DURATION"))
    })?;
    parse_clock_s(value)
}

/// `HH:MM:SS(.fraction)` in seconds, when it is one and finite.
fn parse_clock_s(text: &str) -> Option<f64> {
    let mut parts = text.trim().splitn(3, ':');
    let hours: u64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    let total = (hours * 3600 + minutes * 60) as f64 + seconds;
    (minutes < 60 && (0.0..60.0).contains(&seconds) && total.is_finite()).then_some(total)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matroska_durations_are_read_as_clock_times() {
        assert_eq!(parse_clock_s("00:00:01.000000000"), Some(1.0));
        assert_eq!(parse_clock_s("01:02:03.5"), Some(3723.5));
        for bad in [
            "",
            "1.0",
            "00:61:00",
            "00:00:75",
            "x:00:01",
            "00:00:NaN",
            "-1:00:00",
        ] {
            assert_eq!(parse_clock_s(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_video_is_held_to_its_own_end_and_the_container_to_the_furthest_stream() {
        let end = ExpectedEnd {
            video: Some((1.0, 0.1)),
            container: Some((4.0, 1.2)),
        };
        // Audio read to 4 s: a whole 1 s video in a 4 s file.
        assert_eq!(end.shortfall(1.0, 4.0), None);
        let short = end.shortfall(0.5, 4.0).unwrap();
        assert!(short.contains("video stops at 0.5 s of the 1.0"), "{short}");
        // The video whole, the audio after it cut.
        let short = end.shortfall(1.0, 2.0).unwrap();
        assert!(short.contains("stops at 2.0 s of the 4.0"), "{short}");
        // Without the video's own length, only the furthest stream counts.
        let container = ExpectedEnd { video: None, ..end };
        assert_eq!(container.shortfall(1.0, 4.0), None);
        assert_eq!(ExpectedEnd::default().shortfall(0.0, 0.0), None);
    }
}
