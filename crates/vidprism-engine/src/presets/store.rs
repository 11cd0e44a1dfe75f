//! User presets on disk: one TOML file per preset in
//! `<config dir>/presets/`. Loading tolerates broken files (they come back
//! as invalid, with their problems); writing is atomic (temporary file,
//! fsync, rename), so a crash never leaves half a preset.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::builtin::{builtin_presets, is_builtin};
use super::error::PresetError;
use super::model::Preset;
use super::toml_file::{parse, to_toml};
use super::validate::{validate, Problem};

pub use crate::app_dirs::CONFIG_DIR_ENV;

/// A user preset file as found on disk.
#[derive(Clone, Debug, PartialEq)]
pub enum UserPreset {
    Valid {
        path: PathBuf,
        preset: Preset,
    },
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl UserPreset {
    pub fn path(&self) -> &Path {
        match self {
            UserPreset::Valid { path, .. } | UserPreset::Invalid { path, .. } => path,
        }
    }

    pub fn preset(&self) -> Option<&Preset> {
        match self {
            UserPreset::Valid { preset, .. } => Some(preset),
            UserPreset::Invalid { .. } => None,
        }
    }
}

/// The folder of user preset files.
#[derive(Clone, Debug)]
pub struct PresetStore {
    dir: PathBuf,
}

impl PresetStore {
    pub fn new(dir: impl Into<PathBuf>) -> PresetStore {
        PresetStore { dir: dir.into() }
    }

    /// `$VIDPRISM_CONFIG_DIR/presets`, else the platform's config dir's
    /// `presets` folder; `None` when the system has no home.
    pub fn default_dir() -> Option<PathBuf> {
        crate::app_dirs::presets_dir()
    }

    pub fn open_default() -> Option<PresetStore> {
        PresetStore::default_dir().map(PresetStore::new)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the preset named `name` is stored.
    pub fn path_for(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.toml"))
    }

    /// Every `*.toml` file of the folder, by file name. A missing folder
    /// holds no presets.
    pub fn load(&self) -> Vec<UserPreset> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|e| e == "toml")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        let mut loaded: Vec<UserPreset> = Vec::new();
        for path in paths {
            let entry = match read_preset(&path) {
                Ok(preset) => {
                    let taken = loaded
                        .iter()
                        .filter_map(UserPreset::preset)
                        .any(|p| p.name == preset.name);
                    if taken || is_builtin(&preset.name) {
                        let why = if taken {
                            format!("another preset file already defines {:?}", preset.name)
                        } else {
                            format!("{:?} is the name of a built-in preset", preset.name)
                        };
                        UserPreset::Invalid {
                            path,
                            problems: vec![Problem::new(None, "name", why)],
                        }
                    } else {
                        UserPreset::Valid { path, preset }
                    }
                }
                Err(PresetError::Invalid { path, problems }) => {
                    UserPreset::Invalid { path, problems }
                }
                Err(e) => UserPreset::Invalid {
                    path: path.clone(),
                    problems: vec![Problem::new(None, "file", e.to_string())],
                },
            };
            loaded.push(entry);
        }
        loaded
    }

    /// The valid user presets.
    pub fn valid(&self) -> Vec<Preset> {
        self.load()
            .into_iter()
            .filter_map(|u| u.preset().cloned())
            .collect()
    }

    /// Validates and writes `preset` as `<name>.toml`, replacing the file of
    /// that name. `previous`, when the preset was renamed, is removed after.
    pub fn save(&self, preset: &Preset, previous: Option<&str>) -> Result<PathBuf, PresetError> {
        let path = self.path_for(&preset.name);
        check_user_preset(preset, &path)?;
        fs::create_dir_all(&self.dir).map_err(|e| PresetError::Write {
            path: self.dir.clone(),
            reason: e.into(),
        })?;
        write_atomic(&path, &to_toml(preset))?;
        if let Some(old) = previous.filter(|old| *old != preset.name) {
            self.delete(old)?;
        }
        Ok(path)
    }

    pub fn delete(&self, name: &str) -> Result<(), PresetError> {
        let path = self.path_for(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(PresetError::NotFound { path })
            }
            Err(e) => Err(PresetError::Write {
                reason: e.into(),
                path,
            }),
        }
    }

    /// Reads a preset file from anywhere and stores it here.
    pub fn import(&self, file: &Path) -> Result<Preset, PresetError> {
        let preset = read_preset(file)?;
        self.save(&preset, None)?;
        Ok(preset)
    }
}

/// Refuses invalid presets and the names of built-ins (which are read-only).
fn check_user_preset(preset: &Preset, path: &Path) -> Result<(), PresetError> {
    let mut problems = validate(preset);
    if is_builtin(&preset.name) {
        problems.push(Problem::new(
            None,
            "name",
            format!(
                "{:?} is a built-in preset, which cannot be changed; give the copy another name",
                preset.name
            ),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PresetError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// Reads and validates one preset file (what `presets --check` does).
pub fn read_preset(path: &Path) -> Result<Preset, PresetError> {
    let text = fs::read_to_string(path).map_err(|e| PresetError::Read {
        path: path.to_path_buf(),
        reason: e.into(),
    })?;
    parse(&text).map_err(|problems| PresetError::Invalid {
        path: path.to_path_buf(),
        problems,
    })
}

/// Writes `preset` to `path` (export), atomically.
pub fn export(preset: &Preset, path: &Path) -> Result<(), PresetError> {
    write_atomic(path, &to_toml(preset))
}

/// Writes `text` to a temporary file beside `path`, syncs it and renames it
/// into place.
fn write_atomic(path: &Path, text: &str) -> Result<(), PresetError> {
    let err = |e: std::io::Error| PresetError::Write {
        path: path.to_path_buf(),
        reason: e.into(),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // Make the rename itself durable; not every platform can open dirs.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written.map_err(err)
}

/// Built-ins first, then the valid user presets of `store`.
pub fn all_presets(store: Option<&PresetStore>) -> Vec<Preset> {
    let mut presets = builtin_presets();
    if let Some(store) = store {
        presets.extend(store.valid());
    }
    presets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::find_preset;

    fn copy_of(builtin: &str, name: &str) -> Preset {
        let mut p = find_preset(builtin).expect("built in");
        p.name = name.to_owned();
        p
    }

    #[test]
    fn save_load_rename_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = PresetStore::new(dir.path().join("presets"));
        assert!(store.load().is_empty());
        let p = copy_of("webm", "mine");
        let path = store.save(&p, None).unwrap();
        assert!(path.ends_with("mine.toml"));
        assert_eq!(store.valid(), vec![p.clone()]);
        let renamed = copy_of("webm", "ours");
        store.save(&renamed, Some("mine")).unwrap();
        assert_eq!(store.valid(), vec![renamed]);
        assert!(!path.exists());
        store.delete("ours").unwrap();
        assert!(store.load().is_empty());
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(store.dir()).unwrap().count(), 0);
    }

    #[test]
    fn builtin_names_and_invalid_presets_are_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = PresetStore::new(dir.path());
        let err = store.save(&copy_of("web", "web"), None).unwrap_err();
        assert!(err.to_string().contains("built-in"), "{err}");
        let mut bad = copy_of("web", "bad");
        bad.renditions[0].size = super::super::SizeSpec::ShortSide(0);
        let err = store.save(&bad, None).unwrap_err();
        assert!(err.to_string().contains("bad.toml"), "{err}");
        assert!(store.load().is_empty());
    }

    #[test]
    fn broken_file_sits_beside_good_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = PresetStore::new(dir.path());
        store.save(&copy_of("web", "a"), None).unwrap();
        fs::write(
            dir.path().join("b.toml"),
            "name = \"b\"\n[[renditions]]\nname = 3\n",
        )
        .unwrap();
        fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let loaded = store.load();
        assert_eq!(loaded.len(), 2);
        assert!(loaded[0].preset().is_some());
        match &loaded[1] {
            UserPreset::Invalid { path, problems } => {
                assert!(path.ends_with("b.toml"));
                assert_eq!(problems[0].line, Some(3));
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        assert_eq!(all_presets(Some(&store)).len(), builtin_presets().len() + 1);
    }
}
