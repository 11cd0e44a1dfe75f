//! Where VidPrism keeps its files: one rule for the window, the command
//! line, watch folders and the farm.
//!
//! - config (`$VIDPRISM_CONFIG_DIR`, else the platform's config dir):
//!   `presets/` and the window's `settings.json`;
//! - data (`$VIDPRISM_DATA_DIR`, else the platform's data dir): the job
//!   store, the watch ledger and `logs/`.

use std::path::PathBuf;

/// Moves the config folder (presets, window settings).
pub const CONFIG_DIR_ENV: &str = "VIDPRISM_CONFIG_DIR";
/// Moves the data folder (job store, watch ledger, logs).
pub const DATA_DIR_ENV: &str = "VIDPRISM_DATA_DIR";
/// The watch ledger's file name inside the data dir.
pub const LEDGER_FILE: &str = "watched.jsonl";
/// The window's settings file name inside the config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// The platform's folders for VidPrism; `None` when the system has no home.
pub fn platform_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "VidPrism", "VidPrism")
}

/// `$VIDPRISM_CONFIG_DIR`, else the platform's config dir for VidPrism;
/// `None` when the system has no home.
pub fn config_dir() -> Option<PathBuf> {
    env_dir(CONFIG_DIR_ENV).or_else(|| platform_dirs().map(|d| d.config_dir().to_path_buf()))
}

/// `$VIDPRISM_DATA_DIR`, else the platform's data dir for VidPrism;
/// `None` when the system has no home.
pub fn data_dir() -> Option<PathBuf> {
    env_dir(DATA_DIR_ENV).or_else(|| platform_dirs().map(|d| d.data_dir().to_path_buf()))
}

/// The user's presets: `<config dir>/presets`.
pub fn presets_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("presets"))
}

/// The window's settings: `<config dir>/settings.json`.
pub fn settings_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join(SETTINGS_FILE))
}

/// The watch ledger beside the job store in `data_dir`.
pub fn ledger_path_in(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(LEDGER_FILE)
}

/// The watch ledger: `<data dir>/watched.jsonl`.
pub fn ledger_path() -> Option<PathBuf> {
    data_dir().map(|d| ledger_path_in(&d))
}

/// The log files' folder: `<data dir>/logs`.
pub fn log_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("logs"))
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window's settings and the presets move together: one config
    /// folder (settings.json once ignored `VIDPRISM_CONFIG_DIR`).
    #[test]
    fn settings_and_presets_share_the_config_folder() {
        let config = config_dir();
        assert_eq!(
            settings_path(),
            config.as_ref().map(|d| d.join(SETTINGS_FILE))
        );
        assert_eq!(presets_dir(), config.as_ref().map(|d| d.join("presets")));
        assert_eq!(ledger_path(), data_dir().map(|d| d.join(LEDGER_FILE)));
    }
}
