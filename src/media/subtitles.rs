//! Subtitles: which of the source's subtitle tracks can be carried (text
//! ones: SubRip, ASS, mov_text, WebVTT), the shared encoders that turn
//! their decoded events into what a container holds (mov_text in MP4,
//! WebVTT in WebM and in sidecar `.vtt` files), and the record of tracks
//! left out (picture subtitles: PGS, DVB, VobSub), which the
//! `rendition_done` event reports.
//!
//! Like audio, each track is decoded once on the decode thread and encoded
//! once per target format; renditions mux the packets as copied streams.

use ffmpeg_next::{codec, decoder, encoder, format, media, Packet, Rational};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::names::vtt_cue_text;
use crate::presets::Container;

/// What kind of track a skipped one was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Subtitle,
}

/// A source track the preset asked for that a rendition does not carry,
/// and why (reported in `rendition_done`, never dropped silently).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedTrack {
    /// The stream's index in the source.
    pub index: usize,
    pub kind: TrackKind,
    /// FFmpeg's name of its codec (`hdmv_pgs_subtitle`).
    pub codec: String,
    pub reason: String,
}

/// The subtitle formats renditions are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubtitleCodec {
    /// MP4's timed text.
    MovText,
    WebVtt,
}

impl SubtitleCodec {
    /// The format a container holds its subtitles in.
    pub fn for_container(container: Container) -> SubtitleCodec {
        match container {
            Container::Mp4 => SubtitleCodec::MovText,
            Container::Webm => SubtitleCodec::WebVtt,
        }
    }

    fn encoder_name(self) -> &'static str {
        match self {
            SubtitleCodec::MovText => "mov_text",
            SubtitleCodec::WebVtt => "webvtt",
        }
    }
}

/// Whether a subtitle codec holds text (which can be converted) rather than
/// pictures (which cannot), as FFmpeg's codec descriptor says.
pub fn is_text_subtitle(id: codec::Id) -> bool {
    // SAFETY: avcodec_descriptor_get returns a pointer to a static table
    // entry or null.
    unsafe {
        let descriptor = ffmpeg_next::ffi::avcodec_descriptor_get(id.into());
        !descriptor.is_null() && (*descriptor).props & ffmpeg_next::ffi::AV_CODEC_PROP_TEXT_SUB != 0
    }
}

/// Why a subtitle track of codec `codec_name` is skipped, if it is.
pub fn skip_reason(text: bool, decodable: bool, codec_name: &str) -> Option<String> {
    if !text {
        Some(format!(
            "{codec_name} subtitles are pictures (or of an unknown kind); only text \
             subtitles can be converted"
        ))
    } else if !decodable {
        Some(format!(
            "this FFmpeg has no decoder for {codec_name} subtitles"
        ))
    } else {
        None
    }
}

/// Opens the decoder of a text subtitle stream.
pub fn subtitle_decoder(stream: &format::stream::Stream) -> Option<decoder::Subtitle> {
    if stream.parameters().medium() != media::Type::Subtitle {
        return None;
    }
    let ctx = codec::context::Context::from_parameters(stream.parameters()).ok()?;
    let mut dec = ctx.decoder();
    dec.set_packet_time_base(stream.time_base());
    dec.subtitle().ok()
}

/// One decoded subtitle event, freed when dropped.
pub struct DecodedSubtitle(ffmpeg_next::Subtitle);

impl DecodedSubtitle {
    /// Decodes `packet`; `None` when it held no event (or a damaged one,
    /// skipped like damaged video).
    pub fn decode(decoder: &mut decoder::Subtitle, packet: &Packet) -> Option<DecodedSubtitle> {
        let mut sub = DecodedSubtitle(ffmpeg_next::Subtitle::new());
        match decoder.decode(packet, &mut sub.0) {
            Ok(true) => Some(sub),
            _ => None,
        }
    }

    /// Start in microseconds, shifted by `origin_us`.
    pub fn shift(&mut self, origin_us: i64) {
        let pts = self.0.pts().map(|p| p - origin_us);
        self.0.set_pts(pts);
    }
}

impl Drop for DecodedSubtitle {
    fn drop(&mut self) {
        // SAFETY: the subtitle was filled by the decoder (or is zeroed);
        // avsubtitle_free frees its rects and zeroes it.
        unsafe { ffmpeg_next::ffi::avsubtitle_free(self.0.as_mut_ptr()) }
    }
}

/// Largest encoded subtitle event (FFmpeg's own command line uses 1 MiB).
const MAX_EVENT_BYTES: usize = 1 << 20;

/// A subtitle encoder shared by every rendition that takes its format.
pub struct SharedSubtitleEncoder {
    codec: SubtitleCodec,
    encoder: encoder::subtitle::Encoder,
    buffer: Vec<u8>,
}

/// Microseconds: the time base of decoded subtitles and of these packets.
const MICROSECONDS: Rational = Rational(1, 1_000_000);

impl SharedSubtitleEncoder {
    /// An encoder of `codec` for events decoded by `decoder` (whose ASS
    /// header the text encoders read their styles from).
    pub fn open(
        codec: SubtitleCodec,
        decoder: &decoder::Subtitle,
    ) -> Result<SharedSubtitleEncoder> {
        let name = codec.encoder_name();
        let found = encoder::find_by_name(name).ok_or_else(|| Error::EncoderMissing {
            encoder: name.to_owned(),
        })?;
        let mut enc = codec::context::Context::new_with_codec(found)
            .encoder()
            .subtitle()
            .map_err(Error::ffmpeg("setting up the subtitle encoder"))?;
        // SAFETY: both contexts are valid; the header is copied into memory
        // from av_malloc, which the encoder context owns and frees.
        unsafe {
            let from = decoder.as_ptr();
            let to = enc.as_mut_ptr();
            let size = (*from).subtitle_header_size.max(0) as usize;
            if !(*from).subtitle_header.is_null() && size > 0 {
                let header = ffmpeg_next::ffi::av_mallocz(size + 1) as *mut u8;
                if header.is_null() {
                    return Err(Error::Internal(
                        "out of memory for a subtitle header".into(),
                    ));
                }
                std::ptr::copy_nonoverlapping((*from).subtitle_header, header, size);
                (*to).subtitle_header = header;
                (*to).subtitle_header_size = size as i32;
            }
            (*to).time_base = MICROSECONDS.into();
        }
        let encoder = enc
            .open_as(found)
            .map_err(Error::ffmpeg(format!("opening the {name} encoder")))?;
        Ok(SharedSubtitleEncoder {
            codec,
            encoder,
            buffer: vec![0; MAX_EVENT_BYTES],
        })
    }

    /// The stream parameters of this encoder's packets.
    pub fn parameters(&self) -> Result<codec::Parameters> {
        let mut parameters = codec::Parameters::new();
        // SAFETY: both pointers are valid; the call copies the context's
        // parameters (extradata included) into the new parameters.
        let copied = unsafe {
            ffmpeg_next::ffi::avcodec_parameters_from_context(
                parameters.as_mut_ptr(),
                self.encoder.as_ptr(),
            )
        };
        if copied < 0 {
            return Err(Error::ffmpeg("reading the subtitle encoder's parameters")(
                ffmpeg_next::Error::from(copied),
            ));
        }
        Ok(parameters)
    }

    /// The time base of this encoder's packets.
    pub fn time_base(&self) -> Rational {
        MICROSECONDS
    }

    /// Encodes one event; its packet (if it had text) goes into `out`.
    pub fn push(&mut self, subtitle: &DecodedSubtitle, out: &mut Vec<Packet>) -> Result<()> {
        let Some(pts) = subtitle.0.pts() else {
            return Ok(());
        };
        // As FFmpeg's command line does: the display start folded into the
        // timestamp, the duration from the display end.
        let start_us = i64::from(subtitle.0.start()) * 1000;
        let duration_us = i64::from(subtitle.0.end().saturating_sub(subtitle.0.start())) * 1000;
        // SAFETY: the encoder is open, the buffer is as long as said, and the
        // subtitle is a valid decoded one (not modified by the call).
        let size = unsafe {
            ffmpeg_next::ffi::avcodec_encode_subtitle(
                self.encoder.as_mut_ptr(),
                self.buffer.as_mut_ptr(),
                self.buffer.len() as i32,
                subtitle.0.as_ptr(),
            )
        };
        if size < 0 {
            return Err(Error::ffmpeg("encoding a subtitle")(
                ffmpeg_next::Error::from(size),
            ));
        }
        let Some(bytes) = self.buffer.get(..size as usize).filter(|b| !b.is_empty()) else {
            return Ok(());
        };
        // FFmpeg's WebVTT encoder writes the text as it is: a `-->` or a
        // blank line in it would end the cue in every reader.
        let mut packet = match self.codec {
            SubtitleCodec::WebVtt => {
                Packet::copy(vtt_cue_text(&String::from_utf8_lossy(bytes)).as_bytes())
            }
            SubtitleCodec::MovText => Packet::copy(bytes),
        };
        packet.set_pts(Some(pts + start_us));
        packet.set_dts(Some(pts + start_us));
        packet.set_duration(duration_us);
        out.push(packet);
        Ok(())
    }
}

/// The name of a sidecar file: `<rendition>.<language>.vtt`, a second
/// track of the same language getting `-2` and so on (`taken` holds the
/// languages named so far).
pub fn sidecar_name(rendition: &str, language: Option<&str>, taken: &mut Vec<String>) -> String {
    let language = language.unwrap_or("und");
    let mut tag = language.to_owned();
    let mut n = 1;
    while taken.contains(&tag) {
        n += 1;
        tag = format!("{language}-{n}");
    }
    taken.push(tag.clone());
    format!("{rendition}.{tag}.vtt")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_picture_subtitles_are_told_apart() {
        for text in [
            codec::Id::SUBRIP,
            codec::Id::ASS,
            codec::Id::MOV_TEXT,
            codec::Id::WEBVTT,
        ] {
            assert!(is_text_subtitle(text), "{text:?}");
        }
        for picture in [
            codec::Id::HDMV_PGS_SUBTITLE,
            codec::Id::DVB_SUBTITLE,
            codec::Id::DVD_SUBTITLE,
        ] {
            assert!(!is_text_subtitle(picture), "{picture:?}");
        }
    }

    #[test]
    fn picture_tracks_are_skipped_with_a_reason() {
        let reason = skip_reason(false, true, "hdmv_pgs_subtitle").expect("skipped");
        assert!(reason.contains("pictures"), "{reason}");
        assert!(skip_reason(true, false, "subrip").is_some());
        assert_eq!(skip_reason(true, true, "subrip"), None);
    }

    #[test]
    fn sidecars_are_named_by_language_without_clashes() {
        let mut taken = Vec::new();
        assert_eq!(
            sidecar_name("720p", Some("eng"), &mut taken),
            "720p.eng.vtt"
        );
        assert_eq!(
            sidecar_name("720p", Some("fra"), &mut taken),
            "720p.fra.vtt"
        );
        assert_eq!(
            sidecar_name("720p", Some("eng"), &mut taken),
            "720p.eng-2.vtt"
        );
        assert_eq!(sidecar_name("720p", None, &mut taken), "720p.und.vtt");
    }

    #[test]
    fn each_container_gets_its_subtitle_format() {
        assert_eq!(
            SubtitleCodec::for_container(Container::Mp4),
            SubtitleCodec::MovText
        );
        assert_eq!(
            SubtitleCodec::for_container(Container::Webm),
            SubtitleCodec::WebVtt
        );
    }
}
