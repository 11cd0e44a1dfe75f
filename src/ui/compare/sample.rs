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

use crossbeam_channel::{bounded, Receiver};
use eframe::egui;
use vidprism_engine::media::{cut_sample, poster_moment, SampleCut, SAMPLE_EXTENSION};
use vidprism_engine::pipeline::{Event, EventKind, JobId, JobRequest, Output, QualityPlanned};

use super::Compare;
use crate::ui::app::App;
use crate::ui::panels::row::scrub_id;
use crate::ui::state::queue_model::RowId;
use crate::ui::state::scrub::ScrubTexture;

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

enum Phase {
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
    input: PathBuf,
    presets: Vec<vidprism_engine::presets::Preset>,
    source_s: f64,
    started: Instant,
    phase: Phase,
    /// The share of the encode done, 0..1.
    pub fraction: f64,
    /// The crop its job found (its `probed`), for the sample's side.
    crop: Option<vidprism_engine::presets::Crop>,
}

impl SampleRun {
    fn sample(&self) -> PathBuf {
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

impl App {
    /// Starts a preview of a waiting row (a preview already running is
    /// cancelled first). Also what "Preview" again does after a preset
    /// changed: the row's presets are read now.
    pub(in crate::ui) fn start_preview(&mut self, row: RowId) {
        self.cancel_preview();
        let Some(r) = self.model.row(row).filter(|r| r.is_waiting()) else {
            return;
        };
        let folder = match TempFolder::new() {
            Ok(folder) => folder,
            Err(e) => {
                self.view.notice = Some(format!("Cannot preview: no temporary folder: {e}"));
                return;
            }
        };
        let source_s = r.facts.as_ref().and_then(|f| f.duration_s).unwrap_or(0.0);
        self.view.sample = Some(SampleRun {
            row,
            folder,
            input: r.request.input.clone(),
            presets: r.request.presets.clone(),
            source_s,
            started: Instant::now(),
            phase: Phase::Waiting,
            fraction: 0.0,
            crop: None,
        });
    }

    /// Cancels the preview on its way: its job is cancelled, and its
    /// folder goes once the job says it ended (at once when not encoding).
    pub(in crate::ui) fn cancel_preview(&mut self) {
        let Some(run) = self.view.sample.take() else {
            return;
        };
        if let Phase::Encoding { job, .. } = run.phase {
            if self.systems.backend.runner.cancel(job) {
                // Kept until its `cancelled` arrives, so its folder is
                // removed after the engine let go of it.
                self.view.sample_cancelled = Some((job, run.folder));
            }
        } else if let Phase::Cutting(done) = &run.phase {
            // The cut is short; its file is written before the folder goes.
            let _ = done.recv();
        }
    }

    /// Moves a preview on: starts its cut (waking `ctx` when done), gives
    /// the cut sample to the engine, gives up a preview whose row left.
    pub fn pump_preview(&mut self, ctx: &egui::Context) {
        let row_left = self
            .view
            .sample
            .as_ref()
            .is_some_and(|run| self.model.row(run.row).is_none());
        if row_left {
            self.cancel_preview();
            return;
        }
        let point = match &self.view.sample {
            Some(run) if matches!(run.phase, Phase::Waiting) => looked_at(&self.view, ctx, run.row),
            _ => None,
        };
        let Some(run) = self.view.sample.as_mut() else {
            return;
        };
        match &run.phase {
            Phase::Waiting => {
                let (tx, rx) = bounded(1);
                let (input, sample) = (run.input.clone(), run.sample());
                let waker = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("preview sample".into())
                    .spawn(move || {
                        let cut =
                            point
                                .map_or_else(|| poster_moment(&input), Ok)
                                .and_then(|point| {
                                    let cut = cut_sample(&input, point, SAMPLE_SECONDS, &sample)?;
                                    Ok((point, cut))
                                });
                        let _ = tx.send(cut);
                        waker.request_repaint();
                    });
                match spawned {
                    Ok(_) => run.phase = Phase::Cutting(rx),
                    Err(e) => {
                        self.view.sample = None;
                        self.view.notice = Some(format!("Cannot preview: {e}"));
                    }
                }
            }
            Phase::Cutting(done) => match done.try_recv() {
                Ok(Ok((point_s, cut))) => {
                    let request = JobRequest {
                        input: run.sample(),
                        presets: run.presets.clone(),
                        out_dir: run.folder.path().join("out"),
                    };
                    let job = self.systems.backend.runner.submit(request);
                    run.phase = Phase::Encoding {
                        job,
                        point_s,
                        cut,
                        outputs: Vec::new(),
                        planned: Vec::new(),
                    };
                }
                Ok(Err(e)) => {
                    self.view.sample = None;
                    self.view.notice = Some(format!("Cannot preview: {e}"));
                }
                Err(_) => {}
            },
            Phase::Encoding { .. } => {}
        }
    }

    /// Takes an engine event of the preview's job (true), or leaves it
    /// to the queue (false).
    pub(in crate::ui) fn preview_event(&mut self, event: &Event) -> bool {
        if let Some((job, _)) = &self.view.sample_cancelled {
            if *job == event.job {
                if event.kind.is_final() {
                    self.view.sample_cancelled = None;
                }
                return true;
            }
        }
        let Some(run) = self.view.sample.as_mut() else {
            return false;
        };
        let Phase::Encoding {
            job,
            outputs,
            planned,
            ..
        } = &mut run.phase
        else {
            return false;
        };
        if *job != event.job {
            return false;
        }
        match &event.kind {
            EventKind::Progress(p) => run.fraction = p.fraction.clamp(0.0, 1.0),
            EventKind::Probed(facts) => run.crop = facts.crop,
            EventKind::RenditionDone(output) => outputs.push(output.clone()),
            EventKind::QualityPlanned(p) => planned.push(p.clone()),
            EventKind::JobDone(_) => self.preview_done(),
            EventKind::JobFailed(failed) => {
                self.view.sample = None;
                self.view.notice = Some(format!("The preview failed: {}", failed.error));
            }
            EventKind::Cancelled => self.view.sample = None,
            _ => {}
        }
        true
    }

    /// The preview's job is done: the compare view opens on its sample.
    fn preview_done(&mut self) {
        let Some(run) = self.view.sample.take() else {
            return;
        };
        let Phase::Encoding {
            point_s,
            cut,
            outputs,
            planned,
            ..
        } = run.phase
        else {
            return;
        };
        let Some(first) = outputs.first().cloned() else {
            self.view.notice = Some("The preview made no rendition.".to_owned());
            return;
        };
        let sample = run.folder.path().join(format!("sample.{SAMPLE_EXTENSION}"));
        let name = self
            .model
            .row(run.row)
            .map(|r| r.name())
            .unwrap_or_default();
        let facts = SampleFacts {
            start_s: cut.start_s,
            seconds: cut.seconds,
            source_s: run.source_s,
            wall_s: run.started.elapsed().as_secs_f64(),
            outputs,
            planned,
            folder: run.folder,
        };
        let mut compare = Compare::new(run.row, name, &first, sample);
        compare.duration_s = facts.seconds;
        compare.source_rules = Some(super::job_rules(&run.presets, run.crop));
        // Opens on the point asked for (the sample starts at the keyframe
        // before it).
        compare.seek(point_s - cut.start_s);
        compare.sample = Some(facts);
        self.view.compare = Some(compare);
    }
}

/// Where in `row`'s source the user last looked, seconds: the time of its
/// compare view (a preview's sample's time in the source), else the tile
/// its hover scrub last showed; `None` when neither.
fn looked_at(
    view: &crate::ui::state::view_state::ViewState,
    ctx: &egui::Context,
    row: RowId,
) -> Option<f64> {
    if let Some(c) = view.compare.as_ref().filter(|c| c.row == row) {
        return Some(c.sample.as_ref().map_or(0.0, |s| s.start_s) + c.time_s);
    }
    let tile = ctx.data(|d| d.get_temp::<usize>(scrub_id(row)))?;
    match view.scrubs.get(row) {
        Some(ScrubTexture::Ready(scrub)) => scrub.cues.get(tile).map(|cue| cue.start_s),
        _ => None,
    }
}
