//! The native file dialogs. Each runs on its own thread (a native dialog
//! must not freeze the event loop) and answers with a [`Command`], handled
//! like a click on the next frame; a cancelled dialog sends nothing. A
//! dialog that answers nothing at once never opened (no file-chooser
//! portal and no zenity on this desktop): the window then says so and
//! asks for the path itself ([`Command::AskPath`]).

use std::path::{Path, PathBuf};

use vidprism_engine::pipeline::Waker;
use vidprism_engine::presets::Preset;
use vidprism_engine::sources::VIDEO_EXTENSIONS;

use crate::ui::command::{Command, CommandSender, PathPurpose, PresetCommand, WatchCommand};

/// Opens dialogs whose answers go to the app's commands.
pub struct Dialogs {
    commands: CommandSender,
    /// Wakes the window when an answer arrives.
    #[cfg_attr(test, allow(dead_code))]
    wake: Waker,
    /// Tests have no desktop to show a dialog on: there the names of the
    /// dialogs asked for are kept here instead.
    #[cfg(test)]
    pub asked: std::cell::RefCell<Vec<String>>,
    /// Tests: behave as a desktop without any file chooser.
    #[cfg(test)]
    pub no_chooser: bool,
}

/// A dialog that answered nothing sooner than this never showed: nobody
/// picks or cancels in a quarter of a second.
#[cfg_attr(test, allow(dead_code))]
const NEVER_OPENED: std::time::Duration = std::time::Duration::from_millis(250);

impl Dialogs {
    pub fn new(commands: CommandSender, wake: Waker) -> Dialogs {
        Dialogs {
            commands,
            wake,
            #[cfg(test)]
            asked: Default::default(),
            #[cfg(test)]
            no_chooser: false,
        }
    }

    /// Multi-select video files; answers `AddPaths`.
    pub fn add_videos(&self) {
        self.spawn("file dialog", PathPurpose::AddVideos, || {
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
        self.spawn("folder dialog", PathPurpose::OutputFolder, move || {
            rfd::FileDialog::new()
                .set_title("Output folder")
                .set_directory(&start)
                .pick_folder()
                .map(Command::SetOutputDir)
        });
    }

    /// A folder to watch; answers `WatchCommand::Add`.
    pub fn watch_folder(&self) {
        self.spawn("watch folder dialog", PathPurpose::WatchFolder, || {
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
        let purpose = PathPurpose::WatchOutput(folder.clone());
        self.spawn("watch output dialog", purpose, move || {
            rfd::FileDialog::new()
                .set_title("Output folder of a watch folder")
                .set_directory(&start)
                .pick_folder()
                .map(|out| WatchCommand::SetOutput(folder, Some(out)).into())
        });
    }

    /// A preset file to import; answers `ImportFrom`.
    pub fn import_preset(&self) {
        self.spawn("preset import dialog", PathPurpose::ImportPreset, || {
            rfd::FileDialog::new()
                .set_title("Import preset")
                .add_filter("VidPrism preset", &["toml"])
                .pick_file()
                .map(|file| PresetCommand::ImportFrom(file).into())
        });
    }

    /// Where to write `preset`; answers `ExportTo`.
    pub fn export_preset(&self, preset: Preset) {
        let purpose = PathPurpose::ExportPreset(preset.clone());
        self.spawn("preset export dialog", purpose, move || {
            rfd::FileDialog::new()
                .set_title("Export preset")
                .set_file_name(format!("{}.toml", preset.name))
                .add_filter("VidPrism preset", &["toml"])
                .save_file()
                .map(|file| PresetCommand::ExportTo(file, preset).into())
        });
    }

    /// Runs `dialog` on a thread named `name`; sends what it answers and
    /// wakes the window, or asks for the path in the window when no dialog
    /// showed. Unit tests only record `name` in `asked`.
    fn spawn(
        &self,
        name: &str,
        purpose: PathPurpose,
        dialog: impl FnOnce() -> Option<Command> + Send + 'static,
    ) {
        #[cfg(test)]
        {
            self.asked.borrow_mut().push(name.into());
            if self.no_chooser {
                self.commands.send(Command::AskPath(purpose));
            }
            let _ = dialog;
        }
        #[cfg(not(test))]
        {
            let commands = self.commands.clone();
            let wake = self.wake.clone();
            let what = name.to_owned();
            let asked = purpose.clone();
            let thread = std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    let start = std::time::Instant::now();
                    match dialog() {
                        Some(command) => commands.send(command),
                        None if start.elapsed() < NEVER_OPENED => {
                            tracing::warn!(
                                "the {what} did not open (no file-chooser portal or zenity?); \
                                 asking for the path in the window"
                            );
                            commands.send(Command::AskPath(asked));
                        }
                        None => return,
                    }
                    wake();
                });
            if let Err(e) = thread {
                tracing::warn!("cannot open the {name}: {e}");
                self.commands.send(Command::AskPath(purpose));
            }
        }
    }
}
