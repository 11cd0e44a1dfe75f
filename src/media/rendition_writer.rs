//! One rendition's output file: its scale chain, video and audio encoders
//! and muxer. Frames go in at the source's timestamps; packets come out with
//! the durations the source gave its frames, so variable frame rate and the
//! last frame's duration survive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ffmpeg_next::{codec, encoder, format, frame, picture, Dictionary, Packet, Rational};

use super::audio_copy::{add_copy_stream, write_copied, AudioCopySource, CopyLane};
use super::colour::Colour;
use super::filter::Filter;
use super::frame_ref::video_ref;
use super::geometry::{Rotation, Size};
use super::hdr_metadata::HdrMetadata;
use super::metadata::SourceMetadata;
use super::plain_file;
use crate::error::{Error, Result};
use crate::presets::{Container, MetadataRule, Quality, RenditionSpec, VideoCodec};

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
    /// The source's audio stream, when the rendition copies it.
    pub audio: Option<&'a AudioCopySource>,
    /// Set when the rendition stays HDR: 10-bit, with this metadata.
    pub hdr: Option<&'a HdrMetadata>,
}

struct VideoLane {
    encoder: encoder::video::Encoder,
    chain: String,
    filter: Option<Filter>,
    /// The colour of the pictures fed in, and of those encoded.
    colour_in: Colour,
    colour_out: Colour,
    time_base: Rational,
    stream_index: usize,
    stream_time_base: Rational,
    /// Frame durations by presentation time, for packets the encoder leaves
    /// without one.
    durations: HashMap<i64, i64>,
    /// With a frame-rate cap, every frame lasts this long (encoder time
    /// base) and the filter's timestamps are rescaled to the encoder's.
    capped_duration: Option<i64>,
}

pub struct RenditionWriter {
    path: PathBuf,
    output: format::context::Output,
    video: VideoLane,
    /// The audio stream: packets encoded once for the job, or copied from
    /// the source.
    audio: Option<CopyLane>,
    /// Presentation time of the newest frame encoded, in seconds.
    pub position_s: f64,
    pub frames: u64,
    /// Whether scaled pictures are kept for smaller renditions made from
    /// this one (see `take_forwarded`).
    pub forwarding: bool,
    forwarded: Vec<(frame::Video, i64)>,
    filter_flushed: bool,
}

fn rational_from(q: Rational) -> Option<Rational> {
    (q.numerator() > 0 && q.denominator() > 0).then_some(q)
}

/// Encoder options: speed and, in constant-quality mode, the CRF (a
/// bitrate is set on the encoder context instead).
fn video_options(
    spec: &RenditionSpec,
    threads: usize,
    hdr: Option<&HdrMetadata>,
) -> Dictionary<'static> {
    let mut opts = Dictionary::new();
    opts.set("threads", &threads.to_string());
    let crf = match spec.quality {
        Quality::Crf(crf) => Some(crf.to_string()),
        Quality::BitrateKbps(_) => None,
    };
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
        (VideoCodec::Hevc, Some(hdr)) => opts.set(
            "x265-params",
            &format!("log-level=error:hdr10=1{}", hdr.x265_params()),
        ),
        (VideoCodec::Hevc, None) => opts.set("x265-params", "log-level=error"),
        (VideoCodec::Av1, Some(hdr)) if hdr.mastering.is_some() || hdr.content_light.is_some() => {
            opts.set("svtav1-params", &hdr.svtav1_params());
        }
        _ => {}
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

/// The frame rate to cap the source's at, when the rendition asks for one
/// lower than the source's.
fn fps_cap(spec: &RenditionSpec, source: Rational) -> Option<u32> {
    let max = spec.max_fps?;
    let source_fps = rational_from(source).map(f64::from)?;
    (source_fps > f64::from(max) + 0.01).then_some(max)
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
    ) -> Result<RenditionWriter> {
        let WriterSource {
            timing,
            metadata: tags,
            audio,
            hdr,
        } = source;
        let write_err = |e: ffmpeg_next::Error| Error::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let mut output = plain_file::create(path, spec.container.muxer()).map_err(write_err)?;
        let global_header = output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER);

        let video = open_video(&mut output, spec, size, timing, global_header, threads, hdr)?;
        let audio = match audio {
            Some(source) => Some(add_copy_stream(
                &mut output,
                source,
                spec.container.label(),
                path,
            )?),
            None => None,
        };

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
            audio,
            position_s: 0.0,
            frames: 0,
            forwarding: false,
            forwarded: Vec::new(),
            filter_flushed: false,
        };
        // The muxer may pick its own time bases when writing the header.
        writer.video.stream_time_base = writer.stream_time_base(writer.video.stream_index);
        if let Some(index) = writer.audio.as_ref().map(|c| c.stream_index) {
            let tb = writer.stream_time_base(index);
            if let Some(audio) = writer.audio.as_mut() {
                audio.stream_time_base = tb;
            }
        }
        Ok(writer)
    }

    fn stream_time_base(&self, index: usize) -> Rational {
        self.output
            .stream(index)
            .map(|s| s.time_base())
            .unwrap_or(Rational::new(1, 90_000))
    }

    /// Encodes one source picture shown for `duration` (source time base).
    pub fn push_video(&mut self, mut frame: frame::Video, duration: i64) -> Result<()> {
        let lane = &mut self.video;
        lane.colour_in.tag_frame(&mut frame);
        if lane.filter.is_none() {
            lane.filter = Some(Filter::video(&frame, lane.time_base, &lane.chain)?);
        }
        if let Some(pts) = frame.pts() {
            if lane.capped_duration.is_none() {
                lane.durations.insert(pts, duration);
            }
            self.position_s = (pts + duration) as f64 * f64::from(lane.time_base);
        }
        if let Some(filter) = lane.filter.as_mut() {
            filter.push(&frame)?;
        }
        self.frames += 1;
        self.drain_video_filter()
    }

    /// Muxes one audio packet (encoded for the job, or the source's own).
    pub fn push_audio_packet(&mut self, packet: Packet) -> Result<()> {
        match &self.audio {
            Some(lane) => write_copied(lane, packet, &mut self.output, &self.path),
            None => Ok(()),
        }
    }

    fn drain_video_filter(&mut self) -> Result<()> {
        // Out of the lane while draining, so the lane can write packets.
        let Some(mut filter) = self.video.filter.take() else {
            return Ok(());
        };
        let drained = self.drain_from(&mut filter);
        self.video.filter = Some(filter);
        drained
    }

    fn drain_from(&mut self, filter: &mut Filter) -> Result<()> {
        let lane = &mut self.video;
        let filtered_tb = filter.output_time_base();
        let mut scaled = frame::Video::empty();
        while filter.pull(&mut scaled) {
            scaled.set_kind(picture::Type::None);
            lane.colour_out.tag_frame(&mut scaled);
            if self.forwarding {
                let duration = scaled.pts().and_then(|p| lane.durations.get(&p).copied());
                self.forwarded
                    .push((video_ref(&scaled), duration.unwrap_or(0)));
            }
            if let Some(duration) = lane.capped_duration {
                let pts = scaled
                    .pts()
                    .map(|p| rescale(p, filtered_tb, lane.time_base));
                scaled.set_pts(pts);
                if let Some(pts) = pts {
                    lane.durations.insert(pts, duration);
                }
            }
            lane.encoder
                .send_frame(&scaled)
                .map_err(Error::ffmpeg("encoding a video frame"))?;
            lane.write_packets(&mut self.output, &self.path)?;
        }
        Ok(())
    }

    /// Scaled pictures kept for smaller renditions since the last call, with
    /// their durations.
    pub fn take_forwarded(&mut self) -> Vec<(frame::Video, i64)> {
        std::mem::take(&mut self.forwarded)
    }

    /// Ends the scale chain's input, so every scaled picture is out (and,
    /// when forwarding, in `take_forwarded`).
    pub fn flush_filter(&mut self) -> Result<()> {
        if self.filter_flushed {
            return Ok(());
        }
        self.filter_flushed = true;
        if let Some(filter) = self.video.filter.as_mut() {
            filter.finish()?;
        }
        self.drain_video_filter()
    }

    /// Flushes filters and encoders and writes the trailer. The file at the
    /// writer's path is complete when this returns `Ok`.
    pub fn finish(mut self) -> Result<()> {
        self.flush_filter()?;
        self.video
            .encoder
            .send_eof()
            .map_err(Error::ffmpeg("finishing the video encoder"))?;
        self.video.write_packets(&mut self.output, &self.path)?;
        self.output.write_trailer().map_err(|e| Error::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })
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
            packet.set_stream(self.stream_index);
            packet.rescale_ts(encoder_time_base, self.stream_time_base);
            packet.write_interleaved(output).map_err(|e| Error::Write {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

fn rescale(value: i64, from: Rational, to: Rational) -> i64 {
    use ffmpeg_next::Rescale;
    value.rescale(from, to)
}

fn find_encoder(name: &str) -> Result<ffmpeg_next::Codec> {
    encoder::find_by_name(name).ok_or_else(|| Error::EncoderMissing {
        encoder: name.to_owned(),
    })
}

fn open_video(
    output: &mut format::context::Output,
    spec: &RenditionSpec,
    size: Size,
    timing: &SourceTiming,
    global_header: bool,
    threads: usize,
    hdr: Option<&HdrMetadata>,
) -> Result<VideoLane> {
    // HDR stays 10-bit (H.265 Main 10, VP9 profile 2, AV1 10-bit).
    let (pixel, pixel_name) = match hdr {
        Some(_) => (format::Pixel::YUV420P10LE, "yuv420p10le"),
        None => (format::Pixel::YUV420P, "yuv420p"),
    };
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
    enc.set_time_base(timing.video_time_base);
    match cap {
        Some(fps) => enc.set_frame_rate(Some(Rational::new(fps as i32, 1))),
        None => enc.set_frame_rate(rational_from(timing.frame_rate)),
    }
    if let Quality::BitrateKbps(kbps) = spec.quality {
        enc.set_bit_rate(kbps as usize * 1000);
    }
    if global_header {
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    let enc = enc
        .open_with(video_options(spec, threads, hdr))
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
    // Scale first, then rotate: turning the smaller picture costs less.
    let before_rotation = size.unrotated(timing.rotation);
    // A frame-rate cap drops frames first, so fewer are scaled.
    let fps_filter = cap.map(|fps| format!("fps={fps},")).unwrap_or_default();
    // The scale converts from the pictures' matrix and range to the
    // output's, read from the tags decided for the source (not the frames').
    let chain = format!(
        "{fps_filter}scale={}:{}:flags=bicubic{},{}setsar=1,format={pixel_name}",
        before_rotation.width,
        before_rotation.height,
        timing.colour.scale_options(Some(colour_out)),
        timing.rotation.filter_prefix()
    );
    Ok(VideoLane {
        encoder: enc,
        chain,
        filter: None,
        colour_in: timing.colour,
        colour_out,
        time_base: timing.video_time_base,
        stream_index,
        stream_time_base: timing.video_time_base,
        durations: HashMap::new(),
        capped_duration: cap
            .map(|fps| rescale(1, Rational::new(1, fps as i32), timing.video_time_base).max(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::find_preset;

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
        let opts = video_options(&hevc, 2, Some(&light));
        assert_eq!(
            opts.get("x265-params"),
            Some("log-level=error:hdr10=1:max-cll=800,300")
        );
        assert_eq!(
            video_options(&hevc, 2, None).get("x265-params"),
            Some("log-level=error")
        );
        let av1 = find_preset("av1").expect("built in").renditions[0].clone();
        assert_eq!(
            video_options(&av1, 2, Some(&light)).get("svtav1-params"),
            Some("content-light=800,300")
        );
        // Without metadata SVT-AV1 gets no parameters, SDR or not.
        let none = HdrMetadata::default();
        assert_eq!(
            video_options(&av1, 2, Some(&none)).get("svtav1-params"),
            None
        );
    }
}
