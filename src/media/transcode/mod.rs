//! Decode once, encode many: one thread reads and decodes the source and
//! hands every decoded frame, by reference, to one encoder thread per
//! rendition over a bounded channel (its [`Lane`](lane::Lane)).
//!
//! The whole pipeline is [`transcode`]; each step is a module:
//! [`source`] opens the source (its [`tracks`] too), [`audio_routes`]
//! plans where each rendition's audio and subtitles come from, [`cascade`] which renditions are scaled
//! from a larger one's pictures, [`encoders`] starts the encoder threads
//! and [`fan_out`] is the decode loop feeding them, with [`feeds`] for
//! audio and subtitles.
//!
//! A rendition whose encoder fails drops its channel and the others go on. A
//! rendition only finalises its file after an explicit end-of-stream message,
//! so a cancelled or failed decode can never leave a short file behind.

mod audio_routes;
mod cascade;
mod encoders;
mod fan_out;
mod feeds;
mod lane;
mod source;
mod tracks;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use self::audio_routes::{plan_tracks, TrackPlan};
use self::cascade::{blame_parents, cascade_parents};
use self::encoders::{spawn_encoders, SharedSource};
use self::fan_out::FanOut;
use self::feeds::Feeds;
use self::source::Source;
use super::geometry::Size;
use super::metadata::SourceMetadata;
use super::subtitles::SkippedTrack;
use crate::error::Result;
use crate::output::StagedFile;
use crate::presets::{MetadataRule, RenditionSpec, TrackRules};

/// One output to make from the source.
#[derive(Clone, Debug)]
pub struct RenditionTarget {
    pub spec: RenditionSpec,
    pub size: Size,
    /// Which of the source's tags the file carries (its preset's rule).
    pub metadata: MetadataRule,
    /// Which audio and subtitle tracks it carries (its preset's rules).
    pub tracks: TrackRules,
    /// Where the file is written while it is incomplete; its sidecar
    /// subtitle files are staged in the same folder.
    pub temp_path: PathBuf,
}

/// What a finished rendition brings besides its file.
#[derive(Debug, Default)]
pub struct RenditionTracks {
    /// Tracks its preset asked for that it does not carry, and why.
    pub skipped: Vec<SkippedTrack>,
    /// Its sidecar subtitle files, complete, to commit with it.
    pub sidecars: Vec<StagedFile>,
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
    let source = Source::open(source)?;
    let metadata = SourceMetadata::read(&source.input, source.origin_us);
    let TrackPlan {
        targets: tracks,
        feeds,
        muxing,
    } = plan_tracks(targets, &source)?;
    let parents = cascade_parents(targets);
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
            },
            on_progress,
        )?;
        // Returns once the source is read; only a whole decode sends `End`.
        let feeds = Feeds::new(feeds, source.origin_us);
        let decoded = FanOut::new(source, lanes, feeds).run(cancel);
        let results = encoder_threads.join();
        decoded.map(|()| blame_parents(results, &parents, targets))
    })
}
