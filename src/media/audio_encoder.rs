//! Audio encoded once per job for every rendition that asks for the same
//! codec and bitrate: the web ladder's four MP4s share one AAC encode, and
//! each muxer takes the packets as if copying a stream. Runs on the decode
//! thread; audio costs little next to video.

use ffmpeg_next::{codec, encoder, format, frame, ChannelLayout, Packet, Rational, Rescale};

use super::audio_copy::AudioCopySource;
use super::filter::Filter;
use crate::error::{Error, Result};
use crate::presets::AudioCodec;

pub struct SharedAudioEncoder {
    encoder: encoder::audio::Encoder,
    chain: String,
    frame_size: Option<u32>,
    filter: Option<Filter>,
    /// Time base of the decoded frames fed in.
    source_time_base: Rational,
}

impl SharedAudioEncoder {
    pub fn open(
        audio: AudioCodec,
        bitrate_kbps: u32,
        source_time_base: Rational,
    ) -> Result<SharedAudioEncoder> {
        let codec =
            encoder::find_by_name(audio.encoder_name()).ok_or_else(|| Error::EncoderMissing {
                encoder: audio.encoder_name().to_owned(),
            })?;
        let sample_format = codec
            .audio()
            .ok()
            .and_then(|a| a.formats())
            .and_then(|mut f| f.next())
            .unwrap_or(format::Sample::F32(format::sample::Type::Planar));
        let rate = audio.sample_rate();
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(Error::ffmpeg("setting up the audio encoder"))?;
        enc.set_rate(rate as i32);
        enc.set_channel_layout(ChannelLayout::STEREO);
        enc.set_format(sample_format);
        enc.set_bit_rate(bitrate_kbps as usize * 1000);
        enc.set_time_base(Rational::new(1, rate as i32));
        // MP4 and WebM both keep codec headers out of band; the packets are
        // muxed into either.
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
        let encoder = enc.open().map_err(Error::ffmpeg(format!(
            "opening the {} encoder",
            codec.name()
        )))?;
        let frame_size = (!codec
            .capabilities()
            .contains(codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE))
        .then(|| encoder.frame_size());
        Ok(SharedAudioEncoder {
            chain: format!(
                "aresample={rate},aformat=sample_fmts={}:channel_layouts=stereo",
                sample_format.name()
            ),
            encoder,
            frame_size,
            filter: None,
            source_time_base,
        })
    }

    /// What a muxer needs to take this encoder's packets.
    pub fn stream_source(&self) -> AudioCopySource {
        AudioCopySource::from_encoder(&self.encoder, self.encoder.time_base())
    }

    /// Encodes one decoded frame; ready packets are appended to `out`.
    pub fn push(&mut self, frame: &frame::Audio, out: &mut Vec<Packet>) -> Result<()> {
        if self.filter.is_none() {
            self.filter = Some(Filter::audio(
                frame,
                self.source_time_base,
                &self.chain,
                self.frame_size,
            )?);
        }
        if let Some(filter) = self.filter.as_mut() {
            filter.push(&super::frame_ref::audio_ref(frame))?;
        }
        self.drain(out)
    }

    /// Flushes the filter and the encoder.
    pub fn finish(&mut self, out: &mut Vec<Packet>) -> Result<()> {
        if let Some(filter) = self.filter.as_mut() {
            filter.finish()?;
        }
        self.drain(out)?;
        self.encoder
            .send_eof()
            .map_err(Error::ffmpeg("finishing the audio encoder"))?;
        receive(&mut self.encoder, out);
        Ok(())
    }

    fn drain(&mut self, out: &mut Vec<Packet>) -> Result<()> {
        let Some(filter) = self.filter.as_mut() else {
            return Ok(());
        };
        let filtered_tb = filter.output_time_base();
        let encoder_tb = self.encoder.time_base();
        let mut samples = frame::Audio::empty();
        while filter.pull(&mut samples) {
            let pts = samples.pts().map(|p| p.rescale(filtered_tb, encoder_tb));
            samples.set_pts(pts);
            self.encoder
                .send_frame(&samples)
                .map_err(Error::ffmpeg("encoding audio"))?;
            receive(&mut self.encoder, out);
        }
        Ok(())
    }
}

/// Moves the packets the encoder has ready into `out`.
fn receive(encoder: &mut encoder::audio::Encoder, out: &mut Vec<Packet>) {
    let mut packet = Packet::empty();
    while encoder.receive_packet(&mut packet).is_ok() {
        out.push(std::mem::replace(&mut packet, Packet::empty()));
    }
}
