//! The windows and prompts over the main one: Presets (with its picture
//! rows), Watch folders, Farm, the quit question and the path prompt.
//! Drawing only: every change is a command.

pub mod farm;
pub mod path_prompt;
pub mod picture_form;
pub mod preset_form;
pub mod quit;
pub mod watch_window;
