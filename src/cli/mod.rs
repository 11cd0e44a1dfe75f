//! Command-line arguments (clap) and the headless subcommands.

pub mod farm_args;
pub mod farm_init;
pub mod presets;
pub mod process;
pub mod resume;
pub mod watch;
pub mod worker;

use std::path::PathBuf;

/// Prints `vidprism: TEXT` on stderr (never stdout, which `--json` keeps
/// for events), its control characters (a file name's escape sequences)
/// shown as U+FFFD instead of obeyed.
pub fn say(text: impl std::fmt::Display) {
    eprintln!(
        "vidprism: {}",
        vidprism_engine::names::printable(&text.to_string())
    );
}

use clap::{Args, Parser, Subcommand};

pub use farm_args::FarmArgs;

/// `process --jobs` accepts what the engine runs at once, no more.
const MAX_JOBS: i64 = vidprism_engine::pipeline::MAX_TRANSCODE_JOBS as i64;

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
    /// Watch folders: every video written into them is processed once,
    /// when whole, even across restarts.
    Watch(WatchArgs),
    /// Join a farm: pull work from a NATS JetStream broker and run it here.
    Worker(WorkerArgs),
    /// Set up a farm's server: `farm init DIR` writes a locked-down
    /// nats-server configuration with a worker and a submitter login.
    Farm {
        #[command(subcommand)]
        command: farm_init::FarmCommand,
    },
}

/// What `process` and `watch` share: the presets, where the outputs go,
/// and what runs the jobs.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Preset to apply (repeatable).
    #[arg(short, long = "preset", value_name = "NAME")]
    pub presets: Vec<String>,
    /// Output folder [default: the configured output folder].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Jobs transcoding at once.
    #[arg(short, long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
    pub jobs: u16,
    /// Fail a transcode that makes no progress for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub stall_timeout: u64,
    /// One JSON event per line on stdout, nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Run the jobs on a farm's workers instead of this machine.
    #[command(flatten)]
    pub farm: FarmArgs,
    /// With --nats: the workers read the sources and write the outputs in
    /// place on a shared disk (see `worker --shared-root` and
    /// `--path-map`) instead of through the broker's object store.
    #[arg(long, requires = "nats")]
    pub shared_folders: bool,
}

#[derive(Args, Debug)]
pub struct ProcessArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Keep the jobs in the job store (the window's queue) and first run
    /// again the jobs an interrupted run left unfinished.
    #[arg(long)]
    pub store: bool,
    /// Videos to process (a folder: its videos, found as the window finds
    /// them; each file once, however many paths lead to it).
    #[arg(required_unless_present = "store", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Watch the folders' subfolders too.
    #[arg(long)]
    pub recursive: bool,
    /// What to do with a source once every output is whole: keep,
    /// move:DIR (never overwriting), or delete. Never after a failure.
    #[arg(long, value_name = "ACTION", default_value = "keep")]
    pub on_done: vidprism_engine::watch::OnDone,
    /// Seconds a file's size and time must stay unchanged before it is
    /// queued.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = parse_secs)]
    pub settle: f64,
    /// Scan the folders every SECS seconds instead of waiting for the
    /// system's file events (network mounts send none).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub poll: Option<f64>,
    /// Follow links in the folders (each folder once, so loops end);
    /// without it a link is skipped. `--on-done` never acts on a file
    /// reached through a link.
    #[arg(long)]
    pub follow_links: bool,
    /// Folders to watch.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

/// A `--settle` or `--poll` value that is not seconds from 0.1 to a day.
#[derive(Debug, thiserror::Error)]
enum NotSeconds {
    #[error("`{0}` is not a number of seconds")]
    NotANumber(String),
    #[error("{0} s is not between 0.1 and 86400")]
    OutOfRange(f64),
}

/// Seconds, fractions allowed, from 0.1 to a day.
fn parse_secs(text: &str) -> Result<f64, NotSeconds> {
    let secs: f64 = text
        .parse()
        .map_err(|_| NotSeconds::NotANumber(text.to_owned()))?;
    if (0.1..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err(NotSeconds::OutOfRange(secs))
    }
}

#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub farm: FarmArgs,
    /// Queues to take work from (comma-separated): ingest, thumbnail, transcode.
    #[arg(
        long,
        value_name = "STAGES",
        value_delimiter = ',',
        default_value = "ingest,thumbnail,transcode"
    )]
    pub stages: Vec<String>,
    /// Jobs transcoding at once on this worker.
    #[arg(short, long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Shared folders: the submitter's path FROM is TO on this machine
    /// (repeatable), e.g. --path-map /Volumes/media=/mnt/media.
    #[arg(long, value_name = "FROM=TO")]
    pub path_map: Vec<String>,
    /// Shared folders: a folder this worker may read and write (repeatable;
    /// --path-map targets count too). Without any, shared-folder work is
    /// refused.
    #[arg(long, value_name = "DIR")]
    pub shared_root: Vec<PathBuf>,
    /// Seconds a stage may go without a sign of life before its work goes
    /// to another worker (set by the first worker to create the queues).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ack_wait: u64,
    /// Deliveries of one stage before its job fails with the last reason
    /// (set by the first worker to create the queues).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub tries: u32,
    /// Where sources and outputs are kept while they travel [default: a
    /// folder in the system's temporary folder].
    #[arg(long, value_name = "DIR")]
    pub scratch: Option<PathBuf>,
    /// This worker's name in logs and news [default: host-pid].
    #[arg(long)]
    pub name: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn process_jobs(jobs: &str) -> Result<u16, clap::Error> {
        let cli = Cli::try_parse_from(["vidprism", "process", "--jobs", jobs, "clip.mp4"])?;
        match cli.command {
            Some(Command::Process(args)) => Ok(args.run.jobs),
            other => panic!("not a process command: {other:?}"),
        }
    }

    #[test]
    fn watch_reads_its_choices() {
        let cli = Cli::try_parse_from([
            "vidprism",
            "watch",
            "--settle",
            "1.5",
            "--poll",
            "2",
            "--on-done",
            "move:/done",
            "in1",
            "in2",
        ])
        .unwrap();
        let Some(Command::Watch(args)) = cli.command else {
            panic!("not a watch command");
        };
        assert_eq!(args.settle, 1.5);
        assert_eq!(args.poll, Some(2.0));
        assert_eq!(
            args.on_done,
            vidprism_engine::watch::OnDone::Move("/done".into())
        );
        assert_eq!(args.dirs.len(), 2);
        for bad in [["--settle", "0"], ["--on-done", "nuke"], ["--poll", "x"]] {
            let parsed = Cli::try_parse_from(["vidprism", "watch", bad[0], bad[1], "in"]);
            assert!(parsed.is_err(), "{bad:?}");
        }
        assert!(
            Cli::try_parse_from(["vidprism", "watch"]).is_err(),
            "a folder is needed"
        );
    }

    #[test]
    fn process_refuses_more_jobs_than_the_engine_runs_at_once() {
        let max = vidprism_engine::pipeline::MAX_TRANSCODE_JOBS;
        assert_eq!(process_jobs(&max.to_string()).ok(), u16::try_from(max).ok());
        let refused = process_jobs(&(max + 1).to_string()).unwrap_err();
        assert_eq!(refused.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(process_jobs("0").is_err());
    }
}
