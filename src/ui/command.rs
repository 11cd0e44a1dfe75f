//! Everything the user (or a native dialog) can ask of the window, as data.
//! Drawing functions (`*_ui`) and dialog threads only send a [`Command`];
//! `App::handle` is the one place that applies them, so what a click does
//! is read in one match and can be tested without drawing.

use std::path::PathBuf;

use crossbeam_channel::{unbounded, Receiver, Sender};
use vidprism_engine::presets::Preset;

use crate::ui::state::queue_model::RowId;

/// One thing to do to the window's state or its systems.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Something about one queue row.
    Row(RowCommand),
    /// Queues files; folders are searched for videos.
    AddPaths(Vec<PathBuf>),
    /// Opens the "Add videos" dialog; its files come back as `AddPaths`.
    OpenAddDialog,
    /// Opens the output folder dialog; its folder comes back as `SetOutputDir`.
    PickOutputFolder,
    SetOutputDir(PathBuf),
    /// Shows a folder in the file manager, creating it first (the output
    /// folder may not exist before the first job).
    ShowFolder(PathBuf),
    /// The presets chosen for videos being added, in the list's order.
    SetPresets(Vec<String>),
    /// Other presets for a row still waiting (not given to the engine).
    RowPresets {
        row: RowId,
        presets: Vec<String>,
    },
    SetTranscodeJobs(usize),
    /// No new job starts while paused; running jobs finish.
    SetPaused(bool),
    /// Removes every ended row from the queue and the store.
    ClearFinished,
    /// Removes the selected row if it ended (the Delete key); a row still
    /// waiting or running stays.
    RemoveSelectedEnded,
    DismissNotice,
    Presets(PresetCommand),
    Farm(FarmCommand),
    Watch(WatchCommand),
    /// Something about the compare view (issue 25).
    Compare(crate::ui::compare::CompareCommand),
    /// The platform (or Ctrl+Q) asked to close the window.
    CloseRequested,
    /// Escape or Ctrl+W: closes the dialog or window on top (the delete
    /// question, Presets, Watch folders, Farm, then the row's details);
    /// with `or_window` (Ctrl+W), the main window when none is open.
    CloseTop {
        or_window: bool,
    },
    /// The answer to "Quit VidPrism?".
    Quit(QuitAnswer),
    /// No native file chooser opened (no portal, no zenity): ask for the
    /// path in the window instead.
    AskPath(PathPurpose),
    /// The path typed in its place (`None`: cancelled).
    PathTyped(Option<PathBuf>),
}

/// What a file chooser was opened for, and so what its path is used for.
#[derive(Clone, Debug, PartialEq)]
pub enum PathPurpose {
    AddVideos,
    OutputFolder,
    WatchFolder,
    /// The output folder of the watch folder.
    WatchOutput(PathBuf),
    ImportPreset,
    ExportPreset(Preset),
}

impl PathPurpose {
    /// What the window asks for, e.g. "Add videos".
    pub fn title(&self) -> &'static str {
        match self {
            PathPurpose::AddVideos => "Add videos",
            PathPurpose::OutputFolder => "Output folder",
            PathPurpose::WatchFolder => "Watch a folder",
            PathPurpose::WatchOutput(_) => "Output folder of a watch folder",
            PathPurpose::ImportPreset => "Import preset",
            PathPurpose::ExportPreset(_) => "Export preset",
        }
    }

    /// The command the chooser would have answered with `path`.
    pub fn answer(self, path: PathBuf) -> Command {
        match self {
            PathPurpose::AddVideos => Command::AddPaths(vec![path]),
            PathPurpose::OutputFolder => Command::SetOutputDir(path),
            PathPurpose::WatchFolder => WatchCommand::Add(path).into(),
            PathPurpose::WatchOutput(folder) => WatchCommand::SetOutput(folder, Some(path)).into(),
            PathPurpose::ImportPreset => PresetCommand::ImportFrom(path).into(),
            PathPurpose::ExportPreset(preset) => PresetCommand::ExportTo(path, preset).into(),
        }
    }
}

/// What a click asks of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowCommand {
    /// Shows the row's details, or closes them when it is already selected.
    Select(RowId),
    Cancel(RowId),
    Retry(RowId),
    Remove(RowId),
    /// Shows the row's outputs in the file manager.
    OpenFolder(RowId),
    /// The row's thumbnail is hovered: load its storyboard for the scrub.
    LoadStoryboard(RowId),
    /// Opens the compare view on the row's rendition (its index in the
    /// row's list).
    Compare(RowId, usize),
    /// Encodes a few seconds of a waiting row with its presets and opens
    /// the compare view on them.
    Preview(RowId),
    /// Opens the row's player page (`index.html`) in the browser.
    OpenInBrowser(RowId),
    MoveUp(RowId),
    MoveDown(RowId),
    MoveToTop(RowId),
    /// A waiting row dragged onto another row takes that row's place.
    MoveOnto {
        row: RowId,
        target: RowId,
    },
}

/// What the "Presets" window asks of the preset editor.
#[derive(Clone, Debug, PartialEq)]
pub enum PresetCommand {
    Open,
    Close,
    Create,
    Duplicate(Preset),
    Edit(Preset),
    /// Shows a built-in preset in the form, read-only.
    View(Preset),
    /// Asks before deleting a user preset's file, naming the watch
    /// folders that use it.
    AskDelete(PathBuf),
    /// Removes a user preset's file (also an invalid one), once confirmed;
    /// the watch folders that used it stop.
    Delete(PathBuf),
    /// "Keep" in the delete question.
    CancelDelete,
    /// Opens the import dialog; its file comes back as `ImportFrom`.
    Import,
    ImportFrom(PathBuf),
    /// Opens the export dialog; its file comes back as `ExportTo`.
    Export(Preset),
    ExportTo(PathBuf, Preset),
    Save,
    Discard,
}

/// What the "Farm" window asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FarmCommand {
    /// Opens the window with the current farm settings as the draft.
    Open,
    /// Connects to the farm the draft describes.
    Connect,
    /// New jobs run on this computer.
    UseThisComputer,
    Close,
}

/// What the "Watch folders" window asks. Folders are named by their path
/// as in the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchCommand {
    Open,
    Close,
    /// Opens the folder dialog; its folder comes back as `Add`.
    PickFolder,
    /// Watches a folder (on) with the presets and output folder chosen in
    /// the top bar now.
    Add(PathBuf),
    Remove(PathBuf),
    SetEnabled(PathBuf, bool),
    SetRecursive(PathBuf, bool),
    /// The folder's presets, in the list's order.
    SetPresets(PathBuf, Vec<String>),
    /// Opens the folder dialog for the folder's outputs; the answer comes
    /// back as `SetOutput`.
    PickOutput(PathBuf),
    /// The folder's output folder (`None`: the window's).
    SetOutput(PathBuf, Option<PathBuf>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuitAnswer {
    Quit,
    KeepWorking,
}

impl From<RowCommand> for Command {
    fn from(c: RowCommand) -> Command {
        Command::Row(c)
    }
}

impl From<PresetCommand> for Command {
    fn from(c: PresetCommand) -> Command {
        Command::Presets(c)
    }
}

impl From<FarmCommand> for Command {
    fn from(c: FarmCommand) -> Command {
        Command::Farm(c)
    }
}

impl From<WatchCommand> for Command {
    fn from(c: WatchCommand) -> Command {
        Command::Watch(c)
    }
}

/// Where drawing code and dialog threads send commands; cheap to clone.
#[derive(Clone)]
pub struct CommandSender(Sender<Command>);

impl CommandSender {
    pub fn send(&self, command: impl Into<Command>) {
        // The receiver lives as long as the app; a send after it is gone
        // has nobody left to act on it.
        let _ = self.0.send(command.into());
    }
}

/// The app's end: commands waiting to be handled.
pub struct CommandReceiver(Receiver<Command>);

impl CommandReceiver {
    pub fn try_next(&self) -> Option<Command> {
        self.0.try_recv().ok()
    }
}

pub fn command_channel() -> (CommandSender, CommandReceiver) {
    let (tx, rx) = unbounded();
    (CommandSender(tx), CommandReceiver(rx))
}
