//! Unit tests of the job store: round trips, crash-safe files, corrupt and
//! older stores set aside, recovery after a crash.

use super::*;
use crate::pipeline::{Event, EventKind, JobDone, Output, StageStarted, Thumbnail};

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
    let (mut store, id) = web_job(dir.path(), &input, &dir.path().join("out"));
    store.bind(id, 7);
    let thumb = dir.path().join("out/clip/thumbnail.jpg");
    store.apply(&event(7, thumbnail_at(&thumb))).unwrap();
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

/// `thumbnail_ready` of a 1x1 thumbnail at `path`.
fn thumbnail_at(path: &Path) -> EventKind {
    EventKind::ThumbnailReady(Thumbnail {
        path: path.to_path_buf(),
        width: 1,
        height: 1,
    })
}

/// A store in `dir` with one job under the `web` preset: the source
/// `input` (written, a few bytes) into `out`.
fn web_job(dir: &Path, input: &Path, out: &Path) -> (JobStore, StoreId) {
    std::fs::write(input, b"video").unwrap();
    let mut store = store_in(dir);
    let id = store
        .add(
            input.to_path_buf(),
            vec!["web".into()],
            Vec::new(),
            out.to_path_buf(),
        )
        .unwrap();
    (store, id)
}

/// A store in `dir` with one job for `dir/clip.mp4` into `out`, bound to
/// engine job 1 and started: what a crash interrupts.
fn started_job(dir: &Path, out: &Path) -> (JobStore, StoreId) {
    let (mut store, id) = web_job(dir, &dir.join("clip.mp4"), out);
    store.bind(id, 1);
    let started = EventKind::StageStarted(StageStarted {
        stage: crate::pipeline::Stage::Probe,
        rendition: None,
    });
    store.apply(&event(1, started)).unwrap();
    (store, id)
}

/// A record is what events said, and a farm's came from other machines:
/// recovery deletes only files directly in a folder the pipeline makes for
/// the job, never a file a record names elsewhere.
#[test]
fn recovery_never_deletes_a_file_outside_the_jobs_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut store, id) = started_job(dir.path(), &out);
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, b"the user's").unwrap();
    let mine = out.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("720p.mp4"), b"the user's video").unwrap();
    // Outputs named outside any folder of the job's (as a hostile farm
    // message once could make a submitter record).
    for path in [precious.clone(), mine.join("720p.mp4")] {
        let done = EventKind::RenditionDone(Output {
            rendition: "720p".into(),
            path,
            width: 1,
            height: 1,
            bytes: 1,
            skipped_tracks: Vec::new(),
            sidecars: Vec::new(),
            quality: None,
        });
        store.apply(&event(1, done)).unwrap();
    }
    drop(store);
    let mut store = store_in(dir.path());
    assert_eq!(store.recover().unwrap().rerun, vec![id]);
    assert_eq!(std::fs::read(&precious).unwrap(), b"the user's");
    assert_eq!(
        std::fs::read(mine.join("720p.mp4")).unwrap(),
        b"the user's video"
    );
}

#[test]
fn recovery_requeues_interrupted_jobs_and_cleans_only_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut store, id) = started_job(dir.path(), &out);
    let job_dir = out.join("clip");
    std::fs::create_dir_all(&job_dir).unwrap();
    let thumb = job_dir.join("thumbnail.jpg");
    std::fs::write(&thumb, b"jpeg").unwrap();
    store.apply(&event(1, thumbnail_at(&thumb))).unwrap();
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

/// A started job whose folder `out/clip` holds `names`, announced by the
/// event `announce` makes of that folder; the store reopened as after a
/// crash, not yet recovered. Returns it, the job and the folder.
fn interrupted_with(
    dir: &Path,
    names: &[&str],
    announce: impl FnOnce(&Path) -> EventKind,
) -> (JobStore, StoreId, std::path::PathBuf) {
    let out = dir.join("out");
    let (mut store, id) = started_job(dir, &out);
    let job_dir = out.join("clip");
    std::fs::create_dir_all(&job_dir).unwrap();
    for name in names {
        std::fs::write(job_dir.join(name), b"x").unwrap();
    }
    store.apply(&event(1, announce(&job_dir))).unwrap();
    (reopen(store, dir), id, job_dir)
}

#[test]
fn an_interrupted_storyboard_is_remembered_and_its_files_removed_on_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["storyboard.vtt", "storyboard-001.jpg", "poster.jpg"];
    let storyboard = |job_dir: &Path| crate::pipeline::Storyboard {
        path: job_dir.join("storyboard.vtt"),
        sprites: vec!["storyboard-001.jpg".into()],
        tiles: 3,
        tile_width: 160,
        tile_height: 90,
        poster: Some("poster.jpg".into()),
    };
    let (mut store, id, job_dir) = interrupted_with(dir.path(), &names, |job_dir| {
        EventKind::StoryboardReady(storyboard(job_dir))
    });
    assert_eq!(
        store.job(id).unwrap().storyboard,
        Some(storyboard(&job_dir))
    );
    assert_eq!(store.recover().unwrap().rerun, vec![id]);
    assert!(store.job(id).unwrap().storyboard.is_none());
    for name in names {
        assert!(!job_dir.join(name).exists(), "{name} is removed");
    }
    assert!(!job_dir.exists());
}

#[test]
fn an_interrupted_renditions_sidecars_are_removed_on_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["720p.mp4", "720p.eng.vtt", "master.m3u8"];
    let (mut store, id, job_dir) = interrupted_with(dir.path(), &names, |job_dir| {
        EventKind::RenditionDone(Output {
            rendition: "720p".into(),
            path: job_dir.join("720p.mp4"),
            width: 1280,
            height: 720,
            bytes: 1,
            skipped_tracks: Vec::new(),
            sidecars: vec!["720p.eng.vtt".into(), "master.m3u8".into()],
            quality: None,
        })
    });
    assert_eq!(store.recover().unwrap().rerun, vec![id]);
    let left: Vec<_> = names.iter().filter(|n| job_dir.join(n).exists()).collect();
    assert!(left.is_empty(), "not removed: {left:?}");
    assert!(!job_dir.exists());
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
        .apply(&event(1, thumbnail_at(&job_dir.join("thumbnail.jpg"))))
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

// --- The journal and the snapshot ---

/// The journal at `path` holds its format line and nothing else.
fn assert_only_the_format_line(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text,
        format!("{{\"seq\":0,\"format\":{STORE_VERSION},\"op\":\"remove\",\"ids\":[]}}\n")
    );
}

fn journal_of(dir: &Path) -> PathBuf {
    dir.join(format!("{STORE_FILE}{JOURNAL_SUFFIX}"))
}

/// What a kill would leave: the store's files as they are now, copied
/// while the store is still open (nothing more reaches them after a kill).
fn files_at_kill(dir: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for name in [
        STORE_FILE.to_owned(),
        format!("{STORE_FILE}{JOURNAL_SUFFIX}"),
    ] {
        if dir.join(&name).exists() {
            std::fs::copy(dir.join(&name), copy.path().join(&name)).unwrap();
        }
    }
    copy
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A store with a few jobs in every state, moved and removed.
fn busy_store(dir: &Path) -> JobStore {
    let web = crate::presets::find_preset("web").unwrap();
    let mut store = store_in(dir);
    let ids: Vec<_> = (0..6)
        .map(|i| {
            store
                .add(
                    dir.join(format!("{i}.mp4")),
                    vec!["web".into()],
                    vec![web.clone()],
                    dir.join("out"),
                )
                .unwrap()
        })
        .collect();
    for (n, &id) in ids.iter().enumerate().take(4) {
        let job = n as JobId + 10;
        store.bind(id, job);
        let started = EventKind::StageStarted(crate::pipeline::StageStarted {
            stage: crate::pipeline::Stage::Probe,
            rendition: None,
        });
        store.apply(&event(job, started)).unwrap();
        let thumbnail = EventKind::ThumbnailReady(crate::pipeline::Thumbnail {
            path: dir.join(format!("out/{n}/thumbnail.jpg")),
            width: 320,
            height: 180,
        });
        store.apply(&event(job, thumbnail)).unwrap();
    }
    store
        .apply(&event(
            10,
            EventKind::JobDone(crate::pipeline::JobDone { outputs: 0 }),
        ))
        .unwrap();
    let failed = EventKind::JobFailed(crate::pipeline::JobFailed {
        error: "broken".into(),
    });
    store.apply(&event(11, failed)).unwrap();
    store.move_to(ids[5], 0).unwrap();
    store.remove(ids[2]).unwrap();
    store.mark_cancelled(ids[4]).unwrap();
    store
}

#[test]
fn every_change_is_in_the_journal_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let store = busy_store(dir.path());
    let killed = files_at_kill(dir.path());
    // Nothing was compacted: the changes are only in the journal.
    assert!(!killed.path().join(STORE_FILE).exists());
    let reopened = store_in(killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs(), store.jobs());
    assert_eq!(reopened.jobs().len(), 5);
    assert_eq!(reopened.jobs()[0].id, 6, "the move was replayed");
    assert_eq!(reopened.jobs()[1].state, JobState::Done);
    assert_eq!(reopened.jobs()[2].error.as_deref(), Some("broken"));
    assert_eq!(reopened.jobs()[1].presets.len(), 1);
    // Opening compacted the journal into the snapshot.
    assert_only_the_format_line(&journal_of(killed.path()));
    assert_eq!(reopen(reopened, killed.path()).jobs(), store.jobs());
}

#[test]
fn a_preset_is_written_once_however_many_jobs_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let web = crate::presets::find_preset("web").unwrap();
    let mut store = store_in(dir.path());
    for i in 0..50 {
        store
            .add(
                format!("{i}.mp4").into(),
                vec!["web".into()],
                vec![web.clone()],
                dir.path().into(),
            )
            .unwrap();
    }
    let journal = std::fs::read_to_string(journal_of(dir.path())).unwrap();
    assert_eq!(
        journal.lines().count(),
        51,
        "the format line, then a line a job"
    );
    assert_eq!(journal.matches(&web.description).count(), 1, "{journal}");
    let store = reopen(store, dir.path());
    assert!(store.jobs().iter().all(|j| j.presets == vec![web.clone()]));
    let snapshot = std::fs::read_to_string(dir.path().join(STORE_FILE)).unwrap();
    assert_eq!(snapshot.matches(&web.description).count(), 1);
}

#[test]
fn the_journal_is_compacted_when_it_outgrows_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path());
    store.compact_min_bytes = 2_000;
    let mut compactions = 0;
    let mut last_len = 0;
    for i in 0..200 {
        let id = store
            .add(
                format!("{i}.mp4").into(),
                Vec::new(),
                Vec::new(),
                dir.path().into(),
            )
            .unwrap();
        store.bind(id, i);
        store
            .apply(&event(
                i,
                EventKind::JobDone(crate::pipeline::JobDone { outputs: 0 }),
            ))
            .unwrap();
        let len = std::fs::metadata(journal_of(dir.path())).unwrap().len();
        if len < last_len {
            compactions += 1;
        }
        last_len = len;
        let snapshot = std::fs::metadata(dir.path().join(STORE_FILE)).map_or(0, |m| m.len());
        assert!(
            len <= (COMPACT_FACTOR * snapshot).max(2_000) + 1_000,
            "journal {len} B, snapshot {snapshot} B"
        );
    }
    // The snapshot grows with the queue, so compactions get rarer.
    assert!((3..30).contains(&compactions), "{compactions} compactions");
    let killed = files_at_kill(dir.path());
    let reopened = store_in(killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs(), store.jobs());
    assert!(reopened.jobs().iter().all(|j| j.state == JobState::Done));
}

#[test]
fn a_crash_between_the_snapshot_and_emptying_the_journal_replays_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = busy_store(dir.path());
    // The compaction's first half: the snapshot is written, the journal not
    // yet emptied.
    store.write_snapshot().unwrap();
    let killed = files_at_kill(dir.path());
    assert!(std::fs::metadata(journal_of(killed.path())).unwrap().len() > 0);
    let reopened = store_in(killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs(), store.jobs());
    // And the lines after the snapshot are replayed on it.
    store.move_to(1, 0).unwrap();
    store.remove(4).unwrap();
    let killed = files_at_kill(dir.path());
    assert_eq!(store_in(killed.path()).jobs(), store.jobs());
}

/// A busy store in `dir` and what a kill leaves of it, with `tail`
/// appended to its journal.
fn killed_with_journal_tail(dir: &Path, tail: &[u8]) -> (JobStore, tempfile::TempDir) {
    let store = busy_store(dir);
    let killed = files_at_kill(dir);
    let mut journal = std::fs::OpenOptions::new()
        .append(true)
        .open(journal_of(killed.path()))
        .unwrap();
    std::io::Write::write_all(&mut journal, tail).unwrap();
    (store, killed)
}

/// Rewrites the JSON file at `path` as `edit` changes it.
fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(path, serde_json::to_vec(&value).unwrap()).unwrap();
}

#[test]
fn a_torn_last_line_is_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (store, killed) =
        killed_with_journal_tail(dir.path(), b"{\"seq\":99,\"op\":\"add\",\"job\":{\"id\":");
    let mut reopened = store_in(killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs(), store.jobs());
    // The next change does not continue the torn line.
    let id = reopened
        .add("new.mp4".into(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    let again = reopen(reopened, killed.path());
    assert!(again.warning().is_none());
    assert!(again.job(id).is_some());
    assert_eq!(
        file_names(killed.path()),
        vec![
            STORE_FILE.to_owned(),
            format!("{STORE_FILE}{JOURNAL_SUFFIX}"),
            format!("{STORE_FILE}.lock")
        ]
    );
}

#[test]
fn a_damaged_journal_line_sets_the_journal_aside_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = busy_store(dir.path());
    let later = store
        .add(
            "later.mp4".into(),
            Vec::new(),
            Vec::new(),
            dir.path().into(),
        )
        .unwrap();
    let killed = files_at_kill(dir.path());
    let journal = std::fs::read_to_string(journal_of(killed.path())).unwrap();
    let mut lines: Vec<&str> = journal.lines().collect();
    // The fourth line (the third job's add, after the format line) is
    // damaged.
    lines[3] = "{\"seq\":3,\"op\":\"add\",\"jo#garbage";
    let damaged = lines.join("\n") + "\n";
    std::fs::write(journal_of(killed.path()), &damaged).unwrap();

    let reopened = store_in(killed.path());
    let warning = reopened.warning().expect("a notice");
    assert!(
        warning.contains("line 4") && warning.contains("set aside"),
        "{warning}"
    );
    let aside = killed
        .path()
        .join(format!("{STORE_FILE}{JOURNAL_SUFFIX}.broken-1"));
    assert_eq!(std::fs::read_to_string(aside).unwrap(), damaged);
    // Every other job is there, with what happened to it.
    let ids: Vec<_> = reopened.jobs().iter().map(|j| j.id).collect();
    assert!(!ids.contains(&3) && ids.contains(&later), "{ids:?}");
    let expected: Vec<_> = store.jobs().iter().filter(|j| j.id != 3).cloned().collect();
    assert_eq!(reopened.jobs(), expected);
    // The next start is clean.
    assert!(reopen(reopened, killed.path()).warning().is_none());
}

#[test]
fn a_damaged_snapshot_is_set_aside_and_the_journal_still_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path());
    store
        .add("a.mp4".into(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    store.write_snapshot().unwrap();
    store.journal.clear().unwrap();
    store
        .add("b.mp4".into(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    let killed = files_at_kill(dir.path());
    std::fs::write(
        killed.path().join(STORE_FILE),
        b"{\"version\": 2, \"seq\": 1, \"jo",
    )
    .unwrap();
    let reopened = store_in(killed.path());
    let warning = reopened.warning().expect("a notice");
    assert!(
        warning.contains("corrupt") && warning.contains("set aside"),
        "{warning}"
    );
    assert!(killed
        .path()
        .join(format!("{STORE_FILE}.broken-1"))
        .exists());
    let inputs: Vec<_> = reopened.jobs().iter().map(|j| j.input.clone()).collect();
    assert_eq!(inputs, vec![absolute("b.mp4".into())]);
}

#[test]
fn the_previous_versions_file_is_read_once_as_the_first_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let web = crate::presets::find_preset("web").unwrap();
    let job = |id: u64, state: &str| {
        serde_json::json!({
            "id": id, "input": format!("/videos/{id}.mp4"), "preset_names": ["web"],
            "presets": [web], "out_dir": "/out", "state": state, "attempts": 1,
            "thumbnail": {"path": format!("/out/{id}/thumbnail.jpg"), "width": 320, "height": 180},
        })
    };
    let old = serde_json::json!({"version": 1, "next_id": 9, "jobs": [job(3, "done"), job(5, "running")]});
    std::fs::write(
        dir.path().join(STORE_FILE),
        serde_json::to_vec_pretty(&old).unwrap(),
    )
    .unwrap();
    let mut store = store_in(dir.path());
    assert!(store.warning().is_none());
    assert_eq!(store.jobs().len(), 2);
    assert_eq!(store.jobs()[0].state, JobState::Done);
    assert_eq!(store.jobs()[1].presets, vec![web.clone()]);
    assert_eq!(
        store.jobs()[1].thumbnail.as_ref().map(|t| t.width),
        Some(320)
    );
    // Rewritten in this version's format, the preset once.
    let snapshot = std::fs::read_to_string(dir.path().join(STORE_FILE)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(value["version"], STORE_VERSION);
    assert_eq!(snapshot.matches(&web.description).count(), 1);
    // Ids go on from the old file's.
    let id = store
        .add("new.mp4".into(), Vec::new(), Vec::new(), dir.path().into())
        .unwrap();
    assert_eq!(id, 9);
    let reopened = reopen(store, dir.path());
    assert_eq!(reopened.jobs().len(), 3);
    assert!(reopened.warning().is_none());
}

/// A source whose name is not UTF-8 is stored and read back byte for byte
/// (it used to be lost: its record could not be written as JSON).
#[cfg(unix)]
#[test]
fn a_source_name_that_is_not_utf8_survives_a_restart() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.mp4"));
    let (store, id) = web_job(dir.path(), &input, &dir.path().join("out"));
    let store = reopen(store, dir.path());
    assert!(store.warning().is_none());
    assert_eq!(store.job(id).unwrap().input, input);
}

// --- Issue 26: what the store cannot read costs only itself ---

/// A snapshot with three jobs (written as the store writes it), the second
/// then changed by `edit`, as a later version would have written it.
fn snapshot_with_second_job(dir: &Path, edit: impl Fn(&mut serde_json::Value)) -> PathBuf {
    let mut store = store_in(dir);
    for name in ["a.mp4", "b.mp4", "c.mp4"] {
        let web = crate::presets::find_preset("web").unwrap();
        store
            .add(
                dir.join(name),
                vec!["web".into()],
                vec![web],
                dir.join("out"),
            )
            .unwrap();
    }
    store.write_snapshot().unwrap();
    store.journal.clear().unwrap();
    drop(store);
    let path = dir.join(STORE_FILE);
    edit_json(&path, |value| edit(&mut value["jobs"][1]));
    path
}

#[test]
fn a_job_with_a_state_from_a_later_version_is_set_aside_and_the_others_restored() {
    let dir = tempfile::tempdir().unwrap();
    let path = snapshot_with_second_job(dir.path(), |job| job["state"] = "paused".into());
    let written = std::fs::read(&path).unwrap();
    let store = JobStore::open(&path).unwrap();
    let ids: Vec<_> = store.jobs().iter().map(|j| j.id).collect();
    assert_eq!(ids, [1, 3], "the good jobs are kept");
    let warning = store.warning().expect("a warning");
    assert!(
        warning.contains("job 2") && warning.contains("paused") && warning.contains("restored"),
        "{warning}"
    );
    // Its text is kept: the snapshot as it was, beside.
    let aside = dir.path().join(format!("{STORE_FILE}.broken-1"));
    assert_eq!(std::fs::read(&aside).unwrap(), written);
    assert!(warning.contains(&aside.display().to_string()), "{warning}");
    // The next start is clean, and the ids go on after the one left out.
    let mut store = reopen(store, dir.path());
    assert!(store.warning().is_none());
    let id = store
        .add(
            dir.path().join("d.mp4"),
            Vec::new(),
            Vec::new(),
            dir.path().into(),
        )
        .unwrap();
    assert_eq!(id, 4);
}

#[test]
fn a_job_naming_a_preset_that_cannot_be_read_costs_only_that_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = snapshot_with_second_job(dir.path(), |job| {
        job["presets"] = serde_json::json!(["odd"])
    });
    edit_json(&path, |value| {
        value["presets"]["odd"] = serde_json::json!({"name": "odd", "renditions": "many"});
    });
    let store = JobStore::open(&path).unwrap();
    assert_eq!(store.jobs().len(), 2);
    let warning = store.warning().expect("a warning");
    assert!(
        warning.contains("preset \"odd\" cannot be read"),
        "{warning}"
    );
}

/// A preset restored from the store is checked like one read from a file:
/// one whose rendition name would put files outside the job's folder (or
/// cut its playlists) costs only its job.
#[test]
fn a_job_naming_a_preset_that_breaks_the_rules_costs_only_that_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = snapshot_with_second_job(dir.path(), |job| {
        job["presets"] = serde_json::json!(["odd"])
    });
    edit_json(&path, |value| {
        let mut odd = serde_json::to_value(crate::presets::find_preset("web").unwrap()).unwrap();
        odd["renditions"][0]["name"] = "../../evil#1".into();
        value["presets"]["odd"] = odd;
    });
    let store = JobStore::open(&path).unwrap();
    assert_eq!(store.jobs().len(), 2);
    let warning = store.warning().expect("a warning");
    assert!(
        warning.contains("preset \"odd\" is not valid") && warning.contains("name"),
        "{warning}"
    );
}

#[test]
fn a_store_from_a_later_version_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    let later = format!(
        "{{\"version\": {}, \"seq\": 0, \"next_id\": 1, \"jobs\": [], \"new\": true}}",
        STORE_VERSION + 1
    );
    std::fs::write(&path, &later).unwrap();
    let Err(e) = JobStore::open(&path) else {
        panic!("a later version's store is refused");
    };
    let said = e.to_string();
    assert!(
        said.contains("later version") && said.contains(&format!("format {}", STORE_VERSION + 1)),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), later);
    assert_eq!(
        file_names(dir.path()),
        [STORE_FILE.to_owned(), format!("{STORE_FILE}.lock")]
    );

    // A later version's journal too, with the snapshot untouched.
    std::fs::remove_file(&path).unwrap();
    let journal = journal_of(dir.path());
    let header = format!(
        "{{\"seq\":0,\"format\":{},\"op\":\"remove\",\"ids\":[]}}\n{{\"seq\":1,\"op\":\"resume\",\"id\":1}}\n",
        STORE_VERSION + 1
    );
    std::fs::write(&journal, &header).unwrap();
    let Err(e) = JobStore::open(&path) else {
        panic!("a later version's journal is refused");
    };
    assert!(matches!(e, StoreError::LaterVersion { .. }), "{e}");
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), header);
    assert!(!path.exists());
}

#[test]
fn a_journal_without_a_format_line_still_loads_and_gets_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = busy_store(dir.path());
    let killed = files_at_kill(dir.path());
    drop(store);
    let journal = journal_of(killed.path());
    let text = std::fs::read_to_string(&journal).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(
        first.contains("\"format\""),
        "the journal starts with its format: {first}"
    );
    std::fs::write(&journal, rest).unwrap();
    let reopened = store_in(killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs().len(), 5);
    assert_only_the_format_line(&journal);
    // And a snapshot without its version: read by its shape.
    let snapshot = killed.path().join(STORE_FILE);
    edit_json(&snapshot, |value| {
        value.as_object_mut().unwrap().remove("version");
    });
    let reopened = reopen(reopened, killed.path());
    assert!(reopened.warning().is_none());
    assert_eq!(reopened.jobs().len(), 5);
}

#[test]
fn a_whole_bad_last_journal_line_is_reported_unlike_a_torn_one() {
    let dir = tempfile::tempdir().unwrap();
    // A change a later version knows of: whole, newline-ended.
    let bad = "{\"seq\":99,\"op\":\"pause\",\"id\":1}\n";
    let (store, killed) = killed_with_journal_tail(dir.path(), bad.as_bytes());
    let reopened = store_in(killed.path());
    let warning = reopened.warning().expect("reported, not dropped silently");
    assert!(
        warning.contains("line ") && warning.contains("pause"),
        "{warning}"
    );
    assert_eq!(reopened.jobs(), store.jobs(), "the other lines are kept");
    let aside = journal_of(killed.path()).with_extension("journal.broken-1");
    assert!(std::fs::read_to_string(aside).unwrap().ends_with(bad));
}

#[test]
fn inputs_and_output_folders_are_stored_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path());
    let id = store
        .add("clip.mp4".into(), Vec::new(), Vec::new(), "out".into())
        .unwrap();
    let cwd = std::env::current_dir().unwrap();
    let job = reopen(store, dir.path()).job(id).unwrap().clone();
    assert_eq!(job.input, cwd.join("clip.mp4"));
    assert_eq!(job.out_dir, cwd.join("out"));
}

#[test]
fn a_waiting_jobs_presets_change_and_a_restart_keeps_them_but_a_started_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = web_job(
        dir.path(),
        &dir.path().join("clip.mp4"),
        &dir.path().join("out"),
    );
    let webm = crate::presets::find_preset("webm").unwrap();
    let thumbnail = crate::presets::find_preset("thumbnail").unwrap();
    let names = vec!["webm".to_owned(), "thumbnail".to_owned()];
    store
        .set_presets(id, names.clone(), vec![webm.clone(), thumbnail.clone()])
        .unwrap();
    let chosen = |store: &JobStore| {
        let job = store.job(id).unwrap();
        (job.preset_names.clone(), job.presets.clone())
    };
    let expected = (names, vec![webm.clone(), thumbnail]);
    assert_eq!(chosen(&store), expected);
    // Replayed from the journal...
    let store = reopen(store, dir.path());
    assert!(store.warning().is_none(), "{:?}", store.warning());
    assert_eq!(chosen(&store), expected);
    // ...and from a compacted snapshot (opening compacts).
    let mut store = reopen(store, dir.path());
    assert_eq!(chosen(&store), expected);
    assert_eq!(store.job(id).unwrap().request().presets, expected.1);

    // Given to the engine: refused, nothing changed, on disk either.
    store.bind(id, 3);
    let refused = store.set_presets(id, vec!["webm".into()], vec![webm.clone()]);
    assert!(
        matches!(refused, Err(StoreError::NotWaiting { .. })),
        "{refused:?}"
    );
    store
        .apply(&event(3, EventKind::JobDone(JobDone { outputs: 0 })))
        .unwrap();
    assert!(store
        .set_presets(id, vec!["webm".into()], vec![webm.clone()])
        .is_err());
    assert!(
        store
            .set_presets(99, vec!["webm".into()], vec![webm])
            .is_err(),
        "no such job"
    );
    assert_eq!(chosen(&reopen(store, dir.path())), expected);
}

/// Issue 26 point 4: format 3 added the `presets` change. A format-2 store
/// (its snapshot's version and journal's format line 2) is read, and its
/// journal says format 3 before a `presets` line is appended, so a
/// format-2 reader refuses the store as a later version's instead of
/// reporting that line as damage.
#[test]
fn a_format_2_store_is_read_and_says_format_3_before_a_presets_change() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = web_job(
        dir.path(),
        &dir.path().join("clip.mp4"),
        &dir.path().join("out"),
    );
    drop(reopen(store, dir.path()));
    // As format 2 left it: its snapshot and its journal's format line.
    edit_json(&dir.path().join(STORE_FILE), |value| {
        value["version"] = 2.into()
    });
    let journal = journal_of(dir.path());
    std::fs::write(
        &journal,
        "{\"seq\":0,\"format\":2,\"op\":\"remove\",\"ids\":[]}\n",
    )
    .unwrap();
    let mut store = store_in(dir.path());
    assert!(store.warning().is_none(), "{:?}", store.warning());
    assert_eq!(store.jobs().len(), 1);
    let webm = crate::presets::find_preset("webm").unwrap();
    store
        .set_presets(id, vec!["webm".into()], vec![webm])
        .unwrap();
    let bytes = std::fs::read(&journal).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let first = text.lines().next().unwrap();
    assert!(
        first.contains(&format!("\"format\":{STORE_VERSION},")),
        "{text}"
    );
    assert!(text.contains("\"op\":\"presets\""), "{text}");
    const { assert!(STORE_VERSION > 2) };
    // What a format-2 reader's check finds: a later version's journal.
    assert_eq!(
        journal::tests::later_format_for_reader_of(&bytes, 2),
        Some(u64::from(STORE_VERSION))
    );
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(STORE_FILE)).unwrap()).unwrap();
    assert_eq!(snapshot["version"], STORE_VERSION);
    // This version reads it back, the change kept.
    let store = reopen(store, dir.path());
    assert!(store.warning().is_none(), "{:?}", store.warning());
    assert_eq!(store.job(id).unwrap().preset_names, ["webm"]);
}

/// A format-3 store (its presets in their former JSON shape, in the
/// snapshot and in the journal) is read as it was, and written again as
/// this format (issue 23: presets in the file's form).
#[test]
fn a_format_3_store_is_read_and_rewritten_in_this_format() {
    use crate::presets::tests_forms::{every_rule, pinned_file};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("clip.mp4");
    std::fs::write(&input, b"video").unwrap();
    let mut store = store_in(dir.path());
    let names = vec!["every-rule".to_owned()];
    let id = store
        .add(
            input,
            names.clone(),
            vec![every_rule()],
            dir.path().join("out"),
        )
        .unwrap();
    let (_, second) = web_job_in(&mut store, dir.path());
    let stream = crate::presets::find_preset("stream").unwrap();
    store
        .set_presets(second, vec!["stream".into()], vec![stream.clone()])
        .unwrap();
    drop(store);
    // As format 3 left it: the presets in their former shape, in the
    // journal's `add` and `presets` changes (no snapshot yet).
    assert!(!dir.path().join(STORE_FILE).exists());
    let journal = journal_of(dir.path());
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text = text.replacen(&format!("\"format\":{STORE_VERSION},"), "\"format\":3,", 1);
    for (preset, file) in [(&every_rule(), "every-rule"), (&stream, "stream")] {
        let now = serde_json::to_string(preset).unwrap();
        assert!(text.contains(&now), "{text}");
        let then = pinned_file(&format!("{file}.format3.json"));
        text = text.replace(&now, then.trim_end());
    }
    std::fs::write(&journal, text).unwrap();
    let store = store_in(dir.path());
    assert!(store.warning().is_none(), "{:?}", store.warning());
    assert_eq!(store.job(id).unwrap().presets, [every_rule()]);
    assert_eq!(store.job(second).unwrap().presets, [stream]);
    drop(store);
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(STORE_FILE)).unwrap()).unwrap();
    assert_eq!(snapshot["version"], STORE_VERSION);
    let written = serde_json::to_string(&snapshot["presets"]).unwrap();
    assert!(written.contains(r#""video_codec":"h264""#), "{written}");
    assert!(!written.contains(r#""video":"#), "{written}");
}

/// A second job for `dir/second.mp4` in `store`.
fn web_job_in(store: &mut JobStore, dir: &Path) -> (PathBuf, StoreId) {
    let input = dir.join("second.mp4");
    std::fs::write(&input, b"video").unwrap();
    let id = store
        .add(
            input.clone(),
            vec!["web".into()],
            vec![crate::presets::find_preset("web").unwrap()],
            dir.join("out"),
        )
        .unwrap();
    (input, id)
}
