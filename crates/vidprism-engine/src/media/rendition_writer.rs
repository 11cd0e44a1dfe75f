//! One rendition's output file: its video encoder, muxer, the audio and
//! subtitle streams it takes from the job's feeds, and its sidecar
//! subtitle files. Pictures come in scaled (`scaler.rs`), at the source's
//! timestamps; packets come out with the durations the source gave its
//! frames, so variable frame rate and the last frame's duration survive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ffmpeg_next::{codec, encoder, format, frame, picture, Dictionary, Packet, Rational};

use super::audio_copy::{add_copy_stream, write_copied, AudioCopySource, CopyLane};
use super::colour::Colour;
use super::geometry::{Rotation, Size};
use super::hdr_metadata::HdrMetadata;
use super::metadata::SourceMetadata;
use super::plain_file;
use super::quality::{Score, Scorer};
use super::scaler::{encoded_pixel, fps_cap, positive};
use crate::error::{Error, Result};
use crate::presets::{Container, MetadataRule, Quality, RenditionSpec, ScoreMode, VideoCodec};

/// What a writer needs to know about the streams it is fed.
#[derive(Clone, Copy)]
pub struct SourceTiming {
    pub video_time_base: Rational,
    pub frame_rate: Rational,
    pub rotation: Rotation,
    /// How the pictures' values are to be read.
    pub colour: Colour,
}

/// What a writer takes from the source besides its pictures and sound.
#[derive(Clone, Copy)]
pub struct WriterSource<'a> {
    pub timing: &'a SourceTiming,
    /// Tags and chapters, filtered by the rendition's rule when written.
    pub metadata: &'a SourceMetadata,
    /// The audio and subtitle streams muxed in, by feed index.
    pub streams: &'a [(usize, &'a AudioCopySource)],
    /// Sidecar WebVTT files: their feed, stream and (temporary) path.
    pub sidecars: &'a [(usize, &'a AudioCopySource, &'a Path)],
    /// Set when the rendition stays HDR: 10-bit, with this metadata.
    pub hdr: Option<&'a HdrMetadata>,
}

/// A subtitle track written beside the rendition as a WebVTT file.
struct Sidecar {
    feed: usize,
    path: PathBuf,
    output: format::context::Output,
    lane: CopyLane,
}

impl Sidecar {
    fn create(feed: usize, source: &AudioCopySource, path: &Path) -> Result<Sidecar> {
        let write_err = |e: ffmpeg_next::Error| Error::Write {
            path: path.to_path_buf(),
            reason: e.into(),
        };
        let mut output = plain_file::create(path, "webvtt").map_err(write_err)?;
        let mut lane = add_copy_stream(&mut output, source, "WebVTT", path)?;
        output.write_header().map_err(write_err)?;
        if let Some(stream) = output.stream(lane.stream_index) {
            lane.stream_time_base = stream.time_base();
        }
        Ok(Sidecar {
            feed,
            path: path.to_path_buf(),
            output,
            lane,
        })
    }
}

struct VideoLane {
    encoder: encoder::video::Encoder,
    time_base: Rational,
    stream_index: usize,
    stream_time_base: Rational,
    /// Frame durations by presentation time, for packets the encoder leaves
    /// without one.
    durations: HashMap<i64, i64>,
    /// Streaming rungs: keyframes fall on segment boundaries only.
    keyframes: Option<SegmentKeyframes>,
    /// Compares what the encoder is given with its packets decoded back.
    scorer: Option<Scorer>,
}

/// Where a streaming rung's keyframes go: on the first frame at or after
/// each multiple of `seconds` of the source's timestamps. Decided by the
/// pictures' own timestamps (which the cascade keeps), with integer
/// arithmetic, so every rung of a bundle puts them on the same frames.
struct SegmentKeyframes {
    seconds: u32,
    /// The index of the next segment to start; a frame at or past its
    /// start becomes a keyframe.
    next: i64,
}

impl SegmentKeyframes {
    /// Whether the picture at `pts` (in `time_base`) starts a segment.
    fn starts_segment(&mut self, pts: i64, time_base: Rational) -> bool {
        let num = i128::from(time_base.numerator());
        let den = i128::from(time_base.denominator()) * i128::from(self.seconds);
        if den <= 0 || num <= 0 {
            return false;
        }
        let index = i128::from(pts) * num;
        let index = index.div_euclid(den) as i64;
        if index >= self.next {
            self.next = index + 1;
            true
        } else {
            false
        }
    }
}

pub struct RenditionWriter {
    path: PathBuf,
    output: format::context::Output,
    video: VideoLane,
    /// The audio and subtitle streams, by feed index: packets encoded once
    /// for the job, or copied from the source.
    streams: Vec<(usize, CopyLane)>,
    sidecars: Vec<Sidecar>,
    /// Presentation time of the newest frame encoded, in seconds.
    pub position_s: f64,
    pub frames: u64,
}

/// Encoder options: speed and, in constant-quality mode, the CRF (a
/// bitrate is set on the encoder context instead), with its ceiling when
/// capped. Streaming rungs (`segment_gop`: their GOP length) get keyframes
/// only where they are forced: no scene-cut keyframes, closed GOPs, forced
/// frames made IDR. A rendition that stays HDR (`hdr`) carries its HDR10
/// signalling and the source's mastering metadata.
fn video_options(
    spec: &RenditionSpec,
    threads: usize,
    segment_gop: Option<u64>,
    hdr: Option<&HdrMetadata>,
    fine_crf: Option<f64>,
) -> Dictionary<'static> {
    // Encoder-private parameter lists, joined with ':' at the end.
    let mut x265 = vec!["log-level=error".to_owned()];
    let mut svtav1: Vec<String> = Vec::new();
    let mut opts = Dictionary::new();
    opts.set("threads", &threads.to_string());
    let crf = match (spec.quality.crf(), fine_crf) {
        (Some(_), Some(fine)) if takes_fractional_crf(spec.video) => Some(format!("{fine:.1}")),
        (crf, _) => crf.map(|crf| crf.to_string()),
    };
    if let Quality::CappedCrf {
        maxrate_kbps,
        bufsize_kbps,
        ..
    } = spec.quality
    {
        opts.set("maxrate", &(u64::from(maxrate_kbps) * 1000).to_string());
        opts.set("bufsize", &(u64::from(bufsize_kbps) * 1000).to_string());
    }
    if let Some(gop) = segment_gop {
        opts.set("g", &gop.to_string());
        opts.set("forced-idr", "1");
        match spec.video {
            VideoCodec::H264 => opts.set("x264-params", "scenecut=0:open-gop=0"),
            // Closed GOPs (IDR key frames), no scene-change keyframes.
            VideoCodec::Av1 => svtav1.push("irefresh-type=2:scd=0".to_owned()),
            VideoCodec::Hevc => x265.push("scenecut=0:open-gop=0".to_owned()),
            VideoCodec::Vp9 => {}
        }
    }
    match spec.video {
        VideoCodec::H264 | VideoCodec::Hevc | VideoCodec::Av1 => {
            opts.set("preset", &spec.speed);
        }
        VideoCodec::Vp9 => {
            opts.set("row-mt", "1");
            opts.set("deadline", "good");
            opts.set("cpu-used", &spec.speed);
        }
    }
    match (spec.video, hdr) {
        // HDR10 signalling and the source's metadata as SEI.
        (VideoCodec::Hevc, Some(hdr)) => {
            x265.push(format!("hdr10=1{}", hdr.x265_params()));
        }
        (VideoCodec::Av1, Some(hdr)) if hdr.mastering.is_some() || hdr.content_light.is_some() => {
            svtav1.push(hdr.svtav1_params());
        }
        _ => {}
    }
    if spec.video == VideoCodec::Hevc {
        opts.set("x265-params", &x265.join(":"));
    }
    if !svtav1.is_empty() {
        opts.set("svtav1-params", &svtav1.join(":"));
    }
    if let Some(crf) = &crf {
        opts.set("crf", crf);
        if spec.video == VideoCodec::Vp9 {
            // Constant quality: no bitrate ceiling.
            opts.set("b", "0");
        }
    }
    opts
}

/// Whether `codec`'s encoder takes a fractional CRF: x264's and x265's
/// rate factor is a real number; libvpx's and SVT-AV1's quantizer levels
/// are whole.
pub fn takes_fractional_crf(codec: VideoCodec) -> bool {
    matches!(codec, VideoCodec::H264 | VideoCodec::Hevc)
}

/// What the job adds to a rendition's preset for its encoder.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tuning {
    /// A streaming rung's segment length: keyframes forced on it.
    pub segment_seconds: Option<u32>,
    /// A fractional CRF in place of the preset's whole one, for encoders
    /// that take one.
    pub fine_crf: Option<f64>,
}

impl RenditionWriter {
    /// Opens the encoders and writes the file header at `path`.
    pub fn create(
        path: &Path,
        spec: &RenditionSpec,
        size: Size,
        metadata: MetadataRule,
        threads: usize,
        source: WriterSource<'_>,
        tuning: Tuning,
    ) -> Result<RenditionWriter> {
        let segment_seconds = tuning.segment_seconds;
        let WriterSource {
            timing,
            metadata: tags,
            streams,
            sidecars,
            hdr,
        } = source;
        let write_err = |e: ffmpeg_next::Error| Error::Write {
            path: path.to_path_buf(),
            reason: e.into(),
        };
        let mut output = plain_file::create(path, spec.container.muxer()).map_err(write_err)?;
        let global_header = output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER);

        let setup = EncoderSetup {
            threads,
            global_header,
            hdr,
            tuning,
        };
        let mut video = open_video(&mut output, spec, size, timing, setup)?;
        video.keyframes = segment_seconds.map(|seconds| SegmentKeyframes { seconds, next: 0 });
        let streams = streams
            .iter()
            .map(|(feed, source)| {
                add_copy_stream(&mut output, source, spec.container.label(), path)
                    .map(|lane| (*feed, lane))
            })
            .collect::<Result<Vec<_>>>()?;
        let sidecars = sidecars
            .iter()
            .map(|(feed, source, path)| Sidecar::create(*feed, source, path))
            .collect::<Result<Vec<_>>>()?;

        let metadata_keys = tags
            .write_into(&mut output, metadata, spec.container)
            .map_err(write_err)?;
        let mut header_opts = Dictionary::new();
        if spec.container == Container::Mp4 {
            let flags = if metadata_keys {
                "+faststart+use_metadata_tags"
            } else {
                "+faststart"
            };
            header_opts.set("movflags", flags);
        }
        output.write_header_with(header_opts).map_err(write_err)?;
        let mut writer = RenditionWriter {
            path: path.to_path_buf(),
            output,
            video,
            streams,
            sidecars,
            position_s: 0.0,
            frames: 0,
        };
        // The muxer may pick its own time bases when writing the header.
        writer.video.stream_time_base = writer.stream_time_base(writer.video.stream_index);
        for (_, lane) in &mut writer.streams {
            if let Some(stream) = writer.output.stream(lane.stream_index) {
                lane.stream_time_base = stream.time_base();
            }
        }
        Ok(writer)
    }

    /// Scores the rendition as `mode` says (see `media::quality`): its
    /// score comes out of [`finish`](Self::finish).
    pub fn score(&mut self, mode: ScoreMode) -> Result<()> {
        self.video.scorer = Scorer::new(mode, &self.video.encoder, self.video.encoder.time_base())?;
        Ok(())
    }

    fn stream_time_base(&self, index: usize) -> Rational {
        self.output
            .stream(index)
            .map(|s| s.time_base())
            .unwrap_or(Rational::new(1, 90_000))
    }

    /// Encodes one picture made by the rendition's scale chain, shown for
    /// `duration` (source time base).
    pub fn push_video(&mut self, mut scaled: frame::Video, duration: i64) -> Result<()> {
        let lane = &mut self.video;
        scaled.set_kind(picture::Type::None);
        if let Some(pts) = scaled.pts() {
            lane.durations.insert(pts, duration);
            self.position_s = (pts + duration) as f64 * f64::from(lane.time_base);
            if let Some(keys) = lane.keyframes.as_mut() {
                if keys.starts_segment(pts, lane.time_base) {
                    scaled.set_kind(picture::Type::I);
                }
            }
        }
        if let Some(scorer) = lane.scorer.as_mut() {
            scorer.offer(&scaled);
        }
        lane.encoder
            .send_frame(&scaled)
            .map_err(Error::ffmpeg("encoding a video frame"))?;
        self.frames += 1;
        lane.write_packets(&mut self.output, &self.path)
    }

    /// Muxes one audio or subtitle packet of feed `feed` (encoded for the
    /// job, or the source's own) into the file and its sidecars.
    pub fn push_packet(&mut self, feed: usize, packet: Packet) -> Result<()> {
        for sidecar in self.sidecars.iter_mut().filter(|s| s.feed == feed) {
            write_copied(
                &sidecar.lane,
                packet.clone(),
                &mut sidecar.output,
                &sidecar.path,
            )?;
        }
        for (_, lane) in self.streams.iter().filter(|(f, _)| *f == feed) {
            write_copied(lane, packet.clone(), &mut self.output, &self.path)?;
        }
        Ok(())
    }

    /// Flushes the encoders and writes the trailer. The file at the
    /// writer's path is complete when this returns `Ok`, with its score
    /// when it was scored.
    pub fn finish(mut self) -> Result<Option<Score>> {
        self.video
            .encoder
            .send_eof()
            .map_err(Error::ffmpeg("finishing the video encoder"))?;
        self.video.write_packets(&mut self.output, &self.path)?;
        let score = match self.video.scorer.take() {
            Some(scorer) => scorer.finish()?,
            None => None,
        };
        for sidecar in &mut self.sidecars {
            sidecar.output.write_trailer().map_err(|e| Error::Write {
                path: sidecar.path.clone(),
                reason: e.into(),
            })?;
        }
        self.output.write_trailer().map_err(|e| Error::Write {
            path: self.path.clone(),
            reason: e.into(),
        })?;
        Ok(score)
    }
}

impl VideoLane {
    /// Moves every packet the encoder has ready into the file, with its
    /// frame's duration back (encoders with delay leave it at zero).
    fn write_packets(&mut self, output: &mut format::context::Output, path: &Path) -> Result<()> {
        let encoder_time_base = self.encoder.time_base();
        let mut packet = Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            if let Some(duration) = packet.pts().and_then(|p| self.durations.remove(&p)) {
                packet.set_duration(duration);
            }
            if let Some(scorer) = self.scorer.as_mut() {
                scorer.packet(&packet)?;
            }
            packet.set_stream(self.stream_index);
            packet.rescale_ts(encoder_time_base, self.stream_time_base);
            packet.write_interleaved(output).map_err(|e| Error::Write {
                path: path.to_path_buf(),
                reason: e.into(),
            })?;
        }
        Ok(())
    }
}

fn find_encoder(name: &str) -> Result<ffmpeg_next::Codec> {
    encoder::find_by_name(name).ok_or_else(|| Error::EncoderMissing {
        encoder: name.to_owned(),
    })
}

/// The GOP length of a streaming rung, in frames. x264 and x265 take the
/// forced keyframes, so their GOP is longer than any segment. SVT-AV1 in
/// FFmpeg 5.1 ignores forced keyframes: its GOP is the segment's length in
/// frames, which puts its keyframes on the segment boundaries for a
/// constant, whole frame rate (25, 30, 50, 60 fps; not 29.97).
fn segment_gop(spec: &RenditionSpec, seconds: u32, cap: Option<u32>, timing: &SourceTiming) -> u64 {
    let fps = cap
        .map(f64::from)
        .or_else(|| positive(timing.frame_rate).map(f64::from));
    match (spec.video, fps) {
        (VideoCodec::Av1, Some(fps)) => ((f64::from(seconds) * fps).round() as u64).max(1),
        _ => 100_000,
    }
}

/// How a rendition's video encoder is set up beyond its spec and size.
struct EncoderSetup<'a> {
    threads: usize,
    /// The muxer wants codec headers out of band.
    global_header: bool,
    /// Set when the rendition stays HDR.
    hdr: Option<&'a HdrMetadata>,
    tuning: Tuning,
}

fn open_video(
    output: &mut format::context::Output,
    spec: &RenditionSpec,
    size: Size,
    timing: &SourceTiming,
    setup: EncoderSetup<'_>,
) -> Result<VideoLane> {
    let EncoderSetup {
        threads,
        global_header,
        hdr,
        tuning,
    } = setup;
    // HDR stays 10-bit (H.265 Main 10, VP9 profile 2, AV1 10-bit).
    let (pixel, _) = encoded_pixel(hdr.is_some());
    let codec = find_encoder(spec.video.encoder_name())?;
    let mut enc = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(Error::ffmpeg("setting up the video encoder"))?;
    let cap = fps_cap(spec, timing.frame_rate);
    let colour_out = timing.colour.encoded();
    colour_out.tag_encoder(&mut enc);
    enc.set_width(size.width);
    enc.set_height(size.height);
    enc.set_format(pixel);
    enc.set_aspect_ratio(Rational::new(1, 1));
    // Whole pictures are encoded (an interlaced source is deinterlaced
    // first), and the stream says so.
    // SAFETY: the encoder context is valid and not yet opened.
    unsafe {
        (*enc.as_mut_ptr()).field_order = ffmpeg_next::ffi::AVFieldOrder::AV_FIELD_PROGRESSIVE;
    }
    enc.set_time_base(timing.video_time_base);
    match cap {
        Some(fps) => enc.set_frame_rate(Some(Rational::new(fps as i32, 1))),
        None => enc.set_frame_rate(positive(timing.frame_rate)),
    }
    if let Quality::BitrateKbps(kbps) = spec.quality {
        enc.set_bit_rate(kbps as usize * 1000);
    }
    if global_header {
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    let segment_gop = tuning
        .segment_seconds
        .map(|seconds| segment_gop(spec, seconds, cap, timing));
    let enc = enc
        .open_with(video_options(
            spec,
            threads,
            segment_gop,
            hdr,
            tuning.fine_crf,
        ))
        .map_err(Error::ffmpeg(format!(
            "opening the {} encoder",
            codec.name()
        )))?;
    let mut stream = output
        .add_stream(codec)
        .map_err(Error::ffmpeg("adding the video stream"))?;
    stream.set_parameters(&enc);
    stream.set_time_base(timing.video_time_base);
    if let Some(hdr) = hdr {
        hdr.add_to_stream(&mut stream);
    }
    if spec.video == VideoCodec::Hevc && spec.container == Container::Mp4 {
        // "hvc1" rather than the default "hev1": Apple players require it.
        // SAFETY: the stream's codec parameters are valid and owned by `output`.
        unsafe {
            (*stream.parameters().as_mut_ptr()).codec_tag = u32::from_le_bytes(*b"hvc1");
        }
    }
    let stream_index = stream.index();
    Ok(VideoLane {
        encoder: enc,
        time_base: timing.video_time_base,
        stream_index,
        stream_time_base: timing.video_time_base,
        durations: HashMap::new(),
        keyframes: None,
        scorer: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_keyframes_fall_on_the_first_frame_at_or_after_each_boundary() {
        // 30000/1001 fps in a 1/30000 time base: frames every 1001 ticks.
        let tb = Rational::new(1, 30_000);
        let mut keys = SegmentKeyframes {
            seconds: 4,
            next: 0,
        };
        let chosen: Vec<i64> = (0..400)
            .map(|n| n * 1001)
            .filter(|&pts| keys.starts_segment(pts, tb))
            .collect();
        // 4 s = 120000 ticks: frame 120 is at 120120, the first at or after.
        assert_eq!(chosen, [0, 120 * 1001, 240 * 1001, 360 * 1001]);
        // A gap (dropped frames, VFR) longer than a segment: one keyframe.
        let mut keys = SegmentKeyframes {
            seconds: 2,
            next: 0,
        };
        let tb = Rational::new(1, 1000);
        let chosen: Vec<i64> = [0, 500, 1999, 2000, 2500, 9000, 9100, 10_000]
            .into_iter()
            .filter(|&pts| keys.starts_segment(pts, tb))
            .collect();
        assert_eq!(chosen, [0, 2000, 9000, 10_000]);
        // Negative timestamps (before the start) round down, not to zero.
        let mut keys = SegmentKeyframes {
            seconds: 1,
            next: -5,
        };
        assert!(keys.starts_segment(-1500, tb));
        assert!(!keys.starts_segment(-1200, tb));
        assert!(keys.starts_segment(-1000, tb));
    }

    use crate::presets::find_preset;

    #[test]
    fn a_fractional_crf_reaches_only_encoders_that_take_one() {
        for (preset, fraction) in [
            ("web", true),
            ("hevc", true),
            ("webm", false),
            ("av1", false),
        ] {
            let spec = find_preset(preset).expect("built in").renditions[0].clone();
            let whole = spec.quality.crf().expect("a CRF").to_string();
            let crf = video_options(&spec, 2, None, None, Some(23.62));
            let want = if fraction { "23.6" } else { whole.as_str() };
            assert_eq!(crf.get("crf"), Some(want), "{preset}");
            assert_eq!(
                video_options(&spec, 2, None, None, None).get("crf"),
                Some(whole.as_str())
            );
        }
    }

    #[test]
    fn hdr_renditions_pass_their_metadata_to_the_encoder() {
        let hevc = find_preset("hevc").expect("built in").renditions[0].clone();
        let light = HdrMetadata {
            mastering: None,
            content_light: Some(super::super::hdr_metadata::ContentLight {
                max_cll: 800,
                max_fall: 300,
            }),
        };
        let opts = video_options(&hevc, 2, None, Some(&light), None);
        assert_eq!(
            opts.get("x265-params"),
            Some("log-level=error:hdr10=1:max-cll=800,300")
        );
        assert_eq!(
            video_options(&hevc, 2, None, None, None).get("x265-params"),
            Some("log-level=error")
        );
        let av1 = find_preset("av1").expect("built in").renditions[0].clone();
        assert_eq!(
            video_options(&av1, 2, None, Some(&light), None).get("svtav1-params"),
            Some("content-light=800,300")
        );
        // Without metadata SVT-AV1 gets no parameters, SDR or not.
        let none = HdrMetadata::default();
        assert_eq!(
            video_options(&av1, 2, None, Some(&none), None).get("svtav1-params"),
            None
        );
    }
}
