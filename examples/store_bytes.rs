//! Benchmark helper: what the job store writes per job. Records JOBS jobs
//! in a store in DIR the way `vidprism process --store` does (every job
//! added and bound, then each one's events: started, thumbnail, one
//! `rendition_done` per rendition of PRESET, done) and reads from
//! /proc/self/io how many bytes the process wrote (journal lines and
//! snapshots; Linux only).
//!
//! `cargo run --release --example store_bytes -- JOBS PRESET DIR` prints
//! `jobs bytes_written bytes_per_job seconds snapshot_bytes journal_bytes
//! open_seconds` (the last: opening the store again, replaying the journal).

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};
use vidprism_engine::pipeline::Event;
use vidprism_engine::presets::find_preset;
use vidprism_engine::store::{JobStore, JOURNAL_SUFFIX, STORE_FILE};

/// Bytes this process has written so far (`wchar` of /proc/self/io).
fn bytes_written() -> Result<u64, Box<dyn std::error::Error>> {
    let io = std::fs::read_to_string("/proc/self/io")?;
    let line = io
        .lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .ok_or("no wchar in /proc/self/io")?;
    Ok(line.trim().parse()?)
}

fn event(job: u64, kind: Value) -> Result<Event, serde_json::Error> {
    let mut value = json!({"job": job, "t_ms": 0});
    if let (Some(map), Value::Object(kind)) = (value.as_object_mut(), kind) {
        map.extend(kind);
    }
    serde_json::from_value(value)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: store_bytes JOBS PRESET DIR";
    let jobs: u64 = args.next().ok_or(usage)?.parse()?;
    let preset = find_preset(&args.next().ok_or(usage)?).ok_or("no such preset")?;
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let renditions: Vec<String> = preset.renditions.iter().map(|r| r.name.clone()).collect();

    let before = bytes_written()?;
    let started = Instant::now();
    let mut store = JobStore::open(&dir.join(STORE_FILE))?;
    let mut ids = Vec::new();
    for n in 0..jobs {
        let input = PathBuf::from(format!("/home/user/Videos/phone/VID_2026{n:08}.mp4"));
        let id = store.add(
            input,
            vec![preset.name.clone()],
            vec![preset.clone()],
            PathBuf::from("/home/user/Videos/converted"),
        )?;
        store.bind(id, n);
        ids.push(id);
    }
    for n in 0..jobs {
        let folder = format!("/home/user/Videos/converted/VID_2026{n:08}");
        let mut kinds = vec![
            json!({"event": "queued", "input": format!("{folder}.mp4")}),
            json!({"event": "stage_started", "stage": "probe"}),
            json!({"event": "thumbnail_ready", "path": format!("{folder}/thumbnail.jpg"), "width": 320, "height": 240}),
        ];
        for name in &renditions {
            kinds.push(json!({"event": "stage_started", "stage": "transcode", "rendition": name}));
            kinds.push(json!({"event": "rendition_done", "rendition": name,
                "path": format!("{folder}/{name}.mp4"), "width": 1280, "height": 720, "bytes": 1_234_567}));
        }
        kinds.push(json!({"event": "job_done", "outputs": renditions.len()}));
        for kind in kinds {
            store.apply(&event(n, kind)?)?;
        }
    }
    drop(store); // the last fsync
    let seconds = started.elapsed().as_secs_f64();
    let written = bytes_written()? - before;
    let snapshot = std::fs::metadata(dir.join(STORE_FILE)).map_or(0, |m| m.len());
    let journal_name = format!("{STORE_FILE}{JOURNAL_SUFFIX}");
    let journal = std::fs::metadata(dir.join(journal_name)).map_or(0, |m| m.len());
    // The next start: the journal replayed on the snapshot, then compacted.
    let reopening = Instant::now();
    let reopened = JobStore::open(&dir.join(STORE_FILE))?;
    let open_seconds = reopening.elapsed().as_secs_f64();
    if reopened.jobs().len() as u64 != jobs {
        return Err("jobs were lost".into());
    }
    println!(
        "{jobs} {written} {:.0} {seconds:.2} {snapshot} {journal} {open_seconds:.2}",
        written as f64 / jobs.max(1) as f64
    );
    Ok(())
}
