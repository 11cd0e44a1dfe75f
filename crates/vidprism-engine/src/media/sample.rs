//! Pictures sampled across a source at ingest, for the decisions that must
//! be made before anything is planned or made (interlacing; black bars):
//! a few consecutive pictures at points spread evenly over its duration,
//! each reached by a seek to the keyframe before it, so a long file costs
//! no more than a short one.

use std::path::Path;

use ffmpeg_next::{format, frame, Packet, Rational, Rescale};

use super::decode::{open_input, video_decoder};
use super::probe::duration_s;
use crate::error::{Error, Result};
use crate::limits::MAX_PACKETS_BEFORE_FIRST_FRAME;

/// Decodes consecutive pictures at each of `points` places
/// spread over `path` (the middles of equal parts of its duration; from
/// the start on, one after another, when it has none or cannot seek) and
/// gives each to `each` with its point's number and the stream's time
/// base. Up to `skip` pictures between the keyframe a seek lands on and
/// the point are decoded and passed over. `on_stream` sees the video
/// stream's header first and says how many pictures each point takes.
pub(crate) fn sample_pictures(
    path: &Path,
    points: usize,
    skip: usize,
    on_stream: impl FnOnce(&format::stream::Stream) -> usize,
    mut each: impl FnMut(usize, &frame::Video, Rational) -> Result<()>,
) -> Result<()> {
    let (mut input, index) = open_input(path)?;
    let stream = input
        .stream(index)
        .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
    let per_point = on_stream(&stream);
    let time_base = stream.time_base();
    let duration = duration_s(&input, index).filter(|d| d.is_finite() && *d > 0.0);
    // SAFETY: the format context pointer is valid while `input` is.
    let start_us = match unsafe { (*input.as_ptr()).start_time } {
        ffmpeg_next::ffi::AV_NOPTS_VALUE => 0,
        start => start,
    };
    // One thread: a frame-threaded decoder holds a picture per thread
    // before it gives one back, so a few pictures after each seek would
    // cost that many more decoded (and its threads' set-up).
    let mut decoder = video_decoder(&input, index, 1, path)?;
    let mut packet = Packet::empty();
    let mut picture = frame::Video::empty();
    for point in 0..points {
        let mut target = None;
        if let Some(duration) = duration {
            let offset = duration * (point as f64 + 0.5) / points as f64;
            let at = start_us.saturating_add((offset * 1e6) as i64);
            // A failed seek reads on from where the last point stopped.
            if input.seek(at, ..at).is_ok() {
                decoder.flush();
                target = Some(at.rescale(Rational::new(1, 1_000_000), time_base));
            }
        }
        let (mut got, mut packets, mut skipped) = (0, 0, 0);
        while got < per_point && packets <= per_point + skip + MAX_PACKETS_BEFORE_FIRST_FRAME {
            let at_end = match packet.read(&mut input) {
                Ok(()) if packet.stream() != index => continue,
                Ok(()) => false,
                Err(_) => true,
            };
            packets += 1;
            // Undecodable packets (just after a seek, damaged data) are skipped.
            let _ = match at_end {
                false => decoder.send_packet(&packet),
                true => decoder.send_eof(),
            };
            while got < per_point && decoder.receive_frame(&mut picture).is_ok() {
                let early = matches!((picture.timestamp(), target), (Some(t), Some(at)) if t < at);
                if early && skipped < skip {
                    skipped += 1;
                    continue;
                }
                each(point, &picture, time_base)?;
                got += 1;
            }
            if at_end {
                break;
            }
        }
        if duration.is_none() && got < per_point {
            // Read to the end without a way back.
            break;
        }
    }
    Ok(())
}
