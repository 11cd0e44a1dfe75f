//! The built-in presets of the design: web, webm, hevc, av1, stream and
//! thumbnail.

use super::codecs::{AudioCodec, Container, VideoCodec};
use super::model::{
    AudioSpec, HdrRule, MetadataRule, Package, Packaging, Preset, Quality, RenditionSpec, SizeSpec,
    ThumbnailSpec, SEGMENT_SECONDS,
};
use super::picture::{CropRule, PictureRules};
use super::quality::{QualityGoal, ScoreMode};
use super::storyboard::{PosterChoice, StoryboardSpec};
use super::tracks::{AudioTracks, Channels, SubtitleRule, TrackRules};

/// The preset used when none is named.
pub const DEFAULT_PRESET: &str = "web";

struct Family {
    container: Container,
    video: VideoCodec,
    crf: u32,
    speed: &'static str,
    audio: AudioCodec,
}

impl Family {
    fn ladder(&self, sizes: &[u32]) -> Vec<RenditionSpec> {
        sizes
            .iter()
            .map(|&short_side| RenditionSpec {
                name: format!("{short_side}p"),
                container: self.container,
                video: self.video,
                size: SizeSpec::ShortSide(short_side),
                quality: Quality::Crf(self.crf),
                speed: self.speed.to_owned(),
                max_fps: None,
                audio: AudioSpec::Encode {
                    codec: self.audio,
                    bitrate_kbps: 128,
                },
                goal: QualityGoal::default(),
            })
            .collect()
    }
}

/// The `stream` ladder's caps: short side, maxrate and bufsize (kb/s).
/// CRF 23 as in `web`, under a ceiling near the usual ladders' (Apple's
/// HLS authoring guide: 1080p about 5 Mb/s, 720p 3, 480p 1.5, 360p 0.8);
/// the buffer holds two seconds at the ceiling, half a segment, so a
/// segment's rate can exceed the ceiling only briefly.
pub const STREAM_LADDER: [(u32, u32, u32); 4] = [
    (1080, 5000, 10_000),
    (720, 3000, 6000),
    (480, 1500, 3000),
    (360, 800, 1600),
];

/// The `stream` preset's rungs: H.264 at CRF 23 capped per rung, each with
/// the job's one AAC encode (the packager moves it to its own rendition).
fn stream_ladder() -> Vec<RenditionSpec> {
    STREAM_LADDER
        .iter()
        .map(|&(short_side, maxrate_kbps, bufsize_kbps)| RenditionSpec {
            name: format!("{short_side}p"),
            container: Container::Mp4,
            video: VideoCodec::H264,
            size: SizeSpec::ShortSide(short_side),
            quality: Quality::CappedCrf {
                crf: 23,
                maxrate_kbps,
                bufsize_kbps,
            },
            speed: "veryfast".to_owned(),
            max_fps: None,
            audio: AudioSpec::Encode {
                codec: AudioCodec::Aac,
                bitrate_kbps: 128,
            },
            goal: QualityGoal::default(),
        })
        .collect()
}

/// A built-in ladder of one codec family: name, description, family,
/// short sides, and whether it is the archive (keeps everything).
struct Ladder {
    name: &'static str,
    description: &'static str,
    family: Family,
    sizes: &'static [u32],
    archive: bool,
}

/// The ladders, in the order the built-ins are listed.
const LADDERS: [Ladder; 4] = [
    Ladder {
        name: "web",
        description: "1080p, 720p, 480p, 360p H.264/AAC MP4 for the web (faststart)",
        family: Family {
            container: Container::Mp4,
            video: VideoCodec::H264,
            crf: 23,
            speed: "veryfast",
            audio: AudioCodec::Aac,
        },
        sizes: &[1080, 720, 480, 360],
        archive: false,
    },
    Ladder {
        name: "webm",
        description: "1080p, 720p, 480p VP9/Opus WebM",
        family: Family {
            container: Container::Webm,
            video: VideoCodec::Vp9,
            crf: 32,
            speed: "5",
            audio: AudioCodec::Opus,
        },
        sizes: &[1080, 720, 480],
        archive: false,
    },
    Ladder {
        name: "hevc",
        description: "2160p, 1080p, 720p H.265/AAC MP4 (hvc1, plays in Safari)",
        family: Family {
            container: Container::Mp4,
            video: VideoCodec::Hevc,
            crf: 28,
            speed: "fast",
            audio: AudioCodec::Aac,
        },
        sizes: &[2160, 1080, 720],
        archive: true,
    },
    Ladder {
        name: "av1",
        description: "1080p, 720p AV1/Opus MP4 (SVT-AV1)",
        family: Family {
            container: Container::Mp4,
            video: VideoCodec::Av1,
            crf: 35,
            speed: "10",
            audio: AudioCodec::Opus,
        },
        sizes: &[1080, 720],
        archive: false,
    },
];

/// The built-in presets. Their metadata rule is privacy-minded: the web
/// ladders (web, webm, av1) and the thumbnail keep the date, camera and
/// title but never the location, since what they make is published; the
/// `hevc` ladder, whose top rung keeps the source's 4K size and is the one
/// to archive a phone's clips with, keeps everything.
///
/// Tracks: the web ladders carry the first audio track in stereo (what a
/// browser plays) and the text subtitles; the archive keeps every audio
/// track with its channels (5.1 stays 5.1) and the subtitles.
///
/// Every built-in has the `auto` HDR rule: an HDR source's hevc, av1 and webm renditions stay HDR
/// (10-bit, its tags and mastering metadata), web's H.264 ones and every
/// thumbnail are tone-mapped to SDR.
pub fn builtin_presets() -> Vec<Preset> {
    let mut presets: Vec<Preset> = LADDERS
        .iter()
        .map(|l| {
            let preset = published(l.name, l.description, l.family.ladder(l.sizes));
            match l.archive {
                true => archive(preset),
                false => preset,
            }
        })
        .collect();
    presets.push(stream());
    presets.push(published(
        "thumbnail",
        "Only the first-frame thumbnail",
        Vec::new(),
    ));
    presets
}

/// A preset of what is published: no location, the first audio track in
/// stereo, text subtitles kept.
fn published(name: &str, description: &str, renditions: Vec<RenditionSpec>) -> Preset {
    Preset {
        name: name.to_owned(),
        description: description.to_owned(),
        thumbnail: ThumbnailSpec::default(),
        renditions,
        metadata: MetadataRule::NoLocation,
        tracks: TrackRules {
            audio_tracks: AudioTracks::First,
            channels: Channels::Stereo,
            loudness_lufs: None,
            subtitles: SubtitleRule::Keep,
        },
        hdr: HdrRule::Auto,
        packaging: Packaging::default(),
        // Interlaced sources deinterlaced, at the source's frame rate; no
        // crop (a file is shown as the source was, bars and all).
        picture: PictureRules::default(),
        score: ScoreMode::Sampled,
    }
}

/// `p` made to keep the source: every tag, every audio track, its channels.
fn archive(p: Preset) -> Preset {
    Preset {
        metadata: MetadataRule::Keep,
        tracks: TrackRules {
            audio_tracks: AudioTracks::All,
            channels: Channels::Source,
            ..p.tracks
        },
        ..p
    }
}

/// The `stream` preset: the capped ladder packaged as CMAF, cropped, with
/// a storyboard and a poster for its player page.
fn stream() -> Preset {
    Preset {
        packaging: Packaging {
            package: Package::Cmaf,
            segment_seconds: SEGMENT_SECONDS,
        },
        // Bars cost every rung bits and height; the page's player shows
        // the picture at its own aspect.
        picture: PictureRules {
            crop: CropRule::Auto,
            ..PictureRules::default()
        },
        // The page's scrub tiles and a representative poster.
        thumbnail: ThumbnailSpec {
            storyboard: Some(StoryboardSpec::default()),
            poster: PosterChoice::Best,
            ..ThumbnailSpec::default()
        },
        ..published(
            "stream",
            "HLS + DASH: 1080p, 720p, 480p, 360p H.264 (capped CRF) and one AAC rendition, 4 s CMAF segments, a storyboard, a poster, a player page",
            stream_ladder(),
        )
    }
}

/// Whether `name` is a built-in preset's name.
pub fn is_builtin(name: &str) -> bool {
    builtin_presets().iter().any(|p| p.name == name)
}

/// Looks a built-in preset up by name.
pub fn find_preset(name: &str) -> Option<Preset> {
    builtin_presets().into_iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_is_the_four_rung_h264_ladder() {
        let web = find_preset("web").expect("web preset");
        let names: Vec<_> = web.renditions.iter().map(|r| r.file_name()).collect();
        assert_eq!(names, ["1080p.mp4", "720p.mp4", "480p.mp4", "360p.mp4"]);
        assert!(web.renditions.iter().all(|r| r.video == VideoCodec::H264));
    }

    #[test]
    fn web_presets_hide_the_location_and_the_archive_keeps_it() {
        for name in ["web", "webm", "av1", "stream", "thumbnail"] {
            let rule = find_preset(name).map(|p| p.metadata);
            assert_eq!(rule, Some(MetadataRule::NoLocation), "{name}");
        }
        assert_eq!(
            find_preset("hevc").map(|p| p.metadata),
            Some(MetadataRule::Keep)
        );
    }

    #[test]
    fn web_keeps_the_first_track_in_stereo_and_the_archive_every_track() {
        let web = find_preset("web").expect("web preset");
        assert_eq!(web.tracks.audio_tracks, AudioTracks::First);
        assert_eq!(web.tracks.channels, Channels::Stereo);
        let hevc = find_preset("hevc").expect("hevc preset");
        assert_eq!(hevc.tracks.audio_tracks, AudioTracks::All);
        assert_eq!(hevc.tracks.channels, Channels::Source);
        assert_eq!(hevc.tracks.subtitles, SubtitleRule::Keep);
    }

    #[test]
    fn builtins_keep_hdr_where_the_codec_can() {
        assert!(builtin_presets().iter().all(|p| p.hdr == HdrRule::Auto));
    }

    #[test]
    fn stream_is_a_capped_h264_ladder_packaged_as_cmaf() {
        let stream = find_preset("stream").expect("stream preset");
        assert_eq!(stream.packaging.package, Package::Cmaf);
        assert!(stream.thumbnail.storyboard.is_some());
        assert_eq!(stream.thumbnail.poster, PosterChoice::Best);
        assert_eq!(stream.packaging.segment_seconds, 4);
        let names: Vec<_> = stream.renditions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["1080p", "720p", "480p", "360p"]);
        for r in &stream.renditions {
            assert_eq!(r.video, VideoCodec::H264);
            let Quality::CappedCrf {
                maxrate_kbps,
                bufsize_kbps,
                ..
            } = r.quality
            else {
                panic!("{} is not capped", r.name);
            };
            assert_eq!(bufsize_kbps, 2 * maxrate_kbps);
        }
        assert!(find_preset("web").is_some_and(|p| !p.packaging.is_packaged()));
    }

    #[test]
    fn thumbnail_preset_has_no_renditions() {
        assert!(find_preset("thumbnail").unwrap().renditions.is_empty());
    }
}
