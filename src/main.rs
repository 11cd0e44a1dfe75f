//! The `vidprism` binary: the window by default, `process` and `presets`
//! on the command line. The engine lives in the library; this crate's edge
//! turns its errors into messages with `anyhow`.

mod cli;
mod ui;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Start the event clock now so `t_ms` counts from process start.
    vidprism::pipeline::elapsed_ms();
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(cli::Command::Process(process)) => cli::process::run(process),
        Some(cli::Command::Presets(presets)) => cli::presets::run(presets),
        None => ui::run(args.files).map(|()| std::process::ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vidprism: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
