//! The integration tests, one crate (`cargo test --test it`) so the engine
//! and the helpers are compiled and linked once, not once per file. Each
//! module is one area; `util` makes clips with the ffmpeg command line,
//! runs the `vidprism` binary and measures its outputs with ffprobe.
//!
//! Run one area with a filter: `cargo test --test it farm::`.

mod util;

mod audio_tracks;
mod bad_inputs;
mod colour;
mod compare;
mod corpus;
mod crop;
mod engine;
mod farm;
mod farm_hostile;
mod farm_init;
mod hdr;
mod hostile_inputs;
mod import_circles;
mod inputs;
mod interlaced;
mod json_lines;
mod layers;
mod many_inputs;
mod metadata;
mod packaging;
mod presets;
mod priority;
mod process_outputs;
mod quality;
mod rung_failures;
mod store_journal;
mod store_resume;
mod storyboard;
mod stream;
mod subtitles;
mod target_quality;
mod watch;
