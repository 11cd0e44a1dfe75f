//! The native file dialogs. Each runs on its own thread (a native dialog
//! must not freeze the event loop) and answers with a [`Command`], handled
//! like a click on the next frame; a cancelled dialog sends nothing.

use std::path::{Path, PathBuf};

use vidprism::pipeline::Waker;
use vidprism::presets::Preset;
use vidprism::sources::VIDEO_EXTENSIONS;

use super::command::{Command, CommandSender, PresetCommand, WatchCommand};

/// Opens dialogs whose answers go to the app's commands.
pub struct Dialogs {
    commands: CommandSender,
    /// Wakes the window when an answer arrives.
    wake: Waker,
    /// Tests have no desktop to show a dialog on: there the names of the
    /// dialogs asked for are kept here instead.
    pub asked: std::cell::RefCell<Vec<String>>,
}

impl Dialogs {
    pub fn new(commands: CommandSender, wake: Waker) -> Dialogs {
        Dialogs {
            commands,
            wake,
            asked: Default::default(),
        }
    }

    /// Multi-select video files; answers `AddPaths`.
    pub fn add_videos(&self) {
        self.spawn("file dialog", || {
            rfd::FileDialog::new()
                .set_title("Add videos")
                .add_filter("Videos", VIDEO_EXTENSIONS)
                .add_filter("All files", &["*"])
                .pick_files()
                .map(Command::AddPaths)
        });
    }

    /// A folder for outputs, starting at `start`; answers `SetOutputDir`.
    pub fn output_folder(&self, start: &Path) {
        let start = start.to_path_buf();
        self.spawn("folder dialog", move || {
            rfd::FileDialog::new()
                .set_title("Output folder")
                .set_directory(&start)
                .pick_folder()
                .map(Command::SetOutputDir)
        });
    }

    /// A folder to watch; answers `WatchCommand::Add`.
    pub fn watch_folder(&self) {
        self.spawn("watch folder dialog", || {
            rfd::FileDialog::new()
                .set_title("Watch a folder")
                .pick_folder()
                .map(|dir| WatchCommand::Add(dir).into())
        });
    }

    /// The output folder of the watch folder `folder`, starting at `start`;
    /// answers `WatchCommand::SetOutput`.
    pub fn watch_output_folder(&self, folder: PathBuf, start: &Path) {
        let start = start.to_path_buf();
        self.spawn("watch output dialog", move || {
            rfd::FileDialog::new()
                .set_title("Output folder of a watch folder")
                .set_directory(&start)
                .pick_folder()
                .map(|out| WatchCommand::SetOutput(folder, Some(out)).into())
        });
    }

    /// A preset file to import; answers `ImportFrom`.
    pub fn import_preset(&self) {
        self.spawn("preset import dialog", || {
            rfd::FileDialog::new()
                .set_title("Import preset")
                .add_filter("VidPrism preset", &["toml"])
                .pick_file()
                .map(|file| PresetCommand::ImportFrom(file).into())
        });
    }

    /// Where to write `preset`; answers `ExportTo`.
    pub fn export_preset(&self, preset: Preset) {
        self.spawn("preset export dialog", move || {
            rfd::FileDialog::new()
                .set_title("Export preset")
                .set_file_name(format!("{}.toml", preset.name))
                .add_filter("VidPrism preset", &["toml"])
                .save_file()
                .map(|file| PresetCommand::ExportTo(file, preset).into())
        });
    }

    /// Runs `dialog` on a thread named `name`; sends what it answers and
    /// wakes the window. Unit tests only record `name` in `asked`.
    fn spawn(&self, name: &str, dialog: impl FnOnce() -> Option<Command> + Send + 'static) {
        if cfg!(test) {
            self.asked.borrow_mut().push(name.into());
            return;
        }
        let commands = self.commands.clone();
        let wake = self.wake.clone();
        // A thread that cannot start means no dialog; nothing else changes.
        let _ = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                if let Some(command) = dialog() {
                    commands.send(command);
                    wake();
                }
            });
    }
}
