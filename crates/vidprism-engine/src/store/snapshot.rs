//! The snapshot: the whole store as one JSON document (`jobs.json`), written
//! when the journal is compacted. It holds the preset table once, the jobs
//! naming their presets by key, the next job id and the sequence number of
//! the last journal change it contains. The format of the previous version
//! (every job repeating its presets, no journal) is read once as the first
//! snapshot; a corrupt snapshot or one of another version is set aside.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::contents::Contents;
use super::disk_job::{self, Fields};
use super::file_store::{read_if_any, set_aside, StoreError};
use super::preset_table::PresetKey;
use super::record::{JobRecord, StoreId};
use crate::presets::Preset;

/// The store format this build reads and writes.
pub const STORE_VERSION: u32 = 2;
/// The format of the previous version, read once and rewritten.
const ONE_FILE_VERSION: u64 = 1;

#[derive(Serialize)]
struct SnapshotOut<'a> {
    version: u32,
    seq: u64,
    next_id: StoreId,
    presets: &'a BTreeMap<PresetKey, Preset>,
    jobs: Vec<Fields>,
}

#[derive(Deserialize)]
struct SnapshotIn {
    seq: u64,
    next_id: StoreId,
    #[serde(default)]
    presets: BTreeMap<PresetKey, Preset>,
    jobs: Vec<Fields>,
}

/// The previous version's single file.
#[derive(Deserialize)]
struct OneFile {
    next_id: StoreId,
    jobs: Vec<JobRecord>,
}

/// What a snapshot held.
#[derive(Debug, Default)]
pub struct Loaded {
    pub contents: Contents,
    /// Why the snapshot was set aside, if it was.
    pub warning: Option<String>,
    /// Whether it must be written again (the previous version's format).
    pub rewrite: bool,
}

/// Reads the snapshot at `path`; a missing file is an empty store, and a
/// corrupt or other-version file is set aside and an empty store returned
/// with a warning that says where it went.
pub fn load(path: &Path) -> Result<Loaded, StoreError> {
    let Some(bytes) = read_if_any(path)? else {
        return Ok(Loaded::default());
    };
    match decode(&bytes) {
        Ok((contents, rewrite)) => Ok(Loaded {
            contents,
            warning: None,
            rewrite,
        }),
        Err(problem) => {
            let aside = set_aside(path)?;
            Ok(Loaded {
                contents: Contents::default(),
                warning: Some(format!(
                    "The job queue could not be restored: {} {problem}. It was set aside as {}.",
                    path.display(),
                    aside.display()
                )),
                rewrite: false,
            })
        }
    }
}

/// The contents of a snapshot, and whether it is in the previous format.
fn decode(bytes: &[u8]) -> Result<(Contents, bool), String> {
    let corrupt = |e: &dyn std::fmt::Display| format!("is corrupt ({e})");
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| corrupt(&e))?;
    let mut contents = Contents::default();
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(STORE_VERSION) => {
            let file: SnapshotIn = serde_json::from_value(value).map_err(|e| corrupt(&e))?;
            for (key, preset) in file.presets {
                contents.presets.insert(key, preset);
            }
            for job in file.jobs {
                let (record, keys) =
                    disk_job::from_disk(job, &contents.presets).map_err(|e| corrupt(&e))?;
                contents.push(record, keys);
            }
            contents.seq = file.seq;
            contents.next_id = contents.next_id.max(file.next_id);
            Ok((contents, false))
        }
        Some(ONE_FILE_VERSION) => {
            let file: OneFile = serde_json::from_value(value).map_err(|e| corrupt(&e))?;
            for record in file.jobs {
                let keys = record
                    .presets
                    .iter()
                    .map(|p| contents.presets.intern(p).0)
                    .collect();
                contents.push(record, keys);
            }
            contents.next_id = contents.next_id.max(file.next_id);
            Ok((contents, true))
        }
        Some(v) => Err(format!("is from another version of VidPrism (format {v})")),
        None => Err("has no format version".to_owned()),
    }
}

/// The snapshot of `contents`, as bytes to write.
pub fn encode(contents: &mut Contents) -> Result<Vec<u8>, serde_json::Error> {
    contents.drop_unused_presets();
    let jobs = contents.disk_jobs();
    serde_json::to_vec(&SnapshotOut {
        version: STORE_VERSION,
        seq: contents.seq,
        next_id: contents.next_id,
        presets: contents.presets.entries(),
        jobs,
    })
}
