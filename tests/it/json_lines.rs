//! `vidprism process --json` whose reader leaves early, as `| head -1`
//! does: the run cancels its jobs and ends quietly with status 0, like any
//! command line tool whose output nobody reads any more.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::util::*;
use vidprism_engine::output::TEMP_MARKER;

#[test]
fn a_reader_that_leaves_after_one_line_ends_the_run_quietly_with_status_0() {
    let fx = Fixture::new();
    // Long enough to be still transcoding when the reader leaves.
    let clip = fx.clip("clip.mp4", "640x360", 10.0, true, &[]);
    let stderr_log = fx.path("stderr.txt");
    let mut child = vidprism()
        .args(["process", "--json", "-o"])
        .arg(fx.out_dir())
        .arg(&clip)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_log).expect("stderr file"))
        .spawn()
        .expect("start vidprism");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("one line");
    let event: serde_json::Value = serde_json::from_str(&first).expect("a JSON event");
    assert_eq!(event["event"], "queued");
    // The reader leaves: the pipe's read end closes, the next write fails.
    drop(stdout);

    let status = exit_within(
        &mut child,
        Duration::from_secs(120),
        "vidprism after its reader left",
    );
    let stderr = std::fs::read_to_string(&stderr_log).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "a quiet exit, got: {stderr}");
    let left: Vec<_> = files_in(&fx.out_dir())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(TEMP_MARKER))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
