//! The transcode of the built-in `web` ladder of one source, every rung
//! scored as `score` says (off, sampled, full), into a folder; prints each
//! rung's `quality` as JSON. `scripts/bench-quality.sh` times it per mode:
//! the transcode stage alone (no probe queue, no thumbnail), which is
//! where scoring costs.
//!
//! `cargo run --release --example score_cost -- SOURCE off|sampled|full OUT_DIR`

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use vidprism_engine::media::{probe, transcode, RenditionTarget};
use vidprism_engine::plan::plan;
use vidprism_engine::presets::{find_preset, ScoreMode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, mode, out] = args.as_slice() else {
        return Err("usage: score_cost SOURCE off|sampled|full OUT_DIR".into());
    };
    let score = ScoreMode::from_key(mode).ok_or("score is off, sampled or full")?;
    let source = PathBuf::from(source);
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let web = find_preset("web").ok_or("no web preset")?;
    let info = probe(&source)?;
    let planned = plan(info.display, &[web]);
    let targets: Vec<RenditionTarget> = planned
        .renditions
        .iter()
        .map(|r| RenditionTarget {
            spec: r.spec.clone(),
            size: r.size,
            metadata: r.metadata,
            tracks: r.tracks.clone(),
            hdr: r.hdr,
            temp_path: out.join(&r.file_name),
            segment_seconds: None,
            score,
            fine_crf: None,
        })
        .collect();
    let results = transcode(&source, &targets, &AtomicBool::new(false), &|_, _| {})?;
    for (rendition, result) in planned.renditions.iter().zip(results) {
        let made = result?;
        let quality = serde_json::to_string(&made.quality)?;
        println!(
            "{{\"rendition\":\"{}\",\"quality\":{quality}}}",
            rendition.label
        );
    }
    Ok(())
}
