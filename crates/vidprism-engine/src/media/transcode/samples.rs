//! Target quality's sample encodes (issue 24): a few short runs of
//! pictures spread over the source (the whole file when it is short and
//! fits), decoded and prepared (deinterlaced, cropped) once, kept in
//! memory and fed to every probe. A probe is the rendition itself, made
//! by the same encoder threads as the real encode (scaling, tone-mapping,
//! its encoder and settings), at one CRF, every picture scored, into a
//! temporary file next to the job's outputs that is removed at once.
//!
//! How many runs, how long: measured with ffmpeg on four of the target
//! bench's sources (half graphics half noise, a growing fractal, noise,
//! slow gradients), each run's SSIM and size at one CRF against the whole
//! file's, the same 72 to 78 pictures in all. Three runs of 1 s missed by
//! up to 0.0046 SSIM and 28 % in size (too few to catch a change of
//! content), nine of 8 pictures by up to 0.0042 and 28 % (too short for
//! x264's look-ahead on slow content), four of 19 by 0.0005 and 7 %: one
//! run per 15 s of source. Each run starts on a keyframe the file would
//! not have there, so a probe's size counts those at the file's own
//! keyframe rate ([`file_like_bytes`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ffmpeg_next::{frame, Packet, Rational, Rescale};

use super::audio_routes::TargetTracks;
use super::encoders::{spawn_encoders, SharedSource};
use super::hdr_plan::HdrPlan;
use super::lane::Message;
use super::picture_prep::PicturePrep;
use super::source::Source;
use super::RenditionTarget;
use crate::error::{Error, Result};
use crate::limits::{MAX_PACKETS_BEFORE_FIRST_FRAME, MAX_SAMPLE_BYTES};
use crate::media::decode::open_input;
use crate::media::frame_ref::video_ref;
use crate::media::metadata::SourceMetadata;
use crate::media::quality::target::{search, verify_fine, Found, Probe};
use crate::media::rendition_writer::takes_fractional_crf;
use crate::media::rendition_writer::SourceTiming;
use crate::media::sample::keyframe_before;
use crate::media::PicturePlan;
use crate::output::StagedFile;
use crate::presets::{AudioSpec, MetadataRule, QualityGoal, ScoreMode};

/// A source this short (seconds) is sampled whole, when it fits.
const WHOLE_UP_TO_S: f64 = 6.0;
/// Share of a longer source's duration sampled, within these bounds (s).
const SAMPLED_SHARE: f64 = 0.05;
const SAMPLED_MIN_S: f64 = 3.0;
const SAMPLED_MAX_S: f64 = 20.0;
/// One sample per this many seconds of source, within these counts, and
/// as many as their pictures allow at [`MIN_PICTURES_PER_SAMPLE`] each.
const SECONDS_PER_SAMPLE: f64 = 15.0;
const SAMPLES: std::ops::RangeInclusive<usize> = 3..=40;
/// The pictures between keyframes a probe's size is counted at
/// ([`file_like_bytes`]) unless the rung forces its own (a streaming
/// rung's segments): x264's and x265's default keyint, the longest GOP
/// the other encoders' defaults make too.
const KEYFRAME_EVERY: f64 = 250.0;
/// Pictures per sample, at least (a few GOP-free frames tell nothing).
const MIN_PICTURES_PER_SAMPLE: usize = 8;

/// Where the samples are taken.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// From the start, at most this many pictures.
    Whole(usize),
    /// `pictures` consecutive pictures at the middles of `count` equal
    /// parts of the duration.
    Spread { count: usize, pictures: usize },
}

/// The layout for a source of `duration` seconds at `fps`, whose pictures
/// take `picture_bytes` each once decoded: never more than
/// [`MAX_SAMPLE_BYTES`] of them held.
fn layout(duration: Option<f64>, fps: f64, picture_bytes: usize) -> Layout {
    let budget = (MAX_SAMPLE_BYTES / picture_bytes.max(1)).max(MIN_PICTURES_PER_SAMPLE);
    let fps = if fps.is_finite() && fps > 0.0 {
        fps
    } else {
        25.0
    };
    let Some(duration) = duration.filter(|d| d.is_finite() && *d > 0.0) else {
        return Layout::Whole(budget);
    };
    let all = (duration * fps).ceil() as usize;
    if duration <= WHOLE_UP_TO_S && all <= budget {
        return Layout::Whole(budget);
    }
    let seconds = (duration * SAMPLED_SHARE).clamp(SAMPLED_MIN_S, SAMPLED_MAX_S);
    let room = (seconds * fps / MIN_PICTURES_PER_SAMPLE as f64) as usize;
    let count = ((duration / SECONDS_PER_SAMPLE).round() as usize)
        .min(room)
        .clamp(*SAMPLES.start(), *SAMPLES.end())
        .min(budget);
    let pictures = ((seconds * fps / count as f64).round() as usize)
        .max(MIN_PICTURES_PER_SAMPLE)
        .min((budget / count).max(1));
    Layout::Spread { count, pictures }
}

/// The prepared sample pictures, back to back, each with its duration.
struct Samples {
    pictures: Vec<(frame::Video, i64)>,
    /// Where each sample starts in `pictures`, when they are spread over
    /// the source (empty when it is taken whole, from its start).
    starts: Vec<usize>,
    /// The timing of the prepared pictures.
    timing: SourceTiming,
}

impl Samples {
    fn seconds(&self) -> f64 {
        let ticks: i64 = self.pictures.iter().map(|(_, d)| *d).sum();
        ticks as f64 * f64::from(self.timing.video_time_base)
    }
}

/// What the search for one rendition found, and on how much source.
#[derive(Clone, Copy, Debug)]
pub struct SampleSearch {
    pub found: Found,
    /// Seconds of source the samples hold (each probe encoded them all).
    pub sample_seconds: f64,
}

/// Searches each of `targets` (each with a `target_ssim`) for its CRF on
/// samples of `path` prepared as `picture` says; probes are written beside
/// each target's temporary file. The outer error means the source could
/// not be sampled; otherwise each target has its own result. `alive` is
/// called as pictures are encoded (the stall watch).
pub fn search_targets(
    path: &Path,
    targets: &[RenditionTarget],
    picture: &PicturePlan,
    duration_s: Option<f64>,
    cancel: &AtomicBool,
    alive: &(dyn Fn() + Sync),
) -> Result<Vec<Result<SampleSearch>>> {
    let mut source = Source::open(path)?;
    let plans: Vec<HdrPlan> = targets
        .iter()
        .map(|t| HdrPlan::new(std::slice::from_ref(t), &mut source))
        .collect();
    let samples = read_samples(&mut source, picture, duration_s, cancel)?;
    let sample_seconds = samples.seconds();
    let metadata = SourceMetadata::default();
    let mut results = Vec::with_capacity(targets.len());
    // Rungs of one source with one encoder need similar CRFs: each search
    // starts where the last one of the same encoder ended.
    let mut last: Option<(crate::presets::VideoCodec, u32)> = None;
    for (target, hdr) in targets.iter().zip(&plans) {
        let Some(goal) = target.spec.goal.target_ssim else {
            results.push(Err(Error::Internal("a search without a target".into())));
            continue;
        };
        let codec = target.spec.video;
        let start = match last {
            Some((c, crf)) if c == codec => crf,
            _ => target.spec.quality.crf().unwrap_or(codec.default_crf()),
        };
        let shared = SharedSource {
            timing: samples.timing,
            metadata: &metadata,
            hdr,
        };
        let found = search(codec.crf_range(), start, goal, |crf| {
            probe(&samples, target, crf, None, shared, cancel, alive)
        })
        .and_then(|found| match takes_fractional_crf(codec) {
            true => verify_fine(found, goal, |fine| {
                probe(
                    &samples,
                    target,
                    found.crf,
                    Some(fine),
                    shared,
                    cancel,
                    alive,
                )
            }),
            false => Ok(found),
        });
        if matches!(found, Err(Error::Cancelled)) {
            return Err(Error::Cancelled);
        }
        if let Ok(f) = &found {
            last = Some((codec, f.crf));
        }
        results.push(found.map(|found| SampleSearch {
            found,
            sample_seconds,
        }));
    }
    Ok(results)
}

/// Decodes and prepares the samples of `source`.
fn read_samples(
    source: &mut Source,
    picture: &PicturePlan,
    duration_s: Option<f64>,
    cancel: &AtomicBool,
) -> Result<Samples> {
    let (width, height) = (source.video.width(), source.video.height());
    // 10-bit and more: two bytes a sample.
    let format = format!("{:?}", source.video.format());
    let depth = match ["10", "12", "16"].iter().any(|d| format.contains(d)) {
        true => 2,
        false => 1,
    };
    let picture_bytes = (width as usize * height as usize * 3 / 2) * depth;
    let fps = f64::from(source.timing.frame_rate);
    let layout = layout(duration_s, fps, picture_bytes);
    let mut timing = source.timing;
    let (count, per_point) = match layout {
        Layout::Whole(max) => (1, max),
        Layout::Spread { count, pictures } => (count, pictures),
    };
    let mut pictures = Vec::new();
    let mut starts = Vec::new();
    let mut read = Reading::default();
    for point in 0..count {
        let at = match (layout, duration_s) {
            (Layout::Spread { .. }, Some(duration)) => {
                Some(duration * (point as f64 + 0.5) / count as f64)
            }
            _ => None,
        };
        if at.is_some() && starts.last() != Some(&pictures.len()) {
            starts.push(pictures.len());
        }
        timing = source.timing;
        let mut prep = PicturePrep::new(picture, &mut timing);
        read_point(
            source,
            &mut prep,
            at,
            per_point,
            cancel,
            &mut pictures,
            &mut read,
        )?;
    }
    starts.retain(|&s| s < pictures.len());
    if pictures.is_empty() {
        return Err(Error::NoDecodableFrame {
            path: source.path.to_path_buf(),
        });
    }
    // Back to back, one picture's duration apart, in the prepared timing.
    let step = 1i64
        .rescale(timing.frame_rate.invert(), timing.video_time_base)
        .max(1);
    let pictures = pictures
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            p.set_pts(Some(i as i64 * step));
            (p, step)
        })
        .collect();
    Ok(Samples {
        pictures,
        starts,
        timing,
    })
}

/// Where the reading of the samples has got to.
#[derive(Default)]
struct Reading {
    /// The decode time of the last packet given to the decoder, while the
    /// decoder can go on from it.
    last: Option<i64>,
}

/// Reads `wanted` prepared pictures from `at` seconds into the source (from
/// where it is when `None`) into `out`. A point whose keyframe was already
/// decoded past (keyframes far apart, samples close) is read on to rather
/// than sought: no keyframe decoded twice.
fn read_point(
    source: &mut Source,
    prep: &mut PicturePrep,
    at: Option<f64>,
    wanted: usize,
    cancel: &AtomicBool,
    out: &mut Vec<frame::Video>,
    read: &mut Reading,
) -> Result<()> {
    let index = source.video_index;
    let time_base = source.timing.video_time_base;
    let mut target_pts = None;
    if let Some(at) = at {
        let at_us = source.origin_us.saturating_add((at * 1e6) as i64);
        let at_tb = at_us.rescale(Rational::new(1, 1_000_000), time_base);
        let passed = read.last.is_some_and(|last| {
            keyframe_before(&mut source.input, index, at_tb).is_some_and(|key| key <= last)
        });
        if passed {
            target_pts = Some(at_tb);
        } else if source.input.seek(at_us, ..at_us).is_ok() {
            source.video.flush();
            target_pts = Some(at_tb);
        }
    }
    let start = out.len();
    let mut packet = Packet::empty();
    let mut decoded = frame::Video::empty();
    let mut packets = 0;
    let limit = wanted + MAX_PACKETS_BEFORE_FIRST_FRAME;
    while out.len() - start < wanted && packets <= limit {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let at_end = match packet.read(&mut source.input) {
            Ok(()) if packet.stream() != index => continue,
            Ok(()) => false,
            Err(_) => true,
        };
        packets += 1;
        read.last = match at_end {
            false => packet.dts().or(packet.pts()),
            true => None,
        };
        // Undecodable packets (just after a seek, damaged data) are skipped.
        let _ = match at_end {
            false => source.video.send_packet(&packet),
            true => source.video.send_eof(),
        };
        while source.video.receive_frame(&mut decoded).is_ok() {
            let early = matches!((decoded.timestamp(), target_pts), (Some(t), Some(a)) if t < a);
            if !early {
                prep.push(std::mem::replace(&mut decoded, frame::Video::empty()))?;
            }
        }
        if at_end {
            prep.finish()?;
        }
        while let Some(p) = prep.pull() {
            if out.len() - start < wanted {
                out.push(p);
            }
        }
        if at_end {
            break;
        }
    }
    Ok(())
}

/// Encodes the samples as `target` at `crf` and scores every picture.
fn probe(
    samples: &Samples,
    target: &RenditionTarget,
    crf: u32,
    fine: Option<f64>,
    shared: SharedSource<'_>,
    cancel: &AtomicBool,
    alive: &(dyn Fn() + Sync),
) -> Result<Probe> {
    let dir = target.temp_path.parent().unwrap_or(Path::new("."));
    let file = StagedFile::new(dir.join(format!(
        "{}-crf{}-probe.{}",
        target.spec.name,
        fine.map_or(crf.to_string(), |f| format!("{f:.1}")),
        target.spec.container.extension()
    )));
    let mut probe_target = target.clone();
    probe_target.spec.quality = target.spec.quality.with_crf(crf);
    probe_target.fine_crf = fine;
    probe_target.spec.audio = AudioSpec::None;
    probe_target.spec.goal = QualityGoal::default();
    probe_target.score = ScoreMode::Full;
    probe_target.metadata = MetadataRule::Strip;
    probe_target.temp_path = file.temp_path().to_path_buf();
    let targets = [probe_target];
    let started = Instant::now();
    let on_progress = |_: usize, _| alive();
    let result = std::thread::scope(|scope| {
        let (mut lanes, threads) = spawn_encoders(
            scope,
            &targets,
            &[None],
            vec![TargetTracks::default()],
            &[],
            shared,
            &on_progress,
        )?;
        for (picture, duration) in &samples.pictures {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            for lane in lanes.iter_mut().filter(|l| l.from_decoder) {
                lane.send(|| Message::Video(video_ref(picture), *duration));
            }
        }
        if !cancel.load(Ordering::Relaxed) {
            for lane in lanes.iter_mut().filter(|l| l.from_decoder) {
                lane.send(|| Message::End);
            }
        }
        drop(lanes);
        threads
            .join()
            .into_iter()
            .next()
            .unwrap_or(Err(Error::Cancelled))
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let made = result?;
    let seconds = started.elapsed().as_secs_f64();
    let file_bytes = std::fs::metadata(file.temp_path()).map_or(0, |m| m.len());
    let keyframe_every = match target.segment_seconds {
        Some(s) => f64::from(s) * f64::from(samples.timing.frame_rate),
        None => KEYFRAME_EVERY,
    };
    let bytes = picture_bytes(file.temp_path())
        .ok()
        .filter(|each| each.len() == samples.pictures.len())
        .and_then(|each| file_like_bytes(&each, &samples.starts, keyframe_every))
        .unwrap_or(file_bytes);
    let ssim = made
        .quality
        .map(|q| q.ssim)
        .ok_or_else(|| Error::Internal("a probe without a score".into()))?;
    tracing::debug!(rendition = %target.spec.name, crf, ?fine, ssim, bytes, seconds, "probe");
    Ok(Probe {
        ssim,
        bytes,
        seconds,
    })
}

/// Each picture's bytes in the file at `path`, in presentation order.
fn picture_bytes(path: &Path) -> Result<Vec<u64>> {
    let (mut input, index) = open_input(path)?;
    let mut sizes: Vec<(i64, u64)> = input
        .packets()
        .filter(|(stream, _)| stream.index() == index)
        .map(|(_, p)| (p.pts().or(p.dts()).unwrap_or(i64::MAX), p.size() as u64))
        .collect();
    sizes.sort_by_key(|&(pts, _)| pts);
    Ok(sizes.into_iter().map(|(_, bytes)| bytes).collect())
}

/// The bytes the samples' pictures (`each`, in order, the samples starting
/// at `starts`) would take within the whole file: each sample's first
/// picture follows a cut from the sample before, so the encoder makes it
/// anew (a keyframe, several times a picture's bytes) where the file goes
/// on from the picture before; those count at the file's own rate, one in
/// `keyframe_every` pictures. `None` when nothing is left to count.
fn file_like_bytes(each: &[u64], starts: &[usize], keyframe_every: f64) -> Option<u64> {
    if starts.is_empty() {
        return Some(each.iter().sum());
    }
    let firsts: u64 = starts.iter().filter_map(|&s| each.get(s)).sum();
    let others = each.len().checked_sub(starts.len()).filter(|&n| n > 0)?;
    let other = (each.iter().sum::<u64>() - firsts) as f64 / others as f64;
    let first = firsts as f64 / starts.len() as f64;
    let per_picture = other + (first - other) / keyframe_every.max(1.0);
    Some((per_picture * each.len() as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_samples_first_pictures_count_at_the_files_keyframe_rate() {
        // Three samples of four pictures, each starting on a 1000-byte
        // keyframe, 100 bytes a picture after: in a file with a keyframe
        // every 10 pictures, 100 + 900 / 10 = 190 a picture.
        let each = [
            1000, 100, 100, 100, 1000, 100, 100, 100, 1000, 100, 100, 100,
        ];
        assert_eq!(file_like_bytes(&each, &[0, 4, 8], 10.0), Some(190 * 12));
        // Taken whole from the start: as encoded.
        assert_eq!(file_like_bytes(&each, &[], 10.0), Some(3900));
        // Nothing but first pictures: nothing to count.
        assert_eq!(file_like_bytes(&[5, 5], &[0, 1], 10.0), None);
    }

    #[test]
    fn short_sources_are_taken_whole_and_long_ones_sampled_within_the_budget() {
        let hd = 1920 * 1080 * 3 / 2;
        assert!(matches!(layout(Some(4.0), 25.0, hd / 2), Layout::Whole(_)));
        // Four seconds of 1080p would be 311 MB: sampled instead.
        assert!(matches!(layout(Some(4.0), 25.0, hd), Layout::Spread { .. }));
        assert!(matches!(layout(None, 25.0, hd), Layout::Whole(_)));
        // A minute: 5 % of it, one sample per 15 s.
        assert_eq!(
            layout(Some(60.0), 25.0, 320 * 240 * 3 / 2),
            Layout::Spread {
                count: 4,
                pictures: 19
            }
        );
        // Ten seconds: 3 s, at least three samples.
        assert_eq!(
            layout(Some(10.0), 25.0, 320 * 240 * 3 / 2),
            Layout::Spread {
                count: 3,
                pictures: 25
            }
        );
        // An hour: forty samples, 20 s in all.
        assert_eq!(
            layout(Some(3600.0), 30.0, 320 * 240 * 3 / 2),
            Layout::Spread {
                count: 40,
                pictures: 15
            }
        );
        // Pictures too big for the budget: fewer of them, never none.
        for (duration, bytes) in [(4.0, 8192 * 8192 * 3), (600.0, 8192 * 8192 * 3), (5.0, hd)] {
            let held = match layout(Some(duration), 60.0, bytes) {
                Layout::Whole(n) => n.min((duration * 60.0) as usize),
                Layout::Spread { count, pictures } => count * pictures,
            };
            assert!(held >= 1);
            assert!(
                held * bytes <= MAX_SAMPLE_BYTES.max(MIN_PICTURES_PER_SAMPLE * bytes),
                "{duration} s of {bytes}-byte pictures: {held}"
            );
        }
    }
}
