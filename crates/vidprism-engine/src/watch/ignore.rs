//! Names that are never sources: files still being downloaded or written
//! under a temporary name, editors' backups, hidden files, and the engine's
//! own outputs in the making. Such a file is renamed to its real name when
//! whole, and the rename is what brings it in.

use std::path::Path;

use crate::output::TEMP_MARKER;

/// Endings of partial downloads and temporary files (compared without case).
const TEMPORARY_ENDINGS: [&str; 7] = [
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".tmp",
    ".temp",
    "~",
];

/// Whether the file at `path` is never a source: a hidden name, a partial
/// download or temporary name, or a file with no name at all.
pub fn is_ignored(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return true;
    };
    let name = name.to_string_lossy().to_lowercase();
    name.starts_with('.')
        || name.contains(TEMP_MARKER)
        || TEMPORARY_ENDINGS.iter().any(|end| name.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_temporary_names_are_ignored() {
        for name in [
            "clip.mp4.part",
            "clip.MP4.PART",
            "clip.mp4.crdownload",
            "clip.tmp",
            "clip.mp4~",
            ".clip.mp4",
            ".hidden",
            "clip.mp4.download",
        ] {
            assert!(is_ignored(Path::new("/in").join(name).as_path()), "{name}");
        }
        assert!(is_ignored(Path::new("/")));
    }

    #[test]
    fn ordinary_videos_are_not_ignored() {
        for name in ["clip.mp4", "holiday.part1.mkv", "tmp.mov", "a~b.webm"] {
            assert!(!is_ignored(Path::new("/in").join(name).as_path()), "{name}");
        }
    }
}
