//! The decode loop: reads the source once, decodes its video, audio and
//! subtitles, and sends every picture (by reference) and every packet of
//! the feeds (audio and subtitles, see `audio_routes`) down the lanes that
//! take it. Runs on the calling thread while the encoders run on theirs.

use std::sync::atomic::{AtomicBool, Ordering};

use ffmpeg_next::{frame, Packet, Rational, Rescale};

use super::audio_routes::Feed;
use super::lane::{Lane, Message};
use super::source::Source;
use crate::error::{Error, Result};
use crate::media::frame_ref::video_ref;
use crate::media::storyboard::StoryboardTap;
use crate::media::subtitles::DecodedSubtitle;

pub struct FanOut<'a, 'env> {
    source: Source<'a>,
    /// Takes the storyboard's pictures, when one is made.
    storyboard: Option<StoryboardTap<'env>>,
    lanes: Vec<Lane>,
    /// The audio and subtitle packet feeds, by index.
    feeds: Vec<Feed>,
    /// The newest picture, held back until the next one tells its duration.
    pending: Option<frame::Video>,
    last_duration: i64,
    end_s: f64,
    frames: u64,
}

impl<'a, 'env> FanOut<'a, 'env> {
    pub fn new(source: Source<'a>, lanes: Vec<Lane>, feeds: Vec<Feed>) -> FanOut<'a, 'env> {
        FanOut {
            source,
            storyboard: None,
            lanes,
            feeds,
            pending: None,
            last_duration: 0,
            end_s: 0.0,
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
            if packet.stream() == self.source.video_index {
                // Undecodable packets (a stream starting without a keyframe,
                // damaged data) are skipped; missing pictures are caught below.
                let _ = self.source.video.send_packet(&packet);
                self.receive_video();
            } else if !self.lanes.is_empty() {
                self.feed_packet(&packet)?;
            }
        }
        let _ = self.source.video.send_eof();
        self.receive_video();
        for stream in self.decoded_audio_streams() {
            if let Some(decoder) = self.audio_decoder(stream) {
                let _ = decoder.send_eof();
                self.receive_audio(stream)?;
            }
        }
        let mut finished = Vec::new();
        for (index, feed) in self.feeds.iter_mut().enumerate() {
            if let Feed::Audio { encoder, .. } = feed {
                let mut packets = Vec::new();
                encoder.finish(&mut packets)?;
                finished.push((index, packets));
            }
        }
        for (index, packets) in finished {
            self.send_packets(index, packets);
        }
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
        if let Some((expected, tolerance)) = self.source.expected_end_s {
            if self.end_s < expected - tolerance {
                return Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!(
                        "its video stops at {:.1} s of the {:.1} s it claims",
                        self.end_s, expected
                    ),
                });
            }
        }
        Ok(())
    }

    fn time_base(&self) -> Rational {
        self.source.timing.video_time_base
    }

    fn frame_duration(&self) -> i64 {
        1i64.rescale(self.source.timing.frame_rate.invert(), self.time_base())
            .max(1)
    }

    fn receive_video(&mut self) {
        let mut frame = frame::Video::empty();
        while self.source.video.receive_frame(&mut frame).is_ok() {
            let offset = self
                .source
                .origin_us
                .rescale(Rational::new(1, 1_000_000), self.time_base());
            let previous = self.pending.as_ref().and_then(|p| p.pts());
            let guessed = previous.map(|p| p + self.last_duration.max(self.frame_duration()));
            let mut pts = frame
                .timestamp()
                .map(|t| t - offset)
                .or(guessed)
                .unwrap_or(0);
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
            self.pending = Some(std::mem::replace(&mut frame, frame::Video::empty()));
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

    /// Sends a non-video packet where the feeds want it: copied (shifted
    /// like the decoded streams) to the renditions that copy its stream,
    /// decoded for the feeds that encode it.
    fn feed_packet(&mut self, packet: &Packet) -> Result<()> {
        let stream = packet.stream();
        let (mut decode_audio, mut decode_subtitle) = (false, false);
        let mut copies = Vec::new();
        for (index, feed) in self.feeds.iter().enumerate() {
            match feed {
                Feed::Copy { stream: s } if *s == stream => copies.push(index),
                Feed::Audio { stream: s, .. } if *s == stream => decode_audio = true,
                Feed::Subtitle { stream: s, .. } if *s == stream => decode_subtitle = true,
                _ => {}
            }
        }
        if !copies.is_empty() {
            let time_base = self
                .source
                .input
                .stream(stream)
                .map_or(Rational::new(1, 1_000_000), |s| s.time_base());
            let offset = self
                .source
                .origin_us
                .rescale(Rational::new(1, 1_000_000), time_base);
            let mut shifted = packet.clone();
            shifted.set_pts(packet.pts().map(|t| t - offset));
            shifted.set_dts(packet.dts().map(|t| t - offset));
            for index in copies {
                self.send_packets(index, vec![shifted.clone()]);
            }
        }
        if decode_audio {
            if let Some(decoder) = self.audio_decoder(stream) {
                if decoder.send_packet(packet).is_ok() {
                    self.receive_audio(stream)?;
                }
            }
        }
        if decode_subtitle {
            self.decode_subtitle(stream, packet)?;
        }
        Ok(())
    }

    /// The source audio streams some feed encodes.
    fn decoded_audio_streams(&self) -> Vec<usize> {
        let mut streams = Vec::new();
        for feed in &self.feeds {
            if let Feed::Audio { stream, .. } = feed {
                if !streams.contains(stream) {
                    streams.push(*stream);
                }
            }
        }
        streams
    }

    fn audio_decoder(&mut self, stream: usize) -> Option<&mut ffmpeg_next::decoder::Audio> {
        self.source
            .tracks
            .audio
            .iter_mut()
            .find(|t| t.tags.index == stream)
            .and_then(|t| t.decoder.as_mut())
    }

    /// Sends packets of the feed `feed` to the renditions that take it.
    fn send_packets(&mut self, feed: usize, packets: Vec<Packet>) {
        for packet in packets {
            for lane in self.lanes.iter_mut().filter(|l| l.feeds.contains(&feed)) {
                lane.send(|| Message::Packet(feed, packet.clone()));
            }
        }
    }

    /// Decodes the audio of `stream` the decoder has ready and encodes it
    /// once per feed that encodes that stream.
    fn receive_audio(&mut self, stream: usize) -> Result<()> {
        let origin_us = self.source.origin_us;
        let Some(decoder) = self.audio_decoder(stream) else {
            return Ok(());
        };
        let stream_tb = decoder.packet_time_base();
        let offset = origin_us.rescale(Rational::new(1, 1_000_000), stream_tb);
        let mut frame = frame::Audio::empty();
        let mut decoded = Vec::new();
        while decoder.receive_frame(&mut frame).is_ok() {
            let pts = frame.timestamp().map(|t| t - offset);
            frame.set_pts(pts);
            decoded.push(std::mem::replace(&mut frame, frame::Audio::empty()));
        }
        for frame in decoded {
            let mut encoded = Vec::new();
            for (index, feed) in self.feeds.iter_mut().enumerate() {
                if let Feed::Audio { stream: s, encoder } = feed {
                    if *s == stream {
                        let mut packets = Vec::new();
                        encoder.push(&frame, &mut packets)?;
                        encoded.push((index, packets));
                    }
                }
            }
            for (index, packets) in encoded {
                self.send_packets(index, packets);
            }
        }
        Ok(())
    }

    /// Decodes one subtitle packet of `stream` and encodes the event once
    /// per feed that encodes that stream.
    fn decode_subtitle(&mut self, stream: usize, packet: &Packet) -> Result<()> {
        let decoder = self
            .source
            .tracks
            .subtitles
            .iter_mut()
            .find(|t| t.tags.index == stream)
            .and_then(|t| t.decoder.as_mut());
        let Some(mut subtitle) = decoder.and_then(|d| DecodedSubtitle::decode(d, packet)) else {
            return Ok(());
        };
        subtitle.shift(self.source.origin_us);
        let mut encoded = Vec::new();
        for (index, feed) in self.feeds.iter_mut().enumerate() {
            if let Feed::Subtitle { stream: s, encoder } = feed {
                if *s == stream {
                    let mut packets = Vec::new();
                    encoder.push(&subtitle, &mut packets)?;
                    encoded.push((index, packets));
                }
            }
        }
        for (index, packets) in encoded {
            self.send_packets(index, packets);
        }
        Ok(())
    }
}
