//! The checks every message read off the broker passes before anything
//! acts on it (`wire::decode` runs them): anyone who can reach the broker
//! can publish, so a message is hostile until it has been checked here.
//!
//! A message that fails is refused whole: the worker terminates the work
//! (no retry) and the submitter drops the news, each with a log line, and
//! both go on with good work. Paths are checked where they are used (the
//! worker against its shared roots, the submitter against the job folder
//! it reserved); here they only have to be short and their file names
//! single, plain components.

use std::collections::HashSet;
use std::path::Path;

use super::broker::Bucket;
use super::news_proof::is_key;
use super::wire::{Files, News, Presence, Work, WorkStage};
use vidprism_engine::limits::{MAX_DIMENSION, MAX_OUTPUT_BYTES, MAX_SOURCE_BYTES};
use vidprism_engine::media::quality::{Score, MAX_PSNR_DB};
use vidprism_engine::names::is_unprintable;
/// Text made safe for a terminal: the one function (`names.rs`).
pub use vidprism_engine::names::printable;
use vidprism_engine::pipeline::{
    EventKind, Output, Progress, QualityPlanned, RenditionFailed, RenditionSkipped, SourceFacts,
    StageStarted, Storyboard, Thumbnail,
};
use vidprism_engine::presets::{name_problem, validate, Problem};

/// Largest message accepted, in bytes (a job's presets fit many times).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Most presets one job may carry.
pub const MAX_PRESETS: usize = 8;
/// Most renditions one job may ask for, over all its presets: each is an
/// encoder thread on the worker.
pub const MAX_RENDITIONS: usize = 16;
/// Longest free text (an error, a reason, a path), in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;
/// Longest name (a worker, a codec, a job key), in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest file name, in bytes (what file systems allow).
const MAX_FILE_NAME_BYTES: usize = 255;
/// Stages an ingest may open: the thumbnail and the transcode.
const MAX_OPENED: usize = 2;
/// Most errors one stage end may list.
const MAX_ERRORS: usize = 32;
/// Most skipped tracks a rendition may report (a source has few).
const MAX_SKIPPED_TRACKS: usize = 64;
/// Most files one rendition may name beside it: subtitle sidecars, or a
/// stream bundle's other files (two playlists a rung and a few more).
const MAX_SIDECARS: usize = 64;
/// Most sprite files a storyboard announces, and most tiles.
const MAX_TILES: u32 = vidprism_engine::limits::MAX_STORYBOARD_TILES;
const MAX_SPRITES: usize = MAX_TILES as usize;
/// Tries a worker may say it makes, and transcodes it may say it runs.
const MAX_COUNT: u32 = 1000;
/// Fastest frame rate believed, in frames per second.
const MAX_FPS: f64 = 10_000.0;

/// Why a message is refused: the end of the sentence "refused a farm
/// message: ...". Text it quotes from the message is made printable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} bytes, more than {MAX_MESSAGE_BYTES}")]
    TooLarge(usize),
    #[error("the job key {0:?} is not one a submitter makes")]
    JobKey(String),
    #[error("the file name {0:?} is not one plain name")]
    FileName(String),
    #[error("its {0} is longer than {MAX_TEXT_BYTES} bytes")]
    TooLong(&'static str),
    #[error("its {what} {value:?} is not a plain name")]
    NotAName { what: &'static str, value: String },
    #[error("a rendition name {0}")]
    RenditionName(String),
    #[error("its {what} {value} is out of range")]
    OutOfRange { what: &'static str, value: f64 },
    #[error("its size {width}x{height} is out of range")]
    Size { width: u32, height: u32 },
    #[error("its {what} {value} bytes is more than {max}")]
    TooManyBytes {
        what: &'static str,
        value: u64,
        max: u64,
    },
    #[error("it names {0} files beside its output")]
    TooManyBeside(usize),
    #[error("it names the file {0:?} twice")]
    FileTwice(String),
    #[error("it carries {0} presets; 1 to {MAX_PRESETS} are accepted")]
    Presets(usize),
    #[error("it asks for {0} renditions, more than {MAX_RENDITIONS}")]
    Renditions(usize),
    #[error("its preset {name:?} is not valid: {problem}")]
    Preset { name: String, problem: Problem },
    #[error("its news key is not one a submitter makes")]
    NewsKey,
    #[error("it says {0} stages were opened")]
    Opened(usize),
    #[error("it lists {0} errors")]
    Errors(usize),
    #[error("its try {attempt} of {tries} is out of range")]
    Try { attempt: u32, tries: u32 },
    #[error("its digest is not a SHA-256 digest")]
    Digest,
    #[error("the bucket {0:?} is not a worker's outputs bucket")]
    Bucket(String),
    #[error("it reports {0} skipped tracks")]
    SkippedTracks(usize),
    #[error("its storyboard has {sprites} sprites and {tiles} tiles")]
    Storyboard { sprites: usize, tiles: u32 },
    #[error("its storyboard names the file {0:?} twice")]
    StoryboardFileTwice(String),
    #[error("a worker may not announce a job's queueing or end")]
    JobEnd,
    #[error("it names the rendition {0:?}, which the job does not have")]
    NotPlanned(String),
    #[error("it names {0} stages")]
    Stages(usize),
    #[error("it says it runs {0} jobs")]
    Jobs(usize),
    #[error("its per-frame score: {0}")]
    Series(#[from] vidprism_engine::media::quality::series::BadSeries),
}

/// A message type that can be checked, and whose text can be made safe to
/// show on a terminal.
pub trait Checked {
    /// Why the message must be refused, if it must.
    fn check(&self) -> Result<(), Refusal>;
    /// Replaces control characters in its free text.
    fn make_printable(&mut self);
}

/// A farm-wide job key in the submitter's own format: `<submitter>.<n>`,
/// the submitter one subject token of letters, digits, `-` and `_`.
pub fn check_job_key(key: &str) -> Result<(), Refusal> {
    let bad = || Refusal::JobKey(printable(key));
    let (prefix, number) = key.split_once('.').ok_or_else(bad)?;
    let prefix_ok = !prefix.is_empty()
        && prefix.len() <= MAX_NAME_BYTES
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let number_ok =
        !number.is_empty() && number.len() <= 20 && number.bytes().all(|b| b.is_ascii_digit());
    if prefix_ok && number_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// A file name that is one plain component: not empty, not `.` or `..`,
/// no separator and no control character.
pub fn check_file_name(name: &str) -> Result<(), Refusal> {
    let plain = !name.is_empty()
        && name.len() <= MAX_FILE_NAME_BYTES
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(is_unprintable);
    if plain {
        Ok(())
    } else {
        Err(Refusal::FileName(printable(name)))
    }
}

fn text(what: &'static str, value: &str) -> Result<(), Refusal> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(Refusal::TooLong(what));
    }
    Ok(())
}

fn name(what: &'static str, value: &str) -> Result<(), Refusal> {
    if value.is_empty() || value.len() > MAX_NAME_BYTES || value.chars().any(is_unprintable) {
        return Err(Refusal::NotAName {
            what,
            value: printable(value),
        });
    }
    Ok(())
}

fn path(what: &'static str, value: &Path) -> Result<(), Refusal> {
    text(what, &value.to_string_lossy())
}

fn rendition_name(value: &str) -> Result<(), Refusal> {
    match name_problem(value) {
        None => Ok(()),
        Some(why) => Err(Refusal::RenditionName(why)),
    }
}

fn number(what: &'static str, value: f64, max: f64) -> Result<(), Refusal> {
    if value.is_finite() && (0.0..=max).contains(&value) {
        Ok(())
    } else {
        Err(Refusal::OutOfRange { what, value })
    }
}

/// A rendition's score: SSIM within 0..=1, PSNR finite, 0 to the cap.
fn score(score: &Score) -> Result<(), Refusal> {
    for (what, value) in [
        ("SSIM", score.ssim),
        ("luma SSIM", score.ssim_y),
        ("worst SSIM", score.worst_ssim),
    ] {
        number(what, value, 1.0)?;
    }
    for (what, value) in [
        ("PSNR", score.psnr),
        ("luma PSNR", score.psnr_y),
        ("U PSNR", score.psnr_u),
        ("V PSNR", score.psnr_v),
    ] {
        number(what, value, MAX_PSNR_DB)?;
    }
    Ok(())
}

fn size(width: u32, height: u32) -> Result<(), Refusal> {
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Refusal::Size { width, height });
    }
    Ok(())
}

/// A size in bytes from the wire: it becomes a fetch's bound, so it must
/// be one the limits allow.
fn bytes_within(what: &'static str, value: u64, max: u64) -> Result<(), Refusal> {
    if value > max {
        return Err(Refusal::TooManyBytes { what, value, max });
    }
    Ok(())
}

/// The file name of an output a worker announces.
fn output_name(value: &Path) -> Result<(), Refusal> {
    path("output path", value)?;
    let file_name = value
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    check_file_name(&file_name)
}

/// The files a rendition names beside its own: few, each one plain name
/// (so they land in the job's folder and nowhere else), none of them the
/// rendition's own file and none twice.
fn files_beside(output: &Path, names: &[String]) -> Result<(), Refusal> {
    if names.len() > MAX_SIDECARS {
        return Err(Refusal::TooManyBeside(names.len()));
    }
    let own = output.file_name().map(|n| n.to_string_lossy());
    for (i, name) in names.iter().enumerate() {
        check_file_name(name)?;
        if own.as_deref() == Some(name.as_str()) || names[..i].contains(name) {
            return Err(Refusal::FileTwice(printable(name)));
        }
    }
    Ok(())
}

impl Checked for Work {
    fn check(&self) -> Result<(), Refusal> {
        check_job_key(&self.job)?;
        path("source path", &self.input)?;
        path("output folder", &self.out_dir)?;
        if let Some(dir) = &self.dir {
            path("job folder", dir)?;
        }
        if let Some(bytes) = self.source_bytes {
            bytes_within("source size", bytes, MAX_SOURCE_BYTES)?;
        }
        if self.news_key.as_deref().is_some_and(|k| !is_key(k)) {
            return Err(Refusal::NewsKey);
        }
        if self.files == Files::ObjectStore {
            let file_name = self
                .input
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            check_file_name(&file_name)?;
        }
        if self.presets.is_empty() || self.presets.len() > MAX_PRESETS {
            return Err(Refusal::Presets(self.presets.len()));
        }
        let renditions: usize = self.presets.iter().map(|p| p.renditions.len()).sum();
        if renditions > MAX_RENDITIONS {
            return Err(Refusal::Renditions(renditions));
        }
        for preset in &self.presets {
            if let Some(problem) = validate(preset).into_iter().next() {
                return Err(Refusal::Preset {
                    name: printable(&preset.name),
                    problem,
                });
            }
        }
        Ok(())
    }

    fn make_printable(&mut self) {}
}

impl Checked for News {
    fn check(&self) -> Result<(), Refusal> {
        match self {
            News::Event(kind) => check_event(kind),
            News::StageEnded {
                opened,
                errors,
                dir,
                worker,
                ..
            } => {
                name("worker name", worker)?;
                if *opened > MAX_OPENED {
                    return Err(Refusal::Opened(*opened));
                }
                if errors.len() > MAX_ERRORS {
                    return Err(Refusal::Errors(errors.len()));
                }
                errors.iter().try_for_each(|e| text("error", e))?;
                dir.as_deref().map_or(Ok(()), |d| path("job folder", d))
            }
            News::Sent {
                name,
                digest,
                bucket,
            } => {
                check_file_name(name)?;
                if bucket
                    .as_deref()
                    .is_some_and(|b| Bucket::outputs_named(b).is_none())
                {
                    return Err(Refusal::Bucket(bucket.clone().unwrap_or_default()));
                }
                check_digest(digest)
            }
            News::Series { rendition, series } => {
                name("rendition", rendition)?;
                Ok(vidprism_engine::media::quality::series::check(series)?)
            }
            News::Retrying {
                attempt,
                tries,
                reason,
                worker,
                ..
            } => {
                name("worker name", worker)?;
                if *attempt > MAX_COUNT || *tries > MAX_COUNT {
                    return Err(Refusal::Try {
                        attempt: *attempt,
                        tries: *tries,
                    });
                }
                text("reason", reason)
            }
        }
    }

    fn make_printable(&mut self) {
        match self {
            News::Event(kind) => event_printable(kind),
            News::StageEnded { errors, .. } => {
                errors.iter_mut().for_each(|e| *e = printable(e));
            }
            News::Retrying { reason, .. } => *reason = printable(reason),
            News::Sent { .. } | News::Series { .. } => {}
        }
    }
}

/// An object's digest as the object store writes it: `SHA-256=` and 43
/// or 44 characters of URL-safe base64.
fn check_digest(digest: &str) -> Result<(), Refusal> {
    let hash = digest.strip_prefix("SHA-256=").unwrap_or_default();
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=');
    if !(43..=44).contains(&hash.len()) || !hash.chars().all(base64) {
        return Err(Refusal::Digest);
    }
    Ok(())
}

/// What a worker may say happened: its results and progress, never a
/// job's queueing or end (the submitter decides those).
fn check_event(kind: &EventKind) -> Result<(), Refusal> {
    match kind {
        EventKind::StageStarted(StageStarted { rendition, .. }) => {
            rendition.as_deref().map_or(Ok(()), rendition_name)
        }
        EventKind::Progress(Progress {
            rendition,
            fraction,
            fps,
            eta_s,
            ..
        }) => {
            rendition_name(rendition)?;
            number("fraction", *fraction, 1.0)?;
            number("frame rate", *fps, MAX_FPS)?;
            eta_s.map_or(Ok(()), |eta| number("time left", eta, f64::MAX))
        }
        EventKind::Probed(SourceFacts {
            width,
            height,
            duration_s,
            fps,
            video_codec,
            audio_codec,
            ..
        }) => {
            size(*width, *height)?;
            duration_s.map_or(Ok(()), |d| number("duration", d, f64::MAX))?;
            number("frame rate", *fps, MAX_FPS)?;
            name("video codec", video_codec)?;
            audio_codec
                .as_deref()
                .map_or(Ok(()), |c| name("audio codec", c))
        }
        EventKind::ThumbnailReady(Thumbnail {
            path,
            width,
            height,
        }) => {
            size(*width, *height)?;
            output_name(path)
        }
        EventKind::RenditionDone(output) => rendition_done(output),
        EventKind::StoryboardReady(storyboard) => storyboard_ready(storyboard),
        EventKind::QualityPlanned(QualityPlanned {
            rendition,
            target_ssim,
            crf,
            encoder_crf,
            predicted_ssim,
            predicted_bytes,
            predicted_seconds,
            ..
        }) => {
            rendition_name(rendition)?;
            number("target SSIM", *target_ssim, 1.0)?;
            // A fraction lies within a step of the whole CRF it refines.
            if let Some(fine) = encoder_crf {
                let step = fine - f64::from(*crf);
                if !(step.is_finite() && step.abs() <= 1.0) {
                    return Err(Refusal::OutOfRange {
                        what: "encoder CRF",
                        value: *fine,
                    });
                }
            }
            number("predicted SSIM", *predicted_ssim, 1.0)?;
            bytes_within("predicted size", *predicted_bytes, MAX_OUTPUT_BYTES)?;
            number("predicted time", *predicted_seconds, f64::MAX)
        }
        EventKind::RenditionSkipped(RenditionSkipped { rendition, reason }) => {
            rendition_name(rendition)?;
            text("reason", reason)
        }
        EventKind::RenditionFailed(RenditionFailed { rendition, error }) => {
            rendition_name(rendition)?;
            text("error", error)
        }
        EventKind::Queued(_)
        | EventKind::JobDone(_)
        | EventKind::JobFailed(_)
        | EventKind::Cancelled => Err(Refusal::JobEnd),
    }
}

/// A finished rendition: its name, size, bytes, files beside it, score
/// and skipped tracks.
fn rendition_done(output: &Output) -> Result<(), Refusal> {
    let Output {
        rendition,
        path,
        width,
        height,
        bytes,
        skipped_tracks,
        sidecars,
        quality,
        ..
    } = output;
    rendition_name(rendition)?;
    size(*width, *height)?;
    bytes_within("size", *bytes, MAX_OUTPUT_BYTES)?;
    output_name(path)?;
    files_beside(path, sidecars)?;
    quality.as_ref().map_or(Ok(()), score)?;
    if skipped_tracks.len() > MAX_SKIPPED_TRACKS {
        return Err(Refusal::SkippedTracks(skipped_tracks.len()));
    }
    for skipped in skipped_tracks {
        name("skipped track's codec", &skipped.codec)?;
        text("skipped track's reason", &skipped.reason)?;
    }
    Ok(())
}

/// A storyboard: its file, tile size, counts within the limits, and each
/// sprite and poster a plain name, named once.
fn storyboard_ready(storyboard: &Storyboard) -> Result<(), Refusal> {
    let Storyboard {
        path,
        sprites,
        tiles,
        tile_width,
        tile_height,
        poster,
    } = storyboard;
    output_name(path)?;
    size(*tile_width, *tile_height)?;
    if sprites.len() > MAX_SPRITES || *tiles > MAX_TILES {
        return Err(Refusal::Storyboard {
            sprites: sprites.len(),
            tiles: *tiles,
        });
    }
    // Each file once: the window decodes each sprite it names, and the
    // submitter fetches each.
    let mut seen = HashSet::new();
    let own = path.file_name().map(|n| n.to_string_lossy().into_owned());
    seen.extend(own);
    for name in sprites.iter().chain(poster.iter()) {
        check_file_name(name)?;
        if !seen.insert(name.clone()) {
            return Err(Refusal::StoryboardFileTwice(printable(name)));
        }
    }
    Ok(())
}

/// Whether news names only renditions the job's plan has (`planned`, its
/// labels): anything else would grow the submitter's rows without bound.
pub fn check_against_plan(kind: &EventKind, planned: &HashSet<String>) -> Result<(), Refusal> {
    let rendition = match kind {
        EventKind::StageStarted(StageStarted { rendition, .. }) => rendition.as_deref(),
        EventKind::Progress(Progress { rendition, .. })
        | EventKind::QualityPlanned(QualityPlanned { rendition, .. })
        | EventKind::RenditionDone(Output { rendition, .. })
        | EventKind::RenditionSkipped(RenditionSkipped { rendition, .. })
        | EventKind::RenditionFailed(RenditionFailed { rendition, .. }) => Some(rendition.as_str()),
        _ => None,
    };
    match rendition {
        Some(name) if !planned.contains(name) => Err(Refusal::NotPlanned(printable(name))),
        _ => Ok(()),
    }
}

fn event_printable(kind: &mut EventKind) {
    match kind {
        EventKind::RenditionSkipped(RenditionSkipped { reason, .. }) => *reason = printable(reason),
        EventKind::RenditionFailed(RenditionFailed { error, .. }) => *error = printable(error),
        EventKind::RenditionDone(Output { skipped_tracks, .. }) => {
            for skipped in skipped_tracks {
                skipped.reason = printable(&skipped.reason);
            }
        }
        _ => {}
    }
}

impl Checked for Presence {
    fn check(&self) -> Result<(), Refusal> {
        name("worker name", &self.worker)?;
        if self.stages.len() > WorkStage::ALL.len() {
            return Err(Refusal::Stages(self.stages.len()));
        }
        if self.transcode_jobs > MAX_COUNT as usize {
            return Err(Refusal::Jobs(self.transcode_jobs));
        }
        Ok(())
    }

    fn make_printable(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode, encode};
    use vidprism_engine::presets::find_preset;

    fn work() -> Work {
        Work {
            job: "host-12-18ab.3".into(),
            stage: WorkStage::Transcode,
            input: "/videos/clip.mp4".into(),
            files: Files::ObjectStore,
            presets: vec![find_preset("web").unwrap()],
            out_dir: "/out".into(),
            dir: None,
            source_bytes: Some(10),
            news_key: Some("0f".repeat(32)),
        }
    }

    /// A rendition's news as a worker sends it: `720p.mp4`, nothing beside.
    fn rendition_done() -> Output {
        Output {
            rendition: "720p".into(),
            path: "720p.mp4".into(),
            width: 1280,
            height: 720,
            bytes: 1,
            skipped_tracks: Vec::new(),
            sidecars: Vec::new(),
            quality: None,
        }
    }

    fn refused<T: serde::Serialize + serde::de::DeserializeOwned + Checked>(value: &T) -> String {
        match decode::<T>(&encode(value)) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn good_work_passes() {
        assert_eq!(decode::<Work>(&encode(&work())).unwrap(), work());
    }

    #[test]
    fn job_keys_are_only_the_submitters_format() {
        for key in [
            "/home/me", "../x", "a.b.c", "a/b.1", "a.", ".1", "a.1x", "", "a b.1",
        ] {
            assert!(check_job_key(key).is_err(), "{key}");
            let mut w = work();
            w.job = key.into();
            assert!(refused(&w).contains("job key"), "{key}");
        }
        assert!(check_job_key("host-1_x.42").is_ok());
    }

    #[test]
    fn a_news_key_has_the_shape_a_submitter_makes() {
        let mut w = work();
        w.news_key = None;
        assert!(decode::<Work>(&encode(&w)).is_ok(), "an older submitter's");
        for key in ["", "short", &"Z".repeat(64)] {
            w.news_key = Some(key.into());
            assert!(refused(&w).contains("news key"), "{key}");
        }
    }

    #[test]
    fn hostile_work_is_refused() {
        let mut many = work();
        let preset = many.presets[0].clone();
        many.presets = vec![preset.clone(); 5];
        assert!(refused(&many).contains("renditions"));
        let mut bad_name = work();
        bad_name.presets[0].renditions[0].name = "a\0b".into();
        assert!(refused(&bad_name).contains("not valid"));
        let mut traversal = work();
        traversal.input = "/videos/..".into();
        assert!(refused(&traversal).contains("plain name"));
        let mut none = work();
        none.presets.clear();
        assert!(refused(&none).contains("presets"));
        let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert!(decode::<Work>(&huge).is_err());
    }

    #[test]
    fn news_with_out_of_range_numbers_or_paths_is_refused() {
        let ended = |opened| News::StageEnded {
            stage: WorkStage::Ingest,
            opened,
            errors: vec![],
            source_failed: false,
            dir: None,
            worker: "w".into(),
        };
        assert!(refused(&ended(usize::MAX)).contains("stages"));
        assert!(decode::<News>(&encode(&ended(2))).is_ok());
        let output = |path: &str| {
            let mut done = rendition_done();
            done.path = path.into();
            News::Event(EventKind::RenditionDone(done))
        };
        assert!(decode::<News>(&encode(&output("720p.mp4"))).is_ok());
        assert!(refused(&output("/etc/..")).contains("plain name"));
        assert!(refused(&output("a\nb.mp4")).contains("plain name"));
        let end = News::Event(EventKind::Cancelled);
        assert!(refused(&end).contains("end"));
        let planned = |encoder_crf| {
            News::Event(EventKind::QualityPlanned(QualityPlanned {
                rendition: "720p".into(),
                target_ssim: 0.98,
                crf: 24,
                encoder_crf,
                predicted_ssim: 0.98,
                predicted_bytes: 1000,
                predicted_seconds: 1.0,
                probes: 3,
                cached: false,
            }))
        };
        for fine in [None, Some(23.1), Some(24.9)] {
            assert!(decode::<News>(&encode(&planned(fine))).is_ok(), "{fine:?}");
        }
        for fine in [25.5, 40.0, -3.0] {
            assert!(
                refused(&planned(Some(fine))).contains("encoder CRF"),
                "{fine}"
            );
        }
    }

    #[test]
    fn a_rendition_names_only_plain_distinct_files_beside_it() {
        let output = |sidecars: &[&str]| {
            let mut done = rendition_done();
            done.sidecars = sidecars.iter().map(|s| s.to_string()).collect();
            News::Event(EventKind::RenditionDone(done))
        };
        assert!(decode::<News>(&encode(&output(&["720p.eng.vtt", "720p.fra.vtt"]))).is_ok());
        for bad in [
            "../keep.txt",
            "/home/me/.bashrc",
            "..",
            "",
            "a\\b.vtt",
            "a\nb.vtt",
        ] {
            assert!(
                refused(&output(&["720p.eng.vtt", bad])).contains("plain name"),
                "{bad:?}"
            );
        }
        assert!(refused(&output(&["720p.mp4"])).contains("twice"));
        assert!(refused(&output(&["a.vtt", "a.vtt"])).contains("twice"));
        let many: Vec<String> = (0..=MAX_SIDECARS).map(|i| format!("{i}.vtt")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(refused(&output(&many)).contains("beside"));
    }

    #[test]
    fn a_storyboard_names_only_plain_files_and_bounded_counts() {
        let storyboard = |sprite: &str, tiles| {
            News::Event(EventKind::StoryboardReady(Storyboard {
                path: "storyboard.vtt".into(),
                sprites: vec![sprite.into()],
                tiles,
                tile_width: 160,
                tile_height: 90,
                poster: Some("poster.jpg".into()),
            }))
        };
        assert!(decode::<News>(&encode(&storyboard("storyboard-001.jpg", 12))).is_ok());
        assert!(refused(&storyboard("../../.bashrc", 12)).contains("plain name"));
        assert!(refused(&storyboard("storyboard-001.jpg", MAX_TILES + 1)).contains("tiles"));
    }

    /// Issue 26: sizes from the wire became fetch bounds unchecked (a
    /// worker could fill the submitter's disk; `u64::MAX + 1` wrapped).
    #[test]
    fn sizes_from_the_wire_stay_within_the_limits() {
        for bytes in [MAX_SOURCE_BYTES + 1, u64::MAX] {
            let mut w = work();
            w.source_bytes = Some(bytes);
            assert!(refused(&w).contains("source size"), "{bytes}");
        }
        let mut w = work();
        w.source_bytes = Some(MAX_SOURCE_BYTES);
        assert!(decode::<Work>(&encode(&w)).is_ok());
        let done = |bytes| {
            let mut done = rendition_done();
            done.bytes = bytes;
            News::Event(EventKind::RenditionDone(done))
        };
        for bytes in [MAX_OUTPUT_BYTES + 1, u64::MAX] {
            assert!(refused(&done(bytes)).contains("size"), "{bytes}");
        }
        assert!(decode::<News>(&encode(&done(MAX_OUTPUT_BYTES))).is_ok());
    }

    /// Issue 26: a storyboard naming the same sprites alternately made the
    /// window decode them once per cue.
    #[test]
    fn a_storyboard_names_each_file_once() {
        let storyboard = |sprites: &[&str], poster: Option<&str>| {
            News::Event(EventKind::StoryboardReady(Storyboard {
                path: "storyboard.vtt".into(),
                sprites: sprites.iter().map(|s| s.to_string()).collect(),
                tiles: 12,
                tile_width: 160,
                tile_height: 90,
                poster: poster.map(str::to_owned),
            }))
        };
        let (a, b) = ("storyboard-001.jpg", "storyboard-002.jpg");
        assert!(decode::<News>(&encode(&storyboard(&[a, b], Some("poster.jpg")))).is_ok());
        for (sprites, poster) in [
            (&[a, b, a, b][..], None),
            (&[a, a][..], None),
            (&[a, b][..], Some(b)),
            (&["storyboard.vtt"][..], None),
        ] {
            assert!(
                refused(&storyboard(sprites, poster)).contains("twice"),
                "{sprites:?} {poster:?}"
            );
        }
    }

    /// Issue 26: news of renditions the job does not have grew the
    /// submitter's rows without bound.
    #[test]
    fn news_names_only_the_plans_renditions() {
        let planned = vidprism_engine::plan::labels(&work().presets);
        let progress = |rendition: &str| {
            EventKind::Progress(Progress {
                stage: vidprism_engine::pipeline::Stage::Transcode,
                rendition: rendition.into(),
                fraction: 0.5,
                fps: 30.0,
                eta_s: None,
            })
        };
        assert!(check_against_plan(&progress("720p"), &planned).is_ok());
        let started = |rendition: Option<&str>| {
            EventKind::StageStarted(StageStarted {
                stage: vidprism_engine::pipeline::Stage::Transcode,
                rendition: rendition.map(str::to_owned),
            })
        };
        assert!(check_against_plan(&started(None), &planned).is_ok());
        let mut done = rendition_done();
        done.rendition = "9999p".into();
        for kind in [
            progress("720p-2"),
            started(Some("x")),
            EventKind::RenditionDone(done),
            EventKind::RenditionSkipped(RenditionSkipped {
                rendition: "4k".into(),
                reason: "no".into(),
            }),
            EventKind::RenditionFailed(RenditionFailed {
                rendition: "4k".into(),
                error: "no".into(),
            }),
        ] {
            let refused = check_against_plan(&kind, &planned).unwrap_err();
            assert!(refused.to_string().contains("does not have"), "{refused}");
        }
    }

    #[test]
    fn a_score_is_accepted_within_its_bounds_only() {
        let scored = |ssim: f64, psnr: f64| {
            let mut done = rendition_done();
            done.quality = Some(Score {
                ssim,
                ssim_y: 0.98,
                psnr,
                psnr_y: 41.0,
                psnr_u: 44.0,
                psnr_v: 45.0,
                worst_ssim: 0.95,
                frames: 60,
                series: None,
            });
            News::Event(EventKind::RenditionDone(done))
        };
        let news = scored(0.984, 42.1);
        assert_eq!(decode::<News>(&encode(&news)).unwrap(), news);
        assert!(decode::<News>(&encode(&scored(1.0, MAX_PSNR_DB))).is_ok());
        assert!(refused(&scored(1.5, 42.0)).contains("SSIM 1.5"));
        assert!(refused(&scored(-0.1, 42.0)).contains("SSIM"));
        assert!(refused(&scored(0.9, -3.0)).contains("PSNR"));
        assert!(refused(&scored(0.9, 1e9)).contains("PSNR"));
        // Not a number at all (serde_json writes NaN as null): refused too.
        assert!(decode::<News>(&encode(&scored(f64::NAN, 42.0))).is_err());
    }

    #[test]
    fn skipped_tracks_are_bounded_and_made_printable() {
        let skipped = |count: usize, codec: &str| {
            let track = vidprism_engine::media::SkippedTrack {
                index: 2,
                kind: vidprism_engine::media::TrackKind::Subtitle,
                codec: codec.into(),
                reason: "pictures\u{1b}[2J".into(),
            };
            let mut done = rendition_done();
            done.skipped_tracks = vec![track; count];
            News::Event(EventKind::RenditionDone(done))
        };
        assert!(refused(&skipped(MAX_SKIPPED_TRACKS + 1, "pgs")).contains("skipped tracks"));
        assert!(refused(&skipped(1, "a\nb")).contains("plain name"));
        let Ok(News::Event(EventKind::RenditionDone(output))) =
            decode::<News>(&encode(&skipped(1, "hdmv_pgs_subtitle")))
        else {
            panic!("a skipped track is fine news")
        };
        assert_eq!(output.skipped_tracks[0].reason, "pictures\u{FFFD}[2J");
    }

    #[test]
    fn text_from_the_wire_prints_without_escapes() {
        let news = News::Retrying {
            stage: WorkStage::Transcode,
            attempt: 1,
            tries: 3,
            reason: "boom\u{1b}[2J\u{202e}".into(),
            worker: "w".into(),
        };
        let News::Retrying { reason, .. } = decode::<News>(&encode(&news)).unwrap() else {
            panic!()
        };
        assert_eq!(reason, "boom\u{FFFD}[2J\u{FFFD}");
        let mut presence = Presence {
            worker: "w\u{7}".into(),
            stages: vec![],
            transcode_jobs: 1,
            leaving: false,
            proves_news: true,
        };
        assert!(refused(&presence).contains("worker name"));
        presence.worker = "w".into();
        presence.transcode_jobs = usize::MAX;
        assert!(refused(&presence).contains("jobs"));
    }
}
