//! Presets as TOML text: parsing (with the line and field of every problem)
//! and writing. The file layout:
//!
//! ```toml
//! name = "small-webm"
//! description = "720p + 480p WebM with Opus"
//! metadata = "no_location" # keep, strip; the default hides the location
//! audio_tracks = "first" # "all", or languages: ["eng", "fra"]
//! channels = "stereo"    # or "source" (5.1 kept where the codec allows)
//! loudness_lufs = -16    # optional EBU R128 target
//! subtitles = "keep"     # "none", "keep_and_sidecar" (.vtt files beside)
//! hdr = "auto"          # keep, tonemap: what an HDR source's renditions are
//! deinterlace = "auto"  # off, always: interlaced sources made progressive
//! rate = "frame"         # or "field": 50i becomes 50p instead of 25p
//! crop = "none"          # "auto" (black bars), or { top = 8, bottom = 8, left = 0, right = 0 }
//! package = "files"      # or "hls", "dash", "cmaf" (both): a streaming bundle
//! segment_seconds = 4    # packaged presets: segment length, 1 to 20
//! score = "sampled"      # or "off", "full": each rendition's SSIM and PSNR
//!
//! [thumbnail]
//! format = "jpeg"        # or "png", "webp"
//! width = 640
//! storyboard = { interval_seconds = 5 } # or count = 100; optional
//!                        # tile_width = 160, columns = 10, rows = 10
//! poster = "first"       # or "best": a representative frame, poster.jpg
//!
//! [[renditions]]
//! name = "720p"
//! container = "webm"     # mp4, webm
//! video_codec = "vp9"    # h264, hevc, vp9, av1
//! size = 720             # short side in pixels, or "source"
//! crf = 32               # or bitrate_kbps = 2500, or target_ssim = 0.985
//! maxrate_kbps = 3000    # optional with crf (not vp9): a ceiling...
//! bufsize_kbps = 6000    # ...over this buffer (default twice maxrate)
//! speed = "5"
//! max_fps = 30           # optional
//! min_ssim = 0.97        # optional: below this measured SSIM the rendition fails
//! on_low_quality = "retry" # or "fail" (default): made once more at a lower CRF
//! audio_codec = "opus"   # aac, opus, none, copy
//! audio_bitrate_kbps = 128
//! ```

use serde::de::{value::StrDeserializer, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::codecs::{AudioCodec, Container, VideoCodec};
use super::model::{
    AudioSpec, HdrRule, MetadataRule, Package, Packaging, Preset, Quality, RenditionSpec, SizeSpec,
    ThumbnailFormat, ThumbnailSpec, SEGMENT_SECONDS, THUMBNAIL_WIDTH,
};
use super::picture::{Crop, CropRule, DeinterlaceRule, FieldRate, PictureRules};
use super::quality::{LowQuality, QualityGoal, ScoreMode};
use super::storyboard::{PosterChoice, StoryboardSpec, TileSpacing};
use super::tracks::{AudioTracks, Channels, SubtitleRule, TrackRules};
use super::validate::{validate, Problem};
use super::words::word_of;

const RENDITION_HEADER: &str = "[[renditions]]";
/// Audio bitrate when a file names a codec but no bitrate.
const DEFAULT_AUDIO_KBPS: u32 = 128;

/// The file's layout where it is not the model's serde form (which is the
/// JSON of job requests, pinned apart): the enums' words are the model's
/// own serde names ([`Word`]); the rest is mapped below, both ways.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<Word<MetadataRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audio_tracks: Option<AudioTracksValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channels: Option<Word<Channels>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loudness_lufs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subtitles: Option<Word<SubtitleRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hdr: Option<Word<HdrRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deinterlace: Option<Word<DeinterlaceRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate: Option<Word<FieldRate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crop: Option<CropValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    package: Option<Word<Package>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    segment_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score: Option<Word<ScoreMode>>,
    #[serde(default)]
    thumbnail: ThumbnailFile,
    #[serde(default)]
    renditions: Vec<RenditionFile>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThumbnailFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<Word<ThumbnailFormat>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    storyboard: Option<StoryboardFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poster: Option<Word<PosterChoice>>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryboardFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interval_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tile_width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    columns: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rows: Option<u32>,
}

impl StoryboardFile {
    fn of(spec: &StoryboardSpec) -> StoryboardFile {
        let (interval_seconds, count) = match spec.spacing {
            TileSpacing::IntervalSeconds(n) => (Some(n), None),
            TileSpacing::Count(n) => (None, Some(n)),
        };
        StoryboardFile {
            interval_seconds,
            count,
            tile_width: Some(spec.tile_width),
            columns: Some(spec.columns),
            rows: Some(spec.rows),
        }
    }

    fn spec(self, problems: &mut Vec<Problem>) -> Option<StoryboardSpec> {
        let default = StoryboardSpec::default();
        let spacing = match (self.interval_seconds, self.count) {
            (Some(_), Some(_)) => {
                problems.push(Problem::new(
                    None,
                    "thumbnail.storyboard",
                    "give interval_seconds or count, not both".to_owned(),
                ));
                return None;
            }
            (Some(n), None) => TileSpacing::IntervalSeconds(n),
            (None, Some(n)) => TileSpacing::Count(n),
            (None, None) => default.spacing,
        };
        Some(StoryboardSpec {
            spacing,
            tile_width: self.tile_width.unwrap_or(default.tile_width),
            columns: self.columns.unwrap_or(default.columns),
            rows: self.rows.unwrap_or(default.rows),
        })
    }
}

/// A preset enum's value as a file gives it: one of the model's words (its
/// serde name), or the text when it is none of them, kept so that every
/// unknown word of a file is reported with its field and the words it
/// takes ([`Word::value`]); serde would stop at the first. Anything but a
/// string is a type error, as before.
enum Word<T> {
    Known(T),
    Unknown(String),
}

impl<T: Serialize> Serialize for Word<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Word::Known(value) => value.serialize(serializer),
            Word::Unknown(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Word<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let known = T::deserialize(StrDeserializer::<serde::de::value::Error>::new(&text));
        Ok(known.map_or(Word::Unknown(text), Word::Known))
    }
}

impl<T: Copy + Serialize> Word<T> {
    /// The value, or a problem of `field` (of rendition `rendition`):
    /// "unknown {what} "word"; use a, b or c", the words of `all`.
    fn value(&self, all: &[T], at: (Option<usize>, &str), what: &str) -> Result<T, Problem> {
        match self {
            Word::Known(value) => Ok(*value),
            Word::Unknown(text) => Err(Problem::new(
                at.0,
                at.1,
                format!("unknown {what} {text:?}; use {}", one_of(all)),
            )),
        }
    }
}

/// An optional enum field: `default` when left out, else [`Word::value`]
/// (a problem pushed to `problems`, and `None`, when it is unknown).
fn field_value<T: Copy + Serialize>(
    given: &Option<Word<T>>,
    default: T,
    all: &[T],
    at: (Option<usize>, &str),
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let Some(word) = given else {
        return Some(default);
    };
    word.value(all, at, what)
        .map_err(|problem| problems.push(problem))
        .ok()
}

/// "a, b or c": the words of `all`.
fn one_of<T: Serialize>(all: &[T]) -> String {
    let words: Vec<&str> = all.iter().map(word_of).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// `audio_tracks`: a word, or a list of languages.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AudioTracksValue {
    Word(String),
    Languages(Vec<String>),
}

/// `crop`: a word, or pixels per side.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum CropValue {
    Word(String),
    Sides(Crop),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Pixels(i64),
    Word(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenditionFile {
    name: String,
    container: Word<Container>,
    video_codec: Word<VideoCodec>,
    size: SizeValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crf: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bitrate_kbps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_ssim: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    maxrate_kbps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bufsize_kbps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_fps: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_ssim: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_low_quality: Option<Word<LowQuality>>,
    audio_codec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audio_bitrate_kbps: Option<u32>,
}

/// The preset as TOML text.
pub fn to_toml(preset: &Preset) -> String {
    let file = PresetFile {
        name: preset.name.clone(),
        description: preset.description.clone(),
        metadata: Some(Word::Known(preset.metadata)),
        audio_tracks: Some(match &preset.tracks.audio_tracks {
            AudioTracks::First => AudioTracksValue::Word("first".to_owned()),
            AudioTracks::All => AudioTracksValue::Word("all".to_owned()),
            AudioTracks::Languages(l) => AudioTracksValue::Languages(l.clone()),
        }),
        channels: Some(Word::Known(preset.tracks.channels)),
        loudness_lufs: preset.tracks.loudness_lufs,
        subtitles: Some(Word::Known(preset.tracks.subtitles)),
        hdr: Some(Word::Known(preset.hdr)),
        deinterlace: Some(Word::Known(preset.picture.deinterlace)),
        rate: Some(Word::Known(preset.picture.rate)),
        crop: Some(match preset.picture.crop {
            CropRule::None => CropValue::Word("none".to_owned()),
            CropRule::Auto => CropValue::Word("auto".to_owned()),
            CropRule::Fixed(crop) => CropValue::Sides(crop),
        }),
        package: (preset.packaging.is_packaged()).then_some(Word::Known(preset.packaging.package)),
        segment_seconds: (preset.packaging.is_packaged())
            .then_some(preset.packaging.segment_seconds),
        score: (!preset.score.is_default()).then_some(Word::Known(preset.score)),
        thumbnail: ThumbnailFile {
            format: Some(Word::Known(preset.thumbnail.format)),
            width: Some(preset.thumbnail.width),
            storyboard: preset.thumbnail.storyboard.as_ref().map(StoryboardFile::of),
            poster: (!preset.thumbnail.poster.is_first())
                .then_some(Word::Known(preset.thumbnail.poster)),
        },
        renditions: preset.renditions.iter().map(rendition_file).collect(),
    };
    // Only maps of strings, numbers and tables: serializing cannot fail.
    toml::to_string_pretty(&file).unwrap_or_default()
}

fn rendition_file(r: &RenditionSpec) -> RenditionFile {
    let (crf, bitrate_kbps, maxrate_kbps, bufsize_kbps) = match r.quality {
        Quality::Crf(n) => (Some(n), None, None, None),
        Quality::BitrateKbps(n) => (None, Some(n), None, None),
        Quality::CappedCrf {
            crf,
            maxrate_kbps,
            bufsize_kbps,
        } => (Some(crf), None, Some(maxrate_kbps), Some(bufsize_kbps)),
    };
    // A target takes the CRF's place (the CRF is only where its search starts).
    let crf = crf.filter(|_| r.goal.target_ssim.is_none());
    let (audio_codec, audio_bitrate_kbps) = match r.audio {
        AudioSpec::None => ("none".to_owned(), None),
        AudioSpec::Copy => ("copy".to_owned(), None),
        AudioSpec::Encode {
            codec,
            bitrate_kbps,
        } => (codec.key().to_owned(), Some(bitrate_kbps)),
    };
    RenditionFile {
        name: r.name.clone(),
        container: Word::Known(r.container),
        video_codec: Word::Known(r.video),
        size: match r.size {
            SizeSpec::ShortSide(n) => SizeValue::Pixels(i64::from(n)),
            SizeSpec::Source => SizeValue::Word("source".to_owned()),
        },
        crf,
        bitrate_kbps,
        target_ssim: r.goal.target_ssim,
        maxrate_kbps,
        bufsize_kbps,
        speed: Some(r.speed.clone()),
        max_fps: r.max_fps,
        min_ssim: r.goal.min_ssim,
        on_low_quality: (!r.goal.on_low_quality.is_default())
            .then_some(Word::Known(r.goal.on_low_quality)),
        audio_codec,
        audio_bitrate_kbps,
    }
}

/// Parses and validates a preset file's text. Every problem carries the
/// line it is on, when that can be told.
pub fn parse(text: &str) -> Result<Preset, Vec<Problem>> {
    let file: PresetFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => return Err(vec![syntax_problem(text, &e)]),
    };
    let mut problems = Vec::new();
    let preset = from_file(file, &mut problems);
    if let Some(preset) = &preset {
        problems.extend(validate(preset));
    }
    for p in &mut problems {
        p.line = p.line.or_else(|| locate(text, p.rendition, &p.field));
    }
    match preset {
        Some(preset) if problems.is_empty() => Ok(preset),
        _ => Err(problems),
    }
}

fn syntax_problem(text: &str, e: &toml::de::Error) -> Problem {
    let start = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line_no = before.matches('\n').count() + 1;
    let renditions = before
        .lines()
        .filter(|l| l.trim() == RENDITION_HEADER)
        .count();
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let field = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .unwrap_or_else(|| "file".to_owned());
    Problem {
        rendition: renditions.checked_sub(1),
        field,
        line: Some(line_no),
        message: e.message().trim().to_owned(),
    }
}

/// The preset a file describes; `None` when a problem (pushed to
/// `problems`, in the order of the file's parts) leaves a part unknown.
fn from_file(file: PresetFile, problems: &mut Vec<Problem>) -> Option<Preset> {
    let top = |field| (None, field);
    let thumbnail = &file.thumbnail;
    let format = field_value(
        &thumbnail.format,
        ThumbnailFormat::Jpeg,
        &ThumbnailFormat::ALL,
        top("thumbnail.format"),
        "thumbnail format",
        problems,
    );
    let metadata = field_value(
        &file.metadata,
        MetadataRule::default(),
        &MetadataRule::ALL,
        top("metadata"),
        "metadata rule",
        problems,
    );
    let tracks = tracks_from_file(&file, problems);
    let hdr = field_value(
        &file.hdr,
        HdrRule::default(),
        &HdrRule::ALL,
        top("hdr"),
        "HDR rule",
        problems,
    );
    let picture = picture_from_file(&file, problems);
    let package = field_value(
        &file.package,
        Package::Files,
        &Package::ALL,
        top("package"),
        "package",
        problems,
    );
    let score = field_value(
        &file.score,
        ScoreMode::default(),
        &ScoreMode::ALL,
        top("score"),
        "score",
        problems,
    );
    let renditions: Vec<Option<RenditionSpec>> = file
        .renditions
        .into_iter()
        .enumerate()
        .map(|(i, r)| rendition_from_file(i, r, problems))
        .collect();
    let poster = field_value(
        &file.thumbnail.poster,
        PosterChoice::First,
        &PosterChoice::ALL,
        top("thumbnail.poster"),
        "poster choice",
        problems,
    );
    let storyboard = match file.thumbnail.storyboard {
        None => None,
        Some(s) => Some(s.spec(problems)?),
    };
    let thumbnail = ThumbnailSpec {
        format: format?,
        width: file.thumbnail.width.unwrap_or(THUMBNAIL_WIDTH),
        storyboard,
        poster: poster?,
    };
    Some(Preset {
        name: file.name,
        description: file.description,
        thumbnail,
        renditions: renditions.into_iter().collect::<Option<Vec<_>>>()?,
        metadata: metadata?,
        tracks: tracks?,
        hdr: hdr?,
        picture: picture?,
        packaging: Packaging {
            package: package?,
            segment_seconds: file.segment_seconds.unwrap_or(SEGMENT_SECONDS),
        },
        score: score?,
    })
}

/// The picture rules of a file; each one left out is the default.
fn picture_from_file(file: &PresetFile, problems: &mut Vec<Problem>) -> Option<PictureRules> {
    let deinterlace = field_value(
        &file.deinterlace,
        DeinterlaceRule::default(),
        &DeinterlaceRule::ALL,
        (None, "deinterlace"),
        "deinterlace rule",
        problems,
    );
    let rate = field_value(
        &file.rate,
        FieldRate::default(),
        &FieldRate::ALL,
        (None, "rate"),
        "rate",
        problems,
    );
    let crop = match &file.crop {
        None => Some(CropRule::None),
        Some(CropValue::Word(w)) if w == "none" => Some(CropRule::None),
        Some(CropValue::Word(w)) if w == "auto" => Some(CropRule::Auto),
        Some(CropValue::Word(w)) => {
            problems.push(Problem::new(
                None,
                "crop",
                format!("unknown crop {w:?}; use \"none\", \"auto\" or {{ top = 8, bottom = 8, left = 0, right = 0 }}"),
            ));
            None
        }
        Some(CropValue::Sides(crop)) => Some(CropRule::Fixed(*crop)),
    };
    Some(PictureRules {
        deinterlace: deinterlace?,
        rate: rate?,
        crop: crop?,
    })
}

/// The track rules of a file; each one left out is the default.
fn tracks_from_file(file: &PresetFile, problems: &mut Vec<Problem>) -> Option<TrackRules> {
    let audio_tracks = match &file.audio_tracks {
        None => Some(AudioTracks::default()),
        Some(AudioTracksValue::Word(w)) if w == "first" => Some(AudioTracks::First),
        Some(AudioTracksValue::Word(w)) if w == "all" => Some(AudioTracks::All),
        Some(AudioTracksValue::Word(w)) => {
            problems.push(Problem::new(
                None,
                "audio_tracks",
                format!("{w:?} is not a track rule; use \"first\", \"all\" or a list of languages like [\"eng\", \"fra\"]"),
            ));
            None
        }
        Some(AudioTracksValue::Languages(l)) => Some(AudioTracks::Languages(l.clone())),
    };
    let channels = field_value(
        &file.channels,
        Channels::default(),
        &Channels::ALL,
        (None, "channels"),
        "channel rule",
        problems,
    );
    let subtitles = field_value(
        &file.subtitles,
        SubtitleRule::default(),
        &SubtitleRule::ALL,
        (None, "subtitles"),
        "subtitle rule",
        problems,
    );
    Some(TrackRules {
        audio_tracks: audio_tracks?,
        channels: channels?,
        loudness_lufs: file.loudness_lufs,
        subtitles: subtitles?,
    })
}

/// Rendition `i` of a file; `None` when a problem was pushed.
fn rendition_from_file(
    i: usize,
    r: RenditionFile,
    problems: &mut Vec<Problem>,
) -> Option<RenditionSpec> {
    let container = (r
        .container
        .value(&Container::ALL, (Some(i), "container"), "container"))
    .map_err(|p| problems.push(p))
    .ok();
    let video = (r
        .video_codec
        .value(&VideoCodec::ALL, (Some(i), "video_codec"), "video codec"))
    .map_err(|p| problems.push(p))
    .ok();
    let size = size_from_file(i, &r.size).map_err(|p| problems.push(p));
    let audio =
        audio_from_file(i, &r.audio_codec, r.audio_bitrate_kbps).map_err(|p| problems.push(p));
    let on_low_quality = field_value(
        &r.on_low_quality,
        LowQuality::Fail,
        &LowQuality::ALL,
        (Some(i), "on_low_quality"),
        "choice",
        problems,
    );
    let video = video?;
    let quality = quality_from_file(&r, video)
        .map_err(|(field, m)| problems.push(Problem::new(Some(i), field, m)))
        .ok()?;
    Some(RenditionSpec {
        name: r.name,
        container: container?,
        video,
        size: size.ok()?,
        quality,
        speed: r.speed.unwrap_or_else(|| video.default_speed().to_owned()),
        max_fps: r.max_fps,
        audio: audio.ok()?,
        goal: QualityGoal {
            target_ssim: r.target_ssim,
            min_ssim: r.min_ssim,
            on_low_quality: on_low_quality?,
        },
    })
}

/// `size` of rendition `i`: pixels of the short side, or "source".
fn size_from_file(i: usize, size: &SizeValue) -> Result<SizeSpec, Problem> {
    let problem = |message| Problem::new(Some(i), "size", message);
    match size {
        SizeValue::Word(w) if w == "source" => Ok(SizeSpec::Source),
        SizeValue::Pixels(n) => u32::try_from(*n)
            .map(SizeSpec::ShortSide)
            .map_err(|_| problem(format!("is {n}; it must be a positive number of pixels"))),
        SizeValue::Word(w) => Err(problem(format!(
            "{w:?} is not a size; give the short side in pixels, or \"source\""
        ))),
    }
}

/// `audio_codec` (with `audio_bitrate_kbps`) of rendition `i`: a codec,
/// "none" or "copy".
fn audio_from_file(i: usize, codec: &str, bitrate_kbps: Option<u32>) -> Result<AudioSpec, Problem> {
    match codec {
        "none" => Ok(AudioSpec::None),
        "copy" => Ok(AudioSpec::Copy),
        key => match AudioCodec::from_key(key) {
            Some(codec) => Ok(AudioSpec::Encode {
                codec,
                bitrate_kbps: bitrate_kbps.unwrap_or(DEFAULT_AUDIO_KBPS),
            }),
            None => Err(Problem::new(
                Some(i),
                "audio_codec",
                format!(
                    "unknown audio codec {key:?}; use {}, none or copy",
                    AudioCodec::ALL.map(AudioCodec::key).join(", ")
                ),
            )),
        },
    }
}

/// The rendition's quality from `crf`, `bitrate_kbps`, `target_ssim`,
/// `maxrate_kbps` and `bufsize_kbps`, or the field at fault and why.
fn quality_from_file(
    r: &RenditionFile,
    video: VideoCodec,
) -> Result<Quality, (&'static str, String)> {
    if r.target_ssim.is_some() && (r.crf.is_some() || r.bitrate_kbps.is_some()) {
        return Err((
            "target_ssim",
            "takes the place of crf or bitrate_kbps; give one of them, not both".to_owned(),
        ));
    }
    let quality = match (r.crf, r.bitrate_kbps) {
        (Some(_), Some(_)) => {
            return Err((
                "bitrate_kbps",
                "give either crf or bitrate_kbps, not both".to_owned(),
            ));
        }
        (Some(crf), None) => Quality::Crf(crf),
        (None, Some(kbps)) => Quality::BitrateKbps(kbps),
        (None, None) => Quality::Crf(video.default_crf()),
    };
    match (quality, r.maxrate_kbps, r.bufsize_kbps) {
        (Quality::Crf(crf), Some(maxrate_kbps), bufsize) => Ok(Quality::CappedCrf {
            crf,
            maxrate_kbps,
            bufsize_kbps: bufsize.unwrap_or(maxrate_kbps.saturating_mul(2)),
        }),
        (quality, None, None) => Ok(quality),
        (_, None, Some(_)) => Err(("bufsize_kbps", "bufsize_kbps needs maxrate_kbps".to_owned())),
        (_, Some(_), _) => Err((
            "maxrate_kbps",
            "maxrate_kbps caps a crf; with bitrate_kbps leave it out".to_owned(),
        )),
    }
}

/// The line (1-based) where `field` of rendition `rendition` (or of the
/// preset itself) is written; the rendition's header when the field is not.
fn locate(text: &str, rendition: Option<usize>, field: &str) -> Option<usize> {
    let (section, key) = match field.split_once('.') {
        Some((table, key)) if rendition.is_none() => (Some(table), key),
        _ => (None, field),
    };
    // Which part of the file each line is in: None is the top level.
    let mut current: Option<String> = None;
    let mut seen_renditions = 0usize;
    let mut header_line = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed == RENDITION_HEADER {
            seen_renditions += 1;
            current = Some(format!("rendition {}", seen_renditions - 1));
        } else if trimmed.starts_with('[') {
            current = Some(
                trimmed
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_owned(),
            );
        }
        let wanted = match (rendition, section) {
            (Some(i), _) => current.as_deref() == Some(format!("rendition {i}").as_str()),
            (None, Some(table)) => current.as_deref() == Some(table),
            (None, None) => current.is_none(),
        };
        if !wanted {
            continue;
        }
        if trimmed.starts_with('[') {
            header_line = Some(n + 1);
            continue;
        }
        if let Some((k, _)) = trimmed.split_once('=') {
            if k.trim().trim_matches('"') == key {
                return Some(n + 1);
            }
        }
    }
    header_line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::builtin_presets;

    const SMALL_WEBM: &str = r#"name = "small-webm"
description = "720p + 480p WebM with Opus"

[[renditions]]
name = "720p"
container = "webm"
video_codec = "vp9"
size = 720
crf = 32
speed = "5"
audio_codec = "opus"
audio_bitrate_kbps = 128

[[renditions]]
name = "480p"
container = "webm"
video_codec = "vp9"
size = 480
crf = 34
max_fps = 30
audio_codec = "opus"
"#;

    #[test]
    fn builtins_round_trip() {
        for preset in builtin_presets() {
            let text = to_toml(&preset);
            assert_eq!(parse(&text), Ok(preset.clone()), "{}:\n{text}", preset.name);
        }
    }

    #[test]
    fn storyboard_and_poster_parse_round_trip_and_are_checked() {
        let text = "name = \"s\"\n[thumbnail]\nstoryboard = { count = 100, tile_width = 200 }\nposter = \"best\"\n";
        let p = parse(text).expect("valid");
        assert_eq!(
            p.thumbnail.storyboard,
            Some(StoryboardSpec {
                spacing: TileSpacing::Count(100),
                tile_width: 200,
                ..StoryboardSpec::default()
            })
        );
        assert_eq!(p.thumbnail.poster, PosterChoice::Best);
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        let interval = parse("name = \"s\"\n[thumbnail]\nstoryboard = { interval_seconds = 2 }\n")
            .expect("valid");
        assert_eq!(
            interval.thumbnail.storyboard.map(|s| s.spacing),
            Some(TileSpacing::IntervalSeconds(2))
        );
        let fields = |text: &str| -> Vec<String> {
            parse(text)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        let both = "name = \"s\"\n[thumbnail]\nstoryboard = { count = 3, interval_seconds = 2 }\n";
        assert_eq!(fields(both), ["thumbnail.storyboard"]);
        let wide = "name = \"s\"\n[thumbnail]\nstoryboard = { tile_width = 5000 }\n";
        assert_eq!(fields(wide), ["thumbnail.storyboard.tile_width"]);
        let poster = "name = \"s\"\n[thumbnail]\nposter = \"middle\"\n";
        assert_eq!(fields(poster), ["thumbnail.poster"]);
    }

    #[test]
    fn hand_written_file_parses_with_defaults() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.renditions.len(), 2);
        assert_eq!(p.renditions[1].speed, "5");
        assert_eq!(p.renditions[1].max_fps, Some(30));
        assert_eq!(p.thumbnail, ThumbnailSpec::default());
        assert_eq!(parse(&to_toml(&p)), Ok(p));
    }

    #[test]
    fn copy_none_source_and_bitrate_round_trip() {
        let text = SMALL_WEBM
            .replacen("audio_codec = \"opus\"", "audio_codec = \"copy\"", 1)
            .replacen("size = 480", "size = \"source\"", 1)
            .replacen("crf = 34", "bitrate_kbps = 900", 1)
            .replacen("audio_codec = \"opus\"", "audio_codec = \"none\"", 1);
        let p = parse(&text).expect("valid");
        assert_eq!(p.renditions[0].audio, AudioSpec::Copy);
        assert_eq!(p.renditions[1].audio, AudioSpec::None);
        assert_eq!(p.renditions[1].size, SizeSpec::Source);
        assert_eq!(p.renditions[1].quality, Quality::BitrateKbps(900));
        assert_eq!(parse(&to_toml(&p)), Ok(p));
    }

    #[test]
    fn problems_carry_line_and_field() {
        let text = SMALL_WEBM.replacen("audio_codec = \"opus\"", "audio_codec = \"aac\"", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "audio_codec");
        assert_eq!(problems[0].rendition, Some(0));
        assert_eq!(problems[0].line, Some(11));

        let text = SMALL_WEBM.replace("size = 480", "size = 0");
        let problems = parse(&text).unwrap_err();
        assert_eq!(
            (problems[0].line, problems[0].field.as_str()),
            (Some(18), "size")
        );
    }

    #[test]
    fn syntax_and_type_errors_name_the_line() {
        let problems =
            parse("name = \"x\"\n[[renditions]]\nname = \"a\"\nsize = true\n").unwrap_err();
        assert_eq!(problems[0].line, Some(4), "{problems:?}");
        assert_eq!(problems[0].rendition, Some(0));
        let problems = parse("name = \"x\"\nbogus = 1\n").unwrap_err();
        assert!(problems[0].message.contains("bogus"), "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
        let problems = parse("name = \n").unwrap_err();
        assert_eq!(problems[0].line, Some(1));
    }

    #[test]
    fn metadata_rule_parses_defaults_and_is_checked() {
        assert_eq!(
            parse(SMALL_WEBM).map(|p| p.metadata),
            Ok(MetadataRule::NoLocation)
        );
        for rule in MetadataRule::ALL {
            let text =
                SMALL_WEBM.replacen("\n\n", &format!("\nmetadata = \"{}\"\n\n", rule.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.metadata, rule);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nmetadata = \"gps_only\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "metadata");
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("gps_only"));
    }

    #[test]
    fn picture_rules_parse_default_and_are_checked() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.picture, PictureRules::default());
        assert_eq!(p.picture.deinterlace, DeinterlaceRule::Auto);
        let text = SMALL_WEBM.replacen(
            "\n\n",
            "\ndeinterlace = \"always\"\nrate = \"field\"\n\n",
            1,
        );
        let p = parse(&text).expect("valid");
        assert_eq!(p.picture.deinterlace, DeinterlaceRule::Always);
        assert_eq!(p.picture.rate, FieldRate::Field);
        assert_eq!(parse(&to_toml(&p)), Ok(p.clone()));
        let off = SMALL_WEBM.replacen("\n\n", "\ndeinterlace = \"off\"\n\n", 1);
        assert_eq!(
            parse(&off).map(|p| p.picture.deinterlace),
            Ok(DeinterlaceRule::Off)
        );
        let bad = SMALL_WEBM.replacen(
            "\n\n",
            "\ndeinterlace = \"yadif\"\nrate = \"double\"\n\n",
            1,
        );
        let problems = parse(&bad).unwrap_err();
        let fields: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.line))
            .collect();
        assert_eq!(fields, [("deinterlace", Some(3)), ("rate", Some(4))]);
        assert!(problems[0].message.contains("auto, off or always"));
    }

    #[test]
    fn crop_parses_as_a_word_or_sides_and_is_checked() {
        assert_eq!(
            parse(SMALL_WEBM).map(|p| p.picture.crop),
            Ok(CropRule::None)
        );
        let with = |crop: &str| SMALL_WEBM.replacen("\n\n", &format!("\ncrop = {crop}\n\n"), 1);
        assert_eq!(
            parse(&with("\"auto\"")).map(|p| p.picture.crop),
            Ok(CropRule::Auto)
        );
        let p = parse(&with("{ top = 140, bottom = 140, left = 0, right = 0 }")).expect("valid");
        let fixed = CropRule::Fixed(Crop {
            top: 140,
            bottom: 140,
            left: 0,
            right: 0,
        });
        assert_eq!(p.picture.crop, fixed);
        assert_eq!(parse(&to_toml(&p)).map(|p| p.picture.crop), Ok(fixed));
        for bad in ["\"black\"", "{ top = 7, bottom = 0, left = 0, right = 0 }"] {
            let problems = parse(&with(bad)).unwrap_err();
            assert_eq!(problems[0].field, "crop", "{bad}: {problems:?}");
            assert_eq!(problems[0].line, Some(3));
        }
        assert!(parse(&with("{ top = 8 }")).is_err(), "every side is named");
    }

    #[test]
    fn track_rules_parse_default_and_are_checked() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.tracks, TrackRules::default());
        let text = SMALL_WEBM.replacen(
            "\n\n",
            "\naudio_tracks = [\"eng\", \"fra\"]\nchannels = \"source\"\nloudness_lufs = -16\nsubtitles = \"keep_and_sidecar\"\n\n",
            1,
        );
        let p = parse(&text).expect("valid");
        assert_eq!(
            p.tracks.audio_tracks,
            AudioTracks::Languages(vec!["eng".into(), "fra".into()])
        );
        assert_eq!(p.tracks.channels, Channels::Source);
        assert_eq!(p.tracks.loudness_lufs, Some(-16.0));
        assert_eq!(p.tracks.subtitles, SubtitleRule::KeepAndSidecar);
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        let all = SMALL_WEBM.replacen("\n\n", "\naudio_tracks = \"all\"\n\n", 1);
        assert_eq!(
            parse(&all).map(|p| p.tracks.audio_tracks),
            Ok(AudioTracks::All)
        );

        let bad = SMALL_WEBM.replacen(
            "\n\n",
            "\naudio_tracks = \"some\"\nchannels = \"7.1\"\nsubtitles = \"burn\"\n\n",
            1,
        );
        let problems = parse(&bad).unwrap_err();
        let fields: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.line))
            .collect();
        assert_eq!(
            fields,
            [
                ("audio_tracks", Some(3)),
                ("channels", Some(4)),
                ("subtitles", Some(5))
            ]
        );
        let loud = SMALL_WEBM.replacen("\n\n", "\nloudness_lufs = 0\n\n", 1);
        let problems = parse(&loud).unwrap_err();
        assert_eq!(problems[0].field, "loudness_lufs");
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn hdr_rule_parses_defaults_and_is_checked() {
        assert_eq!(parse(SMALL_WEBM).map(|p| p.hdr), Ok(HdrRule::Auto));
        for rule in HdrRule::ALL {
            let text = SMALL_WEBM.replacen("\n\n", &format!("\nhdr = \"{}\"\n\n", rule.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.hdr, rule);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nhdr = \"dolby\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "hdr");
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("dolby"));
    }

    #[test]
    fn score_parses_defaults_and_is_checked() {
        let preset = parse(SMALL_WEBM).expect("valid");
        assert_eq!(preset.score, ScoreMode::Sampled);
        // The default is not written, so exported presets stay as they were.
        assert!(!to_toml(&preset).contains("score"));
        for mode in ScoreMode::ALL {
            let text = SMALL_WEBM.replacen("\n\n", &format!("\nscore = \"{}\"\n\n", mode.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.score, mode);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nscore = \"vmaf\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("score", Some(3))
        );
        assert!(problems[0].message.contains("off, sampled or full"));
    }

    #[test]
    fn floors_parse_round_trip_and_are_checked() {
        let floored =
            |extra: &str| SMALL_WEBM.replacen("crf = 32\n", &format!("crf = 32\n{extra}"), 1);
        let p = parse(&floored("min_ssim = 0.97\non_low_quality = \"retry\"\n")).expect("valid");
        let goal = p.renditions[0].goal;
        assert_eq!(
            (goal.min_ssim, goal.on_low_quality),
            (Some(0.97), LowQuality::Retry)
        );
        assert_eq!(p.renditions[1].goal, QualityGoal::default());
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        for (extra, field) in [
            ("min_ssim = 1.2\n", "min_ssim"),
            ("on_low_quality = \"retry\"\n", "on_low_quality"),
            (
                "min_ssim = 0.9\non_low_quality = \"again\"\n",
                "on_low_quality",
            ),
        ] {
            let problems = parse(&floored(extra)).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(
                (problems[0].field.as_str(), problems[0].rendition),
                (field, Some(0))
            );
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // A floor needs a score.
        let off = floored("min_ssim = 0.97\n").replacen("\n\n", "\nscore = \"off\"\n\n", 1);
        let problems = parse(&off).unwrap_err();
        assert!(problems[0].message.contains("score"), "{problems:?}");
    }

    #[test]
    fn target_ssim_takes_the_crfs_place_and_is_checked() {
        let aimed = |with: &str| SMALL_WEBM.replacen("crf = 32\n", with, 1);
        let p = parse(&aimed("target_ssim = 0.985\n")).expect("valid");
        assert_eq!(p.renditions[0].goal.target_ssim, Some(0.985));
        assert_eq!(p.renditions[1].goal.target_ssim, None);
        let text = to_toml(&p);
        assert!(text.contains("target_ssim = 0.985"), "{text}");
        // The starting CRF is not written: the file says what it said.
        assert_eq!(text.matches("crf =").count(), 1, "{text}");
        assert_eq!(parse(&text), Ok(p.clone()));
        assert!(p.renditions[0].summary().contains("target SSIM 0.985"));
        for (with, field) in [
            ("target_ssim = 1.5\n", "target_ssim"),
            ("target_ssim = 0\n", "target_ssim"),
            ("target_ssim = 0.98\ncrf = 30\n", "target_ssim"),
            ("target_ssim = 0.98\nbitrate_kbps = 900\n", "target_ssim"),
            ("target_ssim = \"high\"\n", "target_ssim"),
        ] {
            let problems = parse(&aimed(with)).unwrap_err();
            assert_eq!(problems.len(), 1, "{with}: {problems:?}");
            assert_eq!(
                (problems[0].field.as_str(), problems[0].rendition),
                (field, Some(0)),
                "{with}: {problems:?}"
            );
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // With a cap: the search keeps it.
        let capped = parse(&aimed("target_ssim = 0.98\nmaxrate_kbps = 3000\n"));
        assert!(capped.is_err(), "VP9 takes no cap");
    }

    #[test]
    fn package_segment_and_caps_parse_and_are_checked() {
        let text = "name = \"s\"\npackage = \"hls\"\nsegment_seconds = 6\n\n[[renditions]]\nname = \"720p\"\ncontainer = \"mp4\"\nvideo_codec = \"h264\"\nsize = 720\ncrf = 23\nmaxrate_kbps = 3000\naudio_codec = \"aac\"\n";
        let preset = parse(text).expect("valid");
        assert_eq!(preset.packaging.package, Package::Hls);
        assert_eq!(preset.packaging.segment_seconds, 6);
        assert_eq!(
            preset.renditions[0].quality,
            Quality::CappedCrf {
                crf: 23,
                maxrate_kbps: 3000,
                bufsize_kbps: 6000
            }
        );
        assert_eq!(parse(&to_toml(&preset)), Ok(preset));
        let bad = text.replace("\"hls\"", "\"smooth\"");
        let problems = parse(&bad).expect_err("unknown package");
        assert_eq!(problems[0].field, "package");
        assert_eq!(problems[0].line, Some(2));
        let long = text.replace("= 6", "= 60");
        let problems = parse(&long).expect_err("segment too long");
        assert_eq!(problems[0].field, "segment_seconds");
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn unknown_codec_is_named() {
        let text = SMALL_WEBM.replace(
            "video_codec = \"vp9\"\nsize = 480",
            "video_codec = \"divx\"\nsize = 480",
        );
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems[0].field, "video_codec");
        assert_eq!(problems[0].line, Some(17));
        assert!(problems[0].message.contains("divx"));
    }

    /// Property: damaged copies of good preset files (every built-in's and
    /// a hand-written one) never panic; what parses is valid and writes
    /// back to itself, and every problem names a line of the text.
    #[test]
    fn damaged_preset_files_parse_to_valid_presets_or_located_problems() {
        let mut gen = crate::testgen::Gen::new(26);
        let mut good: Vec<String> = builtin_presets().iter().map(to_toml).collect();
        good.push(SMALL_WEBM.to_owned());
        for case in 0..3000 {
            let text = gen.mutate(&good[case % good.len()]);
            match parse(&text) {
                Ok(preset) => {
                    assert!(validate(&preset).is_empty(), "case {case}:\n{text}");
                    assert_eq!(parse(&to_toml(&preset)), Ok(preset), "case {case}");
                }
                Err(problems) => {
                    assert!(!problems.is_empty(), "case {case}");
                    let lines = text.lines().count().max(1);
                    for p in problems {
                        assert!(
                            p.line.is_none_or(|l| (1..=lines + 1).contains(&l)),
                            "case {case}: {p}"
                        );
                    }
                }
            }
        }
    }

    /// Property: a preset and its renditions may be given any names; the
    /// file is accepted exactly when the one name rule accepts them, and
    /// the names read back as written.
    #[test]
    fn any_names_are_refused_or_read_back_exactly() {
        let mut gen = crate::testgen::Gen::new(26);
        let base = builtin_presets()[0].clone();
        for case in 0..2000 {
            let mut preset = base.clone();
            preset.name = gen.nasty(4);
            let rendition = gen.nasty(3);
            preset.renditions[0].name = rendition.clone();
            let text = to_toml(&preset);
            let names_ok = crate::names::name_problem(&preset.name).is_none()
                && crate::names::name_problem(&rendition).is_none()
                && preset.renditions[1..].iter().all(|r| r.name != rendition);
            match parse(&text) {
                Ok(read) => {
                    assert!(names_ok, "case {case}: {:?} accepted", preset.name);
                    assert_eq!(
                        (read.name.as_str(), read.renditions[0].name.as_str()),
                        (preset.name.as_str(), rendition.as_str())
                    );
                }
                Err(problems) => {
                    assert!(!names_ok, "case {case}: {problems:?}\n{text}");
                    assert!(
                        problems.iter().all(|p| p.field == "name"),
                        "case {case}: {problems:?}"
                    );
                }
            }
        }
    }

    /// The sentences a user reads for an unknown word, one per field,
    /// pinned (they were written by hand per field; now they are made from
    /// each enum's words, and must read the same).
    #[test]
    fn unknown_words_read_as_they_always_did() {
        let top = |line: &str| SMALL_WEBM.replacen("\n\n", &format!("\n{line}\n\n"), 1);
        let thumb = |line: &str| format!("{SMALL_WEBM}\n[thumbnail]\n{line}\n");
        let first = |from: &str, to: &str| SMALL_WEBM.replacen(from, to, 1);
        let cases = [
            (
                top("metadata = \"x\""),
                "unknown metadata rule \"x\"; use keep, no_location or strip",
            ),
            (
                top("channels = \"x\""),
                "unknown channel rule \"x\"; use stereo or source",
            ),
            (
                top("subtitles = \"x\""),
                "unknown subtitle rule \"x\"; use none, keep or keep_and_sidecar",
            ),
            (
                top("hdr = \"x\""),
                "unknown HDR rule \"x\"; use auto, keep or tonemap",
            ),
            (
                top("deinterlace = \"x\""),
                "unknown deinterlace rule \"x\"; use auto, off or always",
            ),
            (
                top("rate = \"x\""),
                "unknown rate \"x\"; use frame or field",
            ),
            (
                top("package = \"x\""),
                "unknown package \"x\"; use files, hls, dash or cmaf",
            ),
            (
                top("score = \"x\""),
                "unknown score \"x\"; use off, sampled or full",
            ),
            (
                thumb("format = \"x\""),
                "unknown thumbnail format \"x\"; use jpeg, png or webp",
            ),
            (
                thumb("poster = \"x\""),
                "unknown poster choice \"x\"; use first or best",
            ),
            (
                first("container = \"webm\"", "container = \"x\""),
                "unknown container \"x\"; use mp4 or webm",
            ),
            (
                first("video_codec = \"vp9\"", "video_codec = \"x\""),
                "unknown video codec \"x\"; use h264, hevc, vp9 or av1",
            ),
            (
                first("audio_codec = \"opus\"", "audio_codec = \"x\""),
                "unknown audio codec \"x\"; use aac, opus, none or copy",
            ),
            (
                first(
                    "crf = 32\n",
                    "crf = 32\nmin_ssim = 0.9\non_low_quality = \"x\"\n",
                ),
                "unknown choice \"x\"; use fail or retry",
            ),
        ];
        for (text, sentence) in cases {
            let problems = parse(&text).unwrap_err();
            assert_eq!(problems.len(), 1, "{text}: {problems:?}");
            assert_eq!(problems[0].message, sentence);
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // Not a string: a type error on its line, as before.
        let problems = parse(&top("hdr = 3")).unwrap_err();
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("hdr", Some(3))
        );
        assert!(
            problems[0].message.contains("expected a string"),
            "{problems:?}"
        );
    }

    /// The README's preset examples load: the whole preset as written, and
    /// the packaging one given a name (the other two are fragments).
    #[test]
    fn the_readmes_preset_examples_load() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let blocks: Vec<&str> = (readme.split("```toml\n").skip(1))
            .filter_map(|b| b.split("```").next())
            .collect();
        let whole = parse(blocks[0]).expect("the README's preset");
        assert_eq!(whole.renditions.len(), 2);
        assert_eq!(parse(&to_toml(&whole)), Ok(whole));
        let packaged = parse(&format!("name = \"p\"\n{}", blocks[1])).expect("packaged");
        assert_eq!(packaged.packaging.package, Package::Cmaf);
    }
}
