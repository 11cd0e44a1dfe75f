//! The layering the code promises (ARCHITECTURE.md), line by line: the
//! engine crate names no UI toolkit, command-line parser, async runtime or
//! broker client; the farm crate and the binary's window settings
//! (`settings.rs`) no UI toolkit or parser; only the binary's modules
//! (`main.rs`, `cli/`, `ui/`, `logging.rs`) may name egui, eframe, rfd,
//! clap and the rest. Cargo keeps the crates' dependencies apart
//! (scripts/check-layers.sh); this check also keeps the settings free of
//! the window's toolkit, so they stay plain data.

use std::path::{Path, PathBuf};

/// Crates only the binary's modules may name.
const BINARY_ONLY: [&str; 11] = [
    "eframe",
    "egui",
    "egui_extras",
    "egui_kittest",
    "rfd",
    "clap",
    "indicatif",
    "tracing_subscriber",
    "tracing_appender",
    "ctrlc",
    "anyhow",
];
/// Crates only the farm (and the binary) may name.
const FARM_ONLY: [&str; 3] = ["tokio", "async_nats", "futures_util"];

/// Which layer a file under `src/` belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layer {
    Binary,
    /// The farm and the window's settings: no UI toolkit or parser.
    NoUi,
    Engine,
}

/// The layer of a file at `relative` in the `vidprism` package's `src/`.
fn root_layer_of(relative: &Path) -> Layer {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    match first.as_str() {
        "main.rs" | "cli" | "ui" | "logging.rs" => Layer::Binary,
        _ => Layer::NoUi,
    }
}

/// Whether `line` (code, comments stripped) names crate `name`: `name::`,
/// `use name`, `extern crate name`, not as a part of a longer identifier.
fn names_crate(line: &str, name: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + name.len()..];
        let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let as_path = after.starts_with("::");
        let as_use = (code[..at].trim_end().ends_with("use")
            || code[..at].trim_end().ends_with("extern crate"))
            && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        starts_word && (as_path || as_use)
    })
}

/// Every line under `src` that names a crate its layer (`layer_of` its path
/// below `src`) must not know: (file, line number, crate).
fn violations(src: &Path, layer_of: fn(&Path) -> Layer) -> Vec<(PathBuf, usize, &'static str)> {
    let mut found = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src").to_path_buf();
            let forbidden: Vec<&'static str> = match layer_of(&relative) {
                Layer::Binary => continue,
                Layer::NoUi => BINARY_ONLY.to_vec(),
                Layer::Engine => BINARY_ONLY.iter().chain(&FARM_ONLY).copied().collect(),
            };
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            for (n, line) in text.lines().enumerate() {
                for name in &forbidden {
                    if names_crate(line, name) {
                        found.push((relative.clone(), n + 1, *name));
                    }
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_engine_names_no_ui_parser_runtime_or_broker_and_the_farm_no_ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = violations(&root.join("src"), root_layer_of);
    found.extend(violations(&root.join("crates/vidprism-engine/src"), |_| {
        Layer::Engine
    }));
    found.extend(violations(&root.join("crates/vidprism-farm/src"), |_| {
        Layer::NoUi
    }));
    assert!(
        found.is_empty(),
        "crates named outside their layer (file, line, crate): {found:#?}"
    );
}

#[test]
fn the_layer_check_finds_what_it_must() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let src = dir.path();
    for folder in ["cli", "ui"] {
        std::fs::create_dir(src.join(folder)).expect("folder");
    }
    let write = |path: &str, text: &str| std::fs::write(src.join(path), text).expect("written");
    write(
        "probe.rs",
        "use egui::Ui;\nfn f() { tokio::spawn(async {}); }\n// clap::Parser in a comment\n",
    );
    write("settings.rs", "use tokio::runtime;\nuse clap;\n");
    write("ui/view.rs", "use egui::Ui;\nuse tokio;\n");
    write("cli/args.rs", "use clap::Parser;\n");
    write("lib.rs", "fn my_egui_widget() {}\nlet x = not_rfd::y;\n");
    assert_eq!(
        violations(src, root_layer_of),
        vec![
            (PathBuf::from("probe.rs"), 1, "egui"),
            (PathBuf::from("settings.rs"), 2, "clap"),
        ]
    );
    assert_eq!(
        violations(src, |_| Layer::Engine),
        vec![
            (PathBuf::from("cli/args.rs"), 1, "clap"),
            (PathBuf::from("probe.rs"), 1, "egui"),
            (PathBuf::from("probe.rs"), 2, "tokio"),
            (PathBuf::from("settings.rs"), 1, "tokio"),
            (PathBuf::from("settings.rs"), 2, "clap"),
            (PathBuf::from("ui/view.rs"), 1, "egui"),
            (PathBuf::from("ui/view.rs"), 2, "tokio"),
        ]
    );
}
