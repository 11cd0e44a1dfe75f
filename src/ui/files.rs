//! Which files a drop, a file dialog or the command line adds: files are
//! taken as they are (the engine says clearly when one is not a video);
//! folders are searched for video files by extension, skipping hidden
//! entries; each file is taken once (by device and inode). Runs on the
//! scanner's thread (`scanner.rs`), never on the UI thread.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Extensions of files taken from a dropped folder (lowercase).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mkv", "webm", "mov", "avi", "m4v", "ivf", "264", "h264", "hevc", "ts", "mts", "m2ts",
    "wmv", "flv", "mpg", "mpeg", "3gp", "ogv",
];

/// How deep folder search goes (folders are searched once each, so links
/// cannot loop; this bounds a very deep tree).
const MAX_DEPTH: usize = 16;

/// Whether `path` has a video file extension.
pub fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The files to queue for `paths`: each file as is, each folder's video
/// files (recursively, sorted by path); each file once.
#[cfg(test)]
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk_paths(paths, &mut |path| out.push(path));
    out
}

/// Hands `found` the files to queue for `paths`, one at a time and in
/// order: each file as is, each folder's video files (recursively, each
/// folder's entries sorted by name, hidden ones skipped). A file reached
/// twice (through a link, or given twice) is handed over once, and a folder
/// is searched once, so links to a parent folder cannot loop. Files that
/// cannot be read are handed over as they are: the engine says why they
/// fail.
pub fn walk_paths(paths: &[PathBuf], found: &mut dyn FnMut(PathBuf)) {
    let mut seen = Seen::default();
    for path in paths {
        if path.is_dir() {
            walk(path, 0, &mut seen, found);
        } else if seen.first_time(path) {
            found(path.clone());
        }
    }
}

/// Files and folders met so far, by device and inode (by path when they
/// cannot be read).
#[derive(Default)]
struct Seen {
    inodes: HashSet<(u64, u64)>,
    unreadable: HashSet<PathBuf>,
}

impl Seen {
    fn first_time(&mut self, path: &Path) -> bool {
        match std::fs::metadata(path) {
            Ok(meta) => self.inodes.insert((meta.dev(), meta.ino())),
            Err(_) => self.unreadable.insert(path.to_path_buf()),
        }
    }
}

fn walk(dir: &Path, depth: usize, seen: &mut Seen, found: &mut dyn FnMut(PathBuf)) {
    if depth > MAX_DEPTH || !seen.first_time(dir) {
        return;
    }
    // An unreadable folder just contributes nothing.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    // By name, which is also the order of the full paths.
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, depth + 1, seen, found);
        } else if has_video_extension(&path) && seen.first_time(&path) {
            found(path);
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

    #[test]
    fn links_to_a_parent_folder_or_the_same_file_give_each_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("a.mp4"), b"x").unwrap();
        std::fs::write(d.join("sub/b.mp4"), b"x").unwrap();
        std::os::unix::fs::symlink(d, d.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(d.join("a.mp4"), d.join("link.mp4")).unwrap();
        let got = expand_paths(&[d.to_path_buf(), d.join("a.mp4"), d.join("gone.mp4")]);
        assert_eq!(
            got,
            vec![d.join("a.mp4"), d.join("sub/b.mp4"), d.join("gone.mp4")]
        );
    }
}
