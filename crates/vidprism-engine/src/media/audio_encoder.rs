//! Audio encoded once per job for every rendition that asks for the same
//! track, codec, bitrate, channels and loudness: the web ladder's four MP4s
//! share one AAC encode, and each muxer takes the packets as if copying a
//! stream. Runs on the decode thread; audio costs little next to video.
//!
//! Channels: stereo (mono stays mono) is a downmix by swresample from the
//! source's own layout with the standard matrix (centre and surrounds mixed
//! in at -3 dB, not the front pair alone); "source" keeps the layout where
//! the encoder takes it (AAC and Opus both carry 5.1). Loudness: FFmpeg's
//! `loudnorm` (EBU R128) in its single-pass dynamic mode, the only one a
//! stream read once allows.

use ffmpeg_next::{codec, encoder, format, frame, ChannelLayout, Packet, Rational, Rescale};

use super::audio_copy::AudioCopySource;
use super::filter::Filter;
use crate::error::{Error, Result};
use crate::presets::{AudioCodec, Channels};

/// What one shared audio encode makes (besides the track it reads).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AudioSettings {
    pub codec: AudioCodec,
    pub bitrate_kbps: u32,
    pub channels: Channels,
    /// Integrated loudness target (LUFS), if any.
    pub loudness_lufs: Option<f64>,
}

/// The layout encoded: the source's under `Channels::Source` when the
/// encoder takes it (or another of its layouts with as many channels),
/// stereo otherwise; mono stays mono. `supported` is `None` when the
/// encoder takes any layout.
pub fn output_layout(
    source: ChannelLayout,
    rule: Channels,
    supported: Option<&[ChannelLayout]>,
) -> ChannelLayout {
    let count = source.channels();
    if count <= 1 {
        return ChannelLayout::MONO;
    }
    if rule == Channels::Stereo || count == 2 {
        return ChannelLayout::STEREO;
    }
    match supported {
        None => source,
        Some(layouts) if layouts.contains(&source) => source,
        Some(layouts) => layouts
            .iter()
            .copied()
            .find(|l| l.channels() == count)
            .unwrap_or(ChannelLayout::STEREO),
    }
}

pub struct SharedAudioEncoder {
    encoder: encoder::audio::Encoder,
    chain: String,
    frame_size: Option<u32>,
    filter: Option<Filter>,
    /// Time base of the decoded frames fed in.
    source_time_base: Rational,
}

impl SharedAudioEncoder {
    /// Opens an encoder of `settings` for a track of `source_layout`
    /// (its decoder's) whose frames are in `source_time_base`.
    pub fn open(
        settings: &AudioSettings,
        source_layout: ChannelLayout,
        source_time_base: Rational,
    ) -> Result<SharedAudioEncoder> {
        let audio = settings.codec;
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
        let supported: Option<Vec<ChannelLayout>> = codec
            .audio()
            .ok()
            .and_then(|a| a.channel_layouts())
            .map(|l| l.collect());
        let layout = output_layout(source_layout, settings.channels, supported.as_deref());
        let rate = audio.sample_rate();
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(Error::ffmpeg("setting up the audio encoder"))?;
        enc.set_rate(rate as i32);
        enc.set_channel_layout(layout);
        enc.set_channels(layout.channels());
        enc.set_format(sample_format);
        enc.set_bit_rate(settings.bitrate_kbps as usize * 1000);
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
        let loudnorm = settings
            .loudness_lufs
            .map(|lufs| format!("loudnorm=I={lufs:.1}:TP=-1.5:LRA=11,"))
            .unwrap_or_default();
        Ok(SharedAudioEncoder {
            chain: format!(
                "{loudnorm}aresample={rate},aformat=sample_fmts={}:channel_layouts=0x{:x}",
                sample_format.name(),
                layout.bits()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_downmixes_and_source_keeps_what_the_encoder_takes() {
        let five_one = ChannelLayout::_5POINT1;
        let aac_like = [ChannelLayout::STEREO, ChannelLayout::_5POINT1_BACK];
        assert_eq!(
            output_layout(five_one, Channels::Stereo, None),
            ChannelLayout::STEREO
        );
        assert_eq!(
            output_layout(ChannelLayout::MONO, Channels::Stereo, None),
            ChannelLayout::MONO
        );
        assert_eq!(
            output_layout(ChannelLayout::MONO, Channels::Source, None),
            ChannelLayout::MONO
        );
        assert_eq!(output_layout(five_one, Channels::Source, None), five_one);
        // 5.1 with side surrounds becomes the encoder's 5.1 (back).
        assert_eq!(
            output_layout(five_one, Channels::Source, Some(&aac_like)),
            ChannelLayout::_5POINT1_BACK
        );
        // No layout of as many channels: stereo.
        assert_eq!(
            output_layout(ChannelLayout::_7POINT1, Channels::Source, Some(&aac_like)),
            ChannelLayout::STEREO
        );
    }
}
