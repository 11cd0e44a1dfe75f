//! Command-line arguments (clap) and the headless subcommands.

pub mod presets;
pub mod process;
pub mod resume;

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
    /// More log lines on stderr: -v info, -vv debug, -vvv trace (else
    /// RUST_LOG, else warnings). Never on stdout.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Videos to queue in the window.
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Process videos without a window.
    Process(ProcessArgs),
    /// List the presets (built-in and user), or check a preset file.
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
    /// Fail a transcode that makes no progress for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub stall_timeout: u64,
    /// One JSON event per line on stdout, nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Keep the jobs in the job store (the window's queue) and first run
    /// again the jobs an interrupted run left unfinished.
    #[arg(long)]
    pub store: bool,
    /// Videos to process.
    #[arg(required_unless_present = "store", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PresetsArgs {
    /// Print the presets as JSON.
    #[arg(long)]
    pub json: bool,
    /// Check a preset file and print what is wrong with it (exit 1 if anything).
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}
