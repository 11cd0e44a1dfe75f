//! `vidprism worker` processes for the farm tests, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// A `vidprism worker` process; its log is kept for failure messages.
pub struct Worker {
    child: Child,
    pub log: PathBuf,
}

impl Worker {
    /// Starts `vidprism worker --nats URL -v --scratch DIR/NAME --name NAME ARGS`.
    pub fn start(url: &str, dir: &Path, name: &str, args: &[&str]) -> Worker {
        Worker::start_with_env(url, dir, name, args, &[])
    }

    /// [`Worker::start`] with extra environment variables.
    pub fn start_with_env(
        url: &str,
        dir: &Path,
        name: &str,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> Worker {
        let log = dir.join(format!("{name}.log"));
        let child = super::vidprism()
            .envs(env.iter().copied())
            .args(["worker", "-v", "--nats", url, "--name", name, "--scratch"])
            .arg(dir.join(format!("scratch-{name}")))
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("run vidprism worker");
        Worker { child, log }
    }

    /// SIGKILL: the worker gets no chance to tidy up or acknowledge.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Ctrl+C (SIGINT), then waits for the worker to exit; its exit status.
    #[cfg(unix)]
    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGINT) };
        self.child.wait().expect("worker exits")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A worker of every stage running in this process (one transcode at a
/// time, no shared folders), named "w", scratch in `scratch`.
pub fn in_process_worker(
    connection: &vidprism_farm::FarmConnection,
    scratch: PathBuf,
) -> vidprism_farm::FarmWorker {
    use vidprism_farm::{FarmWorker, PathMap, WorkPolicy, WorkStage, WorkerConfig};
    FarmWorker::start(WorkerConfig {
        connection: connection.clone(),
        stages: WorkStage::ALL.to_vec(),
        transcode_jobs: 1,
        policy: WorkPolicy::default(),
        path_map: PathMap::default(),
        shared_roots: Vec::new(),
        scratch,
        name: "w".into(),
    })
    .expect("worker")
}
