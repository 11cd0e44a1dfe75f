//! Remembered settings: the output folder, the chosen presets and how many
//! jobs transcode at once, kept as JSON in the config dir.
//!
//! Loading never fails: a missing, unreadable or broken file gives the
//! defaults (a broken file must not stop the app from opening). Saving
//! writes a temporary file next to the real one and renames it, so a crash
//! mid-write never leaves a half-written settings file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Most jobs transcoding at once the settings accept: the engine's limit.
pub use vidprism_engine::pipeline::MAX_TRANSCODE_JOBS;
use vidprism_engine::presets::DEFAULT_PRESET;
use vidprism_farm::FarmConnection;

/// What the window remembers between runs. Unknown fields are ignored and
/// missing ones take their defaults, so older and newer files both load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where outputs go; `None` means the default output folder.
    pub output_dir: Option<PathBuf>,
    /// Names of the presets applied to videos being added.
    pub presets: Vec<String>,
    /// Jobs transcoding at once.
    pub transcode_jobs: usize,
    /// Running jobs on a farm instead of this computer.
    pub farm: FarmSettings,
    /// Folders whose new videos are queued once whole (issue 16); older
    /// files without the field load with none.
    pub watch_folders: Vec<WatchFolder>,
}

/// One watch folder of the window: its videos, once whole, are queued with
/// `presets` into `output_dir`, each once across restarts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WatchFolder {
    pub folder: PathBuf,
    /// Names of the presets its videos get.
    pub presets: Vec<String>,
    /// Where its outputs go; `None` means the window's output folder.
    pub output_dir: Option<PathBuf>,
    /// Watched while the window runs (off: remembered, not watched).
    pub enabled: bool,
    /// Its subfolders are watched too.
    pub recursive: bool,
}

impl Default for WatchFolder {
    fn default() -> Self {
        WatchFolder {
            folder: PathBuf::new(),
            presets: vec![DEFAULT_PRESET.to_owned()],
            output_dir: None,
            enabled: true,
            recursive: false,
        }
    }
}

/// The window's farm: whether it is used, how to reach it, and whether the
/// workers share this computer's disk. Credentials can also come from a
/// creds file named here, which keeps secrets out of this file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FarmSettings {
    pub enabled: bool,
    pub connection: FarmConnection,
    pub shared_folders: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            output_dir: None,
            presets: vec![DEFAULT_PRESET.to_owned()],
            transcode_jobs: 1,
            farm: FarmSettings::default(),
            watch_folders: Vec::new(),
        }
    }
}

impl Settings {
    /// `<config dir>/settings.json` (`$VIDPRISM_CONFIG_DIR` moves it, as it
    /// moves the presets), or `None` when the system has no home.
    pub fn default_path() -> Option<PathBuf> {
        vidprism_engine::app_dirs::settings_path()
    }

    /// Reads `path`; the defaults when it is missing or broken.
    pub fn load_from(path: &Path) -> Settings {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Settings::default();
        };
        serde_json::from_str::<Settings>(&text)
            .map(Settings::sanitized)
            .unwrap_or_default()
    }

    /// Writes `path` atomically (temporary file in the same folder, then
    /// rename), creating the folder when needed.
    pub fn save_to(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "settings.json".into());
        let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            // The settings may hold the farm's password: only the user reads them.
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            // A temporary file a crash left under this name goes first.
            let _ = std::fs::remove_file(&temp);
            let mut file = options.open(&temp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&temp, path)
        })();
        if written.is_err() {
            // Leave no stray temporary file behind a failed save.
            let _ = std::fs::remove_file(&temp);
        }
        written
    }

    /// Clamps values a hand-edited file may get wrong.
    fn sanitized(mut self) -> Settings {
        self.transcode_jobs = self.transcode_jobs.clamp(1, MAX_TRANSCODE_JOBS);
        self.presets.dedup();
        if self.presets.is_empty() {
            self.presets.push(DEFAULT_PRESET.to_owned());
        }
        // One entry per folder: the first one wins.
        let mut seen = std::collections::HashSet::new();
        self.watch_folders.retain(|w| seen.insert(w.folder.clone()));
        for w in &mut self.watch_folders {
            w.presets.dedup();
            if w.presets.is_empty() {
                w.presets.push(DEFAULT_PRESET.to_owned());
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load_from(&dir.path().join("nope.json"));
        assert_eq!(s, Settings::default());
        assert_eq!(s.presets, vec!["web".to_owned()]);
    }

    #[test]
    fn broken_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(Settings::load_from(&path), Settings::default());
    }

    #[test]
    #[cfg(unix)]
    fn saved_settings_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        Settings::default().save_to(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn saved_settings_load_back_and_no_temp_file_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.json");
        let s = Settings {
            output_dir: Some(PathBuf::from("/tmp/out")),
            presets: vec!["webm".into(), "av1".into()],
            transcode_jobs: 3,
            farm: FarmSettings {
                enabled: true,
                connection: FarmConnection::new("nats://farm.local:4222"),
                shared_folders: true,
            },
            watch_folders: vec![WatchFolder {
                folder: PathBuf::from("/home/me/Incoming"),
                presets: vec!["thumbnail".into()],
                output_dir: Some(PathBuf::from("/tmp/watched")),
                enabled: false,
                recursive: true,
            }],
        };
        s.save_to(&path).unwrap();
        assert_eq!(Settings::load_from(&path), s);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("settings.json")]);
    }

    #[test]
    fn a_file_from_before_watch_folders_loads_and_watch_folders_are_one_per_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(
            &path,
            br#"{"output_dir": "/tmp/out", "presets": ["web"], "transcode_jobs": 2}"#,
        )
        .unwrap();
        let s = Settings::load_from(&path);
        assert_eq!((s.transcode_jobs, s.watch_folders.len()), (2, 0));
        std::fs::write(
            &path,
            br#"{"watch_folders": [{"folder": "/in"}, {"folder": "/in", "enabled": false},
                {"folder": "/in2", "presets": []}]}"#,
        )
        .unwrap();
        let s = Settings::load_from(&path);
        let folders: Vec<(&str, bool, Vec<String>)> = s
            .watch_folders
            .iter()
            .map(|w| (w.folder.to_str().unwrap(), w.enabled, w.presets.clone()))
            .collect();
        assert_eq!(
            folders,
            [
                ("/in", true, vec!["web".to_owned()]),
                ("/in2", true, vec!["web".to_owned()])
            ]
        );
    }

    #[test]
    fn out_of_range_values_are_clamped_and_missing_fields_defaulted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, br#"{"transcode_jobs": 999, "presets": []}"#).unwrap();
        let s = Settings::load_from(&path);
        assert_eq!(s.transcode_jobs, MAX_TRANSCODE_JOBS);
        assert_eq!(s.presets, vec!["web".to_owned()]);
        assert_eq!(s.output_dir, None);
    }
}
