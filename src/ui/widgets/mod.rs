//! Small pieces shared by the panels and windows: how numbers read, the
//! preset toggles, the keyboard focus moved into a window.

pub mod focus;
pub mod format;
pub mod preset_toggles;
