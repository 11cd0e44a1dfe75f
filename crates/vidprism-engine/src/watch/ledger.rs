//! What the watch loop has done, across restarts: one JSON line per
//! finished source in `<data dir>/watched.jsonl`, appended when its job is
//! done. A restart skips a file whose stamp (path, size, modification time,
//! hash of its first megabyte) is in the ledger; a changed file has another
//! stamp and is done again.
//!
//! Kept apart from the job store (the window's queue): it only grows by
//! appends, so a crash loses at most the line being written, and it is read
//! without the store's lock.
//!
//! The hash is FNV-1a (64 bits), written out here: it is stable across
//! Rust versions, platforms and runs (std's `DefaultHasher` promises none
//! of that), needs no dependency, and only has to tell a changed file from
//! the same one together with the size and time, not resist an attacker.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::on_done::Identity;
use crate::sources::SourceStamp;

pub use crate::app_dirs::LEDGER_FILE;
/// How much of a file the hash reads.
const HEAD_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read the watch ledger {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the watch ledger {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One source as it was when its job was queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    #[serde(with = "crate::path_json")]
    pub path: PathBuf,
    /// Size and time (JSON: `size`, `mtime_ns` beside `path`).
    #[serde(flatten)]
    pub file: SourceStamp,
    /// FNV-1a 64 of the first megabyte, in hexadecimal.
    pub head_fnv1a64: String,
}

/// Reads the stamp of the file at `path` now.
pub fn stamp(path: &Path) -> std::io::Result<Stamp> {
    stamp_and_identity(path).map(|(stamp, _)| stamp)
}

/// The stamp of the file at `path` now, and its identity (device and
/// inode besides), both read from the one file opened.
pub fn stamp_and_identity(path: &Path) -> std::io::Result<(Stamp, Identity)> {
    let file = File::open(path)?;
    let identity = Identity::of(&file.metadata()?);
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head)?;
    let stamp = Stamp {
        path: path.to_path_buf(),
        file: identity.stamp,
        head_fnv1a64: format!("{:016x}", fnv1a64(&head)),
    };
    Ok((stamp, identity))
}

/// FNV-1a, 64 bits.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

/// The ledger: the latest stamp done for each path, and the file to append
/// the next ones to.
pub struct Ledger {
    path: PathBuf,
    done: HashMap<PathBuf, Stamp>,
    file: File,
    unreadable_lines: usize,
}

impl Ledger {
    /// Opens (or creates) the ledger at `path`. Lines that cannot be read
    /// (a line cut short by a crash) are skipped and counted.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let read_error = |source| LedgerError::Read {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(read_error)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(read_error)?;
        let mut done = HashMap::new();
        let mut unreadable_lines = 0;
        let mut ends_with_newline = true;
        for line in BufReader::new(&file).split(b'\n') {
            let line = line.map_err(read_error)?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Stamp>(&line) {
                Ok(stamp) => {
                    done.insert(stamp.path.clone(), stamp);
                }
                Err(_) => unreadable_lines += 1,
            }
        }
        let len = file.seek(SeekFrom::End(0)).map_err(read_error)?;
        if len > 0 {
            file.seek(SeekFrom::End(-1)).map_err(read_error)?;
            let mut last = [0u8];
            file.read_exact(&mut last).map_err(read_error)?;
            ends_with_newline = last[0] == b'\n';
        }
        let mut ledger = Ledger {
            path: path.to_path_buf(),
            done,
            file,
            unreadable_lines,
        };
        if !ends_with_newline {
            // A line cut short: the next one starts on its own line.
            ledger.append(b"\n")?;
        }
        Ok(ledger)
    }

    /// Opens the ledger in the data dir (`VIDPRISM_DATA_DIR` moves it).
    pub fn open_default() -> Result<Ledger, LedgerError> {
        let path = crate::app_dirs::ledger_path().ok_or_else(|| LedgerError::Read {
            path: PathBuf::from(LEDGER_FILE),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "this system has no data folder for VidPrism",
            ),
        })?;
        Ledger::open(&path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines skipped when the ledger was read.
    pub fn unreadable_lines(&self) -> usize {
        self.unreadable_lines
    }

    /// Whether this very file (same path, size, time and head) was done.
    pub fn is_done(&self, stamp: &Stamp) -> bool {
        self.done.get(&stamp.path) == Some(stamp)
    }

    /// Whether the path's last done stamp has this size and time (the hash
    /// not compared): a cheap first look before reading the file.
    pub fn looks_done(&self, path: &Path, file: SourceStamp) -> bool {
        self.done.get(path).is_some_and(|s| s.file == file)
    }

    /// Records a finished source: one line appended and flushed to disk.
    pub fn record(&mut self, stamp: Stamp) -> Result<(), LedgerError> {
        let mut line = serde_json::to_vec(&stamp).map_err(|e| LedgerError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        self.append(&line)?;
        self.done.insert(stamp.path.clone(), stamp);
        Ok(())
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), LedgerError> {
        let write_error = |source| LedgerError::Write {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(bytes).map_err(write_error)?;
        self.file.sync_data().map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        // From the FNV reference test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_recorded_file_is_done_after_a_restart_and_a_changed_one_is_not() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("a.mp4");
        std::fs::write(&source, b"first version").unwrap();
        let ledger_path = temp.path().join("data").join(LEDGER_FILE);
        let first = stamp(&source).unwrap();
        {
            let mut ledger = Ledger::open(&ledger_path).unwrap();
            assert!(!ledger.is_done(&first));
            ledger.record(first.clone()).unwrap();
            assert!(ledger.is_done(&first));
        }
        let ledger = Ledger::open(&ledger_path).unwrap();
        assert!(ledger.is_done(&first), "remembered across a reopen");
        assert!(ledger.looks_done(&source, first.file));
        // Same size and time, other bytes: the hash tells them apart.
        let mut changed = first.clone();
        changed.head_fnv1a64 = format!("{:016x}", fnv1a64(b"other version"));
        assert!(!ledger.is_done(&changed));
        let mut other_path = first.clone();
        other_path.path = temp.path().join("b.mp4");
        assert!(!ledger.is_done(&other_path));
    }

    #[test]
    fn the_hash_reads_only_the_first_megabyte() {
        let temp = tempfile::tempdir().unwrap();
        let a = temp.path().join("a");
        let b = temp.path().join("b");
        let mut bytes = vec![7u8; (HEAD_BYTES + 10) as usize];
        std::fs::write(&a, &bytes).unwrap();
        *bytes.last_mut().unwrap() = 8;
        std::fs::write(&b, &bytes).unwrap();
        assert_eq!(
            stamp(&a).unwrap().head_fnv1a64,
            stamp(&b).unwrap().head_fnv1a64
        );
        bytes[0] = 9;
        std::fs::write(&b, &bytes).unwrap();
        assert_ne!(
            stamp(&a).unwrap().head_fnv1a64,
            stamp(&b).unwrap().head_fnv1a64
        );
    }

    #[test]
    fn a_line_cut_short_is_skipped_and_the_next_record_reads_back() {
        let temp = tempfile::tempdir().unwrap();
        let ledger_path = temp.path().join(LEDGER_FILE);
        let stamp_of = |name: &str| Stamp {
            path: temp.path().join(name),
            file: SourceStamp {
                size: 1,
                mtime_ns: Some(2),
            },
            head_fnv1a64: "00".into(),
        };
        let mut line = serde_json::to_vec(&stamp_of("a")).unwrap();
        line.extend_from_slice(b"\n{\"path\":\"/cut");
        std::fs::write(&ledger_path, &line).unwrap();
        {
            let mut ledger = Ledger::open(&ledger_path).unwrap();
            assert_eq!(ledger.unreadable_lines(), 1);
            ledger.record(stamp_of("b")).unwrap();
        }
        let ledger = Ledger::open(&ledger_path).unwrap();
        assert!(ledger.is_done(&stamp_of("a")));
        assert!(ledger.is_done(&stamp_of("b")));
        assert_eq!(ledger.unreadable_lines(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_keeps_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let temp = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.mp4");
        let source = temp.path().join(name);
        std::fs::write(&source, b"x").unwrap();
        let ledger_path = temp.path().join(LEDGER_FILE);
        let done = stamp(&source).unwrap();
        Ledger::open(&ledger_path)
            .unwrap()
            .record(done.clone())
            .unwrap();
        let text = std::fs::read_to_string(&ledger_path).unwrap();
        assert!(text.contains("636166e92e6d7034"), "{text}");
        assert!(Ledger::open(&ledger_path).unwrap().is_done(&done));
    }
}
