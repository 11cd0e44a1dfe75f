//! The farm: a real nats-server with JetStream, `vidprism worker`
//! processes and `vidprism process --nats`, checked against local runs and
//! against a worker killed mid-transcode.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util;
use crate::util::nats::Worker;
use crate::util::nats_server::NatsServer;
use crate::util::tracks;
use crate::util::*;
use serde_json::Value;

fn no_temp_files(out: &Path) {
    let temps: Vec<PathBuf> = files_in(out)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".vidprism-part"))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

/// The MD5 of each decoded picture of the video stream (ffmpeg's framemd5).
fn decoded_picture_hashes(path: &Path) -> Vec<String> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-f", "framemd5", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "decoding {path:?}");
    let hashes: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|h| h.trim().to_owned()))
        .collect();
    assert!(!hashes.is_empty(), "no pictures in {path:?}");
    hashes
}

#[test]
fn farm_outputs_match_a_local_run() {
    let fx = Fixture::new();
    let clip = fx.clip("walk.mp4", "854x480", 2.0, true, &[]);
    let clip_arg = clip.to_str().unwrap();
    let local_out = fx.path("local");
    let local = process(&local_out, &[clip_arg]);
    assert_eq!(local.code, 0, "{}", local.stderr);

    let server = NatsServer::start(&[]);
    let _a = Worker::start(&server.url, fx.dir.path(), "a", &[]);
    let _b = Worker::start(&server.url, fx.dir.path(), "b", &[]);
    let farm_out = fx.path("farm");
    let farm = process_with_env(&farm_out, &["--nats", &server.url], &[], &[clip_arg]);
    assert_eq!(farm.code, 0, "{}\n{:#?}", farm.stderr, farm.events);
    farm.one("job_done");
    farm.one("thumbnail_ready");
    assert_eq!(farm.one("probed"), &{
        let mut p = local.one("probed").clone();
        p["t_ms"] = farm.one("probed")["t_ms"].clone();
        p
    });

    // The same files, at the same names, with the same pictures in them.
    assert_eq!(relative_files(&farm_out), relative_files(&local_out));
    assert!(!local.rendition_paths().is_empty());
    assert_outputs_sound(&farm, Some(2.0));
    for local_path in local.rendition_paths() {
        let name = local_path.strip_prefix(&local_out).unwrap();
        let farm_path = farm_out.join(name);
        assert_eq!(
            frame_count(&farm_path),
            frame_count(&local_path),
            "{name:?}"
        );
        let (l, f) = (ffprobe(&local_path), ffprobe(&farm_path));
        for key in ["width", "height", "codec_name"] {
            assert_eq!(
                video_stream(&f)[key],
                video_stream(&l)[key],
                "{name:?} {key}"
            );
        }
        assert_eq!(audio_streams(&f), audio_streams(&l));
        assert!((duration_s(&f) - duration_s(&l)).abs() < 0.05, "{name:?}");
        // The same pictures: the encoders run with the same settings on the
        // same frames, so every decoded picture is identical.
        assert_eq!(
            decoded_picture_hashes(&farm_path),
            decoded_picture_hashes(&local_path),
            "{name:?}: the farm's pictures differ from the local run's"
        );
    }
    let thumb = |run: &util::Run| {
        let t = run.one("thumbnail_ready");
        (t["width"].clone(), t["height"].clone())
    };
    assert_eq!(thumb(&farm), thumb(&local));
    no_temp_files(&farm_out);
}

/// Through the object store, what a rendition names beside it comes back
/// too: subtitle sidecars (the same bytes as a local run's) and a stream
/// bundle's audio, playlists, page and manifests, so the folder holds the
/// same files as a local run's.
#[test]
fn sidecars_and_stream_bundles_come_back_through_the_object_store() {
    let fx = Fixture::new();
    let languages = tracks::two_language_clip(&fx);
    let walk = fx.clip("walk.mp4", "640x480", 2.0, true, &[]);
    let config = config_with(
        &fx,
        &[(
            "sidecars",
            tracks::preset("sidecars", "subtitles = \"keep_and_sidecar\"", "side-"),
        )],
    );
    let inputs = [languages.to_str().unwrap(), walk.to_str().unwrap()];
    let presets = ["-p", "sidecars", "-p", "stream"];
    let local_out = fx.path("local");
    let local = process_with_config(&local_out, &config, &[&presets[..], &inputs].concat());
    assert_eq!(local.code, 0, "{}\n{:#?}", local.stderr, local.events);

    let server = NatsServer::start(&[]);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    let farm_out = fx.path("farm");
    let farm_args = [&["--nats", server.url.as_str()][..], &presets, &inputs].concat();
    let farm = process_with_config(&farm_out, &config, &farm_args);
    assert_eq!(
        farm.code,
        0,
        "{}\n{:#?}\n{}",
        farm.stderr,
        farm.events,
        worker.log_text()
    );
    assert_eq!(farm.of("job_done").len(), 2, "{:#?}", farm.events);
    // Each job counts the same files written, sidecars and bundle included.
    let counts = |run: &util::Run| -> Vec<(String, u64)> {
        let mut counts: Vec<_> = run
            .of("job_done")
            .iter()
            .map(|done| {
                let job = &done["job"];
                let queued = run.of("queued").into_iter().find(|q| &q["job"] == job);
                let input = queued.map(|q| q["input"].to_string()).unwrap_or_default();
                (input, done["outputs"].as_u64().expect("a count"))
            })
            .collect();
        counts.sort();
        counts
    };
    assert_eq!(counts(&farm), counts(&local));

    assert_eq!(relative_files(&farm_out), relative_files(&local_out));
    let named = |run: &util::Run| -> Vec<String> {
        let mut names: Vec<String> = run
            .of("rendition_done")
            .iter()
            .flat_map(|e| e["sidecars"].as_array().cloned().unwrap_or_default())
            .map(|n| n.as_str().expect("a file name").to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(named(&farm), named(&local));
    for sidecar in ["side-mp4.eng.vtt", "side-webm.eng.vtt"] {
        let path = Path::new("languages").join(sidecar);
        let farm_text = std::fs::read(farm_out.join(&path))
            .unwrap_or_else(|e| panic!("no {path:?} from the farm: {e}"));
        assert_eq!(farm_text, std::fs::read(local_out.join(&path)).unwrap());
        assert!(named(&farm).contains(&sidecar.to_owned()), "{sidecar}");
    }
    // The bundle is whole: every manifest, playlist and page, each named
    // by the last rung's event, and the rungs' files they point at.
    let bundle = farm_out.join("walk");
    for name in ["master.m3u8", "manifest.mpd", "index.html", "audio.mp4"] {
        let path = bundle.join(name);
        let bytes = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("no {path:?} from the farm: {e}"))
            .len();
        assert!(bytes > 0, "{path:?}");
        assert!(named(&farm).contains(&name.to_owned()), "{name}");
    }
    let master = std::fs::read_to_string(bundle.join("master.m3u8")).unwrap();
    for line in master
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(bundle.join(line).is_file(), "{line} of master.m3u8");
    }
    no_temp_files(&farm_out);
}

/// `vidprism process --nats URL --json -o OUT ARGS` running as a child,
/// its events read as they come.
struct Submitter {
    child: std::process::Child,
    events: crossbeam_channel::Receiver<Value>,
    seen: Vec<Value>,
    reader: Option<std::thread::JoinHandle<()>>,
    deadline: Instant,
}

impl Submitter {
    fn start(url: &str, out: &Path, args: &[&str]) -> Submitter {
        let mut child = vidprism()
            .args(["process", "--json", "--nats", url, "-o"])
            .arg(out)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vidprism process");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, events) = crossbeam_channel::unbounded::<Value>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let line = line.expect("stdout line");
                let event: Value = serde_json::from_str(&line).expect("JSON event");
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
        Submitter {
            child,
            events,
            seen: Vec::new(),
            reader: Some(reader),
            deadline: Instant::now() + Duration::from_secs(120),
        }
    }

    /// Reads events until one satisfies `wanted`.
    fn wait_for(&mut self, what: &str, worker: &Worker, wanted: impl Fn(&Value) -> bool) {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            let event = self
                .events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what}; {:#?}\n{}", self.seen, worker.log_text()));
            let found = wanted(&event);
            self.seen.push(event);
            if found {
                return;
            }
        }
    }

    /// Waits for the submitter to exit; all its events and stderr.
    fn finish(mut self, worker: &Worker) -> util::Run {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < self.deadline,
                "the job never ended: {:#?}\n{}",
                self.seen,
                worker.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader");
        }
        self.seen.extend(self.events.try_iter());
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut err, &mut stderr).expect("stderr");
        }
        util::Run {
            code: status.code().unwrap_or(-1),
            events: std::mem::take(&mut self.seen),
            stderr,
        }
    }
}

impl Drop for Submitter {
    /// A failed test must not leave the submitter running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn transcode_progress(event: &Value) -> bool {
    event["event"] == "progress" && event["fraction"].as_f64() > Some(0.05)
}

#[test]
fn a_worker_killed_mid_transcode_hands_its_job_to_another_that_finishes_it_once() {
    let fx = Fixture::new();
    // Long enough that the transcode is surely still running when killed.
    let clip = fx.clip("long.mp4", "1280x720", 12.0, true, &[]);
    let server = NatsServer::start(&[]);
    let mut first = Worker::start(&server.url, fx.dir.path(), "first", &["--ack-wait", "2"]);
    let out = fx.path("out");
    let mut submitter = Submitter::start(&server.url, &out, &[clip.to_str().unwrap()]);
    // Kill the only worker once its transcode has made some progress.
    submitter.wait_for("transcode progress", &first, transcode_progress);
    first.kill();
    assert!(
        first.log_text().contains("stage=\"transcode\""),
        "the killed worker was transcoding: {}",
        first.log_text()
    );
    let second = Worker::start(&server.url, fx.dir.path(), "second", &[]);
    let run = submitter.finish(&second);
    assert_eq!(run.code, 0, "{}\n{:#?}", run.stderr, run.events);
    assert!(
        second.log_text().contains("stage=\"transcode\" attempt=2"),
        "the second worker got the redelivered transcode: {}",
        second.log_text()
    );
    // Kept alive by the queue's own ack wait, not its own default: the
    // transcode was not handed out a third time while it ran.
    let transcodes_taken = second
        .log_text()
        .lines()
        .filter(|l| l.contains("work taken") && l.contains("stage=\"transcode\""))
        .count();
    assert_eq!(transcodes_taken, 1, "{}", second.log_text());
    run.one("job_done");
    run.one("thumbnail_ready");
    // Each rendition reported once, each file whole.
    let mut names: Vec<String> = run
        .of("rendition_done")
        .iter()
        .map(|e| e["rendition"].as_str().unwrap().to_owned())
        .collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "a rendition reported twice: {names:?}");
    assert!(count >= 2, "{names:?}");
    assert_outputs_sound(&run, Some(12.0));
    for path in run.rendition_paths() {
        assert_eq!(frame_count(&path), 300, "{path:?}");
    }
    // One job folder, nothing else, no temporary files.
    let dirs: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert_eq!(files_in(&out).len(), count + 1);
    no_temp_files(&out);
}

#[cfg(unix)]
#[test]
fn a_worker_stopped_with_ctrl_c_gives_its_work_back_at_once() {
    let fx = Fixture::new();
    let clip = fx.clip("long.mp4", "1280x720", 12.0, false, &[]);
    let server = NatsServer::start(&[]);
    // An ack wait of an hour (the first worker creates the queue's consumer
    // with it): only giving the work back explains a pick-up by the next
    // worker within the test's time, on however busy a machine.
    let mut first = Worker::start(&server.url, fx.dir.path(), "first", &["--ack-wait", "3600"]);
    let out = fx.path("out");
    let mut submitter = Submitter::start(&server.url, &out, &[clip.to_str().unwrap()]);
    submitter.wait_for("transcode progress", &first, transcode_progress);
    let stopped_at = Instant::now();
    let status = first.interrupt();
    assert!(status.success(), "{status:?}: {}", first.log_text());
    assert!(
        first.log_text().contains("work given back"),
        "{}",
        first.log_text()
    );
    let second = Worker::start(&server.url, fx.dir.path(), "second", &[]);
    while !second.log_text().contains("stage=\"transcode\" attempt=2") {
        // Only a guard against hanging, far under the hour of the ack wait.
        assert!(
            stopped_at.elapsed() < Duration::from_secs(900),
            "the work was not given back: {}",
            second.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = submitter.finish(&second);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.one("job_done");
    for path in run.rendition_paths() {
        assert_eq!(frame_count(&path), 300, "{path:?}");
    }
    no_temp_files(&out);
}

#[test]
fn a_job_whose_worker_dies_on_every_try_fails_instead_of_waiting_forever() {
    let fx = Fixture::new();
    let clip = fx.clip("crashy.mp4", "1280x720", 12.0, false, &[]);
    let server = NatsServer::start(&[]);
    let policy = ["--ack-wait", "1", "--tries", "2"];
    // Ingest and thumbnail run on a worker that stays; only transcodes die
    // (so no other stage can run out of tries first).
    let mut steady_args = vec!["--stages", "ingest,thumbnail"];
    steady_args.extend(policy);
    let steady = Worker::start(&server.url, fx.dir.path(), "steady", &steady_args);
    let mut transcoder = vec!["--stages", "transcode"];
    transcoder.extend(policy);
    let mut first = Worker::start(&server.url, fx.dir.path(), "first", &transcoder);
    let out = fx.path("out");
    let mut submitter = Submitter::start(&server.url, &out, &[clip.to_str().unwrap()]);
    submitter.wait_for("transcode progress", &first, transcode_progress);
    first.kill();
    // The second try dies too (as on a source that crashes the decoder).
    let mut second = Worker::start(&server.url, fx.dir.path(), "second", &transcoder);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !second.log_text().contains("stage=\"transcode\" attempt=2") {
        assert!(
            Instant::now() < deadline,
            "no second try: {}",
            second.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    second.kill();
    // The broker notices the last try was lost when a worker next asks
    // for work; that worker must not get it.
    let third = Worker::start(&server.url, fx.dir.path(), "third", &transcoder);
    let run = submitter.finish(&third);
    assert!(
        !third.log_text().contains("stage=\"transcode\""),
        "{}",
        third.log_text()
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.one("job_failed")["error"].as_str().unwrap().to_owned();
    assert!(error.contains("crashy.mp4"), "{error}");
    assert!(error.contains("transcode stage"), "{error}");
    assert!(error.contains("all 2 tries"), "{error}");
    assert!(run.of("rendition_done").is_empty());
    no_temp_files(&out);
    drop(steady);
}

#[test]
fn a_job_failing_on_every_try_stops_with_its_reason_behind_a_password() {
    let fx = Fixture::new();
    let bad = fx.path("notes.mp4");
    std::fs::write(&bad, "this is not a video").unwrap();
    let server = NatsServer::start(&["--user", "farm", "--pass", "s3cret"]);
    let login = ["--nats-user", "farm", "--nats-password", "s3cret"];
    let mut args = vec!["--tries", "2"];
    args.extend(login);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &args);

    // Without the password the farm is refused, clearly and quickly.
    let refused = process_with_env(
        &fx.out_dir(),
        &[
            "--nats",
            &server.url,
            "--nats-user",
            "farm",
            "--nats-password",
            "wrong",
        ],
        &[],
        &[bad.to_str().unwrap()],
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stderr
            .contains(&format!("cannot connect to the farm at {}", server.url)),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("wrong"), "{}", refused.stderr);

    let mut flags = vec!["--nats", server.url.as_str()];
    flags.extend(login);
    let run = process_with_env(&fx.out_dir(), &flags, &[], &[bad.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.one("job_failed")["error"].as_str().unwrap().to_owned();
    assert!(error.contains(bad.to_str().unwrap()), "{error}");
    assert!(error.contains("2 tries"), "{error}");
    assert!(
        !error.contains("scratch"),
        "names the user's file, not the worker's copy: {error}"
    );
    assert!(run.of("job_done").is_empty());
    assert!(files_in(&fx.out_dir()).is_empty());
    assert_eq!(
        worker.log_text().matches("work taken").count(),
        2,
        "{}",
        worker.log_text()
    );
}

#[test]
fn an_unreachable_farm_is_a_clear_error() {
    let fx = Fixture::new();
    let clip = fx.path("any.mp4");
    std::fs::write(&clip, "x").unwrap();
    let started = Instant::now();
    let run = process_with_env(
        &fx.out_dir(),
        &["--nats", "nats://127.0.0.1:1"],
        &[],
        &[clip.to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("cannot connect to the farm at nats://127.0.0.1:1"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[cfg(unix)]
#[test]
fn shared_folders_are_read_and_written_in_place_through_the_path_map() {
    let fx = Fixture::new();
    // The submitter sees the disk at `submitter/`, the worker at `disk/`.
    let disk = fx.path("disk");
    std::fs::create_dir(&disk).unwrap();
    let submitter_view = fx.path("submitter");
    std::os::unix::fs::symlink(&disk, &submitter_view).unwrap();
    fx.clip("disk/shared.mp4", "640x360", 1.0, false, &[]);
    let server = NatsServer::start(&[]);
    let map = format!("{}={}", submitter_view.display(), disk.display());
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &["--path-map", &map]);
    let out = submitter_view.join("out");
    let run = process_with_env(
        &out,
        &["--nats", &server.url, "--shared-folders"],
        &[],
        &[submitter_view.join("shared.mp4").to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, worker.log_text());
    run.one("job_done");
    let thumb = PathBuf::from(run.one("thumbnail_ready")["path"].as_str().unwrap());
    // Reported in the submitter's terms, written on the worker's.
    assert!(thumb.starts_with(&out), "{thumb:?}");
    assert!(disk.join("out/shared/thumbnail.jpg").is_file());
    assert!(worker.log_text().contains("stage=\"transcode\""));
    assert_outputs_sound(&run, Some(1.0));
    no_temp_files(&disk);
}

#[test]
fn workers_and_submitters_starting_together_on_a_new_server_all_connect() {
    // Each one creates the queues, streams and file store it finds
    // missing; started together, all but one lose that race, and must
    // take what the winner made (CI once saw "subjects overlap"; 16
    // clients over 10 servers hit it about every other run before).
    use vidprism_farm::{FarmClient, FarmConnection, Files};

    for _ in 0..10 {
        let server = NatsServer::start(&[]);
        let connection = FarmConnection::new(server.url.clone());
        let start = std::sync::Barrier::new(16);
        std::thread::scope(|scope| {
            let clients: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        FarmClient::connect(&connection, Files::ObjectStore, None).map(|_| ())
                    })
                })
                .collect();
            for client in clients {
                let result = client.join().expect("no panic");
                assert!(result.is_ok(), "{:?}", result.err().map(|e| e.to_string()));
            }
        });
    }
}

#[test]
fn cancelling_a_farm_job_ends_it_at_once_and_stops_the_worker() {
    use vidprism_engine::pipeline::{EventKind, JobRequest, JobRunner};
    use vidprism_engine::presets::find_preset;
    use vidprism_farm::{FarmClient, FarmConnection, Files};

    let fx = Fixture::new();
    let clip = fx.clip("long.mp4", "1280x720", 30.0, false, &[]);
    let server = NatsServer::start(&[]);
    let connection = FarmConnection::new(server.url.clone());
    let scratch = fx.path("scratch");
    let _worker = crate::util::nats::in_process_worker(&connection, scratch.clone());
    let client = FarmClient::connect(&connection, Files::ObjectStore, None).expect("client");
    let out = fx.out_dir();
    let job = client.submit(JobRequest {
        input: clip,
        presets: vec![find_preset("web").expect("web preset")],
        out_dir: out.clone(),
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let wait = |what: &str, done: &dyn Fn(&EventKind) -> bool| loop {
        let event = client
            .events()
            .recv_deadline(deadline)
            .unwrap_or_else(|_| panic!("no {what} in time"));
        assert_eq!(event.job, job);
        if done(&event.kind) {
            return event.kind;
        }
    };
    wait("progress", &|k| matches!(k, EventKind::Progress { .. }));
    assert!(client.cancel(job));
    assert_eq!(
        wait("end", &|k| k.is_final()),
        EventKind::Cancelled,
        "the job ends as cancelled, once"
    );
    assert!(
        !client.cancel(job),
        "an ended job cannot be cancelled again"
    );
    // The worker notices within seconds (long before the transcode could
    // end): its transcode stops, its work folder goes, and so does its
    // copy of the source (the transcode was its last use).
    // (8 s: the worker looks every second, then the encoders stop at their
    // next frame at nice 19; a busy 2-core machine took more than 4.)
    let stopped = Instant::now() + Duration::from_secs(8);
    while !files_in(&scratch).is_empty() {
        assert!(
            Instant::now() < stopped,
            "the worker kept transcoding: {:?}",
            files_in(&scratch)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    assert!(
        client
            .events()
            .recv_timeout(Duration::from_millis(500))
            .is_err(),
        "nothing after the end"
    );
}

/// Runs `openssl ARGS` in `dir`, failing the test with its stderr.
fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (make test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it, in `dir`.
fn make_certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=VidPrism test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

#[test]
fn a_farm_behind_tls_and_a_token_is_reached_with_the_ca_and_token_given() {
    let fx = Fixture::new();
    make_certificates(fx.dir.path());
    let pem = |name: &str| fx.path(name).to_string_lossy().into_owned();
    let (cert, key, ca) = (pem("server.pem"), pem("server.key"), pem("ca.pem"));
    let server = NatsServer::start(&[
        "--tls",
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
        "--auth",
        "t0ken",
    ]);
    let url = server.url.replace("nats://", "tls://");
    let login = [
        "--nats-token",
        "t0ken",
        "--nats-tls-ca",
        &ca,
        "--nats-tls-required",
    ];
    let worker = Worker::start(&url, fx.dir.path(), "w", &login);
    let clip = fx.clip("tls.mp4", "320x240", 1.0, false, &[]);

    // Without the CA, the server's certificate is not trusted.
    let untrusted = process_with_env(
        &fx.out_dir(),
        &["--nats", &url, "--nats-token", "t0ken"],
        &[],
        &[clip.to_str().unwrap()],
    );
    assert_eq!(untrusted.code, 1, "{}", untrusted.stderr);
    assert!(
        untrusted.stderr.contains("cannot connect to the farm"),
        "{}",
        untrusted.stderr
    );

    let mut flags = vec!["--nats", url.as_str(), "-p", "thumbnail"];
    flags.extend(login);
    let run = process_with_env(&fx.out_dir(), &flags, &[], &[clip.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, worker.log_text());
    let thumb = PathBuf::from(run.one("thumbnail_ready")["path"].as_str().unwrap());
    assert!(thumb.is_file());
    // One worker ran ingest and thumbnail: the source came over once.
    let log = worker.log_text();
    assert_eq!(log.matches("source fetched").count(), 1, "{log}");
    assert_eq!(log.matches("source reused").count(), 1, "{log}");
}

#[test]
fn a_farm_that_wants_an_nkey_is_reached_with_the_seed_file() {
    let fx = Fixture::new();
    let user = nkeys::KeyPair::new_user();
    let seed = fx.path("worker.nk");
    std::fs::write(&seed, user.seed().expect("seed")).unwrap();
    let config = fx.path("nats.conf");
    std::fs::write(
        &config,
        format!(
            "authorization {{ users = [ {{ nkey: \"{}\" }} ] }}\n",
            user.public_key()
        ),
    )
    .unwrap();
    let server = NatsServer::start(&["-c", config.to_str().unwrap()]);
    let login = ["--nats-nkey", seed.to_str().unwrap()];
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &login);
    let clip = fx.clip("nkey.mp4", "320x240", 1.0, false, &[]);

    let refused = process_with_env(
        &fx.out_dir(),
        &["--nats", &server.url],
        &[],
        &[clip.to_str().unwrap()],
    );
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("cannot connect to the farm"),
        "{}",
        refused.stderr
    );

    let mut flags = vec!["--nats", server.url.as_str(), "-p", "thumbnail"];
    flags.extend(login);
    let run = process_with_env(&fx.out_dir(), &flags, &[], &[clip.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, worker.log_text());
    run.one("job_done");
}

#[test]
fn a_missing_source_fails_at_the_submitter_without_waiting_for_a_worker() {
    let fx = Fixture::new();
    let server = NatsServer::start(&[]);
    let missing = fx.path("gone.mp4");
    // No worker runs: only the submitter can have said this.
    let run = process_with_env(
        &fx.out_dir(),
        &["--nats", &server.url],
        &[],
        &[missing.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.one("job_failed")["error"].as_str().unwrap().to_owned();
    assert!(error.contains("gone.mp4: file not found"), "{error}");
}

#[test]
fn a_farm_without_workers_is_said_on_the_terminal_and_the_job_waits_for_one() {
    let fx = Fixture::new();
    let clip = fx.clip("waits.mp4", "320x240", 0.5, false, &[]);
    let server = NatsServer::start(&[]);
    let mut child = KillOnDrop(
        vidprism()
            .args(["process", "-p", "thumbnail", "--nats", &server.url, "-o"])
            .arg(fx.out_dir())
            .arg(&clip)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vidprism process"),
    );
    let (tx, lines) = crossbeam_channel::unbounded::<String>();
    let stderr = child.0.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let hint = loop {
        let line = lines.recv_deadline(deadline).expect("the hint within 30 s");
        if line.contains("no worker has joined") {
            break line;
        }
    };
    assert!(hint.contains(&server.url), "{hint}");
    let worker = Worker::start(&server.url, fx.dir.path(), "late", &[]);
    let status = child.0.wait().expect("exits");
    reader.join().expect("reader");
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(status.success(), "{rest:?}\n{}", worker.log_text());
    assert!(
        rest.iter().any(|l| l.contains("waits.mp4: done")),
        "{rest:?}"
    );
}

#[test]
fn a_job_survives_the_broker_crashing_and_coming_back() {
    let fx = Fixture::new();
    let clip = fx.clip("through.mp4", "1280x720", 8.0, false, &[]);
    let mut server = NatsServer::start(&[]);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    let out = fx.path("out");
    let mut submitter = Submitter::start(&server.url, &out, &[clip.to_str().unwrap()]);
    submitter.wait_for("transcode progress", &worker, transcode_progress);
    // Everything the broker stored is on disk: queues, news, files.
    server.crash_and_restart(Duration::from_secs(1));
    let run = submitter.finish(&worker);
    assert_eq!(
        run.code,
        0,
        "{}\n{:#?}\n{}",
        run.stderr,
        run.of("job_failed"),
        worker.log_text()
    );
    run.one("job_done");
    run.one("thumbnail_ready");
    assert_outputs_sound(&run, Some(8.0));
    for path in run.rendition_paths() {
        assert_eq!(frame_count(&path), 200, "{path:?}");
    }
    no_temp_files(&out);
}

#[cfg(unix)]
#[test]
fn a_worker_stops_on_ctrl_c_even_with_the_server_gone() {
    let fx = Fixture::new();
    let server = NatsServer::start(&[]);
    let mut worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    // Joined: its queues are open and it is pulling.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !worker.log_text().contains("worker joined the farm") {
        assert!(Instant::now() < deadline, "{}", worker.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let (tx, exited) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let status = worker.interrupt();
        let _ = tx.send((status, worker.log_text()));
    });
    let (status, log) = exited
        .recv_timeout(Duration::from_secs(20))
        .expect("the worker stops although nothing answers it");
    assert!(status.success(), "{status:?}: {log}");
}
