//! The decode loop: reads the source once, decodes its video, and sends
//! every picture (by reference) down the lanes that take it; its other
//! packets go to the audio and subtitle track streams ([`TrackStreams`]). Runs on the
//! calling thread while the encoders run on theirs.

use std::sync::atomic::{AtomicBool, Ordering};

use ffmpeg_next::{frame, Packet, Rational, Rescale};

use super::feeds::TrackStreams;
use super::lane::{Lane, Message};
use super::picture_prep::PicturePrep;
use super::source::Source;
use crate::error::{Error, Result};
use crate::media::frame_ref::video_ref;
use crate::media::storyboard::StoryboardTap;

pub struct FanOut<'a, 'env> {
    source: Source<'a>,
    /// Takes the storyboard's pictures, when one is made.
    storyboard: Option<StoryboardTap<'env>>,
    /// Deinterlaces, when the job's plan says so, before the fan-out.
    prep: PicturePrep,
    lanes: Vec<Lane>,
    feeds: TrackStreams,
    /// The newest picture, held back until the next one tells its duration.
    pending: Option<frame::Video>,
    last_duration: i64,
    end_s: f64,
    /// The furthest end of any packet read, in seconds from the start.
    read_end_s: f64,
    frames: u64,
}

impl<'a, 'env> FanOut<'a, 'env> {
    pub fn new(
        source: Source<'a>,
        prep: PicturePrep,
        lanes: Vec<Lane>,
        feeds: TrackStreams,
    ) -> FanOut<'a, 'env> {
        FanOut {
            source,
            storyboard: None,
            prep,
            lanes,
            feeds,
            pending: None,
            last_duration: 0,
            end_s: 0.0,
            read_end_s: 0.0,
            frames: 0,
        }
    }

    /// Also sends the storyboard's pictures to `tap`.
    pub fn with_storyboard(mut self, tap: Option<StoryboardTap<'env>>) -> Self {
        self.storyboard = tap;
        self
    }

    /// Reads the whole source into the lanes. Only when it was read whole
    /// does every lane fed by the decoder get `End` (cascaded renditions get
    /// theirs from the rendition they are scaled from, after its last
    /// picture); the lanes close when this returns, so without `End` every
    /// encoder abandons its file.
    pub fn run(mut self, cancel: &AtomicBool) -> Result<()> {
        let decoded = self.read_all(cancel);
        if decoded.is_ok() {
            for lane in self.lanes.iter_mut().filter(|l| l.from_decoder) {
                lane.send(|| Message::End);
            }
            if let Some(tap) = self.storyboard.as_mut() {
                tap.finish(self.end_s);
            }
        }
        decoded
    }

    fn read_all(&mut self, cancel: &AtomicBool) -> Result<()> {
        let mut packet = Packet::empty();
        let mut read_error = None;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            if !self.lanes.iter().any(Lane::is_open)
                && !self.storyboard.as_ref().is_some_and(StoryboardTap::is_open)
            {
                // Every rendition failed; their results say why.
                return Ok(());
            }
            match packet.read(&mut self.source.input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
            self.note_read_end(&packet);
            if packet.stream() == self.source.video_index {
                // Undecodable packets (a stream starting without a keyframe,
                // damaged data) are skipped; missing pictures are caught below.
                let _ = self.source.video.send_packet(&packet);
                self.receive_video()?;
            } else if !self.lanes.is_empty() {
                self.feeds
                    .packet(&packet, &mut self.source.tracks, &mut self.lanes)?;
            }
        }
        let _ = self.source.video.send_eof();
        self.receive_video()?;
        self.prep.finish()?;
        self.take_prepared();
        self.feeds
            .finish(&mut self.source.tracks, &mut self.lanes)?;
        if let Some(last) = self.pending.take() {
            let own = last.packet().duration;
            let duration = if own > 0 {
                own
            } else if self.last_duration > 0 {
                self.last_duration
            } else {
                self.frame_duration()
            };
            self.send_video(last, duration);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let path = self.source.path;
        if self.frames == 0 {
            return Err(Error::NoDecodableFrame {
                path: path.to_path_buf(),
            });
        }
        if let Some(e) = read_error {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail: format!("reading stopped at {:.1} s: {e}", self.end_s),
            });
        }
        let shortfall = self
            .source
            .expected_end
            .shortfall(self.end_s, self.read_end_s);
        if let Some(detail) = shortfall {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail,
            });
        }
        Ok(())
    }

    /// Moves `read_end_s` to the end of `packet` when it is further.
    fn note_read_end(&mut self, packet: &Packet) {
        let Some(stream) = self.source.input.stream(packet.stream()) else {
            return;
        };
        if let Some(ts) = packet.pts().or(packet.dts()) {
            let end = (ts + packet.duration().max(0)) as f64 * f64::from(stream.time_base())
                - self.source.origin_us as f64 / 1e6;
            self.read_end_s = self.read_end_s.max(end);
        }
    }

    fn time_base(&self) -> Rational {
        self.source.timing.video_time_base
    }

    fn frame_duration(&self) -> i64 {
        1i64.rescale(self.source.timing.frame_rate.invert(), self.time_base())
            .max(1)
    }

    fn receive_video(&mut self) -> Result<()> {
        let mut frame = frame::Video::empty();
        while self.source.video.receive_frame(&mut frame).is_ok() {
            self.prep
                .push(std::mem::replace(&mut frame, frame::Video::empty()))?;
            self.take_prepared();
        }
        Ok(())
    }

    /// Timestamps the prepared pictures and sends each once the next one
    /// tells its duration.
    fn take_prepared(&mut self) {
        while let Some(mut frame) = self.prep.pull() {
            let offset = self
                .source
                .origin_us
                .rescale(Rational::new(1, 1_000_000), self.time_base());
            let previous = self.pending.as_ref().and_then(|p| p.pts());
            let guessed = previous.map(|p| p + self.last_duration.max(self.frame_duration()));
            let mut pts = frame.pts().map(|t| t - offset).or(guessed).unwrap_or(0);
            if let Some(prev) = previous {
                // Timestamps must rise; broken files sometimes repeat them.
                pts = pts.max(prev + 1);
            }
            frame.set_pts(Some(pts));
            if let Some(prev) = self.pending.take() {
                let duration = pts - prev.pts().unwrap_or(pts);
                self.last_duration = duration;
                self.send_video(prev, duration);
            }
            self.pending = Some(frame);
        }
    }

    /// Sends a picture to every lane fed by the decoder.
    fn send_video(&mut self, frame: frame::Video, duration: i64) {
        self.frames += 1;
        if let Some(pts) = frame.pts() {
            self.end_s = (pts + duration) as f64 * f64::from(self.time_base());
        }
        if let Some(tap) = self.storyboard.as_mut() {
            tap.offer(&frame, duration);
        }
        for lane in self.lanes.iter_mut().filter(|l| l.from_decoder) {
            lane.send(|| Message::Video(video_ref(&frame), duration));
        }
    }
}
