//! Pictures sampled across a source at ingest, for the decisions that must
//! be made before anything is planned or made (interlacing; black bars):
//! a few consecutive pictures at points spread evenly over its duration,
//! each reached by a seek to the keyframe before it, so a long file costs
//! no more than a short one. When that keyframe was already decoded past
//! (keyframes far apart, as in a short clip with one), the point is read
//! on from where the last one stopped instead: no keyframe decoded twice,
//! and no two points given the same pictures.

use std::path::Path;

use ffmpeg_next::{ffi, format, frame, Packet, Rational, Rescale};

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
    // The last packet of the stream given to the decoder (its decode
    // time), while the decoder can go on from it.
    let mut last_read: Option<i64> = None;
    for point in 0..points {
        let mut target = None;
        if let Some(duration) = duration {
            let offset = duration * (point as f64 + 0.5) / points as f64;
            let at = start_us.saturating_add((offset * 1e6) as i64);
            let at_tb = at.rescale(Rational::new(1, 1_000_000), time_base);
            let passed = last_read.is_some_and(|read| {
                keyframe_before(&mut input, index, at_tb).is_some_and(|key| key <= read)
            });
            // A failed seek reads on from where the last point stopped.
            if passed {
                target = Some(at_tb);
            } else if input.seek(at, ..at).is_ok() {
                decoder.flush();
                target = Some(at_tb);
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
            last_read = match at_end {
                false => packet.dts().or(packet.pts()),
                true => None,
            };
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

/// The time (in the stream's time base) of the keyframe a backward seek to
/// `at` lands on, from the demuxer's index; `None` when it has none.
pub(crate) fn keyframe_before(
    input: &mut format::context::Input,
    index: usize,
    at: i64,
) -> Option<i64> {
    // SAFETY: `index` is one of the context's streams (from `open_input`),
    // both valid while `input` is; the entry is read before anything else
    // is called on the context.
    unsafe {
        let context = input.as_mut_ptr();
        let stream = *(*context).streams.add(index);
        let entry =
            ffi::avformat_index_get_entry_from_timestamp(stream, at, ffi::AVSEEK_FLAG_BACKWARD);
        (!entry.is_null()).then(|| (*entry).timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A 4 s 25 fps clip with a keyframe every `gop` pictures.
    fn clip(dir: &Path, gop: u32) -> std::path::PathBuf {
        let path = dir.join(format!("gop{gop}.mp4"));
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc2=s=320x240:r=25:d=4")
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-g"])
            .arg(gop.to_string())
            .args(["-keyint_min", "1", "-sc_threshold", "0"])
            .arg(&path)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success());
        path
    }

    /// Each point's pictures' times in seconds.
    fn sampled(path: &Path, points: usize, per_point: usize) -> Vec<Vec<f64>> {
        ffmpeg_next::init().expect("ffmpeg");
        let mut times = vec![Vec::new(); points];
        sample_pictures(
            path,
            points,
            0,
            |_| per_point,
            |point, picture, tb| {
                let pts = picture.timestamp().expect("a time");
                times[point].push(pts as f64 * f64::from(tb));
                Ok(())
            },
        )
        .expect("sampled");
        times
    }

    #[test]
    fn points_past_a_keyframe_already_read_get_the_next_pictures() {
        let dir = tempfile::tempdir().expect("temp dir");
        // One keyframe in the whole clip: every seek would land on it.
        let times = sampled(&clip(dir.path(), 1000), 3, 5);
        let all: Vec<f64> = times.concat();
        assert_eq!(all.len(), 15, "{times:?}");
        assert!(
            all.windows(2).all(|w| w[1] > w[0]),
            "one pass: 15 different pictures in order, {times:?}"
        );
    }

    #[test]
    fn points_with_their_own_keyframes_are_sought() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A keyframe a second: points at 0.67, 2.0 and 3.33 s start at
        // the keyframes before them.
        let times = sampled(&clip(dir.path(), 25), 3, 5);
        let firsts: Vec<f64> = times.iter().map(|t| t[0]).collect();
        for (first, key) in firsts.iter().zip([0.0, 2.0, 3.0]) {
            assert!((first - key).abs() < 0.02, "{firsts:?}");
        }
    }
}
