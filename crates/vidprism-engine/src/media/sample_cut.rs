//! A few seconds of a source copied into a file of their own, packets
//! unchanged (issue 25's preview): from the keyframe at or before the
//! point asked for to that many seconds after the point (as `ffmpeg -ss
//! -t -c copy` cuts), its video and audio streams, timestamps moved so the
//! sample starts at zero. The preview then encodes that file through the
//! ordinary job path, so a sample's renditions are made exactly as the
//! whole file's would be.

use std::path::Path;

use ffmpeg_next::{codec, media, Packet, Rational, Rescale};

use super::decode::open_input;
use super::plain_file;
use crate::error::{Error, Result};

/// The muxer of samples: Matroska carries every codec a source may have.
pub const SAMPLE_EXTENSION: &str = "mkv";

/// Where a sample lies in its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleCut {
    /// Where it starts (the keyframe at or before the point), seconds from
    /// the source's start.
    pub start_s: f64,
    /// How long its video lasts, seconds.
    pub seconds: f64,
}

/// Copies `source` from the keyframe at or before `point_s` (seconds from
/// its start) to `seconds` after `point_s` into `dest` (a new Matroska
/// file), so the sample holds the point and what follows it.
pub fn cut_sample(source: &Path, point_s: f64, seconds: f64, dest: &Path) -> Result<SampleCut> {
    let (mut input, video) = open_input(source)?;
    let write_err = |e: ffmpeg_next::Error| Error::Write {
        path: dest.to_path_buf(),
        reason: e.into(),
    };
    // The video and every audio stream, in their order.
    let kept: Vec<(usize, Rational)> = input
        .streams()
        .filter(|s| s.index() == video || s.parameters().medium() == media::Type::Audio)
        .map(|s| (s.index(), s.time_base()))
        .collect();
    let mut output = plain_file::create(dest, "matroska").map_err(write_err)?;
    for (index, _) in &kept {
        let parameters = input
            .stream(*index)
            .map(|s| s.parameters())
            .ok_or_else(|| Error::Internal("a stream vanished".into()))?;
        let mut stream = output
            .add_stream(ffmpeg_next::encoder::find(codec::Id::None))
            .map_err(Error::ffmpeg("adding a sample stream"))?;
        stream.set_parameters(parameters);
        // SAFETY: the stream's parameters are valid while `output` is; a
        // tag from another container would be refused by Matroska's muxer.
        unsafe { (*stream.parameters().as_mut_ptr()).codec_tag = 0 };
    }
    output.write_header().map_err(write_err)?;
    // SAFETY: the format context pointer is valid while `input` is.
    let origin_us = match unsafe { (*input.as_ptr()).start_time } {
        ffmpeg_next::ffi::AV_NOPTS_VALUE => 0,
        start => start,
    };
    let point_us = (point_s.max(0.0) * 1e6) as i64;
    let at = origin_us.saturating_add(point_us);
    // A file that cannot seek is cut from its start.
    let _ = input.seek(at, ..at);
    let micros = Rational::new(1, 1_000_000);
    let out_bases: Vec<Rational> = output.streams().map(|s| s.time_base()).collect();
    // Where the sample starts (the first video packet's time), and where
    // its last video picture ends.
    let mut zero_us: Option<i64> = None;
    let mut end_us = 0i64;
    let until_us = at.saturating_add((seconds.max(0.0) * 1e6) as i64);
    let mut packet = Packet::empty();
    while super::decode::next_packet(&mut packet, &mut input, source)? {
        let Some(out) = kept.iter().position(|(i, _)| *i == packet.stream()) else {
            continue;
        };
        let base = kept[out].1;
        let Some(time) = packet.pts().or(packet.dts()) else {
            continue;
        };
        let time_us = time.rescale(base, micros);
        let zero = match zero_us {
            Some(zero) => zero,
            // Nothing before the first video keyframe.
            None if packet.stream() == video && packet.is_key() => *zero_us.insert(time_us),
            None => continue,
        };
        if packet.stream() == video && time_us >= until_us.max(zero) {
            break;
        }
        if time_us < zero {
            continue;
        }
        if packet.stream() == video {
            let lasts_us = packet.duration().max(0).rescale(base, micros);
            end_us = end_us.max(time_us + lasts_us);
        }
        let shift = zero.rescale(micros, base);
        packet.set_pts(packet.pts().map(|t| t - shift));
        packet.set_dts(packet.dts().map(|t| t - shift));
        packet.set_stream(out);
        packet.set_position(-1);
        packet.rescale_ts(base, out_bases[out]);
        packet.write_interleaved(&mut output).map_err(write_err)?;
    }
    let Some(zero) = zero_us else {
        return Err(Error::NoDecodableFrame {
            path: source.to_path_buf(),
        });
    };
    output.write_trailer().map_err(write_err)?;
    Ok(SampleCut {
        start_s: (zero - origin_us) as f64 / 1e6,
        seconds: (end_us - zero).max(0) as f64 / 1e6,
    })
}
