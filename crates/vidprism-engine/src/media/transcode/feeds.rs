//! The decode thread's side of audio and subtitles: the track streams of packets
//! renditions take (planned in `audio_routes`). A source audio track is
//! copied, or decoded once and encoded once per shared encoder; a text
//! subtitle track is decoded once and encoded once per format. Every packet
//! goes down the lanes of the renditions that take its track stream.

use ffmpeg_next::{decoder, frame, Packet, Rational, Rescale};

use super::lane::{Lane, Message};
use super::tracks::SourceTracks;
use crate::error::Result;
use crate::media::audio_encoder::SharedAudioEncoder;
use crate::media::subtitles::{DecodedSubtitle, SharedSubtitleEncoder};

/// Microseconds, the unit of the container's start time.
const MICROSECONDS: Rational = Rational(1, 1_000_000);

/// A stream of packets the decode thread makes for renditions.
pub enum TrackStream {
    /// A source audio stream's own packets, in its time base.
    Copy { stream: usize, time_base: Rational },
    /// The shared encode of a source audio stream.
    Audio {
        stream: usize,
        encoder: SharedAudioEncoder,
    },
    /// The shared encode of a source text subtitle stream.
    Subtitle {
        stream: usize,
        encoder: SharedSubtitleEncoder,
    },
}

/// Every track stream of a transcode, by index (the lanes name them so).
pub struct TrackStreams {
    feeds: Vec<TrackStream>,
    /// The container's start time, subtracted from every stream.
    origin_us: i64,
}

impl TrackStreams {
    pub fn new(feeds: Vec<TrackStream>, origin_us: i64) -> TrackStreams {
        TrackStreams { feeds, origin_us }
    }

    /// Takes one non-video packet of the source: copied (shifted like the
    /// decoded streams) to the renditions that copy its stream, decoded
    /// and encoded for the track streams that encode it.
    pub fn packet(
        &mut self,
        packet: &Packet,
        tracks: &mut SourceTracks,
        lanes: &mut [Lane],
    ) -> Result<()> {
        let stream = packet.stream();
        let (mut decode_audio, mut decode_subtitle) = (false, false);
        for (index, feed) in self.feeds.iter().enumerate() {
            match feed {
                TrackStream::Copy {
                    stream: s,
                    time_base,
                } if *s == stream => {
                    let offset = self.origin_us.rescale(MICROSECONDS, *time_base);
                    let mut shifted = packet.clone();
                    shifted.set_pts(packet.pts().map(|t| t - offset));
                    shifted.set_dts(packet.dts().map(|t| t - offset));
                    send(lanes, index, vec![shifted]);
                }
                TrackStream::Audio { stream: s, .. } if *s == stream => decode_audio = true,
                TrackStream::Subtitle { stream: s, .. } if *s == stream => decode_subtitle = true,
                _ => {}
            }
        }
        if decode_audio {
            if let Some(decoder) = audio_decoder(tracks, stream) {
                if decoder.send_packet(packet).is_ok() {
                    self.receive_audio(decoder, stream, lanes)?;
                }
            }
        }
        if decode_subtitle {
            self.subtitle(packet, tracks, lanes)?;
        }
        Ok(())
    }

    /// The source is read: flushes the audio decoders and encoders.
    pub fn finish(&mut self, tracks: &mut SourceTracks, lanes: &mut [Lane]) -> Result<()> {
        let mut streams: Vec<usize> = Vec::new();
        for feed in &self.feeds {
            if let TrackStream::Audio { stream, .. } = feed {
                if !streams.contains(stream) {
                    streams.push(*stream);
                }
            }
        }
        for stream in streams {
            if let Some(decoder) = audio_decoder(tracks, stream) {
                let _ = decoder.send_eof();
                self.receive_audio(decoder, stream, lanes)?;
            }
        }
        for (index, feed) in self.feeds.iter_mut().enumerate() {
            if let TrackStream::Audio { encoder, .. } = feed {
                let mut packets = Vec::new();
                encoder.finish(&mut packets)?;
                send(lanes, index, packets);
            }
        }
        Ok(())
    }

    /// Encodes the audio `decoder` (of `stream`) has ready, once per track stream
    /// that encodes that stream.
    fn receive_audio(
        &mut self,
        decoder: &mut decoder::Audio,
        stream: usize,
        lanes: &mut [Lane],
    ) -> Result<()> {
        let offset = self
            .origin_us
            .rescale(MICROSECONDS, decoder.packet_time_base());
        let mut frame = frame::Audio::empty();
        while decoder.receive_frame(&mut frame).is_ok() {
            let pts = frame.timestamp().map(|t| t - offset);
            frame.set_pts(pts);
            encode_each(&mut self.feeds, lanes, |feed, packets| match feed {
                TrackStream::Audio { stream: s, encoder } if *s == stream => {
                    encoder.push(&frame, packets)
                }
                _ => Ok(()),
            })?;
        }
        Ok(())
    }

    /// Decodes one subtitle packet and encodes its event once per track stream that
    /// encodes that stream.
    fn subtitle(
        &mut self,
        packet: &Packet,
        tracks: &mut SourceTracks,
        lanes: &mut [Lane],
    ) -> Result<()> {
        let stream = packet.stream();
        let decoder = tracks
            .subtitles
            .iter_mut()
            .find(|t| t.tags.index == stream)
            .and_then(|t| t.decoder.as_mut());
        let Some(mut subtitle) = decoder.and_then(|d| DecodedSubtitle::decode(d, packet)) else {
            return Ok(());
        };
        subtitle.shift(self.origin_us);
        encode_each(&mut self.feeds, lanes, |feed, packets| match feed {
            TrackStream::Subtitle { stream: s, encoder } if *s == stream => {
                encoder.push(&subtitle, packets)
            }
            _ => Ok(()),
        })
    }
}

fn audio_decoder(tracks: &mut SourceTracks, stream: usize) -> Option<&mut decoder::Audio> {
    tracks
        .audio
        .iter_mut()
        .find(|t| t.tags.index == stream)
        .and_then(|t| t.decoder.as_mut())
}

/// Lets `encode` write each track stream's packets (a track stream it passes over gets
/// none), and sends them to the lanes that take that track stream.
fn encode_each(
    feeds: &mut [TrackStream],
    lanes: &mut [Lane],
    mut encode: impl FnMut(&mut TrackStream, &mut Vec<Packet>) -> Result<()>,
) -> Result<()> {
    for (index, feed) in feeds.iter_mut().enumerate() {
        let mut packets = Vec::new();
        encode(feed, &mut packets)?;
        send(lanes, index, packets);
    }
    Ok(())
}

/// Sends packets of track stream `track stream` to the renditions that take it.
fn send(lanes: &mut [Lane], feed: usize, packets: Vec<Packet>) {
    for packet in packets {
        for lane in lanes.iter_mut().filter(|l| l.feeds.contains(&feed)) {
            lane.send(|| Message::Packet(feed, packet.clone()));
        }
    }
}
