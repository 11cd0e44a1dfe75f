//! Which files are sources: one rule for the window's folder walk,
//! `vidprism process` and watch folders.
//!
//! - A file given by name (dropped, picked, on the command line) is taken
//!   as it is: the engine says clearly when it is not a video.
//! - In a folder, a file is a source when its extension is a video's
//!   ([`VIDEO_EXTENSIONS`]), or when it has none and its first bytes are a
//!   video container's ([`looks_like_video`]: a few header bytes, no
//!   FFmpeg). Hidden entries, partial downloads and temporary names
//!   ([`is_ignored`]) are never entered nor taken; other files are skipped
//!   quietly and counted ([`Skipped`]).
//! - Each file is taken once, by device and inode: a second path to a file
//!   already taken (a hard link, a link, the same file given twice) is
//!   skipped and named, so the caller can say so.
//! - Links met in a folder are followed or not ([`Links`]); followed, each
//!   folder is entered once (device and inode), so a `loop -> .` link ends.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::watch::is_ignored;

/// Extensions of video files taken from a folder (lowercase).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mkv", "webm", "mov", "avi", "m4v", "ivf", "264", "h264", "hevc", "ts", "mts", "m2ts",
    "wmv", "flv", "mpg", "mpeg", "3gp", "ogv",
    // Camcorders and tapes: DV, MPEG-2 of JVC and Panasonic cameras, DVDs, MXF.
    "dv", "dif", "mod", "tod", "vob", "mxf", "m2v",
];

/// How deep a folder walk goes (folders are entered once each, so links
/// cannot loop; this bounds a very deep tree).
pub const MAX_DEPTH: usize = 16;

/// How many bytes [`content_is_video`] reads.
const SNIFF_BYTES: u64 = 512;

/// What a file's name says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByName {
    /// A video extension.
    Video,
    /// No extension: its content decides.
    NoExtension,
    /// Another extension (a sidecar, a photo, notes): never a source.
    Other,
}

/// What `path`'s name says (the extension compared without case).
pub fn by_name(path: &Path) -> ByName {
    match path.extension() {
        None => ByName::NoExtension,
        Some(ext) => match ext.to_str() {
            Some(e) if VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()) => ByName::Video,
            _ => ByName::Other,
        },
    }
}

/// Whether `path` has a video file extension.
pub fn has_video_extension(path: &Path) -> bool {
    by_name(path) == ByName::Video
}

/// Whether `head`, a file's first bytes, starts like a video container or
/// stream: ISO BMFF (MP4, MOV, 3GP), Matroska/WebM, AVI, ASF/WMV, FLV,
/// Ogg, IVF, MPEG transport (188- or 192-byte packets) and program
/// streams, and H.264/HEVC Annex B elementary streams.
pub fn looks_like_video(head: &[u8]) -> bool {
    let at = |offset: usize, bytes: &[u8]| head.get(offset..offset + bytes.len()) == Some(bytes);
    let iso_box = ["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"]
        .iter()
        .any(|b| at(4, b.as_bytes()));
    let ts = |first: usize, size: usize| (0..3).all(|i| head.get(first + i * size) == Some(&0x47));
    // An Annex B start code, then a parameter set or access unit delimiter.
    let annex_b = at(0, &[0, 0, 0, 1])
        && matches!(
            head.get(4..6),
            Some([0x67 | 0x27 | 0x09, _]) | Some([0x40 | 0x42 | 0x46, 0x01])
        );
    iso_box
        || at(0, &[0x1A, 0x45, 0xDF, 0xA3])
        || (at(0, b"RIFF") && at(8, b"AVI "))
        || at(0, &[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])
        || at(0, b"FLV\x01")
        || at(0, b"OggS")
        || at(0, b"DKIF")
        || ts(0, 188)
        || ts(4, 192)
        || at(0, &[0, 0, 1, 0xBA])
        || at(0, &[0, 0, 1, 0xB3])
        || annex_b
}

/// Whether the file at `path` starts like a video ([`looks_like_video`]);
/// false when it cannot be read.
pub fn content_is_video(path: &Path) -> bool {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SNIFF_BYTES).read_to_end(&mut head))
        .is_ok_and(|_| looks_like_video(&head))
}

/// Whether a file met in a folder is a source: a video extension, or none
/// and a video's content.
pub fn is_source(path: &Path) -> bool {
    match by_name(path) {
        ByName::Video => true,
        ByName::NoExtension => content_is_video(path),
        ByName::Other => false,
    }
}

/// What a walk does with links it meets inside a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Not followed: a link is skipped and counted; nothing outside the
    /// folder is reached through one.
    Stay,
    /// Followed, each folder entered once (device and inode).
    Follow,
}

/// How a walk goes.
#[derive(Clone, Copy, Debug)]
pub struct WalkRule {
    /// Into subfolders (at most [`MAX_DEPTH`] deep).
    pub recursive: bool,
    pub links: Links,
    /// Files without an extension are handed over unread, for the caller
    /// to look at once they are whole (a watch folder's files may still be
    /// written); otherwise their first bytes are read here.
    pub content_later: bool,
}

impl WalkRule {
    /// The window's and `vidprism process`'s walk: subfolders, links
    /// followed (nothing is ever done to a source), content read now.
    pub const GIVEN: WalkRule = WalkRule {
        recursive: true,
        links: Links::Follow,
        content_later: false,
    };
}

/// What a walk did not take, each in the order met.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Files in folders that are not videos (by extension or content).
    pub not_videos: Vec<PathBuf>,
    /// Links not followed ([`Links::Stay`]).
    pub links: Vec<PathBuf>,
    /// Second paths to a file already taken (same device and inode).
    pub same_file: Vec<PathBuf>,
    /// Folders given by name in which no source was found.
    pub empty_folders: Vec<PathBuf>,
}

/// A file's place on its disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    #[cfg(unix)]
    pub fn of(metadata: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: metadata.dev(),
            ino: metadata.ino(),
        }
    }

    /// No inodes here: every file is its own.
    #[cfg(not(unix))]
    pub fn of(_metadata: &std::fs::Metadata) -> FileId {
        FileId { dev: 0, ino: 0 }
    }
}

/// Size and modification time of a source: what says it was not written
/// to since (the job store's queued sources, the watch ledger's done ones,
/// on-done's identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch; `None` where the system has none.
    pub mtime_ns: Option<u64>,
}

impl SourceStamp {
    /// The stamp of `path` now; `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<SourceStamp> {
        std::fs::metadata(path)
            .ok()
            .map(|m| SourceStamp::of_metadata(&m))
    }

    /// The stamp `metadata` describes.
    pub fn of_metadata(metadata: &std::fs::Metadata) -> SourceStamp {
        SourceStamp {
            size: metadata.len(),
            mtime_ns: metadata
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| u64::try_from(d.as_nanos()).ok()),
        }
    }

    /// Why `path` is no longer the file this stamp describes, if it is not.
    pub fn changed_reason(&self, path: &Path) -> Option<String> {
        match SourceStamp::of(path) {
            None => Some(format!(
                "{}: the source file disappeared since it was queued",
                path.display()
            )),
            Some(now) if now != *self => Some(format!(
                "{}: the source file changed since it was queued",
                path.display()
            )),
            Some(_) => None,
        }
    }
}

/// Files and folders met so far, by device and inode (by path when they
/// cannot be read).
#[derive(Default)]
pub struct Seen {
    ids: HashSet<FileId>,
    unreadable: HashSet<PathBuf>,
}

impl Seen {
    /// Whether `path` (links followed) is met for the first time.
    pub fn first_time(&mut self, path: &Path) -> bool {
        match std::fs::metadata(path) {
            Ok(meta) if cfg!(unix) => self.ids.insert(FileId::of(&meta)),
            _ => self.unreadable.insert(path.to_path_buf()),
        }
    }
}

/// Hands `found` the sources for `paths`, one at a time and in order: each
/// file given as it is, each folder's sources (each folder's entries by
/// name). A file reached twice is handed over once; what was skipped is
/// returned. Files that cannot be read are handed over as they are: the
/// engine says why they fail.
pub fn walk(paths: &[PathBuf], rule: WalkRule, found: &mut dyn FnMut(PathBuf)) -> Skipped {
    let mut walk = Walk {
        rule,
        seen: Seen::default(),
        skipped: Skipped::default(),
        found,
        count: 0,
    };
    for path in paths {
        if path.is_dir() {
            let before = walk.count;
            walk.folder(path, 0);
            if walk.count == before {
                walk.skipped.empty_folders.push(path.clone());
            }
        } else if walk.seen.first_time(path) {
            (walk.found)(path.clone());
        } else {
            walk.skipped.same_file.push(path.clone());
        }
    }
    walk.skipped
}

/// [`walk`], collected.
pub fn sources(paths: &[PathBuf], rule: WalkRule) -> (Vec<PathBuf>, Skipped) {
    let mut out = Vec::new();
    let skipped = walk(paths, rule, &mut |path| out.push(path));
    (out, skipped)
}

struct Walk<'a> {
    rule: WalkRule,
    seen: Seen,
    skipped: Skipped,
    found: &'a mut dyn FnMut(PathBuf),
    /// Files found in folders so far.
    count: usize,
}

impl Walk<'_> {
    fn folder(&mut self, dir: &Path, depth: usize) {
        if depth > MAX_DEPTH || !self.seen.first_time(dir) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!("cannot read {}: {e}", dir.display());
                return;
            }
        };
        let mut entries: Vec<_> = entries
            .flatten()
            .map(|e| (e.path(), e.file_type()))
            .filter(|(path, _)| !is_ignored(path))
            .filter_map(|(path, kind)| Some((path, kind.ok()?)))
            .collect();
        // By name, which is also the order of the full paths.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, kind) in entries {
            let is_dir = if kind.is_symlink() {
                if self.rule.links == Links::Stay {
                    self.skipped.links.push(path);
                    continue;
                }
                path.is_dir()
            } else {
                kind.is_dir()
            };
            if is_dir {
                if self.rule.recursive {
                    self.folder(&path, depth + 1);
                }
                continue;
            }
            let source = match by_name(&path) {
                ByName::Video => true,
                ByName::NoExtension => self.rule.content_later || content_is_video(&path),
                ByName::Other => false,
            };
            if !source {
                self.skipped.not_videos.push(path);
            } else if self.seen.first_time(&path) {
                self.count += 1;
                (self.found)(path);
            } else {
                self.skipped.same_file.push(path);
            }
        }
    }
}

/// Whether `path`, below `root`, is reached through a link: the file itself
/// or a folder between it and `root` is one (or cannot be read).
pub fn through_link(path: &Path, root: &Path) -> bool {
    let Ok(below) = path.strip_prefix(root) else {
        return true;
    };
    let mut at = root.to_path_buf();
    below.components().any(|part| {
        at.push(part);
        std::fs::symlink_metadata(&at).map_or(true, |m| m.file_type().is_symlink())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[PathBuf], root: &Path) -> Vec<String> {
        paths
            .iter()
            .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
            .collect()
    }

    fn mp4_head() -> Vec<u8> {
        let mut head = vec![0, 0, 0, 0x20];
        head.extend_from_slice(b"ftypisom");
        head.resize(64, 0);
        head
    }

    #[test]
    fn names_decide_and_files_without_an_extension_are_read() {
        assert_eq!(by_name(Path::new("/a/clip.MP4")), ByName::Video);
        assert_eq!(by_name(Path::new("/a/CLIP0001")), ByName::NoExtension);
        for other in ["a.THM", "a.XML", "a.LRF", "a.AAE", "a.SRT", "a.txt"] {
            assert_eq!(by_name(Path::new(other)), ByName::Other, "{other}");
        }
        assert!(looks_like_video(&mp4_head()));
        assert!(looks_like_video(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]));
        assert!(looks_like_video(b"RIFF\0\0\0\0AVI LIST"));
        let mut ts = vec![0u8; 400];
        for i in [0, 188, 376] {
            ts[i] = 0x47;
        }
        assert!(looks_like_video(&ts));
        assert!(looks_like_video(&[0, 0, 0, 1, 0x67, 0x64]));
        for not in [&b"hello, world"[..], b"", b"\xff\xd8\xff\xe0JFIF", b"<?xml"] {
            assert!(!looks_like_video(not), "{not:?}");
        }
    }

    #[test]
    fn a_folder_yields_its_videos_and_counts_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".hidden")).unwrap();
        for f in [
            "a.MP4",
            "notes.txt",
            "a.THM",
            "sub/b.mkv",
            ".hidden/c.mp4",
            ".d.mp4",
        ] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        std::fs::write(d.join("CLIP0001"), mp4_head()).unwrap();
        std::fs::write(d.join("README"), b"plain text").unwrap();
        let text = d.join("notes.txt");
        let (got, skipped) = sources(&[d.to_path_buf(), text.clone()], WalkRule::GIVEN);
        assert_eq!(
            names(&got, d),
            ["CLIP0001", "a.MP4", "sub/b.mkv", "notes.txt"],
            "a file given by name is taken as it is"
        );
        assert_eq!(
            names(&skipped.not_videos, d),
            ["README", "a.THM", "notes.txt"]
        );
        let flat = WalkRule {
            recursive: false,
            links: Links::Stay,
            content_later: true,
        };
        let (got, _) = sources(&[d.to_path_buf()], flat);
        assert_eq!(names(&got, d), ["CLIP0001", "README", "a.MP4"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_once_or_not_at_all_and_loops_end() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let d = dir.path().join("in");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(d.join("a.mp4"), b"x").unwrap();
        std::fs::write(d.join("sub/b.mp4"), b"x").unwrap();
        std::fs::write(outside.join("o.mp4"), b"x").unwrap();
        std::os::unix::fs::symlink(&d, d.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(".", d.join("loop2")).unwrap();
        std::os::unix::fs::symlink(d.join("a.mp4"), d.join("link.mp4")).unwrap();
        std::os::unix::fs::symlink(&outside, d.join("ext")).unwrap();
        let given = [d.clone(), d.join("a.mp4"), d.join("gone.mp4")];
        let (got, skipped) = sources(&given, WalkRule::GIVEN);
        assert_eq!(
            names(&got, &d),
            ["a.mp4", "ext/o.mp4", "sub/b.mp4", "gone.mp4"]
        );
        assert_eq!(names(&skipped.same_file, &d), ["link.mp4", "a.mp4"]);
        let stay = WalkRule {
            links: Links::Stay,
            ..WalkRule::GIVEN
        };
        let (got, skipped) = sources(std::slice::from_ref(&d), stay);
        assert_eq!(names(&got, &d), ["a.mp4", "sub/b.mp4"]);
        assert_eq!(
            names(&skipped.links, &d),
            ["ext", "link.mp4", "loop2", "sub/loop"]
        );
        assert!(!through_link(&d.join("sub/b.mp4"), &d));
        assert!(through_link(&d.join("ext/o.mp4"), &d));
        assert!(through_link(&d.join("link.mp4"), &d));
        assert!(through_link(&outside.join("o.mp4"), &d));
    }
}
