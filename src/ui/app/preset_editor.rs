//! What the "Presets" window asks of the app (create, duplicate, save,
//! rename, delete, import, export), and the app's preset list following
//! the user presets.

use crate::ui::app::App;
use crate::ui::command::PresetCommand;
use crate::ui::state::preset_editor::DeleteQuestion;
use vidprism_engine::presets::builtin_presets;

impl App {
    /// Applies what the "Presets" window (or one of its dialogs) asked;
    /// the window's preset list and choices follow the user presets.
    pub(in crate::ui) fn handle_presets(&mut self, command: PresetCommand) {
        let editor = &mut self.view.preset_editor;
        let mut renamed = None;
        let outcome = match command {
            PresetCommand::Open => {
                editor.open = true;
                return;
            }
            PresetCommand::Close => {
                editor.open = false;
                return;
            }
            PresetCommand::Create => {
                editor.create();
                Ok(())
            }
            PresetCommand::Duplicate(p) => {
                editor.duplicate(&p);
                Ok(())
            }
            PresetCommand::Edit(p) => {
                editor.edit(&p);
                Ok(())
            }
            PresetCommand::View(p) => {
                editor.view(&p);
                Ok(())
            }
            PresetCommand::AskDelete(path) => {
                let name = editor.name_at(&path);
                let folders = self
                    .systems
                    .settings
                    .watch_folders
                    .iter()
                    .filter(|w| name.as_ref().is_some_and(|n| w.presets.contains(n)))
                    .map(|w| w.folder.clone())
                    .collect();
                editor.delete_question = Some(DeleteQuestion {
                    path,
                    name,
                    folders,
                });
                return;
            }
            PresetCommand::CancelDelete => {
                editor.delete_question = None;
                return;
            }
            PresetCommand::Delete(path) => {
                editor.delete_question = None;
                let name = editor.name_at(&path);
                let outcome = editor.delete(&path);
                if let (Ok(()), Some(name)) = (&outcome, name) {
                    self.stop_watches_using(&name);
                }
                outcome
            }
            PresetCommand::Import => {
                self.systems.dialogs.import_preset();
                Ok(())
            }
            PresetCommand::ImportFrom(file) => editor.import(&file).map(|_| ()),
            PresetCommand::Export(p) => {
                self.systems.dialogs.export_preset(p);
                Ok(())
            }
            PresetCommand::ExportTo(file, preset) => editor.export(&preset, &file),
            PresetCommand::Discard => {
                editor.draft = None;
                Ok(())
            }
            PresetCommand::Save => editor.save().map(|(old, new)| {
                renamed = old.map(|old| (old, new));
            }),
        };
        if let Err(e) = outcome {
            self.view.preset_editor.status = Some(e);
        }
        refresh_app_presets(self, renamed);
    }
}

impl App {
    /// A deleted preset's watch folders stop (and say why in the watch
    /// folders' list and the window's notice) rather than go on with a
    /// preset that no longer exists; their other presets are kept.
    fn stop_watches_using(&mut self, name: &str) {
        let mut stopped = Vec::new();
        for w in &mut self.systems.settings.watch_folders {
            if w.presets.iter().any(|p| p == name) {
                w.presets.retain(|p| p != name);
                w.enabled = false;
                stopped.push(w.folder.clone());
            }
        }
        if stopped.is_empty() {
            return;
        }
        let why = format!("stopped: its preset {name:?} was deleted");
        for folder in &stopped {
            self.systems
                .watches
                .errors
                .insert(folder.clone(), why.clone());
        }
        let list: Vec<String> = stopped.iter().map(|f| f.display().to_string()).collect();
        self.view.notice = Some(format!(
            "Watch folder(s) {} stopped: their preset {name:?} was deleted. Choose presets \
             in Watch folders… and turn them on again.",
            list.join(", ")
        ));
        self.systems.watches.dirty = true;
        self.systems.save_settings();
    }
}

/// After user presets changed: the window's preset list follows, and a
/// renamed or deleted preset's choice in the settings (and the watch
/// folders') follows too.
fn refresh_app_presets(app: &mut App, renamed: Option<(String, String)>) {
    app.systems.presets = app.view.preset_editor.all_presets();
    let known: Vec<String> = app.systems.presets.iter().map(|p| p.name.clone()).collect();
    let mut chosen = app.systems.settings.presets.clone();
    if let Some((old, new)) = renamed {
        for name in &mut chosen {
            if *name == old {
                *name = new.clone();
            }
        }
        let mut watched = false;
        for w in &mut app.systems.settings.watch_folders {
            for name in w.presets.iter_mut().filter(|n| **n == old) {
                *name = new.clone();
                watched = true;
            }
        }
        if watched {
            app.systems.watches.dirty = true;
            app.systems.save_settings();
        }
    }
    chosen.retain(|n| known.contains(n));
    if chosen.is_empty() {
        chosen = builtin_presets()
            .first()
            .map(|p| vec![p.name.clone()])
            .unwrap_or_default();
    }
    if chosen != app.systems.settings.presets {
        app.set_presets(chosen);
    }
}
