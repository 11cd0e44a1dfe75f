//! The source's audio and subtitle tracks, found once when it is opened:
//! their stream indices, language and title tags, and decoders (when this
//! FFmpeg has one; a track without may still be copied, or is reported as
//! skipped).

use ffmpeg_next::{decoder, format, media};

use crate::media::decode::audio_decoder;
use crate::media::subtitles::{is_text_subtitle, subtitle_decoder};

/// Handler names FFmpeg's muxers write by default: not a title anyone gave.
const DEFAULT_HANDLERS: [&str; 4] = [
    "SoundHandler",
    "SubtitleHandler",
    "VideoHandler",
    "DataHandler",
];

/// What every track is known by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackTags {
    /// The stream's index in the source.
    pub index: usize,
    /// Its language tag (ISO 639-2, or BCP 47 in Matroska), unless
    /// missing, "und" or not shaped like one (`names::source_language`).
    pub language: Option<String>,
    pub title: Option<String>,
    /// FFmpeg's name of its codec.
    pub codec_name: String,
}

impl TrackTags {
    fn of(stream: &format::stream::Stream) -> TrackTags {
        let tags = stream.metadata();
        let language = crate::names::source_language(tags.get("language"));
        let title = tags
            .get("title")
            .or_else(|| tags.get("handler_name"))
            .filter(|t| !t.trim().is_empty() && !DEFAULT_HANDLERS.contains(t))
            .map(str::to_owned);
        TrackTags {
            index: stream.index(),
            language,
            title,
            codec_name: stream.parameters().id().name().to_owned(),
        }
    }
}

pub struct AudioTrack {
    pub tags: TrackTags,
    pub decoder: Option<decoder::Audio>,
}

pub struct SubtitleTrack {
    pub tags: TrackTags,
    /// Whether it holds text (else pictures, which are never decoded).
    pub text: bool,
    pub decoder: Option<decoder::Subtitle>,
}

/// Every audio and subtitle track, in the source's order.
pub struct SourceTracks {
    pub audio: Vec<AudioTrack>,
    pub subtitles: Vec<SubtitleTrack>,
}

impl SourceTracks {
    pub fn read(input: &format::context::Input) -> SourceTracks {
        let mut tracks = SourceTracks {
            audio: Vec::new(),
            subtitles: Vec::new(),
        };
        for stream in input.streams() {
            match stream.parameters().medium() {
                media::Type::Audio => tracks.audio.push(AudioTrack {
                    tags: TrackTags::of(&stream),
                    decoder: audio_decoder(input, stream.index()),
                }),
                media::Type::Subtitle => {
                    let text = is_text_subtitle(stream.parameters().id());
                    tracks.subtitles.push(SubtitleTrack {
                        tags: TrackTags::of(&stream),
                        text,
                        decoder: text.then(|| subtitle_decoder(&stream)).flatten(),
                    });
                }
                _ => {}
            }
        }
        tracks
    }

    pub fn audio_track(&self, index: usize) -> Option<&AudioTrack> {
        self.audio.iter().find(|t| t.tags.index == index)
    }
}
