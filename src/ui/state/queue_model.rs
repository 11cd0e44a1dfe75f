//! The queue as the window sees it: one row per added video, updated from
//! engine events. Pure state, no egui: every rule here is unit tested.
//!
//! A row outlives its jobs: retrying submits the same request again under a
//! new job id, which is mapped back to the same row.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use vidprism_engine::output::job_dir_from;
use vidprism_engine::pipeline::{
    Event, EventKind, JobFailed, JobId, JobRequest, Output, Progress, QualityPlanned,
    RenditionFailed, RenditionSkipped, SourceFacts, Stage, StageStarted, Storyboard, Thumbnail,
};
use vidprism_engine::presets::Preset;
use vidprism_engine::store::StoreId;

#[path = "queue_control.rs"]
mod control;

/// The window's own id for a row; stable across retries.
pub type RowId = u64;

#[derive(Clone, Debug, PartialEq)]
pub enum RowStatus {
    Queued,
    Probing,
    Running,
    Done,
    Failed(String),
    Cancelled,
}

impl RowStatus {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RowStatus::Done | RowStatus::Failed(_) | RowStatus::Cancelled
        )
    }

    /// A short word for the status column.
    pub fn label(&self) -> &'static str {
        match self {
            RowStatus::Queued => "Queued",
            RowStatus::Probing => "Probing",
            RowStatus::Running => "Running",
            RowStatus::Done => "Done",
            RowStatus::Failed(_) => "Failed",
            RowStatus::Cancelled => "Cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RenditionStatus {
    Waiting,
    Running {
        fraction: f64,
        fps: f64,
        eta_s: Option<f64>,
    },
    Done(Output),
    Skipped(String),
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rendition {
    pub name: String,
    pub status: RenditionStatus,
    /// The CRF a `target_ssim` search found, with the size and time it
    /// predicts (issue 24).
    pub planned: Option<QualityPlanned>,
}

/// One video in the queue.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: RowId,
    /// What was (and on retry will again be) submitted.
    pub request: JobRequest,
    /// The job currently behind this row; `None` until submitted.
    pub job: Option<JobId>,
    pub status: RowStatus,
    /// What the probe said about the source.
    pub facts: Option<SourceFacts>,
    pub thumbnail: Option<Thumbnail>,
    /// The storyboard the hover scrub shows, once made.
    pub storyboard: Option<Storyboard>,
    /// The published bundle's files in the job's folder (player page,
    /// manifests, storyboard, poster), as its events named them.
    pub bundle: Vec<PathBuf>,
    /// In the order the engine first mentioned them.
    pub renditions: Vec<Rendition>,
    /// The current job's stage, for the status text.
    pub stage: Option<Stage>,
    /// The row's job in the job store, when the queue is remembered.
    pub store_id: Option<StoreId>,
    /// Queued by a watch folder (not remembered across restarts: the
    /// watch folder's ledger is what makes it done once).
    pub from_watch: bool,
}

impl Row {
    /// Not given to the engine yet: its turn can still change.
    pub fn is_waiting(&self) -> bool {
        self.job.is_none() && self.status == RowStatus::Queued
    }

    pub fn name(&self) -> String {
        file_name(&self.request.input)
    }

    pub fn preset_names(&self) -> Vec<&str> {
        self.request
            .presets
            .iter()
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Fraction of the row's transcode work done, 0..1.
    pub fn progress(&self) -> f64 {
        let active: Vec<f64> = self
            .renditions
            .iter()
            .filter_map(|r| match &r.status {
                RenditionStatus::Waiting => Some(0.0),
                RenditionStatus::Running { fraction, .. } => Some(fraction.clamp(0.0, 1.0)),
                RenditionStatus::Done(_) | RenditionStatus::Failed(_) => Some(1.0),
                RenditionStatus::Skipped(_) => None,
            })
            .collect();
        if active.is_empty() {
            return if self.status == RowStatus::Done {
                1.0
            } else {
                0.0
            };
        }
        active.iter().sum::<f64>() / active.len() as f64
    }

    /// Seconds until this row's job ends, when the engine has said so: the
    /// slowest running rendition (renditions encode in parallel).
    pub fn eta_s(&self) -> Option<f64> {
        self.renditions
            .iter()
            .filter_map(|r| match r.status {
                RenditionStatus::Running { eta_s, .. } => eta_s,
                _ => None,
            })
            .reduce(f64::max)
    }

    /// Finished outputs: (rendition, path, bytes).
    pub fn outputs(&self) -> Vec<(&str, &Path, u64)> {
        self.renditions
            .iter()
            .filter_map(|r| match &r.status {
                RenditionStatus::Done(output) => {
                    Some((r.name.as_str(), output.path.as_path(), output.bytes))
                }
                _ => None,
            })
            .collect()
    }

    /// Every file the row's job wrote that the window knows of: outputs,
    /// their sidecars (subtitles, a bundle's playlists and audio), the
    /// bundle's published files and the thumbnail, each once.
    pub fn files_written(&self) -> usize {
        let mut files: HashSet<PathBuf> = HashSet::new();
        for r in &self.renditions {
            if let RenditionStatus::Done(output) = &r.status {
                let dir = output.path.parent().unwrap_or(Path::new(""));
                files.extend(output.sidecars.iter().map(|name| dir.join(name)));
                files.insert(output.path.clone());
            }
        }
        files.extend(self.bundle.iter().cloned());
        files.extend(self.thumbnail.iter().map(|t| t.path.clone()));
        files.len()
    }

    /// The name of the folder the row's files went to, once known.
    pub fn folder_name(&self) -> Option<String> {
        let known =
            self.thumbnail.is_some() || !self.outputs().is_empty() || self.storyboard.is_some();
        known.then(|| file_name(&self.output_folder()))
    }

    /// The folder this row's files went to: the thumbnail's or an output's
    /// folder once known, else the output folder.
    pub fn output_folder(&self) -> PathBuf {
        let outputs = self.outputs();
        let files = (self.thumbnail.iter().map(|t| t.path.as_path()))
            .chain(outputs.iter().map(|(_, p, _)| *p))
            .chain(self.storyboard.iter().map(|s| s.path.as_path()));
        job_dir_from(files).unwrap_or_else(|| self.request.out_dir.clone())
    }

    fn rendition_mut(&mut self, name: &str) -> &mut Rendition {
        let index = match self.renditions.iter().position(|r| r.name == name) {
            Some(i) => i,
            None => {
                self.renditions.push(Rendition {
                    name: name.to_owned(),
                    status: RenditionStatus::Waiting,
                    planned: None,
                });
                self.renditions.len() - 1
            }
        };
        &mut self.renditions[index]
    }

    /// Forgets what the last job said, for a retry; what the source is
    /// stays known (the next job's probe says it again).
    fn reset(&mut self) {
        self.job = None;
        self.status = RowStatus::Queued;
        self.thumbnail = None;
        self.storyboard = None;
        self.bundle.clear();
        self.renditions.clear();
        self.stage = None;
    }
}

/// Totals for the footer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub rows: usize,
    pub waiting: usize,
    pub running: usize,
    pub done: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub output_bytes: u64,
    /// Seconds until the whole queue is done, when it can be estimated.
    pub time_left_s: Option<f64>,
}

/// What one row adds to the queue's counters. The model keeps the sum
/// over its rows up to date on every change (a row's tally before the
/// change is taken off, the one after added), so the footer and the
/// queue checks of each frame cost the same with 10 rows or 10,000.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    /// Queued or probing.
    waiting: usize,
    running: usize,
    done: usize,
    failed: usize,
    cancelled: usize,
    /// Given to the engine and not ended.
    in_flight: usize,
    /// Queued and not given to the engine yet.
    unsubmitted: usize,
    output_bytes: u64,
    /// Source duration of the waiting rows whose probe said it, in ms.
    waiting_media_ms: u64,
    /// Waiting rows whose duration is unknown.
    waiting_unknown: usize,
}

impl Tally {
    fn of(row: &Row) -> Tally {
        let mut t = Tally {
            output_bytes: row.outputs().iter().map(|(_, _, b)| b).sum(),
            ..Tally::default()
        };
        match &row.status {
            RowStatus::Queued | RowStatus::Probing => {
                t.waiting = 1;
                match row.facts.as_ref().and_then(|f| f.duration_s) {
                    Some(d) => t.waiting_media_ms = (d.max(0.0) * 1000.0).round() as u64,
                    None => t.waiting_unknown = 1,
                }
            }
            RowStatus::Running => t.running = 1,
            RowStatus::Done => t.done = 1,
            RowStatus::Failed(_) => t.failed = 1,
            RowStatus::Cancelled => t.cancelled = 1,
        }
        if !row.status.is_final() {
            match row.job {
                Some(_) => t.in_flight = 1,
                None if row.status == RowStatus::Queued => t.unsubmitted = 1,
                None => {}
            }
        }
        t
    }

    /// `self + add - sub` (each of `sub`'s counts is part of `self`).
    fn replace(&mut self, sub: Tally, add: Tally) {
        self.waiting = self.waiting - sub.waiting + add.waiting;
        self.running = self.running - sub.running + add.running;
        self.done = self.done - sub.done + add.done;
        self.failed = self.failed - sub.failed + add.failed;
        self.cancelled = self.cancelled - sub.cancelled + add.cancelled;
        self.in_flight = self.in_flight - sub.in_flight + add.in_flight;
        self.unsubmitted = self.unsubmitted - sub.unsubmitted + add.unsubmitted;
        self.output_bytes = self.output_bytes - sub.output_bytes + add.output_bytes;
        self.waiting_media_ms = self.waiting_media_ms - sub.waiting_media_ms + add.waiting_media_ms;
        self.waiting_unknown = self.waiting_unknown - sub.waiting_unknown + add.waiting_unknown;
    }
}

#[derive(Debug, Default)]
pub struct QueueModel {
    rows: Vec<Row>,
    /// Each row's index in `rows` (rebuilt when rows are removed or moved).
    index: HashMap<RowId, usize>,
    by_job: HashMap<JobId, RowId>,
    next_row: RowId,
    /// The sum of every row's [`Tally`].
    tally: Tally,
    /// The running rows, for the time left.
    running: HashSet<RowId>,
}

impl QueueModel {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Gives a waiting row other presets; `false` (nothing changed) when
    /// the row is not waiting.
    pub fn set_presets(&mut self, id: RowId, presets: Vec<Preset>) -> bool {
        let waiting = self.row(id).is_some_and(Row::is_waiting);
        waiting
            && self
                .change(id, |row| row.request.presets = presets)
                .is_some()
    }

    pub fn row(&self, id: RowId) -> Option<&Row> {
        self.index.get(&id).map(|&i| &self.rows[i])
    }

    /// Gives a restored row the storyboard its job made, for the scrub.
    pub fn set_storyboard(&mut self, id: RowId, storyboard: Option<Storyboard>) {
        self.change(id, |row| row.storyboard = storyboard);
    }

    /// Records the bundle files found in a row's folder.
    pub fn set_bundle(&mut self, id: RowId, files: Vec<PathBuf>) {
        self.change(id, |row| row.bundle = files);
    }

    /// Changes one row through `f`, keeping the counters true.
    fn change<R>(&mut self, id: RowId, f: impl FnOnce(&mut Row) -> R) -> Option<R> {
        let &i = self.index.get(&id)?;
        let row = &mut self.rows[i];
        let before = Tally::of(row);
        let result = f(row);
        let after = Tally::of(row);
        if row.status == RowStatus::Running {
            self.running.insert(id);
        } else {
            self.running.remove(&id);
        }
        self.tally.replace(before, after);
        Some(result)
    }

    fn reindex(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
    }

    /// Adds a row for `request`, not yet submitted.
    pub fn add(&mut self, request: JobRequest) -> RowId {
        self.next_row += 1;
        let id = self.next_row;
        let row = Row {
            id,
            request,
            job: None,
            status: RowStatus::Queued,
            facts: None,
            thumbnail: None,
            storyboard: None,
            bundle: Vec::new(),
            renditions: Vec::new(),
            stage: None,
            store_id: None,
            from_watch: false,
        };
        self.tally.replace(Tally::default(), Tally::of(&row));
        self.index.insert(id, self.rows.len());
        self.rows.push(row);
        id
    }

    /// Records the row's job in the job store (kept across retries).
    pub fn set_store_id(&mut self, row: RowId, id: StoreId) {
        self.change(row, |r| r.store_id = Some(id));
    }

    /// Marks a row as queued by a watch folder.
    pub fn mark_watched(&mut self, row: RowId) {
        self.change(row, |r| r.from_watch = true);
    }

    /// Records that `job` now runs `row` (first submit or a retry); events
    /// of the row's earlier job are ignored from now on.
    pub fn attach(&mut self, row: RowId, job: JobId) {
        let Some(old) = self.change(row, |r| {
            let old = r.job;
            r.reset();
            r.job = Some(job);
            old
        }) else {
            return;
        };
        if let Some(old) = old {
            self.by_job.remove(&old);
        }
        self.by_job.insert(job, row);
    }

    /// Removes a row; its job's later events are ignored.
    pub fn remove(&mut self, row: RowId) -> Option<Row> {
        let index = *self.index.get(&row)?;
        let removed = self.rows.remove(index);
        self.tally.replace(Tally::of(&removed), Tally::default());
        self.running.remove(&row);
        self.reindex();
        if let Some(job) = removed.job {
            self.by_job.remove(&job);
        }
        Some(removed)
    }

    /// The row `job` belongs to, if it is still in the queue.
    pub fn row_of(&self, job: JobId) -> Option<RowId> {
        self.by_job.get(&job).copied()
    }

    /// Whether anything is still queued or running.
    pub fn is_busy(&self) -> bool {
        self.tally.waiting + self.tally.running > 0
    }

    /// Whether some row has ended (done, failed or cancelled).
    pub fn has_ended(&self) -> bool {
        self.tally.done + self.tally.failed + self.tally.cancelled > 0
    }

    /// Updates the row `event` is about. Returns that row, if any.
    pub fn apply(&mut self, event: &Event) -> Option<RowId> {
        let row_id = self.row_of(event.job)?;
        self.change(row_id, |row| apply_to_row(row, event))?;
        Some(row_id)
    }

    /// Totals and the time left for the queue, with `jobs_at_once` jobs
    /// transcoding in parallel. Reads the counters and the running rows
    /// only, never every row.
    pub fn totals(&self, jobs_at_once: usize) -> Totals {
        let c = &self.tally;
        let mut t = Totals {
            rows: self.rows.len(),
            waiting: c.waiting,
            running: c.running,
            done: c.done,
            failed: c.failed,
            cancelled: c.cancelled,
            output_bytes: c.output_bytes,
            time_left_s: None,
        };
        if t.running + t.waiting == 0 {
            return t;
        }
        // Seconds of work per second of source, learnt from running jobs,
        // to guess how long the waiting ones take.
        let mut rates = Vec::new();
        let mut running_left = 0.0;
        for row in self.running.iter().filter_map(|&id| self.row(id)) {
            // A running row without an estimate: the queue's is unknown.
            let Some(eta) = row.eta_s() else {
                return t;
            };
            running_left += eta;
            let done = row.progress();
            let media = row.facts.as_ref().and_then(|f| f.duration_s);
            if let (Some(media), true) = (media, done > 0.0 && done < 1.0) {
                // eta covers (1 - done) of the work.
                rates.push(eta / (1.0 - done) / media.max(0.001));
            }
        }
        let waiting_left = if t.waiting == 0 {
            Some(0.0)
        } else if rates.is_empty() || c.waiting_unknown > 0 {
            None
        } else {
            let rate = rates.iter().sum::<f64>() / rates.len() as f64;
            Some(c.waiting_media_ms as f64 / 1000.0 * rate)
        };
        t.time_left_s = waiting_left.map(|w| (running_left + w) / jobs_at_once.max(1) as f64);
        t
    }
}

/// What `event` changes in its row.
fn apply_to_row(row: &mut Row, event: &Event) {
    if row.status.is_final() {
        // One final event per job; nothing after it changes the row.
        return;
    }
    match &event.kind {
        EventKind::Queued { .. } => row.status = RowStatus::Queued,
        EventKind::StageStarted(StageStarted { stage, rendition }) => {
            row.stage = Some(*stage);
            match stage {
                Stage::Probe => row.status = RowStatus::Probing,
                Stage::Thumbnail => {}
                Stage::Transcode => {
                    row.status = RowStatus::Running;
                    if let Some(name) = rendition {
                        let r = row.rendition_mut(name);
                        if r.status == RenditionStatus::Waiting {
                            r.status = RenditionStatus::Running {
                                fraction: 0.0,
                                fps: 0.0,
                                eta_s: None,
                            };
                        }
                    }
                }
            }
        }
        EventKind::Probed(facts) => {
            // Probed: waiting for a transcode slot until a stage starts.
            row.status = RowStatus::Queued;
            row.facts = Some(facts.clone());
        }
        EventKind::Progress(Progress {
            rendition,
            fraction,
            fps,
            eta_s,
            ..
        }) => {
            row.status = RowStatus::Running;
            row.rendition_mut(rendition).status = RenditionStatus::Running {
                fraction: *fraction,
                fps: *fps,
                eta_s: *eta_s,
            };
        }
        EventKind::ThumbnailReady(thumbnail) => row.thumbnail = Some(thumbnail.clone()),
        EventKind::StoryboardReady(storyboard) => row.storyboard = Some(storyboard.clone()),
        EventKind::QualityPlanned(planned) => {
            row.rendition_mut(&planned.rendition).planned = Some(planned.clone());
        }
        EventKind::RenditionDone(output) => {
            row.rendition_mut(&output.rendition).status = RenditionStatus::Done(output.clone());
        }
        EventKind::RenditionSkipped(RenditionSkipped { rendition, reason }) => {
            row.rendition_mut(rendition).status = RenditionStatus::Skipped(reason.clone());
        }
        EventKind::RenditionFailed(RenditionFailed { rendition, error }) => {
            row.rendition_mut(rendition).status = RenditionStatus::Failed(error.clone());
        }
        EventKind::JobDone { .. } => row.status = RowStatus::Done,
        EventKind::JobFailed(JobFailed { error }) => row.status = RowStatus::Failed(error.clone()),
        EventKind::Cancelled => row.status = RowStatus::Cancelled,
    }
}

/// The file name of `path` for display.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| path_text(Path::new(n)))
        .unwrap_or_else(|| path_text(path))
}

/// `path` for display: each byte that is not UTF-8 (a Latin-1 name from a
/// camera or an old share) shows as `?`, as `ls` shows it; the window's
/// fonts have no glyph for U+FFFD. The row keeps the exact bytes.
pub fn path_text(path: &Path) -> String {
    path.to_string_lossy()
        .replace(char::REPLACEMENT_CHARACTER, "?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidprism_engine::pipeline::{JobDone, Queued};
    use vidprism_engine::presets::find_preset;

    fn request(name: &str) -> JobRequest {
        JobRequest {
            input: PathBuf::from(format!("/videos/{name}")),
            presets: vec![find_preset("web").expect("web is built in")],
            out_dir: PathBuf::from("/out"),
        }
    }

    fn ev(job: JobId, kind: EventKind) -> Event {
        Event { job, t_ms: 0, kind }
    }

    /// Rendition 720p of a transcode half done, at `fps`, `eta_s` left.
    fn halfway(fps: f64, eta_s: f64) -> EventKind {
        EventKind::Progress(Progress {
            stage: Stage::Transcode,
            rendition: "720p".into(),
            fraction: 0.5,
            fps,
            eta_s: Some(eta_s),
        })
    }

    fn probed(duration: f64) -> EventKind {
        EventKind::Probed(SourceFacts {
            width: 1280,
            height: 720,
            duration_s: Some(duration),
            fps: 25.0,
            video_codec: "h264".into(),
            audio_codec: None,
            hdr: None,
            crop: None,
        })
    }

    #[test]
    fn a_job_walks_through_every_status() {
        let mut m = QueueModel::default();
        let row = m.add(request("a.mp4"));
        m.attach(row, 7);
        m.apply(&ev(
            7,
            EventKind::Queued(Queued {
                input: "/videos/a.mp4".into(),
            }),
        ));
        assert_eq!(m.row(row).unwrap().status, RowStatus::Queued);
        m.apply(&ev(
            7,
            EventKind::StageStarted(StageStarted {
                stage: Stage::Probe,
                rendition: None,
            }),
        ));
        assert_eq!(m.row(row).unwrap().status, RowStatus::Probing);
        m.apply(&ev(7, probed(10.0)));
        m.apply(&ev(
            7,
            EventKind::RenditionSkipped(RenditionSkipped {
                rendition: "1080p".into(),
                reason: "too small".into(),
            }),
        ));
        m.apply(&ev(
            7,
            EventKind::ThumbnailReady(Thumbnail {
                path: "/out/a/thumbnail.jpg".into(),
                width: 640,
                height: 360,
            }),
        ));
        m.apply(&ev(
            7,
            EventKind::StageStarted(StageStarted {
                stage: Stage::Transcode,
                rendition: Some("720p".into()),
            }),
        ));
        // A target-quality rendition's plan (issue 24) stays on its line.
        let planned = QualityPlanned {
            rendition: "720p".into(),
            target_ssim: 0.985,
            crf: 24,
            encoder_crf: None,
            predicted_ssim: 0.9851,
            predicted_bytes: 38_000_000,
            predicted_seconds: 80.0,
            probes: 4,
            cached: false,
        };
        m.apply(&ev(7, EventKind::QualityPlanned(planned.clone())));
        m.apply(&ev(7, halfway(100.0, 4.0)));
        let r = m.row(row).unwrap();
        assert_eq!(r.renditions[1].planned.as_ref(), Some(&planned));
        assert_eq!(r.status, RowStatus::Running);
        assert_eq!(r.eta_s(), Some(4.0));
        assert!(
            (r.progress() - 0.5).abs() < 1e-9,
            "skipped renditions do not count"
        );
        assert_eq!(r.facts.as_ref().unwrap().width, 1280);
        assert_eq!(r.output_folder(), PathBuf::from("/out/a"));
        m.apply(&ev(
            7,
            EventKind::RenditionDone(Output {
                rendition: "720p".into(),
                path: "/out/a/720p.mp4".into(),
                width: 1280,
                height: 720,
                bytes: 1000,
                skipped_tracks: Vec::new(),
                sidecars: Vec::new(),
                quality: None,
            }),
        ));
        m.apply(&ev(7, EventKind::JobDone(JobDone { outputs: 2 })));
        let r = m.row(row).unwrap();
        assert_eq!(r.status, RowStatus::Done);
        assert_eq!(
            r.outputs(),
            vec![("720p", Path::new("/out/a/720p.mp4"), 1000)]
        );
        assert_eq!(
            r.renditions[0].status,
            RenditionStatus::Skipped("too small".into())
        );
        assert_eq!(r.renditions[1].planned, Some(planned));
        assert!(!m.is_busy());
        assert_eq!(m.totals(1).output_bytes, 1000);
    }

    #[test]
    fn retry_maps_the_new_job_to_the_same_row_and_ignores_the_old_one() {
        let mut m = QueueModel::default();
        let row = m.add(request("a.mp4"));
        m.attach(row, 1);
        m.apply(&ev(
            1,
            EventKind::JobFailed(JobFailed {
                error: "broken".into(),
            }),
        ));
        assert_eq!(
            m.row(row).unwrap().status,
            RowStatus::Failed("broken".into())
        );
        m.attach(row, 2);
        assert_eq!(m.row(row).unwrap().status, RowStatus::Queued);
        assert_eq!(
            m.apply(&ev(1, EventKind::Cancelled)),
            None,
            "old job is forgotten"
        );
        m.apply(&ev(2, EventKind::Cancelled));
        assert_eq!(m.row(row).unwrap().status, RowStatus::Cancelled);
        assert_eq!(m.row_of(2), Some(row));
    }

    #[test]
    fn events_after_the_final_one_and_for_removed_rows_change_nothing() {
        let mut m = QueueModel::default();
        let row = m.add(request("a.mp4"));
        m.attach(row, 1);
        m.apply(&ev(1, EventKind::Cancelled));
        m.apply(&ev(1, EventKind::JobDone(JobDone { outputs: 0 })));
        assert_eq!(m.row(row).unwrap().status, RowStatus::Cancelled);
        assert!(m.remove(row).is_some());
        assert_eq!(
            m.apply(&ev(1, EventKind::JobDone(JobDone { outputs: 0 }))),
            None
        );
        assert!(m.rows().is_empty());
    }

    #[test]
    fn time_left_adds_running_etas_and_estimates_waiting_jobs() {
        let mut m = QueueModel::default();
        let a = m.add(request("a.mp4"));
        let b = m.add(request("b.mp4"));
        m.attach(a, 1);
        m.attach(b, 2);
        // a: 10 s of media, half done, 5 s left => 1 s of work per media second.
        m.apply(&ev(1, probed(10.0)));
        m.apply(&ev(1, halfway(50.0, 5.0)));
        // b: waiting, 20 s of media => about 20 s.
        m.apply(&ev(2, probed(20.0)));
        let t = m.totals(1);
        assert_eq!((t.running, t.waiting), (1, 1));
        let left = t.time_left_s.expect("estimable");
        assert!((left - 25.0).abs() < 1e-6, "{left}");
        let parallel = m.totals(2).time_left_s.expect("estimable");
        assert!((parallel - 12.5).abs() < 1e-6, "{parallel}");
    }

    /// The counters as a walk over every row finds them.
    fn recount(m: &QueueModel) -> Tally {
        let mut sum = Tally::default();
        for row in m.rows() {
            sum.replace(Tally::default(), Tally::of(row));
        }
        sum
    }

    #[test]
    fn the_counters_follow_every_change_without_walking_the_rows() {
        let mut m = QueueModel::default();
        let rows: Vec<RowId> = (0..6)
            .map(|i| m.add(request(&format!("{i}.mp4"))))
            .collect();
        assert_eq!(m.tally, recount(&m));
        assert_eq!((m.totals(1).waiting, m.in_flight()), (6, 0));
        m.attach(rows[0], 1);
        m.attach(rows[1], 2);
        m.apply(&ev(1, probed(10.0)));
        m.apply(&ev(1, halfway(50.0, 5.0)));
        assert_eq!(m.tally, recount(&m));
        assert_eq!((m.totals(1).running, m.in_flight()), (1, 2));
        m.apply(&ev(
            1,
            EventKind::RenditionDone(Output {
                rendition: "720p".into(),
                path: "/out/0/720p.mp4".into(),
                width: 1280,
                height: 720,
                bytes: 500,
                skipped_tracks: Vec::new(),
                sidecars: Vec::new(),
                quality: None,
            }),
        ));
        m.apply(&ev(1, EventKind::JobDone(JobDone { outputs: 1 })));
        m.apply(&ev(
            2,
            EventKind::JobFailed(JobFailed {
                error: "broken".into(),
            }),
        ));
        assert!(m.cancel_unsubmitted(rows[2]));
        m.fail_unsubmitted(rows[3], "changed".into());
        assert_eq!(m.tally, recount(&m));
        let t = m.totals(1);
        assert_eq!(
            (
                t.waiting,
                t.running,
                t.done,
                t.failed,
                t.cancelled,
                t.output_bytes
            ),
            (2, 0, 1, 2, 1, 500)
        );
        assert!(m.has_ended() && m.is_busy());
        m.requeue(rows[1]);
        m.move_row(rows[5], 0);
        assert_eq!(m.next_unsubmitted(), Some(rows[5]));
        assert_eq!(m.row(rows[5]).map(|r| r.name()), Some("5.mp4".to_owned()));
        assert_eq!(m.clear_finished(), vec![rows[0], rows[2], rows[3]]);
        assert_eq!(m.tally, recount(&m));
        assert_eq!(m.row(rows[4]).map(|r| r.id), Some(rows[4]), "index rebuilt");
        m.remove(rows[1]);
        assert_eq!(m.tally, recount(&m));
        assert_eq!(
            (m.totals(1).rows, m.totals(1).waiting, m.in_flight()),
            (2, 2, 0)
        );
        assert!(!m.has_ended());
    }

    #[test]
    fn time_left_is_unknown_before_any_progress() {
        let mut m = QueueModel::default();
        let a = m.add(request("a.mp4"));
        m.attach(a, 1);
        assert_eq!(m.totals(1).time_left_s, None);
        m.apply(&ev(1, EventKind::JobDone(JobDone { outputs: 1 })));
        assert_eq!(m.totals(1).time_left_s, None, "nothing left to time");
        assert_eq!(m.totals(1).done, 1);
    }
}
