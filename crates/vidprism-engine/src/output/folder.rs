//! The output folder and the per-source folders inside it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::names::sanitize_name;

/// `<Videos>/VidPrism`, or `<data dir>/output` when the system has no Videos
/// folder.
pub fn default_output_dir() -> PathBuf {
    if let Some(videos) =
        directories::UserDirs::new().and_then(|u| u.video_dir().map(Path::to_path_buf))
    {
        return videos.join("VidPrism");
    }
    crate::app_dirs::platform_dirs()
        .map(|d| d.data_dir().join("output"))
        .unwrap_or_else(|| PathBuf::from("VidPrism"))
}

/// A job's folder, from the files it wrote so far: every file of a job is
/// in its folder, so the first one's parent (the job store and the window's
/// rows both ask this).
pub fn job_dir_from<'a>(files: impl IntoIterator<Item = &'a Path>) -> Option<PathBuf> {
    files
        .into_iter()
        .find_map(Path::parent)
        .map(Path::to_path_buf)
}

/// Creates `<out>/<stem>`, or `<out>/<stem> (2)`, `(3)`, ... when taken.
/// Creation is the reservation: two jobs with the same stem never share a
/// folder, and an existing folder is never written into.
pub fn reserve_job_dir(out: &Path, stem: &str) -> Result<PathBuf> {
    let folder_err = |e: std::io::Error| Error::OutputFolder {
        path: out.to_path_buf(),
        reason: e.into(),
    };
    std::fs::create_dir_all(out).map_err(folder_err)?;
    let stem = sanitize_name(stem);
    for n in 1..10_000 {
        let name = if n == 1 {
            stem.clone()
        } else {
            format!("{stem} ({n})")
        };
        let candidate = out.join(name);
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(folder_err(e)),
        }
    }
    Err(Error::OutputFolder {
        path: out.to_path_buf(),
        reason: format!("too many folders named {stem:?} already").into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_folder_gets_the_next_free_name() {
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir(out.path().join("clip")).unwrap();
        std::fs::write(out.path().join("clip (2)"), b"user file").unwrap();
        let dir = reserve_job_dir(out.path(), "clip").unwrap();
        assert_eq!(dir, out.path().join("clip (3)"));
        assert_eq!(
            std::fs::read(out.path().join("clip (2)")).unwrap(),
            b"user file"
        );
    }
}
