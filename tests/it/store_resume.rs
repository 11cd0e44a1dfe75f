//! The queue survives a kill: `vidprism process --store` is killed with
//! SIGKILL in the middle of a transcode, started again, and must re-run the
//! job from the start, with complete outputs and no temporary file left.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::*;
use serde_json::Value;
use vidprism_engine::output::TEMP_MARKER;
use vidprism_engine::store::{JobState, JobStore, DATA_DIR_ENV, STORE_FILE};

fn temp_files(out: &Path) -> Vec<std::path::PathBuf> {
    files_in(out)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(TEMP_MARKER))
        .collect()
}

/// Starts `process --store --json` and kills it (SIGKILL on Unix) once
/// the transcode has made some progress.
fn kill_mid_transcode(data: &Path, out: &Path, clip: &Path) {
    kill_mid_transcode_in(Path::new("."), data, out, clip)
}

/// [`kill_mid_transcode`] run in folder `cwd` (paths may be relative to it).
fn kill_mid_transcode_in(cwd: &Path, data: &Path, out: &Path, clip: &Path) {
    let mut child = vidprism()
        .current_dir(cwd)
        .env(DATA_DIR_ENV, data)
        .args(["process", "--store", "--json", "-o"])
        .arg(out)
        .arg(clip)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vidprism");
    let stdout = child.stdout.take().expect("piped stdout");
    let started = Instant::now();
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        let event: Value = serde_json::from_str(&line).expect("JSON");
        assert_ne!(
            event["event"], "job_done",
            "the job finished before the kill"
        );
        let fraction = event["fraction"].as_f64().unwrap_or(0.0);
        if event["event"] == "progress" && fraction > 0.05 {
            child.kill().expect("SIGKILL");
            killed = true;
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
    }
    child.wait().expect("reaped");
    assert!(killed, "the run ended without progress");
}

#[test]
fn a_killed_run_is_rerun_from_the_start_with_complete_outputs() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "1280x720", 12.0, true, &[]);
    let data = fx.path("data");
    let out = fx.out_dir();
    kill_mid_transcode(&data, &out, &clip);

    let store = JobStore::open(&data.join(STORE_FILE)).unwrap();
    assert_eq!(store.jobs().len(), 1);
    assert_eq!(store.jobs()[0].state, JobState::Running);
    drop(store);

    let output = vidprism()
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json", "-o"])
        .arg(&out)
        .output()
        .expect("run vidprism again");
    let events: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        events,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.one("job_done");
    assert_eq!(run.rendition_paths().len(), 3, "720p, 480p, 360p");
    assert_outputs_sound(&run, Some(12.0));
    for path in run.rendition_paths() {
        assert_eq!(frame_count(&path), 300, "{path:?} is complete");
    }
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
    // The interrupted attempt's files were removed: only the re-run's remain.
    let thumbnail = run.one("thumbnail_ready")["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected = run.rendition_paths();
    expected.push(thumbnail.into());
    expected.sort();
    let mut found = files_in(&out);
    found.sort();
    assert_eq!(found, expected);

    let store = JobStore::open(&data.join(STORE_FILE)).unwrap();
    let job = &store.jobs()[0];
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.outputs.len(), 3);
    assert_eq!(job.attempts, 2);
    drop(store);

    // Nothing left to resume: a third run has no job and succeeds.
    let again = vidprism()
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(again.stdout.is_empty());
}

#[test]
fn a_source_deleted_after_the_kill_fails_with_that_reason() {
    let fx = Fixture::new();
    let clip = fx.clip("gone.mp4", "1280x720", 12.0, false, &[]);
    let data = fx.path("data");
    let out = fx.out_dir();
    kill_mid_transcode(&data, &out, &clip);
    std::fs::remove_file(&clip).unwrap();
    let output = vidprism()
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("disappeared since it was queued"),
        "{stderr}"
    );
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
}

#[test]
fn a_second_vidprism_is_told_the_store_is_in_use_instead_of_overwriting_it() {
    let fx = Fixture::new();
    let data = fx.path("data");
    let clip = fx.clip("clip.mp4", "320x240", 0.5, false, &[]);
    let run = |label: &str| {
        let out = vidprism()
            .env(DATA_DIR_ENV, &data)
            .args(["process", "--store", "--json", "-p", "thumbnail", "-o"])
            .arg(fx.out_dir())
            .arg(&clip)
            .output()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Another VidPrism (here: this test) has the store open.
    let owner = JobStore::open(&data.join(STORE_FILE)).expect("store");
    let (code, stderr) = run("while in use");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("in use by another VidPrism"), "{stderr}");
    assert!(owner.jobs().is_empty());
    drop(owner);
    let (code, stderr) = run("once free");
    assert_eq!(code, Some(0), "{stderr}");
    let store = JobStore::open(&data.join(STORE_FILE)).expect("store");
    assert_eq!(store.jobs().len(), 1);
    assert_eq!(store.jobs()[0].state, JobState::Done);
}

/// Issue 26: `process --store` recorded relative paths, so a resume from
/// another folder processed a different file with the same size and time
/// there, and left the first run's partial files behind.
#[test]
fn a_resume_from_another_folder_runs_the_same_file_into_the_same_folder() {
    let fx = Fixture::new();
    let first = fx.path("first");
    let other = fx.path("other");
    std::fs::create_dir(&first).unwrap();
    std::fs::create_dir(&other).unwrap();
    let clip = fx.clip("clip.mp4", "1280x720", 12.0, false, &[]);
    std::fs::rename(&clip, first.join("clip.mp4")).unwrap();
    let data = fx.path("data");
    kill_mid_transcode_in(&first, &data, Path::new("out"), Path::new("clip.mp4"));
    // The same size and time, elsewhere, under the same name.
    let stranger = other.join("clip.mp4");
    std::fs::copy(first.join("clip.mp4"), &stranger).unwrap();
    let time = std::fs::metadata(first.join("clip.mp4"))
        .and_then(|m| m.modified())
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stranger)
        .and_then(|f| f.set_modified(time))
        .unwrap();
    let output = vidprism()
        .current_dir(&other)
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json"])
        .output()
        .expect("resume");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let events: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let queued: Vec<&Value> = events.iter().filter(|e| e["event"] == "queued").collect();
    assert_eq!(queued.len(), 1, "{events:?}");
    let first = std::fs::canonicalize(&first).unwrap();
    assert_eq!(
        std::fs::canonicalize(queued[0]["input"].as_str().unwrap()).unwrap(),
        first.join("clip.mp4")
    );
    assert!(
        !other.join("out").exists(),
        "nothing written where it was resumed"
    );
    let out = first.join("out");
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
    let made: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "rendition_done")
        .map(|e| std::path::PathBuf::from(e["path"].as_str().unwrap()))
        .collect();
    assert_eq!(made.len(), 3, "{events:?}");
    for path in made {
        assert!(
            std::fs::canonicalize(&path).unwrap().starts_with(&out),
            "{path:?}"
        );
        assert_eq!(frame_count(&path), 300, "{path:?} is complete");
    }
}
