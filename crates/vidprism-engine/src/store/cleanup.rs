//! Cleaning up after an attempt that a crash interrupted: temporary files
//! (recognised by their marker) and the outputs the store recorded for that
//! attempt. Nothing the store did not record as made by the job is deleted.

use std::path::Path;

use super::record::JobRecord;
use crate::output::{remove_temp_files_in, sanitize_name};

/// Removes what `record`'s interrupted attempt left behind.
pub fn remove_interrupted_attempt(record: &JobRecord) {
    // Only files directly in the job's own folder, never one a record
    // names elsewhere (a record is what events said, and a farm's events
    // came from other machines), and never through a link.
    for file in record.created_files() {
        let in_job_folder = job_folder(record).is_some_and(|dir| file.parent() == Some(dir));
        let plain_file = std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file());
        if in_job_folder && plain_file {
            let _ = std::fs::remove_file(&file);
        }
    }
    if let Some(dir) = job_folder(record) {
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

/// The job's folder, if it is one the pipeline makes for it: a folder
/// directly in its output folder, named after the source (`stem` or
/// `stem (n)`).
fn job_folder(record: &JobRecord) -> Option<&Path> {
    let dir = record.job_dir.as_deref()?;
    let stem = record
        .input
        .file_stem()
        .map(|s| sanitize_name(&s.to_string_lossy()))
        .unwrap_or_default();
    let name = dir.file_name()?.to_string_lossy();
    let named = name == stem.as_str() || name.starts_with(&format!("{stem} ("));
    let linked = std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
    (dir.parent() == Some(record.out_dir.as_path()) && named && !linked).then_some(dir)
}
