//! The job store: every job the user queued, kept in the data dir so the
//! queue survives a crash, a kill or an upgrade.
//!
//! The store is a consumer of the engine's events: a front end records a
//! job with [`JobStore::add`], binds the engine's id to it, and feeds every
//! event to [`JobStore::apply`]. The stages know nothing about it. On start,
//! [`JobStore::recover`] turns jobs that were queued or running when the
//! process died back into queued jobs, after cleaning up what their
//! interrupted attempt left.
//!
//! On disk the store is a snapshot (`snapshot.rs`) and a journal of the
//! changes since (`journal.rs`), so a change costs one appended line, not a
//! rewrite of every job; `open` replays the journal and compacts it.

mod cleanup;
mod contents;
mod disk_job;
mod file_store;
mod flusher;
mod journal;
mod lock;
mod preset_table;
mod record;
mod series_files;
mod snapshot;
#[cfg(test)]
mod tests_prop;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use file_store::StoreError;
pub use record::{JobRecord, JobState, SourceStamp, StoreId};
pub use series_files::SeriesFiles;
pub use snapshot::STORE_VERSION;

use crate::pipeline::{Event, EventKind, JobId, JobRequest};
use crate::presets::Preset;
use contents::Contents;
use flusher::Urgency;
use journal::{Change, Journal, Line};
use lock::StoreLock;
use preset_table::PresetKey;

pub use crate::app_dirs::DATA_DIR_ENV;
/// The store's snapshot file name inside the data dir; the journal is
/// beside it, with [`JOURNAL_SUFFIX`] appended.
pub const STORE_FILE: &str = "jobs.json";
/// Appended to the snapshot's name to name the journal.
pub const JOURNAL_SUFFIX: &str = ".journal";

/// The journal is compacted into the snapshot when it is this many times
/// larger than the snapshot ...
const COMPACT_FACTOR: u64 = 4;
/// ... and at least this large.
const COMPACT_MIN_BYTES: u64 = 256 * 1024;

/// The data dir: `$VIDPRISM_DATA_DIR`, else the platform's data dir for
/// VidPrism; `None` when the system has no home.
pub fn data_dir() -> Option<PathBuf> {
    crate::app_dirs::data_dir()
}

/// The journal beside the snapshot at `path`.
fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(JOURNAL_SUFFIX);
    path.with_file_name(name)
}

/// `path` made absolute against the current folder (links are not
/// resolved); as it is when there is no current folder.
pub fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// Most things named one by one in a warning; the rest are counted, so a
/// store with a thousand bad lines makes a warning of a few lines.
const LISTED: usize = 3;

/// Longest item of such a list, in characters (a reason may quote a value).
const LISTED_CHARS: usize = 300;

/// `items` as a warning lists them: the first [`LISTED`], each cut to
/// [`LISTED_CHARS`], then how many more.
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let total = items.len();
    let cut = |item: String| match item.char_indices().nth(LISTED_CHARS) {
        Some((end, _)) => format!("{}…", &item[..end]),
        None => item,
    };
    let mut text: Vec<String> = items.take(LISTED).map(cut).collect();
    if total > LISTED {
        text.push(format!("and {} more", total - LISTED));
    }
    text.join("; ")
}

/// What [`JobStore::recover`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recovery {
    /// Jobs to run again, in queue order.
    pub rerun: Vec<StoreId>,
    /// Jobs that cannot run again, with the reason (source changed or gone).
    pub failed: Vec<(StoreId, String)>,
}

pub struct JobStore {
    path: PathBuf,
    contents: Contents,
    journal: Journal,
    /// The snapshot's size when last written or read.
    snapshot_bytes: u64,
    /// The journal's least size for compaction ([`COMPACT_MIN_BYTES`];
    /// tests lower it).
    compact_min_bytes: u64,
    /// Engine job id -> store id, for the jobs running in this process.
    bound: HashMap<JobId, StoreId>,
    warning: Option<String>,
    /// Its renditions' per-frame scores, beside it.
    series: SeriesFiles,
    _lock: StoreLock,
}

impl JobStore {
    /// Opens the store in the data dir (see [`data_dir`]).
    pub fn open_default() -> Result<JobStore, StoreError> {
        let dir = data_dir().ok_or_else(|| StoreError::Read {
            path: PathBuf::from(STORE_FILE),
            reason: "this system has no data folder for VidPrism".into(),
        })?;
        JobStore::open(&dir.join(STORE_FILE))
    }

    /// Opens the store whose snapshot is at `path`: the snapshot, then the
    /// journal's changes replayed on it, then both compacted into a new
    /// snapshot. A corrupt or older other-version snapshot, or a journal
    /// with a damaged line, is set aside with what could be read kept; a
    /// job that cannot be read is left out and the others kept;
    /// [`Self::warning`] then says so. Refused while another process has
    /// the store open, or when a later version wrote it
    /// ([`StoreError::LaterVersion`]; nothing is touched then).
    pub fn open(path: &Path) -> Result<JobStore, StoreError> {
        let lock = StoreLock::acquire(path)?;
        // A later version's journal is refused before anything is touched.
        let journal_path = journal_path(path);
        let journal_bytes = file_store::read_if_any(&journal_path)?.unwrap_or_default();
        let read = journal::parse(&journal_bytes);
        if let Some(found) = read.later_format {
            return Err(StoreError::LaterVersion {
                path: journal_path,
                found,
                supported: STORE_VERSION,
            });
        }
        let loaded = snapshot::load(path)?;
        let mut contents = loaded.contents;
        let mut warnings: Vec<String> = loaded.warning.into_iter().collect();
        if read.torn {
            tracing::info!(
                "{}: its last line was cut short by a crash while it was written; dropped",
                journal_path.display()
            );
        }
        // An earlier format's line is replaced by this format's before
        // anything of this format is appended (see journal.rs).
        let earlier_format =
            !journal_bytes.is_empty() && read.format != Some(u64::from(STORE_VERSION));
        // Anything beyond the format line: replayed, then compacted.
        let changes = earlier_format
            || read.torn
            || !read.damaged.is_empty()
            || read.lines.iter().any(|(_, line)| line.format.is_none());
        let mut damaged = read.damaged;
        for (number, line) in read.lines {
            if line.seq <= contents.seq {
                continue; // already in the snapshot, a repeat, or the header
            }
            match contents.apply(line.change) {
                Ok(()) => contents.seq = line.seq,
                Err(why) => damaged.push((number, why.to_string())),
            }
        }
        if loaded.set_aside {
            warnings.push(match contents.jobs().len() {
                0 => "The queue starts empty.".to_owned(),
                n => format!("{n} jobs recorded since in the journal were kept."),
            });
        }
        let snapshot_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut store = JobStore {
            path: path.to_path_buf(),
            contents,
            journal: Journal::open(&journal_path)?,
            snapshot_bytes,
            compact_min_bytes: COMPACT_MIN_BYTES,
            bound: HashMap::new(),
            warning: None,
            series: SeriesFiles::beside(path),
            _lock: lock,
        };
        if changes || loaded.rewrite {
            store.write_snapshot()?;
        }
        if !damaged.is_empty() {
            damaged.sort_unstable();
            drop(store.journal);
            let aside = file_store::set_aside(&journal_path)?;
            store.journal = Journal::open(&journal_path)?;
            warnings.push(format!(
                "Part of the job queue's journal could not be read ({} {}). What could be read was kept; the journal was set aside as {}.",
                journal_path.display(),
                journal::said(&damaged),
                aside.display()
            ));
        } else if changes {
            store.journal.clear()?;
        }
        store.warning = (!warnings.is_empty()).then(|| warnings.join(" "));
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the queue was not restored as it was left, if it was not.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    pub fn jobs(&self) -> &[JobRecord] {
        self.contents.jobs()
    }

    pub fn job(&self, id: StoreId) -> Option<&JobRecord> {
        self.contents.get(id)
    }

    /// Where its renditions' per-frame scores are kept.
    pub fn series_files(&self) -> &SeriesFiles {
        &self.series
    }

    /// Appends one change to the journal, with the next sequence number.
    fn journal(&mut self, change: Change, urgency: Urgency) -> Result<(), StoreError> {
        let line = Line::new(self.contents.seq.saturating_add(1), change);
        self.journal.append(&line, urgency)?;
        self.contents.seq = line.seq;
        Ok(())
    }

    /// Writes the snapshot of what the store holds now.
    fn write_snapshot(&mut self) -> Result<(), StoreError> {
        let bytes = snapshot::encode(&mut self.contents).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            reason: e.to_string().into(),
        })?;
        file_store::write_atomic(&self.path, &bytes)?;
        self.snapshot_bytes = bytes.len() as u64;
        Ok(())
    }

    /// Compacts the journal into the snapshot once it has grown past a
    /// multiple of the snapshot's size: the snapshot is written first, so
    /// a crash in between leaves lines the snapshot holds, skipped by
    /// their sequence numbers.
    fn compact_if_large(&mut self) -> Result<(), StoreError> {
        if self.journal.len()
            > self
                .compact_min_bytes
                .max(COMPACT_FACTOR * self.snapshot_bytes)
        {
            self.write_snapshot()?;
            self.journal.clear()?;
        }
        Ok(())
    }

    /// Changes job `id` with `change` and journals the fields that changed;
    /// `None` when there is no such job.
    fn update<R>(
        &mut self,
        id: StoreId,
        change: impl FnOnce(&mut JobRecord) -> R,
    ) -> Result<Option<R>, StoreError> {
        let Some(record) = self.contents.get_mut(id) else {
            return Ok(None);
        };
        let was = record.state;
        let before = disk_job::fields(record);
        let result = change(record);
        let after = disk_job::fields(record);
        let ended = record.state != was && record.state.is_final();
        let fields = disk_job::diff(&before, &after);
        if !fields.is_empty() {
            let urgency = if ended { Urgency::Now } else { Urgency::Soon };
            self.journal(Change::Set { id, fields }, urgency)?;
            self.compact_if_large()?;
        }
        Ok(Some(result))
    }

    /// The keys of `presets` in the store's table, and those new to it.
    fn intern(&mut self, presets: &[Preset]) -> (Vec<PresetKey>, BTreeMap<PresetKey, Preset>) {
        let mut new_presets = BTreeMap::new();
        let keys = presets
            .iter()
            .map(|p| {
                let (key, new) = self.contents.presets.intern(p);
                if new {
                    new_presets.insert(key.clone(), p.clone());
                }
                key
            })
            .collect();
        (keys, new_presets)
    }

    /// Journals a change that brings presets `first_seen`; when it cannot
    /// be written, they are not on disk: they are forgotten too.
    fn journal_or_forget(
        &mut self,
        change: Change,
        first_seen: &[PresetKey],
    ) -> Result<(), StoreError> {
        let written = self.journal(change, Urgency::Now);
        if written.is_err() {
            for key in first_seen {
                self.contents.presets.forget(key);
            }
        }
        written
    }

    /// Records a new queued job before it is given to the engine; it is on
    /// disk (journaled, its fsync under way) when this returns. Its input
    /// and output folder are stored absolute ([`absolute`]).
    pub fn add(
        &mut self,
        input: PathBuf,
        preset_names: Vec<String>,
        presets: Vec<Preset>,
        out_dir: PathBuf,
    ) -> Result<StoreId, StoreError> {
        let id = self.contents.next_id.max(1);
        // Stored absolute: a resume from another folder means the same file.
        let input = absolute(input);
        let out_dir = absolute(out_dir);
        let source = SourceStamp::of(&input);
        let (keys, new_presets) = self.intern(&presets);
        let mut record = JobRecord {
            id,
            input,
            preset_names,
            presets,
            out_dir,
            state: JobState::Queued,
            job_dir: None,
            thumbnail: None,
            outputs: Vec::new(),
            storyboard: None,
            error: None,
            source,
            attempts: 0,
        };
        let job = disk_job::to_disk(&mut record, &keys);
        let first_seen: Vec<_> = new_presets.keys().cloned().collect();
        let added = Change::Add {
            job,
            presets: new_presets,
        };
        self.journal_or_forget(added, &first_seen)?;
        self.contents.push(record, keys);
        self.compact_if_large()?;
        Ok(id)
    }

    /// Says which store job an engine job runs; call right after submitting.
    pub fn bind(&mut self, id: StoreId, job: JobId) {
        if let Err(e) = self.update(id, |record| record.attempts += 1) {
            tracing::warn!("{e}");
        }
        self.bound.insert(job, id);
    }

    /// The store job an engine job runs, if it was bound.
    pub fn store_id(&self, job: JobId) -> Option<StoreId> {
        self.bound.get(&job).copied()
    }

    /// Folds an engine event into its job and journals what changed (not
    /// progress). Returns the job it was about.
    pub fn apply(&mut self, event: &Event) -> Result<Option<StoreId>, StoreError> {
        let Some(id) = self.store_id(event.job) else {
            return Ok(None);
        };
        if event.kind.is_final() {
            self.bound.remove(&event.job);
        }
        self.update(id, |record| record.apply(&event.kind))?;
        if let EventKind::RenditionDone(output) = &event.kind {
            if let Some(series) = output.quality.as_ref().and_then(|q| q.series.as_ref()) {
                self.series.keep(&output.path, series);
            }
        }
        Ok(Some(id))
    }

    /// Prepares a job to run again (retry): forgets its last attempt's
    /// results (the files stay where they are) and marks it queued.
    pub fn requeue(&mut self, id: StoreId) -> Result<Option<JobRequest>, StoreError> {
        self.update(id, |record| {
            record.reset_attempt();
            record.request()
        })
    }

    /// Why a job's source is no longer the file that was queued (changed
    /// or gone), if it is not; checked just before the job starts.
    pub fn source_changed(&self, id: StoreId) -> Option<String> {
        let record = self.job(id)?;
        record.source.as_ref()?.changed_reason(&record.input)
    }

    /// Marks a job that never started as failed, with the reason.
    pub fn mark_failed(&mut self, id: StoreId, reason: String) -> Result<(), StoreError> {
        self.update(id, |record| {
            record.state = JobState::Failed;
            record.error = Some(reason);
        })
        .map(drop)
    }

    /// Marks a job that never started as cancelled.
    pub fn mark_cancelled(&mut self, id: StoreId) -> Result<(), StoreError> {
        self.update(id, |record| record.state = JobState::Cancelled)
            .map(drop)
    }

    /// Forgets jobs (their files stay).
    fn forget(&mut self, ids: Vec<StoreId>) -> Result<(), StoreError> {
        for id in &ids {
            let outputs = self.contents.get(*id).map(|r| r.outputs.iter());
            for output in outputs.into_iter().flatten() {
                self.series.forget(&output.path);
            }
        }
        if !self.contents.remove(&ids) {
            return Ok(());
        }
        self.bound.retain(|_, s| !ids.contains(s));
        self.journal(Change::Remove { ids }, Urgency::Now)?;
        self.compact_if_large()
    }

    /// Forgets a job (its files stay).
    pub fn remove(&mut self, id: StoreId) -> Result<(), StoreError> {
        self.forget(vec![id])
    }

    /// Forgets every job that has ended.
    pub fn clear_finished(&mut self) -> Result<(), StoreError> {
        let ended = self.jobs().iter().filter(|j| j.state.is_final());
        let ids = ended.map(|j| j.id).collect();
        self.forget(ids)
    }

    /// Gives a job that has not started other presets (`preset_names` as
    /// chosen, for the row); the change is on disk (journaled) when this
    /// returns, so a restart keeps it. A job that started (given to an
    /// engine), ended or is not there is refused, nothing changed.
    pub fn set_presets(
        &mut self,
        id: StoreId,
        preset_names: Vec<String>,
        presets: Vec<Preset>,
    ) -> Result<(), StoreError> {
        let bound = self.bound.values().any(|s| *s == id);
        match self.contents.get(id) {
            Some(record) if record.state == JobState::Queued && !bound => {}
            record => {
                return Err(StoreError::NotWaiting {
                    input: record.map(|r| r.input.clone()).unwrap_or_default(),
                })
            }
        }
        let (keys, new_presets) = self.intern(&presets);
        let first_seen: Vec<_> = new_presets.keys().cloned().collect();
        let change = Change::Presets {
            id,
            names: preset_names.clone(),
            keys: keys.clone(),
            presets: new_presets,
        };
        self.journal_or_forget(change, &first_seen)?;
        self.contents.set_presets(id, preset_names, keys, presets);
        self.compact_if_large()
    }

    /// Moves a job to `index` in the queue's order (clamped).
    pub fn move_to(&mut self, id: StoreId, index: usize) -> Result<(), StoreError> {
        if self.contents.move_to(id, index) {
            self.journal(Change::Move { id, index }, Urgency::Soon)?;
            self.compact_if_large()?;
        }
        Ok(())
    }

    /// After a crash or kill: every job that was queued or running comes
    /// back as queued, with what its interrupted attempt made removed
    /// (temporary files, and the outputs the store recorded for that
    /// attempt; nothing else). A job whose source disappeared or changed
    /// since it was queued fails with that reason instead. Returns the jobs
    /// to run again, in queue order, and those that failed.
    pub fn recover(&mut self) -> Result<Recovery, StoreError> {
        let mut rerun = Vec::new();
        let mut failed = Vec::new();
        let interrupted: Vec<StoreId> = self
            .jobs()
            .iter()
            .filter(|r| !r.state.is_final() && !self.bound.values().any(|s| *s == r.id))
            .map(|r| r.id)
            .collect();
        for id in interrupted {
            let changed = self.update(id, |record| {
                cleanup::remove_interrupted_attempt(record);
                record.reset_attempt();
                let changed = record
                    .source
                    .as_ref()
                    .and_then(|stamp| stamp.changed_reason(&record.input));
                if let Some(reason) = &changed {
                    record.state = JobState::Failed;
                    record.error = Some(reason.clone());
                }
                changed
            })?;
            match changed.flatten() {
                Some(reason) => failed.push((id, reason)),
                None => rerun.push(id),
            }
        }
        Ok(Recovery { rerun, failed })
    }
}

#[cfg(test)]
mod tests;
