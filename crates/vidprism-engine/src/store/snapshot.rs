//! The snapshot: the whole store as one JSON document (`jobs.json`), written
//! when the journal is compacted. It holds the preset table once, the jobs
//! naming their presets by key, the next job id and the sequence number of
//! the last journal change it contains. The format of the previous version
//! (every job repeating its presets, no journal) is read once as the first
//! snapshot. A job that cannot be read (a state name from a later version)
//! is left out with a warning, the file copied aside first; a corrupt
//! snapshot is set aside; a later version's is refused, left untouched.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::contents::Contents;
use super::disk_job::{self, Fields, RecordError};
use super::file_store::{copy_aside, read_if_any, set_aside, StoreError};
use super::listed;
use super::preset_table::PresetKey;
use super::record::{JobRecord, StoreId};
use crate::presets::Preset;

/// The store format this build reads and writes: the snapshot's
/// `version` and the journal's `format` (its first line). A later number
/// is refused, never set aside nor overwritten. Format 3 added the
/// journal's `presets` change (a waiting job given other presets), which a
/// format-2 reader would call damage: it refuses format 3 instead. Format
/// 4 writes job requests' presets in the preset file's form (issue 23),
/// which a format-3 reader cannot read: it refuses format 4.
pub const STORE_VERSION: u32 = 4;
/// Format 3: presets in their former JSON shape, which the preset types
/// still read (`presets/forms.rs`); read, and written again as format 4.
const FORMER_PRESETS_VERSION: u64 = 3;
/// Format 2: the same snapshot (its journal has no `presets` change); read
/// as it is, and written again as this format.
const BEFORE_PRESETS_VERSION: u64 = 2;
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

/// A snapshot as read: each preset and job kept as JSON until it is read
/// alone, so one that cannot be read costs only itself.
#[derive(Deserialize)]
struct SnapshotIn {
    seq: u64,
    next_id: StoreId,
    #[serde(default)]
    presets: BTreeMap<PresetKey, Value>,
    jobs: Vec<Value>,
}

/// The previous version's single file.
#[derive(Deserialize)]
struct OneFile {
    next_id: StoreId,
    jobs: Vec<Value>,
}

/// What a snapshot held.
#[derive(Debug, Default)]
pub struct Loaded {
    pub contents: Contents,
    /// Why the snapshot was set aside, or which jobs of it could not be
    /// read, if so.
    pub warning: Option<String>,
    /// The whole snapshot was set aside (its jobs are lost to this run).
    pub set_aside: bool,
    /// Whether it must be written again (the previous version's format, or
    /// jobs left out).
    pub rewrite: bool,
}

/// Reads the snapshot at `path`; a missing file is an empty store. A job
/// that cannot be read is left out, the others kept, and the file copied
/// aside first; a corrupt or older unknown-version file is set aside and
/// an empty store returned, with a warning that says where it went; a
/// later version's file is refused and left as it is.
pub fn load(path: &Path) -> Result<Loaded, StoreError> {
    let Some(bytes) = read_if_any(path)? else {
        return Ok(Loaded::default());
    };
    match decode(&bytes) {
        Ok(decoded) if decoded.unreadable.is_empty() => Ok(Loaded {
            contents: decoded.contents,
            warning: None,
            set_aside: false,
            rewrite: decoded.rewrite,
        }),
        Ok(decoded) => {
            let aside = copy_aside(path)?;
            let n = decoded.unreadable.len();
            Ok(Loaded {
                contents: decoded.contents,
                warning: Some(format!(
                    "{n} job{} of the queue could not be read and {} left out ({}); the others were restored. {} as it was is kept as {}.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "was" } else { "were" },
                    listed(decoded.unreadable.into_iter()),
                    path.display(),
                    aside.display()
                )),
                set_aside: false,
                rewrite: true,
            })
        }
        Err(Problem::Later(found)) => Err(StoreError::LaterVersion {
            path: path.to_path_buf(),
            found,
            supported: STORE_VERSION,
        }),
        Err(Problem::Unreadable(problem)) => {
            let aside = set_aside(path)?;
            Ok(Loaded {
                contents: Contents::default(),
                warning: Some(format!(
                    "The job queue could not be restored: {} {problem}. It was set aside as {}.",
                    path.display(),
                    aside.display()
                )),
                set_aside: true,
                rewrite: false,
            })
        }
    }
}

/// Why a snapshot cannot be read.
enum Problem {
    /// Written by a later version (its format number).
    Later(u64),
    /// Corrupt, or of an unknown older format: a sentence's end.
    Unreadable(String),
}

struct Decoded {
    contents: Contents,
    /// Whether it is in the previous format.
    rewrite: bool,
    /// The jobs left out, each said with its id and reason.
    unreadable: Vec<String>,
}

/// The contents of a snapshot.
fn decode(bytes: &[u8]) -> Result<Decoded, Problem> {
    let corrupt = |e: &dyn std::fmt::Display| Problem::Unreadable(format!("is corrupt ({e})"));
    let value: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(&e))?;
    if !value.is_object() {
        return Err(Problem::Unreadable(
            "is corrupt (not a JSON object)".to_owned(),
        ));
    }
    let version = value.get("version").map(|v| v.as_u64().ok_or(()));
    let mut decoded = Decoded {
        contents: Contents::default(),
        rewrite: false,
        unreadable: Vec::new(),
    };
    match version {
        // Without a version: whichever of the two shapes it has.
        None if value.get("seq").is_some() => read_snapshot(value, &mut decoded),
        None => read_one_file(value, &mut decoded),
        Some(Ok(v)) if v == u64::from(STORE_VERSION) => read_snapshot(value, &mut decoded),
        Some(Ok(BEFORE_PRESETS_VERSION | FORMER_PRESETS_VERSION)) => {
            decoded.rewrite = true;
            read_snapshot(value, &mut decoded)
        }
        Some(Ok(ONE_FILE_VERSION)) => read_one_file(value, &mut decoded),
        Some(Ok(v)) if v > u64::from(STORE_VERSION) => return Err(Problem::Later(v)),
        Some(Ok(v)) => Err(FileError::OtherVersion(v)),
        Some(Err(_)) => Err(FileError::VersionNotANumber),
    }
    .map_err(|e| Problem::Unreadable(e.to_string()))?;
    Ok(decoded)
}

/// Why a store file cannot be read at all (said after its path).
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error("is corrupt ({0})")]
    Corrupt(#[source] serde_json::Error),
    #[error("is from another version of VidPrism (format {0})")]
    OtherVersion(u64),
    #[error("has a format version that is not a number")]
    VersionNotANumber,
}

/// A job's id, for a warning, if it has one.
fn job_name(job: &Value) -> String {
    match (job.get("id").and_then(Value::as_u64), job.get("input")) {
        (Some(id), Some(Value::String(input))) => format!("job {id}, {input}"),
        (Some(id), _) => format!("job {id}"),
        _ => "a job".to_owned(),
    }
}

/// This version's snapshot: presets and jobs read one by one.
fn read_snapshot(value: Value, decoded: &mut Decoded) -> Result<(), FileError> {
    let file: SnapshotIn = serde_json::from_value(value).map_err(FileError::Corrupt)?;
    let contents = &mut decoded.contents;
    let mut bad_presets = BTreeMap::new();
    for (key, preset) in file.presets {
        match serde_json::from_value::<Preset>(preset) {
            Ok(preset) => contents.presets.insert(key, preset),
            Err(e) => {
                bad_presets.insert(key, e.to_string());
            }
        }
    }
    for job in file.jobs {
        let name = job_name(&job);
        let read = match job {
            Value::Object(fields) => disk_job::from_disk(fields, &contents.presets),
            _ => Err(RecordError::NotAnObject),
        };
        match read {
            Ok((record, keys)) => contents.push(record, keys),
            Err(e) => {
                let unread = match &e {
                    RecordError::UnknownPreset(key) => bad_presets.get_key_value(key),
                    _ => None,
                };
                let why = unread
                    .map(|(key, why)| format!("its preset \"{key}\" cannot be read: {why}"))
                    .unwrap_or_else(|| e.to_string());
                decoded.unreadable.push(format!("{name}: {why}"));
            }
        }
    }
    contents.seq = file.seq;
    contents.next_id = contents.next_id.max(file.next_id);
    Ok(())
}

/// The previous version's file: every job with its presets.
fn read_one_file(value: Value, decoded: &mut Decoded) -> Result<(), FileError> {
    let file: OneFile = serde_json::from_value(value).map_err(FileError::Corrupt)?;
    let contents = &mut decoded.contents;
    for job in file.jobs {
        let name = job_name(&job);
        let read = serde_json::from_value::<JobRecord>(job)
            .map_err(RecordError::from)
            .and_then(|record| {
                for preset in &record.presets {
                    disk_job::valid_preset(&preset.name, preset)?;
                }
                Ok(record)
            });
        match read {
            Ok(record) => {
                let keys = record
                    .presets
                    .iter()
                    .map(|p| contents.presets.intern(p).0)
                    .collect();
                contents.push(record, keys);
            }
            Err(e) => decoded.unreadable.push(format!("{name}: {e}")),
        }
    }
    contents.next_id = contents.next_id.max(file.next_id);
    decoded.rewrite = true;
    Ok(())
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
