//! The folders a shared-folder worker may touch. A path in a message is
//! the sender's word only: a worker reads and writes a path only when it
//! lies, with every symlink resolved, inside a folder it was started with
//! (`--shared-root`, and the targets of `--path-map`). A worker started
//! with none does not do shared-folder work at all.

use std::path::{Path, PathBuf};

use super::error::FarmError;

/// Why shared-folder work is refused on this worker.
#[derive(Debug, thiserror::Error)]
pub enum SharedPathError {
    #[error("{}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is outside this worker's shared folders", path.display())]
    Outside { path: PathBuf },
    #[error("shared-folder work, but this worker was started without shared folders (--shared-root or --path-map)")]
    NoRoots,
    #[error("shared-folder work without its job folder")]
    NoJobFolder,
    #[error("{} is not a job folder in {}", dir.display(), out_dir.display())]
    NotAJobFolder { dir: PathBuf, out_dir: PathBuf },
    #[error("{}: the job folder cannot be held open: {source}", dir.display())]
    NotHeld {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Clone, Debug, Default)]
pub struct SharedRoots(Vec<PathBuf>);

impl SharedRoots {
    /// The roots, canonicalised; an error names one that is not a folder.
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Result<SharedRoots, FarmError> {
        let mut canonical = Vec::new();
        for root in roots {
            let resolved = root.canonicalize().map_err(|e| FarmError::io(&root, e))?;
            if !resolved.is_dir() {
                return Err(FarmError::NotAFolder { path: root });
            }
            canonical.push(resolved);
        }
        Ok(SharedRoots(canonical))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `path` with every link resolved, if it exists and lies inside a
    /// root; otherwise why not.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, SharedPathError> {
        let resolved = path
            .canonicalize()
            .map_err(|source| SharedPathError::Unreadable {
                path: path.to_path_buf(),
                source,
            })?;
        if self.0.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(SharedPathError::Outside {
                path: path.to_path_buf(),
            })
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_a_root_resolve_even_through_links() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("media");
        let outside = temp.path().join("home");
        std::fs::create_dir_all(root.join("in")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
        let roots = SharedRoots::new([root.clone()]).unwrap();
        assert!(roots.resolve(&root.join("in")).is_ok());
        assert!(roots.resolve(&root.join("in/../in")).is_ok());
        assert!(roots.resolve(&root.join("escape")).is_err());
        assert!(roots.resolve(&root.join("../home")).is_err());
        assert!(roots.resolve(&outside).is_err());
        assert!(roots.resolve(&root.join("missing")).is_err());
        assert!(SharedRoots::new([root.join("missing")]).is_err());
        assert!(SharedRoots::default().is_empty());
    }
}
