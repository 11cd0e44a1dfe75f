//! The app's part of the watch folders: the list changed by commands, and
//! each pass's whole files made rows, each job's end given back to its feed.

use crate::settings::WatchFolder;
use crate::ui::app::App;
use crate::ui::command::WatchCommand;
use crate::ui::state::queue_model::{RowId, RowStatus};
use crate::ui::systems::watch_folders::{
    restart_events, start_watch, FILES_PER_PASS, HINTS_PER_PASS, LOOK_EVERY,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vidprism_engine::pipeline::JobRequest;
use vidprism_engine::watch::{Notice, WholeFile};

impl App {
    pub(in crate::ui) fn handle_watch(&mut self, command: WatchCommand) {
        let list = &mut self.systems.settings.watch_folders;
        match command {
            WatchCommand::Open => self.systems.watches.open = true,
            WatchCommand::Close => self.systems.watches.open = false,
            WatchCommand::PickFolder => self.systems.dialogs.watch_folder(),
            WatchCommand::Add(folder) => {
                if list.iter().any(|w| w.folder == folder) {
                    return;
                }
                list.push(WatchFolder {
                    folder,
                    presets: self.systems.settings.presets.clone(),
                    output_dir: self.systems.settings.output_dir.clone(),
                    enabled: true,
                    recursive: false,
                });
            }
            WatchCommand::Remove(folder) => {
                list.retain(|w| w.folder != folder);
                self.systems.watches.errors.remove(&folder);
            }
            WatchCommand::SetEnabled(folder, on) => {
                // Why it stopped is said until the user turns it on or off.
                self.systems.watches.errors.remove(&folder);
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.enabled = on);
            }
            WatchCommand::SetRecursive(folder, on) => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.recursive = on);
            }
            WatchCommand::SetPresets(folder, names) if !names.is_empty() => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.presets = names.clone());
            }
            WatchCommand::SetPresets(..) => return,
            WatchCommand::PickOutput(folder) => {
                let start = self.watch_output_dir(&folder);
                self.systems.dialogs.watch_output_folder(folder, &start);
                return;
            }
            WatchCommand::SetOutput(folder, out) => {
                list.iter_mut()
                    .filter(|w| w.folder == folder)
                    .for_each(|w| w.output_dir = out.clone());
            }
        }
        self.systems.watches.dirty = true;
        self.systems.save_settings();
    }

    /// Where the outputs of the watch folder `folder` go.
    pub(in crate::ui) fn watch_output_dir(&self, folder: &Path) -> PathBuf {
        self.systems
            .settings
            .watch_folders
            .iter()
            .find(|w| w.folder == folder)
            .and_then(|w| w.output_dir.clone())
            .unwrap_or_else(|| self.systems.output_dir())
    }

    /// The watch folders' part of `App::logic`: starts and stops watches
    /// after a change of the list, takes the folders' news, makes rows of
    /// the files found whole. Returns how long until it wants another
    /// pass (files are settling), if it does.
    pub(in crate::ui) fn watch_pass(&mut self) -> Option<Duration> {
        if self.systems.watches.dirty {
            self.systems.watches.dirty = false;
            self.sync_watches();
        }
        let now = Instant::now();
        let watches = &mut self.systems.watches;
        let mut notices = Vec::new();
        for w in &mut watches.folders {
            if w.watch.has_events() {
                w.watch.take_hints(now, HINTS_PER_PASS);
                w.watch.check_folders(now);
            }
            for notice in w.watch.take_notices() {
                match notice {
                    // Skipped files are no news to show: the log has them.
                    Notice::Skipped { .. } => tracing::info!("watch folder: {notice}"),
                    other => notices.push(other.to_string()),
                }
            }
        }
        if now >= watches.next_look {
            watches.next_look = now + LOOK_EVERY;
            let mut whole = Vec::new();
            for (i, w) in watches.folders.iter_mut().enumerate() {
                if w.watch.has_events() {
                    whole.extend(
                        w.watch
                            .whole_files(now, FILES_PER_PASS)
                            .into_iter()
                            .map(|f| (i, f)),
                    );
                }
            }
            for (i, file) in whole {
                self.queue_watched(i, file);
            }
        }
        if !notices.is_empty() {
            let text: Vec<String> = notices
                .iter()
                .map(|n| format!("Watch folder: {n}"))
                .collect();
            tracing::warn!("{}", text.join("; "));
            self.view.notice = Some(text.join("\n"));
        }
        let watches = &self.systems.watches;
        let settling = watches
            .folders
            .iter()
            .any(|w| w.watch.has_events() && w.watch.waiting() > 0);
        settling.then_some(LOOK_EVERY)
    }

    /// Starts the watches of the folders that are on, stops those of the
    /// others (their running files still report to their feed).
    fn sync_watches(&mut self) {
        let wanted: Vec<WatchFolder> = self
            .systems
            .settings
            .watch_folders
            .iter()
            .filter(|w| w.enabled)
            .cloned()
            .collect();
        let watches = &mut self.systems.watches;
        for w in &mut watches.folders {
            if !wanted.iter().any(|f| f.folder == w.entry.folder) {
                w.watch.stop_events();
            }
        }
        for entry in wanted {
            let presets = vidprism_engine::presets::named(&self.systems.presets, &entry.presets);
            let out_dir = entry
                .output_dir
                .clone()
                .unwrap_or_else(|| self.systems.output_dir());
            let watches = &mut self.systems.watches;
            let existing = watches
                .folders
                .iter()
                .position(|w| w.entry.folder == entry.folder);
            if existing.is_some_and(|i| {
                let w = &watches.folders[i];
                w.entry == entry && w.watch.has_events()
            }) {
                continue;
            }
            // Files still running keep their feed (a new one would find
            // them again); otherwise the feed is made for this entry anew.
            let keep = existing.filter(|&i| watches.folders[i].watch.running_count() > 0);
            let result = match keep {
                Some(i) => restart_events(&mut watches.folders[i], &watches.wake),
                None => start_watch(watches, &entry, presets.clone(), out_dir.clone()).map(|w| {
                    match existing {
                        Some(i) => watches.folders[i] = w,
                        None => watches.folders.push(w),
                    }
                }),
            };
            if let Some(i) = keep {
                let w = &mut watches.folders[i];
                w.presets = presets;
                w.out_dir = out_dir;
                w.entry = entry.clone();
            }
            match result {
                Ok(()) => {
                    watches.errors.remove(&entry.folder);
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    watches.errors.insert(entry.folder.clone(), e.to_string());
                }
            }
        }
        let watches = &mut self.systems.watches;
        watches
            .folders
            .retain(|w| w.watch.has_events() || w.watch.running_count() > 0);
    }

    /// Makes a row of a whole file of folder `i`, or takes the row not
    /// ended yet that has it already (the job store restored it, queued
    /// again after a restart, and it may have started).
    fn queue_watched(&mut self, i: usize, file: WholeFile) {
        let w = &self.systems.watches.folders[i];
        let input = file.path().to_path_buf();
        // A row the job store restored for this file may have finished
        // before the file settled: it is done, and the ledger says so.
        let restored_done = self.model.rows().iter().any(|r| {
            r.status == RowStatus::Done
                && !r.from_watch
                && r.store_id.is_some()
                && r.request.input == input
        });
        if restored_done {
            (self.systems.watches.folders[i].watch).finished_elsewhere(file, true);
            return;
        }
        let restored = self
            .model
            .rows()
            .iter()
            .find(|r| !r.status.is_final() && !r.from_watch && r.request.input == input)
            .map(|r| r.id);
        let row = match restored {
            Some(row) => row,
            None => {
                let names: Vec<String> = w.presets.iter().map(|p| p.name.clone()).collect();
                let stored = self.systems.jobs.as_ref().map(|store| {
                    store
                        .lock()
                        .add(input.clone(), names, w.presets.clone(), w.out_dir.clone())
                });
                let row = self.model.add(JobRequest {
                    input,
                    presets: w.presets.clone(),
                    out_dir: w.out_dir.clone(),
                });
                match stored {
                    Some(Ok(id)) => self.model.set_store_id(row, id),
                    Some(Err(e)) => self.store_failed(e),
                    None => {}
                }
                row
            }
        };
        self.model.mark_watched(row);
        self.systems.watches.folders[i].watch.started(row, file);
    }

    /// A row's job ended (`done`: every output whole) or the row left the
    /// queue before: its watch folder's feed is told.
    pub(in crate::ui) fn watch_row_ended(&mut self, row: RowId, done: bool) {
        let watches = &mut self.systems.watches;
        for w in &mut watches.folders {
            w.watch.ended(row, done);
        }
        watches
            .folders
            .retain(|w| w.watch.has_events() || w.watch.running_count() > 0);
    }
}
