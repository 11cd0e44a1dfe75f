//! Issue 14: the farm trusts no message. Each finding is a hostile message
//! published with a raw NATS client, as anyone who can reach the broker
//! could; nothing outside the worker's scratch may change, the worker must
//! stay alive and still finish a good job afterwards.

mod util;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use util::nats::Worker;
use util::nats_server::NatsServer;
use util::raw_nats::RawNats;
use util::*;
use vidprism::presets::find_preset;

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
