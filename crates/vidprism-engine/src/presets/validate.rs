//! What makes a preset valid: safe names, sizes and qualities in range,
//! codecs the container can hold, unique rendition names. Each problem names
//! the rendition and the field it is about.

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;

use super::codecs::{AudioCodec, Container, VideoCodec};
use super::model::{AudioSpec, HdrRule, Preset, Quality, RenditionSpec, SizeSpec};
use super::tracks::{language_problem, AudioTracks, LOUDNESS_LUFS};
use crate::limits::MAX_DIMENSION;
/// The one rule for names (`names.rs`), which the store's restore and the
/// farm's wire check reach through [`validate`].
pub use crate::names::name_problem;

/// Smallest short side, thumbnail width, in pixels.
pub const MIN_SIZE: u32 = 16;
/// Video bitrates accepted, in kb/s.
pub const VIDEO_KBPS: RangeInclusive<u32> = 50..=200_000;
/// Audio bitrates accepted, in kb/s.
pub const AUDIO_KBPS: RangeInclusive<u32> = 16..=320;
/// Frame rate caps accepted.
pub const MAX_FPS: RangeInclusive<u32> = 1..=240;

/// One thing wrong with a preset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Index of the rendition it is about, if any.
    pub rendition: Option<usize>,
    /// The field, as preset files spell it (`crf`, `audio_codec`...).
    pub field: String,
    /// Line of the preset file, when it came from one (1-based).
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn new(rendition: Option<usize>, field: &str, message: impl Into<String>) -> Problem {
        Problem {
            rendition,
            field: field.to_owned(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}, ")?;
        }
        if let Some(i) = self.rendition {
            write!(f, "rendition {}, ", i + 1)?;
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem of `preset`; empty when it is valid.
pub fn validate(preset: &Preset) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(why) = name_problem(&preset.name) {
        problems.push(Problem::new(None, "name", format!("the preset name {why}")));
    }
    let width = preset.thumbnail.width;
    if !(MIN_SIZE..=MAX_DIMENSION).contains(&width) {
        problems.push(Problem::new(
            None,
            "thumbnail.width",
            format!("is {width}; it must be between {MIN_SIZE} and {MAX_DIMENSION} pixels"),
        ));
    }
    super::storyboard::storyboard_problems(
        preset.thumbnail.storyboard.as_ref(),
        preset.thumbnail.poster,
        &mut problems,
    );
    packaging_problems(preset, &mut problems);
    if let Some(why) = preset.picture.crop.problem() {
        problems.push(Problem::new(None, "crop", why));
    }
    let mut names = HashSet::new();
    for (i, r) in preset.renditions.iter().enumerate() {
        if !names.insert(r.name.as_str()) {
            problems.push(Problem::new(
                Some(i),
                "name",
                format!("another rendition is already named {:?}", r.name),
            ));
        }
        rendition_problems(i, r, &mut problems);
        super::quality::goal_problems(i, &r.goal, r.quality, preset.score, &mut problems);
        if preset.hdr == HdrRule::Keep && !r.video.holds_hdr() {
            problems.push(Problem::new(
                Some(i),
                "video_codec",
                format!(
                    "{} cannot hold HDR, which the preset's hdr = \"keep\" asks for; \
                     use hevc, av1 or vp9, or hdr = \"auto\" to tone-map this rendition to SDR",
                    r.video.label()
                ),
            ));
        }
    }
    track_problems(preset, &mut problems);
    problems
}

/// Problems of the preset's track rules: languages, loudness target.
fn track_problems(preset: &Preset, problems: &mut Vec<Problem>) {
    if let AudioTracks::Languages(languages) = &preset.tracks.audio_tracks {
        if languages.is_empty() {
            problems.push(Problem::new(
                None,
                "audio_tracks",
                "names no language; use \"first\", \"all\" or a list like [\"eng\"]",
            ));
        }
        for (n, code) in languages.iter().enumerate() {
            if let Some(why) = language_problem(code) {
                problems.push(Problem::new(None, "audio_tracks", why));
            } else if languages[..n].contains(code) {
                problems.push(Problem::new(
                    None,
                    "audio_tracks",
                    format!("{code:?} is named twice"),
                ));
            }
        }
    }
    if let Some(lufs) = preset.tracks.loudness_lufs {
        if !LOUDNESS_LUFS.contains(&lufs) {
            problems.push(Problem::new(
                None,
                "loudness_lufs",
                format!(
                    "is {lufs}; it must be between {} and {} LUFS (-23 for broadcast, -16 or -14 for the web)",
                    LOUDNESS_LUFS.start(),
                    LOUDNESS_LUFS.end()
                ),
            ));
        }
    }
}

/// Segment lengths a packaged preset may ask for, in seconds.
pub const SEGMENT_SECONDS_RANGE: RangeInclusive<u32> = 1..=20;

/// A packaged preset's rungs must all be fragmented-MP4-able video (MP4
/// container; VP9 has no HLS codec string players agree on) and at most
/// one audio encode (shared by the rungs).
fn packaging_problems(preset: &Preset, problems: &mut Vec<Problem>) {
    let packaging = preset.packaging;
    if !packaging.is_packaged() {
        return;
    }
    let seconds = packaging.segment_seconds;
    if !SEGMENT_SECONDS_RANGE.contains(&seconds) {
        problems.push(Problem::new(
            None,
            "segment_seconds",
            format!(
                "is {seconds}; it must be {} seconds",
                range_text(&SEGMENT_SECONDS_RANGE)
            ),
        ));
    }
    for (i, r) in preset.renditions.iter().enumerate() {
        if r.container != Container::Mp4 {
            problems.push(Problem::new(
                Some(i),
                "container",
                format!(
                    "a {} package needs mp4 renditions (fragmented MP4 segments)",
                    packaging.package.key()
                ),
            ));
        }
        if r.video == VideoCodec::Vp9 {
            problems.push(Problem::new(
                Some(i),
                "video_codec",
                "streaming packages take h264, hevc or av1 rungs".to_owned(),
            ));
        }
        if r.name == "audio" {
            problems.push(Problem::new(
                Some(i),
                "name",
                "\"audio\" names the package's audio rendition; call the rung something else"
                    .to_owned(),
            ));
        }
    }
    let mut audio = preset.renditions.iter().filter_map(|r| match r.audio {
        AudioSpec::Encode {
            codec,
            bitrate_kbps,
        } => Some((codec, bitrate_kbps)),
        _ => None,
    });
    let first = audio.next();
    if audio.any(|a| Some(a) != first)
        || preset.renditions.iter().any(|r| r.audio == AudioSpec::Copy)
    {
        problems.push(Problem::new(
            None,
            "audio_codec",
            "a streaming package has one audio rendition: give every rung the same encoded audio, or none".to_owned(),
        ));
    }
    if first.is_some_and(|(codec, _)| codec != AudioCodec::Aac) {
        problems.push(Problem::new(
            None,
            "audio_codec",
            "a streaming package's audio must be aac (what every HLS player decodes)".to_owned(),
        ));
    }
}

fn range_text(range: &RangeInclusive<u32>) -> String {
    format!("between {} and {}", range.start(), range.end())
}

fn rendition_problems(i: usize, r: &RenditionSpec, problems: &mut Vec<Problem>) {
    let mut push =
        |field: &str, message: String| problems.push(Problem::new(Some(i), field, message));
    if let Some(why) = name_problem(&r.name) {
        push("name", format!("the rendition name {why}"));
    }
    if !r.container.holds_video(r.video) {
        push(
            "video_codec",
            format!(
                "a {} file cannot hold {} video; use vp9 or av1, or an mp4 container",
                r.container.label(),
                r.video.label()
            ),
        );
    }
    if let SizeSpec::ShortSide(n) = r.size {
        if !(MIN_SIZE..=MAX_DIMENSION).contains(&n) {
            push(
                "size",
                format!(
                    "is {n}; the short side must be {} pixels, or \"source\"",
                    range_text(&(MIN_SIZE..=MAX_DIMENSION))
                ),
            );
        }
    }
    quality_problems(i, r, problems);
    speed_and_rate_problems(i, r, problems);
    audio_problems(i, r, problems);
}

/// The rendition's CRF, bitrate, or capped CRF (its ceiling and buffer).
fn quality_problems(i: usize, r: &RenditionSpec, problems: &mut Vec<Problem>) {
    let mut push =
        |field: &str, message: String| problems.push(Problem::new(Some(i), field, message));
    if let Some(crf) = r.quality.crf() {
        let range = r.video.crf_range();
        if !range.contains(&crf) {
            push(
                "crf",
                format!(
                    "is {crf}; {} takes a CRF {}",
                    r.video.label(),
                    range_text(&range)
                ),
            );
        }
    }
    match r.quality {
        Quality::Crf(_) => {}
        Quality::CappedCrf {
            maxrate_kbps,
            bufsize_kbps,
            ..
        } => {
            if !VIDEO_KBPS.contains(&maxrate_kbps) {
                push(
                    "maxrate_kbps",
                    format!(
                        "is {maxrate_kbps}; it must be {} kb/s",
                        range_text(&VIDEO_KBPS)
                    ),
                );
            }
            if !(maxrate_kbps / 4..=maxrate_kbps.saturating_mul(8)).contains(&bufsize_kbps)
                || bufsize_kbps == 0
            {
                push(
                    "bufsize_kbps",
                    format!(
                        "is {bufsize_kbps}; it must be between a quarter and 8 times maxrate_kbps"
                    ),
                );
            }
            if r.video == VideoCodec::Vp9 {
                push(
                    "maxrate_kbps",
                    "VP9 takes crf or bitrate_kbps, not a capped CRF".to_owned(),
                );
            }
        }
        Quality::BitrateKbps(kbps) => {
            if !VIDEO_KBPS.contains(&kbps) {
                push(
                    "bitrate_kbps",
                    format!("is {kbps}; it must be {} kb/s", range_text(&VIDEO_KBPS)),
                );
            }
        }
    }
}

/// The encoder's speed word and the frame-rate ceiling.
fn speed_and_rate_problems(i: usize, r: &RenditionSpec, problems: &mut Vec<Problem>) {
    let mut push =
        |field: &str, message: String| problems.push(Problem::new(Some(i), field, message));
    let speeds = r.video.speeds();
    if !speeds.contains(&r.speed) {
        push(
            "speed",
            format!(
                "{:?} is not a {} speed; use one of {}",
                r.speed,
                r.video.label(),
                speeds.join(", ")
            ),
        );
    }
    if let Some(fps) = r.max_fps {
        if !MAX_FPS.contains(&fps) {
            push(
                "max_fps",
                format!("is {fps}; it must be {}", range_text(&MAX_FPS)),
            );
        }
    }
}

/// The audio codec in its container, and its bitrate.
fn audio_problems(i: usize, r: &RenditionSpec, problems: &mut Vec<Problem>) {
    let mut push =
        |field: &str, message: String| problems.push(Problem::new(Some(i), field, message));
    if let AudioSpec::Encode {
        codec,
        bitrate_kbps,
    } = r.audio
    {
        if !r.container.holds_audio(codec) {
            push(
                "audio_codec",
                format!(
                    "a {} file cannot hold {} audio; use opus or none, or an mp4 container",
                    r.container.label(),
                    codec.label()
                ),
            );
        }
        if !AUDIO_KBPS.contains(&bitrate_kbps) {
            push(
                "audio_bitrate_kbps",
                format!(
                    "is {bitrate_kbps}; it must be {} kb/s",
                    range_text(&AUDIO_KBPS)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{builtin_presets, find_preset, AudioCodec, VideoCodec};

    fn webm() -> Preset {
        find_preset("webm").expect("webm is built in")
    }

    fn fields(p: &Preset) -> Vec<String> {
        validate(p).into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn builtins_are_valid() {
        for p in builtin_presets() {
            assert_eq!(validate(&p), vec![], "{}", p.name);
        }
    }

    #[test]
    fn aac_in_webm_is_refused() {
        let mut p = webm();
        p.renditions[0].audio = AudioSpec::Encode {
            codec: AudioCodec::Aac,
            bitrate_kbps: 128,
        };
        let problems = validate(&p);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "audio_codec");
        assert!(problems[0]
            .to_string()
            .contains("WebM file cannot hold AAC"));
    }

    #[test]
    fn h264_in_webm_is_refused() {
        let mut p = webm();
        p.renditions[0].video = VideoCodec::H264;
        p.renditions[0].speed = "veryfast".into();
        p.renditions[0].quality = Quality::Crf(23);
        assert_eq!(fields(&p), ["video_codec"]);
    }

    #[test]
    fn keeping_hdr_in_h264_is_refused_with_the_way_out() {
        let mut web = find_preset("web").expect("web is built in");
        web.hdr = HdrRule::Keep;
        let problems = validate(&web);
        assert_eq!(problems.len(), web.renditions.len(), "{problems:?}");
        assert!(problems.iter().all(|p| p.field == "video_codec"));
        assert!(problems[0].message.contains("H.264 cannot hold HDR"));
        assert!(problems[0].message.contains("hdr = \"auto\""));
        web.hdr = HdrRule::Tonemap;
        assert_eq!(validate(&web), vec![]);
        let mut hevc = find_preset("hevc").expect("hevc is built in");
        hevc.hdr = HdrRule::Keep;
        assert_eq!(validate(&hevc), vec![]);
    }

    #[test]
    fn size_zero_and_crf_out_of_range_are_refused() {
        let mut p = webm();
        p.renditions[0].size = SizeSpec::ShortSide(0);
        p.renditions[1].quality = Quality::Crf(64);
        assert_eq!(fields(&p), ["size", "crf"]);
        let mut web = find_preset("web").expect("web is built in");
        web.renditions[0].quality = Quality::Crf(52);
        assert_eq!(fields(&web), ["crf"]);
    }

    #[test]
    fn duplicate_rendition_names_are_refused() {
        let mut p = webm();
        p.renditions[1].name = p.renditions[0].name.clone();
        let problems = validate(&p);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rendition, Some(1));
        assert_eq!(problems[0].field, "name");
    }

    #[test]
    fn bad_languages_and_loudness_are_refused() {
        let mut p = webm();
        p.tracks.audio_tracks = AudioTracks::Languages(vec!["eng".into(), "French".into()]);
        p.tracks.loudness_lufs = Some(3.0);
        assert_eq!(fields(&p), ["audio_tracks", "loudness_lufs"]);
        p.tracks.audio_tracks = AudioTracks::Languages(vec![]);
        p.tracks.loudness_lufs = Some(-16.0);
        assert_eq!(fields(&p), ["audio_tracks"]);
        p.tracks.audio_tracks = AudioTracks::Languages(vec!["fra".into(), "fra".into()]);
        assert_eq!(fields(&p), ["audio_tracks"]);
        p.tracks.audio_tracks = AudioTracks::Languages(vec!["fra".into(), "eng".into()]);
        assert_eq!(fields(&p), Vec::<String>::new());
    }

    #[test]
    fn names_that_escape_the_folder_are_refused() {
        for bad in ["../x", "a/b", ".hidden", "", "a\\b", "tab\there", " pad"] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(name_problem("My WebM (small)").is_none());
    }

    #[test]
    fn unknown_speed_bad_bitrates_and_fps_are_refused() {
        let mut p = webm();
        p.renditions[0].speed = "veryfast".into();
        p.renditions[1].quality = Quality::BitrateKbps(1);
        p.renditions[2].max_fps = Some(0);
        p.renditions[2].audio = AudioSpec::Encode {
            codec: AudioCodec::Opus,
            bitrate_kbps: 1,
        };
        p.thumbnail.width = 0;
        assert_eq!(
            fields(&p),
            [
                "thumbnail.width",
                "speed",
                "bitrate_kbps",
                "max_fps",
                "audio_bitrate_kbps"
            ]
        );
    }

    #[test]
    fn packaged_presets_need_mp4_rungs_one_aac_audio_and_a_sane_segment() {
        let mut stream = find_preset("stream").expect("stream");
        assert!(validate(&stream).is_empty(), "{:?}", validate(&stream));
        stream.packaging.segment_seconds = 0;
        stream.renditions[1].container = crate::presets::Container::Webm;
        stream.renditions[2].audio = AudioSpec::Encode {
            codec: AudioCodec::Aac,
            bitrate_kbps: 96,
        };
        if let Quality::CappedCrf { bufsize_kbps, .. } = &mut stream.renditions[3].quality {
            *bufsize_kbps = 0;
        }
        let found = fields(&stream);
        for field in [
            "segment_seconds",
            "container",
            "audio_codec",
            "bufsize_kbps",
        ] {
            assert!(found.iter().any(|f| f == field), "{field} in {found:?}");
        }
    }
}
