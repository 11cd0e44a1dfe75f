//! Output presets: what a job turns a source into.
//!
//! A preset is a named list of renditions (container, codecs, short-side size,
//! quality). The built-in presets of the design live in [`builtin`]; user
//! preset files use the same model.

mod builtin;
mod model;

pub use builtin::{builtin_presets, find_preset, DEFAULT_PRESET};
pub use model::{AudioCodec, Container, Preset, RenditionSpec, VideoCodec};
