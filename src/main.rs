//! The `vidprism` binary: the window by default, `process` and `presets`
//! on the command line. The engine lives in the library; this crate's edge
//! turns its errors into messages with `anyhow`.

mod cli;
mod logging;
mod settings;
mod ui;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Start the event clock now so `t_ms` counts from process start.
    vidprism_engine::pipeline::elapsed_ms();
    let args = cli::Cli::parse();
    // Held to the end of main: dropping it flushes the log file.
    let window = args.command.is_none();
    let _log = if window {
        logging::init_window(args.verbose)
    } else {
        logging::init_cli(args.verbose)
    };
    let result = match args.command {
        Some(cli::Command::Process(process)) => cli::process::run(process),
        Some(cli::Command::Watch(watch)) => cli::watch::run(watch),
        Some(cli::Command::Presets(presets)) => cli::presets::run(presets),
        Some(cli::Command::Worker(worker)) => cli::worker::run(worker),
        Some(cli::Command::Farm { command }) => cli::farm_init::run(command),
        None => ui::run(args.files).map(|()| std::process::ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if window {
                // The log file keeps why the window could not run.
                tracing::error!("{e:#}");
            }
            eprintln!(
                "vidprism: {}",
                vidprism_engine::names::printable(&format!("{e:#}"))
            );
            std::process::ExitCode::FAILURE
        }
    }
}
