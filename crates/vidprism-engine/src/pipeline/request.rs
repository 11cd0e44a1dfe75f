//! What a front end asks of a runner: one source, its presets, where to put
//! the outputs. Its own module so that the pipeline's modules take it
//! without importing the engine (no import circle through `engine.rs`).

use std::path::PathBuf;

use crate::presets::Preset;

/// One source to process.
#[derive(Clone, Debug)]
pub struct JobRequest {
    pub input: PathBuf,
    pub presets: Vec<Preset>,
    pub out_dir: PathBuf,
}
