//! Where each rendition's audio and subtitle streams come from: "track streams" of
//! packets made on the decode thread. A track stream is a source track's own
//! packets (audio copied), or one shared encoder: one per distinct track,
//! codec, bitrate, channels and loudness for audio (so the web ladder's
//! four MP4s share one AAC encode), one per track and format for text
//! subtitles. Each rendition muxes the track streams its preset's track rules pick,
//! writes some as sidecar `.vtt` files, and reports the tracks it asked for
//! but cannot carry.

use super::feeds::TrackStream;
use super::source::Source;
use super::tracks::{SourceTracks, TrackTags};
use super::RenditionTarget;
use crate::error::{Error, Result};
use crate::media::audio_copy::AudioCopySource;
use crate::media::audio_encoder::{AudioSettings, SharedAudioEncoder};
use crate::media::subtitles::{
    sidecar_name, skip_reason, SharedSubtitleEncoder, SkippedTrack, SubtitleCodec, TrackKind,
};
use crate::presets::{AudioSpec, Container, SubtitleRule, TrackRules};

/// What a track stream makes, compared to share one between renditions.
#[derive(Clone, Debug, PartialEq)]
enum TrackStreamKey {
    Copy {
        stream: usize,
    },
    Audio {
        stream: usize,
        settings: AudioSettings,
    },
    Subtitle {
        stream: usize,
        codec: SubtitleCodec,
    },
}

/// The streams of one rendition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetTracks {
    /// The track streams muxed into its file, in stream order.
    pub feeds: Vec<usize>,
    /// The track streams written as sidecar WebVTT files, with their file names.
    pub sidecars: Vec<(usize, String)>,
    /// Tracks its preset asked for that it does not carry, and why.
    pub skipped: Vec<SkippedTrack>,
}

/// The audio and subtitles of a transcode, planned before any thread
/// starts.
pub struct TrackPlan {
    /// One per target, in the order of the targets.
    pub targets: Vec<TargetTracks>,
    /// Fed by the decode thread.
    pub feeds: Vec<TrackStream>,
    /// What each track stream's muxers need (stream parameters, language, title),
    /// read by the encoder threads; in the order of `track streams`.
    pub muxing: Vec<AudioCopySource>,
}

/// What a rendition asks of the source's tracks.
struct Ask<'a> {
    name: &'a str,
    audio: AudioSpec,
    container: Container,
    rules: &'a TrackRules,
}

/// A source track as the planning sees it.
struct Facts<'a> {
    tags: &'a TrackTags,
    decodable: bool,
    /// For subtitles: text rather than pictures.
    text: bool,
}

/// Plans every target's streams and opens the shared encoders they need.
pub fn plan_tracks(targets: &[RenditionTarget], source: &Source) -> Result<TrackPlan> {
    let tracks = &source.tracks;
    let asks: Vec<Ask> = targets
        .iter()
        .map(|t| Ask {
            name: &t.spec.name,
            audio: t.spec.audio,
            container: t.spec.container,
            rules: &t.tracks,
        })
        .collect();
    let audio: Vec<Facts> = tracks
        .audio
        .iter()
        .map(|t| Facts {
            tags: &t.tags,
            decodable: t.decoder.is_some(),
            text: false,
        })
        .collect();
    let subtitles: Vec<Facts> = tracks
        .subtitles
        .iter()
        .map(|t| Facts {
            tags: &t.tags,
            decodable: t.decoder.is_some(),
            text: t.text,
        })
        .collect();
    let (planned, keys) = route(&asks, &audio, &subtitles);
    let mut feeds = Vec::with_capacity(keys.len());
    let mut muxing = Vec::with_capacity(keys.len());
    for key in keys {
        let (feed, mux) = open_feed(key, source, tracks)?;
        feeds.push(feed);
        muxing.push(mux);
    }
    Ok(TrackPlan {
        targets: planned,
        feeds,
        muxing,
    })
}

/// Opens the encoder of one track stream, if it has one.
fn open_feed(
    key: TrackStreamKey,
    source: &Source,
    tracks: &SourceTracks,
) -> Result<(TrackStream, AudioCopySource)> {
    let vanished = || Error::Internal("a track vanished".into());
    let tags_of = |stream: usize| {
        tracks
            .audio
            .iter()
            .map(|t| &t.tags)
            .chain(tracks.subtitles.iter().map(|t| &t.tags))
            .find(|t| t.index == stream)
    };
    let label = |mux: AudioCopySource, stream: usize| match tags_of(stream) {
        Some(tags) => mux.labelled(tags.language.as_deref(), tags.title.as_deref()),
        None => mux,
    };
    Ok(match key {
        TrackStreamKey::Copy { stream } => {
            let s = source.input.stream(stream).ok_or_else(vanished)?;
            let feed = TrackStream::Copy {
                stream,
                time_base: s.time_base(),
            };
            (feed, label(AudioCopySource::new(&s), stream))
        }
        TrackStreamKey::Audio { stream, settings } => {
            let decoder = tracks
                .audio_track(stream)
                .and_then(|t| t.decoder.as_ref())
                .ok_or_else(vanished)?;
            let time_base = source
                .input
                .stream(stream)
                .ok_or_else(vanished)?
                .time_base();
            let layout = decoder.channel_layout();
            let layout = if layout.bits() == 0 {
                ffmpeg_next::ChannelLayout::default(i32::from(decoder.channels().max(1)))
            } else {
                layout
            };
            let encoder = SharedAudioEncoder::open(&settings, layout, time_base)?;
            let mux = label(encoder.stream_source(), stream);
            (TrackStream::Audio { stream, encoder }, mux)
        }
        TrackStreamKey::Subtitle { stream, codec } => {
            let decoder = tracks
                .subtitles
                .iter()
                .find(|t| t.tags.index == stream)
                .and_then(|t| t.decoder.as_ref())
                .ok_or_else(vanished)?;
            let encoder = SharedSubtitleEncoder::open(codec, decoder)?;
            let mux = AudioCopySource::from_parameters(encoder.parameters()?, encoder.time_base());
            (
                TrackStream::Subtitle { stream, encoder },
                label(mux, stream),
            )
        }
    })
}

/// The streams of each rendition, and the track streams they name (each distinct
/// one once). Audio the source cannot give (no such track, or an encode of
/// a track without a decoder) is left out, the latter reported.
fn route(
    asks: &[Ask],
    audio: &[Facts],
    subtitles: &[Facts],
) -> (Vec<TargetTracks>, Vec<TrackStreamKey>) {
    let mut keys: Vec<TrackStreamKey> = Vec::new();
    let mut feed = |key: TrackStreamKey| {
        keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            keys.len() - 1
        })
    };
    let planned = asks
        .iter()
        .map(|ask| {
            let mut target = TargetTracks::default();
            let chosen = audio.iter().enumerate().filter(|(position, t)| {
                ask.rules
                    .audio_tracks
                    .keeps(*position, t.tags.language.as_deref())
            });
            for (_, track) in chosen {
                let stream = track.tags.index;
                match ask.audio {
                    AudioSpec::None => {}
                    AudioSpec::Copy => target.feeds.push(feed(TrackStreamKey::Copy { stream })),
                    AudioSpec::Encode {
                        codec,
                        bitrate_kbps,
                    } if track.decodable => {
                        let settings = AudioSettings {
                            codec,
                            bitrate_kbps,
                            channels: ask.rules.channels,
                            loudness_lufs: ask.rules.loudness_lufs,
                        };
                        target
                            .feeds
                            .push(feed(TrackStreamKey::Audio { stream, settings }));
                    }
                    AudioSpec::Encode { .. } => target.skipped.push(SkippedTrack {
                        index: stream,
                        kind: TrackKind::Audio,
                        codec: track.tags.codec_name.clone(),
                        reason: format!(
                            "this FFmpeg has no decoder for {} audio",
                            track.tags.codec_name
                        ),
                    }),
                }
            }
            if ask.rules.subtitles != SubtitleRule::None {
                let mut languages = Vec::new();
                for track in subtitles {
                    let stream = track.tags.index;
                    let codec_name = &track.tags.codec_name;
                    if let Some(reason) = skip_reason(track.text, track.decodable, codec_name) {
                        target.skipped.push(SkippedTrack {
                            index: stream,
                            kind: TrackKind::Subtitle,
                            codec: codec_name.clone(),
                            reason,
                        });
                        continue;
                    }
                    let codec = SubtitleCodec::for_container(ask.container);
                    target
                        .feeds
                        .push(feed(TrackStreamKey::Subtitle { stream, codec }));
                    if ask.rules.subtitles == SubtitleRule::KeepAndSidecar {
                        let name =
                            sidecar_name(ask.name, track.tags.language.as_deref(), &mut languages);
                        let codec = SubtitleCodec::WebVtt;
                        target
                            .sidecars
                            .push((feed(TrackStreamKey::Subtitle { stream, codec }), name));
                    }
                }
            }
            target
        })
        .collect();
    (planned, keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{AudioCodec, AudioTracks, Channels};

    fn aac(bitrate_kbps: u32) -> AudioSpec {
        AudioSpec::Encode {
            codec: AudioCodec::Aac,
            bitrate_kbps,
        }
    }

    fn tags(index: usize, language: Option<&str>, codec: &str) -> TrackTags {
        TrackTags {
            index,
            language: language.map(str::to_owned),
            title: None,
            codec_name: codec.to_owned(),
        }
    }

    fn ask<'a>(audio: AudioSpec, container: Container, rules: &'a TrackRules) -> Ask<'a> {
        Ask {
            name: "720p",
            audio,
            container,
            rules,
        }
    }

    fn settings(bitrate_kbps: u32, channels: Channels) -> AudioSettings {
        AudioSettings {
            codec: AudioCodec::Aac,
            bitrate_kbps,
            channels,
            loudness_lufs: None,
        }
    }

    #[test]
    fn renditions_asking_for_the_same_audio_share_one_encoder() {
        let rules = TrackRules::default();
        let asks = [
            ask(aac(128), Container::Mp4, &rules),
            ask(AudioSpec::Copy, Container::Mp4, &rules),
            ask(aac(96), Container::Mp4, &rules),
            ask(aac(128), Container::Mp4, &rules),
            ask(AudioSpec::None, Container::Mp4, &rules),
        ];
        let t1 = tags(1, Some("eng"), "aac");
        let audio = [Facts {
            tags: &t1,
            decodable: true,
            text: false,
        }];
        let (planned, keys) = route(&asks, &audio, &[]);
        let feeds: Vec<_> = planned.iter().map(|t| t.feeds.clone()).collect();
        assert_eq!(feeds, [vec![0], vec![1], vec![2], vec![0], vec![]]);
        assert_eq!(
            keys,
            [
                TrackStreamKey::Audio {
                    stream: 1,
                    settings: settings(128, Channels::Stereo)
                },
                TrackStreamKey::Copy { stream: 1 },
                TrackStreamKey::Audio {
                    stream: 1,
                    settings: settings(96, Channels::Stereo)
                },
            ]
        );
    }

    #[test]
    fn tracks_are_picked_by_the_rule_and_each_gets_its_encoder() {
        let (t1, t2, t3) = (
            tags(1, Some("eng"), "aac"),
            tags(2, Some("fra"), "ac3"),
            tags(3, None, "truehd"),
        );
        let facts = |t, decodable| Facts {
            tags: t,
            decodable,
            text: false,
        };
        let audio = [facts(&t1, true), facts(&t2, true), facts(&t3, false)];
        let first = TrackRules::default();
        let all = TrackRules {
            audio_tracks: AudioTracks::All,
            channels: Channels::Source,
            ..TrackRules::default()
        };
        let french = TrackRules {
            audio_tracks: AudioTracks::Languages(vec!["fra".into()]),
            ..TrackRules::default()
        };
        let asks = [
            ask(aac(128), Container::Mp4, &first),
            ask(aac(128), Container::Mp4, &all),
            ask(aac(128), Container::Mp4, &french),
        ];
        let (planned, keys) = route(&asks, &audio, &[]);
        assert_eq!(planned[0].feeds, [0]);
        assert_eq!(planned[1].feeds, [1, 2]);
        // The undecodable track is reported, not dropped silently.
        assert_eq!(planned[1].skipped.len(), 1);
        assert_eq!(planned[1].skipped[0].index, 3);
        assert_eq!(planned[1].skipped[0].kind, TrackKind::Audio);
        assert_eq!(planned[2].feeds, [3]);
        assert_eq!(
            keys[3],
            TrackStreamKey::Audio {
                stream: 2,
                settings: settings(128, Channels::Stereo)
            }
        );
        assert!(planned[2].skipped.is_empty());
    }

    #[test]
    fn text_subtitles_become_the_containers_format_and_pictures_are_skipped() {
        let (s4, s5) = (
            tags(4, Some("eng"), "subrip"),
            tags(5, Some("eng"), "hdmv_pgs_subtitle"),
        );
        let subtitles = [
            Facts {
                tags: &s4,
                decodable: true,
                text: true,
            },
            Facts {
                tags: &s5,
                decodable: true,
                text: false,
            },
        ];
        let keep = TrackRules::default();
        let sidecar = TrackRules {
            subtitles: SubtitleRule::KeepAndSidecar,
            ..TrackRules::default()
        };
        let none = TrackRules {
            subtitles: SubtitleRule::None,
            ..TrackRules::default()
        };
        let asks = [
            ask(AudioSpec::None, Container::Mp4, &keep),
            ask(AudioSpec::None, Container::Webm, &sidecar),
            ask(AudioSpec::None, Container::Mp4, &none),
        ];
        let (planned, keys) = route(&asks, &[], &subtitles);
        assert_eq!(
            keys,
            [
                TrackStreamKey::Subtitle {
                    stream: 4,
                    codec: SubtitleCodec::MovText
                },
                TrackStreamKey::Subtitle {
                    stream: 4,
                    codec: SubtitleCodec::WebVtt
                },
            ]
        );
        assert_eq!(planned[0].feeds, [0]);
        assert_eq!(planned[0].skipped.len(), 1);
        assert_eq!(planned[0].skipped[0].codec, "hdmv_pgs_subtitle");
        // WebM's own track and its sidecar share one WebVTT encode.
        assert_eq!(planned[1].feeds, [1]);
        assert_eq!(planned[1].sidecars, [(1, "720p.eng.vtt".to_owned())]);
        assert_eq!(planned[2], TargetTracks::default());
    }
}
