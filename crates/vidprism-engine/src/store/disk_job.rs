//! A job as the snapshot and the journal write it: the record's own fields
//! as JSON, with its presets replaced by their keys in the preset table.
//! A change to a job is written as the fields that changed (a diff of the
//! two JSON forms), so a line costs what changed, not the whole job, and
//! setting the same fields twice is harmless.

use serde_json::{Map, Value};

use super::preset_table::{PresetKey, PresetTable};
use super::record::JobRecord;

/// A record's fields as JSON, without its presets.
pub type Fields = Map<String, Value>;

const PRESETS: &str = "presets";

/// The record's fields without its presets (not serialized, nor cloned).
pub fn fields(record: &mut JobRecord) -> Fields {
    let presets = std::mem::take(&mut record.presets);
    let value = serde_json::to_value(&*record);
    record.presets = presets;
    match value {
        Ok(Value::Object(mut map)) => {
            map.remove(PRESETS);
            map
        }
        // A record is a struct of plain data: always an object.
        _ => Fields::new(),
    }
}

/// The fields of `after` that differ from `before` (a field gone from
/// `after` is set to null).
pub fn diff(before: &Fields, after: &Fields) -> Fields {
    let mut changed: Fields = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        changed.insert(k.clone(), Value::Null);
    }
    changed
}

/// Sets `set` on `record`; the record is unchanged when they do not fit.
pub fn merge(record: &mut JobRecord, set: &Fields) -> Result<(), serde_json::Error> {
    let mut map = fields(record);
    for (k, v) in set {
        map.insert(k.clone(), v.clone());
    }
    map.insert(PRESETS.to_owned(), Value::Array(Vec::new()));
    let mut merged: JobRecord = serde_json::from_value(Value::Object(map))?;
    merged.presets = std::mem::take(&mut record.presets);
    *record = merged;
    Ok(())
}

/// The disk form of `record`, naming its presets by `keys`.
pub fn to_disk(record: &mut JobRecord, keys: &[PresetKey]) -> Fields {
    let mut map = fields(record);
    map.insert(
        PRESETS.to_owned(),
        keys.iter().cloned().map(Value::String).collect(),
    );
    map
}

/// Why a job the store holds cannot be read back (said in a warning, with
/// the job's name before it).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("its preset \"{key}\" is not valid: {problem}")]
    InvalidPreset {
        key: String,
        problem: crate::presets::Problem,
    },
    #[error("bad preset keys ({0})")]
    PresetKeys(#[source] serde_json::Error),
    #[error("it names an unknown preset \"{0}\"")]
    UnknownPreset(PresetKey),
    #[error("not a JSON object")]
    NotAnObject,
    /// Its fields do not make a job: serde's words.
    #[error(transparent)]
    Fields(#[from] serde_json::Error),
}

/// A preset read back from the store passes the same checks as one read
/// from a file (`presets::validate`: names, sizes, codecs), so a store
/// written by hand or by another program cannot name a sidecar outside the
/// output folder.
pub fn valid_preset(key: &str, preset: &crate::presets::Preset) -> Result<(), RecordError> {
    match crate::presets::validate(preset).into_iter().next() {
        Some(problem) => Err(RecordError::InvalidPreset {
            key: key.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// The record a disk form describes, and its preset keys.
pub fn from_disk(
    mut map: Fields,
    table: &PresetTable,
) -> Result<(JobRecord, Vec<PresetKey>), RecordError> {
    let keys: Vec<PresetKey> = match map.remove(PRESETS) {
        Some(v) => serde_json::from_value(v).map_err(RecordError::PresetKeys)?,
        None => Vec::new(),
    };
    let presets = keys
        .iter()
        .map(|k| {
            table
                .get(k)
                .cloned()
                .ok_or_else(|| RecordError::UnknownPreset(k.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (key, preset) in keys.iter().zip(&presets) {
        valid_preset(key, preset)?;
    }
    map.insert(PRESETS.to_owned(), Value::Array(Vec::new()));
    let mut record: JobRecord = serde_json::from_value(Value::Object(map))?;
    record.presets = presets;
    Ok((record, keys))
}
