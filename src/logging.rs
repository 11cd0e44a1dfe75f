//! Logging for the binary: the engine logs with `tracing` macros; this module
//! installs where those lines go.
//!
//! - Command line (`process`, `presets`): stderr only, never stdout (so
//!   `process --json` keeps stdout for events). Level from `-v` (info),
//!   `-vv` (debug), `-vvv` (trace), else `RUST_LOG`, else warnings. Without
//!   either, job and rendition failures stay off stderr: `process` already
//!   prints them as its own lines.
//! - Window: a daily log file in `<data dir>/logs/` (the last
//!   [`KEEP_LOG_FILES`] are kept) at info level (`RUST_LOG` overrides); on
//!   stderr only when asked with `-v` or `RUST_LOG`.

use std::io::IsTerminal;
use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// How many daily log files stay in the log folder.
pub const KEEP_LOG_FILES: usize = 7;
/// Log file names: `vidprism.YYYY-MM-DD.log`.
const LOG_PREFIX: &str = "vidprism";
const LOG_SUFFIX: &str = "log";

/// `<data dir>/logs` (`$VIDPRISM_DATA_DIR/logs` when set); `None` when the
/// system has no home.
pub fn log_dir() -> Option<PathBuf> {
    vidprism_engine::app_dirs::log_dir()
}

/// Keeps the log file writer alive; dropping it flushes the file.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// The stderr filter: `-v` counts win, then `RUST_LOG`, then `default`.
fn stderr_filter(verbose: u8, default: &str) -> EnvFilter {
    let directive = match verbose {
        0 => None,
        1 => Some("warn,vidprism=info"),
        2 => Some("info,vidprism=debug"),
        _ => Some("debug,vidprism=trace"),
    };
    match directive {
        Some(d) => EnvFilter::new(d),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
    }
}

/// Logging for the command line: stderr only.
pub fn init_cli(verbose: u8) -> LogGuard {
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(stderr_filter(
            verbose,
            "warn,vidprism_engine::pipeline=error",
        ));
    // `try_init`: a second subscriber (tests) is not an error worth dying for.
    let _ = tracing_subscriber::registry().with(stderr).try_init();
    LogGuard { _file: None }
}

/// Logging for the window: the daily file in [`log_dir`], and stderr when
/// asked. Without a usable log folder it says so on stderr.
pub fn init_window(verbose: u8) -> LogGuard {
    let asked = verbose > 0 || std::env::var_os("RUST_LOG").is_some();
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(stderr_filter(verbose, if asked { "warn" } else { "off" }));
    let (file_layer, guard, problem) = match open_log_file() {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let filter = EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,wgpu_core=warn,wgpu_hal=warn,naga=warn"));
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_thread_names(true)
                .with_filter(filter);
            (Some(layer), Some(guard), None)
        }
        Err(problem) => (None, None, Some(problem)),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    match problem {
        Some(problem) => eprintln!("vidprism: no log file: {problem}"),
        None => tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            dir = %log_dir().unwrap_or_default().display(),
            "VidPrism window starting"
        ),
    }
    log_panics();
    LogGuard { _file: guard }
}

/// Why the window has no log file (said on stderr, after "no log file: ").
#[derive(Debug, thiserror::Error)]
enum LogFileError {
    #[error("the system has no home folder")]
    NoHome,
    #[error("cannot create {}: {source}", dir.display())]
    Folder {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open a log file in {}: {source}", dir.display())]
    Open {
        dir: PathBuf,
        #[source]
        source: tracing_appender::rolling::InitError,
    },
}

fn open_log_file() -> Result<RollingFileAppender, LogFileError> {
    let dir = log_dir().ok_or(LogFileError::NoHome)?;
    open_log_file_in(&dir)
}

/// Today's log file in `dir`, the oldest removed so that [`KEEP_LOG_FILES`]
/// remain with it.
fn open_log_file_in(dir: &std::path::Path) -> Result<RollingFileAppender, LogFileError> {
    std::fs::create_dir_all(dir).map_err(|source| LogFileError::Folder {
        dir: dir.to_path_buf(),
        source,
    })?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(KEEP_LOG_FILES)
        .build(dir)
        .map_err(|source| LogFileError::Open {
            dir: dir.to_path_buf(),
            source,
        })
}

/// Panics land in the log too (then the default hook prints them as usual).
fn log_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        tracing::error!(thread = thread.name().unwrap_or("unnamed"), "panic: {info}");
        default_hook(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_keeps_the_last_seven_days_of_logs_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Ten older days, oldest made first; and files that are not logs.
        let old: Vec<String> = (1..=10)
            .map(|day| format!("{LOG_PREFIX}.2026-01-{day:02}.{LOG_SUFFIX}"))
            .collect();
        for name in &old {
            std::fs::write(dir.path().join(name), "old\n").expect("old log");
            std::thread::sleep(std::time::Duration::from_millis(15));
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("a user file");
        let _appender = open_log_file_in(dir.path()).expect("log file opens");
        let mut logs: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(LOG_SUFFIX))
            .collect();
        logs.sort();
        assert_eq!(logs.len(), KEEP_LOG_FILES, "{logs:?}");
        // The six newest old days stay beside today's.
        for name in &old[old.len() - (KEEP_LOG_FILES - 1)..] {
            assert!(logs.contains(name), "{name} removed: {logs:?}");
        }
        assert!(dir.path().join("notes.txt").is_file());
    }
}
