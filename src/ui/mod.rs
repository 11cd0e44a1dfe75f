//! The window.

use std::path::PathBuf;

pub fn run(files: Vec<PathBuf>) -> anyhow::Result<()> {
    let _ = files;
    anyhow::bail!("the window is not built yet; use `vidprism process`")
}
