//! What target-quality searches found (issue 24), kept so that a retry or
//! a resume of the same source with the same rendition settings does not
//! search again: one small JSON file per search in `<data dir>/target-quality/`
//! (`VIDPRISM_DATA_DIR` moves it), named by a hash of its key and holding
//! the key itself, written under a temporary name and renamed. The key is
//! the source's content stamp (its size and a hash of three 1 MiB pieces,
//! so a farm worker's downloaded copy has the stamp of the original) and
//! everything that changes the encode. A cache is only a shortcut: a file
//! that cannot be read or written is a search made again.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::media::{PicturePlan, RenditionTarget};

/// The folder in the data dir.
const DIR: &str = "target-quality";
/// Changes when a search would find otherwise on the same source (its
/// samples, its fractional CRF), so older results are not taken.
const SEARCH_VERSION: u32 = 2;
/// Bytes hashed at the start, middle and end of a source.
const PIECE: u64 = 1 << 20;

/// One search's result, per second of source so the prediction scales.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub crf: u32,
    pub predicted_ssim: f64,
    /// Bytes of video per second of source, at that CRF.
    pub bytes_per_s: f64,
    /// Seconds of encoding per second of source.
    pub seconds_per_s: f64,
    /// SSIM lost per CRF step near it.
    pub ssim_per_step: f64,
    /// The fractional CRF the encoder is given, when it takes one (x264,
    /// x265) and the search found one between two probes; `predicted_ssim`
    /// and `bytes_per_s` are then its. Absent in caches from before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_crf: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    found: Found,
}

/// The cache's folder; `None` (no cache) when the system has no data dir.
pub struct TargetCache {
    dir: Option<PathBuf>,
}

impl TargetCache {
    pub fn in_data_dir() -> TargetCache {
        TargetCache {
            dir: crate::store::data_dir().map(|d| d.join(DIR)),
        }
    }

    /// What an earlier search under `key` found.
    pub fn get(&self, key: &str) -> Option<Found> {
        let text = std::fs::read_to_string(self.file(key)?).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        let f = entry.found;
        let sane = [
            f.predicted_ssim,
            f.bytes_per_s,
            f.seconds_per_s,
            f.ssim_per_step,
        ]
        .iter()
        .all(|n| n.is_finite() && *n >= 0.0);
        // A fraction lies within a step of the whole CRF it refines.
        let fine_sane = f
            .fine_crf
            .is_none_or(|c| (c - f64::from(f.crf)).abs() <= 1.0);
        (entry.key == key && sane && fine_sane).then_some(f)
    }

    /// Keeps `found` under `key`; a failure is only logged.
    pub fn put(&self, key: &str, found: Found) {
        let (Some(dir), Some(file)) = (&self.dir, self.file(key)) else {
            return;
        };
        let entry = Entry {
            key: key.to_owned(),
            found,
        };
        let temp = file.with_extension(format!("{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&temp, serde_json::to_vec(&entry).unwrap_or_default()))
            .and_then(|()| std::fs::rename(&temp, &file));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            tracing::warn!(path = %file.display(), error = %e, "target quality not cached");
        }
    }

    fn file(&self, key: &str) -> Option<PathBuf> {
        let name = format!("{:016x}.json", fnv1a(key.as_bytes(), FNV_OFFSET));
        self.dir.as_ref().map(|d| d.join(name))
    }
}

/// The key of `target`'s search on the source at `path` (`None` when the
/// source cannot be read).
pub fn key(path: &Path, target: &RenditionTarget, picture: &PicturePlan) -> Option<String> {
    let spec = serde_json::to_string(&target.spec).ok()?;
    Some(format!(
        "v{SEARCH_VERSION}|{}|{}x{}|{:?}|{:?}|{:?}|{spec}",
        stamp(path).ok()?,
        target.size.width,
        target.size.height,
        target.hdr,
        target.segment_seconds,
        picture
    ))
}

/// The source's size and a hash of its first, middle and last MiB.
fn stamp(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut hash = FNV_OFFSET;
    let mut piece = Vec::new();
    for at in [
        0,
        size.saturating_sub(PIECE) / 2,
        size.saturating_sub(PIECE),
    ] {
        file.seek(SeekFrom::Start(at))?;
        piece.clear();
        (&mut file).take(PIECE).read_to_end(&mut piece)?;
        hash = fnv1a(&piece, hash);
    }
    Ok(format!("{size}:{hash:016x}"))
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes` from `hash`: stable across builds and machines.
pub(crate) fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(crf: u32) -> Found {
        Found {
            crf,
            predicted_ssim: 0.985,
            bytes_per_s: 50_000.0,
            seconds_per_s: 0.5,
            ssim_per_step: 0.002,
            fine_crf: None,
        }
    }

    #[test]
    fn a_result_is_found_again_under_its_key_only() {
        let dir =
            std::env::temp_dir().join(format!("vidprism-target-cache-{}", std::process::id()));
        let cache = TargetCache {
            dir: Some(dir.clone()),
        };
        assert_eq!(cache.get("a"), None);
        cache.put("a", found(24));
        cache.put("b", found(30));
        assert_eq!(cache.get("a"), Some(found(24)));
        assert_eq!(cache.get("b"), Some(found(30)));
        assert_eq!(cache.get("c"), None);
        // A file with another key in it (a collision) or damaged is no hit.
        let file = cache.file("a").expect("a file");
        std::fs::copy(cache.file("b").expect("b"), &file).expect("copied");
        assert_eq!(cache.get("a"), None);
        std::fs::write(&file, b"{\"key\":\"a\",\"found\":").expect("written");
        assert_eq!(cache.get("a"), None);
        // No data dir: nothing kept, nothing found.
        let none = TargetCache { dir: None };
        none.put("a", found(1));
        assert_eq!(none.get("a"), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_fractional_crf_is_kept_and_one_far_from_its_whole_crf_is_no_hit() {
        let dir = std::env::temp_dir().join(format!("vidprism-target-fine-{}", std::process::id()));
        let cache = TargetCache {
            dir: Some(dir.clone()),
        };
        let fine = Found {
            fine_crf: Some(24.3),
            ..found(24)
        };
        cache.put("a", fine);
        assert_eq!(cache.get("a"), Some(fine));
        // An entry from before fractions (no `fine_crf`) still reads.
        let file = cache.file("a").expect("a file");
        let old = r#"{"key":"a","found":{"crf":24,"predicted_ssim":0.985,"bytes_per_s":50000.0,"seconds_per_s":0.5,"ssim_per_step":0.002}}"#;
        std::fs::write(&file, old).expect("written");
        assert_eq!(cache.get("a"), Some(found(24)));
        cache.put(
            "a",
            Found {
                fine_crf: Some(30.0),
                ..found(24)
            },
        );
        assert_eq!(cache.get("a"), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_stamp_follows_the_content_not_the_name() {
        let dir = std::env::temp_dir().join(format!("vidprism-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("a"), &bytes).expect("a");
        std::fs::write(dir.join("b"), &bytes).expect("b");
        let mut changed = bytes.clone();
        changed[2_999_000] ^= 1;
        std::fs::write(dir.join("c"), &changed).expect("c");
        let s = |n: &str| stamp(&dir.join(n)).expect("stamp");
        assert_eq!(s("a"), s("b"));
        assert_ne!(s("a"), s("c"));
        assert!(stamp(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
