//! Benchmark helper: time from `queued` to `thumbnail_ready` for a clip
//! submitted while other jobs are transcoding.
//!
//! `cargo run --release --example thumbnail_latency -- CLIP OUT_DIR BUSY_JOBS ROUNDS`
//! prints one line per round: `idle_ms busy_ms`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vidprism_engine::pipeline::{Engine, EngineConfig, EventKind, JobFailed, JobId, JobRequest};
use vidprism_engine::presets::find_preset;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: thumbnail_latency CLIP OUT_DIR BUSY_JOBS ROUNDS";
    let clip = PathBuf::from(args.next().ok_or(usage)?);
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let busy: usize = args.next().ok_or(usage)?.parse()?;
    let rounds: usize = args.next().ok_or(usage)?.parse()?;
    let web = find_preset("web").ok_or("no web preset")?;
    let request = || JobRequest {
        input: clip.clone(),
        presets: vec![web.clone()],
        out_dir: out.clone(),
    };
    let engine = Engine::start(
        EngineConfig {
            transcode_jobs: busy.max(1),
            ..EngineConfig::default()
        },
        None,
    )?;
    let latency = |engine: &Engine, id: JobId| -> Result<u64, Box<dyn std::error::Error>> {
        let mut queued = None;
        loop {
            let e = engine.events().recv_timeout(Duration::from_secs(60))?;
            if e.job != id {
                continue;
            }
            match e.kind {
                EventKind::Queued { .. } => queued = Some(e.t_ms),
                EventKind::ThumbnailReady { .. } => {
                    return Ok(e.t_ms - queued.ok_or("thumbnail before queued")?)
                }
                EventKind::JobFailed(JobFailed { error }) => return Err(error.into()),
                _ => {}
            }
        }
    };
    for _ in 0..rounds {
        // Idle: nothing else running.
        let id = engine.submit(JobRequest {
            presets: vec![find_preset("thumbnail").ok_or("no thumbnail preset")?],
            ..request()
        });
        let idle_ms = latency(&engine, id)?;
        // Busy: `busy` jobs transcoding first.
        let busy_ids: Vec<JobId> = (0..busy).map(|_| engine.submit(request())).collect();
        let started = Instant::now();
        let mut transcoding = std::collections::HashSet::new();
        while transcoding.len() < busy && started.elapsed() < Duration::from_secs(60) {
            let e = engine.events().recv_timeout(Duration::from_secs(60))?;
            if matches!(e.kind, EventKind::Progress { .. }) {
                transcoding.insert(e.job);
            }
        }
        let id = engine.submit(JobRequest {
            presets: vec![find_preset("thumbnail").ok_or("no thumbnail preset")?],
            ..request()
        });
        let busy_ms = latency(&engine, id)?;
        println!("{idle_ms} {busy_ms}");
        for id in busy_ids {
            engine.cancel(id);
        }
    }
    Ok(())
}
