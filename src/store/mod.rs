//! The job store: every job the user queued, kept in the data dir so the
//! queue survives a crash, a kill or an upgrade.
//!
//! The store is a consumer of the engine's events: a front end records a
//! job with [`JobStore::add`], binds the engine's id to it, and feeds every
//! event to [`JobStore::apply`]. The stages know nothing about it. On start,
//! [`JobStore::recover`] turns jobs that were queued or running when the
//! process died back into queued jobs, after cleaning up what their
//! interrupted attempt left.

mod cleanup;
mod file_store;
mod lock;
mod record;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use file_store::{StoreError, STORE_VERSION};
pub use record::{JobRecord, JobState, SourceStamp, StoreId};

use crate::pipeline::{Event, JobId, JobRequest};
use crate::presets::Preset;
use file_store::StoreFile;
use lock::StoreLock;

/// Environment variable that moves the data dir (tests, portable installs).
pub const DATA_DIR_ENV: &str = "VIDPRISM_DATA_DIR";
/// The store's file name inside the data dir.
pub const STORE_FILE: &str = "jobs.json";

/// The data dir: `$VIDPRISM_DATA_DIR`, else the platform's data dir for
/// VidPrism; `None` when the system has no home.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "VidPrism", "VidPrism")
        .map(|d| d.data_dir().to_path_buf())
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
    file: StoreFile,
    /// Engine job id -> store id, for the jobs running in this process.
    bound: HashMap<JobId, StoreId>,
    warning: Option<String>,
    _lock: StoreLock,
}

impl JobStore {
    /// Opens the store in the data dir (see [`data_dir`]).
    pub fn open_default() -> Result<JobStore, StoreError> {
        let dir = data_dir().ok_or_else(|| StoreError::Read {
            path: PathBuf::from(STORE_FILE),
            reason: "this system has no data folder for VidPrism".to_owned(),
        })?;
        JobStore::open(&dir.join(STORE_FILE))
    }

    /// Opens the store at `path`. A corrupt or older store is set aside and
    /// the store starts empty; [`Self::warning`] then says so. Refused while
    /// another process has it open.
    pub fn open(path: &Path) -> Result<JobStore, StoreError> {
        let lock = StoreLock::acquire(path)?;
        let (file, warning) = file_store::load(path)?;
        Ok(JobStore {
            path: path.to_path_buf(),
            file,
            bound: HashMap::new(),
            warning,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the queue starts empty although a store existed, if it does.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    pub fn jobs(&self) -> &[JobRecord] {
        &self.file.jobs
    }

    pub fn job(&self, id: StoreId) -> Option<&JobRecord> {
        self.file.jobs.iter().find(|j| j.id == id)
    }

    fn job_mut(&mut self, id: StoreId) -> Option<&mut JobRecord> {
        self.file.jobs.iter_mut().find(|j| j.id == id)
    }

    fn save(&self) -> Result<(), StoreError> {
        file_store::save(&self.path, &self.file)
    }

    /// Records a new queued job (and saves) before it is given to the engine.
    pub fn add(
        &mut self,
        input: PathBuf,
        preset_names: Vec<String>,
        presets: Vec<Preset>,
        out_dir: PathBuf,
    ) -> Result<StoreId, StoreError> {
        let id = self.file.next_id.max(1);
        self.file.next_id = id + 1;
        let source = SourceStamp::of(&input);
        self.file.jobs.push(JobRecord {
            id,
            input,
            preset_names,
            presets,
            out_dir,
            state: JobState::Queued,
            job_dir: None,
            thumbnail: None,
            outputs: Vec::new(),
            error: None,
            source,
            attempts: 0,
        });
        self.save()?;
        Ok(id)
    }

    /// Says which store job an engine job runs; call right after submitting.
    pub fn bind(&mut self, id: StoreId, job: JobId) {
        if let Some(record) = self.job_mut(id) {
            record.attempts += 1;
        }
        self.bound.insert(job, id);
    }

    /// The store job an engine job runs, if it was bound.
    pub fn store_id(&self, job: JobId) -> Option<StoreId> {
        self.bound.get(&job).copied()
    }

    /// Folds an engine event into its job and saves when something that
    /// must survive changed. Returns the job it was about.
    pub fn apply(&mut self, event: &Event) -> Result<Option<StoreId>, StoreError> {
        let Some(id) = self.store_id(event.job) else {
            return Ok(None);
        };
        if event.kind.is_final() {
            self.bound.remove(&event.job);
        }
        let changed = self.job_mut(id).is_some_and(|r| r.apply(&event.kind));
        if changed {
            self.save()?;
        }
        Ok(Some(id))
    }

    /// Prepares a job to run again (retry): forgets its last attempt's
    /// results (the files stay where they are) and marks it queued.
    pub fn requeue(&mut self, id: StoreId) -> Result<Option<JobRequest>, StoreError> {
        let Some(record) = self.job_mut(id) else {
            return Ok(None);
        };
        record.reset_attempt();
        let request = record.request();
        self.save()?;
        Ok(Some(request))
    }

    /// Why a job's source is no longer the file that was queued (changed
    /// or gone), if it is not; checked just before the job starts.
    pub fn source_changed(&self, id: StoreId) -> Option<String> {
        let record = self.job(id)?;
        record.source.as_ref()?.changed_reason(&record.input)
    }

    /// Marks a job that never started as failed, with the reason.
    pub fn mark_failed(&mut self, id: StoreId, reason: String) -> Result<(), StoreError> {
        if let Some(record) = self.job_mut(id) {
            record.state = JobState::Failed;
            record.error = Some(reason);
        }
        self.save()
    }

    /// Marks a job that never started as cancelled.
    pub fn mark_cancelled(&mut self, id: StoreId) -> Result<(), StoreError> {
        if let Some(record) = self.job_mut(id) {
            record.state = JobState::Cancelled;
        }
        self.save()
    }

    /// Forgets a job (its files stay).
    pub fn remove(&mut self, id: StoreId) -> Result<(), StoreError> {
        self.file.jobs.retain(|j| j.id != id);
        self.bound.retain(|_, s| *s != id);
        self.save()
    }

    /// Forgets every job that has ended.
    pub fn clear_finished(&mut self) -> Result<(), StoreError> {
        self.file.jobs.retain(|j| !j.state.is_final());
        self.save()
    }

    /// Moves a job to `index` in the queue's order (clamped).
    pub fn move_to(&mut self, id: StoreId, index: usize) -> Result<(), StoreError> {
        if let Some(from) = self.file.jobs.iter().position(|j| j.id == id) {
            let job = self.file.jobs.remove(from);
            let to = index.min(self.file.jobs.len());
            self.file.jobs.insert(to, job);
            self.save()?;
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
        for record in self.file.jobs.iter_mut() {
            if record.state.is_final() || self.bound.values().any(|s| *s == record.id) {
                continue;
            }
            cleanup::remove_interrupted_attempt(record);
            record.reset_attempt();
            let changed = record
                .source
                .as_ref()
                .and_then(|stamp| stamp.changed_reason(&record.input));
            match changed {
                Some(reason) => {
                    record.state = JobState::Failed;
                    record.error = Some(reason.clone());
                    failed.push((record.id, reason));
                }
                None => rerun.push(record.id),
            }
        }
        self.save()?;
        Ok(Recovery { rerun, failed })
    }
}

#[cfg(test)]
mod tests;
