//! What the window shows that is not the queue itself: the selected row,
//! uploaded thumbnails, a notice, and the state of its forms and prompts.
//! Changed only by `App::handle` (and the forms' own fields while typing).

use std::collections::HashMap;

use eframe::egui;

use crate::ui::command::PathPurpose;
use crate::ui::state::forms::FarmForm;
use crate::ui::state::forms::QuitPrompt;
use crate::ui::state::preset_editor::PresetEditor;
use crate::ui::state::queue_model::RowId;
use crate::ui::state::scrub::ScrubTextures;

/// A thumbnail uploaded to the GPU, asked of the loader, or why there is none.
pub enum ThumbnailTexture {
    Loading,
    Ready(egui::TextureHandle),
    Failed(String),
}

pub struct ViewState {
    /// The row whose details are shown.
    pub selected: Option<RowId>,
    /// Row-sized thumbnails of the rows in view and a few around them;
    /// the others are released and loaded again when scrolled back.
    pub textures: HashMap<RowId, ThumbnailTexture>,
    /// The selected row's larger preview.
    pub preview: Option<(RowId, ThumbnailTexture)>,
    /// The storyboards of the rows last hovered, for the scrub.
    pub scrubs: ScrubTextures,
    /// The compare view, when open (in place of the queue).
    pub compare: Option<crate::ui::compare::Compare>,
    /// A preview on its way, and one cancelled whose job has not said it
    /// ended yet (its folder goes then).
    pub sample: Option<crate::ui::compare::sample::SampleRun>,
    pub sample_cancelled: Option<(
        vidprism_engine::pipeline::JobId,
        crate::ui::compare::sample::TempFolder,
    )>,
    /// Something the user must know (a store set aside), shown until dismissed.
    pub notice: Option<String>,
    /// The "Farm" window.
    pub farm_form: FarmForm,
    /// The "Presets" window and the user preset files.
    pub preset_editor: PresetEditor,
    /// Asking before a close stops running videos.
    pub quit: QuitPrompt,
    /// A path asked for in the window, because no file chooser opened:
    /// what it is for, and the text typed so far.
    pub path_prompt: Option<(PathPurpose, String)>,
    /// The window's title as last sent, and when.
    pub title: String,
    pub title_sent_at: Option<std::time::Instant>,
    /// Which of the windows (Presets, Watch folders, Farm) were open last
    /// frame, and the control that had the keyboard before one opened: it
    /// gets it back when that window closes.
    pub windows_open: [bool; 3],
    pub focus_back: Option<egui::Id>,
    /// Viewport commands (a close held or confirmed) for the frame to send.
    pub viewport: Vec<egui::ViewportCommand>,
    /// Each frame starts cleared to the panels' fill (the window's clear
    /// colour), so panels paint no background of their own.
    pub cleared_to_panel_fill: bool,
}

impl ViewState {
    /// Forgets what was shown of a row that left the queue.
    pub fn forget_row(&mut self, row: RowId) {
        self.textures.remove(&row);
        self.scrubs.forget(row);
        if self.preview.as_ref().is_some_and(|(id, _)| *id == row) {
            self.preview = None;
        }
        if self.selected == Some(row) {
            self.selected = None;
        }
        if self.compare.as_ref().is_some_and(|c| c.row == row) {
            self.compare = None;
            self.notice = Some("The compare view closed: its video left the queue.".to_owned());
        }
    }
}

/// Thumbnail size in a row.
pub const ROW_THUMB: egui::Vec2 = egui::vec2(112.0, 63.0);

/// Largest preview in the details panel.
pub const PREVIEW_SIZE: egui::Vec2 = egui::vec2(320.0, 180.0);
