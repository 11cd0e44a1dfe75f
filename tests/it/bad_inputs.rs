//! Anything that is not a usable video ends in `job_failed` with a reason
//! that names the file, writes nothing, and exits 1 without hanging. The
//! window asked for where there is no display says so before it queues
//! anything.

use std::path::Path;

use crate::util::*;

/// Runs one input and checks the failure contract; returns the error text.
fn fails_cleanly(fx: &Fixture, input: &Path) -> String {
    let run = process(&fx.out_dir(), &[input.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{input:?}: {}\n{:#?}", run.stderr, run.events);
    let error = run.one("job_failed")["error"].as_str().unwrap().to_owned();
    let name = input.file_name().unwrap().to_string_lossy();
    assert!(
        error.contains(name.as_ref()),
        "{error:?} does not name {name}"
    );
    let left = files_in(&fx.out_dir());
    assert!(left.is_empty(), "{input:?} left files behind: {left:?}");
    // A truncated file can have a good first frame: its thumbnail may be
    // announced, but it is removed with the rest when the damage shows.
    assert!(run.of("rendition_done").is_empty());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    error
}

/// A one-second 440 Hz tone, as a lavfi graph.
const TONE: &str = "sine=f=440:d=1";

/// One test-pattern picture at `path` (its format from its extension).
fn test_picture(path: &Path) {
    let picture = ["-frames:v", "1", path.to_str().unwrap()];
    ffmpeg(&[&lavfi(&["testsrc2=s=320x240"])[..], &picture].concat());
}

#[test]
fn missing_path() {
    let fx = Fixture::new();
    let error = fails_cleanly(&fx, &fx.path("nowhere.mp4"));
    assert!(error.contains("not found"), "{error}");
}

#[test]
fn directory() {
    // A folder is searched for videos, as the window searches it: one
    // with none fails, named on stderr, with nothing written.
    let fx = Fixture::new();
    let dir = fx.path("a folder.mp4");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), b"text").unwrap();
    let run = process(&fx.out_dir(), &[dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.events.is_empty(), "{:?}", run.events);
    assert!(
        run.stderr
            .contains("a folder.mp4: a folder with no videos in it"),
        "{}",
        run.stderr
    );
    assert!(files_in(&fx.out_dir()).is_empty());
}

/// A named pipe nobody writes to would block the read forever.
#[cfg(unix)]
#[test]
fn named_pipe_is_refused_without_waiting_for_a_writer() {
    let fx = Fixture::new();
    let fifo = fx.path("stream.mp4");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let error = fails_cleanly(&fx, &fifo);
    assert!(error.contains("not a regular file"), "{error}");
}

#[test]
fn empty_file() {
    let fx = Fixture::new();
    let path = fx.path("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    assert!(fails_cleanly(&fx, &path).contains("empty"));
}

#[test]
fn text_file_named_like_a_video() {
    let fx = Fixture::new();
    let path = fx.path("notes.mov");
    std::fs::write(&path, "shopping list\nmilk\neggs\n".repeat(50)).unwrap();
    assert!(fails_cleanly(&fx, &path).contains("not a video file"));
}

#[test]
fn random_bytes() {
    let fx = Fixture::new();
    let path = fx.path("noise.mp4");
    // A fixed linear congruential sequence: random-looking, reproducible.
    let mut x: u32 = 12345;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    fails_cleanly(&fx, &path);
}

#[test]
fn audio_only() {
    let fx = Fixture::new();
    let path = fx.path("song.m4a");
    ffmpeg(&[lavfi(&[TONE]), vec!["-c:a", "aac", path.to_str().unwrap()]].concat());
    assert!(fails_cleanly(&fx, &path).contains("audio only"));
}

#[test]
fn still_image() {
    let fx = Fixture::new();
    let path = fx.path("photo.png");
    test_picture(&path);
    assert!(fails_cleanly(&fx, &path).contains("still image"));
}

#[test]
fn audio_with_cover_art() {
    let fx = Fixture::new();
    let cover = fx.path("cover.jpg");
    test_picture(&cover);
    let path = fx.path("album.mp3");
    let inputs = [lavfi(&[TONE]), vec!["-i", cover.to_str().unwrap()]].concat();
    ffmpeg(
        &[
            &inputs[..],
            &map_inputs(2),
            &[
                "-c:a",
                "libmp3lame",
                "-c:v",
                "copy",
                "-disposition:v",
                "attached_pic",
                path.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    let error = fails_cleanly(&fx, &path);
    assert!(
        error.contains("audio only") || error.contains("still image"),
        "{error}"
    );
}

fn truncated(fraction: f64, faststart: bool) -> String {
    let extra: &[&str] = if faststart {
        &["-movflags", "+faststart"]
    } else {
        &[]
    };
    truncated_as("mp4", fraction, extra)
}

/// A 3 s clip in the container `ext`, cut to `fraction` of its bytes:
/// the error its run fails with.
fn truncated_as(ext: &str, fraction: f64, extra: &[&str]) -> String {
    let fx = Fixture::new();
    let full = fx.clip(&format!("full.{ext}"), "320x240", 3.0, true, extra);
    let bytes = std::fs::read(&full).unwrap();
    let cut = fx.path(&format!("cut.{ext}"));
    std::fs::write(&cut, &bytes[..(bytes.len() as f64 * fraction) as usize]).unwrap();
    std::fs::remove_file(&full).unwrap();
    fails_cleanly(&fx, &cut)
}

#[test]
fn truncated_at_1_30_and_90_percent() {
    for fraction in [0.01, 0.3, 0.9] {
        let error = truncated(fraction, false);
        assert!(
            error.contains("truncated") || error.contains("corrupt"),
            "{fraction}: {error}"
        );
        let error = truncated(fraction, true);
        assert!(
            error.contains("truncated")
                || error.contains("corrupt")
                || error.contains("not a video"),
            "faststart {fraction}: {error}"
        );
    }
}

/// Matroska tells each track's length in a tag (the container's duration
/// is the longest track's): a cut file is still caught by its video's.
#[test]
fn truncated_matroska_at_30_and_90_percent() {
    for fraction in [0.3, 0.9] {
        let error = truncated_as("mkv", fraction, &[]);
        assert!(error.contains("truncated"), "{fraction}: {error}");
    }
}

/// A Matroska file whose audio outlasts its video, cut at its audio's
/// second 2, after the video's end: caught by the furthest any track got
/// against the container's end.
#[test]
fn audio_outlasting_the_video_cut_short_is_caught() {
    let fx = Fixture::new();
    let full = longer_audio_clip(&fx, "full.mkv", 1, 4);
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "a", "-show_entries"])
        .args(["packet=pts_time,pos", "-of", "csv=p=0"])
        .arg(&full)
        .output()
        .unwrap();
    let at_2s: usize = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(','))
        .find(|(t, _)| t.parse::<f64>().is_ok_and(|t| t >= 2.0))
        .and_then(|(_, pos)| pos.parse().ok())
        .expect("an audio packet at 2 s");
    let bytes = std::fs::read(&full).unwrap();
    let cut = fx.path("cut.mkv");
    std::fs::write(&cut, &bytes[..at_2s]).unwrap();
    std::fs::remove_file(&full).unwrap();
    let error = fails_cleanly(&fx, &cut);
    assert!(error.contains("truncated"), "{error}");
}

#[test]
fn unwritable_output_folder() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "320x240", 0.5, false, &[]);
    // A file where a folder should be: no permission tricks needed as root.
    let blocker = fx.path("blocker");
    std::fs::write(&blocker, b"a file").unwrap();
    let run = process(&blocker.join("out"), &[src.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let error = run.one("job_failed")["error"].as_str().unwrap();
    assert!(error.contains("cannot create the output folder"), "{error}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"a file");
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let fx = Fixture::new();
    let good = fx.clip("good.mp4", "320x240", 0.5, false, &[]);
    let bad = fx.path("bad.mp4");
    std::fs::write(&bad, b"nope").unwrap();
    let run = process(
        &fx.out_dir(),
        &[bad.to_str().unwrap(), good.to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.of("job_failed").len(), 1);
    assert_eq!(run.one("job_done")["job"], 2);
}

#[test]
fn the_window_without_a_display_says_so_and_starts_nothing() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "160x120", 1.0, false, &[]);
    let out = vidprism()
        .arg(&clip)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .env("HOME", fx.path("home"))
        .env("XDG_CONFIG_HOME", fx.path("home/.config"))
        .env("VIDPRISM_CONFIG_DIR", fx.path("config"))
        .env("VIDPRISM_DATA_DIR", fx.path("data"))
        .output()
        .expect("vidprism runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no display") && stderr.contains("vidprism process"),
        "{stderr}"
    );
    // Nothing was queued (no job store, its journal or lock) and nothing
    // made; the window's log may be there.
    for dir in ["data", "home"] {
        let made = files_in(&fx.path(dir));
        assert!(
            made.iter()
                .all(|f| f.extension().is_some_and(|e| e == "log")),
            "{dir}: {made:?}"
        );
    }
}
