//! `vidprism process` with tens of thousands of inputs: submission and
//! event reading take turns, so with the engine's queues shrunk to a few
//! jobs (VIDPRISM_QUEUE_CAPACITY) nothing waits forever on a full queue.
//! Before, every input was submitted before any event was read, and the
//! full ingest queue and the full event channel waited on each other.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::util::*;

#[test]
fn twenty_thousand_inputs_with_shrunk_queues_all_end() {
    const INPUTS: usize = 20_000;
    let fx = Fixture::new();
    // Missing files fail at once: the test measures the plumbing, not FFmpeg.
    let inputs: Vec<String> = (0..INPUTS)
        .map(|i| fx.path(&format!("missing-{i}.mp4")).display().to_string())
        .collect();
    let mut child = vidprism()
        .env("VIDPRISM_QUEUE_CAPACITY", "4")
        .args(["process", "--json", "-o"])
        .arg(fx.out_dir())
        .args(&inputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run vidprism process");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).expect("read events");
        text
    });
    let status = exit_within(
        &mut child,
        Duration::from_secs(300),
        "process with shrunk queues (it waits on a full queue)",
    );
    let text = reader.join().expect("reader");
    assert_eq!(status.code(), Some(1), "every input fails");
    let failed = text
        .lines()
        .filter(|l| l.contains(r#""event":"job_failed""#))
        .count();
    assert_eq!(failed, INPUTS);
    let queued = text
        .lines()
        .filter(|l| l.contains(r#""event":"queued""#))
        .count();
    assert_eq!(queued, INPUTS);
}
