//! Sources a worker fetched from the object store, kept for the same job's
//! next stage on this worker: ingest, thumbnail and transcode of one job
//! then cost one download, not three. Stages of one job that run at once
//! share one download. A source goes once its transcode is done with it,
//! and at most a few unused ones are kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::broker::{Broker, Bucket};
use super::error::FarmError;
use super::wire::{self, Work, WorkStage};

/// Largest source fetched for work that does not say its size (sent by an
/// older submitter).
const MAX_UNDECLARED_SOURCE_BYTES: u64 = 64 << 30;
/// Unused sources kept beyond those in use.
const KEEP_UNUSED: usize = 2;

struct Entry {
    path: PathBuf,
    /// Stages using it now.
    users: usize,
    last_used: Instant,
    /// Held while it is being fetched, so a second stage waits for it.
    fetching: Arc<Mutex<()>>,
}

pub struct SourceCache {
    dir: PathBuf,
    entries: Mutex<HashMap<String, Entry>>,
}

/// A source in use by one stage; given back when dropped.
pub struct CheckedOut<'a> {
    cache: &'a SourceCache,
    job: String,
    stage: WorkStage,
    path: PathBuf,
}

impl CheckedOut<'_> {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SourceCache {
    pub fn new(dir: PathBuf) -> SourceCache {
        SourceCache {
            dir,
            entries: Mutex::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The job's source on this machine, fetched unless a stage here
    /// already did.
    pub fn check_out(&self, broker: &Broker, work: &Work) -> Result<CheckedOut<'_>, FarmError> {
        let name = work
            .input
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| "source".into());
        let (path, fetching) = {
            let mut entries = self.entries();
            let entry = entries.entry(work.job.clone()).or_insert_with(|| Entry {
                path: self.dir.join(&work.job).join(name),
                users: 0,
                last_used: Instant::now(),
                fetching: Arc::default(),
            });
            entry.users += 1;
            entry.last_used = Instant::now();
            (entry.path.clone(), Arc::clone(&entry.fetching))
        };
        let checked_out = CheckedOut {
            cache: self,
            job: work.job.clone(),
            stage: work.stage,
            path,
        };
        let _one_fetch = fetching.lock().unwrap_or_else(|e| e.into_inner());
        if checked_out.path.is_file() {
            tracing::info!(job = %work.job, stage = work.stage.name(), "source reused");
            return Ok(checked_out);
        }
        let max_bytes = work.source_bytes.unwrap_or(MAX_UNDECLARED_SOURCE_BYTES);
        fetch(broker, &work.job, &checked_out.path, max_bytes)?;
        tracing::info!(job = %work.job, stage = work.stage.name(), "source fetched");
        Ok(checked_out)
    }

    /// A stage is done with a source: a transcode's goes at once (it was
    /// the job's last use here), and only a few unused ones stay.
    fn check_in(&self, job: &str, stage: WorkStage) {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(job) else {
            return;
        };
        entry.users = entry.users.saturating_sub(1);
        if entry.users == 0 && stage == WorkStage::Transcode {
            remove(&mut entries, job);
        }
        let mut unused: Vec<(Instant, String)> = entries
            .iter()
            .filter(|(_, e)| e.users == 0)
            .map(|(job, e)| (e.last_used, job.clone()))
            .collect();
        unused.sort();
        let extra = unused.len().saturating_sub(KEEP_UNUSED);
        for (_, job) in unused.into_iter().take(extra) {
            remove(&mut entries, &job);
        }
    }
}

fn remove(entries: &mut HashMap<String, Entry>, job: &str) {
    if let Some(entry) = entries.remove(job) {
        if let Some(dir) = entry.path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Downloads to a temporary name and renames, so a fetch cut short is
/// never taken for a whole source.
fn fetch(broker: &Broker, job: &str, path: &Path, max_bytes: u64) -> Result<(), FarmError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| FarmError::io(dir, e))?;
    let partial = path.with_extension("vidprism-fetch");
    let _ = std::fs::remove_file(&partial);
    let fetched = broker
        .get_file(
            Bucket::Sources,
            &wire::source_object(job),
            &partial,
            max_bytes,
            None,
        )
        .and_then(|_| std::fs::rename(&partial, path).map_err(|e| FarmError::io(path, e)));
    if fetched.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    fetched
}

impl Drop for CheckedOut<'_> {
    fn drop(&mut self) {
        self.cache.check_in(&self.job, self.stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache holding `jobs` as fetched sources, each used by one stage.
    fn cache_with(dir: &Path, jobs: &[&str]) -> SourceCache {
        let cache = SourceCache::new(dir.to_path_buf());
        for job in jobs {
            let path = dir.join(job).join("clip.mp4");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"video").unwrap();
            cache.entries().insert(
                job.to_string(),
                Entry {
                    path,
                    users: 1,
                    last_used: Instant::now(),
                    fetching: Arc::default(),
                },
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        cache
    }

    #[test]
    fn a_source_goes_when_its_transcode_is_done_with_it_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache_with(dir.path(), &["j1"]);
        cache.entries().get_mut("j1").unwrap().users = 2;
        cache.check_in("j1", WorkStage::Transcode);
        assert!(
            dir.path().join("j1/clip.mp4").exists(),
            "the thumbnail still uses it"
        );
        cache.check_in("j1", WorkStage::Thumbnail);
        assert!(
            dir.path().join("j1/clip.mp4").exists(),
            "kept for a later stage"
        );
        cache.entries().get_mut("j1").unwrap().users = 1;
        cache.check_in("j1", WorkStage::Transcode);
        assert!(!dir.path().join("j1").exists());
    }

    #[test]
    fn only_the_newest_unused_sources_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache_with(dir.path(), &["old", "mid", "new", "busy"]);
        for job in ["old", "mid", "new"] {
            cache.entries().get_mut(job).unwrap().last_used = Instant::now();
            std::thread::sleep(std::time::Duration::from_millis(2));
            cache.check_in(job, WorkStage::Ingest);
        }
        assert!(!dir.path().join("old").exists());
        for kept in ["mid", "new", "busy"] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
    }
}
