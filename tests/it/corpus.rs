//! Every real sample in tests/data/corpus (origins in its SOURCES.md):
//! upright, square-pixel renditions that decode to the end with the source's
//! duration and frame count, and a thumbnail that matches FFmpeg's own
//! (autorotated) first frame.

use std::path::PathBuf;

use crate::util::*;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "corpus incomplete: {files:?}");
    files
}

#[test]
fn every_corpus_file_gives_sound_upright_outputs() {
    let fx = Fixture::new();
    let files = corpus();
    let args: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let mut all = vec!["-j", "2"];
    all.extend(args.iter().map(String::as_str));
    let run = process(&fx.out_dir(), &all);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.of("job_failed"));
    assert_eq!(run.of("job_done").len(), files.len());

    for (i, source) in files.iter().enumerate() {
        let job = (i + 1) as u64;
        let events: Vec<_> = run.events.iter().filter(|e| e["job"] == job).collect();
        let probed = events
            .iter()
            .find(|e| e["event"] == "probed")
            .expect("probed");
        let (dw, dh) = (
            probed["width"].as_f64().unwrap(),
            probed["height"].as_f64().unwrap(),
        );
        let src_probe = ffprobe(source);
        let src_duration = src_probe["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse::<f64>().ok());
        let src_frames = frame_count(source);

        for done in events.iter().filter(|e| e["event"] == "rendition_done") {
            let path = PathBuf::from(done["path"].as_str().unwrap());
            let errors = decode_errors(&path);
            assert!(errors.is_empty(), "{path:?}: {errors}");
            let probe = ffprobe(&path);
            let v = video_stream(&probe);
            let (w, h) = (v["width"].as_f64().unwrap(), v["height"].as_f64().unwrap());
            assert_eq!((w as u64 % 2, h as u64 % 2), (0, 0), "{path:?}");
            // Display aspect ratio kept (within rounding to even pixels).
            assert!(
                ((w / h) - (dw / dh)).abs() < 0.03,
                "{path:?}: {w}x{h} vs display {dw}x{dh}"
            );
            assert_eq!(frame_count(&path), src_frames, "{path:?} frame count");
            if let Some(d) = src_duration {
                let got = duration_s(&probe);
                assert!((got - d).abs() <= 0.25, "{path:?}: {got} s vs {d} s");
            }
        }

        // The thumbnail is the upright first frame: compare with FFmpeg's.
        let thumb = events
            .iter()
            .find(|e| e["event"] == "thumbnail_ready")
            .expect("thumbnail");
        let (tw, th) = (
            thumb["width"].as_u64().unwrap() as u32,
            thumb["height"].as_u64().unwrap() as u32,
        );
        assert_eq!(tw, (dw as u32).min(640), "{source:?} thumbnail width");
        let ours = image::open(thumb["path"].as_str().unwrap())
            .expect("JPEG")
            .to_rgb8();
        assert_eq!(ours.dimensions(), (tw, th));
        let reference = first_frame_rgb(source, tw, th);
        for quadrant in [(0, 0, tw / 2, th / 2), (tw / 2, th / 2, tw, th)] {
            let a = mean_rgb(ours.as_raw(), tw, quadrant);
            let b = mean_rgb(&reference, tw, quadrant);
            for c in 0..3 {
                assert!(
                    (a[c] - b[c]).abs() < 24.0,
                    "{source:?} thumbnail differs from FFmpeg's first frame: {a:?} vs {b:?}"
                );
            }
        }
    }
}
