//! Pictures of a file at a presentation time, for the window's compare
//! view (issue 25): a seek to the keyframe before the time, a decode up to
//! the picture showing then, and the same way to RGB as the thumbnail and
//! storyboard take ([`ToRgb`]: a scale in the file's colour, or for an HDR
//! file the engine's tone-mapper, so an HDR source looks as its SDR
//! renditions do). A source is read through its job's picture plan
//! ([`FrameReader::open_prepared`]: deinterlaced and cropped as its
//! renditions were), so both sides show the same picture area. The reader
//! stays open between pictures: a time a little ahead, or the next picture
//! (play, a step forward), decodes on without a seek.

use std::path::{Path, PathBuf};

use ffmpeg_next::codec::discard::Discard;
use ffmpeg_next::{format, frame, Packet, Rational};

use super::colour::Colour;
use super::decode::{open_input, video_decoder};
use super::geometry::{Rotation, Size};
use super::hdr::Hdr;
use super::hdr_metadata::HdrMetadata;
use super::picture_plan::{PictureFilter, PicturePlan};
use super::poster_score::PictureScore;
use super::probe::{duration_s, stream_hdr, stream_rotation};
use super::thumbnail::{packed_rgb, ToRgb};
use super::tonemap::ToneMap;
use crate::error::{Error, Result};
use crate::limits::MAX_PACKETS_TO_A_TIME;

/// A time further ahead than this from the last picture is reached by a
/// seek rather than by decoding on, seconds.
const DECODE_ON_WITHIN_S: f64 = 1.0;
/// Decoder threads: the window's worker decodes one file on each side.
const DECODER_THREADS: usize = 2;
/// On the way from a keyframe to a time, pictures nothing refers to are
/// not decoded until this close to it, seconds (or two pictures, when
/// that is more): the picture showing then is always decoded, unless the
/// file leaves a longer gap before it.
const DECODE_ALL_WITHIN_S: f64 = 0.5;
/// Pictures decoded between two asks whether to go on
/// ([`FrameReader::picture_at_early`]).
const ASK_EVERY: usize = 4;

/// One picture as packed RGB (3 bytes a pixel, no padding), upright, and
/// when it shows in its file (seconds from the file's start).
#[derive(Clone, Debug, PartialEq)]
pub struct RgbPicture {
    pub time_s: f64,
    /// Until the next picture (the stream's frame duration when unknown).
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Where the poster's moment is looked for: the keyframes before this
/// many points spread over the file...
const POSTER_POINTS: usize = 8;
/// ...each scored at this size (a storyboard tile's).
const POSTER_SCORE_PX: (u32, u32) = (160, 90);

/// The poster's moment of `path` without a storyboard (issue 25's preview
/// of a file not encoded yet): of the keyframes before the middles of
/// [`POSTER_POINTS`] equal parts, the one `poster = "best"` would choose
/// (the storyboard's [`PictureScore`]), as seconds from the file's start.
/// A file that does not say its duration gives its first picture's time.
pub fn poster_moment(path: &Path) -> Result<f64> {
    let mut reader = FrameReader::open(path)?;
    let size = Size::new(POSTER_SCORE_PX.0, POSTER_SCORE_PX.1);
    let Some(duration) = reader.duration_s().filter(|d| d.is_finite() && *d > 0.0) else {
        return Ok(reader.keyframe_at(0.0, size)?.time_s);
    };
    let mut best: Option<(f64, f64)> = None;
    for point in 0..POSTER_POINTS {
        let at = duration * (point as f64 + 0.5) / POSTER_POINTS as f64;
        let picture = reader.keyframe_at(at, size)?;
        let (w, h) = (picture.width as usize, picture.height as usize);
        let value = PictureScore::of_rgb(&picture.rgb, w, h).value();
        if best.is_none_or(|(v, _)| value > v) {
            best = Some((value, picture.time_s));
        }
    }
    Ok(best.map_or(0.0, |(_, t)| t))
}

/// A decoded picture and its time from the file's start.
struct Timed {
    picture: frame::Video,
    time_s: f64,
}

/// An open file whose pictures are fetched by time.
pub struct FrameReader {
    path: PathBuf,
    input: format::context::Input,
    index: usize,
    decoder: ffmpeg_next::decoder::Video,
    /// The pictures' time base (after the plan's filter, when there is one).
    time_base: Rational,
    /// What is done to each picture before it is shown, and the filter
    /// doing it since the last seek (made again at each seek: a
    /// deinterlacer must not mix pictures from both sides of one).
    plan: PicturePlan,
    stream_timing: (Rational, Rational),
    prep: Option<PictureFilter>,
    prep_finished: bool,
    /// While a time is sought: packets before this (seconds from the
    /// start) are decoded only when other pictures refer to them.
    skip_before_s: Option<f64>,
    discarding: bool,
    skips_unreferenced: bool,
    decodes_on_in_gop: bool,
    /// The file's start time, seconds (pictures' times are from it).
    start_s: f64,
    frame_s: f64,
    duration_s: Option<f64>,
    rotation: Rotation,
    hdr: Option<Hdr>,
    hdr_metadata: HdrMetadata,
    /// The last picture given, and the one decoded after it (read while
    /// looking for the last one's end).
    current: Option<Timed>,
    ahead: Option<Timed>,
    at_end: bool,
}

impl FrameReader {
    /// Opens `path` (the engine's source checks and errors apply).
    pub fn open(path: &Path) -> Result<FrameReader> {
        FrameReader::open_prepared(path, PicturePlan::default())
    }

    /// Opens `path` to give its pictures as `plan` makes them (a job's
    /// source as its renditions saw it).
    pub fn open_prepared(path: &Path, plan: PicturePlan) -> Result<FrameReader> {
        let (input, index) = open_input(path)?;
        let stream = input
            .stream(index)
            .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
        let stream_timing = (stream.time_base(), stream.avg_frame_rate());
        let (time_base, rate) = plan.timing(stream_timing.0, stream_timing.1);
        let frame_s = if rate.numerator() > 0 && rate.denominator() > 0 {
            f64::from(rate.invert())
        } else {
            1.0 / 25.0
        };
        let rotation = stream_rotation(&stream);
        let hdr = stream_hdr(&stream);
        let hdr_metadata = HdrMetadata::of_stream(&stream);
        // SAFETY: the format context pointer is valid while `input` is.
        let start_us = match unsafe { (*input.as_ptr()).start_time } {
            ffmpeg_next::ffi::AV_NOPTS_VALUE => 0,
            start => start,
        };
        let duration_s = duration_s(&input, index);
        let decoder = video_decoder(&input, index, DECODER_THREADS, path)?;
        Ok(FrameReader {
            path: path.to_path_buf(),
            input,
            index,
            decoder,
            time_base,
            plan,
            stream_timing,
            prep: None,
            prep_finished: false,
            skip_before_s: None,
            discarding: false,
            skips_unreferenced: true,
            decodes_on_in_gop: true,
            start_s: start_us as f64 / 1e6,
            frame_s,
            duration_s,
            rotation,
            hdr,
            hdr_metadata,
            current: None,
            ahead: None,
            at_end: false,
        })
    }

    /// The file's duration, seconds, when it says.
    pub fn duration_s(&self) -> Option<f64> {
        self.duration_s
    }

    /// Seconds a picture lasts at the stream's average rate.
    pub fn frame_s(&self) -> f64 {
        self.frame_s
    }

    /// The picture showing at `time_s` (the last one starting at or before
    /// it; the first one for a time before it), made `size` (upright).
    pub fn picture_at(&mut self, time_s: f64, size: Size) -> Result<RgbPicture> {
        self.picture_at_early(time_s, size, &mut |_| true)?
            .ok_or_else(|| Error::Internal("a picture fetch stopped by itself".into()))
    }

    /// [`Self::picture_at`], telling `early` how it goes: after a seek, the
    /// keyframe it landed on (`Some`, to show while the picture asked
    /// decodes), and every few pictures decoded `None`. When `early` says
    /// `false` (a newer time was asked), it stops there and gives `None`.
    pub fn picture_at_early(
        &mut self,
        time_s: f64,
        size: Size,
        early: &mut dyn FnMut(Option<RgbPicture>) -> bool,
    ) -> Result<Option<RgbPicture>> {
        // Half a tick of slack: times written as decimals round.
        let at = time_s + self.frame_s * 0.01;
        // Deinterlacing and telecine removal look at the pictures around:
        // every one is decoded for them.
        self.skip_before_s = (self.skips_unreferenced && self.plan.deinterlace.is_none())
            .then(|| at - DECODE_ALL_WITHIN_S.max(2.0 * self.frame_s));
        let found = self.walk_to(at, size, early);
        self.skip_before_s = None;
        found
    }

    /// Decodes on to the picture showing at `at` (seeking first unless it
    /// is a little ahead), as [`Self::picture_at_early`] says.
    fn walk_to(
        &mut self,
        at: f64,
        size: Size,
        early: &mut dyn FnMut(Option<RgbPicture>) -> bool,
    ) -> Result<Option<RgbPicture>> {
        let shows = |t: &Timed| t.time_s <= at;
        let decodes_on = self.current.as_ref().is_some_and(|c| {
            // Ahead in the same group of pictures: a seek would go back
            // to the keyframe this picture was decoded from.
            shows(c)
                && (at - c.time_s < DECODE_ON_WITHIN_S
                    || self.decodes_on_in_gop
                        && self.keyframe_before(at).is_some_and(|k| k <= c.time_s))
        });
        if !decodes_on {
            self.seek(at);
        }
        let mut decoded = 0usize;
        loop {
            if self.ahead.as_ref().is_some_and(|a| !shows(a)) {
                break;
            }
            if let Some(next) = self.ahead.take() {
                self.current = Some(next);
            }
            if self.current.as_ref().is_some_and(|c| !shows(c)) {
                // The first picture after a seek is already later.
                break;
            }
            match self.decode_next()? {
                Some(next) if self.current.is_none() => {
                    // Offered when a picture or more before the time (else
                    // it is most likely the one asked, given next).
                    let keyframe = at - next.time_s >= self.frame_s;
                    self.current = Some(next);
                    if keyframe && !early(Some(self.current_rgb(size)?)) {
                        return Ok(None);
                    }
                }
                Some(next) => self.ahead = Some(next),
                None => break,
            }
            decoded += 1;
            if decoded.is_multiple_of(ASK_EVERY) && !early(None) {
                return Ok(None);
            }
        }
        self.current_rgb(size).map(Some)
    }

    /// When the file's index (an MP4's, a Matroska file's cues) says where
    /// the keyframe at or before `at` is: its time from the file's start
    /// (its decode time for some formats, a little before the picture's).
    fn keyframe_before(&self, at: f64) -> Option<f64> {
        let base = f64::from(self.stream_timing.0);
        let stream = self.input.stream(self.index)?;
        if base <= 0.0 || !base.is_finite() {
            return None;
        }
        let ts = ((at + self.start_s) / base).floor() as i64;
        // SAFETY: the stream is valid while `self.input` is, and the entry
        // is read before the input is used again (as the call requires);
        // the index is only read.
        let timestamp = unsafe {
            ffmpeg_next::ffi::avformat_index_get_entry_from_timestamp(
                stream.as_ptr().cast_mut(),
                ts,
                ffmpeg_next::ffi::AVSEEK_FLAG_BACKWARD,
            )
            .as_ref()
            .map(|entry| entry.timestamp)
        }?;
        Some(timestamp as f64 * base - self.start_s)
    }

    /// Whether a time ahead in the same group of pictures (by the file's
    /// index) is reached by decoding on rather than by a seek back to its
    /// keyframe (the default); off, only within [`DECODE_ON_WITHIN_S`]
    /// (the benchmark's comparison).
    pub fn decode_on_in_gop(&mut self, on: bool) {
        self.decodes_on_in_gop = on;
    }

    /// Decodes with `threads` threads from the next fetch on (which then
    /// seeks): for the benchmark's comparison of settings; the default is
    /// [`DECODER_THREADS`].
    pub fn decoder_threads(&mut self, threads: usize) -> Result<()> {
        self.decoder = video_decoder(&self.input, self.index, threads, &self.path)?;
        self.discarding = false;
        self.current = None;
        self.ahead = None;
        Ok(())
    }

    /// Whether a fetch leaves out the pictures nothing refers to on its way
    /// (the default); off, it decodes every one (the benchmark's reference).
    pub fn skip_unreferenced(&mut self, skip: bool) {
        self.skips_unreferenced = skip;
    }

    /// The picture a seek to `time_s` lands on: the keyframe at or before
    /// it (the file's first picture when it cannot seek), made `size`.
    pub fn keyframe_at(&mut self, time_s: f64, size: Size) -> Result<RgbPicture> {
        self.seek(time_s);
        self.current = self.decode_next()?;
        self.current_rgb(size)
    }

    /// The picture after the last one given, or `None` at the file's end.
    pub fn next_picture(&mut self, size: Size) -> Result<Option<RgbPicture>> {
        let next = match self.ahead.take() {
            Some(next) => Some(next),
            None => self.decode_next()?,
        };
        let Some(next) = next else {
            return Ok(None);
        };
        self.current = Some(next);
        self.current_rgb(size).map(Some)
    }

    /// Seeks to the keyframe at or before `time_s`; a failed seek decodes
    /// on from where the file is (or from its start).
    fn seek(&mut self, time_s: f64) {
        let at = ((self.start_s + time_s.max(0.0)) * 1e6) as i64;
        if self.input.seek(at, ..at).is_err() {
            let _ = self.input.seek(i64::MIN, ..i64::MAX);
        }
        self.decoder.flush();
        self.current = None;
        self.ahead = None;
        self.at_end = false;
        self.prep = None;
        self.prep_finished = false;
    }

    /// The next picture (through the plan's filter) with its time, or
    /// `None` at the end.
    fn decode_next(&mut self) -> Result<Option<Timed>> {
        loop {
            if let Some(picture) = self.prep.as_mut().and_then(PictureFilter::pull) {
                return Ok(Some(self.timed(picture)));
            }
            if self.prep_finished {
                return Ok(None);
            }
            let decoded = self.decode_picture()?;
            if self.prep.is_none() {
                let (time_base, rate) = self.stream_timing;
                self.prep = self.plan.filter(time_base, rate);
            }
            match (decoded, self.prep.as_mut()) {
                (Some(picture), None) => return Ok(Some(self.timed(picture))),
                (None, None) => return Ok(None),
                (Some(picture), Some(prep)) => prep.push(&picture)?,
                (None, Some(prep)) => {
                    prep.finish()?;
                    self.prep_finished = true;
                }
            }
        }
    }

    /// `picture` with its time from the file's start, its `pts` set to it:
    /// a decoded picture's best guess, a filtered one's own.
    fn timed(&self, mut picture: frame::Video) -> Timed {
        let pts = match self.prep {
            Some(_) => picture.pts(),
            None => picture.timestamp(),
        };
        picture.set_pts(pts);
        let time_s = match pts {
            Some(pts) => pts as f64 * f64::from(self.time_base) - self.start_s,
            None => self.last_time_s().map_or(0.0, |t| t + self.frame_s),
        };
        Timed { picture, time_s }
    }

    /// The next picture the decoder gives, or `None` at the end.
    fn decode_picture(&mut self) -> Result<Option<frame::Video>> {
        let mut picture = frame::Video::empty();
        let mut packet = Packet::empty();
        let mut packets = 0usize;
        loop {
            if self.decoder.receive_frame(&mut picture).is_ok() {
                return Ok(Some(picture));
            }
            if self.at_end {
                return Ok(None);
            }
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() != self.index => continue,
                Ok(()) => {
                    packets += 1;
                    if packets > MAX_PACKETS_TO_A_TIME {
                        return Err(Error::NoDecodableFrame {
                            path: self.path.clone(),
                        });
                    }
                    self.discard_unless_needed(&packet);
                    // Undecodable packets (just after a seek, damaged data) are skipped.
                    let _ = self.decoder.send_packet(&packet);
                }
                Err(ffmpeg_next::Error::Eof) => {
                    self.at_end = true;
                    let _ = self.decoder.send_eof();
                }
                Err(e) => {
                    return Err(Error::Corrupt {
                        path: self.path.clone(),
                        detail: e.to_string(),
                    })
                }
            }
        }
    }

    /// Tells the decoder to leave out the pictures nothing refers to while
    /// `packet` is well before the time sought.
    fn discard_unless_needed(&mut self, packet: &Packet) {
        let base = f64::from(self.stream_timing.0);
        let early = self
            .skip_before_s
            .zip(packet.pts().or(packet.dts()))
            .is_some_and(|(before, pts)| pts as f64 * base - self.start_s < before);
        if early != self.discarding {
            self.decoder.skip_frame(match early {
                true => Discard::NonReference,
                false => Discard::Default,
            });
            self.discarding = early;
        }
    }

    fn last_time_s(&self) -> Option<f64> {
        self.ahead
            .as_ref()
            .or(self.current.as_ref())
            .map(|t| t.time_s)
    }

    /// The current picture as RGB of `size`, by the thumbnail's way.
    fn current_rgb(&mut self, size: Size) -> Result<RgbPicture> {
        let next_s = self.ahead.as_ref().map(|a| a.time_s);
        let Some(current) = self.current.as_mut() else {
            return Err(Error::NoDecodableFrame {
                path: self.path.clone(),
            });
        };
        let mut picture = current.picture.clone();
        let colour = Colour::of_decoder(&self.decoder);
        let (colour, tone_map) = match self.hdr {
            Some(hdr) => {
                let colour = colour.with_hdr(hdr.transfer);
                colour.tag_frame(&mut picture);
                let metadata = self.hdr_metadata.or_frame(&picture);
                (colour, Some(ToneMap::new(hdr, &metadata)))
            }
            None => {
                colour.tag_frame(&mut picture);
                (colour, None)
            }
        };
        let mut to_rgb = ToRgb::new(
            &picture,
            self.time_base,
            colour,
            self.rotation,
            size,
            tone_map,
        )?;
        to_rgb.push(&picture)?;
        to_rgb.finish()?;
        let rgb = to_rgb
            .pull()
            .ok_or_else(|| Error::Internal("the picture filter gave no picture".into()))?;
        let duration_s = next_s
            .map(|next| next - current.time_s)
            .filter(|d| *d > 0.0)
            .unwrap_or(self.frame_s);
        Ok(RgbPicture {
            time_s: current.time_s,
            duration_s,
            width: rgb.width(),
            height: rgb.height(),
            rgb: packed_rgb(&rgb),
        })
    }
}
