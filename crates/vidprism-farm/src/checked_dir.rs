//! A shared job folder held open from the moment it was checked (issue 26):
//! its paths are checked once (inside the roots, a folder, not a link) and
//! the stage writes there much later, so anyone who can write on the shared
//! disk could swap the folder for a link in between and have the stage's
//! files made wherever the link points. The folder is opened once, right
//! after the check, without following a link (`O_DIRECTORY|O_NOFOLLOW`),
//! and the stage is given the path of that open folder
//! (`/proc/self/fd/N`, which the kernel resolves to the folder the handle
//! holds, not to whatever has its name now): every file the stage makes,
//! FFmpeg's included, lands in the folder that was checked. Paths the
//! stage reports are mapped back to the folder's own name.

use std::fs::File;
use std::path::{Path, PathBuf};

/// The checked folder, held open.
#[derive(Debug)]
pub struct CheckedDir {
    /// Keeps the folder (and so `alias`) alive.
    _handle: File,
    /// The folder's name as checked.
    real: PathBuf,
    /// The path the stage writes through: the open folder's own.
    alias: PathBuf,
}

impl CheckedDir {
    /// Opens the folder at `path`, which must be a folder and not a link,
    /// and the same folder (device and inode) that `path` names after it
    /// was opened.
    pub fn open(path: &Path) -> std::io::Result<CheckedDir> {
        let handle = open_dir_no_follow(path)?;
        let alias = alias_of(&handle).unwrap_or_else(|| path.to_path_buf());
        let opened = handle.metadata()?;
        let named = std::fs::symlink_metadata(path)?;
        if !opened.is_dir() || !same_file(&opened, &named) {
            return Err(std::io::Error::other(
                "the folder changed while it was opened",
            ));
        }
        Ok(CheckedDir {
            _handle: handle,
            real: path.to_path_buf(),
            alias,
        })
    }

    /// Where the stage writes: the folder held open.
    pub fn path(&self) -> &Path {
        &self.alias
    }

    /// The folder's name as checked.
    pub fn real(&self) -> &Path {
        &self.real
    }

    /// `path` under the held folder's path, named under the folder's own
    /// name again; any other path as it is.
    pub fn real_path(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.alias) {
            Ok(rest) if rest.as_os_str().is_empty() => self.real.clone(),
            Ok(rest) => self.real.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }

    /// `text` with the held folder's path replaced by its own name (error
    /// messages).
    pub fn real_text(&self, text: &str) -> String {
        text.replace(&*self.alias.to_string_lossy(), &self.real.to_string_lossy())
    }
}

#[cfg(unix)]
fn open_dir_no_follow(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_dir_no_follow(path: &Path) -> std::io::Result<File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a link"));
    }
    File::open(path)
}

/// The path through which the kernel reaches the open folder itself; `None`
/// where there is none (no `/proc`): the folder's name is used then.
#[cfg(target_os = "linux")]
fn alias_of(handle: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    let alias = PathBuf::from(format!("/proc/self/fd/{}", handle.as_raw_fd()));
    alias.is_dir().then_some(alias)
}

#[cfg(not(target_os = "linux"))]
fn alias_of(_handle: &File) -> Option<PathBuf> {
    None
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    b.is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn files_made_through_a_held_folder_land_in_it_after_a_swap() {
        let tmp = tempfile::tempdir().unwrap();
        let job = tmp.path().join("job");
        let user = tmp.path().join("user");
        std::fs::create_dir_all(&job).unwrap();
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("out.mp4"), b"the user's").unwrap();
        let held = CheckedDir::open(&job).unwrap();
        // Swapped after the check: the folder moved away, a link in its place.
        let moved = tmp.path().join("moved");
        std::fs::rename(&job, &moved).unwrap();
        std::os::unix::fs::symlink(&user, &job).unwrap();
        std::fs::write(held.path().join("out.mp4"), b"made").unwrap();
        std::fs::write(held.path().join("new.jpg"), b"made").unwrap();
        assert_eq!(std::fs::read(user.join("out.mp4")).unwrap(), b"the user's");
        assert!(!user.join("new.jpg").exists());
        assert_eq!(std::fs::read(moved.join("new.jpg")).unwrap(), b"made");
        // Reported under the folder's own name.
        let made = held.path().join("new.jpg");
        assert_eq!(held.real_path(&made), job.join("new.jpg"));
        assert_eq!(held.real_path(held.path()), job);
        assert_eq!(
            held.real_path(Path::new("/elsewhere")),
            Path::new("/elsewhere")
        );
        assert_eq!(
            held.real_text(&format!("{}: full", made.display())),
            format!("{}: full", job.join("new.jpg").display())
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_or_a_file_is_not_held() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(tmp.path(), &link).unwrap();
        assert!(CheckedDir::open(&link).is_err());
        let file = tmp.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(CheckedDir::open(&file).is_err());
    }
}
