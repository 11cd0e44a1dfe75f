//! Property tests of the store's readers (issue 26), in the manner of
//! SQLite's: generated inputs from a fixed-seed generator (so a failure
//! reproduces; the seed is in the message) of arbitrary bytes, random JSON,
//! and truncations and mutations of journals and snapshots a real store
//! wrote. Whatever the input: no panic, a warning of bounded size, and
//! every record that is intact kept.

use std::path::Path;

use serde_json::{json, Value};

use super::journal::parse;
use super::*;
use crate::pipeline::{Event, EventKind, JobDone, JobFailed, Stage, StageStarted, Thumbnail};

/// Seeds tried per property.
const SEEDS: u64 = 48;
/// Longest warning a store may give, whatever it read.
const MAX_WARNING: usize = 4096;

fn journal_file(dir: &Path) -> PathBuf {
    journal_path(&dir.join(STORE_FILE))
}

/// Opens a store whose journal holds `journal` and whose snapshot holds
/// `snapshot` (none when `None`); a later version's refusal is a fine
/// answer too (random bytes may spell one).
fn open_with(journal: &[u8], snapshot: Option<&[u8]>) -> Option<JobStore> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(journal_file(dir.path()), journal).unwrap();
    if let Some(bytes) = snapshot {
        std::fs::write(dir.path().join(STORE_FILE), bytes).unwrap();
    }
    match JobStore::open(&dir.path().join(STORE_FILE)) {
        Ok(store) => {
            let warning = store.warning().unwrap_or_default();
            assert!(
                warning.len() <= MAX_WARNING,
                "a warning of {} bytes",
                warning.len()
            );
            Some(store)
        }
        Err(StoreError::LaterVersion { .. }) => None,
        Err(e) => panic!("opening failed: {e}"),
    }
}

fn random_bytes(rng: &mut fastrand::Rng, max: usize) -> Vec<u8> {
    let len = rng.usize(..=max);
    // Mostly the bytes a journal is made of, sometimes any byte.
    const ALPHABET: &[u8] =
        b"{}[]\":,0123456789 \nseqopaddsetmoveremoveidsjobfields\\nulltruefalse";
    (0..len)
        .map(|_| {
            if rng.u8(..) < 200 {
                ALPHABET[rng.usize(..ALPHABET.len())]
            } else {
                rng.u8(..)
            }
        })
        .collect()
}

/// A random JSON value, keys often the store's own, `depth` levels deep.
fn random_json(rng: &mut fastrand::Rng, depth: u32) -> Value {
    const KEYS: &[&str] = &[
        "version",
        "seq",
        "next_id",
        "jobs",
        "presets",
        "id",
        "input",
        "state",
        "out_dir",
        "preset_names",
        "op",
        "job",
        "fields",
        "ids",
        "index",
        "format",
        "outputs",
    ];
    match rng.u8(..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!([0, 1, 2, u64::MAX][rng.usize(..4)]),
        4 => json!(["queued", "done", "paused", "", "web"][rng.usize(..5)]),
        // Sometimes long: a warning quoting it stays short.
        5 if rng.u8(..) < 8 => json!("x".repeat(rng.usize(..100_000))),
        5 => Value::Array(
            (0..rng.usize(..4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.usize(..6))
                .map(|_| {
                    let key = KEYS[rng.usize(..KEYS.len())].to_owned();
                    (key, random_json(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

#[test]
fn arbitrary_bytes_never_panic_either_reader() {
    for seed in 0..SEEDS {
        let mut rng = fastrand::Rng::with_seed(seed);
        let bytes = random_bytes(&mut rng, 2048);
        let read = parse(&bytes);
        let segments = bytes.split(|b| *b == b'\n').count();
        assert!(
            read.lines.len() + read.damaged.len() + usize::from(read.torn) <= segments,
            "seed {seed}"
        );
        let other = random_bytes(&mut rng, 2048);
        open_with(&bytes, Some(&other));
    }
}

#[test]
fn random_json_lines_and_snapshots_never_panic_and_warn_briefly() {
    for seed in 0..SEEDS {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut journal = Vec::new();
        for _ in 0..rng.usize(..200) {
            journal.extend(serde_json::to_vec(&random_json(&mut rng, 4)).unwrap());
            journal.push(b'\n');
        }
        let mut snapshot = random_json(&mut rng, 4);
        if rng.bool() {
            // The right shape, random jobs: many unreadable ones at once.
            snapshot = json!({
                "version": STORE_VERSION, "seq": 0, "next_id": 1, "presets": {},
                "jobs": (0..rng.usize(..500)).map(|_| random_json(&mut rng, 3)).collect::<Vec<_>>(),
            });
        }
        let snapshot = serde_json::to_vec(&snapshot).unwrap();
        open_with(&journal, Some(&snapshot));
    }
}

fn event(job: JobId, kind: EventKind) -> Event {
    Event { job, t_ms: 0, kind }
}

/// A store driven by random changes, with the jobs it held after each one
/// and the journal's length then.
struct History {
    dir: tempfile::TempDir,
    states: Vec<(u64, Vec<JobRecord>)>,
}

impl History {
    fn journal(&self) -> Vec<u8> {
        std::fs::read(journal_file(self.dir.path())).unwrap()
    }

    /// The jobs as they were when the journal was `len` bytes long.
    fn at(&self, len: u64) -> &[JobRecord] {
        let (_, jobs) = self
            .states
            .iter()
            .rev()
            .find(|(at, _)| *at <= len)
            .expect("the first state");
        jobs
    }

    fn last(&self) -> &[JobRecord] {
        &self.states.last().expect("a state").1
    }
}

fn random_history(rng: &mut fastrand::Rng) -> History {
    let dir = tempfile::tempdir().unwrap();
    let web = crate::presets::find_preset("web").unwrap();
    let mut store = JobStore::open(&dir.path().join(STORE_FILE)).unwrap();
    // Each call below writes at most one line: the jobs after each.
    let mut states = vec![(0, Vec::new())];
    macro_rules! step {
        ($call:expr) => {{
            $call.unwrap();
            states.push((store.journal.len(), store.jobs().to_vec()));
        }};
    }
    let mut engine_job: JobId = 0;
    for _ in 0..rng.usize(10..40) {
        let ids: Vec<StoreId> = store.jobs().iter().map(|j| j.id).collect();
        let pick = |rng: &mut fastrand::Rng| ids.get(rng.usize(..ids.len().max(1))).copied();
        match (rng.u8(..6), pick(rng)) {
            (0 | 1, _) | (_, None) => {
                let name = dir.path().join(format!("clip-{}.mp4", rng.u32(..)));
                let presets = if rng.bool() {
                    vec![web.clone()]
                } else {
                    Vec::new()
                };
                step!(store.add(name, vec!["web".into()], presets, dir.path().join("out")));
            }
            (2, Some(id)) => {
                engine_job += 1;
                store.bind(id, engine_job);
                step!(Ok::<(), StoreError>(()));
                let started = EventKind::StageStarted(StageStarted {
                    stage: Stage::Probe,
                    rendition: None,
                });
                step!(store.apply(&event(engine_job, started)));
                let thumbnail = EventKind::ThumbnailReady(Thumbnail {
                    path: dir.path().join(format!("out/{id}/thumbnail.jpg")),
                    width: 320,
                    height: 180,
                });
                step!(store.apply(&event(engine_job, thumbnail)));
                let end = if rng.bool() {
                    EventKind::JobDone(JobDone { outputs: 1 })
                } else {
                    EventKind::JobFailed(JobFailed {
                        error: "broken \u{1b}[31m \"quoted\"".into(),
                    })
                };
                step!(store.apply(&event(engine_job, end)));
            }
            (3, Some(id)) => step!(store.move_to(id, rng.usize(..5))),
            (4, Some(id)) => step!(store.remove(id)),
            (_, Some(id)) => step!(store.mark_cancelled(id)),
        }
    }
    drop(store);
    History { dir, states }
}

#[test]
fn a_journal_cut_anywhere_gives_every_whole_change_before_the_cut() {
    for seed in 0..SEEDS / 4 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let history = random_history(&mut rng);
        let journal = history.journal();
        let whole = parse(&journal);
        assert!(whole.damaged.is_empty() && !whole.torn, "seed {seed}");
        // Cuts at and around every line's end, and anywhere, read: the
        // lines before the cut, the last one torn or not.
        let mut cuts: Vec<usize> = line_ranges(&journal)
            .iter()
            .flat_map(|r| [r.end.saturating_sub(1), r.end, r.end + 1])
            .collect();
        cuts.extend((0..64).map(|_| rng.usize(..=journal.len())));
        for cut in cuts.into_iter().filter(|c| *c <= journal.len()) {
            let read = parse(&journal[..cut]);
            assert!(read.damaged.is_empty(), "seed {seed}, cut {cut}");
            let n = read.lines.len();
            assert_eq!(read.lines[..], whole.lines[..n], "seed {seed}, cut {cut}");
        }
        // Some cuts, opened: the store as it was when the journal ended there.
        for _ in 0..6 {
            let cut = rng.usize(..=journal.len());
            let store = open_with(&journal[..cut], None).expect("our own format");
            // A line cut only of its newline is whole.
            let whole_to = cut + usize::from(journal.get(cut) == Some(&b'\n'));
            assert_eq!(
                store.jobs(),
                history.at(whole_to as u64),
                "seed {seed}, cut {cut}"
            );
            assert!(
                store.warning().is_none(),
                "seed {seed}, cut {cut}: a torn end is silent"
            );
        }
    }
}

/// Byte ranges of the journal's lines (without their newlines).
fn line_ranges(journal: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (i, b) in journal.iter().enumerate() {
        if *b == b'\n' {
            ranges.push(start..i);
            start = i + 1;
        }
    }
    ranges
}

#[test]
fn a_damaged_line_costs_only_itself_and_is_reported() {
    for seed in 0..SEEDS / 4 {
        let mut rng = fastrand::Rng::with_seed(1000 + seed);
        let history = random_history(&mut rng);
        let journal = history.journal();
        let lines = line_ranges(&journal);
        let whole = parse(&journal);
        // A garbage line put between two: reported, every change kept.
        let at = lines[rng.usize(1..lines.len())].start;
        let mut garbage = b"x".to_vec();
        garbage.extend(random_bytes(&mut rng, 80).iter().filter(|b| **b != b'\n'));
        garbage.push(b'\n');
        let spliced = [&journal[..at], &garbage, &journal[at..]].concat();
        let read = parse(&spliced);
        assert_eq!(read.damaged.len(), 1, "seed {seed}");
        assert_eq!(read.lines.len(), whole.lines.len(), "seed {seed}");
        let store = open_with(&spliced, None).expect("our format");
        assert_eq!(store.jobs(), history.last(), "seed {seed}");
        assert!(
            store.warning().is_some_and(|w| w.contains("set aside")),
            "seed {seed}"
        );

        // Bytes of one line changed: every other line reads as before.
        let hit = rng.usize(1..lines.len());
        let mut mutated = journal.clone();
        for _ in 0..rng.usize(1..4) {
            let range = lines[hit].clone();
            let i = range.start + rng.usize(..range.len());
            mutated[i] = loop {
                let b = rng.u8(..);
                if b != b'\n' {
                    break b;
                }
            };
        }
        let read = parse(&mutated);
        assert!(!read.torn, "seed {seed}: a whole line is never torn");
        let others = |lines: &[(usize, journal::Line)]| -> Vec<(usize, journal::Line)> {
            lines
                .iter()
                .filter(|(n, _)| *n != hit + 1)
                .cloned()
                .collect()
        };
        assert_eq!(others(&read.lines), others(&whole.lines), "seed {seed}");
        open_with(&mutated, None);
    }
}

#[test]
fn a_snapshot_with_one_job_changed_keeps_every_other_job() {
    for seed in 0..SEEDS / 4 {
        let mut rng = fastrand::Rng::with_seed(2000 + seed);
        let history = random_history(&mut rng);
        // Compacted: the snapshot holds it all.
        let compacted = JobStore::open(&history.dir.path().join(STORE_FILE)).unwrap();
        let jobs = compacted.jobs().to_vec();
        assert_eq!(jobs, history.last());
        let snapshot = std::fs::read(compacted.path()).unwrap();
        drop(compacted);
        let mut value: Value = serde_json::from_slice(&snapshot).unwrap();
        let Some(count) = value["jobs"].as_array().map(Vec::len).filter(|n| *n > 0) else {
            continue;
        };
        let hit = rng.usize(..count);
        let job = &mut value["jobs"][hit];
        // Not its id: two jobs of one id are no longer two jobs.
        let keys: Vec<String> = job
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "id")
            .cloned()
            .collect();
        let key = &keys[rng.usize(..keys.len())];
        job[key] = random_json(&mut rng, 2);
        let changed = serde_json::to_vec(&value).unwrap();
        let store = open_with(b"", Some(&changed)).expect("our format");
        let kept: Vec<&JobRecord> = jobs.iter().filter(|j| store.job(j.id).is_some()).collect();
        assert!(
            kept.len() + 1 >= jobs.len(),
            "seed {seed}: only the changed job may go"
        );
        for (i, job) in jobs.iter().enumerate() {
            if i != hit {
                assert_eq!(store.job(job.id), Some(job), "seed {seed}, key {key}");
            }
        }
        // Cut anywhere: set aside whole, or read; never a panic.
        for _ in 0..4 {
            let cut = rng.usize(..changed.len());
            open_with(b"", Some(&changed[..cut]));
        }
    }
}
