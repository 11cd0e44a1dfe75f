//! Probing: what a source is, before any work is planned for it.

use std::path::{Path, PathBuf};

use ffmpeg_next::{codec, format, Rational};

use super::decode::{first_audio_index, open_input};
use super::geometry::{display_size, Rotation, Size};
use super::hdr::Hdr;
use crate::error::{Error, Result};

/// What the pipeline needs to know about a source.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    pub path: PathBuf,
    /// Display size: square pixels, upright.
    pub display: Size,
    /// Duration in seconds, when the container knows it.
    pub duration_s: Option<f64>,
    /// Average frame rate, 0 when unknown.
    pub fps: f64,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Its high dynamic range (PQ or HLG), when it has one.
    pub hdr: Option<Hdr>,
}

/// Reads the container and the stream headers; decodes nothing.
pub fn probe(path: &Path) -> Result<SourceInfo> {
    let (input, video_index) = open_input(path)?;
    let stream = input
        .stream(video_index)
        .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
    let params = stream.parameters();
    // SAFETY: the parameters pointer is valid while `stream` is.
    let (width, height, sar) = unsafe {
        let p = params.as_ptr();
        (
            (*p).width,
            (*p).height,
            ((*p).sample_aspect_ratio.num, (*p).sample_aspect_ratio.den),
        )
    };
    if width <= 0 || height <= 0 {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: "its video stream has no picture size".into(),
        });
    }
    let coded = Size::new(width as u32, height as u32);
    let rotation = stream_rotation(&stream);
    let sar = if sar.0 > 0 && sar.1 > 0 {
        sar
    } else {
        let r = stream_sar(&stream);
        (r.numerator(), r.denominator())
    };
    let display = display_size(coded, sar, rotation);

    let fps = [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
        .map(f64::from)
        .filter(|f| f.is_finite() && *f > 0.0 && *f < 1000.0)
        .unwrap_or(0.0);

    let audio_codec = first_audio_index(&input).and_then(|i| {
        input
            .stream(i)
            .map(|s| s.parameters().id().name().to_owned())
    });

    Ok(SourceInfo {
        path: path.to_path_buf(),
        display,
        duration_s: duration_s(&input, video_index),
        fps,
        video_codec: params.id().name().to_owned(),
        audio_codec,
        hdr: stream_hdr(&stream),
    })
}

/// The stream's HDR, from its transfer tag and Dolby Vision configuration.
pub(crate) fn stream_hdr(stream: &format::stream::Stream) -> Option<Hdr> {
    // SAFETY: the parameters pointer is valid while `stream` is.
    let transfer = unsafe { (*stream.parameters().as_ptr()).color_trc };
    let dovi = stream
        .side_data()
        .find(|side| side.kind() == codec::packet::side_data::Type::DOVI_CONF);
    Hdr::detect(transfer.into(), dovi.as_ref().map(|side| side.data()))
}

fn stream_sar(stream: &format::stream::Stream) -> Rational {
    // SAFETY: the stream pointer is valid while `stream` is.
    unsafe { Rational::from((*stream.as_ptr()).sample_aspect_ratio) }
}

/// Container duration, or the video stream's when the container has none.
pub(crate) fn duration_s(input: &format::context::Input, video_index: usize) -> Option<f64> {
    let container = input.duration();
    if container > 0 {
        return Some(container as f64 / f64::from(ffmpeg_next::ffi::AV_TIME_BASE));
    }
    let stream = input.stream(video_index)?;
    (stream.duration() > 0).then(|| stream.duration() as f64 * f64::from(stream.time_base()))
}

/// The rotation that makes the picture upright, from the display matrix.
pub(crate) fn stream_rotation(stream: &format::stream::Stream) -> Rotation {
    for side in stream.side_data() {
        if side.kind() != codec::packet::side_data::Type::DisplayMatrix {
            continue;
        }
        let data = side.data();
        if data.len() < 36 {
            continue;
        }
        let mut matrix = [0i32; 9];
        for (m, chunk) in matrix.iter_mut().zip(data.chunks_exact(4)) {
            *m = i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        // SAFETY: `matrix` holds the nine 16.16 fixed-point values the call reads.
        let ccw = unsafe { ffmpeg_next::ffi::av_display_rotation_get(matrix.as_ptr()) };
        if ccw.is_finite() {
            // av_display_rotation_get gives the counter-clockwise angle the
            // picture was turned by; showing it upright needs the inverse.
            return Rotation::from_clockwise_degrees(-ccw);
        }
    }
    Rotation::None
}
