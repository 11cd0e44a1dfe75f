//! Records in a job store a finished job of SOURCE whose one rendition is
//! RENDITION (both files made beforehand, e.g. by the ffmpeg CLI), as a job
//! the window ran would have left it: the window opened on that store
//! shows the row done, with its rendition to compare. For benchmarks of the
//! window (scripts/bench-compare-window.sh), which must not wait for an
//! encode first.
//!
//! `finished_job STORE_DIR SOURCE RENDITION NAME` (NAME: the rendition's name)

use std::path::PathBuf;

use vidprism_engine::media::probe;
use vidprism_engine::pipeline::{Event, EventKind, JobDone, Output, SourceFacts};
use vidprism_engine::presets::find_preset;
use vidprism_engine::store::{JobStore, STORE_FILE};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, source, rendition, name] = args.as_slice() else {
        return Err("usage: finished_job STORE_DIR SOURCE RENDITION NAME".into());
    };
    let (source, rendition) = (PathBuf::from(source), PathBuf::from(rendition));
    let facts = SourceFacts::from(&probe(&source)?);
    let made = probe(&rendition)?;
    let output = Output {
        rendition: name.clone(),
        path: std::path::absolute(&rendition)?,
        width: made.display.width,
        height: made.display.height,
        bytes: std::fs::metadata(&rendition)?.len(),
        skipped_tracks: Vec::new(),
        sidecars: Vec::new(),
        quality: None,
    };
    let out_dir = rendition
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let mut store = JobStore::open(&PathBuf::from(dir).join(STORE_FILE))?;
    let preset = find_preset("web").ok_or("no built-in web preset")?;
    let id = store.add(source, vec!["web".into()], vec![preset], out_dir)?;
    let job = 1;
    store.bind(id, job);
    for kind in [
        EventKind::Probed(facts),
        EventKind::RenditionDone(output),
        EventKind::JobDone(JobDone { outputs: 1 }),
    ] {
        store.apply(&Event { job, t_ms: 0, kind })?;
    }
    Ok(())
}
