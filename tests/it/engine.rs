//! The pipeline in-process: cancellation, a thumbnail that never waits
//! behind a transcode, and per-job ordering of events.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::util::*;
use vidprism_engine::pipeline::{Engine, EngineConfig, Event, EventKind, JobRequest, Progress};
use vidprism_engine::presets::find_preset;

fn request(input: PathBuf, out: PathBuf) -> JobRequest {
    JobRequest {
        input,
        presets: vec![find_preset("web").unwrap()],
        out_dir: out,
    }
}

/// Events until `stop`, with a generous limit.
fn collect(engine: &Engine, stop: impl FnMut(&Event) -> bool) -> Vec<Event> {
    collect_until(engine, Duration::from_secs(120), stop)
}

#[test]
fn cancel_stops_the_transcode_and_leaves_nothing_behind() {
    let fx = Fixture::new();
    let src = fx.clip("long.mp4", "1280x720", 20.0, true, &[]);
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&wakes);
    let engine = Engine::start(
        EngineConfig::default(),
        Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        })),
    )
    .unwrap();
    let id = engine.submit(request(src, fx.out_dir()));
    collect(&engine, |e| matches!(e.kind, EventKind::Progress { .. }));
    let asked = Instant::now();
    assert!(engine.cancel(id));
    let events = collect(&engine, |e| e.kind.is_final());
    let took = asked.elapsed();
    assert_eq!(events.last().unwrap().kind, EventKind::Cancelled);
    assert!(took < Duration::from_secs(5), "cancel took {took:?}");
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::RenditionDone { .. })));
    let left = files_in(&fx.out_dir());
    assert!(left.is_empty(), "cancel left {left:?}");
    assert!(
        wakes.load(Ordering::Relaxed) > 0,
        "the waker was never called"
    );
    assert!(!engine.cancel(id), "an ended job cannot be cancelled again");
}

#[test]
fn thumbnail_arrives_while_another_job_is_still_transcoding() {
    let fx = Fixture::new();
    let long = fx.clip("long.mp4", "1280x720", 20.0, false, &[]);
    let short = fx.clip("short.mp4", "640x360", 1.0, false, &[]);
    let engine = Engine::start(EngineConfig::default(), None).unwrap();
    let first = engine.submit(request(long, fx.out_dir()));
    collect(&engine, |e| {
        e.job == first && matches!(e.kind, EventKind::Progress { .. })
    });
    let second = engine.submit(request(short, fx.out_dir()));
    let events = collect(&engine, |e| {
        e.job == second && matches!(e.kind, EventKind::ThumbnailReady { .. })
    });
    // The long job is still going: no rendition of it is done yet.
    assert!(!events.iter().any(|e| e.job == first
        && matches!(
            e.kind,
            EventKind::RenditionDone { .. } | EventKind::JobDone { .. }
        )));
    let queued = events
        .iter()
        .find(|e| e.job == second && matches!(e.kind, EventKind::Queued { .. }))
        .unwrap();
    let thumb = events.last().unwrap();
    assert!(
        thumb.t_ms - queued.t_ms < 5_000,
        "thumbnail took {} ms",
        thumb.t_ms - queued.t_ms
    );
    engine.cancel(first);
}

#[test]
fn events_of_a_job_come_in_pipeline_order() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "640x360", 1.0, true, &[]);
    let engine = Engine::start(EngineConfig::default(), None).unwrap();
    let id = engine.submit(request(src, fx.out_dir()));
    let events = collect(&engine, |e| e.kind.is_final());
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e.job == id)
        .map(|e| match e.kind {
            EventKind::Queued { .. } => "queued",
            EventKind::Probed { .. } => "probed",
            EventKind::JobDone { .. } => "job_done",
            _ => "",
        })
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(kinds, ["queued", "probed", "job_done"]);
    let progress: Vec<f64> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Progress(Progress { fraction, .. }) => Some(fraction),
            _ => None,
        })
        .collect();
    assert!(progress.iter().all(|f| (0.0..=1.0).contains(f)));
}
