//! Preview before queueing (issue 25): a few seconds of a waiting row's
//! source, at the point the user last looked at (the compare slider of
//! that row's view, else its hover scrub's tile, else the poster's moment
//! the engine finds), are cut (the engine's `cut_sample`, on a thread of
//! its own) into
//! a temporary folder and encoded there with the row's presets as an
//! ordinary job of the engine (its queue and priority), then the compare
//! view opens on the sample with each rendition's size, score and what the
//! whole file would take. Everything lives in the [`TempFolder`], which is
//! removed when the preview is cancelled or its view closes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::Receiver;
use vidprism_engine::media::{SampleCut, SAMPLE_EXTENSION};
use vidprism_engine::pipeline::{JobId, Output, QualityPlanned};

use crate::ui::state::queue_model::RowId;

/// Seconds a preview encodes.
pub const SAMPLE_SECONDS: f64 = 5.0;

/// A folder of the system's temporary place, made for one preview and
/// removed with everything in it when dropped.
#[derive(Debug)]
pub struct TempFolder(PathBuf);

impl TempFolder {
    /// A new, empty folder `vidprism-preview-<pid>-<n>` in the system's
    /// temporary place (never one that was there).
    pub fn new() -> std::io::Result<TempFolder> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("vidprism-preview-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempFolder(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // Ours alone, made by `new`; nothing else is ever removed.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished preview says, shown above its compare view.
pub struct SampleFacts {
    /// Where the sample starts in the source and how long it is, seconds.
    pub start_s: f64,
    pub seconds: f64,
    /// The source's duration, seconds.
    pub source_s: f64,
    /// Seconds from the press to the last rendition.
    pub wall_s: f64,
    /// The sample's renditions, in the engine's order.
    pub outputs: Vec<Output>,
    /// What the target searches of its renditions with `target_ssim`
    /// found (their `quality_planned`): the CRF and the predicted size.
    pub planned: Vec<QualityPlanned>,
    /// Holds the sample and its renditions; removed with the view.
    pub folder: TempFolder,
}

impl SampleFacts {
    /// How many times the whole source is the sample.
    fn scale(&self) -> f64 {
        if self.seconds > 0.0 {
            self.source_s.max(self.seconds) / self.seconds
        } else {
            1.0
        }
    }

    /// What its target search found for `output`, when it had one.
    pub fn planned(&self, output: &Output) -> Option<&QualityPlanned> {
        self.planned
            .iter()
            .find(|p| p.rendition == output.rendition)
    }

    /// The whole file's predicted size of `output`, bytes: its target
    /// search's prediction for the sample when it had one (the bytes a
    /// second its sample encodes made at the CRF chosen), else the
    /// sample's size, times the whole over the sample.
    pub fn predicted_bytes(&self, output: &Output) -> u64 {
        let sample = self
            .planned(output)
            .map_or(output.bytes, |p| p.predicted_bytes);
        (sample as f64 * self.scale()).round() as u64
    }

    /// The whole file's predicted encoding time, seconds.
    pub fn predicted_s(&self) -> f64 {
        self.wall_s * self.scale()
    }
}

pub(in crate::ui) enum Phase {
    /// Not started yet (the cut starts at the next pass).
    Waiting,
    /// The point's time in the source, and the cut.
    Cutting(Receiver<vidprism_engine::Result<(f64, SampleCut)>>),
    Encoding {
        job: JobId,
        point_s: f64,
        cut: SampleCut,
        outputs: Vec<Output>,
        planned: Vec<QualityPlanned>,
    },
}

/// A preview on its way.
pub struct SampleRun {
    pub row: RowId,
    pub folder: TempFolder,
    pub(in crate::ui) input: PathBuf,
    pub(in crate::ui) presets: Vec<vidprism_engine::presets::Preset>,
    pub(in crate::ui) source_s: f64,
    pub(in crate::ui) started: Instant,
    pub(in crate::ui) phase: Phase,
    /// The share of the encode done, 0..1.
    pub fraction: f64,
    /// The crop its job found (its `probed`), for the sample's side.
    pub(in crate::ui) crop: Option<vidprism_engine::presets::Crop>,
}

impl SampleRun {
    pub(in crate::ui) fn sample(&self) -> PathBuf {
        self.folder
            .path()
            .join(format!("sample.{SAMPLE_EXTENSION}"))
    }

    /// "cutting" or "encoding 40%".
    pub fn state(&self) -> String {
        match self.phase {
            Phase::Waiting | Phase::Cutting(_) => "cutting the sample".to_owned(),
            Phase::Encoding { .. } => format!("encoding {:.0}%", self.fraction * 100.0),
        }
    }
}
