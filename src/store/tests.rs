//! Unit tests of the job store: round trips, crash-safe files, corrupt and
//! older stores set aside, recovery after a crash.

use super::*;
use crate::pipeline::{Event, EventKind, JobDone, StageStarted, Thumbnail};

fn event(job: JobId, kind: EventKind) -> Event {
    Event { job, t_ms: 0, kind }
}

fn store_in(dir: &Path) -> JobStore {
    JobStore::open(&dir.join(STORE_FILE)).unwrap()
}

/// Opens the store again as the next run would: the old process is gone
/// (here: dropped), and with it its lock.
fn reopen(store: JobStore, dir: &Path) -> JobStore {
    drop(store);
    store_in(dir)
}

#[test]
fn jobs_and_their_results_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("clip.mp4");
    std::fs::write(&input, b"video").unwrap();
    let mut store = store_in(dir.path());
    let id = store
        .add(
            input.clone(),
            vec!["web".into()],
            Vec::new(),
            dir.path().join("out"),
        )
        .unwrap();
    store.bind(id, 7);
    let thumb = dir.path().join("out/clip/thumbnail.jpg");
    store
        .apply(&event(
            7,
            EventKind::ThumbnailReady(Thumbnail {
                path: thumb.clone(),
                width: 1,
                height: 1,
            }),
        ))
        .unwrap();
    store
        .apply(&event(7, EventKind::JobDone(JobDone { outputs: 1 })))
        .unwrap();

    let reopened = reopen(store, dir.path());
    assert!(reopened.warning().is_none());
    let job = reopened.job(id).unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.thumbnail.as_ref().map(|t| &t.path), Some(&thumb));
    assert_eq!(job.input, input);
    assert_eq!(job.attempts, 1);
    // No temporary file is left next to the store.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn a_corrupt_store_is_set_aside_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    std::fs::write(&path, b"{\"version\": 1, \"jobs\": [tru").unwrap();
    let store = JobStore::open(&path).unwrap();
    assert!(store.jobs().is_empty());
    let warning = store.warning().expect("a warning for the UI");
    assert!(
        warning.contains("corrupt") && warning.contains("set aside"),
        "{warning}"
    );
    let aside = dir.path().join(format!("{STORE_FILE}.broken-1"));
    assert_eq!(
        std::fs::read(aside).unwrap(),
        b"{\"version\": 1, \"jobs\": [tru"
    );
    assert!(!path.exists());
}

#[test]
fn a_store_from_another_version_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    std::fs::write(&path, b"{\"version\": 0, \"jobs\": []}").unwrap();
    std::fs::write(dir.path().join(format!("{STORE_FILE}.broken-1")), b"older").unwrap();
    let store = JobStore::open(&path).unwrap();
    assert!(store.warning().unwrap().contains("another version"));
    assert!(dir.path().join(format!("{STORE_FILE}.broken-2")).exists());
    assert_eq!(
        std::fs::read(dir.path().join(format!("{STORE_FILE}.broken-1"))).unwrap(),
        b"older"
    );
}

#[test]
fn recovery_requeues_interrupted_jobs_and_cleans_only_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let input = dir.path().join("clip.mp4");
    std::fs::write(&input, b"video").unwrap();
    let mut store = store_in(dir.path());
    let id = store
        .add(input.clone(), vec!["web".into()], Vec::new(), out.clone())
        .unwrap();
    store.bind(id, 1);
    let started = EventKind::StageStarted(StageStarted {
        stage: crate::pipeline::Stage::Probe,
        rendition: None,
    });
    store.apply(&event(1, started)).unwrap();
    let job_dir = out.join("clip");
    std::fs::create_dir_all(&job_dir).unwrap();
    let thumb = job_dir.join("thumbnail.jpg");
    std::fs::write(&thumb, b"jpeg").unwrap();
    store
        .apply(&event(
            1,
            EventKind::ThumbnailReady(Thumbnail {
                path: thumb.clone(),
                width: 1,
                height: 1,
            }),
        ))
        .unwrap();
    // The crash: a half-written rendition, and a user file in another folder.
    std::fs::write(job_dir.join(".720p.mp4.vidprism-part"), b"half").unwrap();
    std::fs::create_dir_all(out.join("mine")).unwrap();
    std::fs::write(out.join("mine/thumbnail.jpg"), b"user").unwrap();
    drop(store);

    let mut store = store_in(dir.path());
    assert_eq!(store.job(id).unwrap().state, JobState::Running);
    assert_eq!(store.recover().unwrap().rerun, vec![id]);
    let job = store.job(id).unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert!(job.thumbnail.is_none() && job.job_dir.is_none());
    assert!(
        !job_dir.exists(),
        "the interrupted attempt's folder is gone"
    );
    assert_eq!(
        std::fs::read(out.join("mine/thumbnail.jpg")).unwrap(),
        b"user"
    );
    assert_eq!(
        reopen(store, dir.path()).job(id).unwrap().state,
        JobState::Queued
    );
}

#[test]
fn a_user_file_in_the_interrupted_folder_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let input = dir.path().join("clip.mp4");
    std::fs::write(&input, b"video").unwrap();
    let mut store = store_in(dir.path());
    let id = store
        .add(input, Vec::new(), Vec::new(), out.clone())
        .unwrap();
    store.bind(id, 1);
    let job_dir = out.join("clip");
    std::fs::create_dir_all(&job_dir).unwrap();
    std::fs::write(job_dir.join("thumbnail.jpg"), b"jpeg").unwrap();
    store
        .apply(&event(
            1,
            EventKind::ThumbnailReady(Thumbnail {
                path: job_dir.join("thumbnail.jpg"),
                width: 1,
                height: 1,
            }),
        ))
        .unwrap();
    std::fs::write(job_dir.join("notes.txt"), b"user").unwrap();
    let mut store = reopen(store, dir.path());
    store.recover().unwrap();
    assert_eq!(std::fs::read(job_dir.join("notes.txt")).unwrap(), b"user");
    assert!(!job_dir.join("thumbnail.jpg").exists());
}

#[test]
fn a_source_that_changed_or_vanished_fails_with_that_reason() {
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.mp4");
    let vanished = dir.path().join("vanished.mp4");
    std::fs::write(&changed, b"video").unwrap();
    std::fs::write(&vanished, b"video").unwrap();
    let mut store = store_in(dir.path());
    let a = store
        .add(changed.clone(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    let b = store
        .add(vanished.clone(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    std::fs::write(&changed, b"another video, longer").unwrap();
    std::fs::remove_file(&vanished).unwrap();
    let mut store = reopen(store, dir.path());
    let recovery = store.recover().unwrap();
    assert!(recovery.rerun.is_empty());
    assert_eq!(recovery.failed.len(), 2);
    let a = store.job(a).unwrap();
    assert_eq!(a.state, JobState::Failed);
    assert!(a
        .error
        .as_ref()
        .unwrap()
        .contains("changed since it was queued"));
    let b = store.job(b).unwrap();
    assert!(b.error.as_ref().unwrap().contains("disappeared"));
}

#[test]
fn queue_order_and_clearing_finished_jobs_persist() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path());
    let ids: Vec<_> = (0..3)
        .map(|i| {
            store
                .add(
                    format!("{i}.mp4").into(),
                    Vec::new(),
                    Vec::new(),
                    dir.path().into(),
                )
                .unwrap()
        })
        .collect();
    store.move_to(ids[2], 0).unwrap();
    store.bind(ids[1], 5);
    store
        .apply(&event(5, EventKind::JobDone(JobDone { outputs: 0 })))
        .unwrap();
    store.clear_finished().unwrap();
    let order: Vec<_> = reopen(store, dir.path())
        .jobs()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(order, vec![ids[2], ids[0]]);
}

/// The store's file keeps its shape: a record as written before stays
/// readable (the thumbnail and outputs as their events described them) and
/// is written back the same.
#[test]
fn a_record_reads_and_writes_the_stored_json() {
    let json = r#"{"id":3,"input":"/videos/a.mp4","preset_names":["web"],"presets":[],"out_dir":"/out","state":"done","job_dir":"/out/a","thumbnail":{"path":"/out/a/thumbnail.jpg","width":640,"height":360},"outputs":[{"rendition":"720p","path":"/out/a/720p.mp4","width":1280,"height":720,"bytes":1000}],"error":null,"source":{"size":5,"mtime_ns":null},"attempts":1}"#;
    let record: JobRecord = serde_json::from_str(json).unwrap();
    let thumbnail = record.thumbnail.as_ref().unwrap();
    assert_eq!(thumbnail.path, Path::new("/out/a/thumbnail.jpg"));
    assert_eq!((thumbnail.width, thumbnail.height), (640, 360));
    let output = &record.outputs[0];
    assert_eq!(output.rendition, "720p");
    assert_eq!(output.path, Path::new("/out/a/720p.mp4"));
    assert_eq!(
        (output.width, output.height, output.bytes),
        (1280, 720, 1000)
    );
    assert_eq!(serde_json::to_string(&record).unwrap(), json);
}
