//! The app's part of a preview before queueing (`ui/compare/sample.rs`):
//! started, cancelled, moved on each pass, fed its job's events, and the
//! compare view opened on its sample.

use std::time::Instant;

use crossbeam_channel::bounded;
use eframe::egui;
use vidprism_engine::media::{cut_sample, poster_moment, SAMPLE_EXTENSION};
use vidprism_engine::pipeline::{Event, EventKind, JobRequest};

use crate::ui::app::App;
use crate::ui::compare::sample::{Phase, SampleFacts, SampleRun, TempFolder, SAMPLE_SECONDS};
use crate::ui::compare::{job_rules, Compare};
use crate::ui::panels::row::scrub_id;
use crate::ui::state::queue_model::RowId;
use crate::ui::state::scrub::ScrubTexture;
use crate::ui::state::view_state::ViewState;

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
        compare.source_rules = Some(job_rules(&run.presets, run.crop));
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
fn looked_at(view: &ViewState, ctx: &egui::Context, row: RowId) -> Option<f64> {
    if let Some(c) = view.compare.as_ref().filter(|c| c.row == row) {
        return Some(c.sample.as_ref().map_or(0.0, |s| s.start_s) + c.time_s);
    }
    let tile = ctx.data(|d| d.get_temp::<usize>(scrub_id(row)))?;
    match view.scrubs.get(row) {
        Some(ScrubTexture::Ready(scrub)) => scrub.cues.get(tile).map(|cue| cue.start_s),
        _ => None,
    }
}
