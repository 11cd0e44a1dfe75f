//! Decode once, encode many: one thread reads and decodes the source and
//! hands every decoded frame, by reference, to one encoder thread per
//! rendition over a bounded channel.
//!
//! A rendition whose encoder fails drops its channel and the others go on. A
//! rendition only finalises its file after an explicit end-of-stream message,
//! so a cancelled or failed decode can never leave a short file behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{bounded, Receiver, Sender};
use ffmpeg_next::{format, frame, Packet, Rational, Rescale};

use super::audio_copy::AudioCopySource;
use super::audio_encoder::SharedAudioEncoder;
use super::decode::{audio_decoder, first_audio_index, open_input, video_decoder};
use super::frame_ref::video_ref;
use super::geometry::{Rotation, Size};
use super::probe::{duration_s, stream_rotation};
use super::rendition_writer::{RenditionWriter, SourceTiming};
use crate::error::{Error, Result};
use crate::presets::{AudioSpec, RenditionSpec};

/// Frames queued per rendition: enough that a rendition briefly slower than
/// the others does not stall the rest, few enough to bound memory. Frames are
/// shared, so at most this many decoded pictures (3 MB each at 1080p) wait.
const FRAMES_IN_FLIGHT: usize = 8;

/// One output to make from the source.
#[derive(Clone, Debug)]
pub struct RenditionTarget {
    pub spec: RenditionSpec,
    pub size: Size,
    /// Where the file is written while it is incomplete.
    pub temp_path: PathBuf,
}

/// How far one rendition has got.
#[derive(Clone, Copy, Debug)]
pub struct RenditionProgress {
    /// Presentation time reached, in seconds.
    pub position_s: f64,
    pub frames: u64,
}

enum Message {
    Video(frame::Video, i64),
    /// An audio packet: encoded once for the job, or copied from the source.
    AudioPacket(Packet),
    End,
}

/// Where a rendition's audio comes from.
#[derive(Clone, Copy, PartialEq)]
enum AudioRoute {
    None,
    /// The source's own packets.
    Copy,
    /// The packets of the job's shared encoder with this index.
    Encoded(usize),
}

/// Transcodes `source` into every target. The outer error means the source
/// itself failed (every rendition with it); otherwise each rendition has its
/// own result, in the order of `targets`.
pub fn transcode(
    source: &Path,
    targets: &[RenditionTarget],
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(usize, RenditionProgress) + Sync),
) -> Result<Vec<Result<()>>> {
    let (mut input, video_index) = open_input(source)?;
    let audio_index = first_audio_index(&input);
    let decoder = video_decoder(&input, video_index, 0, source)?;
    let audio = audio_index.and_then(|i| Some((i, audio_decoder(&input, i)?)));

    let stream = input
        .stream(video_index)
        .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
    let video_time_base = stream.time_base();
    let frame_rate = [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
        .unwrap_or(Rational::new(25, 1));
    let timing = SourceTiming {
        video_time_base,
        frame_rate,
        rotation: stream_rotation(&stream),
    };
    let copy_source = audio_index
        .and_then(|i| input.stream(i))
        .map(|s| AudioCopySource::new(&s));
    // One encoder per distinct audio codec and bitrate, shared by every
    // rendition that asks for it.
    let mut encoders: Vec<SharedAudioEncoder> = Vec::new();
    let mut routes = Vec::with_capacity(targets.len());
    for target in targets {
        let route = match (target.spec.audio, &audio, &copy_source) {
            (AudioSpec::Copy, _, Some(_)) => AudioRoute::Copy,
            (
                AudioSpec::Encode {
                    codec,
                    bitrate_kbps,
                },
                Some((index, _)),
                _,
            ) => {
                let found = encoders
                    .iter()
                    .position(|e| e.codec == codec && e.bitrate_kbps == bitrate_kbps);
                let shared = match found {
                    Some(i) => i,
                    None => {
                        let time_base = input
                            .stream(*index)
                            .map(|s| s.time_base())
                            .unwrap_or(Rational::new(1, 48_000));
                        encoders.push(SharedAudioEncoder::open(codec, bitrate_kbps, time_base)?);
                        encoders.len() - 1
                    }
                };
                AudioRoute::Encoded(shared)
            }
            _ => AudioRoute::None,
        };
        routes.push(route);
    }
    let encoded_sources: Vec<AudioCopySource> = encoders
        .iter()
        .map(SharedAudioEncoder::stream_source)
        .collect();
    let expected_s = expected_video_end_s(&input, video_index);

    let child_timing = SourceTiming {
        rotation: Rotation::None,
        ..timing
    };
    std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(targets.len());
        let mut handles = Vec::with_capacity(targets.len());
        let threads = encoder_threads(targets);
        let parents = cascade_parents(targets);
        let mut receivers = Vec::with_capacity(targets.len());
        for _ in targets {
            let (tx, rx) = bounded(FRAMES_IN_FLIGHT);
            lanes.push(Some(tx));
            receivers.push(rx);
        }
        let children: Vec<Vec<Sender<Message>>> = (0..targets.len())
            .map(|p| {
                parents
                    .iter()
                    .zip(&lanes)
                    .filter(|(parent, _)| **parent == Some(p))
                    .filter_map(|(_, lane)| lane.clone())
                    .collect()
            })
            .collect();
        for (((index, target), threads), (rx, children)) in targets
            .iter()
            .enumerate()
            .zip(threads)
            .zip(receivers.into_iter().zip(children))
        {
            // A cascaded rendition gets pictures already upright.
            let timing = if parents[index].is_some() {
                &child_timing
            } else {
                &timing
            };
            let audio_source = match routes[index] {
                AudioRoute::None => None,
                AudioRoute::Copy => copy_source.as_ref(),
                AudioRoute::Encoded(i) => encoded_sources.get(i),
            };
            let handle = std::thread::Builder::new()
                .name(format!("encode {}", target.spec.name))
                .spawn_scoped(scope, move || {
                    encode_rendition(target, threads, timing, audio_source, rx, children, |p| {
                        on_progress(index, p)
                    })
                })
                .map_err(|e| Error::Internal(format!("cannot start an encoder thread: {e}")))?;
            handles.push(handle);
        }

        let mut decode = Decode {
            source,
            lanes,
            video_index,
            video_time_base,
            frame_rate,
            decoder,
            audio,
            copy: audio_index
                .zip(copy_source.as_ref().map(|c| c.time_base))
                .filter(|_| routes.contains(&AudioRoute::Copy)),
            encoders,
            routes,
            from_decoder: parents.iter().map(Option::is_none).collect(),
            origin_us: start_time_us(&input),
            pending: None,
            last_duration: 0,
            end_s: 0.0,
            frames: 0,
        };
        let decoded = decode.run(&mut input, cancel, expected_s);
        if decoded.is_ok() {
            // Cascaded renditions get their end from the rendition they are
            // scaled from, after its last picture.
            for (lane, _) in decode
                .lanes
                .iter()
                .zip(&decode.from_decoder)
                .filter(|(_, d)| **d)
            {
                if let Some(lane) = lane {
                    // A lane that hung up has already failed; its result says why.
                    let _ = lane.send(Message::End);
                }
            }
        }
        // Dropping the senders without `End` makes every encoder abandon its file.
        drop(decode);
        let results: Vec<Result<()>> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("an encoder thread panicked".into())))
            })
            .collect();
        decoded.map(|()| blame_parents(results, &parents, targets))
    })
}

fn encode_rendition(
    target: &RenditionTarget,
    threads: usize,
    timing: &SourceTiming,
    audio: Option<&AudioCopySource>,
    frames: Receiver<Message>,
    mut children: Vec<Sender<Message>>,
    on_progress: impl Fn(RenditionProgress),
) -> Result<()> {
    let mut writer = RenditionWriter::create(
        &target.temp_path,
        &target.spec,
        target.size,
        timing,
        threads,
        audio,
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

/// A cascaded rendition whose larger rendition failed never got its end;
/// say why instead of reporting it as cancelled.
fn blame_parents(
    mut results: Vec<Result<()>>,
    parents: &[Option<usize>],
    targets: &[RenditionTarget],
) -> Vec<Result<()>> {
    // Parents come before children in no particular order: repeat until
    // settled (cascades are at most a few levels deep).
    for _ in 0..targets.len() {
        for (child, parent) in parents.iter().enumerate() {
            let Some(parent) = *parent else { continue };
            let parent_failed = results[parent].is_err();
            if parent_failed && matches!(results[child], Err(Error::Cancelled)) {
                results[child] = Err(Error::UpstreamRendition {
                    rendition: targets[parent].spec.name.clone(),
                });
            }
        }
    }
    results
}

/// A rendition at most 1/`CASCADE_RATIO` of another's size is scaled from
/// that one's pictures instead of the source's: scaling 720p to 480p costs
/// about half of scaling 1080p to 480p, at no measurable loss of SSIM.
const CASCADE_RATIO: f64 = 1.4;

/// For each target, the smallest other target it can be scaled from, if any.
/// Renditions with a frame-rate cap keep their own timing and take part in
/// no cascade.
fn cascade_parents(targets: &[RenditionTarget]) -> Vec<Option<usize>> {
    let area = |t: &RenditionTarget| u64::from(t.size.width) * u64::from(t.size.height);
    targets
        .iter()
        .map(|child| {
            if child.spec.max_fps.is_some() {
                return None;
            }
            targets
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.spec.max_fps.is_none()
                        && f64::from(p.size.width) >= f64::from(child.size.width) * CASCADE_RATIO
                        && f64::from(p.size.height) >= f64::from(child.size.height) * CASCADE_RATIO
                })
                .min_by_key(|(_, p)| area(p))
                .map(|(i, _)| i)
        })
        .collect()
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

/// Where the video should end, and how far short of it still counts as
/// whole: tight for the video stream's own duration, loose for the
/// container's, which can include longer audio.
fn expected_video_end_s(input: &format::context::Input, video_index: usize) -> Option<(f64, f64)> {
    let stream = input.stream(video_index)?;
    if stream.duration() > 0 {
        let start = stream.start_time().max(0) as f64;
        let own = (start + stream.duration() as f64) * f64::from(stream.time_base());
        let origin = start_time_us(input) as f64 / 1e6;
        // A whole stream ends where its header says, give or take a frame
        // or two of rounding; MP4 demuxers report a cut file as a plain end.
        let frame_s = 1.0 / f64::from(stream.avg_frame_rate()).clamp(1.0, 240.0);
        return Some((own - origin, (2.5 * frame_s).max(0.1)));
    }
    duration_s(input, video_index).map(|d| (d, 1.0 + 0.05 * d))
}

/// The container's start time in microseconds: subtracted from every stream so
/// outputs start at zero and audio keeps its offset to the video.
fn start_time_us(input: &format::context::Input) -> i64 {
    // SAFETY: the format context pointer is valid while `input` is.
    let start = unsafe { (*input.as_ptr()).start_time };
    if start == ffmpeg_next::ffi::AV_NOPTS_VALUE {
        0
    } else {
        start
    }
}

struct Decode<'a> {
    source: &'a Path,
    lanes: Vec<Option<Sender<Message>>>,
    video_index: usize,
    video_time_base: Rational,
    frame_rate: Rational,
    decoder: ffmpeg_next::decoder::Video,
    audio: Option<(usize, ffmpeg_next::decoder::Audio)>,
    /// The audio stream copied by some renditions, and its time base.
    copy: Option<(usize, Rational)>,
    encoders: Vec<SharedAudioEncoder>,
    /// Where each lane's audio comes from.
    routes: Vec<AudioRoute>,
    /// Whether each lane gets its pictures from the decoder (or else from a
    /// larger rendition).
    from_decoder: Vec<bool>,
    origin_us: i64,
    /// The newest picture, held back until the next one tells its duration.
    pending: Option<frame::Video>,
    last_duration: i64,
    end_s: f64,
    frames: u64,
}

impl Decode<'_> {
    fn run(
        &mut self,
        input: &mut format::context::Input,
        cancel: &AtomicBool,
        expected_s: Option<(f64, f64)>,
    ) -> Result<()> {
        let mut packet = Packet::empty();
        let mut read_error = None;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            if self.lanes.iter().all(Option::is_none) {
                // Every rendition failed; their results say why.
                return Ok(());
            }
            match packet.read(input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
            if packet.stream() == self.video_index {
                // Undecodable packets (a stream starting without a keyframe,
                // damaged data) are skipped; missing pictures are caught below.
                let _ = self.decoder.send_packet(&packet);
                self.receive_video();
            } else {
                if self.copy.is_some_and(|(index, _)| index == packet.stream()) {
                    self.send_audio_packet(&packet);
                }
                if let Some((index, decoder)) = self.audio.as_mut() {
                    if packet.stream() == *index && decoder.send_packet(&packet).is_ok() {
                        self.receive_audio()?;
                    }
                }
            }
        }
        let _ = self.decoder.send_eof();
        self.receive_video();
        if let Some((_, decoder)) = self.audio.as_mut() {
            let _ = decoder.send_eof();
            self.receive_audio()?;
        }
        for index in 0..self.encoders.len() {
            let mut packets = Vec::new();
            self.encoders[index].finish(&mut packets)?;
            self.send_packets(AudioRoute::Encoded(index), packets);
        }
        if let Some(last) = self.pending.take() {
            let own = last.packet().duration;
            let duration = if own > 0 {
                own
            } else if self.last_duration > 0 {
                self.last_duration
            } else {
                self.frame_duration()
            };
            self.send_video(last, duration);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        if self.frames == 0 {
            return Err(Error::NoDecodableFrame {
                path: self.source.to_path_buf(),
            });
        }
        if let Some(e) = read_error {
            return Err(Error::Corrupt {
                path: self.source.to_path_buf(),
                detail: format!("reading stopped at {:.1} s: {e}", self.end_s),
            });
        }
        if let Some((expected, tolerance)) = expected_s {
            if self.end_s < expected - tolerance {
                return Err(Error::Corrupt {
                    path: self.source.to_path_buf(),
                    detail: format!(
                        "its video stops at {:.1} s of the {:.1} s it claims",
                        self.end_s, expected
                    ),
                });
            }
        }
        Ok(())
    }

    fn frame_duration(&self) -> i64 {
        1i64.rescale(self.frame_rate.invert(), self.video_time_base)
            .max(1)
    }

    fn receive_video(&mut self) {
        let mut frame = frame::Video::empty();
        while self.decoder.receive_frame(&mut frame).is_ok() {
            let offset = self
                .origin_us
                .rescale(Rational::new(1, 1_000_000), self.video_time_base);
            let previous = self.pending.as_ref().and_then(|p| p.pts());
            let guessed = previous.map(|p| p + self.last_duration.max(self.frame_duration()));
            let mut pts = frame
                .timestamp()
                .map(|t| t - offset)
                .or(guessed)
                .unwrap_or(0);
            if let Some(prev) = previous {
                // Timestamps must rise; broken files sometimes repeat them.
                pts = pts.max(prev + 1);
            }
            frame.set_pts(Some(pts));
            if let Some(prev) = self.pending.take() {
                let duration = pts - prev.pts().unwrap_or(pts);
                self.last_duration = duration;
                self.send_video(prev, duration);
            }
            self.pending = Some(std::mem::replace(&mut frame, frame::Video::empty()));
        }
    }

    fn send_video(&mut self, frame: frame::Video, duration: i64) {
        self.frames += 1;
        if let Some(pts) = frame.pts() {
            self.end_s = (pts + duration) as f64 * f64::from(self.video_time_base);
        }
        for (lane, _) in self
            .lanes
            .iter_mut()
            .zip(&self.from_decoder)
            .filter(|(_, d)| **d)
        {
            if let Some(tx) = lane {
                if tx
                    .send(Message::Video(video_ref(&frame), duration))
                    .is_err()
                {
                    *lane = None;
                }
            }
        }
    }

    /// Sends a copy of a source audio packet, shifted like the decoded
    /// streams, to the renditions that copy audio.
    fn send_audio_packet(&mut self, packet: &Packet) {
        let Some((_, time_base)) = self.copy else {
            return;
        };
        let offset = self
            .origin_us
            .rescale(Rational::new(1, 1_000_000), time_base);
        let mut shifted = packet.clone();
        shifted.set_pts(packet.pts().map(|t| t - offset));
        shifted.set_dts(packet.dts().map(|t| t - offset));
        self.send_packets(AudioRoute::Copy, vec![shifted]);
    }

    /// Sends audio packets to the renditions whose audio comes from `route`.
    fn send_packets(&mut self, route: AudioRoute, packets: Vec<Packet>) {
        for packet in packets {
            for (lane, _) in self
                .lanes
                .iter_mut()
                .zip(&self.routes)
                .filter(|(_, r)| **r == route)
            {
                if let Some(tx) = lane {
                    if tx.send(Message::AudioPacket(packet.clone())).is_err() {
                        *lane = None;
                    }
                }
            }
        }
    }

    /// Decodes the audio the decoder has ready and encodes it once per
    /// shared encoder.
    fn receive_audio(&mut self) -> Result<()> {
        let Some((_, decoder)) = self.audio.as_mut() else {
            return Ok(());
        };
        let time_base = Rational::new(1, 1_000_000);
        let stream_tb = decoder.packet_time_base();
        let offset = self.origin_us.rescale(time_base, stream_tb);
        let mut frame = frame::Audio::empty();
        let mut decoded = Vec::new();
        while decoder.receive_frame(&mut frame).is_ok() {
            let pts = frame.timestamp().map(|t| t - offset);
            frame.set_pts(pts);
            decoded.push(std::mem::replace(&mut frame, frame::Audio::empty()));
        }
        for frame in decoded {
            for index in 0..self.encoders.len() {
                let mut packets = Vec::new();
                self.encoders[index].push(&frame, &mut packets)?;
                self.send_packets(AudioRoute::Encoded(index), packets);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::find_preset;

    fn ladder(sizes: &[(u32, u32)], cap_last: bool) -> Vec<RenditionTarget> {
        let spec = find_preset("web").expect("web").renditions[0].clone();
        sizes
            .iter()
            .enumerate()
            .map(|(i, &(w, h))| {
                let mut spec = spec.clone();
                if cap_last && i == sizes.len() - 1 {
                    spec.max_fps = Some(10);
                }
                RenditionTarget {
                    spec,
                    size: Size::new(w, h),
                    temp_path: PathBuf::from(format!("{i}.mp4")),
                }
            })
            .collect()
    }

    #[test]
    fn smaller_renditions_are_scaled_from_the_nearest_much_larger_one() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (854, 480), (640, 360)], false);
        assert_eq!(cascade_parents(&targets), [None, Some(0), Some(1), Some(1)]);
    }

    #[test]
    fn capped_renditions_stay_out_of_cascades() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (640, 360)], true);
        assert_eq!(cascade_parents(&targets), [None, Some(0), None]);
    }

    #[test]
    fn a_child_of_a_failed_rendition_says_so() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (640, 360)], false);
        let results = vec![
            Err(Error::Internal("encoder broke".into())),
            Err(Error::Cancelled),
            Err(Error::Cancelled),
        ];
        let blamed = blame_parents(results, &[None, Some(0), Some(1)], &targets);
        assert!(
            matches!(&blamed[1], Err(Error::UpstreamRendition { rendition }) if rendition == "1080p")
        );
        assert!(
            matches!(&blamed[2], Err(Error::UpstreamRendition { rendition }) if rendition == "1080p")
        );
    }
}
