//! Subtitles: a SubRip track becomes mov_text in MP4 and WebVTT in WebM
//! whose text decodes back, plus `<rendition>.<language>.vtt` sidecars
//! under `subtitles = "keep_and_sidecar"` (and nothing under "none"); a
//! picture track (PGS) is reported in `rendition_done`'s `skipped_tracks`,
//! never dropped silently.

use std::path::Path;
use std::process::Command;

use crate::util::tracks::*;
use crate::util::*;

/// The subtitle text of the first subtitle track, as SubRip.
fn subtitle_text(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:s:0", "-f", "srt", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "no subtitles decode from {path:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn text_subtitles_become_the_containers_format_and_sidecars() {
    let fx = Fixture::new();
    let source = two_language_clip(&fx);
    let config = config_with(
        &fx,
        &[
            (
                "sidecars",
                preset("sidecars", "subtitles = \"keep_and_sidecar\"", "side-"),
            ),
            ("bare", preset("bare", "subtitles = \"none\"", "bare-")),
        ],
    );
    let out = fx.out_dir();
    let run = process_presets(&out, &config, &["sidecars", "bare"], &source);
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    let dir = out.join("languages");
    for (file, codec) in [("side-mp4.mp4", "mov_text"), ("side-webm.webm", "webvtt")] {
        let path = dir.join(file);
        let subs = streams(&path, "subtitle");
        assert_eq!(subs.len(), 1, "{path:?}: {subs:#?}");
        assert_eq!(subs[0]["codec_name"], codec, "{path:?}");
        assert_eq!(tag(&subs[0], "language").as_deref(), Some("eng"));
        let text = subtitle_text(&path);
        assert!(
            text.contains("Hello world") && text.contains("Second line"),
            "{path:?}: {text}"
        );
    }
    for name in ["side-mp4", "side-webm"] {
        let sidecar = dir.join(format!("{name}.eng.vtt"));
        let text = std::fs::read_to_string(&sidecar)
            .unwrap_or_else(|e| panic!("no sidecar {sidecar:?}: {e}"));
        assert!(text.starts_with("WEBVTT"), "{text}");
        assert!(text.contains("Hello world"), "{text}");
        assert!(text.contains("Second line"), "{text}");
    }
    for file in ["bare-mp4.mp4", "bare-webm.webm"] {
        let path = dir.join(file);
        assert_eq!(streams(&path, "subtitle").len(), 0, "{path:?}");
    }
    // No sidecar for renditions without the rule, nothing left half-written.
    let names: Vec<String> = files_in(&dir)
        .iter()
        .filter_map(|p| p.file_name().and_then(|f| f.to_str()).map(str::to_owned))
        .collect();
    let vtt: Vec<_> = names.iter().filter(|n| n.ends_with(".vtt")).collect();
    assert_eq!(vtt.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| !n.contains("vidprism-part")),
        "{names:?}"
    );
    // Nothing was skipped: the events say nothing about it. Each names
    // its sidecar, and the job counts it among the files written.
    for done in run.of("rendition_done") {
        assert!(done.get("skipped_tracks").is_none(), "{done}");
        let name = done["rendition"].as_str().unwrap_or_default();
        let sidecars = match name.starts_with("side-") {
            true => serde_json::json!([format!("{name}.eng.vtt")]),
            false => serde_json::Value::Null,
        };
        assert_eq!(done["sidecars"], sidecars, "{done}");
    }
    assert_eq!(
        run.one("job_done")["outputs"],
        1 + 4 + 2,
        "{:#?}",
        run.events
    );
}

/// A Matroska clip with one PGS (picture) subtitle track. FFmpeg cannot
/// encode PGS, so an ASS track is written and its codec ID renamed in
/// place ("S_TEXT/ASS" and "S_HDMV/PGS" are the same length): the packets
/// are never decoded, only recognised as pictures and skipped.
fn pgs_clip(fx: &Fixture) -> std::path::PathBuf {
    let srt = fx.path("subs.srt");
    std::fs::write(&srt, SUBTITLES).expect("subtitles written");
    let path = fx.path("pgs.mkv");
    ffmpeg_h264(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=1",
            "-i",
            srt.to_str().expect("utf-8 path"),
            "-map",
            "0",
            "-map",
            "1",
        ],
        &["-c:s", "ass", path.to_str().expect("utf-8 path")],
    );
    let bytes = std::fs::read(&path).expect("clip read");
    let at = bytes
        .windows(10)
        .position(|w| w == b"S_TEXT/ASS")
        .expect("an ASS codec ID");
    let mut patched = bytes;
    patched[at..at + 10].copy_from_slice(b"S_HDMV/PGS");
    std::fs::write(&path, patched).expect("clip written");
    let subs = streams(&path, "subtitle");
    assert_eq!(subs[0]["codec_name"], "hdmv_pgs_subtitle", "{subs:#?}");
    path
}

#[test]
fn picture_subtitles_are_reported_as_skipped() {
    let fx = Fixture::new();
    let source = pgs_clip(&fx);
    let run = process(
        &fx.out_dir(),
        &["-p", "web", source.to_str().expect("utf-8 path")],
    );
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    let done = run.one("rendition_done");
    let skipped = done["skipped_tracks"]
        .as_array()
        .unwrap_or_else(|| panic!("no skipped_tracks in {done}"));
    assert_eq!(skipped.len(), 1, "{done}");
    assert_eq!(skipped[0]["index"], 1);
    assert_eq!(skipped[0]["kind"], "subtitle");
    assert_eq!(skipped[0]["codec"], "hdmv_pgs_subtitle");
    let reason = skipped[0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("picture"), "{reason}");
    let path = std::path::PathBuf::from(done["path"].as_str().expect("path"));
    assert_eq!(streams(&path, "subtitle").len(), 0);
}

/// A source's hostile subtitle track: its language tag `e/x` (not a
/// language tag) never makes a path, so the sidecars are
/// `<rendition>.und.vtt` in the job's folder; a cue whose text holds
/// `-->` stays one cue in every WebVTT file made.
#[test]
fn a_hostile_language_tag_and_cue_text_stay_inside_their_formats() {
    let fx = Fixture::new();
    let vtt = fx.path("hostile.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00:00.300 --> 00:00:01.000\nHello --&gt; world\n\n\
         00:00:01.200 --> 00:00:01.900\nSecond line\n",
    )
    .unwrap();
    let source = fx.path("hostile.mkv");
    let (vtt, source_arg) = (vtt.to_string_lossy(), source.to_string_lossy());
    ffmpeg_h264(
        &[
            lavfi(&["testsrc2=s=320x240:r=25:d=2"]),
            vec!["-i", &vtt],
            map_inputs(2),
        ]
        .concat(),
        &[
            "-c:s",
            "srt",
            "-metadata:s:s:0",
            "language=e/x",
            &source_arg,
        ],
    );
    let config = config_with(
        &fx,
        &[(
            "sidecars",
            preset("sidecars", "subtitles = \"keep_and_sidecar\"", "side-"),
        )],
    );
    let out = fx.out_dir();
    let run = process_presets(&out, &config, &["sidecars"], &source);
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    let dir = out.join("hostile");
    for file in files_in(&out) {
        assert_eq!(
            file.parent(),
            Some(dir.as_path()),
            "{file:?} is not in the job's folder"
        );
    }
    for name in ["side-mp4", "side-webm"] {
        let sidecar = dir.join(format!("{name}.und.vtt"));
        let text = std::fs::read_to_string(&sidecar)
            .unwrap_or_else(|e| panic!("no sidecar {sidecar:?}: {e}"));
        assert_eq!(text.matches("-->").count(), 2, "{text}");
        assert!(text.contains("Hello --&gt; world"), "{text}");
        assert!(text.contains("Second line"), "{text}");
    }
    // The WebM's own WebVTT track holds both cues too, and decodes to the
    // source's text (as SubRip, which writes `-->` as it is).
    let webm = subtitle_text(&dir.join("side-webm.webm"));
    let timings = webm.lines().filter(|l| l.starts_with("00:")).count();
    assert_eq!(timings, 2, "{webm}");
    assert!(webm.contains("Hello --> world"), "{webm}");
}
