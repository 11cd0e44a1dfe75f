//! The encoder threads: one named thread per rendition, reading its lane
//! and writing its file; a rendition other renditions are scaled from also
//! hands its scaled pictures on to theirs.

use std::thread::{Scope, ScopedJoinHandle};

use crossbeam_channel::{bounded, Receiver, Sender};

use super::audio_routes::{AudioMuxing, AudioRoute};
use super::lane::{Lane, Message};
use super::{RenditionProgress, RenditionTarget};
use crate::error::{Error, Result};
use crate::media::frame_ref::video_ref;
use crate::media::geometry::Rotation;
use crate::media::metadata::SourceMetadata;
use crate::media::rendition_writer::{RenditionWriter, SourceTiming, WriterSource};

/// Frames queued per rendition: enough that a rendition briefly slower than
/// the others does not stall the rest, few enough to bound memory. Frames are
/// shared, so at most this many decoded pictures (3 MB each at 1080p) wait.
const FRAMES_IN_FLIGHT: usize = 8;

/// The running encoder threads, one per target.
pub struct EncoderThreads<'scope> {
    handles: Vec<ScopedJoinHandle<'scope, Result<()>>>,
}

impl EncoderThreads<'_> {
    /// Waits for every encoder; each rendition's result, in target order.
    pub fn join(self) -> Vec<Result<()>> {
        self.handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("an encoder thread panicked".into())))
            })
            .collect()
    }
}

/// What every encoder thread reads of the source: its timing and the tags
/// and chapters its file may carry.
#[derive(Clone, Copy)]
pub struct SharedSource<'env> {
    pub timing: SourceTiming,
    pub metadata: &'env SourceMetadata,
}

/// Starts one encoder thread per target and returns the lanes that feed
/// them. A target with a cascade parent (`parents`) is fed by its parent's
/// thread, with pictures already upright; the others by the decoder.
pub fn spawn_encoders<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    targets: &'env [RenditionTarget],
    parents: &[Option<usize>],
    routes: Vec<AudioRoute>,
    audio: &'env AudioMuxing,
    source: SharedSource<'env>,
    on_progress: &'env (dyn Fn(usize, RenditionProgress) + Sync),
) -> Result<(Vec<Lane>, EncoderThreads<'scope>)> {
    let (senders, receivers): (Vec<Sender<Message>>, Vec<Receiver<Message>>) =
        targets.iter().map(|_| bounded(FRAMES_IN_FLIGHT)).unzip();
    let threads = encoder_threads(targets);
    let mut handles = Vec::with_capacity(targets.len());
    for (index, ((target, frames), threads)) in
        targets.iter().zip(receivers).zip(threads).enumerate()
    {
        let children: Vec<Sender<Message>> = parents
            .iter()
            .zip(&senders)
            .filter(|(parent, _)| **parent == Some(index))
            .map(|(_, sender)| sender.clone())
            .collect();
        // A cascaded rendition gets pictures already upright, in the
        // colour renditions are written in.
        let SharedSource { timing, metadata } = source;
        let timing = match parents[index] {
            Some(_) => SourceTiming {
                rotation: Rotation::None,
                colour: timing.colour.encoded(),
                ..timing
            },
            None => timing,
        };
        let audio = audio.for_route(routes[index]);
        let handle = std::thread::Builder::new()
            .name(format!("encode {}", target.spec.name))
            .spawn_scoped(scope, move || {
                let source = WriterSource {
                    timing: &timing,
                    metadata,
                    audio,
                };
                encode_rendition(target, threads, source, frames, children, |p| {
                    on_progress(index, p)
                })
            })
            .map_err(|e| Error::Internal(format!("cannot start an encoder thread: {e}")))?;
        handles.push(handle);
    }
    let lanes = senders
        .into_iter()
        .zip(routes)
        .zip(parents)
        .map(|((sender, route), parent)| Lane::new(sender, route, parent.is_none()))
        .collect();
    Ok((lanes, EncoderThreads { handles }))
}

/// One rendition's thread: writes every picture and audio packet of its
/// lane, and finishes its file only on `End`.
fn encode_rendition(
    target: &RenditionTarget,
    threads: usize,
    source: WriterSource<'_>,
    frames: Receiver<Message>,
    mut children: Vec<Sender<Message>>,
    on_progress: impl Fn(RenditionProgress),
) -> Result<()> {
    let mut writer = RenditionWriter::create(
        &target.temp_path,
        &target.spec,
        target.size,
        target.metadata,
        threads,
        source,
        target.segment_seconds,
    )?;
    writer.forwarding = !children.is_empty();
    // Hands the pictures scaled for this rendition on to the smaller ones
    // made from them; a child that hung up has failed on its own.
    let forward = |writer: &mut RenditionWriter, children: &mut Vec<Sender<Message>>| {
        for (picture, duration) in writer.take_forwarded() {
            children.retain(|c| {
                c.send(Message::Video(video_ref(&picture), duration))
                    .is_ok()
            });
        }
    };
    loop {
        match frames.recv() {
            Ok(Message::Video(frame, duration)) => {
                writer.push_video(frame, duration)?;
                forward(&mut writer, &mut children);
                on_progress(RenditionProgress {
                    position_s: writer.position_s,
                    frames: writer.frames,
                });
            }
            Ok(Message::AudioPacket(packet)) => writer.push_audio_packet(packet)?,
            Ok(Message::End) => {
                writer.flush_filter()?;
                forward(&mut writer, &mut children);
                for child in children.drain(..) {
                    let _ = child.send(Message::End);
                }
                return writer.finish();
            }
            Err(_) => return Err(Error::Cancelled),
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
