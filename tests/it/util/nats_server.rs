//! A real nats-server with JetStream on 127.0.0.1 and a free port, killed
//! when dropped. Plain std and tempfile, so the window's tests include this
//! file too (`#[path]`).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct NatsServer {
    child: Child,
    pub url: String,
    port: u16,
    extra: Vec<String>,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts the server and waits until it takes connections.
fn spawn(port: u16, dir: &std::path::Path, extra: &[String]) -> Child {
    let log = dir.join("nats.log");
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.join("store"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("nats-server is installed (make test installs it: Debian package nats-server)");
    wait_for_port(port, &log);
    child
}

/// Waits until a nats-server takes connections on `port`; fails with its
/// log (`log`) if it does not within 15 s.
pub fn wait_for_port(port: u16, log: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nats-server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl NatsServer {
    /// Starts `nats-server -js` with `extra` arguments (say `--user`).
    pub fn start(extra: &[&str]) -> NatsServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let extra: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
        NatsServer {
            child: spawn(port, dir.path(), &extra),
            url: format!("nats://127.0.0.1:{port}"),
            port,
            extra,
            dir,
        }
    }

    /// Kills the server (SIGKILL, as a crash) and starts it again on the
    /// same port with the same JetStream store.
    // Unused by the window's tests, which include this file too.
    #[allow(dead_code)]
    pub fn crash_and_restart(&mut self, down_for: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down_for);
        self.child = spawn(self.port, self.dir.path(), &self.extra);
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
