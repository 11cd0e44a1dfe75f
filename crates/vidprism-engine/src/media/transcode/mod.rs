//! Decode once, encode many: one thread reads and decodes the source and
//! hands every decoded frame, by reference, to one encoder thread per
//! rendition over a bounded channel (its [`Lane`](lane::Lane)).
//!
//! The whole pipeline is [`transcode`]; each step is a module:
//! [`source`] opens the source (its [`tracks`] too), [`audio_routes`]
//! plans where each rendition's audio and subtitles come from, [`hdr_plan`] which renditions of an HDR
//! source stay HDR and which are tone-mapped (once, by [`tone_lane`]),
//! [`cascade`] which renditions are scaled from a larger one's pictures,
//! [`encoders`] starts the encoder threads and [`fan_out`] is the decode
//! loop feeding them, with [`feeds`] for audio and subtitles.
//!
//! A rendition whose encoder fails drops its channel and the others go on. A
//! rendition only finalises its file after an explicit end-of-stream message,
//! so a cancelled or failed decode can never leave a short file behind.

mod audio_routes;
mod cascade;
mod encoders;
mod fan_out;
mod feeds;
mod hdr_plan;
mod lane;
mod picture_prep;
mod samples;
mod source;
mod tone_lane;
mod tracks;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use self::audio_routes::{plan_tracks, TrackPlan};
use self::cascade::{blame_parents, cascade_parents};
use self::encoders::{spawn_encoders, SharedSource};
use self::fan_out::FanOut;
use self::feeds::TrackStreams;
use self::hdr_plan::HdrPlan;
use self::picture_prep::PicturePrep;
pub use self::samples::{search_targets, SampleSearch};
use self::source::Source;
use super::geometry::Size;
use super::metadata::SourceMetadata;
use super::quality::Score;
use super::subtitles::SkippedTrack;
use crate::error::{Error, Result};
use crate::media::storyboard::{
    make_storyboard, StoryboardFiles, StoryboardTap, StoryboardTarget, PICTURES_IN_FLIGHT,
};
use crate::media::PicturePlan;
use crate::output::StagedFile;
use crate::presets::{HdrRule, MetadataRule, RenditionSpec, ScoreMode, TrackRules};
use crossbeam_channel::bounded;

/// One output to make from the source.
#[derive(Clone, Debug)]
pub struct RenditionTarget {
    pub spec: RenditionSpec,
    pub size: Size,
    /// Which of the source's tags the file carries (its preset's rule).
    pub metadata: MetadataRule,
    /// Which audio and subtitle tracks it carries (its preset's rules).
    pub tracks: TrackRules,
    /// What it is made as when the source is HDR (its preset's rule).
    pub hdr: HdrRule,
    /// Where the file is written while it is incomplete; its sidecar
    /// subtitle files are staged in the same folder.
    pub temp_path: PathBuf,
    /// For a streaming package: keyframes only on the first frame at or
    /// after every multiple of this many seconds of the source's timestamps.
    pub segment_seconds: Option<u32>,
    /// Which of its pictures are scored against what its encoder was given.
    pub score: ScoreMode,
    /// A fractional CRF found for its `target_ssim`, given to its encoder
    /// in place of its whole one when the encoder takes a fraction
    /// ([`crate::media::takes_fractional_crf`]).
    pub fine_crf: Option<f64>,
}

/// What a finished rendition brings besides its file.
#[derive(Debug, Default)]
pub struct RenditionTracks {
    /// Tracks its preset asked for that it does not carry, and why.
    pub skipped: Vec<SkippedTrack>,
    /// Its sidecar subtitle files, complete, to commit with it.
    pub sidecars: Vec<StagedFile>,
    /// Its measured quality, unless its preset's `score` is off.
    pub quality: Option<Score>,
}

/// How far one rendition has got.
#[derive(Clone, Copy, Debug)]
pub struct RenditionProgress {
    /// Presentation time reached, in seconds.
    pub position_s: f64,
    pub frames: u64,
}

/// Transcodes `source` into every target. The outer error means the source
/// itself failed (every rendition with it); otherwise each rendition has its
/// own result, in the order of `targets`.
pub fn transcode(
    source: &Path,
    targets: &[RenditionTarget],
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(usize, RenditionProgress) + Sync),
) -> Result<Vec<Result<RenditionTracks>>> {
    let plan = PicturePlan::default();
    transcode_with_storyboard(source, targets, &plan, None, cancel, on_progress)
        .map(|t| t.renditions)
}

/// What a transcode made: each rendition's result in target order, and the
/// storyboard's staged files when one was asked for.
pub struct Transcoded {
    pub renditions: Vec<Result<RenditionTracks>>,
    pub storyboard: Option<Result<StoryboardFiles>>,
}

/// [`transcode`], also making `storyboard` from the decoded pictures (with
/// no targets, a decode-only pass), each picture prepared once as
/// `picture` says. Its progress reports, which keep the
/// stall watch quiet, carry the index `targets.len()`.
pub fn transcode_with_storyboard(
    source: &Path,
    targets: &[RenditionTarget],
    picture: &PicturePlan,
    storyboard: Option<&StoryboardTarget>,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(usize, RenditionProgress) + Sync),
) -> Result<Transcoded> {
    let mut source = Source::open(source)?;
    let prep = PicturePrep::new(picture, &mut source.timing);
    let hdr = HdrPlan::new(targets, &mut source);
    let metadata = SourceMetadata::read(&source.input, source.origin_us);
    let TrackPlan {
        targets: tracks,
        feeds,
        muxing,
    } = plan_tracks(targets, &source)?;
    let parents = cascade_parents(targets, &hdr.outputs);
    std::thread::scope(|scope| {
        let (lanes, encoder_threads) = spawn_encoders(
            scope,
            targets,
            &parents,
            tracks,
            &muxing,
            SharedSource {
                timing: source.timing,
                metadata: &metadata,
                hdr: &hdr,
            },
            on_progress,
        )?;
        let (timing, tone_map) = (source.timing, hdr.preview);
        let (tap, storyboard_thread) = match storyboard {
            Some(target) => {
                let (sender, pictures) = bounded(PICTURES_IN_FLIGHT);
                let thread = std::thread::Builder::new()
                    .name("storyboard".into())
                    .spawn_scoped(scope, move || {
                        make_storyboard(target, &timing, tone_map, pictures)
                    })
                    .map_err(|e| Error::Internal(format!("cannot start the storyboard: {e}")))?;
                let index = targets.len();
                let alive = move |position_s, frames| {
                    on_progress(index, RenditionProgress { position_s, frames })
                };
                let tap =
                    StoryboardTap::new(target, timing.video_time_base, sender, Box::new(alive));
                (Some(tap), Some(thread))
            }
            None => (None, None),
        };
        // Returns once the source is read; only a whole decode sends `End`.
        let feeds = TrackStreams::new(feeds, source.origin_us);
        let decoded = FanOut::new(source, prep, lanes, feeds)
            .with_storyboard(tap)
            .run(cancel);
        let results = encoder_threads.join();
        let storyboard = storyboard_thread.map(|t| {
            t.join()
                .unwrap_or_else(|_| Err(Error::Internal("the storyboard thread panicked".into())))
        });
        decoded.map(|()| Transcoded {
            renditions: blame_parents(results, &parents, targets),
            storyboard,
        })
    })
}
