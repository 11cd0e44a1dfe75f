//! `vidprism watch --json`: files written into a watched folder are queued
//! once, only when whole, and done once across restarts. Each test runs the
//! binary on its own folders and data dir, reads its JSON lines with a
//! deadline, and stops it with SIGTERM (Ctrl+C's path) at the end.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use serde_json::Value;

use crate::util::*;
use vidprism_engine::store::DATA_DIR_ENV;
use vidprism_engine::watch::LEDGER_FILE;

/// A running `vidprism watch --json`.
struct Watching {
    child: Child,
    lines: Receiver<Value>,
    events: Vec<Value>,
    stderr: Arc<Mutex<String>>,
}

impl Watching {
    /// Starts it on `dir` (the ledger in `data`, outputs in `out`) and waits
    /// until it says it is watching.
    fn start(
        data: &Path,
        out: &Path,
        dir: &Path,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Watching {
        let mut child = vidprism()
            .envs(env.iter().copied())
            .env(DATA_DIR_ENV, data)
            .args(["watch", "--json", "-p", "thumbnail", "-o"])
            .arg(out)
            .args(flags)
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vidprism watch");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let event: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready) = crossbeam_channel::bounded(1);
        let pipe = child.stderr.take().expect("piped stderr");
        let text = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if line.contains("watching") {
                    let _ = ready_tx.try_send(());
                }
                let mut text = text.lock().expect("stderr text");
                text.push_str(&line);
                text.push('\n');
            }
        });
        let mut watching = Watching {
            child,
            lines,
            events: Vec::new(),
            stderr,
        };
        if ready.recv_timeout(Duration::from_secs(60)).is_err() {
            panic!("watch did not start: {}", watching.stderr_text());
        }
        watching.drain();
        watching
    }

    fn stderr_text(&self) -> String {
        self.stderr.lock().expect("stderr text").clone()
    }

    /// Takes the lines that arrived so far.
    fn drain(&mut self) {
        while let Ok(event) = self.lines.try_recv() {
            self.events.push(event);
        }
    }

    /// Reads lines until `done` holds of all read so far; fails after `limit`.
    fn until(&mut self, limit: Duration, done: impl Fn(&[Value]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.events) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(event) => self.events.push(event),
                Err(_) => panic!(
                    "not there within {limit:?}; {} events: {:#?}\nstderr: {}",
                    self.events.len(),
                    self.events.iter().rev().take(10).collect::<Vec<_>>(),
                    self.stderr_text()
                ),
            }
        }
    }

    /// Waits until stderr holds `needle`; fails after `limit`.
    fn until_said(&mut self, limit: Duration, needle: &str) {
        let deadline = Instant::now() + limit;
        while !self.stderr_text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "not said within {limit:?}: {needle}\nstderr: {}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(50));
            self.drain();
        }
    }

    /// Reads whatever arrives within `wait`.
    fn settle_for(&mut self, wait: Duration) {
        std::thread::sleep(wait);
        self.drain();
    }

    /// SIGTERM, then the rest of its lines and its stderr.
    fn stop(mut self) -> (Vec<Value>, String) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = exit_within(
            &mut self.child,
            Duration::from_secs(30),
            "watch stops on SIGTERM",
        );
        assert!(status.success(), "watch exits cleanly: {status:?}");
        // The reader thread ends at the pipe's end.
        while let Ok(event) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.events.push(event);
        }
        std::thread::sleep(Duration::from_millis(50));
        let stderr = self.stderr_text();
        (std::mem::take(&mut self.events), stderr)
    }
}

/// A test that failed before `stop` leaves no watcher behind.
impl Drop for Watching {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Per input path: how many events of `kind` name it, `queued` naming the
/// input and the job id mapping the others to it.
fn count_by_input(events: &[Value], kind: &str) -> HashMap<PathBuf, usize> {
    let mut inputs: HashMap<u64, PathBuf> = HashMap::new();
    let mut counts = HashMap::new();
    for event in events {
        let job = event["job"].as_u64().expect("job id");
        if event["event"] == "queued" {
            let input = PathBuf::from(event["input"].as_str().expect("input"));
            inputs.insert(job, input);
        }
        if event["event"] == kind {
            let input = inputs.get(&job).expect("a queued event first").clone();
            *counts.entry(input).or_insert(0) += 1;
        }
    }
    counts
}

fn of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

/// A test's folders: the watched one (links resolved, as watch names its
/// files), the data dir, the outputs, and a tiny clip outside the folder.
struct Setup {
    fixture: Fixture,
    dir: PathBuf,
    clip: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let fixture = Fixture::new();
        let dir = fixture.path("in");
        std::fs::create_dir(&dir).expect("watched folder");
        let dir = std::fs::canonicalize(&dir).expect("watched folder");
        let clip = fixture.clip("clip.mp4", "64x48", 0.4, false, &[]);
        Setup { fixture, dir, clip }
    }

    fn start(&self, flags: &[&str]) -> Watching {
        self.start_with_env(flags, &[])
    }

    fn start_with_env(&self, flags: &[&str], env: &[(&str, &str)]) -> Watching {
        Watching::start(
            &self.fixture.path("data"),
            &self.fixture.out_dir(),
            &self.dir,
            flags,
            env,
        )
    }

    fn input(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

#[test]
fn a_file_written_in_chunks_is_queued_once_and_only_when_whole() {
    let setup = Setup::new();
    let mut watch = setup.start(&["--settle", "1"]);
    let bytes = std::fs::read(&setup.clip).expect("clip");
    let target = setup.input("slow.mp4");
    let mut file = std::fs::File::create(&target).expect("create");
    // Four chunks over ~3.6 s, each pause longer than the settling time:
    // only the open writer (no close-after-write yet) holds it back.
    for chunk in bytes.chunks(bytes.len().div_ceil(4)) {
        file.write_all(chunk).expect("write");
        file.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(1200));
        watch.drain();
        assert!(
            of(&watch.events, "queued").is_empty(),
            "queued before it was whole: {:?}",
            watch.events
        );
    }
    drop(file);
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    watch.settle_for(Duration::from_millis(1500));
    let (events, _) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(target.clone(), 1)])
    );
    assert_eq!(
        count_by_input(&events, "job_done"),
        HashMap::from([(target, 1)])
    );
}

const BURST: usize = 500;

#[test]
fn a_burst_of_files_is_each_queued_once() {
    burst(&[]);
}

/// With the engine's queues shrunk to 4, the loop keeps no more jobs open
/// than they hold: a submit waiting on a full queue while the events that
/// would empty it wait for the loop would hang here.
#[test]
fn a_burst_through_tiny_engine_queues_does_not_hang() {
    burst(&[("VIDPRISM_QUEUE_CAPACITY", "4")]);
}

fn burst(env: &[(&str, &str)]) {
    let setup = Setup::new();
    let mut watch = setup.start_with_env(&["--settle", "1", "--jobs", "2"], env);
    let names: Vec<PathBuf> = (0..BURST)
        .map(|i| setup.input(&format!("burst-{i:03}.mp4")))
        .collect();
    let started = Instant::now();
    for name in &names {
        std::fs::copy(&setup.clip, name).expect("copy");
    }
    watch.until(Duration::from_secs(90), |e| {
        of(e, "job_done").len() >= BURST
    });
    let took = started.elapsed();
    watch.settle_for(Duration::from_millis(1500));
    let (events, _) = watch.stop();
    let queued = count_by_input(&events, "queued");
    assert_eq!(queued.len(), BURST, "every file queued");
    assert!(queued.values().all(|&n| n == 1), "each once: {queued:?}");
    let done = count_by_input(&events, "job_done");
    assert_eq!(done.len(), BURST);
    eprintln!("{BURST} files written and done in {took:?}");
}

#[test]
fn a_restart_in_the_middle_of_a_burst_does_the_rest_exactly_once() {
    const FILES: usize = 300;
    let setup = Setup::new();
    let names: Vec<PathBuf> = (0..FILES)
        .map(|i| setup.input(&format!("r-{i:03}.mp4")))
        .collect();
    let mut watch = setup.start(&["--settle", "1"]);
    for name in &names {
        std::fs::copy(&setup.clip, name).expect("copy");
    }
    watch.until(Duration::from_secs(60), |e| {
        of(e, "job_done").len() >= FILES / 3
    });
    let (first, _) = watch.stop();
    let first_done = count_by_input(&first, "job_done");
    assert!(
        first_done.len() < FILES,
        "stopped in the middle, not after all"
    );
    let mut watch = setup.start(&["--settle", "1"]);
    let left = FILES - first_done.len();
    watch.until(Duration::from_secs(60), |e| of(e, "job_done").len() >= left);
    watch.settle_for(Duration::from_millis(1500));
    let (second, _) = watch.stop();
    let second_done = count_by_input(&second, "job_done");
    for name in &names {
        let times = first_done.get(name).unwrap_or(&0) + second_done.get(name).unwrap_or(&0);
        assert_eq!(times, 1, "{} done {times} times", name.display());
    }
    let ledger =
        std::fs::read_to_string(setup.fixture.path("data").join(LEDGER_FILE)).expect("the ledger");
    assert_eq!(ledger.lines().count(), FILES, "one ledger line per file");
}

#[test]
fn partial_downloads_wait_and_a_rename_in_counts_at_once() {
    let setup = Setup::new();
    // A partial download, a hidden file and a temp file are no sources:
    // written before a video whose settling time then passes (its job
    // ends), none of them is queued.
    let mut watch = setup.start(&["--settle", "1"]);
    let partial = setup.input("download.mp4.part");
    std::fs::copy(&setup.clip, &partial).expect("copy");
    std::fs::write(setup.input(".hidden.mp4"), b"not a video").expect("hidden");
    std::fs::write(setup.input("notes.tmp"), b"not a video").expect("tmp");
    let control = setup.input("control.mp4");
    std::fs::copy(&setup.clip, &control).expect("copy");
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    let (events, _) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(control, 1)])
    );
    // A settling time no test waits for: a file renamed in (the download
    // finished, one moved in from elsewhere) is queued all the same, so
    // it did not wait for it. No clock is read.
    let mut watch = setup.start(&["--settle", "3600"]);
    std::fs::rename(&partial, setup.input("download.mp4")).expect("rename");
    let outside = setup.fixture.path("elsewhere.mp4");
    std::fs::copy(&setup.clip, &outside).expect("copy");
    std::fs::rename(&outside, setup.input("moved.mp4")).expect("move in");
    watch.until(Duration::from_secs(60), |e| of(e, "job_done").len() >= 2);
    let (events, _) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([
            (setup.input("download.mp4"), 1),
            (setup.input("moved.mp4"), 1)
        ])
    );
}

#[test]
fn poll_mode_finds_files_and_drops_one_removed_while_waiting() {
    let setup = Setup::new();
    let mut watch = setup.start(&["--poll", "0.5", "--settle", "2"]);
    let kept = setup.input("kept.mp4");
    std::fs::copy(&setup.clip, &kept).expect("copy");
    let removed = setup.input("removed.mp4");
    std::fs::copy(&setup.clip, &removed).expect("copy");
    // Seen by a scan, then gone before its settling time is up.
    std::thread::sleep(Duration::from_millis(1200));
    std::fs::remove_file(&removed).expect("remove");
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    watch.settle_for(Duration::from_millis(2500));
    let (events, stderr) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(kept, 1)])
    );
    assert!(
        stderr.contains(&format!(
            "{}: removed before it was whole; dropped",
            removed.display()
        )),
        "a notice names the dropped file: {stderr}"
    );
}

#[test]
fn a_file_removed_while_waiting_is_dropped_with_a_notice() {
    let setup = Setup::new();
    let watch = setup.start(&["--settle", "3"]);
    let removed = setup.input("gone.mp4");
    std::fs::copy(&setup.clip, &removed).expect("copy");
    std::thread::sleep(Duration::from_millis(800));
    std::fs::remove_file(&removed).expect("remove");
    let mut watch = watch;
    watch.settle_for(Duration::from_secs(4));
    let (events, stderr) = watch.stop();
    assert!(of(&events, "queued").is_empty(), "{events:?}");
    assert!(
        stderr.contains(&format!(
            "{}: removed before it was whole; dropped",
            removed.display()
        )),
        "{stderr}"
    );
}

#[test]
fn on_done_moves_a_done_source_without_overwriting_and_leaves_a_failed_one() {
    let setup = Setup::new();
    let done_dir = setup.fixture.path("done");
    let on_done = format!("move:{}", done_dir.display());
    std::fs::copy(&setup.clip, setup.input("a.mp4")).expect("copy");
    std::fs::write(setup.input("bad.mp4"), b"not a video").expect("bad");
    std::fs::create_dir(&done_dir).expect("done folder");
    std::fs::write(done_dir.join("a.mp4"), b"taken").expect("a name taken");
    let mut watch = setup.start(&["--settle", "1", "--on-done", &on_done]);
    watch.until(Duration::from_secs(30), |e| {
        of(e, "job_done").len() + of(e, "job_failed").len() >= 2
    });
    let (events, _) = watch.stop();
    assert_eq!(count_by_input(&events, "job_done").len(), 1);
    assert_eq!(
        count_by_input(&events, "job_failed"),
        HashMap::from([(setup.input("bad.mp4"), 1)])
    );
    assert!(!setup.input("a.mp4").exists(), "moved away");
    assert!(setup.input("bad.mp4").exists(), "a failed source stays");
    assert_eq!(
        std::fs::read(done_dir.join("a.mp4")).expect("kept"),
        b"taken"
    );
    assert_eq!(
        std::fs::read(done_dir.join("a (1).mp4")).expect("moved"),
        std::fs::read(&setup.clip).expect("clip")
    );
}

#[test]
fn a_restart_skips_done_files_and_redoes_a_changed_one() {
    let setup = Setup::new();
    std::fs::copy(&setup.clip, setup.input("same.mp4")).expect("copy");
    std::fs::copy(&setup.clip, setup.input("changed.mp4")).expect("copy");
    let mut watch = setup.start(&["--settle", "1"]);
    watch.until(Duration::from_secs(30), |e| of(e, "job_done").len() >= 2);
    watch.stop();
    // Written again while nothing watched: the same bytes at another time
    // (set, not waited for: a coarse clock could give the same one), so
    // another file.
    let changed = setup.input("changed.mp4");
    let before = std::fs::metadata(&changed)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::fs::copy(&setup.clip, &changed).expect("copy again");
    let earlier = before - Duration::from_secs(3600);
    (std::fs::File::options().write(true).open(&changed))
        .and_then(|f| f.set_modified(earlier))
        .expect("mtime set");
    let mut watch = setup.start(&["--settle", "1"]);
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    watch.settle_for(Duration::from_millis(2000));
    let (events, _) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(setup.input("changed.mp4"), 1)])
    );
}

#[test]
fn a_watched_folder_feeds_a_farm() {
    let setup = Setup::new();
    let server = crate::util::nats_server::NatsServer::start(&[]);
    let worker = crate::util::nats::Worker::start(&server.url, setup.fixture.dir.path(), "w", &[]);
    let mut watch = setup.start(&["--settle", "1", "--nats", &server.url]);
    let input = setup.input("farmed.mp4");
    std::fs::copy(&setup.clip, &input).expect("copy");
    watch.until(Duration::from_secs(60), |e| !of(e, "job_done").is_empty());
    let (events, stderr) = watch.stop();
    assert_eq!(
        count_by_input(&events, "job_done"),
        HashMap::from([(input, 1)]),
        "{stderr}\n{}",
        worker.log_text()
    );
    let thumbnail = of(&events, "thumbnail_ready")[0]["path"]
        .as_str()
        .expect("path")
        .to_owned();
    assert!(Path::new(&thumbnail).is_file(), "{thumbnail}");
}

#[test]
fn recursive_watching_finds_new_subfolders_and_folders_moved_in() {
    let setup = Setup::new();
    let mut watch = setup.start(&["--settle", "1", "--recursive"]);
    let made = setup.input("made");
    std::fs::create_dir(&made).expect("subfolder");
    std::fs::copy(&setup.clip, made.join("a.mp4")).expect("copy");
    let outside = setup.fixture.path("batch");
    std::fs::create_dir(&outside).expect("folder");
    std::fs::copy(&setup.clip, outside.join("b.mp4")).expect("copy");
    std::fs::rename(&outside, setup.input("batch")).expect("move in");
    watch.until(Duration::from_secs(30), |e| of(e, "job_done").len() >= 2);
    watch.settle_for(Duration::from_millis(1500));
    let (events, _) = watch.stop();
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([
            (made.join("a.mp4"), 1),
            (setup.input("batch").join("b.mp4"), 1)
        ])
    );
}

#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_is_done_once_across_a_restart() {
    use std::os::unix::ffi::OsStrExt;
    let setup = Setup::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.mp4");
    std::fs::copy(&setup.clip, setup.dir.join(name)).expect("copy");
    let mut watch = setup.start(&["--settle", "1"]);
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    let (events, _) = watch.stop();
    let queued = of(&events, "queued");
    assert_eq!(queued.len(), 1);
    let hex = queued[0]["input"]["bytes_hex"]
        .as_str()
        .expect("exact bytes");
    assert!(hex.ends_with("636166e92e6d7034"), "{hex}");
    let mut watch = setup.start(&["--settle", "1"]);
    watch.settle_for(Duration::from_millis(2500));
    let (events, _) = watch.stop();
    assert!(of(&events, "queued").is_empty(), "done before: {events:?}");
}

/// How many events of `kind` name `input`.
fn count_of(events: &[Value], kind: &str, input: &Path) -> usize {
    count_by_input(events, kind)
        .get(input)
        .copied()
        .unwrap_or(0)
}

/// Issue 26: with `--recursive --on-done delete`, a link in the watched
/// folder to a folder elsewhere made the real files there be processed and
/// deleted, and a link to one file outside was processed. Links are not
/// followed now; with `--follow-links` they are, and on-done leaves what
/// it reached through them.
#[cfg(unix)]
#[test]
fn links_out_of_the_folder_are_not_followed_and_on_done_never_reaches_through_one() {
    let setup = Setup::new();
    let outside = setup.fixture.path("outside");
    std::fs::create_dir(&outside).expect("outside folder");
    std::fs::copy(&setup.clip, outside.join("o.mp4")).expect("copy");
    std::fs::copy(&setup.clip, outside.join("one.mp4")).expect("copy");
    std::os::unix::fs::symlink(&outside, setup.input("ext")).expect("folder link");
    std::os::unix::fs::symlink(outside.join("one.mp4"), setup.input("one.mp4")).expect("file link");
    std::fs::copy(&setup.clip, setup.input("a.mp4")).expect("copy");
    let flags = ["--settle", "1", "--recursive", "--on-done", "delete"];
    let mut watch = setup.start(&flags);
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    // New files there later are not seen through the link either.
    std::fs::copy(&setup.clip, outside.join("later.mp4")).expect("copy");
    std::fs::copy(&setup.clip, setup.input("b.mp4")).expect("copy");
    watch.until(Duration::from_secs(30), |e| of(e, "job_done").len() >= 2);
    watch.until_said(Duration::from_secs(10), "skipped 2 links not followed");
    watch.settle_for(Duration::from_millis(1500));
    let (events, stderr) = watch.stop();
    assert!(stderr.contains("(1 files found"), "{stderr}");
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(setup.input("a.mp4"), 1), (setup.input("b.mp4"), 1)]),
        "{stderr}"
    );
    for name in ["o.mp4", "one.mp4", "later.mp4"] {
        assert!(outside.join(name).exists(), "{name} outside is kept");
    }
    assert!(!setup.input("a.mp4").exists(), "a file inside is deleted");

    // Followed on request: processed, never deleted through the link.
    let flags = [&flags[..], &["--follow-links"]].concat();
    let mut watch = setup.start(&flags);
    watch.until(Duration::from_secs(30), |e| of(e, "job_done").len() >= 3);
    watch.until_said(Duration::from_secs(10), "reached through a link");
    watch.settle_for(Duration::from_millis(1500));
    let (events, stderr) = watch.stop();
    let queued = count_by_input(&events, "queued");
    assert_eq!(queued.len(), 3, "each outside file once: {queued:?}");
    assert!(
        queued.keys().all(|p| p.starts_with(setup.input("ext"))),
        "{queued:?}"
    );
    for name in ["o.mp4", "one.mp4", "later.mp4"] {
        assert!(
            outside.join(name).exists(),
            "{name} outside is kept: {stderr}"
        );
    }
    assert!(setup.input("one.mp4").is_symlink(), "the link stays too");
}

/// Issue 26: a `loop -> .` link made 41 jobs for one file, and two such
/// links kept the start-up scan from ever finishing.
#[cfg(unix)]
#[test]
fn loop_links_make_no_extra_jobs_and_the_start_up_scan_ends() {
    let setup = Setup::new();
    std::os::unix::fs::symlink(".", setup.input("loop")).expect("loop");
    std::os::unix::fs::symlink(".", setup.input("loop2")).expect("loop");
    std::fs::create_dir(setup.input("sub")).expect("sub");
    std::os::unix::fs::symlink("..", setup.input("sub").join("up")).expect("up");
    let a = setup.input("a.mp4");
    std::fs::copy(&setup.clip, &a).expect("copy");
    for follow in [false, true] {
        let mut flags = vec!["--settle", "1", "--recursive"];
        if follow {
            flags.push("--follow-links");
        }
        // Done once over both runs: the second run moves it to b.mp4.
        let name = if follow {
            setup.input("b.mp4")
        } else {
            a.clone()
        };
        if follow {
            std::fs::rename(&a, &name).expect("rename");
        }
        let mut watch = setup.start(&flags);
        watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
        watch.settle_for(Duration::from_millis(1500));
        let (events, stderr) = watch.stop();
        assert!(stderr.contains("(1 files found"), "{stderr}");
        assert_eq!(
            count_by_input(&events, "queued"),
            HashMap::from([(name, 1)]),
            "follow links: {follow}"
        );
    }
}

/// Issue 26: a file replaced at the same path while its job ran was
/// deleted by `--on-done delete` without ever being processed. Its job
/// waits here behind a longer one (`--jobs 1`) while it is replaced.
#[test]
fn a_file_replaced_while_its_job_runs_is_left_alone_then_processed_itself() {
    let setup = Setup::new();
    let slow = setup.fixture.clip("slow.mp4", "1280x720", 20.0, false, &[]);
    let flags = [
        "--settle",
        "1",
        "--jobs",
        "1",
        "-p",
        "web",
        "--on-done",
        "delete",
    ];
    let mut watch = setup.start(&flags);
    let slow_in = setup.input("slow.mp4");
    std::fs::rename(&slow, &slow_in).expect("move in");
    watch.until(Duration::from_secs(60), |e| !of(e, "progress").is_empty());
    let a = setup.input("a.mp4");
    std::fs::copy(&setup.clip, &a).expect("copy");
    watch.until(Duration::from_secs(60), |e| count_of(e, "queued", &a) == 1);
    // Replaced (another file renamed over it) while its job waits.
    let replacement = setup.input(".replacement");
    std::fs::copy(&setup.clip, &replacement).expect("copy");
    std::fs::rename(&replacement, &a).expect("replace");
    watch.until(Duration::from_secs(120), |e| {
        count_of(e, "job_done", &a) >= 1
    });
    watch.until_said(Duration::from_secs(10), "left alone");
    // The new file is a source of its own: done, then deleted.
    watch.until(Duration::from_secs(60), |e| {
        count_of(e, "job_done", &a) >= 2
    });
    let (events, stderr) = watch.stop();
    assert_eq!(count_of(&events, "queued", &a), 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{}: left alone", a.display())),
        "{stderr}"
    );
}

/// Issue 26: 2,000 small text files gave 2,000 failed jobs. Camera and
/// phone folders are full of sidecars; only videos are sources (a file
/// without an extension when its content is a video's), the rest is
/// counted in one line.
#[test]
fn two_thousand_text_files_and_sidecars_make_no_job_and_one_line() {
    let setup = Setup::new();
    for i in 0..2000 {
        std::fs::write(setup.input(&format!("note-{i:04}.txt")), b"text").expect("text");
    }
    for name in [
        "C0001.THM",
        "C0001.XML",
        "DJI_0001.LRF",
        "IMG_0001.AAE",
        "clip.SRT",
    ] {
        std::fs::write(setup.input(name), b"sidecar").expect("sidecar");
    }
    std::fs::write(setup.input("README"), b"plain text, no extension").expect("readme");
    std::fs::copy(&setup.clip, setup.input("CLIP0001")).expect("no extension");
    std::fs::copy(&setup.clip, setup.input("a.mp4")).expect("copy");
    let mut watch = setup.start(&["--settle", "1"]);
    watch.until(Duration::from_secs(60), |e| of(e, "job_done").len() >= 2);
    watch.until_said(
        Duration::from_secs(30),
        "skipped 2006 not videos (by extension or content)",
    );
    watch.settle_for(Duration::from_millis(1500));
    let (events, stderr) = watch.stop();
    assert!(of(&events, "job_failed").is_empty(), "{stderr}");
    assert_eq!(
        count_by_input(&events, "queued"),
        HashMap::from([(setup.input("CLIP0001"), 1), (setup.input("a.mp4"), 1)])
    );
    assert_eq!(stderr.matches("skipped").count(), 1, "{stderr}");
}

/// Issue 26: a watched folder removed and made again was silently no
/// longer watched.
#[test]
fn a_watched_folder_removed_and_made_again_is_watched_again() {
    let setup = Setup::new();
    let mut watch = setup.start(&["--settle", "1"]);
    std::fs::remove_dir(&setup.dir).expect("remove the folder");
    watch.until_said(Duration::from_secs(30), "was removed");
    std::fs::create_dir(&setup.dir).expect("make it again");
    watch.until_said(Duration::from_secs(30), "watched again");
    let a = setup.input("a.mp4");
    std::fs::copy(&setup.clip, &a).expect("copy");
    watch.until(Duration::from_secs(30), |e| !of(e, "job_done").is_empty());
    let (events, _) = watch.stop();
    assert_eq!(count_by_input(&events, "job_done"), HashMap::from([(a, 1)]));
}
