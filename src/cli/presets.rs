//! `vidprism presets`: list the presets.

use std::process::ExitCode;

use anyhow::Context;
use vidprism::presets::builtin_presets;

use super::PresetsArgs;

pub fn run(args: PresetsArgs) -> anyhow::Result<ExitCode> {
    let presets = builtin_presets();
    if args.json {
        let json = serde_json::to_string(&presets).context("writing the preset list")?;
        println!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    for preset in presets {
        println!("{:<10} {}", preset.name, preset.description);
    }
    Ok(ExitCode::SUCCESS)
}
