//! `vidprism worker`: joins a farm and runs its work until stopped.

use std::process::ExitCode;

use anyhow::{bail, Context};
use vidprism_farm::{worker_name, FarmWorker, PathMap, WorkPolicy, WorkStage, WorkerConfig};

use super::WorkerArgs;

/// Default scratch folders are `<temp>/vidprism-worker-pid<PID>-<random>`,
/// so the ones a killed worker left can be told from a live worker's, and
/// nobody can guess or prepare one in advance.
const SCRATCH_PREFIX: &str = "vidprism-worker-pid";

/// Removes the default scratch folders of workers that no longer run (a
/// killed worker cannot tidy up after itself).
fn sweep_stale_scratch(temp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SCRATCH_PREFIX))
            .and_then(|p| p.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_runs(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Makes a new folder that only this user can enter, under a name nobody
/// can guess; never one that exists already.
fn private_scratch(temp: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    use std::hash::{BuildHasher, Hasher};
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    let mut tries = 0;
    loop {
        // RandomState is keyed from the OS's random source.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let path = temp.join(format!(
            "{SCRATCH_PREFIX}{}-{random:016x}",
            std::process::id()
        ));
        match builder.create(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
            other => return other.map(|()| path),
        }
    }
}

#[cfg(target_os = "linux")]
fn process_runs(pid: u32) -> bool {
    std::path::Path::new("/proc").join(pid.to_string()).exists()
}

/// Without /proc, assume it runs: never remove a live worker's files.
#[cfg(not(target_os = "linux"))]
fn process_runs(_pid: u32) -> bool {
    true
}

pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let Some(connection) = args.farm.connection()? else {
        bail!("a worker needs the farm's address: --nats URL (or VIDPRISM_NATS)");
    };
    let stages = args
        .stages
        .iter()
        .map(|name| {
            WorkStage::parse(name).with_context(|| {
                format!("--stages: unknown stage {name:?} (ingest, thumbnail, transcode)")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let path_map = PathMap::parse(&args.path_map)?;
    let name = args.name.unwrap_or_else(worker_name);
    let scratch = match args.scratch {
        Some(scratch) => scratch,
        None => {
            let temp = std::env::temp_dir();
            sweep_stale_scratch(&temp);
            private_scratch(&temp)
                .with_context(|| format!("making a scratch folder in {}", temp.display()))?
        }
    };
    let config = WorkerConfig {
        connection,
        stages,
        transcode_jobs: usize::from(args.jobs),
        policy: WorkPolicy {
            ack_wait: std::time::Duration::from_secs(args.ack_wait),
            tries: args.tries,
        },
        path_map,
        shared_roots: args.shared_root,
        scratch,
        name: name.clone(),
    };
    let worker = FarmWorker::start(config)?;
    let stopper = worker.stopper();
    ctrlc::set_handler(move || {
        eprintln!("vidprism: stopping; work in hand goes back to the farm");
        stopper.stop();
    })
    .context("handling Ctrl+C")?;
    eprintln!("vidprism: worker {name} joined the farm; stop it with Ctrl+C");
    worker.wait();
    eprintln!("vidprism: worker {name} stopped");
    Ok(ExitCode::SUCCESS)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_scratch_folders_of_gone_workers_are_swept() {
        let temp = tempfile::tempdir().unwrap();
        let gone = temp.path().join(format!("{SCRATCH_PREFIX}4000000000-00ff"));
        let alive = temp
            .path()
            .join(format!("{SCRATCH_PREFIX}{}", std::process::id()));
        let named = temp.path().join("vidprism-worker-render-5");
        for dir in [&gone, &alive, &named] {
            std::fs::create_dir_all(dir.join("job-transcode")).unwrap();
        }
        sweep_stale_scratch(temp.path());
        assert!(!gone.exists());
        assert!(alive.exists());
        assert!(named.exists());
    }

    #[test]
    fn default_scratch_folders_are_new_private_and_unguessable() {
        use std::os::unix::fs::PermissionsExt;
        let temp = tempfile::tempdir().unwrap();
        let a = private_scratch(temp.path()).unwrap();
        let b = private_scratch(temp.path()).unwrap();
        assert_ne!(a, b);
        let mode = std::fs::metadata(&a).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let name = a.file_name().unwrap().to_str().unwrap();
        let pid = format!("{SCRATCH_PREFIX}{}-", std::process::id());
        assert!(name.starts_with(&pid) && name.len() == pid.len() + 16);
    }
}
