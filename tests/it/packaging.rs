//! Packaging files: the .desktop file and the AppStream metainfo pass their
//! validators, the icons exist at every size, and every file the .deb
//! installs (`[package.metadata.deb]` in Cargo.toml) is in the repository.
//! The validators come from scripts/setup.sh (`make test` runs it); a missing
//! one fails the check, never skips it. Also: the
//! binary's logs (`-v`, `RUST_LOG`) never reach stdout.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{process_with_env, Fixture};

const ICON_SIZES: [u32; 6] = [16, 32, 48, 64, 128, 256];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs a validator, which must be installed.
fn validate(program: &str, args: &[&str], file: &Path) {
    match Command::new(program).args(args).arg(file).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} rejects {}:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(e) => panic!("cannot run {program} (scripts/setup.sh installs it): {e}"),
    }
}

fn desktop_entry() -> String {
    std::fs::read_to_string(repo("packaging/vidprism.desktop")).expect("packaging/vidprism.desktop")
}

fn desktop_key(entry: &str, key: &str) -> String {
    entry
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("the .desktop file has no {key}"))
        .to_string()
}

#[test]
fn desktop_file_is_valid() {
    validate(
        "desktop-file-validate",
        &[],
        &repo("packaging/vidprism.desktop"),
    );
}

#[test]
fn metainfo_is_valid_offline() {
    validate(
        "appstreamcli",
        &["validate", "--no-net"],
        &repo("packaging/org.vidprism.VidPrism.metainfo.xml"),
    );
}

#[test]
fn desktop_file_opens_videos_from_a_file_manager() {
    let entry = desktop_entry();
    assert_eq!(desktop_key(&entry, "Exec"), "vidprism %F");
    assert_eq!(desktop_key(&entry, "Icon"), "vidprism");
    let categories = desktop_key(&entry, "Categories");
    assert!(categories.starts_with("AudioVideo;Video;"), "{categories}");
    let mimes: Vec<String> = desktop_key(&entry, "MimeType")
        .split(';')
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect();
    for common in [
        "video/mp4",
        "video/x-matroska",
        "video/webm",
        "video/quicktime",
        "video/x-msvideo",
        "video/mpeg",
    ] {
        assert!(mimes.iter().any(|m| m == common), "missing {common}");
    }
    assert!(
        mimes
            .iter()
            .all(|m| m.starts_with("video/") && !m.contains('*')),
        "{mimes:?}"
    );
    // The metainfo launches this very desktop file.
    let metainfo = std::fs::read_to_string(repo("packaging/org.vidprism.VidPrism.metainfo.xml"))
        .expect("metainfo");
    assert!(metainfo.contains("<launchable type=\"desktop-id\">vidprism.desktop</launchable>"));
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

#[test]
fn icons_exist_at_every_size() {
    assert!(repo("assets/icon.svg").is_file());
    for size in ICON_SIZES {
        let png = repo(&format!("packaging/icons/{size}x{size}.png"));
        assert_eq!(png_size(&png), (size, size), "{}", png.display());
    }
}

#[test]
fn deb_installs_every_packaging_file() {
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&manifest).expect("Cargo.toml parses");
    let deb = manifest["package"]["metadata"]["deb"]
        .as_table()
        .expect("[package.metadata.deb]");
    assert!(
        deb["depends"].as_str().is_some_and(|d| d.contains("$auto")),
        "FFmpeg runtime libraries come from $auto"
    );
    let assets: Vec<(String, String)> = deb["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| {
            let a = a.as_array().expect("[source, dest, mode]");
            (
                a[0].as_str().expect("source").to_string(),
                a[1].as_str().expect("dest").to_string(),
            )
        })
        .collect();
    for (source, _) in &assets {
        if !source.starts_with("target/") {
            assert!(repo(source).is_file(), "{source} is missing");
        }
    }
    let dests: Vec<&str> = assets.iter().map(|(_, d)| d.as_str()).collect();
    assert!(dests.contains(&"usr/bin/"));
    assert!(dests.contains(&"usr/share/applications/"));
    assert!(dests.contains(&"usr/share/metainfo/"));
    for size in ICON_SIZES {
        let dest = format!("usr/share/icons/hicolor/{size}x{size}/apps/vidprism.png");
        assert!(dests.contains(&dest.as_str()), "{dest}");
    }
}

// ---- logs: stderr only, so `process --json` keeps stdout for events ----

#[test]
fn verbose_logs_go_to_stderr_and_json_stays_alone_on_stdout() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 1.0, false, &[]);
    let text = fx.path("notes.mp4");
    std::fs::write(&text, "not a video").expect("write");
    let args = [
        "-p",
        "thumbnail",
        clip.to_str().expect("utf-8"),
        text.to_str().expect("utf-8"),
    ];
    // `process_with_env` panics on any stdout line that is not JSON.
    let run = process_with_env(&fx.out_dir(), &["-vv"], &[("RUST_LOG", "trace")], &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.of("job_done").len(), 1);
    assert_eq!(run.of("job_failed").len(), 1);
    assert!(run.stderr.contains("job submitted"), "{}", run.stderr);
    assert!(run.stderr.contains("probed"), "{}", run.stderr);
    // The failure lands in the log with the file and the reason.
    let failed = run
        .stderr
        .lines()
        .find(|l| l.contains("job failed"))
        .unwrap_or_else(|| panic!("no job failed line: {}", run.stderr));
    assert!(
        failed.contains("WARN") && failed.contains("notes.mp4") && failed.contains("not a video"),
        "{failed}"
    );
    assert!(
        !run.stderr.contains("\x1b["),
        "no colours when stderr is not a terminal"
    );

    // RUST_LOG alone works too; without either, stderr has no log lines.
    let run = process_with_env(&fx.path("out2"), &[], &[("RUST_LOG", "info")], &args);
    assert!(run.stderr.contains("job submitted"), "{}", run.stderr);
    let run = process_with_env(&fx.path("out3"), &[], &[("RUST_LOG", "")], &args);
    assert!(
        !run.stderr.contains("INFO") && !run.stderr.contains("WARN"),
        "{}",
        run.stderr
    );
}
