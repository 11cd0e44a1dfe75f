//! The main window's parts, drawn every frame: the whole view (top bar,
//! queue, details, footer), a queue row and the selected row's details.
//! Drawing only: clicks become commands.

pub mod row;
pub mod row_presets;
pub mod settings_panel;
pub mod view;
