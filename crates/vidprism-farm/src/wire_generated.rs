//! Generated messages for the wire's one door (`wire::decode` and the
//! checks of `wire_check.rs`), in the manner of SQLite's and NATS's own
//! fuzzing: arbitrary bytes, and valid messages of every kind mutated at
//! random (huge and negative numbers, odd names, wrong types, cut short).
//! Whatever comes in, decoding never panics, and every message it accepts
//! satisfies the properties below, checked here independently of the
//! checker's own code. A fixed seed (fastrand): a failure repeats, and
//! its case number says which input it was.

use serde_json::{json, Value};

use super::wire::{decode, encode, Files, News, Presence, Work, MAX_MESSAGE_BYTES};
use super::wire_check::{MAX_PRESETS, MAX_RENDITIONS};
use vidprism_engine::limits::{
    MAX_DIMENSION, MAX_OUTPUT_BYTES, MAX_SERIES_POINTS, MAX_SOURCE_BYTES,
};
use vidprism_engine::pipeline::EventKind;
use vidprism_engine::presets::find_preset;

/// Cases per kind of sample.
const CASES: usize = 1000;

/// The fixed-seed generator, with what these tests ask of it.
struct Rng(fastrand::Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(fastrand::Rng::with_seed(seed))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n.max(1))
    }

    fn byte(&mut self) -> u8 {
        self.0.u8(..)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Names a hostile sender would try: separators, climbs, control and
/// reordering characters, format specials, long ones.
fn odd_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "",
        ".",
        "..",
        "../x",
        "../../.bashrc",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "a\0b",
        "a\nb",
        "\u{1b}[2J",
        "\u{202e}gpj.exe",
        "#EXTM3U",
        "50%",
        "a?b",
        "c:d",
        "<!--<script",
        "-->",
        "720p",
        "720p.mp4",
        "storyboard-001.jpg",
        "ü.mp4",
        "🎬",
        "host-1.2",
        "a.b.c",
        " ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("x".repeat(300));
    names.push("é".repeat(200));
    names
}

/// Numbers at and past every limit.
fn odd_numbers() -> Vec<Value> {
    let limits = [MAX_DIMENSION as u64, MAX_OUTPUT_BYTES, MAX_SOURCE_BYTES];
    let mut numbers: Vec<Value> = limits
        .iter()
        .flat_map(|&l| [json!(l), json!(l + 1)])
        .collect();
    numbers.extend([
        json!(0),
        json!(-1),
        json!(u64::MAX),
        json!(u32::MAX),
        json!(i64::MIN),
        json!(1.5),
        json!(-0.0),
        json!(1e308),
        json!(f64::MIN_POSITIVE),
    ]);
    numbers
}

/// A valid message of every kind, as JSON.
fn samples() -> Vec<(&'static str, Value)> {
    let preset = serde_json::to_value(find_preset("web").expect("web is built in"))
        .expect("a preset is JSON");
    let work = json!({
        "job": "host-1.3", "stage": "transcode", "input": "/videos/clip.mp4",
        "files": "object_store", "presets": [preset], "out_dir": "/out",
        "dir": null, "source_bytes": 1000, "news_key": "0f".repeat(32),
    });
    let mut shared = work.clone();
    shared["files"] = json!("shared");
    shared["dir"] = json!("/out/clip");
    let event = |e: Value| json!({ "event": e });
    vec![
        ("work", work),
        ("work", shared),
        (
            "news",
            event(json!({"event": "probed", "width": 1920, "height": 1080,
                "duration_s": 12.5, "fps": 25.0, "video_codec": "h264", "audio_codec": "aac"})),
        ),
        (
            "news",
            event(json!({"event": "stage_started", "stage": "transcode", "rendition": "720p"})),
        ),
        (
            "news",
            event(
                json!({"event": "progress", "stage": "transcode", "rendition": "720p",
                "fraction": 0.5, "fps": 30.0, "eta_s": 3.0}),
            ),
        ),
        (
            "news",
            event(json!({"event": "thumbnail_ready", "path": "thumbnail.jpg",
                "width": 320, "height": 180})),
        ),
        (
            "news",
            event(
                json!({"event": "rendition_done", "rendition": "720p", "path": "720p.mp4",
                "width": 1280, "height": 720, "bytes": 123456,
                "sidecars": ["720p.eng.vtt", "720p.fra.vtt"],
                "skipped_tracks": [{"index": 3, "kind": "subtitle",
                    "codec": "hdmv_pgs_subtitle", "reason": "pictures"}]}),
            ),
        ),
        (
            "news",
            event(
                json!({"event": "storyboard_ready", "path": "storyboard.vtt",
                "sprites": ["storyboard-001.jpg", "storyboard-002.jpg"], "tiles": 150,
                "tile_width": 160, "tile_height": 90, "poster": "poster.jpg"}),
            ),
        ),
        (
            "news",
            event(json!({"event": "rendition_skipped", "rendition": "1080p", "reason": "small"})),
        ),
        (
            "news",
            event(json!({"event": "rendition_failed", "rendition": "480p", "error": "disk full"})),
        ),
        (
            "news",
            json!({"stage_ended": {"stage": "ingest", "opened": 2, "errors": ["a"],
                "source_failed": false, "dir": null, "worker": "w1"}}),
        ),
        (
            "news",
            json!({"sent": {"name": "720p.mp4",
                "digest": "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="}}),
        ),
        (
            "news",
            json!({"sent": {"name": "720p.mp4", "bucket": "vidprism-outputs-worker-2",
                "digest": "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="}}),
        ),
        (
            "news",
            json!({"series": {"rendition": "720p",
                "series": [[0.0, 0.99], [0.04, 0.5], [0.08, -0.1]]}}),
        ),
        (
            "news",
            json!({"retrying": {"stage": "transcode", "attempt": 1, "tries": 3,
                "reason": "boom", "worker": "w1"}}),
        ),
        (
            "presence",
            json!({"worker": "w1", "stages": ["ingest", "transcode"], "transcode_jobs": 2,
                "leaving": false}),
        ),
    ]
}

/// Every value inside `value`, by a path of keys and indices.
fn paths(value: &Value, here: &mut Vec<Step>, all: &mut Vec<Vec<Step>>) {
    all.push(here.clone());
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                here.push(Step::Key(key.clone()));
                paths(inner, here, all);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                here.push(Step::Index(i));
                paths(inner, here, all);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// `value` with a few of its parts replaced by what a hostile sender
/// would put there: mostly its names and numbers (the leaves), sometimes
/// a whole part.
fn mutate(rng: &mut Rng, value: &Value, names: &[String], numbers: &[Value]) -> Value {
    let mut value = value.clone();
    // Mostly one change, so that it alone decides.
    for _ in 0..1 + rng.below(4) / 3 + rng.below(4) / 3 {
        let mut all = Vec::new();
        paths(&value, &mut Vec::new(), &mut all);
        let leaves: Vec<Vec<Step>> = all
            .iter()
            .filter(|p| !matches!(at(&mut value, p), Value::Object(_) | Value::Array(_)))
            .cloned()
            .collect();
        let path = match rng.below(5) {
            0 => rng.pick(&all).clone(),
            _ => rng.pick(&leaves).clone(),
        };
        // A leaf of the same kind elsewhere in the message: a name twice,
        // one size in another's place.
        let kind = std::mem::discriminant(at(&mut value, &path));
        let mut same_kind: Vec<Value> = leaves
            .iter()
            .map(|p| at(&mut value, p).clone())
            .filter(|v| std::mem::discriminant(v) == kind)
            .collect();
        if same_kind.is_empty() {
            // A whole part: put another whole part there instead.
            let part: &Vec<Step> = rng.pick(&all);
            same_kind.push(at(&mut value, part).clone());
        }
        let target = at(&mut value, &path);
        let replacement = match rng.below(10) {
            // A number is mostly replaced by one at or past a limit.
            0..=3 if target.is_number() => rng.pick(numbers).clone(),
            0 | 1 => json!(rng.pick(names)),
            2 | 3 => rng.pick(numbers).clone(),
            4 | 5 => rng.pick(&same_kind).clone(),
            6 => Value::Null,
            7 => json!(vec![target.clone(); 1 + rng.below(20)]),
            8 => json!(rng.below(2) == 0),
            // The same text, longer than any limit.
            _ => match &*target {
                Value::String(s) => json!(s.repeat(1 + rng.below(400))),
                other => json!([other.clone(), rng.pick(names)]),
            },
        };
        *target = replacement;
    }
    value
}

/// A name a worker may announce as a file: one plain component.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

fn printable(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// What every accepted piece of news must be.
fn news_holds(news: &News) {
    match news {
        News::Event(kind) => {
            // A full path only with shared folders, where the submitter
            // takes it only inside the job's folder; its name is plain.
            if let Some(path) = kind.output_path() {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                assert!(plain(&name), "output {path:?}");
            }
            let beside: Vec<String> = kind
                .files_beside()
                .iter()
                .map(|p| {
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            for (i, name) in beside.iter().enumerate() {
                assert!(plain(name), "beside {name:?}");
                assert!(!beside[..i].contains(name), "{name:?} twice");
            }
            match kind {
                EventKind::RenditionDone(o) => {
                    assert!(o.bytes <= MAX_OUTPUT_BYTES);
                    assert!(o.width <= MAX_DIMENSION && o.height <= MAX_DIMENSION);
                    assert!(o.skipped_tracks.iter().all(|t| printable(&t.reason)));
                }
                EventKind::Probed(f) => {
                    assert!(f.width <= MAX_DIMENSION && f.height <= MAX_DIMENSION);
                    assert!(f.fps.is_finite() && f.fps >= 0.0);
                }
                EventKind::Progress(p) => {
                    assert!((0.0..=1.0).contains(&p.fraction), "{}", p.fraction);
                    assert!(p.fps.is_finite() && p.fps >= 0.0);
                }
                EventKind::RenditionFailed(f) => assert!(printable(&f.error)),
                EventKind::RenditionSkipped(s) => assert!(printable(&s.reason)),
                EventKind::Queued(_)
                | EventKind::JobDone(_)
                | EventKind::JobFailed(_)
                | EventKind::Cancelled => panic!("a worker announced a job's end"),
                _ => {}
            }
        }
        News::StageEnded {
            opened,
            errors,
            worker,
            ..
        } => {
            assert!(*opened <= 2);
            assert!(errors.iter().all(|e| printable(e) && e.len() <= 4096 * 3));
            assert!(printable(worker));
        }
        News::Retrying { reason, worker, .. } => {
            assert!(printable(reason) && printable(worker));
        }
        News::Series { rendition, series } => {
            assert!(printable(rendition), "series of {rendition:?}");
            assert!(series.len() <= MAX_SERIES_POINTS);
            let in_range = |(t, s): &(f64, f64)| t.is_finite() && *t >= 0.0 && s.abs() <= 1.0;
            assert!(series.iter().all(in_range), "{series:?}");
            assert!(series.windows(2).all(|w| w[0].0 <= w[1].0), "{series:?}");
        }
        News::Sent {
            name,
            digest,
            bucket,
        } => {
            assert!(plain(name), "sent {name:?}");
            let bucket = bucket.as_deref().map(crate::broker::Bucket::outputs_named);
            assert!(bucket.is_none_or(|b| b.is_some_and(|b| b != crate::broker::Bucket::Sources)));
            assert!(
                digest.starts_with("SHA-256=") && digest.len() <= 52,
                "{digest:?}"
            );
        }
    }
}

fn work_holds(work: &Work) {
    let (submitter, number) = work.job.split_once('.').expect("a job key has a dot");
    assert!(submitter
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert!(!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()));
    assert!(work.source_bytes.is_none_or(|b| b <= MAX_SOURCE_BYTES));
    assert!(work.news_key.as_ref().is_none_or(|k| {
        k.len() == 64
            && k.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }));
    assert!((1..=MAX_PRESETS).contains(&work.presets.len()));
    let renditions: usize = work.presets.iter().map(|p| p.renditions.len()).sum();
    assert!(renditions <= MAX_RENDITIONS);
    for rendition in work.presets.iter().flat_map(|p| &p.renditions) {
        assert!(plain(&rendition.name), "rendition {:?}", rendition.name);
    }
    if work.files == Files::ObjectStore {
        let name = work.input.file_name().unwrap_or_default().to_string_lossy();
        assert!(plain(&name), "source {name:?}");
    }
}

fn presence_holds(presence: &Presence) {
    assert!(printable(&presence.worker) && !presence.worker.is_empty());
    assert!(presence.stages.len() <= 3 && presence.transcode_jobs <= 1000);
}

/// Decodes `bytes` as the kind `kind`; what is accepted must hold, and be
/// accepted again once encoded.
fn try_decode(kind: &str, bytes: &[u8]) -> bool {
    match kind {
        "work" => decode::<Work>(bytes).is_ok_and(|w| {
            work_holds(&w);
            assert!(decode::<Work>(&encode(&w)).is_ok());
            true
        }),
        "news" => decode::<News>(bytes).is_ok_and(|n| {
            news_holds(&n);
            assert!(decode::<News>(&encode(&n)).is_ok());
            true
        }),
        _ => decode::<Presence>(bytes).is_ok_and(|p| {
            presence_holds(&p);
            true
        }),
    }
}

#[test]
fn every_valid_sample_is_accepted() {
    for (kind, sample) in samples() {
        assert!(try_decode(kind, &encode(&sample)), "{kind}: {sample}");
    }
}

#[test]
fn mutated_messages_never_panic_and_what_passes_holds() {
    let mut rng = Rng::new(0x5eed_f1d0_2026);
    let (names, numbers) = (odd_names(), odd_numbers());
    let mut refused = 0;
    for (kind, sample) in samples() {
        for case in 0..CASES {
            let mutated = mutate(&mut rng, &sample, &names, &numbers);
            let mut bytes = encode(&mutated);
            // Sometimes cut short, or with a byte flipped.
            match rng.below(12) {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 if !bytes.is_empty() => {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1u8 << rng.below(8);
                }
                _ => {}
            }
            let accepted = std::panic::catch_unwind(|| try_decode(kind, &bytes))
                .unwrap_or_else(|_| panic!("{kind} case {case}: {mutated}"));
            refused += usize::from(!accepted);
        }
    }
    // The mutations reach the checks: most are refused, not all.
    let total = samples().len() * CASES;
    assert!(
        refused > total / 3 && refused < total,
        "{refused} of {total}"
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng::new(0xb17e_5eed);
    for case in 0..CASES * 2 {
        let len = match rng.below(32) {
            0..=7 => rng.below(16),
            8..=15 => rng.below(4096),
            16 => MAX_MESSAGE_BYTES + rng.below(16),
            _ => rng.below(256),
        };
        // Mostly JSON's own characters, so some inputs get deep.
        let alphabet = b"{}[]\":,0123456789.eE-+ntrufalsenull\\u";
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.below(3) {
                0 => rng.byte(),
                _ => *rng.pick(alphabet),
            })
            .collect();
        for kind in ["work", "news", "presence"] {
            std::panic::catch_unwind(|| try_decode(kind, &bytes))
                .unwrap_or_else(|_| panic!("{kind} case {case}: {bytes:?}"));
        }
    }
}
