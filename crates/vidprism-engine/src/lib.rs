//! VidPrism's engine: probe a video, then make its thumbnail and every
//! rendition of the chosen presets on separate queues, decoding it once.
//!
//! This crate imports no UI toolkit, command-line parser, async runtime
//! or broker client (Cargo keeps it so: see scripts/check-layers.sh). A front end (the window or the command
//! line) holds a [`pipeline::JobRunner`] (this machine's
//! [`pipeline::Engine`] or a [`farm::FarmClient`]), submits
//! [`pipeline::JobRequest`]s to it and reads its [`pipeline::Event`]s.

pub mod app_dirs;
pub mod error;
pub mod limits;
pub mod media;
pub mod names;
pub mod presets;

pub use error::{Error, Result};
pub mod output;
pub mod path_json;
pub mod pipeline;
pub mod plan;
pub mod sources;
pub mod store;
pub mod watch;

#[cfg(test)]
pub(crate) mod testgen;
