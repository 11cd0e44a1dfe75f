//! The encoder threads: one named thread per rendition, reading its lane
//! and writing its file; a rendition other renditions are scaled from also
//! hands its scaled pictures on to theirs.

use std::thread::{Scope, ScopedJoinHandle};

use crossbeam_channel::{bounded, Receiver, Sender};

use super::audio_routes::TargetTracks;
use super::hdr_plan::{HdrOutput, HdrPlan};
use super::lane::{Lane, Message};
use super::tone_lane::run_tone_mapper;
use super::{RenditionProgress, RenditionTarget, RenditionTracks};
use crate::error::{Error, Result};
use crate::media::audio_copy::AudioCopySource;
use crate::media::colour::Colour;
use crate::media::frame_ref::video_ref;
use crate::media::geometry::Rotation;
use crate::media::metadata::SourceMetadata;
use crate::media::quality::{check_floor, Score};
use crate::media::rendition_writer::{RenditionWriter, SourceTiming, Tuning, WriterSource};
use crate::media::scaler::Scaler;
use crate::output::StagedFile;

/// Frames queued per rendition: enough that a rendition briefly slower than
/// the others does not stall the rest, few enough to bound memory. Frames are
/// shared, so at most this many decoded pictures (3 MB each at 1080p) wait.
const FRAMES_IN_FLIGHT: usize = 8;

/// The running encoder threads, one per target, and the tone-mapper.
pub struct EncoderThreads<'scope> {
    handles: Vec<ScopedJoinHandle<'scope, Result<RenditionTracks>>>,
    /// The tone-mapper and the targets it feeds.
    tone_mapper: Option<(ScopedJoinHandle<'scope, Result<()>>, Vec<usize>)>,
}

impl EncoderThreads<'_> {
    /// Waits for every encoder; each rendition's result, in target order.
    /// A rendition left without pictures by a failed tone-mapper says so.
    pub fn join(self) -> Vec<Result<RenditionTracks>> {
        fn joined<T>(h: ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
            h.join()
                .unwrap_or_else(|_| Err(Error::Internal("an encoder thread panicked".into())))
        }
        let mut results: Vec<Result<RenditionTracks>> =
            self.handles.into_iter().map(joined).collect();
        if let Some((handle, fed)) = self.tone_mapper {
            if let Err(e) = joined(handle) {
                for i in fed {
                    if matches!(results[i], Err(Error::Cancelled)) {
                        results[i] = Err(Error::ToneMapping {
                            reason: e.to_string(),
                        });
                    }
                }
            }
        }
        results
    }
}

/// What every encoder thread reads of the source: its timing, the tags
/// and chapters its file may carry, and what each rendition of an HDR
/// source is made as.
#[derive(Clone, Copy)]
pub struct SharedSource<'env> {
    pub timing: SourceTiming,
    pub metadata: &'env SourceMetadata,
    pub hdr: &'env HdrPlan,
}

/// Starts one encoder thread per target and returns the lanes that feed
/// them. A target with a cascade parent (`parents`) is fed by its parent's
/// thread, with pictures already upright; a tone-mapped one without by the
/// tone-mapper (whose lane comes last); the others by the decoder.
pub fn spawn_encoders<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    targets: &'env [RenditionTarget],
    parents: &[Option<usize>],
    tracks: Vec<TargetTracks>,
    muxing: &'env [AudioCopySource],
    source: SharedSource<'env>,
    on_progress: &'env (dyn Fn(usize, RenditionProgress) + Sync),
) -> Result<(Vec<Lane>, EncoderThreads<'scope>)> {
    let (senders, receivers): (Vec<Sender<Message>>, Vec<Receiver<Message>>) =
        targets.iter().map(|_| bounded(FRAMES_IN_FLIGHT)).unzip();
    let threads = encoder_threads(targets);
    let mut handles = Vec::with_capacity(targets.len());
    let mut lane_feeds = Vec::with_capacity(targets.len());
    for (index, (((target, frames), threads), planned)) in targets
        .iter()
        .zip(receivers)
        .zip(threads)
        .zip(tracks)
        .enumerate()
    {
        let children: Vec<Sender<Message>> = parents
            .iter()
            .zip(&senders)
            .filter(|(parent, _)| **parent == Some(index))
            .map(|(_, sender)| sender.clone())
            .collect();
        lane_feeds.push(
            planned
                .feeds
                .iter()
                .chain(planned.sidecars.iter().map(|(feed, _)| feed))
                .copied()
                .collect::<Vec<usize>>(),
        );
        let encoder = Encoder {
            index,
            target,
            threads,
            planned,
            muxing,
            source,
            cascaded: parents[index].is_some(),
            on_progress,
        };
        let handle = std::thread::Builder::new()
            .name(format!("encode {}", target.spec.name))
            .spawn_scoped(scope, move || encoder.run(frames, children))
            .map_err(|e| Error::Internal(format!("cannot start an encoder thread: {e}")))?;
        handles.push(handle);
    }
    let (tone_lane, tone_mapper) = spawn_tone_mapper(scope, targets, parents, &senders, source)?;
    let tone_fed = tone_mapper
        .as_ref()
        .map(|(_, fed)| fed.as_slice())
        .unwrap_or_default();
    let mut lanes: Vec<Lane> = senders
        .into_iter()
        .zip(lane_feeds)
        .zip(parents)
        .enumerate()
        .map(|(i, ((sender, feeds), parent))| {
            Lane::new(sender, feeds, parent.is_none() && !tone_fed.contains(&i))
        })
        .collect();
    lanes.extend(tone_lane);
    Ok((
        lanes,
        EncoderThreads {
            handles,
            tone_mapper,
        },
    ))
}

/// A running tone-mapper and the targets it feeds.
type ToneMapper<'scope> = (ScopedJoinHandle<'scope, Result<()>>, Vec<usize>);

/// Starts the tone-mapper when some tone-mapped rendition is not cascaded
/// (it feeds those): its lane, and the thread with the targets it feeds.
fn spawn_tone_mapper<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    targets: &'env [RenditionTarget],
    parents: &[Option<usize>],
    senders: &[Sender<Message>],
    source: SharedSource<'env>,
) -> Result<(Option<Lane>, Option<ToneMapper<'scope>>)> {
    let tone_fed: Vec<usize> = (0..targets.len())
        .filter(|&i| source.hdr.outputs[i] == HdrOutput::ToneMapped && parents[i].is_none())
        .collect();
    let (Some(tone_map), false) = (source.hdr.tone_map(), tone_fed.is_empty()) else {
        return Ok((None, None));
    };
    let (sender, frames) = bounded(FRAMES_IN_FLIGHT);
    let children = tone_fed.iter().map(|&i| senders[i].clone()).collect();
    let (reads, time_base) = (source.timing.colour, source.timing.video_time_base);
    // Pictures are tone-mapped no larger than the largest rendition fed
    // (before the rotation its encoder applies).
    let largest = tone_fed
        .iter()
        .map(|&i| targets[i].size.unrotated(source.timing.rotation))
        .max_by_key(|s| u64::from(s.width) * u64::from(s.height));
    let handle = std::thread::Builder::new()
        .name("tone-map".into())
        .spawn_scoped(scope, move || {
            run_tone_mapper(tone_map, reads, time_base, largest, frames, children)
        })
        .map_err(|e| Error::Internal(format!("cannot start the tone-mapping thread: {e}")))?;
    Ok((
        Some(Lane::new(sender, Vec::new(), true)),
        Some((handle, tone_fed)),
    ))
}

/// What one encoder thread makes: its target, with what it reads of the
/// source.
struct Encoder<'env> {
    index: usize,
    target: &'env RenditionTarget,
    threads: usize,
    planned: TargetTracks,
    muxing: &'env [AudioCopySource],
    source: SharedSource<'env>,
    /// Fed by a cascade parent: pictures already upright and in the colour
    /// renditions are written in.
    cascaded: bool,
    on_progress: &'env (dyn Fn(usize, RenditionProgress) + Sync),
}

impl Encoder<'_> {
    /// The thread's work: the rendition's file and sidecars from the
    /// pictures of `frames`, handed on to `children`; its tracks and score.
    fn run(
        self,
        frames: Receiver<Message>,
        children: Vec<Sender<Message>>,
    ) -> Result<RenditionTracks> {
        let (index, target, source, muxing) = (self.index, self.target, self.source, self.muxing);
        let output = source.hdr.outputs[index];
        if output == HdrOutput::Refused {
            return Err(Error::HdrUnsupported {
                encoder: target.spec.video.encoder_name().to_owned(),
            });
        }
        let timing = encoder_timing(source.timing, output, self.cascaded);
        let keep_hdr = (output == HdrOutput::Keep).then_some(&source.hdr.metadata);
        let TargetTracks {
            feeds,
            sidecars,
            skipped,
        } = self.planned;
        let streams: Vec<(usize, &AudioCopySource)> =
            feeds.iter().map(|&f| (f, &muxing[f])).collect();
        // Sidecars are staged beside the rendition, under a temporary name
        // until the rendition is committed.
        let dir = target
            .temp_path
            .parent()
            .unwrap_or(std::path::Path::new("."));
        let staged: Vec<StagedFile> = sidecars
            .iter()
            .map(|(_, name)| StagedFile::new(dir.join(name)))
            .collect();
        let sidecar_streams: Vec<(usize, &AudioCopySource, &std::path::Path)> = sidecars
            .iter()
            .zip(&staged)
            .map(|((f, _), s)| (*f, &muxing[*f], s.temp_path()))
            .collect();
        let writer_source = WriterSource {
            timing: &timing,
            metadata: source.metadata,
            streams: &streams,
            sidecars: &sidecar_streams,
            hdr: keep_hdr,
        };
        let on_progress = self.on_progress;
        let quality =
            encode_rendition(target, self.threads, writer_source, frames, children, |p| {
                on_progress(index, p)
            })?;
        let quality = check_floor(&target.spec.goal, quality)?;
        Ok(RenditionTracks {
            skipped,
            sidecars: staged,
            quality,
        })
    }
}

/// The source's timing as an encoder reads its pictures: a tone-mapped
/// rendition's are SDR BT.709; a cascaded one's are already upright, in
/// the colour renditions are written in.
fn encoder_timing(timing: SourceTiming, output: HdrOutput, cascaded: bool) -> SourceTiming {
    let timing = match output {
        HdrOutput::ToneMapped => SourceTiming {
            colour: Colour::SDR_BT709,
            ..timing
        },
        _ => timing,
    };
    match cascaded {
        true => SourceTiming {
            rotation: Rotation::None,
            colour: timing.colour.encoded(),
            ..timing
        },
        false => timing,
    }
}

/// One rendition's thread: scales every picture of its lane, hands the
/// scaled pictures on to the smaller renditions made from them
/// (`children`), and writes them and the lane's audio and subtitle packets
/// into its file, which it finishes only on `End`. The cascade is a scaling
/// shortcut, not a dependency: when this rendition's encoder or file fails,
/// the pictures still go on to its children, and only a failure of the
/// scaling itself leaves them without. Its score, when scored.
fn encode_rendition(
    target: &RenditionTarget,
    threads: usize,
    source: WriterSource<'_>,
    frames: Receiver<Message>,
    mut children: Vec<Sender<Message>>,
    on_progress: impl Fn(RenditionProgress),
) -> Result<Option<Score>> {
    let ten_bit = source.hdr.is_some();
    let mut scaler = Scaler::for_rendition(&target.spec, target.size, source.timing, ten_bit);
    // Once it fails, the writer is dropped (its file abandoned) and its
    // error kept as this rendition's result.
    let mut writer = RenditionWriter::create(
        &target.temp_path,
        &target.spec,
        target.size,
        target.metadata,
        threads,
        source,
        Tuning {
            segment_seconds: target.segment_seconds,
            fine_crf: target.fine_crf,
        },
    )
    .and_then(|mut writer| writer.score(target.score).map(|()| writer));
    loop {
        if children.is_empty() && writer.is_err() {
            return writer.map(|_| None);
        }
        match frames.recv() {
            Ok(Message::Video(frame, duration)) => {
                scaler.push(frame, duration)?;
                hand_on(&mut scaler, &mut writer, &mut children);
                if let Ok(writer) = &writer {
                    on_progress(RenditionProgress {
                        position_s: writer.position_s,
                        frames: writer.frames,
                    });
                }
            }
            Ok(Message::Packet(feed, packet)) => {
                if let Ok(w) = &mut writer {
                    if let Err(e) = w.push_packet(feed, packet) {
                        writer = Err(e);
                    }
                }
            }
            Ok(Message::End) => {
                scaler.finish()?;
                hand_on(&mut scaler, &mut writer, &mut children);
                for child in children.drain(..) {
                    let _ = child.send(Message::End);
                }
                return writer?.finish();
            }
            Err(_) => return Err(Error::Cancelled),
        }
    }
}

/// Every picture the scaler has made goes to the children (a child that
/// hung up has failed on its own) and into the file while it works.
fn hand_on(
    scaler: &mut Scaler,
    writer: &mut Result<RenditionWriter>,
    children: &mut Vec<Sender<Message>>,
) {
    while let Some((picture, duration)) = scaler.pull() {
        children.retain(|c| {
            c.send(Message::Video(video_ref(&picture), duration))
                .is_ok()
        });
        if let Ok(w) = writer {
            if let Err(e) = w.push_video(picture, duration) {
                *writer = Err(e);
            }
        }
    }
}

/// Threads for each rendition's encoder: the cores shared in proportion to
/// the pixels each encodes, rounded up. All encoders run at once, so giving
/// each FFmpeg's default (all cores) oversubscribes the machine: on two
/// cores the web ladder ran 8% slower and used 25% more memory that way.
fn encoder_threads(targets: &[RenditionTarget]) -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    let pixels = |t: &RenditionTarget| f64::from(t.size.width) * f64::from(t.size.height);
    let total: f64 = targets.iter().map(pixels).sum::<f64>().max(1.0);
    targets
        .iter()
        .map(|t| ((cores * pixels(t) / total).ceil() as usize).clamp(1, 16))
        .collect()
}
