//! `vidprism process --store`: the jobs of a run are kept in the job store,
//! and the jobs an interrupted run (a crash, a kill) left unfinished are run
//! again first, from the start, after their partial files are removed.

use std::path::PathBuf;

use anyhow::Context;
use vidprism_engine::pipeline::{Event, JobId, JobRequest, JobRunner};
use vidprism_engine::store::{absolute, JobStore, Recovery, StoreId};

/// The store behind a `--store` run.
pub struct StoreRun {
    store: JobStore,
}

impl StoreRun {
    /// Opens the store in the data dir and prepares the interrupted jobs;
    /// a store that had to be set aside, and interrupted jobs that cannot
    /// run again, are said on stderr.
    pub fn open() -> anyhow::Result<(StoreRun, Recovery)> {
        let mut store = JobStore::open_default().context("opening the job store")?;
        if let Some(warning) = store.warning() {
            super::say(warning);
        }
        let recovery = store.recover().context("recovering interrupted jobs")?;
        for (_, reason) in &recovery.failed {
            super::say(format!("not run again: {reason}"));
        }
        Ok((StoreRun { store }, recovery))
    }

    /// Submits the interrupted jobs again; returns their engine ids and inputs.
    pub fn resubmit(&mut self, engine: &dyn JobRunner, ids: &[StoreId]) -> Vec<(JobId, PathBuf)> {
        let mut submitted = Vec::new();
        for &id in ids {
            let Some(request) = self.store.job(id).map(|j| j.request()) else {
                continue;
            };
            let input = request.input.clone();
            let job = engine.submit(request);
            self.store.bind(id, job);
            submitted.push((job, input));
        }
        submitted
    }

    /// Records a new job, then submits it (so a kill right after submitting
    /// still finds it in the store).
    pub fn submit(
        &mut self,
        engine: &dyn JobRunner,
        mut request: JobRequest,
        preset_names: Vec<String>,
    ) -> anyhow::Result<JobId> {
        // The engine gets the paths the store keeps: a resume from another
        // folder runs the same file into the same folder.
        request.input = absolute(request.input);
        request.out_dir = absolute(request.out_dir);
        let id = self
            .store
            .add(
                request.input.clone(),
                preset_names,
                request.presets.clone(),
                request.out_dir.clone(),
            )
            .context("recording the job in the job store")?;
        let job = engine.submit(request);
        self.store.bind(id, job);
        Ok(job)
    }

    /// Keeps the store up to date; a store that cannot be written is said
    /// on stderr but does not stop the run.
    pub fn apply(&mut self, event: &Event) {
        if let Err(e) = self.store.apply(event) {
            super::say(e);
        }
    }
}
