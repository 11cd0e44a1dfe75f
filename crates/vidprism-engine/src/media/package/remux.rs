//! Copies one stream of a finished rung (its video, or the job's shared
//! audio) into a fragmented MP4 (CMAF) file, packets unchanged: a fragment
//! at each video keyframe (the segment boundaries the encoder was told),
//! about one segment per audio fragment, and a `sidx` index up front.
//! Both files go through `plain_file`: the `file` protocol only, no file
//! opened but the two named.

use std::path::Path;

use ffmpeg_next::{codec, format, media, Dictionary, Packet, Rational, Rescale};

use super::codec_string;
use super::track::TrackKind;
use crate::error::{Error, Result};
use crate::media::plain_file::{self, OpenError};

/// What the copied stream is, for the manifests.
pub struct Copied {
    pub codecs: String,
    pub kind: TrackKind,
}

fn open_error(path: &Path, e: OpenError) -> Error {
    let reason = match e {
        OpenError::Refused(kind) => format!("is {kind}").into(),
        OpenError::Ffmpeg(e) => e.into(),
    };
    Error::Unreadable {
        path: path.to_path_buf(),
        reason,
    }
}

/// The stream's decoder configuration record.
fn extradata(parameters: &codec::Parameters) -> Vec<u8> {
    // SAFETY: the parameters are valid while `parameters` lives; FFmpeg
    // keeps `extradata_size` bytes at `extradata` when it is not null.
    unsafe {
        let p = parameters.as_ptr();
        if (*p).extradata.is_null() || (*p).extradata_size <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts((*p).extradata, (*p).extradata_size as usize).to_vec()
    }
}

fn codec_string(id: codec::Id, extradata: &[u8]) -> Option<String> {
    match id {
        codec::Id::H264 => codec_string::avc1(extradata),
        codec::Id::HEVC => codec_string::hvc1(extradata),
        codec::Id::AV1 => codec_string::av01(extradata),
        codec::Id::AAC => Some(codec_string::AAC_LC.to_owned()),
        _ => None,
    }
}

/// How far before zero the first `kind` packet of `source` is decoded, in
/// microseconds (B-frames' delay, AAC's priming): a fragmented MP4 has no
/// edit list, so its times must be moved that much later to stay positive.
pub fn lead_us(source: &Path, kind: media::Type) -> Result<i64> {
    let mut input = plain_file::open(source).map_err(|e| open_error(source, e))?;
    let Some((index, time_base)) = input
        .streams()
        .best(kind)
        .map(|s| (s.index(), s.time_base()))
    else {
        return Ok(0);
    };
    let first = input
        .packets()
        .find(|(s, _)| s.index() == index)
        .and_then(|(_, p)| p.dts().or(p.pts()))
        .unwrap_or(0);
    Ok((-first)
        .max(0)
        .rescale(time_base, Rational::new(1, 1_000_000)))
}

/// Copies the first `kind` stream of `source` into `dest` as fragmented
/// MP4 with fragments of about `segment_seconds` (video: at keyframes),
/// its times moved `delay_us` microseconds later. `None` (and no file) when the source has
/// no such stream.
pub fn copy_stream(
    source: &Path,
    kind: media::Type,
    dest: &Path,
    segment_seconds: u32,
    delay_us: i64,
) -> Result<Option<Copied>> {
    let write_err = |e: ffmpeg_next::Error| Error::Write {
        path: dest.to_path_buf(),
        reason: e.into(),
    };
    let mut input = plain_file::open(source).map_err(|e| open_error(source, e))?;
    let (index, in_time_base, parameters, frame_rate) = {
        let Some(stream) = input.streams().best(kind) else {
            return Ok(None);
        };
        (
            stream.index(),
            stream.time_base(),
            stream.parameters(),
            stream.avg_frame_rate(),
        )
    };
    let extra = extradata(&parameters);
    let id = parameters.id();
    let codecs = codec_string(id, &extra).ok_or_else(|| {
        Error::Internal(format!(
            "no codec string for {id:?}: streaming packages take H.264, HEVC, AV1 and AAC"
        ))
    })?;
    let track_kind = track_kind(&parameters, kind, frame_rate)?;
    let mut output = fragmented_output(dest, kind, parameters, in_time_base, segment_seconds)?;
    let packets =
        copy_packets(&mut input, index, in_time_base, &mut output, delay_us).map_err(write_err)?;
    if packets == 0 {
        return Err(Error::Corrupt {
            path: source.to_path_buf(),
            detail: "the rung has no packets to package".to_owned(),
        });
    }
    output.write_trailer().map_err(write_err)?;
    Ok(Some(Copied {
        codecs,
        kind: track_kind,
    }))
}

/// What the manifests say of a stream: its picture size and rate, or its
/// sample rate and channels.
fn track_kind(
    parameters: &codec::Parameters,
    kind: media::Type,
    frame_rate: Rational,
) -> Result<TrackKind> {
    let context = codec::context::Context::from_parameters(parameters.clone())
        .map_err(Error::ffmpeg("reading a rung's stream parameters"))?;
    if kind == media::Type::Video {
        let video = context
            .decoder()
            .video()
            .map_err(Error::ffmpeg("reading a rung's picture size"))?;
        let fps = (frame_rate.numerator() > 0 && frame_rate.denominator() > 0)
            .then(|| f64::from(frame_rate));
        Ok(TrackKind::Video {
            width: video.width(),
            height: video.height(),
            frame_rate: fps,
        })
    } else {
        let audio = context
            .decoder()
            .audio()
            .map_err(Error::ffmpeg("reading the audio's parameters"))?;
        Ok(TrackKind::Audio {
            sample_rate: audio.rate(),
            channels: u32::from(audio.channels()),
        })
    }
}

/// `dest` opened as a fragmented MP4 of one stream like `parameters`, its
/// header written: fragments at keyframes (video) or every
/// `segment_seconds` (audio).
fn fragmented_output(
    dest: &Path,
    kind: media::Type,
    parameters: codec::Parameters,
    time_base: Rational,
    segment_seconds: u32,
) -> Result<format::context::Output> {
    let write_err = |e: ffmpeg_next::Error| Error::Write {
        path: dest.to_path_buf(),
        reason: e.into(),
    };
    let mut output = plain_file::create(dest, "mp4").map_err(write_err)?;
    {
        let mut stream = output
            .add_stream(ffmpeg_next::encoder::find(codec::Id::None))
            .map_err(Error::ffmpeg("adding a packaged stream"))?;
        stream.set_parameters(parameters);
        stream.set_time_base(time_base);
    }
    let mut options = Dictionary::new();
    // frag_discont: fragments keep the packets' own decode times (else
    // FFmpeg starts every file at zero), so the shift in `copy_packets` holds.
    if kind == media::Type::Video {
        options.set("movflags", "+cmaf+frag_keyframe+global_sidx+frag_discont");
    } else {
        options.set("movflags", "+cmaf+global_sidx+frag_discont");
        let micros = u64::from(segment_seconds) * 1_000_000;
        options.set("frag_duration", &micros.to_string());
    }
    output.write_header_with(options).map_err(write_err)?;
    Ok(output)
}

/// Copies the packets of stream `index` of `input` into `output`'s one
/// stream, `delay_us` microseconds later; how many.
fn copy_packets(
    input: &mut format::context::Input,
    index: usize,
    in_time_base: Rational,
    output: &mut format::context::Output,
    delay_us: i64,
) -> std::result::Result<u64, ffmpeg_next::Error> {
    let out_time_base = output
        .stream(0)
        .map(|s| s.time_base())
        .unwrap_or(in_time_base);
    let mut packets = 0u64;
    let shift = delay_us.rescale(Rational::new(1, 1_000_000), in_time_base);
    for (stream, mut packet) in input.packets() {
        if stream.index() != index {
            continue;
        }
        if shift != 0 {
            packet.set_pts(packet.pts().map(|t| t + shift));
            packet.set_dts(packet.dts().map(|t| t + shift));
        }
        packet.set_stream(0);
        packet.set_position(-1);
        packet.rescale_ts(in_time_base, out_time_base);
        write_packet(&mut packet, output)?;
        packets += 1;
    }
    Ok(packets)
}

fn write_packet(
    packet: &mut Packet,
    output: &mut format::context::Output,
) -> std::result::Result<(), ffmpeg_next::Error> {
    packet.write(output).map(|_| ())
}
