//! Cleaning up after an attempt that a crash interrupted: temporary files
//! (recognised by their marker) and the outputs the store recorded for that
//! attempt. Nothing the store did not record as made by the job is deleted.

use super::record::JobRecord;
use crate::output::{remove_temp_files_in, sanitize_name};

/// Removes what `record`'s interrupted attempt left behind.
pub fn remove_interrupted_attempt(record: &JobRecord) {
    for file in record.created_files() {
        let _ = std::fs::remove_file(file);
    }
    if let Some(dir) = &record.job_dir {
        remove_temp_files_in(dir);
        // Only succeeds when empty: never removes anything else.
        let _ = std::fs::remove_dir(dir);
    }
    // The attempt may have died before its folder was known: its temporary
    // files sit in a folder named after the source's stem.
    let stem = record
        .input
        .file_stem()
        .map(|s| sanitize_name(&s.to_string_lossy()))
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(&record.out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == stem || name.starts_with(&format!("{stem} ("));
        if ours && entry.path().is_dir() {
            remove_temp_files_in(&entry.path());
        }
    }
}
