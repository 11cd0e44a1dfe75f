//! Muxing packets made elsewhere into a rendition: a source audio track
//! copied without re-encoding, or the packets of a shared audio or subtitle
//! encoder. The stream's codec parameters, language and title become the
//! output stream's, and its packets (shifted by the container's start time
//! like every stream) are rescaled into the output's time base.

use std::path::Path;

use ffmpeg_next::{codec, encoder, format, Packet, Rational};

use crate::error::{Error, Result};

/// A muxed stream's parameters, shared read-only by every encoder thread
/// that writes its packets.
pub struct AudioCopySource {
    parameters: codec::Parameters,
    /// Time base of the packets.
    pub time_base: Rational,
    /// The codec, in words, for messages.
    pub codec_name: String,
    /// The track's language (ISO 639-2) and title, kept on the output.
    pub language: Option<String>,
    pub title: Option<String>,
}

// SAFETY: `parameters` is an owned copy (no shared owner) that is only ever
// read (copied into output streams) after construction.
unsafe impl Send for AudioCopySource {}
unsafe impl Sync for AudioCopySource {}

impl AudioCopySource {
    /// The packets of an opened encoder, in `time_base`.
    pub fn from_encoder(encoder: &encoder::audio::Encoder, time_base: Rational) -> AudioCopySource {
        AudioCopySource::from_parameters(codec::Parameters::from(encoder), time_base)
    }

    /// Packets with these parameters, in `time_base`.
    pub fn from_parameters(parameters: codec::Parameters, time_base: Rational) -> AudioCopySource {
        let codec_name = parameters.id().name().to_owned();
        AudioCopySource {
            parameters,
            time_base,
            codec_name,
            language: None,
            title: None,
        }
    }

    pub fn new(stream: &format::stream::Stream) -> AudioCopySource {
        AudioCopySource::from_parameters(stream.parameters().clone(), stream.time_base())
    }

    /// The same stream, labelled with a track's language and title.
    pub fn labelled(self, language: Option<&str>, title: Option<&str>) -> AudioCopySource {
        AudioCopySource {
            language: language.map(str::to_owned),
            title: title.map(str::to_owned),
            ..self
        }
    }
}

/// The copied audio stream of one output file.
pub struct CopyLane {
    pub stream_index: usize,
    source_time_base: Rational,
    pub stream_time_base: Rational,
}

/// Adds a stream to `output` that takes the source's audio packets as
/// they are, when the container can hold that codec.
pub fn add_copy_stream(
    output: &mut format::context::Output,
    source: &AudioCopySource,
    muxer: &str,
    path: &Path,
) -> Result<CopyLane> {
    let codec_id = source.parameters.id();
    // SAFETY: the output format pointer is valid while `output` is.
    let fits = unsafe {
        ffmpeg_next::ffi::avformat_query_codec(
            (*output.as_ptr()).oformat,
            codec_id.into(),
            ffmpeg_next::ffi::FF_COMPLIANCE_NORMAL,
        )
    };
    if fits != 1 {
        return Err(Error::Write {
            path: path.to_path_buf(),
            reason: format!(
                "the source's {} audio cannot be copied into a {muxer} file; \
                 have the preset encode the audio instead",
                source.codec_name
            )
            .into(),
        });
    }
    let in_mp4 = output.format().name().contains("mp4");
    let mut stream = output
        .add_stream(encoder::find(codec::Id::None))
        .map_err(Error::ffmpeg("adding an audio or subtitle stream"))?;
    stream.set_parameters(source.parameters.clone());
    let mut tags = ffmpeg_next::Dictionary::new();
    if let Some(language) = &source.language {
        tags.set("language", language);
    }
    if let Some(title) = &source.title {
        // Matroska keeps `title`; MP4 keeps a track's name as its handler's.
        let key = if in_mp4 { "handler_name" } else { "title" };
        tags.set(key, title);
    }
    stream.set_metadata(tags);
    // SAFETY: the stream's codec parameters are valid and owned by `output`;
    // a zero tag lets the muxer pick its own for the codec.
    unsafe {
        (*stream.parameters().as_mut_ptr()).codec_tag = 0;
    }
    stream.set_time_base(source.time_base);
    Ok(CopyLane {
        stream_index: stream.index(),
        source_time_base: source.time_base,
        stream_time_base: source.time_base,
    })
}

/// Writes one source audio packet (already shifted to start at zero).
pub fn write_copied(
    lane: &CopyLane,
    mut packet: Packet,
    output: &mut format::context::Output,
    path: &Path,
) -> Result<()> {
    packet.set_stream(lane.stream_index);
    packet.set_position(-1);
    packet.rescale_ts(lane.source_time_base, lane.stream_time_base);
    packet.write_interleaved(output).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        reason: e.into(),
    })
}
