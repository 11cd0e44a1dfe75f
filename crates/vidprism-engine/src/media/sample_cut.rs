//! A few seconds of a source copied into a file of their own, packets
//! unchanged (issue 25's preview): from the keyframe at or before the
//! point asked for, its video and audio streams, timestamps moved so the
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

/// Copies about `seconds` of `source` from the keyframe at or before
/// `start_s` (seconds from its start) into `dest` (a new Matroska file).
/// Returns where the sample starts in the source, seconds.
pub fn cut_sample(source: &Path, start_s: f64, seconds: f64, dest: &Path) -> Result<f64> {
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
    let at = origin_us.saturating_add((start_s.max(0.0) * 1e6) as i64);
    // A file that cannot seek is cut from its start.
    let _ = input.seek(at, ..at);
    let micros = Rational::new(1, 1_000_000);
    let out_bases: Vec<Rational> = output.streams().map(|s| s.time_base()).collect();
    // Where the sample starts (the first video packet's time), and its end.
    let mut zero_us: Option<i64> = None;
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
        if packet.stream() == video && time_us - zero >= (seconds * 1e6) as i64 {
            break;
        }
        if time_us < zero {
            continue;
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
    Ok((zero - origin_us) as f64 / 1e6)
}
