//! Scores a rendition while it is encoded: every picture given to the
//! encoder that is to be scored is kept (a reference, no copy) under its
//! timestamp until its packet comes out; the packets are decoded by a
//! decoder of the same codec in the rendition's thread, and each decoded
//! picture is compared with the one kept for its timestamp.
//!
//! Why decoding, for every encoder: SSIM needs the reconstructed pictures.
//! x264 and libvpx can export each frame's squared error with
//! `AV_CODEC_FLAG_PSNR` (packet side data `AV_PKT_DATA_QUALITY_STATS`), but
//! no SSIM, and the error comes free from the sums the SSIM needs anyway.
//!
//! A sampled score of H.264 leaves undecoded the pictures it does not
//! score that no other picture refers to (the decoder's `skip_frame` set to
//! non-reference for their packets only): a third of the decoding of the
//! web ladder, and nothing that a scored picture depends on.

use std::collections::BTreeMap;

use ffmpeg_next::{codec, decoder, format, frame, Discard, Packet, Rational};

use super::metrics::{compare_planes, Plane, PlaneScore, Sample};
use super::{FrameScore, Score, Tally};
use crate::error::{Error, Result};
use crate::media::frame_ref::video_ref;
use crate::presets::ScoreMode;

pub struct Scorer {
    mode: ScoreMode,
    decoder: decoder::Video,
    /// Pictures given to the encoder and not yet compared, by timestamp.
    pending: BTreeMap<i64, frame::Video>,
    /// Pictures offered so far.
    offered: u64,
    /// Whether packets of pictures not scored may be skipped when nothing
    /// refers to them.
    skip_unscored: bool,
    decoded: frame::Video,
    tally: Tally,
    max: u32,
    /// The pictures' time base, and the first picture's timestamp (the
    /// series' times are from it).
    time_base: Rational,
    first_pts: Option<i64>,
}

impl Scorer {
    /// A scorer for the stream of `encoder` (opened, its pictures in
    /// `time_base`); `None` when `mode` is off, or the pictures are not
    /// 8- or 10-bit 4:2:0, or this FFmpeg cannot decode the codec (logged:
    /// the rendition is then made without a score).
    pub fn new(
        mode: ScoreMode,
        encoder: &ffmpeg_next::encoder::video::Encoder,
        time_base: Rational,
    ) -> Result<Option<Scorer>> {
        let max = match encoder.format() {
            format::Pixel::YUV420P => 255,
            format::Pixel::YUV420P10LE => 1023,
            _ => return Ok(None),
        };
        if mode == ScoreMode::Off {
            return Ok(None);
        }
        let mut ctx = codec::context::Context::from_parameters(encoder).map_err(Error::ffmpeg(
            "reading the rendition's parameters to score it",
        ))?;
        // One thread: it decodes each packet as it is sent, so the skip
        // set for a packet applies to that packet.
        let mut threading = codec::threading::Config::kind(codec::threading::Type::Frame);
        threading.count = 1;
        ctx.set_threading(threading);
        let id = ctx.id();
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(time_base);
        let decoder = match dec.video() {
            Ok(decoder) => decoder,
            Err(ffmpeg_next::Error::DecoderNotFound) => {
                tracing::warn!(codec = ?id, "no decoder to score the rendition with");
                return Ok(None);
            }
            Err(e) => return Err(Error::ffmpeg("opening a decoder to score the rendition")(e)),
        };
        Ok(Some(Scorer {
            mode,
            decoder,
            pending: BTreeMap::new(),
            offered: 0,
            skip_unscored: mode == ScoreMode::Sampled && id == codec::Id::H264,
            decoded: frame::Video::empty(),
            tally: Tally::new(max),
            max,
            time_base,
            first_pts: None,
        }))
    }

    /// Called with every picture just before the encoder gets it.
    pub fn offer(&mut self, picture: &frame::Video) {
        let index = self.offered;
        self.offered += 1;
        if self.first_pts.is_none() {
            self.first_pts = picture.pts();
        }
        if let (true, Some(pts)) = (self.mode.samples(index), picture.pts()) {
            self.pending.insert(pts, video_ref(picture));
        }
    }

    /// Called with every packet the encoder gives, in its time base.
    pub fn packet(&mut self, packet: &Packet) -> Result<()> {
        if self.skip_unscored {
            let scored = packet
                .pts()
                .is_none_or(|pts| self.pending.contains_key(&pts));
            self.decoder.skip_frame(match scored {
                true => Discard::Default,
                false => Discard::NonReference,
            });
        }
        self.decoder
            .send_packet(packet)
            .map_err(Error::ffmpeg("decoding the rendition to score it"))?;
        self.compare_decoded();
        Ok(())
    }

    /// The score once the encoder has given its last packet; `None` when
    /// no picture could be compared.
    pub fn finish(mut self) -> Result<Option<Score>> {
        self.decoder
            .send_eof()
            .map_err(Error::ffmpeg("decoding the rendition to score it"))?;
        self.compare_decoded();
        Ok(self.tally.score())
    }

    fn compare_decoded(&mut self) {
        while self.decoder.receive_frame(&mut self.decoded).is_ok() {
            let Some(pts) = self.decoded.pts().or_else(|| self.decoded.timestamp()) else {
                continue;
            };
            // Pictures come out in order: those before this one are lost.
            while self
                .pending
                .first_key_value()
                .is_some_and(|(&p, _)| p < pts)
            {
                self.pending.pop_first();
            }
            if let Some(sent) = self.pending.remove(&pts) {
                if let Some(score) = compare_frames(&sent, &self.decoded, self.max) {
                    let ticks = pts - self.first_pts.unwrap_or(pts);
                    let time_s = ticks as f64 * f64::from(self.time_base);
                    self.tally.add_at(time_s, &score);
                }
            }
        }
    }
}

/// Compares two 4:2:0 pictures of the same size and format, plane by
/// plane; `None` when they differ in size or format.
pub fn compare_frames(a: &frame::Video, b: &frame::Video, max: u32) -> Option<FrameScore> {
    if (a.width(), a.height(), a.format()) != (b.width(), b.height(), b.format()) {
        return None;
    }
    let mut planes = [PlaneScore::default(); 3];
    for (i, score) in planes.iter_mut().enumerate() {
        let (width, height) = (a.plane_width(i) as usize, a.plane_height(i) as usize);
        *score = match a.format() {
            format::Pixel::YUV420P => compare_planes(
                plane(a.data(i), a.stride(i), width, height),
                plane(b.data(i), b.stride(i), width, height),
                max,
            )?,
            format::Pixel::YUV420P10LE => {
                let (da, db) = (words(a.data(i)), words(b.data(i)));
                compare_planes(
                    plane(&da, a.stride(i) / 2, width, height),
                    plane(&db, b.stride(i) / 2, width, height),
                    max,
                )?
            }
            _ => return None,
        };
    }
    Some(FrameScore { planes })
}

fn plane<T: Sample>(data: &[T], stride: usize, width: usize, height: usize) -> Plane<'_, T> {
    Plane {
        data,
        stride,
        width,
        height,
    }
}

/// Little-endian 16-bit samples.
fn words(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect()
}
