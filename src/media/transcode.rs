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
use super::decode::{audio_decoder, first_audio_index, open_input, video_decoder};
use super::frame_ref::{audio_ref, video_ref};
use super::geometry::Size;
use super::probe::{duration_s, stream_rotation};
use super::rendition_writer::{RenditionWriter, SourceTiming};
use crate::error::{Error, Result};
use crate::presets::{AudioSpec, RenditionSpec};

/// Frames queued per rendition: enough to keep encoders busy, few enough to
/// bound memory (a 1080p frame is 3 MB).
const FRAMES_IN_FLIGHT: usize = 4;

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
    Audio(frame::Audio),
    /// A source audio packet, for renditions that copy the audio.
    AudioPacket(Packet),
    End,
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
        audio_time_base: audio
            .as_ref()
            .and_then(|(i, _)| input.stream(*i).map(|s| s.time_base())),
        audio_copy: None,
    };
    let copies = targets.iter().any(|t| t.spec.audio == AudioSpec::Copy);
    let copy_index = audio_index.filter(|_| copies);
    let timing = SourceTiming {
        audio_copy: copy_index
            .and_then(|i| input.stream(i))
            .map(|s| AudioCopySource::new(&s)),
        ..timing
    };
    let expected_s = expected_video_end_s(&input, video_index);

    std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(targets.len());
        let mut handles = Vec::with_capacity(targets.len());
        for (index, target) in targets.iter().enumerate() {
            let (tx, rx) = bounded(FRAMES_IN_FLIGHT);
            let timing = &timing;
            let handle = std::thread::Builder::new()
                .name(format!("encode {}", target.spec.name))
                .spawn_scoped(scope, move || {
                    encode_rendition(target, timing, rx, |p| on_progress(index, p))
                })
                .map_err(|e| Error::Internal(format!("cannot start an encoder thread: {e}")))?;
            lanes.push(Some(tx));
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
            copy: copy_index.and_then(|i| Some((i, input.stream(i)?.time_base()))),
            origin_us: start_time_us(&input),
            pending: None,
            last_duration: 0,
            end_s: 0.0,
            frames: 0,
        };
        let decoded = decode.run(&mut input, cancel, expected_s);
        if decoded.is_ok() {
            for lane in decode.lanes.iter().flatten() {
                // A lane that hung up has already failed; its result says why.
                let _ = lane.send(Message::End);
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
        decoded.map(|()| results)
    })
}

fn encode_rendition(
    target: &RenditionTarget,
    timing: &SourceTiming,
    frames: Receiver<Message>,
    on_progress: impl Fn(RenditionProgress),
) -> Result<()> {
    let mut writer = RenditionWriter::create(&target.temp_path, &target.spec, target.size, timing)?;
    loop {
        match frames.recv() {
            Ok(Message::Video(frame, duration)) => {
                writer.push_video(frame, duration)?;
                on_progress(RenditionProgress {
                    position_s: writer.position_s,
                    frames: writer.frames,
                });
            }
            Ok(Message::Audio(frame)) => writer.push_audio(frame)?,
            Ok(Message::AudioPacket(packet)) => writer.push_audio_packet(packet)?,
            Ok(Message::End) => return writer.finish(),
            Err(_) => return Err(Error::Cancelled),
        }
    }
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
                        self.receive_audio();
                    }
                }
            }
        }
        let _ = self.decoder.send_eof();
        self.receive_video();
        if let Some((_, decoder)) = self.audio.as_mut() {
            let _ = decoder.send_eof();
            self.receive_audio();
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
        for lane in self.lanes.iter_mut() {
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
    /// streams, to every rendition.
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
        for lane in self.lanes.iter_mut() {
            if let Some(tx) = lane {
                if tx.send(Message::AudioPacket(shifted.clone())).is_err() {
                    *lane = None;
                }
            }
        }
    }

    fn receive_audio(&mut self) {
        let Some((_, decoder)) = self.audio.as_mut() else {
            return;
        };
        let time_base = Rational::new(1, 1_000_000);
        let mut frame = frame::Audio::empty();
        while decoder.receive_frame(&mut frame).is_ok() {
            let stream_tb = decoder.packet_time_base();
            let offset = self.origin_us.rescale(time_base, stream_tb);
            let pts = frame.timestamp().map(|t| t - offset);
            frame.set_pts(pts);
            for lane in self.lanes.iter_mut() {
                if let Some(tx) = lane {
                    if tx.send(Message::Audio(audio_ref(&frame))).is_err() {
                        *lane = None;
                    }
                }
            }
        }
    }
}
