//! Test helpers: make clips with the ffmpeg command line in temp dirs, run
//! `vidprism process --json`, and measure real outputs with ffprobe.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub mod hdr_clips;
pub mod nats;
pub mod nats_server;
pub mod raw_nats;
pub mod static_server;
pub mod tone_reference;
pub mod tracks;

/// Runs `ffmpeg -v error -y ARGS` and panics with its stderr if it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg command line tool is installed (make test installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ffmpeg's input options for each lavfi graph of `graphs`, one input each
/// (`-f lavfi -i GRAPH`), in order.
pub fn lavfi<'a>(graphs: &[&'a str]) -> Vec<&'a str> {
    graphs
        .iter()
        .flat_map(|graph| ["-f", "lavfi", "-i", graph])
        .collect()
}

/// `-map 0 -map 1 ...`: every stream of each of the first `count` inputs
/// (at most 8), in order.
pub fn map_inputs(count: usize) -> Vec<&'static str> {
    ["0", "1", "2", "3", "4", "5", "6", "7"][..count]
        .iter()
        .flat_map(|input| ["-map", input])
        .collect()
}

/// ffmpeg's output options for a quick H.264 test clip any player decodes.
pub const H264_FAST: [&str; 6] = [
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
];

/// ffmpeg's output options tagging a clip BT.709 (matrix, primaries,
/// transfer).
pub const BT709_TAGS: [&str; 6] = [
    "-colorspace",
    "bt709",
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
];

/// [`ffmpeg`] with `before` (inputs, maps, filters), then [`H264_FAST`],
/// then `after` (other codecs, metadata, the output path).
pub fn ffmpeg_h264(before: &[&str], after: &[&str]) {
    ffmpeg(&[before, &H264_FAST[..], after].concat());
}

/// A temp dir with a clip generator.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.path("out")
    }

    /// A test-pattern clip: `size` like "320x240", with a 440 Hz tone when
    /// `audio`, extra ffmpeg output options in `extra`.
    pub fn clip(&self, name: &str, size: &str, secs: f64, audio: bool, extra: &[&str]) -> PathBuf {
        let path = self.path(name);
        let video = format!("testsrc2=s={size}:r=25:d={secs}");
        let tone = format!("sine=f=440:d={secs}");
        let graphs = if audio {
            vec![&*video, &tone]
        } else {
            vec![&*video]
        };
        let mut args = lavfi(&graphs);
        args.extend(extra.iter().copied());
        if !extra.contains(&"-c:v") {
            args.extend(H264_FAST);
        }
        if audio && !extra.contains(&"-c:a") {
            args.extend(["-c:a", "aac"]);
        }
        let p = path.to_string_lossy().into_owned();
        args.push(&p);
        ffmpeg(&args);
        path
    }
}

/// A 640x360 clip at `path` (Matroska or MP4, by its extension) whose
/// video lasts `video_s` and its audio `audio_s`, as screen and game
/// recorders make them: `ffmpeg -i video -i audio out.mkv`.
pub fn longer_audio_clip(fx: &Fixture, name: &str, video_s: u32, audio_s: u32) -> PathBuf {
    let path = fx.path(name);
    let video = format!("testsrc2=s=640x360:r=25:d={video_s}");
    let audio = format!("sine=f=440:d={audio_s}");
    ffmpeg_h264(
        &lavfi(&[&video, &audio]),
        &["-c:a", "aac", path.to_str().unwrap()],
    );
    path
}

/// A tiny H.264 clip `name` claiming a long video: `frames` 64x48 frames
/// (of a `rate` fps pattern) whose timestamps are spread `gap_s` seconds
/// apart (`setpts=N*GAP/TB`), so a few KB last days.
pub fn spread_clip(fx: &Fixture, name: &str, rate: u32, frames: u32, gap_s: u32) -> PathBuf {
    let path = fx.path(name);
    let pattern = format!(
        "testsrc2=s=64x48:r={rate}:d={}",
        f64::from(frames) / f64::from(rate)
    );
    let spread = format!("setpts=N*{gap_s}/TB");
    ffmpeg_h264(
        &[
            &lavfi(&[&pattern])[..],
            &["-vf", &spread, "-fps_mode", "passthrough"],
        ]
        .concat(),
        &[path.to_str().expect("utf-8 path")],
    );
    path
}

/// The result of one `vidprism process` run.
pub struct Run {
    pub code: i32,
    pub events: Vec<Value>,
    pub stderr: String,
}

impl Run {
    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    pub fn one(&self, kind: &str) -> &Value {
        let found = self.of(kind);
        assert_eq!(
            found.len(),
            1,
            "expected one {kind} event in {:#?}",
            self.events
        );
        found[0]
    }

    /// Paths of every rendition_done.
    pub fn rendition_paths(&self) -> Vec<PathBuf> {
        self.of("rendition_done")
            .iter()
            .map(|e| PathBuf::from(e["path"].as_str().expect("path")))
            .collect()
    }
}

/// The binary, with transcodes at normal priority: tests run many programs
/// side by side, and background transcodes would wait behind all of them.
pub fn vidprism() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vidprism"));
    command.env("VIDPRISM_TRANSCODE_PRIORITY", "normal");
    // A farm set in the developer's environment must not take the tests'
    // jobs: the farm tests pass --nats themselves.
    for var in [
        "VIDPRISM_NATS",
        "VIDPRISM_NATS_USER",
        "VIDPRISM_NATS_PASSWORD",
        "VIDPRISM_NATS_PASSWORD_FILE",
        "VIDPRISM_NATS_TOKEN",
    ] {
        command.env_remove(var);
    }
    command
}

/// Runs `vidprism process --json -o OUT ARGS`.
pub fn process(out: &Path, args: &[&str]) -> Run {
    process_with_env(out, &[], &[], args)
}

/// ffprobe's JSON for the file's streams and format.
pub fn ffprobe(path: &Path) -> Value {
    ffprobe_with(path, &["-show_streams", "-show_format"])
}

/// ffprobe's JSON of what `show` asks for (`-show_streams`,
/// `-show_chapters`...) about `path`, which it must read.
pub fn ffprobe_with(path: &Path, show: &[&str]) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json"])
        .args(show)
        .arg(path)
        .output()
        .expect("ffprobe");
    assert!(
        out.status.success(),
        "ffprobe cannot read {path:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

pub fn video_stream(probe: &Value) -> &Value {
    probe["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
        .expect("a video stream")
}

/// The video stream's text fields `keys` as ffprobe reports them
/// ("unknown" when absent).
pub fn video_fields<const N: usize>(path: &Path, keys: [&str; N]) -> [String; N] {
    let probe = ffprobe(path);
    let v = video_stream(&probe);
    keys.map(|k| v[k].as_str().unwrap_or("unknown").to_owned())
}

pub fn audio_streams(probe: &Value) -> usize {
    probe["streams"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["codec_type"] == "audio").count())
        .unwrap_or(0)
}

pub fn duration_s(probe: &Value) -> f64 {
    probe["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("a duration")
}

/// Decodes the whole file and returns what FFmpeg complained about.
pub fn decode_errors(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        text.push_str("(ffmpeg failed)");
    }
    text
}

/// ffprobe's answer, as CSV without section names, of `entries` (like
/// "frame=pts_time") of the first video stream; `flags` (like
/// "-count_frames") go before them.
pub fn video_csv(path: &Path, flags: &[&str], entries: &str) -> std::process::Output {
    Command::new("ffprobe")
        .args(["-v", "error"])
        .args(flags)
        .args(["-select_streams", "v:0", "-show_entries", entries])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe")
}

/// Presentation times of every video frame, in seconds.
pub fn frame_times(path: &Path) -> Vec<f64> {
    let out = video_csv(path, &[], "frame=pts_time");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect()
}

/// The first frame as raw RGB at `w`x`h`, as ffmpeg (with autorotation)
/// shows it.
pub fn first_frame_rgb(path: &Path, w: u32, h: u32) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &format!("scale={w}:{h}"),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "decoding {path:?} failed");
    out.stdout
}

/// Mean colour of a `w`x`h` RGB buffer's region [x0,x1)x[y0,y1).
pub fn mean_rgb(rgb: &[u8], w: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> [f64; 3] {
    let mut sum = [0f64; 3];
    let mut n = 0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * w + x) * 3) as usize;
            for c in 0..3 {
                sum[c] += f64::from(rgb[i + c]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

/// Every file left in `dir`, recursively.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_in(&p));
        } else {
            found.push(p);
        }
    }
    found
}

/// Output files of a run, relative to its output folder, sorted.
pub fn relative_files(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = files_in(out)
        .into_iter()
        .map(|p| p.strip_prefix(out).expect("under out").to_path_buf())
        .collect();
    files.sort();
    files
}

/// Asserts every output of a run decodes, is upright-sized with square
/// pixels and even dimensions, and matches the source's duration.
pub fn assert_outputs_sound(run: &Run, source_duration_s: Option<f64>) {
    for e in run.of("rendition_done") {
        let path = PathBuf::from(e["path"].as_str().expect("path"));
        assert!(path.exists(), "{path:?} missing");
        let errors = decode_errors(&path);
        assert!(
            errors.is_empty(),
            "{path:?} does not decode cleanly: {errors}"
        );
        let probe = ffprobe(&path);
        let v = video_stream(&probe);
        let (w, h) = (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap());
        assert_eq!(
            (w, h),
            (e["width"].as_u64().unwrap(), e["height"].as_u64().unwrap())
        );
        assert_eq!((w % 2, h % 2), (0, 0), "{path:?} has odd dimensions");
        let sar = v["sample_aspect_ratio"].as_str().unwrap_or("1:1");
        assert!(
            sar == "1:1" || sar == "0:1" || sar == "N/A",
            "{path:?} SAR {sar}"
        );
        if let Some(expected) = source_duration_s {
            let got = duration_s(&probe);
            assert!(
                (got - expected).abs() <= 0.25,
                "{path:?} lasts {got} s, source {expected} s"
            );
        }
    }
}

/// Number of video frames a full decode gives.
pub fn frame_count(path: &Path) -> usize {
    let out = video_csv(path, &["-count_frames"], "stream=nb_read_frames");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_end_matches(',')
        .parse()
        .unwrap_or_else(|_| panic!("no frame count for {path:?}"))
}

/// Runs `vidprism ARGS` with `config` as its config dir (user presets in
/// `config/presets`), never the real one. Returns exit code, stdout, stderr.
pub fn vidprism_with_config(config: &Path, args: &[&str]) -> (i32, String, String) {
    let output = vidprism()
        .env("VIDPRISM_CONFIG_DIR", config)
        .args(args)
        .output()
        .expect("run vidprism");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `process` with user presets from `config/presets`.
pub fn process_with_config(out: &Path, config: &Path, args: &[&str]) -> Run {
    let mut all = vec!["process", "--json", "-o"];
    let out = out.to_string_lossy().into_owned();
    all.push(&out);
    all.extend(args);
    let (code, stdout, stderr) = vidprism_with_config(config, &all);
    let events = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    Run {
        code,
        events,
        stderr,
    }
}

/// Writes a user preset `name` into `config/presets`.
pub fn user_preset(config: &Path, name: &str, text: &str) {
    let dir = config.join("presets");
    std::fs::create_dir_all(&dir).expect("preset dir");
    std::fs::write(dir.join(format!("{name}.toml")), text).expect("preset written");
}

/// Writes user presets (name, TOML text) into the fixture's config folder,
/// which it returns.
pub fn config_with(fx: &Fixture, presets: &[(&str, String)]) -> PathBuf {
    let config = fx.path("config");
    for (name, text) in presets {
        user_preset(&config, name, text);
    }
    config
}

/// `process` of one `source` with user presets from `config/presets`, under
/// each of `presets` (`-p NAME` each, in order).
pub fn process_presets(out: &Path, config: &Path, presets: &[&str], source: &Path) -> Run {
    let mut args: Vec<&str> = presets.iter().flat_map(|name| ["-p", name]).collect();
    args.push(source.to_str().expect("utf-8 path"));
    process_with_config(out, config, &args)
}

/// Runs `vidprism process --json -o OUT FLAGS ARGS` with extra environment
/// variables (say `-vv` and `RUST_LOG`); like [`process`], every stdout line
/// must be JSON.
pub fn process_with_env(out: &Path, flags: &[&str], env: &[(&str, &str)], args: &[&str]) -> Run {
    let output = vidprism()
        .args(["process", "--json", "-o"])
        .arg(out)
        .args(flags)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run vidprism");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let events = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    Run {
        code: output.status.code().unwrap_or(-1),
        events,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Events from an in-process engine until `stop` says so, failing after
/// `limit` instead of hanging.
pub fn collect_until(
    engine: &vidprism_engine::pipeline::Engine,
    limit: std::time::Duration,
    mut stop: impl FnMut(&vidprism_engine::pipeline::Event) -> bool,
) -> Vec<vidprism_engine::pipeline::Event> {
    let deadline = std::time::Instant::now() + limit;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let event = engine.events().recv_timeout(left).unwrap_or_else(|_| {
            panic!("nothing ended within {limit:?}; events so far: {events:#?}")
        });
        let done = stop(&event);
        events.push(event);
        if done {
            return events;
        }
    }
}

/// Waits for `child` to exit; kills it and fails, naming `what` it should
/// have done, once `limit` has passed instead of hanging the suite.
pub fn exit_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A child process killed if the test fails before it ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
