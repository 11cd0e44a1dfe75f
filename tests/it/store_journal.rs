//! The job store's journal loses nothing to SIGKILL during heavy writes:
//! `vidprism process --store` on hundreds of clips is killed while jobs end
//! by the dozen, and a helper process that hammers the store (adds, events,
//! moves, removals; compactions on the way) is killed at arbitrary moments.
//! Each time the store is opened again and must hold every job that was
//! added, as far as it got, with no file set aside.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;
use serde_json::{json, Value};
use vidprism_engine::pipeline::Event;
use vidprism_engine::store::{JobState, JobStore, DATA_DIR_ENV, STORE_FILE};

/// The store's folder holds no set-aside (`.broken-N`) file.
fn assert_nothing_set_aside(data: &Path) {
    let names: Vec<String> = std::fs::read_dir(data)
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".broken-")), "{names:?}");
}

fn open_store(data: &Path) -> JobStore {
    let store = JobStore::open(&data.join(STORE_FILE)).expect("the store opens");
    assert_eq!(store.warning(), None);
    assert_nothing_set_aside(data);
    store
}

#[test]
fn process_killed_while_jobs_end_by_the_dozen_loses_no_job() {
    const CLIPS: usize = 400;
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "160x120", 0.2, false, &[]);
    let inputs: Vec<PathBuf> = (0..CLIPS)
        .map(|i| {
            let path = fx.path(&format!("clip-{i:04}.mp4"));
            std::fs::hard_link(&clip, &path).expect("link");
            path
        })
        .collect();
    let data = fx.path("data");
    let out = fx.out_dir();

    let mut child = vidprism()
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json", "-p", "thumbnail", "-o"])
        .arg(&out)
        .args(&inputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vidprism");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut queued: HashMap<u64, PathBuf> = HashMap::new();
    let mut done: HashSet<PathBuf> = HashSet::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let event: Value = serde_json::from_str(&line.expect("a line")).expect("JSON");
        let job = event["job"].as_u64().expect("a job id");
        match event["event"].as_str() {
            Some("queued") => {
                let input = event["input"].as_str().expect("an input");
                queued.insert(job, PathBuf::from(input));
            }
            Some("job_done") => {
                done.insert(queued[&job].clone());
            }
            _ => {}
        }
        if done.len() >= CLIPS / 3 {
            child.kill().expect("SIGKILL");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "too slow");
    }
    child.wait().expect("reaped");
    assert!(done.len() < CLIPS, "the run ended before the kill");

    // Every job the killed run reported is in the store, as far as it got.
    let store = open_store(&data);
    let by_input: HashMap<&Path, JobState> = store
        .jobs()
        .iter()
        .map(|j| (j.input.as_path(), j.state))
        .collect();
    assert_eq!(by_input.len(), store.jobs().len(), "no job twice");
    for input in queued.values() {
        assert!(by_input.contains_key(input.as_path()), "{input:?} lost");
    }
    for input in &done {
        assert_eq!(by_input[input.as_path()], JobState::Done, "{input:?}");
    }
    let added = store.jobs().len();
    assert!(added >= queued.len());
    drop(store);

    // The next run finishes the rest, each job once.
    let rerun = vidprism()
        .env(DATA_DIR_ENV, &data)
        .args(["process", "--store", "--json", "-o"])
        .arg(&out)
        .output()
        .expect("run again");
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let store = open_store(&data);
    assert_eq!(store.jobs().len(), added);
    assert!(store.jobs().iter().all(|j| j.state == JobState::Done));
}

/// Set in the helper process: the folder of the store to hammer.
const HAMMER_ENV: &str = "VIDPRISM_TEST_HAMMER_STORE";
/// Jobs the helper adds per run (killed before it gets there).
const HAMMER_JOBS: u64 = 20_000;

fn event(job: u64, kind: Value) -> Event {
    let mut value = json!({"job": job, "t_ms": 0});
    if let (Some(map), Value::Object(kind)) = (value.as_object_mut(), kind) {
        map.extend(kind);
    }
    serde_json::from_value(value).expect("an event")
}

/// The helper: not a test of its own (ignored, so never counted as a pass;
/// it panics without [`HAMMER_ENV`]); the test below runs this executable
/// again with `--ignored` and it set. Every change it makes is said on
/// stdout once the store returned.
#[test]
#[ignore = "a helper process of a_store_hammered_and_killed_again_and_again_loses_nothing"]
fn hammer_child() {
    let data = std::env::var_os(HAMMER_ENV).expect("run by hammer_and_kill, with its data folder");
    let data = PathBuf::from(data);
    let mut store = JobStore::open(&data.join(STORE_FILE)).expect("open");
    store.recover().expect("recover");
    let preset = vidprism_engine::presets::find_preset("web").expect("web");
    let mut engine_id = 1_000_000;
    for n in 0..HAMMER_JOBS {
        let input = data.join(format!("video-{n}.mp4"));
        let id = store
            .add(
                input,
                vec!["web".into()],
                vec![preset.clone()],
                data.join("out"),
            )
            .expect("add");
        println!("added {id}");
        engine_id += 1;
        store.bind(id, engine_id);
        let dir = data.join(format!("out/video-{n}"));
        let events = [
            json!({"event": "stage_started", "stage": "probe"}),
            json!({"event": "thumbnail_ready", "path": dir.join("thumbnail.jpg"), "width": 320, "height": 180}),
            json!({"event": "rendition_done", "rendition": "720p", "path": dir.join("720p.mp4"), "width": 1280, "height": 720, "bytes": 123_456}),
            json!({"event": "rendition_done", "rendition": "480p", "path": dir.join("480p.mp4"), "width": 854, "height": 480, "bytes": 65_432}),
        ];
        for kind in events {
            store.apply(&event(engine_id, kind)).expect("apply");
        }
        match n % 10 {
            // Some jobs fail, one in ten stays running (killed mid-way).
            3 => {
                let failed = json!({"event": "job_failed", "error": "bad"});
                store.apply(&event(engine_id, failed)).expect("apply");
                println!("failed {id}");
            }
            9 => println!("running {id}"),
            _ => {
                let done = json!({"event": "job_done", "outputs": 2});
                store.apply(&event(engine_id, done)).expect("apply");
                println!("done {id}");
            }
        }
        if n % 50 == 7 {
            store.move_to(id, 0).expect("move");
        }
        if n % 100 == 11 {
            store.remove(id).expect("remove");
            println!("removed {id}");
        }
    }
}

/// Runs the helper on `data` and kills it after `lines` lines; returns what
/// it said it did.
fn hammer_and_kill(data: &Path, lines: usize) -> Vec<(String, u64)> {
    let mut child = Command::new(std::env::current_exe().expect("this test"))
        .args([
            "--exact",
            "store_journal::hammer_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HAMMER_ENV, data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the helper");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut said = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        let mut words = line.split_whitespace();
        if let (Some(what), Some(Ok(id))) = (words.next(), words.next().map(str::parse)) {
            said.push((what.to_owned(), id));
        }
        if said.len() >= lines {
            child.kill().expect("SIGKILL");
            break;
        }
    }
    child.wait().expect("reaped");
    assert!(said.len() >= lines, "the helper stopped early");
    said
}

#[test]
fn a_store_hammered_and_killed_again_and_again_loses_nothing() {
    let fx = Fixture::new();
    let data = fx.path("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let mut expected: HashMap<u64, Option<JobState>> = HashMap::new();
    // Kill points spread over the helper's life; each run starts on what
    // the previous kill left, so opening after a kill is hammered too.
    for (round, lines) in [600, 2_000, 4_100, 900].into_iter().enumerate() {
        let said = hammer_and_kill(&data, lines);
        for (what, id) in said {
            let state = match what.as_str() {
                "added" | "running" => Some(JobState::Running),
                "done" => Some(JobState::Done),
                "failed" => Some(JobState::Failed),
                _ => None, // removed
            };
            expected.insert(id, state);
        }
        let store = open_store(&data);
        let mut found: HashMap<u64, JobState> = HashMap::new();
        for job in store.jobs() {
            assert!(
                found.insert(job.id, job.state).is_none(),
                "job {} twice",
                job.id
            );
        }
        for (id, state) in &expected {
            match state {
                None => assert!(!found.contains_key(id), "round {round}: {id} is back"),
                // A job said added may have ended before the kill, and one
                // interrupted in an earlier round was queued again.
                Some(JobState::Running) => {
                    assert!(found.contains_key(id), "round {round}: job {id} was lost")
                }
                Some(state) => assert_eq!(found.get(id), Some(state), "round {round}: job {id}"),
            }
        }
        let presets_ok = store.jobs().iter().all(|j| j.presets.len() == 1);
        assert!(presets_ok, "round {round}: every job keeps its preset");
    }
}
