//! Saves settings off the UI thread: a writer thread keeps only the latest
//! settings it was given and writes them atomically; a failed write goes to
//! the log.

use std::path::PathBuf;

use crate::settings::Settings;
use crossbeam_channel::{unbounded, Sender};

pub struct SettingsStore {
    tx: Option<Sender<Settings>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SettingsStore {
    /// A store writing to `path`; `None` remembers nothing.
    pub fn new(path: Option<PathBuf>) -> SettingsStore {
        let Some(path) = path else {
            return SettingsStore {
                tx: None,
                thread: None,
            };
        };
        let (tx, rx) = unbounded::<Settings>();
        let thread = std::thread::Builder::new()
            .name("settings writer".into())
            .spawn(move || {
                while let Ok(mut latest) = rx.recv() {
                    // Several quick changes need only one write.
                    while let Ok(newer) = rx.try_recv() {
                        latest = newer;
                    }
                    if let Err(e) = latest.save_to(&path) {
                        // The window has no terminal: its log file keeps this.
                        tracing::warn!(path = %path.display(), "cannot save settings: {e}");
                    }
                }
            })
            .ok();
        SettingsStore {
            tx: thread.as_ref().map(|_| tx),
            thread,
        }
    }

    pub fn save(&self, settings: &Settings) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(settings.clone());
        }
    }
}

impl Drop for SettingsStore {
    /// Flushes the last write before the app exits.
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
