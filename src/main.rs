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
                tracing::error!("{}", report(&e));
            }
            eprintln!(
                "vidprism: {}",
                vidprism_engine::names::printable(&report(&e))
            );
            std::process::ExitCode::FAILURE
        }
    }
}

/// An error and its causes, each said once: a cause whose words its error
/// already says (an engine error's sentence ends with its I/O error's
/// words, which it keeps as its source) is not said again.
fn report(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if text.is_empty() {
            text = said;
        } else if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::report;
    use anyhow::Context;

    #[test]
    fn a_report_says_each_cause_once() {
        let enospc = std::io::Error::from_raw_os_error(28);
        let engine = vidprism_engine::Error::write(std::path::Path::new("a.mp4"))(enospc);
        let e = anyhow::Error::new(engine);
        assert_eq!(
            report(&e),
            "a.mp4: cannot write output: no space left on device"
        );
        let io = std::io::Error::other("disk on fire");
        let e = Err::<(), _>(io).context("making /out").unwrap_err();
        assert_eq!(report(&e), "making /out: disk on fire");
    }
}
