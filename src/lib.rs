//! The `vidprism` package's library: the engine (`vidprism-engine`) and the
//! farm (`vidprism-farm`) under one name for the binary and the integration
//! tests, and the window's settings.

pub use vidprism_engine::*;
pub use vidprism_farm as farm;

pub mod settings;
