//! Transcodes run at nice 19 (`pipeline/priority.rs`, the README's "thumbnails
//! and the window get the CPU first"), read from the kernel's own view of a
//! running `vidprism process`'s threads: the transcode worker and its encoder
//! threads at nice 19, the ingest and thumbnail workers and the main thread
//! at the nice the process started with.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{vidprism, Fixture};

/// (name, nice) of each thread of process `pid`, from /proc.
fn threads(pid: u32) -> Vec<(String, i64)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the process's threads");
    tasks
        .filter_map(|task| {
            let dir = task.ok()?.path();
            let name = std::fs::read_to_string(dir.join("comm")).ok()?;
            let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
            // Fields after the name in parentheses: state is field 3, nice
            // field 19 (proc(5)).
            let after_name = stat.rsplit_once(')')?.1;
            let nice = after_name.split_whitespace().nth(16)?.parse().ok()?;
            Some((name.trim().to_owned(), nice))
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn transcode_threads_run_at_nice_19_and_the_others_at_normal_priority() {
    let fx = Fixture::new();
    // Long enough to be seen encoding on a busy machine.
    let clip = fx.clip("long.mp4", "1280x720", 30.0, false, &[]);
    let mut child = vidprism()
        .env_remove("VIDPRISM_TRANSCODE_PRIORITY")
        .args(["process", "--json", "-p", "web", "-o"])
        .arg(fx.out_dir())
        .arg(&clip)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("vidprism starts");
    let pid = child.id();
    let own_nice = threads(std::process::id())[0].1;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut seen = None;
    for line in BufReader::new(stdout).lines() {
        let event: Value = serde_json::from_str(&line.expect("a line")).expect("JSON");
        if event["event"] == "progress" && event["stage"] == "transcode" {
            let now = threads(pid);
            if now.iter().any(|(name, _)| name.starts_with("encode ")) {
                seen = Some(now);
                break;
            }
        }
        assert_ne!(
            event["event"], "job_done",
            "the job ended before it was seen"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    let threads = seen.expect("progress of the transcode with its encoders running");
    let nice_of = |prefix: &str| -> Vec<i64> {
        threads
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|&(_, nice)| nice)
            .collect()
    };
    let (encoders, transcode) = (nice_of("encode "), nice_of("transcode "));
    assert!(!encoders.is_empty(), "{threads:?}");
    // One transcode worker holds the job (it lowered itself); the others
    // wait at the start's priority until they take one.
    assert!(transcode.contains(&19), "{threads:?}");
    assert!(encoders.iter().all(|&n| n == 19), "{threads:?}");
    for other in ["thumbnail ", "ingest ", "vidprism"] {
        let nice = nice_of(other);
        assert!(!nice.is_empty(), "no {other} thread: {threads:?}");
        assert!(nice.iter().all(|&n| n == own_nice), "{other}: {threads:?}");
    }
}
