//! The per-frame score series of the renditions the store records (issue
//! 25's quality strip), which `rendition_done`'s JSON does not carry: one
//! small JSON file per rendition in `quality-series/` beside the store,
//! named by a hash of the rendition's path and holding that path and the
//! file's stamp (size, modification time) when it was kept, so a file
//! made again at the same path never shows another's series. At most
//! [`MAX_SERIES_POINTS`] points (`quality::series::bounded`), removed
//! with its job. A file that is damaged, too large, holds values out of
//! range or belongs to another rendition is ignored (with a warning when
//! it cannot be read), never trusted.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::limits::MAX_SERIES_POINTS;
use crate::media::quality::series::{bounded, check};
use crate::media::quality::Series;
use crate::pipeline::target_cache::{fnv1a, FNV_OFFSET};
use crate::sources::SourceStamp;

/// The folder beside the store's snapshot.
const DIR: &str = "quality-series";
/// Largest file read: a full series is about 40 bytes a point.
const MAX_FILE_BYTES: u64 = (MAX_SERIES_POINTS as u64) * 128 + 4096;

#[derive(Serialize, Deserialize)]
struct Kept {
    #[serde(with = "crate::path_json")]
    path: PathBuf,
    stamp: SourceStamp,
    series: Vec<(f64, f64)>,
}

/// Where the store keeps its renditions' series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesFiles {
    dir: PathBuf,
}

impl SeriesFiles {
    /// The series of the store whose snapshot is `store`.
    pub fn beside(store: &Path) -> SeriesFiles {
        let parent = store.parent().unwrap_or(Path::new("."));
        SeriesFiles {
            dir: parent.join(DIR),
        }
    }

    /// Keeps the series of the rendition at `output` (its file in place
    /// now); a failure is only logged.
    pub fn keep(&self, output: &Path, series: &[(f64, f64)]) {
        let file = self.file(output);
        let Some(stamp) = SourceStamp::of(output) else {
            return;
        };
        let kept = Kept {
            path: output.to_path_buf(),
            stamp,
            series: bounded(series),
        };
        let temp = file.with_extension(format!("{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&temp, serde_json::to_vec(&kept).unwrap_or_default()))
            .and_then(|()| std::fs::rename(&temp, &file));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            tracing::warn!(path = %file.display(), error = %e, "the per-frame score was not kept");
        }
    }

    /// The series kept for the rendition at `output`, when it is still the
    /// file it was kept for.
    pub fn find(&self, output: &Path) -> Option<Series> {
        let file = self.file(output);
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&file)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
        match read {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %file.display(), error = %e, "a kept per-frame score cannot be read; ignored");
                return None;
            }
        }
        let kept = match parse(&bytes) {
            Ok(kept) => kept,
            Err(reason) => {
                tracing::warn!(path = %file.display(), %reason, "a kept per-frame score is damaged; ignored");
                return None;
            }
        };
        let current = kept.path == output && SourceStamp::of(output) == Some(kept.stamp);
        current.then(|| kept.series.into())
    }

    /// Removes what was kept for the rendition at `output`.
    pub fn forget(&self, output: &Path) {
        let _ = std::fs::remove_file(self.file(output));
    }

    fn file(&self, output: &Path) -> PathBuf {
        let key = output.as_os_str().as_encoded_bytes();
        self.dir
            .join(format!("{:016x}.json", fnv1a(key, FNV_OFFSET)))
    }
}

/// Why a kept file is refused.
#[derive(Debug, thiserror::Error)]
enum Damaged {
    #[error("larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Values(#[from] crate::media::quality::series::BadSeries),
}

fn parse(bytes: &[u8]) -> Result<Kept, Damaged> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Damaged::TooLarge);
    }
    let kept: Kept = serde_json::from_slice(bytes)?;
    check(&kept.series)?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> (tempfile::TempDir, SeriesFiles, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = SeriesFiles::beside(&dir.path().join("jobs.json"));
        let output = dir.path().join("720p.mp4");
        std::fs::write(&output, b"a rendition").expect("written");
        (dir, files, output)
    }

    #[test]
    fn a_series_is_found_for_its_file_only_while_it_is_the_same_file() {
        let (dir, files, output) = files();
        let series = [(0.0, 0.99), (0.04, 0.5)];
        assert_eq!(files.find(&output), None);
        files.keep(&output, &series);
        assert_eq!(files.find(&output).as_deref(), Some(&series[..]));
        let other = dir.path().join("480p.mp4");
        std::fs::write(&other, b"a rendition").expect("written");
        assert_eq!(files.find(&other), None, "another rendition's");
        // Made again at the same path: the old series is stale.
        std::fs::write(&output, b"another rendition").expect("written");
        assert_eq!(files.find(&output), None);
        files.keep(&output, &series);
        files.forget(&output);
        assert_eq!(files.find(&output), None);
    }

    #[test]
    fn a_damaged_or_hostile_file_is_ignored() {
        let (_dir, files, output) = files();
        files.keep(&output, &[(0.0, 0.9)]);
        let file = files.file(&output);
        let text = std::fs::read_to_string(&file).expect("kept");
        let damaged = [
            text[..text.len() / 2].to_owned(),
            text.replace("0.9", "7.5"),
            text.replace("[[0.0,0.9]]", "[[1.0,0.9],[0.5,0.9]]"),
            "[]".to_owned(),
            " ".repeat(MAX_FILE_BYTES as usize + 10),
        ];
        for bytes in damaged {
            std::fs::write(&file, &bytes).expect("written");
            assert_eq!(
                files.find(&output),
                None,
                "{}",
                &bytes[..bytes.len().min(80)]
            );
        }
        // Generated bytes: never a panic, never a series.
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..rng.usize(1..8) {
                let at = rng.usize(..bytes.len());
                bytes[at] = rng.u8(..);
            }
            std::fs::write(&file, &bytes).expect("written");
            if let Some(found) = files.find(&output) {
                assert_eq!(check(&found), Ok(()));
            }
        }
    }
}
