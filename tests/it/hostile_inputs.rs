//! Hostile inputs beyond `bad_inputs.rs` (which covers the missing path, a
//! folder, an empty file, a text file named .mov, random bytes and clips
//! truncated at 1, 30 and 90 %): a source deleted mid-transcode, a path
//! with spaces, quotes and non-ASCII characters, 200 files at once, a
//! transcode that stalls, and a seeded fuzz loop over probe and thumbnail.
//! Each ends in done or a clear job_failed, without panic or hang, and
//! leaves nothing at a final output name that is not a whole output.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::*;
use vidprism_engine::output::TEMP_MARKER;
use vidprism_engine::pipeline::{
    Engine, EngineConfig, Event, EventKind, JobFailed, JobId, JobRequest, Output,
};
use vidprism_engine::presets::find_preset;

fn request(input: PathBuf, out: PathBuf) -> JobRequest {
    JobRequest {
        input,
        presets: vec![find_preset("web").expect("the web preset")],
        out_dir: out,
    }
}

/// Events until `job` ends, failing after `limit` instead of hanging.
fn until_final(engine: &Engine, job: JobId, limit: Duration) -> Vec<Event> {
    collect_until(engine, limit, |e| e.job == job && e.kind.is_final())
}

fn no_temp_files(out: &Path) {
    let left: Vec<_> = files_in(out)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(TEMP_MARKER))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn a_source_deleted_while_it_is_transcoded() {
    let fx = Fixture::new();
    let src = fx.clip("doomed.mp4", "1280x720", 8.0, true, &[]);
    let engine = Engine::start(EngineConfig::default(), None).unwrap();
    let started = Instant::now();
    let id = engine.submit(request(src.clone(), fx.out_dir()));
    loop {
        let event = engine
            .events()
            .recv_timeout(Duration::from_secs(50))
            .unwrap();
        assert!(
            !event.kind.is_final(),
            "ended before any progress: {event:?}"
        );
        if matches!(event.kind, EventKind::Progress { .. }) {
            break;
        }
    }
    std::fs::remove_file(&src).unwrap();
    let events = until_final(&engine, id, Duration::from_secs(50));
    assert!(started.elapsed() < Duration::from_secs(60));
    no_temp_files(&fx.out_dir());
    match &events.last().unwrap().kind {
        // On Unix the open file lives on until closed: the job may finish.
        EventKind::JobDone { .. } => {
            for e in &events {
                if let EventKind::RenditionDone(Output { path, .. }) = &e.kind {
                    assert_eq!(decode_errors(path), "", "{path:?}");
                }
            }
        }
        EventKind::JobFailed(JobFailed { error }) => {
            assert!(error.contains("doomed.mp4"), "{error}")
        }
        other => panic!("unexpected end {other:?}"),
    }
}

#[test]
fn a_path_with_spaces_quotes_and_non_ascii_characters() {
    let fx = Fixture::new();
    let name = "it's a \"clip\" — été 日本 ü.mp4";
    let src = fx.clip(name, "320x240", 1.0, true, &[]);
    let run = process(&fx.out_dir(), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.one("job_done");
    assert_outputs_sound(&run, Some(1.0));
    for path in run.rendition_paths() {
        assert!(path.starts_with(fx.out_dir()), "{path:?} escaped");
        let folder = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy();
        assert_eq!(folder, "it's a \"clip\" — été 日本 ü");
    }
    no_temp_files(&fx.out_dir());
}

/// Resident memory of this process in kB (Linux), to bound growth.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn two_hundred_files_dropped_at_once_all_end() {
    let fx = Fixture::new();
    let good = fx.clip("good.mp4", "160x120", 0.5, false, &[]);
    let mut inputs = Vec::new();
    for i in 0..200 {
        let path = fx.path(&format!("file {i:03}.mp4"));
        match i % 5 {
            0 => std::fs::copy(&good, &path).map(|_| ()).unwrap(),
            1 => std::fs::write(&path, b"").unwrap(),
            2 => std::fs::write(&path, b"not a video at all").unwrap(),
            3 => std::fs::write(&path, vec![i as u8; 4096]).unwrap(),
            _ => {} // missing
        }
        inputs.push(path);
    }
    let before = rss_kb();
    let engine = Engine::start(EngineConfig::default(), None).unwrap();
    let submitting = Instant::now();
    let ids: Vec<JobId> = inputs
        .iter()
        .map(|p| engine.submit(request(p.clone(), fx.out_dir())))
        .collect();
    assert!(
        submitting.elapsed() < Duration::from_secs(2),
        "submitting 200 jobs must not block the caller: {:?}",
        submitting.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(55);
    let mut ended = std::collections::HashMap::new();
    while ended.len() < ids.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = engine
            .events()
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("only {} of 200 jobs ended", ended.len()));
        if event.kind.is_final() {
            assert!(ended.insert(event.job, event.kind).is_none(), "two ends");
        }
    }
    let done = ended
        .values()
        .filter(|k| matches!(k, EventKind::JobDone { .. }))
        .count();
    assert_eq!(done, 40, "every copy of the good clip is done");
    for kind in ended.values() {
        if let EventKind::JobFailed(JobFailed { error }) = kind {
            assert!(error.contains("file "), "{error} names no file");
        }
    }
    if let (Some(before), Some(after)) = (before, rss_kb()) {
        assert!(
            after.saturating_sub(before) < 400_000,
            "memory grew from {before} kB to {after} kB"
        );
    }
    no_temp_files(&fx.out_dir());
}

#[test]
fn a_transcode_that_stalls_fails_and_the_queue_moves_on() {
    let fx = Fixture::new();
    let src = fx.clip("slow.mp4", "640x360", 2.0, true, &[]);
    // Nothing encodes within a millisecond of opening: a guaranteed stall.
    let engine = Engine::start(
        EngineConfig {
            stall_timeout: Duration::from_millis(1),
            ..EngineConfig::default()
        },
        None,
    )
    .unwrap();
    let first = engine.submit(request(src.clone(), fx.out_dir()));
    let events = until_final(&engine, first, Duration::from_secs(30));
    match &events.last().unwrap().kind {
        EventKind::JobFailed(JobFailed { error }) => {
            assert!(
                error.contains("stalled") && error.contains("slow.mp4"),
                "{error}"
            )
        }
        other => panic!("expected a stalled failure, got {other:?}"),
    }
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::RenditionDone { .. })));
    no_temp_files(&fx.out_dir());

    engine.set_stall_timeout(Duration::from_secs(60));
    let second = engine.submit(request(src, fx.out_dir()));
    let events = until_final(&engine, second, Duration::from_secs(50));
    assert!(
        matches!(events.last().unwrap().kind, EventKind::JobDone { .. }),
        "{events:#?}"
    );
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Runs `f` on its own thread and fails the test if it takes over `limit`
/// (a hang) or panics.
fn bounded<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|e| panic!("{what}: no answer within {limit:?} ({e})"))
}

#[test]
fn fuzzed_clips_never_panic_or_hang_in_probe_and_thumbnail() {
    let fx = Fixture::new();
    let clip = fx.clip("seed.mp4", "160x120", 1.0, true, &[]);
    let original = std::fs::read(&clip).unwrap();
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let started = Instant::now();
    for i in 0..200 {
        let mut bytes = original.clone();
        match i % 4 {
            // Flip a few random bytes.
            0 | 1 => {
                for _ in 0..1 + rng.below(16) {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next() as u8;
                }
            }
            // Overwrite a run with random data.
            2 => {
                let at = rng.below(bytes.len());
                let end = (at + 1 + rng.below(256)).min(bytes.len());
                for b in &mut bytes[at..end] {
                    *b = rng.next() as u8;
                }
            }
            // Cut it anywhere.
            _ => bytes.truncate(rng.below(bytes.len())),
        }
        let input = fx.path(&format!("fuzz {i}.mp4"));
        std::fs::write(&input, &bytes).unwrap();
        let thumb = fx.path(&format!("fuzz {i}.jpg"));
        bounded(&format!("case {i}"), Duration::from_secs(20), move || {
            if let Ok(info) = vidprism_engine::media::probe(&input) {
                let spec = vidprism_engine::presets::ThumbnailSpec::default();
                // The ingest's sampling of pictures (interlacing) too.
                let rules = vidprism_engine::presets::PictureRules::default();
                let picture =
                    vidprism_engine::media::plan_pictures(&input, rules).unwrap_or_default();
                let _ = vidprism_engine::media::write_thumbnail(
                    &input,
                    &thumb,
                    info.display,
                    &spec,
                    &picture,
                );
            }
            let _ = std::fs::remove_file(&input);
        });
    }
    assert!(
        started.elapsed() < Duration::from_secs(55),
        "200 cases took {:?}",
        started.elapsed()
    );
}

/// A playlist or a concat list sent as a "video" would make FFmpeg read the
/// files it names (on a farm worker: its own files, uploaded as outputs).
/// Both name a real clip here, so only the refusal keeps them from working.
#[test]
fn playlists_and_concat_lists_are_refused_not_followed() {
    let fx = Fixture::new();
    let real = fx.clip("real.mp4", "320x240", 1.0, false, &[]);
    let real = real.to_str().unwrap();
    let hls = fx.path("holiday.mp4");
    std::fs::write(
        &hls,
        format!("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n{real}\n#EXT-X-ENDLIST\n"),
    )
    .unwrap();
    let concat = fx.path("party.mov");
    std::fs::write(&concat, format!("ffconcat version 1.0\nfile '{real}'\n")).unwrap();
    for (source, kind) in [(&hls, "a playlist"), (&concat, "a concat list")] {
        let run = process(&fx.out_dir(), &[source.to_str().unwrap()]);
        assert_ne!(run.code, 0, "{}", run.stderr);
        let failed = run.one("job_failed");
        let error = failed["error"].as_str().unwrap();
        assert!(error.contains(source.to_str().unwrap()), "{error}");
        assert!(error.contains(kind), "{error}");
        assert!(run.rendition_paths().is_empty());
    }
    assert!(files_in(&fx.out_dir()).is_empty(), "something was written");
}

/// A name that is not UTF-8 (a camera's, an old Windows share's) goes
/// through probe, transcode, the output folder and the JSON events, whose
/// paths keep the exact bytes (`{"lossy", "bytes_hex"}`).
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_works_everywhere() {
    use std::os::unix::ffi::OsStrExt;
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 1.0, true, &[]);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.mp4");
    let src = fx.dir.path().join(name);
    std::fs::rename(&clip, &src).unwrap();
    let out = fx.out_dir();
    let output = vidprism()
        .args(["process", "--json", "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .expect("run vidprism");
    let stdout = String::from_utf8(output.stdout).expect("events are UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a whole JSON line"))
        .collect();
    let queued = events.iter().find(|e| e["event"] == "queued").unwrap();
    let hex: String = src
        .as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(queued["input"]["bytes_hex"], hex.as_str());
    assert!(queued["input"]["lossy"]
        .as_str()
        .unwrap()
        .ends_with("caf\u{FFFD} \u{FFFD}.mp4"));
    assert!(events.iter().any(|e| e["event"] == "job_done"), "{stdout}");
    let done: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "rendition_done")
        .collect();
    assert!(!done.is_empty());
    for e in done {
        // The folder's invalid bytes are replaced visibly, so outputs are UTF-8.
        let path = Path::new(e["path"].as_str().expect("a plain path"));
        assert!(
            path.starts_with(out.join("caf\u{FFFD} \u{FFFD}")),
            "{path:?}"
        );
        assert_eq!(decode_errors(path), "", "{path:?}");
    }
    no_temp_files(&out);
}

/// A file name with terminal escape sequences (clear the screen, set the
/// window title) reaches the terminal harmless: `process` prints it with
/// its control characters shown as U+FFFD.
#[test]
fn a_file_name_with_escape_sequences_never_reaches_the_terminal_as_is() {
    let fx = Fixture::new();
    let src = fx.clip(
        "clip\u{1b}[2J\u{1b}]0;owned\u{7}.mp4",
        "320x240",
        0.5,
        false,
        &[],
    );
    let out = vidprism()
        .args(["process", "-p", "thumbnail", "-o"])
        .arg(fx.out_dir())
        .arg(&src)
        .output()
        .expect("run vidprism");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("clip\u{FFFD}[2J"), "{stderr:?}");
    assert!(!stderr.contains(['\u{1b}', '\u{7}']), "{stderr:?}");
}
