//! The journal beside the snapshot: one JSON line per change to the store
//! (a job added, fields of a job set, a job moved, jobs removed), appended
//! with a single write so a killed process loses nothing it was told was
//! written. Each line has a sequence number; the snapshot records the last
//! one it contains, so replaying after a crash during compaction skips the
//! lines the snapshot already holds. When reading, a last line that does
//! not parse is the torn end of a crash and is dropped; any other line that
//! does not parse is damage.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::disk_job::Fields;
use super::file_store::{sync_dir, StoreError};
use super::flusher::{Flusher, Urgency};
use super::preset_table::PresetKey;
use super::record::StoreId;
use crate::presets::Preset;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub seq: u64,
    #[serde(flatten)]
    pub change: Change,
}

/// One change to the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// A job joins the end of the queue. `presets` holds the presets it
    /// names that the store did not have yet.
    Add {
        job: Fields,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        presets: BTreeMap<PresetKey, Preset>,
    },
    /// These fields of a job changed to these values.
    Set { id: StoreId, fields: Fields },
    /// A job moved to this place in the queue.
    Move { id: StoreId, index: usize },
    /// These jobs were forgotten.
    Remove { ids: Vec<StoreId> },
}

/// What a journal holds, as read.
#[derive(Debug, Default)]
pub struct Read {
    /// The changes, with their line numbers (from 1).
    pub lines: Vec<(usize, Line)>,
    /// Lines (numbered from 1) that are damaged; not the torn last one.
    pub damaged: Vec<usize>,
}

/// Splits a journal into its changes.
pub fn parse(bytes: &[u8]) -> Read {
    let text: Vec<(usize, &[u8])> = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(|b| b.is_ascii_whitespace() || *b == 0))
        .map(|(i, l)| (i + 1, l))
        .collect();
    let mut read = Read::default();
    for (n, (number, line)) in text.iter().enumerate() {
        match serde_json::from_slice::<Line>(line) {
            Ok(line) => read.lines.push((*number, line)),
            Err(_) if n + 1 == text.len() => {} // torn by a crash mid-write
            Err(_) => read.damaged.push(*number),
        }
    }
    read
}

/// The journal file, open for appending.
pub struct Journal {
    path: PathBuf,
    file: Arc<File>,
    len: u64,
    flusher: Flusher,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for appending.
    pub fn open(path: &Path) -> Result<Journal, StoreError> {
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| StoreError::write(path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| StoreError::write(path, &e))?
            .len();
        if !existed {
            if let Some(dir) = path.parent() {
                sync_dir(dir);
            }
        }
        let file = Arc::new(file);
        let flusher = Flusher::start(Arc::clone(&file)).map_err(|e| StoreError::write(path, &e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            len,
            flusher,
        })
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Appends `line`; it reaches the disk as `urgency` says.
    pub fn append(&mut self, line: &Line, urgency: Urgency) -> Result<(), StoreError> {
        if let Some(reason) = self.flusher.take_failure() {
            return Err(StoreError::Write {
                path: self.path.clone(),
                reason,
            });
        }
        let mut bytes = serde_json::to_vec(line).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        if let Err(e) = (&*self.file).write_all(&bytes) {
            // Cut a partial line, so the next one does not continue it.
            let _ = self.file.set_len(self.len);
            return Err(StoreError::write(&self.path, &e));
        }
        self.len += bytes.len() as u64;
        self.flusher.written(urgency);
        Ok(())
    }

    /// Empties the journal, once a snapshot holds all of it.
    pub fn clear(&mut self) -> Result<(), StoreError> {
        self.file
            .set_len(0)
            .map_err(|e| StoreError::write(&self.path, &e))?;
        self.len = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, id: StoreId) -> String {
        let line = Line {
            seq,
            change: Change::Move { id, index: 0 },
        };
        serde_json::to_string(&line).unwrap()
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_other_bad_lines_are_damage() {
        let good = format!("{}\n{}\n", line(1, 1), line(2, 2));
        let read = parse(good.as_bytes());
        assert_eq!(read.lines.len(), 2);
        assert!(read.damaged.is_empty());

        let torn = format!("{}\n{}\n{{\"seq\":3,\"op\":\"mo", line(1, 1), line(2, 2));
        let read = parse(torn.as_bytes());
        assert_eq!(read.lines.len(), 2);
        assert!(read.damaged.is_empty());

        // A crash can also leave zeros where the end of the file should be.
        let zeros = format!("{}\n\0\0\0\0", line(1, 1));
        assert_eq!(parse(zeros.as_bytes()).lines.len(), 1);

        let damaged = format!("{}\nnot json\n{}\n", line(1, 1), line(3, 3));
        let read = parse(damaged.as_bytes());
        assert_eq!(read.damaged, vec![2]);
        assert_eq!(
            read.lines.iter().map(|(_, l)| l.seq).collect::<Vec<_>>(),
            vec![1, 3]
        );
    }
}
