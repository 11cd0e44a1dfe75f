//! Issue 14: the farm trusts no message. Each finding is a hostile message
//! published with a raw NATS client, as anyone who can reach the broker
//! could; nothing outside the worker's scratch may change, the worker must
//! stay alive and still finish a good job afterwards.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::nats::Worker;
use crate::util::nats_server::NatsServer;
use crate::util::raw_nats::RawNats;
use crate::util::*;
use serde_json::{json, Value};
use vidprism_engine::presets::find_preset;

/// Every file under `dir` with its contents, to see that nothing changed.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = files_in(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn work(job: &str, stage: &str, input: &Path, out: &Path, files: &str) -> Value {
    json!({
        "job": job,
        "stage": stage,
        "input": input,
        "files": files,
        "presets": [find_preset("web").expect("web preset")],
        "out_dir": out,
    })
}

/// Waits until the worker's log holds `text` `count` times.
fn wait_log(worker: &Worker, text: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = worker.log_text();
        if log.matches(text).count() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{count} × {text:?} not seen:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn hostile_work_touches_nothing_and_the_worker_goes_on() {
    let fx = Fixture::new();
    let precious = fx.path("precious");
    std::fs::create_dir_all(precious.join("album")).unwrap();
    std::fs::write(precious.join("keep.txt"), b"the user's file").unwrap();
    std::fs::write(precious.join("album/photo.jpg"), b"not a video").unwrap();
    let before = snapshot(&precious);
    let server = NatsServer::start(&[]);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    // Its queues exist once it has joined.
    wait_log(&worker, "worker joined the farm", 1);
    let (mut raw, answer) = RawNats::login(RawNats::port_of(&server.url), None);
    assert_eq!(answer, "+OK");

    let absolute = precious.to_str().unwrap();
    let mut hostile = vec![
        // A job key that is a folder of user files: the source cache
        // used to delete it.
        work(
            absolute,
            "transcode",
            &precious.join("keep.txt"),
            &precious,
            "object_store",
        ),
        work(
            &format!("../../{}", "x.1"),
            "thumbnail",
            Path::new("/x/clip.mp4"),
            &precious,
            "object_store",
        ),
        // Shared folders on a worker started without any.
        {
            let mut w = work(
                "evil-1.1",
                "ingest",
                &precious.join("keep.txt"),
                &precious,
                "shared",
            );
            w["dir"] = json!(precious.join("album"));
            w
        },
        // A source name that climbs out of the scratch folder.
        work(
            "evil-1.2",
            "ingest",
            Path::new("/x/.."),
            &precious,
            "object_store",
        ),
    ];
    let mut many = work(
        "evil-1.3",
        "transcode",
        Path::new("/x/clip.mp4"),
        &precious,
        "object_store",
    );
    let preset = many["presets"][0].clone();
    many["presets"] = json!(vec![preset; 8]);
    hostile.push(many);
    let mut nul = work(
        "evil-1.4",
        "transcode",
        Path::new("/x/clip.mp4"),
        &precious,
        "object_store",
    );
    nul["presets"][0]["renditions"][0]["name"] = json!("a\u{0}b");
    hostile.push(nul);
    for (i, message) in hostile.iter().enumerate() {
        let stage = message["stage"].as_str().unwrap();
        let subject = format!("vidprism.work.{stage}.evil{i}");
        let payload = serde_json::to_vec(message).unwrap();
        assert_eq!(raw.publish_bytes(&subject, &payload), "+OK");
    }
    assert_eq!(
        raw.publish_bytes("vidprism.work.ingest.junk", b"{not json"),
        "+OK"
    );
    let huge = vec![b' '; 300 * 1024];
    assert_eq!(raw.publish_bytes("vidprism.work.ingest.huge", &huge), "+OK");
    wait_log(&worker, "refused", hostile.len() + 1);

    assert_eq!(snapshot(&precious), before, "a user file changed");
    assert!(!fx.path("x.1").exists() && !fx.dir.path().join("../x.1").exists());
    let log = worker.log_text();
    assert!(!log.contains("panicked"), "{log}");

    // The same worker still does good work.
    let clip = fx.clip("good.mp4", "320x240", 1.0, true, &[]);
    let run = process_with_env(
        &fx.out_dir(),
        &["--nats", &server.url],
        &[],
        &[clip.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, worker.log_text());
    run.one("job_done");
    assert!(!run.rendition_paths().is_empty());
    assert_eq!(snapshot(&precious), before, "a user file changed");
}

#[test]
fn a_playlist_sent_to_the_farm_is_refused_on_the_worker() {
    let fx = Fixture::new();
    let real = fx.clip("real.mp4", "320x240", 1.0, false, &[]);
    let playlist = fx.path("trip.mp4");
    std::fs::write(
        &playlist,
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
            real.display()
        ),
    )
    .unwrap();
    let server = NatsServer::start(&[]);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    let run = process_with_env(
        &fx.out_dir(),
        &["--nats", &server.url],
        &[],
        &[playlist.to_str().unwrap()],
    );
    assert_ne!(run.code, 0);
    let error = run.one("job_failed")["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("trip.mp4") && error.contains("a playlist"),
        "{error}\n{}",
        worker.log_text()
    );
    assert!(run.rendition_paths().is_empty());
}

/// A submitter of one clip with no worker, so only a stranger on the broker
/// answers its job: the stranger has seen the job's work (`work`) and
/// publishes news for it. A user's folder `precious` stands beside the
/// output folder, with a file the news may name.
struct StrangerAnswers {
    _fx: Fixture,
    _server: NatsServer,
    raw: RawNats,
    submitter: std::process::Child,
    precious: std::path::PathBuf,
    before: Vec<(std::path::PathBuf, Vec<u8>)>,
    out: std::path::PathBuf,
    key: String,
    work: Value,
}

impl StrangerAnswers {
    /// Starts `vidprism process --json FLAGS --nats URL` of one clip and
    /// waits for its first work.
    fn start(flags: &[&str]) -> StrangerAnswers {
        let fx = Fixture::new();
        let precious = fx.path("precious");
        std::fs::create_dir_all(&precious).unwrap();
        std::fs::write(precious.join("keep.txt"), b"the user's file").unwrap();
        let before = snapshot(&precious);
        let clip = fx.clip("clip.mp4", "320x240", 1.0, false, &[]);
        let server = NatsServer::start(&[]);
        let (mut raw, _) = RawNats::login(RawNats::port_of(&server.url), None);
        assert_eq!(raw.send("SUB vidprism.work.> 1\r\n"), "+OK");
        let out = fx.out_dir();
        let submitter = std::process::Command::new(env!("CARGO_BIN_EXE_vidprism"))
            .args(["process", "--json"])
            .args(flags)
            .args(["--nats", &server.url, "-o"])
            .arg(&out)
            .arg(&clip)
            .env_remove("VIDPRISM_NATS")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run vidprism process");
        let (subject, work) = raw.next_message();
        let job = subject.rsplit('.').take(2).collect::<Vec<_>>();
        let key = format!("{}.{}", job[1], job[0]);
        let work: Value = serde_json::from_slice(&work).unwrap();
        StrangerAnswers {
            _fx: fx,
            _server: server,
            raw,
            submitter,
            precious,
            before,
            out,
            key,
            work,
        }
    }

    /// Publishes `news` on the job's subject, as a worker given the job's
    /// work would: proved with the key the work carries.
    fn publish(&mut self, news: &[Value]) {
        let key = self.work["news_key"]
            .as_str()
            .expect("the work's news key")
            .to_owned();
        self.publish_proved_with(&key, news);
    }

    /// Publishes `news` proved with `key` (a key of its own when it was
    /// not given the work).
    fn publish_proved_with(&mut self, key: &str, news: &[Value]) {
        for n in news {
            let payload = serde_json::to_vec(n).unwrap();
            let subject = format!("vidprism.events.{}", self.key);
            let proof = vidprism_farm::news_proof::prove(key, &self.key, &payload);
            let header = (vidprism_farm::news_proof::PROOF_HEADER, proof.as_str());
            let answer = self.raw.publish_with_header(&subject, header, &payload);
            assert_eq!(answer, "+OK");
        }
    }

    /// Publishes `news` with no proof, as an older worker would.
    fn publish_unproved(&mut self, news: &[Value]) {
        for n in news {
            let payload = serde_json::to_vec(n).unwrap();
            let subject = format!("vidprism.events.{}", self.key);
            assert_eq!(self.raw.publish_bytes(&subject, &payload), "+OK");
        }
    }

    /// Waits for the submitter to end; checks the user's folder is as it
    /// was. Returns its stdout and stderr.
    fn finish(&mut self) -> (String, String) {
        exit_within(
            &mut self.submitter,
            Duration::from_secs(60),
            "the submitter",
        );
        let read = |pipe: &mut dyn std::io::Read| {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).expect("read");
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let stdout = read(&mut self.submitter.stdout.take().expect("stdout"));
        let stderr = read(&mut self.submitter.stderr.take().expect("stderr"));
        assert_eq!(snapshot(&self.precious), self.before, "a user file changed");
        assert!(self.precious.join("keep.txt").exists());
        (stdout, stderr)
    }
}

/// News is the workers' word too: a stage end naming a user's folder as the
/// job's, and an output inside it, must not make the submitter take that
/// folder (it used to remove it when the job failed).
#[test]
fn hostile_news_never_makes_the_submitter_take_a_folder() {
    let mut stranger = StrangerAnswers::start(&["--shared-folders"]);
    let reserved = stranger.work["dir"]
        .as_str()
        .expect("the submitter reserved the job folder");
    assert!(Path::new(reserved).starts_with(&stranger.out), "{reserved}");
    let precious = stranger.precious.clone();
    stranger.publish(&[
        json!({"event": {"event": "rendition_done", "rendition": "360p",
            "path": precious.join("keep.txt"), "width": 640, "height": 360, "bytes": 15}}),
        json!({"stage_ended": {"stage": "ingest", "opened": 0, "errors": ["boom"],
            "source_failed": true, "dir": precious, "worker": "evil"}}),
    ]);
    let (text, _) = stranger.finish();
    assert!(
        text.contains("job_failed") && text.contains("boom"),
        "{text}"
    );
    assert!(
        !text.contains("rendition_done") && text.contains("outside the job's folder"),
        "the stranger's output was taken: {text}"
    );
}

/// Through the object store, a result naming a file beside it outside the
/// job's folder (a sidecar `../../precious/keep.txt`) is refused whole: the
/// submitter fetches nothing for it, announces nothing, and the user's
/// folder is as it was.
#[test]
fn a_sidecar_named_outside_the_job_folder_is_refused() {
    let mut stranger = StrangerAnswers::start(&[]);
    assert_eq!(stranger.work["files"], "object_store", "{}", stranger.work);
    stranger.publish(&[
        json!({"event": {"event": "rendition_done", "rendition": "360p",
            "path": "360p.mp4", "width": 640, "height": 360, "bytes": 15,
            "sidecars": ["360p.eng.vtt", "../../precious/keep.txt"]}}),
        json!({"stage_ended": {"stage": "ingest", "opened": 0, "errors": ["boom"],
            "source_failed": true, "dir": null, "worker": "evil"}}),
    ]);
    let (stdout, stderr) = stranger.finish();
    assert!(
        stdout.contains("job_failed") && stdout.contains("boom"),
        "{stdout}"
    );
    // Refused at the door, not fetched and failed: no word of the rendition.
    assert!(
        !stdout.contains("360p"),
        "the stranger's result was taken: {stdout}"
    );
    assert!(
        stderr.contains("keep.txt") && stderr.contains("not one plain name"),
        "{stderr}"
    );
    let left: Vec<_> = files_in(&stranger.out);
    assert!(left.is_empty(), "files left in the output folder: {left:?}");
}

/// Issue 26: news is checked against the job's plan and the limits. A
/// stranger's rendition of a huge declared size (it became the fetch's
/// bound), progress of renditions the job does not have (each grew the
/// submitter's row), the same start again and again, and a storyboard
/// naming its sprites alternately (the window decoded one per cue) are
/// all refused; the job still ends with the stranger's stage end.
#[test]
fn news_outside_the_plan_or_the_limits_is_refused() {
    let mut stranger = StrangerAnswers::start(&[]);
    let mut news = vec![
        json!({"event": {"event": "rendition_done", "rendition": "360p",
        "path": "360p.mp4", "width": 640, "height": 360, "bytes": u64::MAX}}),
    ];
    for i in 0..20 {
        news.push(json!({"event": {"event": "progress", "stage": "transcode",
            "rendition": format!("evil{i}"), "fraction": 0.5, "fps": 1.0, "eta_s": null}}));
    }
    for _ in 0..3 {
        news.push(
            json!({"event": {"event": "stage_started", "stage": "transcode",
            "rendition": "720p"}}),
        );
    }
    news.push(
        json!({"event": {"event": "storyboard_ready", "path": "storyboard.vtt",
        "sprites": ["s1.jpg", "s2.jpg", "s1.jpg", "s2.jpg"], "tiles": 4,
        "tile_width": 160, "tile_height": 90}}),
    );
    news.push(
        json!({"stage_ended": {"stage": "ingest", "opened": 0, "errors": ["boom"],
        "source_failed": true, "dir": null, "worker": "evil"}}),
    );
    stranger.publish(&news);
    let (stdout, stderr) = stranger.finish();
    assert!(
        stdout.contains("job_failed") && stdout.contains("boom"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("evil"),
        "progress outside the plan: {stdout}"
    );
    assert!(
        !stdout.contains("360p"),
        "a huge rendition was taken: {stdout}"
    );
    assert!(!stdout.contains("storyboard"), "{stdout}");
    let starts = stdout
        .lines()
        .filter(|l| l.contains("stage_started") && l.contains("720p"))
        .count();
    assert_eq!(starts, 1, "{stdout}");
    for reason in ["does not have", "bytes is more than", "twice"] {
        assert!(stderr.contains(reason), "{reason}: {stderr}");
    }
}

/// Issue 26: shared-folder workers made their temporary outputs by
/// following links, so a `.<file>.vidprism-part` link planted in the job's
/// folder (anyone who can write on the shared disk can) to a user's file
/// had a thumbnail or a rendition written into that file. Temporary files
/// are now made new, never through a link; the job still succeeds.
#[cfg(unix)]
#[test]
fn a_link_planted_in_a_shared_job_folder_is_never_followed() {
    let mut stranger = StrangerAnswers::start(&["--shared-folders"]);
    let dir = Path::new(stranger.work["dir"].as_str().expect("the job folder")).to_path_buf();
    let keep = stranger.precious.join("keep.txt");
    for name in [
        "thumbnail.jpg",
        "thumbnail.png",
        "thumbnail.webp",
        "1080p.mp4",
        "720p.mp4",
        "480p.mp4",
        "360p.mp4",
    ] {
        let planted = dir.join(format!(".{name}{}", vidprism_engine::output::TEMP_MARKER));
        std::os::unix::fs::symlink(&keep, planted).unwrap();
    }
    let root = stranger._fx.dir.path().to_str().unwrap().to_owned();
    let worker = Worker::start(
        &stranger._server.url,
        stranger._fx.dir.path(),
        "w",
        &["--shared-root", &root],
    );
    // Checks the user's folder is as it was.
    let (stdout, stderr) = stranger.finish();
    assert!(
        stdout.contains("job_done") && stdout.contains("thumbnail_ready"),
        "{stdout}\n{stderr}\n{}",
        worker.log_text()
    );
}

/// Issue 26: a shared job folder was checked once and written much later,
/// so whoever can write on the shared disk could swap it for a link to a
/// user's folder in between and have the stage's files made there. The
/// worker now holds the folder open from its check (`CheckedDir`) and the
/// stage writes through the handle. Here the swap happens between the
/// check and a real thumbnail stage: held, the user's folder gets nothing
/// and the thumbnail lands in the folder that was checked; written by its
/// name, as before, the thumbnail lands in the user's folder.
#[cfg(unix)]
#[test]
fn a_shared_job_folder_swapped_for_a_link_after_its_check_writes_nothing_through_the_link() {
    use vidprism_engine::pipeline::{for_farm, JobRequest};
    use vidprism_farm::CheckedDir;

    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 1.0, false, &[]);
    let out = fx.path("out");
    for held in [true, false] {
        let job_dir = out.join(format!("clip-{held}"));
        let user = fx.path(&format!("user-{held}"));
        std::fs::create_dir_all(&job_dir).unwrap();
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("keep.txt"), b"the user's").unwrap();
        let checked = CheckedDir::open(&job_dir).expect("a folder, not a link");
        // The swap: the checked folder moved away, a link in its place.
        let moved = fx.path(&format!("moved-{held}"));
        std::fs::rename(&job_dir, &moved).unwrap();
        std::os::unix::fs::symlink(&user, &job_dir).unwrap();
        let before = snapshot(&user);

        let dir = match held {
            true => checked.path().to_path_buf(),
            false => job_dir.clone(),
        };
        let (job, events) = for_farm::stage_job(JobRequest {
            input: clip.clone(),
            presets: vec![find_preset("thumbnail").expect("thumbnail preset")],
            out_dir: out.clone(),
        });
        for_farm::thumbnail(&job, Some(dir));
        let said: Vec<String> = events.try_iter().map(|e| format!("{:?}", e.kind)).collect();
        assert!(
            said.iter().any(|k| k.starts_with("ThumbnailReady")),
            "{said:#?}"
        );
        if held {
            assert_eq!(snapshot(&user), before, "nothing reaches the user's folder");
            assert!(
                moved.join("thumbnail.jpg").is_file(),
                "made where it was checked"
            );
        } else {
            assert!(
                user.join("thumbnail.jpg").is_file(),
                "written by name, the thumbnail follows the link"
            );
        }
    }
}

/// Issue 26: any login that may publish news could speak for a job it was
/// never given. The submitter keeps the first digest told for each output
/// name, so a forged `sent` ahead of the real worker's made the real
/// output be refused ("not the file its worker sent"), and a forged
/// `rendition_done` took the rendition's place. Here a stranger that knows
/// only the job's key (its subject; the key is no secret: object names
/// carry it) tells a digest for every output the job's presets can make
/// and a rendition of its own, before any worker takes the job. News
/// without the proof of the job's work is refused, and what the real
/// worker made is fetched, whole.
#[test]
fn news_from_a_login_that_did_not_take_the_job_is_refused_and_the_real_outputs_are_fetched() {
    let mut stranger = StrangerAnswers::start(&[]);
    let forged_digest = "SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let mut news = Vec::new();
    let mut names = vec!["thumbnail.jpg".to_owned(), "thumbnail.webp".to_owned()];
    for preset in stranger.work["presets"].as_array().expect("presets") {
        for rendition in preset["renditions"].as_array().expect("renditions") {
            let (name, container) = (&rendition["name"], &rendition["container"]);
            names.push(format!(
                "{}.{}",
                name.as_str().unwrap(),
                container.as_str().unwrap_or("mp4")
            ));
        }
    }
    for name in &names {
        news.push(json!({"sent": {"name": name, "digest": forged_digest}}));
    }
    let first = names[2].clone();
    let rendition = first.split('.').next().unwrap().to_owned();
    news.push(
        json!({"event": {"event": "rendition_done", "rendition": rendition,
        "path": first, "width": 320, "height": 240, "bytes": 15}}),
    );
    // Without a proof, and proved under a key of its own: it was never
    // given the job's.
    stranger.publish_unproved(&news);
    let guessed = "0123456789abcdef".repeat(4);
    assert_ne!(stranger.work["news_key"], json!(guessed));
    stranger.publish_proved_with(&guessed, &news);
    // Only now does a real worker take the job.
    let worker = Worker::start(&stranger._server.url, stranger._fx.dir.path(), "w", &[]);
    let (stdout, stderr) = stranger.finish();
    let log = worker.log_text();
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let of = |kind: &str| -> Vec<&Value> { events.iter().filter(|e| e["event"] == kind).collect() };
    assert_eq!(of("job_done").len(), 1, "{stdout}\n{stderr}\n{log}");
    assert!(of("rendition_failed").is_empty(), "{stdout}\n{stderr}");
    assert!(!stdout.contains("not the file its worker sent"), "{stdout}");
    let made = of("rendition_done");
    assert!(!made.is_empty(), "{stdout}");
    for done in made {
        let path = Path::new(done["path"].as_str().unwrap());
        assert!(path.starts_with(&stranger.out), "{path:?}");
        assert_eq!(decode_errors(path), "", "{path:?} decodes whole");
        assert_eq!(
            std::fs::metadata(path).unwrap().len(),
            done["bytes"].as_u64().unwrap(),
            "{path:?}: the worker's file, not the stranger's 15 bytes"
        );
    }
    let thumbnail = of("thumbnail_ready");
    assert_eq!(thumbnail.len(), 1, "{stdout}");
    assert!(Path::new(thumbnail[0]["path"].as_str().unwrap()).is_file());
    assert!(stderr.contains("refused news"), "{stderr}");
}
