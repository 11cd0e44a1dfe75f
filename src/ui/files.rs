//! Which files a drop, a file dialog or the command line adds: files are
//! taken as they are (the engine says clearly when one is not a video);
//! folders are searched for video files by extension, skipping hidden
//! entries.

use std::path::{Path, PathBuf};

/// Extensions of files taken from a dropped folder (lowercase).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mkv", "webm", "mov", "avi", "m4v", "ivf", "264", "h264", "hevc", "ts", "mts", "m2ts",
    "wmv", "flv", "mpg", "mpeg", "3gp", "ogv",
];

/// How deep folder search goes; guards against symlink loops.
const MAX_DEPTH: usize = 16;

/// Whether `path` has a video file extension.
pub fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The files to queue for `paths`: each file as is, each folder's video
/// files (recursively, sorted by path).
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, 0, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    // An unreadable folder just contributes nothing.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, depth + 1, found);
        } else if has_video_extension(&path) {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_yield_their_videos_and_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".hidden")).unwrap();
        for f in ["a.MP4", "notes.txt", "sub/b.mkv", ".hidden/c.mp4", ".d.mp4"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let text = d.join("notes.txt");
        let got = expand_paths(&[d.to_path_buf(), text.clone()]);
        assert_eq!(got, vec![d.join("a.MP4"), d.join("sub/b.mkv"), text]);
    }
}
