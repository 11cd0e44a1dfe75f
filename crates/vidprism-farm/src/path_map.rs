//! Shared-folder farms: the same disk can be mounted at different paths on
//! the submitter and on each worker. A worker's `--path-map FROM=TO` says
//! that the submitter's `FROM` is its `TO`.

use std::path::{Path, PathBuf};

/// A `--path-map` value that is not `FROM=TO`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("--path-map {0:?}: expected SUBMITTER_PATH=WORKER_PATH")]
pub struct NotAPathPair(pub String);

/// Prefix pairs (submitter's, worker's); the first that matches is used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathMap(Vec<(PathBuf, PathBuf)>);

impl PathMap {
    /// Parses `FROM=TO` pairs; the error names the first bad one.
    pub fn parse(pairs: &[String]) -> Result<PathMap, NotAPathPair> {
        pairs
            .iter()
            .map(|pair| match pair.split_once('=') {
                Some((from, to)) if !from.is_empty() && !to.is_empty() => {
                    Ok((PathBuf::from(from), PathBuf::from(to)))
                }
                _ => Err(NotAPathPair(pair.clone())),
            })
            .collect::<Result<_, _>>()
            .map(PathMap)
    }

    /// This machine's side of every pair: folders a worker may use.
    pub fn targets(&self) -> impl Iterator<Item = &PathBuf> {
        self.0.iter().map(|(_, worker)| worker)
    }

    /// The worker's path for a submitter's path.
    pub fn to_worker(&self, path: &Path) -> PathBuf {
        Self::swap(path, self.0.iter().map(|(s, w)| (s, w)))
    }

    /// The submitter's path for a worker's path.
    pub fn to_submitter(&self, path: &Path) -> PathBuf {
        Self::swap(path, self.0.iter().map(|(s, w)| (w, s)))
    }

    fn swap<'a>(path: &Path, pairs: impl Iterator<Item = (&'a PathBuf, &'a PathBuf)>) -> PathBuf {
        for (from, to) in pairs {
            if let Ok(rest) = path.strip_prefix(from) {
                return to.join(rest);
            }
        }
        path.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_both_ways_and_unmapped_ones_stay() {
        let map = PathMap::parse(&["/Volumes/media=/mnt/media".into()]).unwrap();
        let worker = map.to_worker(Path::new("/Volumes/media/in/a.mp4"));
        assert_eq!(worker, Path::new("/mnt/media/in/a.mp4"));
        assert_eq!(
            map.to_submitter(&worker),
            Path::new("/Volumes/media/in/a.mp4")
        );
        assert_eq!(
            map.to_worker(Path::new("/home/a.mp4")),
            Path::new("/home/a.mp4")
        );
        // A prefix matches whole components only.
        assert_eq!(
            map.to_worker(Path::new("/Volumes/media2/a.mp4")),
            Path::new("/Volumes/media2/a.mp4")
        );
    }

    #[test]
    fn a_pair_without_equals_is_refused() {
        let refused = PathMap::parse(&["/a:/b".into()]).unwrap_err();
        assert_eq!(refused, NotAPathPair("/a:/b".into()));
        assert_eq!(
            refused.to_string(),
            "--path-map \"/a:/b\": expected SUBMITTER_PATH=WORKER_PATH"
        );
    }
}
