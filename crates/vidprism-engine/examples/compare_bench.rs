//! Issue 25's figures (BENCHMARKS.md), engine side of the window's compare
//! view and preview, on a 60 s 1080p30 source made by the ffmpeg CLI:
//!
//! - scrub: both pictures (source and a 1080p rendition) decoded and made
//!   RGB at a new time, each side on its own thread as the window's
//!   workers do; median over 50 times spread over the 60 s (fixed seed):
//!   the first picture on screen (the keyframe before), the exact one, and
//!   the exact one by readers decoding every picture (the reference,
//!   alternating with ours); the texture upload is not in it (no window);
//! - play: pictures per second both sides keep up at 1:1 (every picture
//!   of 10 s, decoded on and made RGB);
//! - preview: 5 s of the middle with the web ladder, `cut_sample` + an
//!   engine job, against an ffmpeg `-c copy` cut of the same 5 s + the same
//!   engine job (what `vidprism process` runs), 5 alternating rounds.
//!
//! - tune: ways of reading against the second round's (`tunings`), over
//!   spread times and drags forward and back.
//!
//! `cargo run --release -p vidprism-engine --example compare_bench [scrub] [play] [preview] [tune]`
//! (all four when none is named)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vidprism_engine::media::geometry::Size;
use vidprism_engine::media::{cut_sample, FrameReader};
use vidprism_engine::pipeline::{Engine, EngineConfig, EventKind, JobRequest};
use vidprism_engine::presets::find_preset;

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What a side's thread says: the first picture it put on screen for a
/// scrub (the keyframe before, or the exact one), then the exact one.
enum Shown {
    First,
    Exact,
}

/// Two readers on their own threads; `get` asks both, returns when both
/// pictures are made.
struct Sides {
    ask: Vec<crossbeam_channel::Sender<Option<f64>>>,
    done: crossbeam_channel::Receiver<(usize, Shown, Instant)>,
}

impl Sides {
    /// `skip`: whether the readers leave out unreferenced pictures.
    fn new(paths: [&Path; 2], size: Size, skip: bool) -> Sides {
        Sides::tuned(paths, size, &|reader| reader.skip_unreferenced(skip))
    }

    /// Readers set by `tune` after opening.
    fn tuned(paths: [&Path; 2], size: Size, tune: &dyn Fn(&mut FrameReader)) -> Sides {
        let (done_tx, done) = crossbeam_channel::unbounded();
        let ask = paths
            .iter()
            .enumerate()
            .map(|(side, path)| {
                let (tx, rx) = crossbeam_channel::unbounded::<Option<f64>>();
                let mut reader = FrameReader::open(path).expect("opens");
                tune(&mut reader);
                let done_tx = done_tx.clone();
                std::thread::spawn(move || {
                    for time in rx {
                        let mut first = true;
                        let picture = match time {
                            Some(t) => reader
                                .picture_at_early(t, size, &mut |early| {
                                    if early.is_some() && first {
                                        first = false;
                                        let _ = done_tx.send((side, Shown::First, Instant::now()));
                                    }
                                    true
                                })
                                .expect("picture")
                                .expect("not stopped"),
                            None => reader.next_picture(size).expect("next").expect("more"),
                        };
                        if first {
                            let _ = done_tx.send((side, Shown::First, Instant::now()));
                        }
                        assert!(picture.time_s <= time.unwrap_or(f64::MAX) + 1e-6);
                        done_tx
                            .send((side, Shown::Exact, Instant::now()))
                            .expect("sent");
                    }
                });
                tx
            })
            .collect();
        Sides { ask, done }
    }

    /// Asks both sides; returns when both have a picture on screen and
    /// when both have the exact one, ms after the ask.
    fn get(&self, time: Option<f64>) -> (f64, f64) {
        let start = Instant::now();
        for a in &self.ask {
            a.send(time).expect("asked");
        }
        let (mut first, mut exact) = ([None; 2], [None; 2]);
        while exact.iter().any(Option::is_none) {
            let (side, shown, at) = self.done.recv().expect("made");
            let ms = (at - start).as_secs_f64() * 1000.0;
            match shown {
                Shown::First => first[side] = Some(ms),
                Shown::Exact => exact[side] = Some(ms),
            }
        }
        let both = |v: [Option<f64>; 2]| v.iter().flatten().fold(0.0, |a: f64, b| a.max(*b));
        (both(first), both(exact))
    }
}

fn spread(v: &[f64]) -> String {
    format!(
        "median {:.0} ms (min {:.0}, max {:.0})",
        median(v.to_vec()),
        v.iter().cloned().fold(f64::MAX, f64::min),
        v.iter().cloned().fold(0.0, f64::max)
    )
}

fn preview(engine: &Engine, sample: &Path, out: &Path) -> u64 {
    engine.submit(JobRequest {
        input: sample.to_path_buf(),
        presets: vec![find_preset("web").expect("web")],
        out_dir: out.to_path_buf(),
    });
    let mut bytes = 0;
    loop {
        let event = engine
            .events()
            .recv_timeout(Duration::from_secs(600))
            .expect("news");
        match event.kind {
            EventKind::RenditionDone(o) => bytes += o.bytes,
            EventKind::JobDone(_) => return bytes,
            k if k.is_final() => panic!("{k:?}"),
            _ => {}
        }
    }
}

/// What a way of reading sets on a reader just opened.
type Tuning = Box<dyn Fn(&mut FrameReader)>;

/// The ways of reading compared by `tune`: before (the second round's
/// code), and each idea alone.
fn tunings() -> Vec<(&'static str, Tuning)> {
    vec![
        (
            "before (2 threads, seek unless within 1 s)",
            Box::new(|r: &mut FrameReader| r.decode_on_in_gop(false)),
        ),
        (
            "1 decoder thread a side",
            Box::new(|r: &mut FrameReader| {
                r.decode_on_in_gop(false);
                r.decoder_threads(1).expect("decoder");
            }),
        ),
        (
            "3 decoder threads a side",
            Box::new(|r: &mut FrameReader| {
                r.decode_on_in_gop(false);
                r.decoder_threads(3).expect("decoder");
            }),
        ),
        (
            "decode on within the GOP (by the index)",
            Box::new(|_: &mut FrameReader| {}),
        ),
    ]
}

/// Each [`tunings`] on its own pair of readers, over three series of
/// times: 50 spread over the file (as `scrub`), a drag forward from 2 s
/// by 1.1 s (a slider dragged across a minute's file, a window frame
/// apart), and one back from 55.9 s; at each time every tuning is
/// asked in turn, the first one rotating (the machine is shared).
fn tune(source: &Path, rendition: &Path, size: Size) {
    let tunings = tunings();
    let sides: Vec<Sides> = tunings
        .iter()
        .map(|(_, t)| Sides::tuned([source, rendition], size, t.as_ref()))
        .collect();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let over_file: Vec<f64> = (0..50)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % 59_000) as f64 / 1000.0
        })
        .collect();
    let forward: Vec<f64> = (0..50).map(|i| 2.0 + 1.1 * f64::from(i)).collect();
    let back: Vec<f64> = forward.iter().rev().copied().collect();
    for (name, times) in [
        ("spread", over_file),
        ("drag forward", forward),
        ("drag back", back),
    ] {
        let mut exact = vec![Vec::new(); sides.len()];
        for s in &sides {
            s.get(Some(times[0] + 5.0));
        }
        for (i, t) in times.iter().enumerate() {
            for k in 0..sides.len() {
                let which = (i + k) % sides.len();
                exact[which].push(sides[which].get(Some(*t)).1);
            }
        }
        println!("tune, {name}, 50 times, exact picture on both 1080p sides:");
        for ((label, _), e) in tunings.iter().zip(&exact) {
            let ratios: Vec<f64> = e.iter().zip(&exact[0]).map(|(a, b)| a / b).collect();
            println!(
                "  {label}: {}; / before, per time: median {:.2}",
                spread(e),
                median(ratios)
            );
        }
    }
}

fn main() {
    // A folder of its own, removed at the end (a 1080p minute is large).
    let dir = std::env::temp_dir().join(format!("vidprism-compare-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (source, rendition) = make_sources(&dir);
    let size = Size::new(1920, 1080);
    let what: Vec<String> = std::env::args().skip(1).collect();
    let runs = |part: &str| what.is_empty() || what.iter().any(|w| w == part);
    // The reference in the same run: readers decoding every picture.
    let sides = Sides::new([&source, &rendition], size, true);
    let every = Sides::new([&source, &rendition], size, false);
    sides.get(Some(0.0));
    every.get(Some(0.0));
    if runs("scrub") {
        scrub(&sides, &every);
    }
    if runs("tune") {
        tune(&source, &rendition, size);
    }
    if runs("play") {
        play(&sides);
    }
    if runs("preview") {
        preview_rounds(&dir, &source);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 60 s 1080p30 source and a 1080p rendition of it, in `dir`.
fn make_sources(dir: &Path) -> (PathBuf, PathBuf) {
    let source = dir.join("source.mp4");
    let rendition = dir.join("rendition.mp4");
    if !source.exists() {
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1920x1080:r=30:d=60",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            source.to_str().expect("utf-8"),
        ]);
        ffmpeg(&[
            "-i",
            source.to_str().expect("utf-8"),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "26",
            rendition.to_str().expect("utf-8"),
        ]);
    }
    (source, rendition)
}

/// Scrubs to 50 times (fixed seed), ours alternating with the reference.
fn scrub(sides: &Sides, every: &Sides) {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let (mut first, mut exact, mut reference) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..50 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let t = (rng % 59_000) as f64 / 1000.0;
        // Alternating which goes first: the machine is shared.
        let run_ours = |first: &mut Vec<f64>, exact: &mut Vec<f64>| {
            let (f, e) = sides.get(Some(t));
            first.push(f);
            exact.push(e);
        };
        if i % 2 == 0 {
            run_ours(&mut first, &mut exact);
            reference.push(every.get(Some(t)).1);
        } else {
            reference.push(every.get(Some(t)).1);
            run_ours(&mut first, &mut exact);
        }
    }
    let ratios: Vec<f64> = exact.iter().zip(&reference).map(|(e, r)| e / r).collect();
    println!("scrub, 50 times, both 1080p sides:");
    println!(
        "  first picture on screen (keyframe before, or exact): {}",
        spread(&first)
    );
    println!("  exact picture: {}", spread(&exact));
    println!(
        "  exact, every picture decoded (reference): {}",
        spread(&reference)
    );
    println!("  exact / reference: median {:.2}", median(ratios));
}

/// Plays 10 s from 20 s at 1:1, both sides.
fn play(sides: &Sides) {
    sides.get(Some(20.0));
    let start = Instant::now();
    for _ in 0..300 {
        sides.get(None);
    }
    println!(
        "play at 1:1: {:.1} pictures a second both sides (10 s of 1080p30)",
        300.0 / start.elapsed().as_secs_f64()
    );
}

/// 5 alternating rounds of a preview: `cut_sample` + the job, against an
/// ffmpeg `-c copy` cut + the same job.
fn preview_rounds(dir: &Path, source: &Path) {
    let engine = Engine::start(EngineConfig::default(), Some(Arc::new(|| {}))).expect("engine");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..5 {
        for ours_first in [round % 2 == 0, round % 2 != 0] {
            let out = dir.join(format!("out-{round}-{ours_first}"));
            let _ = std::fs::remove_dir_all(&out);
            let start = Instant::now();
            if ours_first {
                let sample = dir.join(format!("sample-{round}.mkv"));
                cut_sample(source, 27.5, 5.0, &sample).expect("cut");
                preview(&engine, &sample, &out);
                ours.push(start.elapsed().as_secs_f64());
            } else {
                let cut = dir.join(format!("cut-{round}.mkv"));
                ffmpeg(&[
                    "-ss",
                    "27.5",
                    "-i",
                    source.to_str().expect("utf-8"),
                    "-t",
                    "5",
                    "-c",
                    "copy",
                    cut.to_str().expect("utf-8"),
                ]);
                preview(&engine, &cut, &out);
                theirs.push(start.elapsed().as_secs_f64());
            }
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    let (o, t) = (median(ours.clone()), median(theirs.clone()));
    println!("preview 5 s web ladder: {o:.2} s, ffmpeg cut + same job {t:.2} s, ratio {:.2} ({ours:.2?} / {theirs:.2?})", o / t);
}
