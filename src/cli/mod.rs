//! Command-line arguments (clap) and the headless subcommands.

pub mod presets;
pub mod process;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "vidprism",
    version,
    about = "Drop videos, get every rendition and a thumbnail",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Videos to queue in the window.
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Process videos without a window.
    Process(ProcessArgs),
    /// List the presets.
    Presets(PresetsArgs),
}

#[derive(Args, Debug)]
pub struct ProcessArgs {
    /// Preset to apply (repeatable).
    #[arg(short, long = "preset", value_name = "NAME")]
    pub presets: Vec<String>,
    /// Output folder [default: the configured output folder].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Jobs transcoding at once.
    #[arg(short, long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// One JSON event per line on stdout, nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Videos to process.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PresetsArgs {
    /// Print the presets as JSON.
    #[arg(long)]
    pub json: bool,
}
