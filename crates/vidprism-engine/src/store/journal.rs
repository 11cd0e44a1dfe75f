//! The journal beside the snapshot: one JSON line per change to the store
//! (a job added, fields of a job set, a job moved, jobs removed), appended
//! with a single write so a killed process loses nothing it was told was
//! written. Each line has a sequence number; the snapshot records the last
//! one it contains, so replaying after a crash during compaction skips the
//! lines the snapshot already holds. When reading, a last line without a
//! newline that does not parse is the torn end of a crash and is dropped;
//! any other line that does not parse (a whole, newline-ended one
//! included) is damage, reported with its number and reason.
//!
//! Its first line names its format: `{"seq":0,"format":3,"op":"remove",
//! "ids":[]}`, a change that removes nothing with sequence number 0, which
//! every reader (older ones included) skips as already applied. A journal
//! without it is of format 2, the one before the line existed; a later
//! format is refused. A journal of an earlier format is given this
//! format's line when the store opens, before any change of this format
//! (format 3's `presets`) is appended to it: a format-2 reader then
//! refuses the store instead of calling that change damage.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::disk_job::Fields;
use super::file_store::{sync_dir, StoreError};
use super::flusher::{Flusher, Urgency};
use super::listed;
use super::preset_table::PresetKey;
use super::record::StoreId;
use super::snapshot::STORE_VERSION;
use crate::presets::Preset;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub seq: u64,
    /// The journal's format, on its first line only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u64>,
    #[serde(flatten)]
    pub change: Change,
}

impl Line {
    pub fn new(seq: u64, change: Change) -> Line {
        Line {
            seq,
            format: None,
            change,
        }
    }

    /// The first line: the format, in a change every reader skips.
    fn header() -> Line {
        Line {
            seq: 0,
            format: Some(u64::from(STORE_VERSION)),
            change: Change::Remove { ids: Vec::new() },
        }
    }
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
    /// A job still waiting was given other presets: their names as chosen,
    /// their keys, and the presets the store did not have yet.
    Presets {
        id: StoreId,
        names: Vec<String>,
        keys: Vec<PresetKey>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        presets: BTreeMap<PresetKey, Preset>,
    },
    /// These jobs were forgotten.
    Remove { ids: Vec<StoreId> },
}

/// What a journal holds, as read.
#[derive(Debug, Default)]
pub struct Read {
    /// The changes, with their line numbers (from 1).
    pub lines: Vec<(usize, Line)>,
    /// Lines (numbered from 1) that are damaged, with the reason; not the
    /// torn last one.
    pub damaged: Vec<(usize, String)>,
    /// The last line was torn (no newline at its end, and not whole).
    pub torn: bool,
    /// The format a later version wrote it in, if it did.
    pub later_format: Option<u64>,
    /// The format its first line names, if it has that line.
    pub format: Option<u64>,
}

/// Damaged lines as a warning says them: `line 3 (reason), line 9 (...)`,
/// the first few only.
pub fn said(damaged: &[(usize, String)]) -> String {
    listed(damaged.iter().map(|(n, why)| format!("line {n} ({why})")))
}

/// Splits a journal into its changes.
pub fn parse(bytes: &[u8]) -> Read {
    parse_as(bytes, u64::from(STORE_VERSION))
}

/// Splits a journal into its changes as a reader of format `reads_up_to`
/// would (tests read as an older version).
fn parse_as(bytes: &[u8], reads_up_to: u64) -> Read {
    let blank = |l: &[u8]| l.iter().all(|b| b.is_ascii_whitespace() || *b == 0);
    let segments: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The bytes after the last newline: a line being written when a crash
    // came, if they are not blank (zeros too are left by a crash).
    let last = segments.len() - 1;
    let mut read = Read::default();
    for (i, line) in segments.iter().enumerate() {
        if blank(line) {
            continue;
        }
        let number = i + 1;
        match serde_json::from_slice::<Line>(line) {
            Ok(line) => {
                if let Some(format) = line.format.filter(|f| *f > reads_up_to) {
                    read.later_format = Some(format);
                }
                if read.lines.is_empty() && read.damaged.is_empty() {
                    read.format = line.format;
                }
                read.lines.push((number, line));
            }
            Err(_) if i == last => read.torn = true,
            Err(e) => read.damaged.push((number, e.to_string())),
        }
    }
    drop_out_of_order(&mut read);
    read
}

/// Sequence numbers only grow along a journal. A line whose number breaks
/// that (mangled on disk, yet still a number) is damage: taken as it is, a
/// number too high would make every later line look already applied, and
/// one too low would be skipped as if the snapshot held it.
fn drop_out_of_order(read: &mut Read) {
    let lines = std::mem::take(&mut read.lines);
    let seqs: Vec<u64> = lines.iter().map(|(_, line)| line.seq).collect();
    let mut last_kept: Option<u64> = None;
    for (i, (number, line)) in lines.into_iter().enumerate() {
        let after_last = last_kept.is_none_or(|last| line.seq > last);
        // Too high: the next line's number is below it, though it is above
        // the last one kept. (Of two equal numbers the first is kept.)
        let too_high = seqs
            .get(i + 1)
            .is_some_and(|next| *next < line.seq && last_kept.is_none_or(|last| *next > last));
        if after_last && !too_high {
            last_kept = Some(line.seq);
            read.lines.push((number, line));
        } else {
            read.damaged.push((
                number,
                format!("its sequence number {} is out of order", line.seq),
            ));
        }
    }
    read.damaged.sort_unstable_by_key(|(number, _)| *number);
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
            .map_err(|e| StoreError::write(path, e))?;
        let len = file
            .metadata()
            .map_err(|e| StoreError::write(path, e))?
            .len();
        if !existed {
            if let Some(dir) = path.parent() {
                sync_dir(dir);
            }
        }
        let file = Arc::new(file);
        let flusher = Flusher::start(Arc::clone(&file)).map_err(|e| StoreError::write(path, e))?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            file,
            len,
            flusher,
        };
        if len == 0 {
            journal.append(&Line::header(), Urgency::Soon)?;
        }
        Ok(journal)
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
                reason: reason.into(),
            });
        }
        let mut bytes = serde_json::to_vec(line).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            reason: e.to_string().into(),
        })?;
        bytes.push(b'\n');
        if let Err(e) = (&*self.file).write_all(&bytes) {
            // Cut a partial line, so the next one does not continue it.
            let _ = self.file.set_len(self.len);
            return Err(StoreError::write(&self.path, e));
        }
        self.len += bytes.len() as u64;
        self.flusher.written(urgency);
        Ok(())
    }

    /// Empties the journal, once a snapshot holds all of it (its format
    /// line stays).
    pub fn clear(&mut self) -> Result<(), StoreError> {
        self.file
            .set_len(0)
            .map_err(|e| StoreError::write(&self.path, e))?;
        self.len = 0;
        self.append(&Line::header(), Urgency::Soon)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The later format a reader of format `reads_up_to` finds in a
    /// journal (an older version's check).
    pub(in crate::store) fn later_format_for_reader_of(
        bytes: &[u8],
        reads_up_to: u64,
    ) -> Option<u64> {
        parse_as(bytes, reads_up_to).later_format
    }

    fn line(seq: u64, id: StoreId) -> String {
        serde_json::to_string(&Line::new(seq, Change::Move { id, index: 0 })).unwrap()
    }

    fn seqs(read: &Read) -> Vec<u64> {
        read.lines.iter().map(|(_, l)| l.seq).collect()
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_a_bad_whole_line_is_damage() {
        let good = format!("{}\n{}\n", line(1, 1), line(2, 2));
        let read = parse(good.as_bytes());
        assert_eq!(seqs(&read), [1, 2]);
        assert!(read.damaged.is_empty() && !read.torn);

        let torn = format!("{}\n{}\n{{\"seq\":3,\"op\":\"mo", line(1, 1), line(2, 2));
        let read = parse(torn.as_bytes());
        assert_eq!(seqs(&read), [1, 2]);
        assert!(read.damaged.is_empty() && read.torn);

        // A crash can also leave zeros where the end of the file should be.
        let zeros = format!("{}\n\0\0\0\0", line(1, 1));
        let read = parse(zeros.as_bytes());
        assert_eq!(seqs(&read), [1]);
        assert!(read.damaged.is_empty());

        let damaged = format!("{}\nnot json\n{}\n", line(1, 1), line(3, 3));
        let read = parse(damaged.as_bytes());
        assert_eq!(read.damaged.iter().map(|d| d.0).collect::<Vec<_>>(), [2]);
        assert_eq!(seqs(&read), [1, 3]);

        // Whole (newline-ended) but unreadable, even last: damage, with
        // its reason.
        let whole_bad = format!("{}\n{{\"seq\":2,\"op\":\"pause\",\"id\":1}}\n", line(1, 1));
        let read = parse(whole_bad.as_bytes());
        assert!(!read.torn);
        assert_eq!(read.damaged.len(), 1);
        assert_eq!(read.damaged[0].0, 2);
        assert!(read.damaged[0].1.contains("pause"), "{:?}", read.damaged);
    }

    #[test]
    fn a_mangled_sequence_number_is_damage_and_the_lines_after_it_are_kept() {
        let journal = |seqs: &[u64]| {
            let lines: Vec<String> = seqs.iter().map(|s| line(*s, *s)).collect();
            parse((lines.join("\n") + "\n").as_bytes())
        };
        let damaged = |read: &Read| read.damaged.iter().map(|d| d.0).collect::<Vec<_>>();
        // Too high in the middle: it would hide 4 and 5 behind it.
        let read = journal(&[1, 2, 999, 4, 5]);
        assert_eq!((seqs(&read), damaged(&read)), (vec![1, 2, 4, 5], vec![3]));
        assert!(read.damaged[0].1.contains("999 is out of order"));
        // Too low: it would pass for a change the snapshot already holds.
        let read = journal(&[7, 8, 2, 10]);
        assert_eq!((seqs(&read), damaged(&read)), (vec![7, 8, 10], vec![3]));
        // A repeat: the first of the two is kept.
        let read = journal(&[1, 1, 2]);
        assert_eq!((seqs(&read), damaged(&read)), (vec![1, 2], vec![2]));
        let read = journal(&[1, 3, 3]);
        assert_eq!((seqs(&read), damaged(&read)), (vec![1, 3], vec![3]));
        // In order, with gaps (a damaged line between): all kept.
        let read = journal(&[0, 1, 2, 5, 6]);
        assert_eq!((seqs(&read), damaged(&read)), (vec![0, 1, 2, 5, 6], vec![]));
        // A high last line has nothing after it to hide: kept.
        let read = journal(&[1, 2, 999]);
        assert_eq!(seqs(&read), [1, 2, 999]);
    }

    #[test]
    fn the_format_line_is_skipped_by_sequence_and_a_later_format_is_found() {
        let header = serde_json::to_string(&Line::header()).unwrap();
        assert_eq!(
            header,
            format!(r#"{{"seq":0,"format":{STORE_VERSION},"op":"remove","ids":[]}}"#)
        );
        let read = parse(format!("{header}\n{}\n", line(1, 1)).as_bytes());
        assert_eq!(seqs(&read), [0, 1]);
        assert_eq!(read.later_format, None);
        let later = header.replace(
            &format!(":{STORE_VERSION},"),
            &format!(":{},", STORE_VERSION + 1),
        );
        let read = parse(format!("{later}\n{}\n", line(1, 1)).as_bytes());
        assert_eq!(read.later_format, Some(u64::from(STORE_VERSION) + 1));
    }
}
