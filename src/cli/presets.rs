//! `vidprism presets`: list the built-in and user presets, or check one
//! preset file (`--check FILE`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use vidprism_engine::media::missing_encoders;
use vidprism_engine::presets::{
    builtin_presets, read_preset, Preset, PresetError, PresetStore, UserPreset,
};

use super::PresetsArgs;

/// One line of `--json`: a preset, where it comes from, and what is wrong.
#[derive(Serialize)]
struct Listed<'a> {
    name: String,
    source: &'a str,
    path: Option<&'a Path>,
    valid: bool,
    problems: Vec<String>,
    preset: Option<&'a Preset>,
}

pub fn run(args: PresetsArgs) -> anyhow::Result<ExitCode> {
    if let Some(file) = &args.check {
        return Ok(check(file));
    }
    let builtins = builtin_presets();
    let store = PresetStore::open_default();
    let user = store.as_ref().map(PresetStore::load).unwrap_or_default();
    let mut listed: Vec<Listed> = builtins
        .iter()
        .map(|p| Listed {
            name: p.name.clone(),
            source: "builtin",
            path: None,
            valid: true,
            problems: Vec::new(),
            preset: Some(p),
        })
        .collect();
    for u in &user {
        let problems: Vec<String> = match u {
            UserPreset::Valid { preset, .. } => missing_encoders(preset),
            UserPreset::Invalid { problems, .. } => problems.clone(),
        }
        .iter()
        .map(ToString::to_string)
        .collect();
        let name = match u.preset() {
            Some(p) => p.name.clone(),
            None => file_stem(u.path()),
        };
        listed.push(Listed {
            name,
            source: "user",
            path: Some(u.path()),
            valid: problems.is_empty(),
            problems,
            preset: u.preset(),
        });
    }
    if args.json {
        let json = serde_json::to_string(&listed).context("writing the preset list")?;
        println!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    for l in &listed {
        let description = l.preset.map(|p| p.description.as_str()).unwrap_or("");
        let metadata = l
            .preset
            .map(|p| {
                format!(
                    " [metadata: {}, hdr: {}, {}; {}]",
                    p.metadata.key(),
                    p.hdr.key(),
                    p.picture.summary(),
                    p.tracks.summary()
                )
            })
            .unwrap_or_default();
        let package = l
            .preset
            .filter(|p| p.packaging.is_packaged())
            .map(|p| {
                format!(
                    " [package: {}, {} s segments]",
                    p.packaging.package.key(),
                    p.packaging.segment_seconds
                )
            })
            .unwrap_or_default();
        let tag = if l.source == "user" { " (user)" } else { "" };
        println!("{:<10} {description}{metadata}{package}{tag}", l.name);
        for problem in &l.problems {
            let path = l.path.map(|p| p.display().to_string()).unwrap_or_default();
            println!("{:<10}   invalid: {path}: {problem}", "");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `--check FILE`: "FILE: ok" and exit 0, or one line per problem on
/// stdout and exit 1.
fn check(file: &Path) -> ExitCode {
    let problems: Vec<String> = match read_preset(file) {
        Ok(preset) => {
            let missing = missing_encoders(&preset);
            if missing.is_empty() {
                println!(
                    "{}: ok: preset {:?}, {} renditions, metadata {}, hdr {}, {}, {}",
                    file.display(),
                    preset.name,
                    preset.renditions.len(),
                    preset.metadata.key(),
                    preset.hdr.key(),
                    preset.picture.summary(),
                    preset.tracks.summary()
                );
                return ExitCode::SUCCESS;
            }
            missing.iter().map(ToString::to_string).collect()
        }
        Err(PresetError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        Err(e) => {
            // Already names the file.
            println!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for problem in problems {
        println!("{}: {problem}", file.display());
    }
    ExitCode::FAILURE
}
