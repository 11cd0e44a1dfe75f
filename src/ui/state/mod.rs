//! What the window holds, apart from the app's systems: the queue's rows
//! (pure state, unit tested), what the view shows, the Presets window's
//! draft, the small forms' state and the hover scrub's textures. No `App`
//! here and no drawing: the app changes it, panels and windows read it.

pub mod end_rate;
pub mod forms;
pub mod preset_editor;
pub mod queue_model;
pub mod scrub;
pub mod view_state;
