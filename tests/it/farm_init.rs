//! `vidprism farm init`: the locked-down farm the README starts. A real
//! nats-server runs the configuration it writes; a job goes through with
//! the two logins exactly as printed, and each login is refused what only
//! the other may do (raw NATS protocol, verbose: the server answers every
//! command with +OK or -ERR).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::nats::Worker;
use crate::util::nats_server::{wait_for_port, NatsServer};
use crate::util::raw_nats::RawNats;
use crate::util::*;

/// The server `farm init` configured, and the login lines it printed.
struct Farm {
    child: Child,
    port: u16,
    /// `nats://127.0.0.1:PORT`, as printed.
    url: String,
    /// The printed options after `--nats URL`: the user and its password
    /// file; one per worker login (`worker-1`...), in order.
    worker_logins: Vec<Vec<String>>,
    submitter_login: Vec<String>,
    /// `worker-1`'s password, `worker-2`'s...
    worker_passwords: Vec<String>,
    submitter_password: String,
    /// The folder `farm init` wrote.
    dir: std::path::PathBuf,
}

impl Drop for Farm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Farm {
    /// The printed options of worker login `n` (from 1).
    fn worker_login(&self, n: usize) -> Vec<&str> {
        self.worker_logins[n - 1]
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// A raw connection logged in as worker login `n` (from 1).
    fn raw_worker(&self, n: usize) -> RawNats {
        let login = format!("worker-{n}");
        let (raw, answer) =
            RawNats::login(self.port, Some((&login, &self.worker_passwords[n - 1])));
        assert_eq!(answer, "+OK", "{login}");
        raw
    }
}

/// The address after `--nats` on the printed line that starts with
/// `command`, and the options after it (`FILE...` left out).
fn printed_login(stdout: &str, command: &str) -> (String, Vec<String>) {
    printed_logins(stdout, command).swap_remove(0)
}

/// [`printed_login`] of every line that starts with `command`.
fn printed_logins(stdout: &str, command: &str) -> Vec<(String, Vec<String>)> {
    let logins: Vec<_> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(command))
        .map(login_of_line)
        .collect();
    assert!(!logins.is_empty(), "no `{command}` line in:\n{stdout}");
    logins
}

fn login_of_line(line: &str) -> (String, Vec<String>) {
    let mut words = line
        .split_whitespace()
        .skip_while(|w| *w != "--nats")
        .skip(1)
        .filter(|w| *w != "FILE...");
    let url = words.next().expect("a URL after --nats").to_owned();
    (url, words.map(str::to_owned).collect())
}

/// A variable of an env file `farm init` wrote.
fn env_value(file: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(file).expect("env file");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {}", file.display()))
        .to_owned()
}

/// The password a login's password file holds.
fn password_of(env: &Path) -> String {
    let file = env_value(env, "VIDPRISM_NATS_PASSWORD_FILE");
    let text = std::fs::read_to_string(&file).expect("password file");
    text.trim_end().to_owned()
}

/// `vidprism farm init DIR --listen 127.0.0.1:PORT`, then nats-server on
/// what it wrote.
fn init_farm(dir: &Path) -> Farm {
    let port = free_port();
    let farm_dir = dir.join("farm");
    let listen = format!("127.0.0.1:{port}");
    let stdout = run_farm_init(&farm_dir, &["--listen".as_ref(), listen.as_ref()]);
    let child = start_server(&farm_dir, port, &dir.join("nats.log"));
    let (submitter_url, submitter_login) = printed_login(&stdout, "vidprism process");
    let workers = printed_logins(&stdout, "vidprism worker");
    assert!(workers.len() >= 2, "a login per worker machine: {stdout}");
    assert!(workers.iter().all(|(url, _)| *url == submitter_url));
    let worker_passwords = (1..=workers.len())
        .map(|n| password_of(&farm_dir.join(format!("worker-{n}.env"))))
        .collect();
    let farm = Farm {
        child,
        port,
        url: submitter_url,
        worker_logins: workers.into_iter().map(|(_, login)| login).collect(),
        submitter_login,
        worker_passwords,
        submitter_password: password_of(&farm_dir.join("submitter.env")),
        dir: farm_dir.clone(),
    };
    // Issue 26: the passwords were printed inside `nats://user:pass@`
    // command lines (shell history, `ps`); now only their files are named.
    let passwords = || {
        farm.worker_passwords
            .iter()
            .chain([&farm.submitter_password])
    };
    for password in passwords() {
        assert_eq!(password.len(), 24);
        assert!(!stdout.contains(password.as_str()), "{stdout}");
    }
    for env in ["worker-1.env", "worker-2.env", "submitter.env"] {
        let text = std::fs::read_to_string(farm_dir.join(env)).expect("env file");
        assert!(passwords().all(|p| !text.contains(p.as_str())), "{text}");
    }
    farm
}

/// The subjects of `stream`'s stored messages that match `filter`, asked
/// by `login` with replies on `inbox` (which it subscribed to).
fn stream_subjects(login: &mut RawNats, inbox: &str, stream: &str, filter: &str) -> Vec<String> {
    let ask = serde_json::json!({ "subjects_filter": filter }).to_string();
    let command = format!(
        "PUB $JS.API.STREAM.INFO.{stream} {inbox} {}\r\n{ask}\r\n",
        ask.len()
    );
    assert_eq!(login.send(&command), "+OK");
    let (_, info) = login.next_message();
    let info: serde_json::Value = serde_json::from_slice(&info).expect("JSON");
    info["state"]["subjects"]
        .as_object()
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default()
}

/// `vidprism farm init DIR ARGS`, which must succeed; what it printed.
fn run_farm_init(dir: &Path, args: &[&std::ffi::OsStr]) -> String {
    run_farm("init", dir, args)
}

/// `vidprism farm COMMAND DIR ARGS`, which must succeed; what it printed.
fn run_farm(command: &str, dir: &Path, args: &[&std::ffi::OsStr]) -> String {
    let run = vidprism()
        .args(["farm", command])
        .arg(dir)
        .args(args)
        .output()
        .expect("run vidprism farm");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}

/// nats-server on the configuration `farm init` wrote in `dir`, once it
/// takes connections on `port`.
fn start_server(dir: &Path, port: u16, log: &Path) -> Child {
    let child = Command::new("nats-server")
        .arg("-c")
        .arg(dir.join("nats-server.conf"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("nats-server is installed");
    wait_for_port(port, log);
    child
}

fn refused(subject: &str) -> String {
    format!("-ERR 'Permissions Violation for Publish to \"{subject}\"'")
}

/// The server lets `login` publish on each subject.
fn allowed(login: &mut RawNats, subjects: &[&str]) {
    for subject in subjects {
        assert_eq!(login.publish(subject), "+OK", "{subject}");
    }
}

/// The server refuses `login` each subject.
fn denied(login: &mut RawNats, subjects: &[&str]) {
    for subject in subjects {
        assert_eq!(login.publish(subject), refused(subject));
    }
}

#[test]
fn a_job_runs_with_the_printed_worker_and_submitter_logins() {
    let fx = Fixture::new();
    let clip = fx.clip("walk.mp4", "640x360", 2.0, true, &[]);
    let farm = init_farm(fx.dir.path());
    fn login(args: &[String]) -> Vec<&str> {
        args.iter().map(String::as_str).collect()
    }
    let worker = Worker::start(&farm.url, fx.dir.path(), "w", &farm.worker_login(1));
    let out = fx.path("out");
    let mut submitter = vec!["--nats", farm.url.as_str()];
    submitter.extend(login(&farm.submitter_login));
    let run = process_with_env(&out, &submitter, &[], &[clip.to_str().unwrap()]);
    check_run(&run, &worker);
    // The submitter's env file alone logs in too (systemd's
    // EnvironmentFile=, or `set -a; . submitter.env`).
    let env = farm.dir.join("submitter.env");
    let vars = [
        "VIDPRISM_NATS",
        "VIDPRISM_NATS_USER",
        "VIDPRISM_NATS_PASSWORD_FILE",
    ]
    .map(|name| (name, env_value(&env, name)));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let run = process_with_env(&fx.path("out2"), &[], &vars, &[clip.to_str().unwrap()]);
    check_run(&run, &worker);
}

/// A farm job's run went through, with sound outputs and no complaint of
/// a missing login or a refused subject.
fn check_run(run: &Run, worker: &Worker) {
    assert_eq!(
        run.code,
        0,
        "{}\n{:#?}\nworker:\n{}",
        run.stderr,
        run.events,
        worker.log_text()
    );
    run.one("job_done");
    run.one("thumbnail_ready");
    assert!(!run.rendition_paths().is_empty());
    assert_outputs_sound(run, Some(2.0));
    for log in [&run.stderr, &worker.log_text()] {
        assert!(!log.contains("without a login"), "{log}");
        assert!(
            !log.to_lowercase().contains("permissions violation"),
            "{log}"
        );
    }
}

#[test]
fn the_worker_login_may_report_but_never_queue_work() {
    let fx = Fixture::new();
    let farm = init_farm(fx.dir.path());
    let mut worker = farm.raw_worker(1);
    for stage in ["ingest", "thumbnail", "transcode"] {
        let subject = format!("vidprism.work.{stage}.x");
        assert_eq!(worker.publish(&subject), refused(&subject));
    }
    // What a worker does is allowed: the refusals above are not a dead
    // login.
    allowed(
        &mut worker,
        &[
            "vidprism.events.host-1.1",
            "vidprism.workers.w",
            "$JS.API.CONSUMER.MSG.NEXT.VIDPRISM_TRANSCODE.workers",
            "$JS.API.STREAM.MSG.GET.VIDPRISM_CANCELLED",
        ],
    );
    denied(
        &mut worker,
        &[
            "vidprism.cancelled.host-1.1",
            "$JS.API.STREAM.DELETE.VIDPRISM_INGEST",
        ],
    );
}

#[test]
fn the_submitter_login_may_queue_but_never_take_work() {
    let fx = Fixture::new();
    let farm = init_farm(fx.dir.path());
    let (mut submitter, answer) =
        RawNats::login(farm.port, Some(("submitter", &farm.submitter_password)));
    assert_eq!(answer, "+OK");
    for stream in [
        "VIDPRISM_INGEST",
        "VIDPRISM_THUMBNAIL",
        "VIDPRISM_TRANSCODE",
    ] {
        for subject in [
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.workers"),
            format!("$JS.API.CONSUMER.CREATE.{stream}.mine"),
        ] {
            assert_eq!(submitter.publish(&subject), refused(&subject));
        }
    }
    allowed(
        &mut submitter,
        &[
            "vidprism.work.ingest.host-1.1",
            "vidprism.cancelled.host-1.1",
            "$JS.API.STREAM.MSG.DELETE.VIDPRISM_INGEST",
        ],
    );
    assert_eq!(
        submitter
            .send("SUB $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.VIDPRISM_INGEST.workers 1\r\n"),
        "+OK"
    );
    assert_eq!(
        submitter.publish("vidprism.events.host-1.1"),
        refused("vidprism.events.host-1.1")
    );
}

#[test]
fn only_the_farms_logins_get_in() {
    let fx = Fixture::new();
    let farm = init_farm(fx.dir.path());
    // The one `worker` login of an older `farm init` is no more.
    let shared = Some(("worker", farm.worker_passwords[0].as_str()));
    for login in [
        None,
        Some(("worker-1", "guess")),
        shared,
        Some(("admin", "admin")),
    ] {
        let (_, answer) = RawNats::login(farm.port, login);
        assert_eq!(answer, "-ERR 'Authorization Violation'", "{login:?}");
    }
    let (_, answer) = RawNats::login(farm.port, Some(("submitter", &farm.submitter_password)));
    assert_eq!(answer, "+OK");
}

#[test]
fn a_server_without_logins_is_warned_about_once() {
    let fx = Fixture::new();
    let server = NatsServer::start(&[]);
    let worker = Worker::start(&server.url, fx.dir.path(), "w", &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !worker.log_text().contains("joined the farm") {
        assert!(Instant::now() < deadline, "{}", worker.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = worker.log_text();
    assert_eq!(log.matches("without a login").count(), 1, "{log}");
    assert!(log.contains("vidprism farm init"), "{log}");
}

/// Issue 26: both logins could write and purge the whole file store, so a
/// worker could replace another job's source. Sources now have their own
/// bucket that the worker login may only read: the server refuses its
/// writing, replacing (a new description) or removing one, while outputs
/// stay its to write.
#[test]
fn the_worker_login_may_read_sources_but_never_replace_or_remove_one() {
    let fx = Fixture::new();
    let farm = init_farm(fx.dir.path());
    let mut worker = farm.raw_worker(1);
    denied(
        &mut worker,
        &[
            // An object's chunks, then its description (a replacement).
            "$O.vidprism-sources.C.forged",
            "$O.vidprism-sources.M.aG9zdC0xLjEvc291cmNl",
            // Removing one: purging its chunks, or deleting a message.
            "$JS.API.STREAM.PURGE.OBJ_vidprism-sources",
            "$JS.API.STREAM.MSG.DELETE.OBJ_vidprism-sources",
            "$JS.API.STREAM.DELETE.OBJ_vidprism-sources",
        ],
    );
    allowed(
        &mut worker,
        &[
            "$JS.API.DIRECT.GET.OBJ_vidprism-sources.$O.vidprism-sources.M.aG9zdC0xLjEvc291cmNl",
            "$JS.API.STREAM.INFO.OBJ_vidprism-sources",
            "$O.vidprism-outputs-worker-1.C.made",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-1",
        ],
    );
    let (mut submitter, answer) =
        RawNats::login(farm.port, Some(("submitter", &farm.submitter_password)));
    assert_eq!(answer, "+OK");
    allowed(
        &mut submitter,
        &[
            "$O.vidprism-sources.C.sent",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-sources",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs",
        ],
    );
}

/// Issue 26: the default listened on every interface without TLS. Now it
/// is this machine only unless `--listen` says otherwise, and a
/// certificate and key turn TLS on: the server then tells every client it
/// requires TLS before anything else is said.
#[test]
fn the_server_listens_here_by_default_and_with_tls_when_given_a_certificate() {
    let fx = Fixture::new();
    let plain = fx.path("plain");
    let stdout = run_farm_init(&plain, &[]);
    let config = std::fs::read_to_string(plain.join("nats-server.conf")).unwrap();
    assert!(config.contains("listen: \"127.0.0.1:4222\""), "{config}");
    assert!(!config.contains("tls {"), "{config}");
    assert!(stdout.contains("127.0.0.1:4222 only"), "{stdout}");

    let (cert, key) = (fx.path("cert.pem"), fx.path("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed");
    assert!(made.status.success(), "{made:?}");
    let port = free_port();
    let farm_dir = fx.path("tls");
    let listen = format!("127.0.0.1:{port}");
    let stdout = run_farm_init(
        &farm_dir,
        &[
            "--listen".as_ref(),
            listen.as_ref(),
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ],
    );
    assert!(
        stdout.contains(&format!("--nats tls://127.0.0.1:{port}")),
        "{stdout}"
    );
    let mut child = start_server(&farm_dir, port, &fx.path("tls-nats.log"));
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut info = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stream), &mut info).expect("INFO");
    let _ = child.kill();
    let _ = child.wait();
    assert!(info.contains("\"tls_required\":true"), "{info}");
}

/// Issue 26, with `farm init`'s own permissions: the worker login may
/// publish news on any job's subject, and it can learn a job's key without
/// taking its work (the work queue's subjects are in its stream's info,
/// which every login may read). Such a login tells forged digests for the
/// job's outputs and a rendition of its own before any worker takes the
/// job; the submitter refuses them all (they lack the proof of the job's
/// work) and fetches what the real worker made.
#[test]
fn a_worker_login_that_did_not_take_a_job_cannot_speak_for_it() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 1.0, false, &[]);
    let farm = init_farm(fx.dir.path());
    let out = fx.path("out");
    let mut submitter = vidprism()
        .args(["process", "--json", "-p", "web", "--nats", &farm.url])
        .args(&farm.submitter_login)
        .arg("-o")
        .arg(&out)
        .arg(&clip)
        .env_remove("VIDPRISM_NATS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vidprism process");
    let mut forger = farm.raw_worker(2);
    assert_eq!(forger.send("SUB _INBOX_worker-2.forger 1\r\n"), "+OK");
    // The job's key, from the ingest queue's subjects.
    let deadline = Instant::now() + Duration::from_secs(60);
    let key = loop {
        let subjects = stream_subjects(
            &mut forger,
            "_INBOX_worker-2.forger",
            "VIDPRISM_INGEST",
            "vidprism.work.>",
        );
        let found = subjects
            .iter()
            .find_map(|s| s.strip_prefix("vidprism.work.ingest.").map(str::to_owned));
        if let Some(key) = found {
            break key;
        }
        assert!(Instant::now() < deadline, "no ingest queued");
        std::thread::sleep(Duration::from_millis(100));
    };
    let web = vidprism_engine::presets::find_preset("web").expect("web");
    let mut names = vec!["thumbnail.jpg".to_owned()];
    for rendition in &web.renditions {
        let container = serde_json::to_value(rendition.container).expect("JSON");
        names.push(format!(
            "{}.{}",
            rendition.name,
            container.as_str().unwrap()
        ));
    }
    let subject = format!("vidprism.events.{key}");
    let forged_digest = "SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let mut news: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({"sent": {"name": n, "digest": forged_digest}}))
        .collect();
    let (last, last_file) = (web.renditions.last().expect("a rendition"), names.last());
    news.push(serde_json::json!({"event": {"event": "rendition_done",
        "rendition": last.name, "path": last_file,
        "width": 320, "height": 240, "bytes": 15}}));
    let guessed = "0123456789abcdef".repeat(4);
    for n in &news {
        let payload = serde_json::to_vec(n).unwrap();
        assert_eq!(forger.publish_bytes(&subject, &payload), "+OK");
        let proof = vidprism_farm::news_proof::prove(&guessed, &key, &payload);
        let header = (vidprism_farm::news_proof::PROOF_HEADER, proof.as_str());
        assert_eq!(
            forger.publish_with_header(&subject, header, &payload),
            "+OK"
        );
    }
    // Only now does a worker take the job.
    let worker = Worker::start(&farm.url, fx.dir.path(), "w", &farm.worker_login(1));
    exit_within(&mut submitter, Duration::from_secs(120), "the submitter");
    let read = |pipe: &mut dyn std::io::Read| {
        let mut text = String::new();
        pipe.read_to_string(&mut text).expect("read");
        text
    };
    let stdout = read(&mut submitter.stdout.take().expect("stdout"));
    let stderr = read(&mut submitter.stderr.take().expect("stderr"));
    let log = worker.log_text();
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["event"] == kind).collect()
    };
    assert_eq!(of("job_done").len(), 1, "{stdout}\n{stderr}\n{log}");
    assert!(of("rendition_failed").is_empty(), "{stdout}\n{stderr}");
    let made = of("rendition_done");
    assert!(!made.is_empty(), "{stdout}");
    for done in made {
        let path = Path::new(done["path"].as_str().unwrap());
        assert_eq!(decode_errors(path), "", "{path:?} decodes whole");
        assert_eq!(
            std::fs::metadata(path).unwrap().len(),
            done["bytes"].as_u64().unwrap(),
            "{path:?}: the worker's file"
        );
    }
    assert_eq!(of("thumbnail_ready").len(), 1, "{stdout}");
    assert!(stderr.contains("refused news"), "{stderr}");
    assert!(
        !stderr.to_lowercase().contains("permissions violation"),
        "{stderr}"
    );
}

/// `vidprism process` of `clip` through `farm` with its printed submitter
/// login, while a `vidprism worker` with worker login `n` runs; the run
/// went through (see [`check_run`]).
fn run_with_worker(fx: &Fixture, farm: &Farm, n: usize, clip: &Path) {
    let name = format!("w{n}");
    let worker = Worker::start(&farm.url, fx.dir.path(), &name, &farm.worker_login(n));
    let mut submitter = vec!["--nats", farm.url.as_str()];
    submitter.extend(farm.submitter_login.iter().map(String::as_str));
    let out = fx.path(&format!("out-{name}"));
    let run = process_with_env(&out, &submitter, &[], &[clip.to_str().unwrap()]);
    check_run(&run, &worker);
}

/// Issue 26: every worker shared one login, and with it the inbox
/// `_INBOX.>` where the server hands each worker the work it takes; one
/// worker could subscribe there and read the work others took, their
/// jobs' news keys with it. Each worker login now reads replies under its
/// own prefix only: the server refuses worker-1 the shared inbox and
/// worker-2's, and worker-1 sees nothing of the job worker-2 (a real
/// `vidprism worker`) runs meanwhile.
#[test]
fn a_worker_login_cannot_read_another_workers_deliveries() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 2.0, true, &[]);
    let farm = init_farm(fx.dir.path());
    let mut spy = farm.raw_worker(1);
    for (sid, inbox) in ["_INBOX.>", "_INBOX_worker-2.>", "_INBOX.*", ">"]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            spy.send(&format!("SUB {inbox} {sid}\r\n")),
            format!("-ERR 'Permissions Violation for Subscription to \"{inbox}\"'")
        );
    }
    assert_eq!(spy.send("SUB _INBOX_worker-1.> 9\r\n"), "+OK");
    run_with_worker(&fx, &farm, 2, &clip);
    let seen = spy.messages_so_far();
    let keys = seen
        .iter()
        .filter(|(_, payload)| String::from_utf8_lossy(payload).contains("news_key"));
    assert_eq!(keys.count(), 0, "the spy read another worker's work");
    assert!(seen.is_empty(), "{seen:?}");
}

/// Issue 26: every worker could write, replace and purge the one outputs
/// bucket, so one worker could replace or remove the outputs of a job
/// another took (the submitter's digest check then failed the job). Each
/// worker login now has a bucket of its own that only it writes: once
/// worker-2 (a real `vidprism worker`) has sent a job's outputs into its
/// bucket, the server refuses worker-1 replacing an object there (a new
/// description on the very subject of one of them), purging, deleting or
/// even reading one, and changing or deleting the bucket, while worker-1's
/// own bucket is its to write.
#[test]
fn a_worker_login_cannot_replace_or_remove_another_workers_outputs() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 2.0, true, &[]);
    let farm = init_farm(fx.dir.path());
    run_with_worker(&fx, &farm, 2, &clip);
    // The descriptions of the job's outputs, in worker-2's bucket, as the
    // submitter (who reads every worker's bucket) sees them.
    let (mut submitter, answer) =
        RawNats::login(farm.port, Some(("submitter", &farm.submitter_password)));
    assert_eq!(answer, "+OK");
    assert_eq!(submitter.send("SUB _INBOX.info 1\r\n"), "+OK");
    let described = stream_subjects(
        &mut submitter,
        "_INBOX.info",
        "OBJ_vidprism-outputs-worker-2",
        "$O.vidprism-outputs-worker-2.M.>",
    );
    assert!(described.len() >= 2, "the job's outputs: {described:?}");

    let mut other = farm.raw_worker(1);
    let mut attacks: Vec<String> = described.clone();
    attacks.extend(
        [
            "$O.vidprism-outputs-worker-2.C.forged",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.STREAM.MSG.DELETE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.STREAM.UPDATE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.STREAM.DELETE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.STREAM.MSG.GET.OBJ_vidprism-outputs-worker-2",
            "$JS.API.CONSUMER.CREATE.OBJ_vidprism-outputs-worker-2",
            "$O.vidprism-outputs.M.forged",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs",
        ]
        .map(str::to_owned),
    );
    attacks.push(format!(
        "$JS.API.DIRECT.GET.OBJ_vidprism-outputs-worker-2.{}",
        described[0]
    ));
    for subject in &attacks {
        assert_eq!(other.publish(subject), refused(subject));
    }
    allowed(
        &mut other,
        &[
            "$O.vidprism-outputs-worker-1.C.made",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-1",
        ],
    );
}

/// A server an older `farm init` set up, with its one `worker` login
/// every worker shared (its configuration as it wrote it, kept in
/// tests/data/farm): jobs still run with the shared login (the shared
/// inbox and outputs bucket, as before), and the worker says at its start
/// that any worker can read the others' work, and what to run.
#[test]
fn a_server_an_older_farm_init_set_up_still_runs_jobs() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 2.0, true, &[]);
    let dir = fx.path("older");
    std::fs::create_dir_all(dir.join("store")).expect("store");
    let port = free_port();
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/farm/older-farm-init.conf");
    let passwords = [
        ("worker", "OlderWorkerPassword1"),
        ("submitter", "OlderSubmitterPass2"),
    ];
    let config = std::fs::read_to_string(template)
        .expect("the older configuration")
        .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
        .replace("@STORE@", dir.join("store").to_str().expect("a plain path"))
        .replace("@WORKER_PASSWORD@", passwords[0].1)
        .replace("@SUBMITTER_PASSWORD@", passwords[1].1);
    std::fs::write(dir.join("nats-server.conf"), config).expect("write it");
    for (user, password) in passwords {
        std::fs::write(dir.join(format!("{user}.password")), password).expect("password");
    }
    let _server = KillOnDrop(start_server(&dir, port, &fx.path("older-nats.log")));
    let url = format!("nats://127.0.0.1:{port}");
    let login = |user: &str| {
        let file = dir.join(format!("{user}.password"));
        [
            "--nats-user".to_owned(),
            user.to_owned(),
            "--nats-password-file".to_owned(),
        ]
        .into_iter()
        .chain([file.to_str().expect("a plain path").to_owned()])
        .collect::<Vec<_>>()
    };
    let worker_login = login("worker");
    let worker_args: Vec<&str> = worker_login.iter().map(String::as_str).collect();
    let worker = Worker::start(&url, fx.dir.path(), "w", &worker_args);
    let submitter_login = login("submitter");
    let mut submitter = vec!["--nats", url.as_str()];
    submitter.extend(submitter_login.iter().map(String::as_str));
    let run = process_with_env(&fx.path("out"), &submitter, &[], &[clip.to_str().unwrap()]);
    check_run(&run, &worker);
    let log = worker.log_text();
    assert!(log.contains("the one login every worker shares"), "{log}");
    assert!(log.contains("run `vidprism farm init NEW_DIR`"), "{log}");
}

/// `farm add-worker DIR` gives one more worker machine a login of its
/// own: the running server, told to reload as it prints, lets it in, and
/// a job runs with it (its own inbox and bucket); the logins made before
/// are as they were.
#[test]
fn a_worker_login_added_later_runs_jobs_after_a_reload() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "320x240", 2.0, true, &[]);
    let mut farm = init_farm(fx.dir.path());
    let stdout = run_farm("add-worker", &farm.dir, &[]);
    assert!(stdout.contains("nats-server --signal reload"), "{stdout}");
    let n = farm.worker_logins.len() + 1;
    let (url, login) = printed_login(&stdout, "vidprism worker");
    assert_eq!(url, farm.url);
    assert!(login.contains(&format!("worker-{n}")), "{login:?}");
    farm.worker_logins.push(login);
    farm.worker_passwords
        .push(password_of(&farm.dir.join(format!("worker-{n}.env"))));
    let reload = Command::new("nats-server")
        .args(["--signal", &format!("reload={}", farm.child.id())])
        .output()
        .expect("nats-server --signal");
    assert!(reload.status.success(), "{reload:?}");
    // The server reloads on its own time.
    let user = format!("worker-{n}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while RawNats::login(farm.port, Some((&user, &farm.worker_passwords[n - 1]))).1 != "+OK" {
        assert!(Instant::now() < deadline, "{user} never got in");
        std::thread::sleep(Duration::from_millis(100));
    }
    run_with_worker(&fx, &farm, n, &clip);
    let mut first = farm.raw_worker(1);
    assert_eq!(first.send("SUB _INBOX_worker-1.x 1\r\n"), "+OK");
}
