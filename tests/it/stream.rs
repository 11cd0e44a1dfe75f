//! The `stream` preset's bundle (issue 15): every rung's segments start on
//! keyframes at the same source times, checked per segment with ffprobe's
//! packets and the playlists' byte ranges; ffprobe reads `master.m3u8` and
//! `manifest.mpd` and finds every variant; segment bitrates stay within the
//! caps; the player page plays the stream in headless Chromium (see
//! `browser_plays`; Chromium, Node and tests/player's packages come from
//! scripts/setup.sh, and a missing one fails the test, never skips it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{ffprobe_with, process, video_csv, Fixture};

/// One packet of a rung: presentation time, byte position, keyframe.
struct Packet {
    pts: f64,
    pos: u64,
    key: bool,
}

fn packets(path: &Path) -> Vec<Packet> {
    let out = video_csv(path, &[], "packet=pts_time,pos,flags");
    assert!(out.status.success(), "ffprobe {path:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let pts = fields.next()?.parse().ok()?;
            let pos = fields.next()?.parse().ok()?;
            let key = fields.next()?.starts_with('K');
            Some(Packet { pts, pos, key })
        })
        .collect()
}

/// When the first sample of a fragmented MP4 is shown, in seconds: its
/// fragment's decode time (`tfdt`) plus its composition offset (`trun`).
fn presentation_start(path: &Path) -> f64 {
    let data = std::fs::read(path).expect("rung");
    let find = |name: &[u8], from: usize| {
        data[from..]
            .windows(4)
            .position(|w| w == name)
            .map(|p| p + from)
            .unwrap_or_else(|| panic!("no {} box", String::from_utf8_lossy(name)))
    };
    let be32 = |at: usize| u32::from_be_bytes(data[at..at + 4].try_into().expect("4 bytes"));
    let mdhd = find(b"mdhd", 0);
    assert_eq!(data[mdhd + 4], 0, "version 0 mdhd");
    let timescale = f64::from(be32(mdhd + 16));
    let moof = find(b"moof", 0);
    let tfdt = find(b"tfdt", moof);
    let decode = if data[tfdt + 4] == 1 {
        u64::from_be_bytes(data[tfdt + 8..tfdt + 16].try_into().expect("8 bytes")) as f64
    } else {
        f64::from(be32(tfdt + 8))
    };
    let trun = find(b"trun", moof);
    let flags = be32(trun + 4) & 0x00ff_ffff;
    let mut at = trun + 12;
    for (flag, width) in [(0x01, 4), (0x04, 4), (0x100, 4), (0x200, 4), (0x400, 4)] {
        if flags & flag != 0 {
            at += width;
        }
    }
    let offset = if flags & 0x800 != 0 {
        f64::from(be32(at) as i32)
    } else {
        0.0
    };
    (decode + offset) / timescale
}

/// A media playlist's segments: (seconds, byte length, byte offset).
fn segments(playlist: &str) -> Vec<(f64, u64, u64)> {
    let mut out = Vec::new();
    let mut duration = None;
    for line in playlist.lines() {
        if let Some(d) = line.strip_prefix("#EXTINF:") {
            duration = d.trim_end_matches(',').parse().ok();
        } else if let Some(range) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            let (len, at) = range.split_once('@').expect("length@offset");
            out.push((
                duration.take().expect("EXTINF before the range"),
                len.parse().expect("length"),
                at.parse().expect("offset"),
            ));
        }
    }
    out
}

/// Video streams (width, height) and audio streams ffprobe finds through
/// a manifest.
fn variants(manifest: &Path) -> (BTreeSet<(u64, u64)>, usize) {
    let probe = ffprobe_with(manifest, &["-show_streams"]);
    let streams = probe["streams"].as_array().cloned().unwrap_or_default();
    let videos = streams
        .iter()
        .filter(|s| s["codec_type"] == "video")
        .map(|s| {
            (
                s["width"].as_u64().unwrap_or(0),
                s["height"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let audios = streams
        .iter()
        .filter(|s| s["codec_type"] == "audio")
        .count();
    (videos, audios)
}

/// Makes a 9 s 720p clip with a noisy picture (so the caps bind) and
/// runs the `stream` preset on it; returns the fixture and bundle folder.
/// The `stream` rungs' ceilings (maxrate, bufsize; kb/s) as the README's
/// table promises them: written here, not read from the preset under test.
fn readme_caps(rung: &str) -> (u32, u32) {
    match rung {
        "1080p" => (5000, 10000),
        "720p" => (3000, 6000),
        "480p" => (1500, 3000),
        "360p" => (800, 1600),
        other => panic!("no {other} rung in the README's table"),
    }
}

fn stream_bundle() -> (Fixture, PathBuf, crate::util::Run) {
    let fx = Fixture::new();
    let clip = fx.clip(
        "talk.mp4",
        "1280x720",
        9.0,
        true,
        &["-vf", "noise=alls=24:allf=t"],
    );
    let run = process(
        &fx.out_dir(),
        &["-p", "stream", clip.to_str().expect("path")],
    );
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    let dir = fx.out_dir().join("talk");
    (fx, dir, run)
}

#[test]
fn stream_bundle_is_aligned_parsable_and_capped() {
    let (_fx, dir, run) = stream_bundle();
    run.one("job_done");
    // 1080p would be upscaled: skipped; the other rungs are in the bundle.
    assert_eq!(run.one("rendition_skipped")["rendition"], "1080p");
    let rungs = ["720p", "480p", "360p"];
    let done: Vec<PathBuf> = run.rendition_paths();
    let expected: Vec<PathBuf> = rungs.iter().map(|r| dir.join(format!("{r}.mp4"))).collect();
    assert_eq!(done, expected);
    for name in [
        "master.m3u8",
        "manifest.mpd",
        "index.html",
        "hls.min.js",
        "audio.mp4",
        "audio.m3u8",
        "720p.m3u8",
        // The stream preset's storyboard and poster, which the page shows.
        "storyboard.vtt",
        "storyboard-001.jpg",
        "poster.jpg",
    ] {
        assert!(dir.join(name).is_file(), "{name} in the bundle");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("bundle")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // Every segment of every rung starts on a keyframe and holds no other;
    // the segments start at the same times in every rung, every 4 s.
    let mut starts_of_first: Option<Vec<f64>> = None;
    for rung in rungs {
        let playlist = std::fs::read_to_string(dir.join(format!("{rung}.m3u8"))).expect("playlist");
        let segs = segments(&playlist);
        assert_eq!(segs.len(), 3, "{rung}: 4 + 4 + 1 s\n{playlist}");
        let packets = packets(&dir.join(format!("{rung}.mp4")));
        let mut starts = Vec::new();
        for (i, &(_, len, at)) in segs.iter().enumerate() {
            let inside: Vec<&Packet> = packets
                .iter()
                .filter(|p| p.pos >= at && p.pos < at + len)
                .collect();
            assert!(!inside.is_empty(), "{rung} segment {i} has packets");
            let first = inside.iter().min_by_key(|p| p.pos).expect("first");
            assert!(first.key, "{rung} segment {i} starts on a keyframe");
            let keys = inside.iter().filter(|p| p.key).count();
            assert_eq!(keys, 1, "{rung} segment {i}: one keyframe, at its start");
            starts.push(first.pts);
        }
        for (i, s) in starts.iter().enumerate() {
            let since_first = s - starts[0];
            assert!(
                (since_first - 4.0 * i as f64).abs() < 1e-3,
                "{rung}: segment {i} starts at {s} ({starts:?})"
            );
        }
        match &starts_of_first {
            None => starts_of_first = Some(starts),
            Some(first) => assert_eq!(first, &starts, "{rung} aligned with {}", rungs[0]),
        }

        // Bitrate per segment within the cap. x264's VBV holds the bits of
        // any span of T seconds to maxrate * T + bufsize (the buffer may be
        // spent at once), so a segment's rate is at most maxrate + bufsize
        // / T; 2% more for the fragment headers (moof, trun per sample).
        let (maxrate_kbps, bufsize_kbps) = readme_caps(rung);
        for (i, &(seconds, len, _)) in segs.iter().enumerate() {
            if seconds < 1.0 {
                continue;
            }
            let kbps = len as f64 * 8.0 / seconds / 1000.0;
            let ceiling = (f64::from(maxrate_kbps) + f64::from(bufsize_kbps) / seconds) * 1.02;
            assert!(
                kbps <= ceiling,
                "{rung} segment {i}: {kbps:.0} kb/s over the {ceiling:.0} kb/s bound"
            );
        }
        let whole: u64 = segs.iter().map(|s| s.1).sum();
        let seconds: f64 = segs.iter().map(|s| s.0).sum();
        let average = whole as f64 * 8.0 / seconds / 1000.0;
        assert!(
            average <= (f64::from(maxrate_kbps) + f64::from(bufsize_kbps) / seconds) * 1.02,
            "{rung}: {average:.0} kb/s on average"
        );
    }

    // The audio file starts with the video, as in the source: a fragmented
    // MP4 has no edit list, so every track is moved by the rungs' B-frame
    // delay (2 frames); the audio's first packet is AAC's priming, 1024
    // samples (21 ms at 48 kHz) before the video's first frame. Read as
    // players read it (decode time + composition offset; ffprobe shifts
    // tracks with negative offsets by its own amount).
    let video_start = presentation_start(&dir.join("720p.mp4"));
    let audio_start = presentation_start(&dir.join("audio.mp4"));
    assert!(
        (video_start - audio_start - 1024.0 / 48_000.0).abs() <= 0.01,
        "video starts at {video_start} s, audio at {audio_start} s"
    );

    // The manifests parse and list every variant.
    let sizes: BTreeSet<(u64, u64)> = [(1280, 720), (854, 480), (640, 360)].into();
    let (videos, audios) = variants(&dir.join("master.m3u8"));
    assert_eq!(videos, sizes);
    assert!(audios >= 1, "the audio rendition");
    let (videos, audios) = variants(&dir.join("manifest.mpd"));
    assert_eq!(videos, sizes);
    assert_eq!(audios, 1);
    let master = std::fs::read_to_string(dir.join("master.m3u8")).expect("master");
    for field in [
        "BANDWIDTH=",
        "AVERAGE-BANDWIDTH=",
        "RESOLUTION=1280x720",
        "CODECS=\"avc1.",
        "FRAME-RATE=25.000",
        "AUDIO=\"audio\"",
        "#EXT-X-MEDIA:TYPE=AUDIO",
    ] {
        assert!(master.contains(field), "{field} in\n{master}");
    }
}

/// Chromium and Node, or why the browser test cannot run.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {n}")])
                .output()
                .ok()?;
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            (!path.is_empty()).then(|| PathBuf::from(path))
        })
    };
    let chromium = find(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("no chromium (scripts/setup.sh installs Debian's)")?;
    let node = find(&["node", "nodejs"]).ok_or("no node")?;
    let modules = player_dir().join("node_modules/puppeteer-core");
    if !modules.is_dir() {
        return Err("tests/player has no node_modules (run `npm ci` there; make test does)".into());
    }
    Ok((chromium, node))
}

fn player_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/player")
}

#[test]
fn browser_plays_hls_dash_and_the_page_from_disk() {
    let (chromium, node) = browser().unwrap_or_else(|why| panic!("{why} (make test installs it)"));
    let (_fx, dir, _run) = stream_bundle();
    let server = crate::util::static_server::StaticServer::start(vec![
        ("/bundle/".to_owned(), dir.clone()),
        ("/player/".to_owned(), player_dir()),
    ]);
    let base = format!("http://127.0.0.1:{}", server.port());
    let mut node = Command::new(node);
    node.arg(player_dir().join("play.mjs"))
        .env("CHROMIUM", chromium)
        .env("BASE", &base)
        .env("BUNDLE_DIR", &dir);
    // `VIDPRISM_STREAM_SCREENSHOT=assets/stream-page.png` keeps a picture
    // of the page playing (the README's).
    if let Some(png) = std::env::var_os("VIDPRISM_STREAM_SCREENSHOT") {
        node.env("SCREENSHOT", png);
    }
    let out = node.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the player failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The bundle's hls.js is the one npm installed for the test.
    let vendored = std::fs::read(dir.join("hls.min.js")).expect("bundle's hls.js");
    let from_npm = std::fs::read(player_dir().join("node_modules/hls.js/dist/hls.min.js"))
        .expect("npm's hls.js");
    assert!(
        vendored == from_npm,
        "assets/vendor/hls.js differs from tests/player's hls.js"
    );
    for mode in ["hls.js", "dash", "files"] {
        assert!(
            stdout.contains(&format!("ended {mode}")),
            "{mode} played to the end:\n{stdout}"
        );
    }
    // The quality menu switched the picture (the rungs are 720p, 480p, 360p).
    for switched in ["switched hls.js to 360p", "switched files to 480p"] {
        assert!(stdout.contains(switched), "{switched}:\n{stdout}");
    }
}
