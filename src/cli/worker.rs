//! `vidprism worker`: joins a farm and runs its work until stopped.

use std::process::ExitCode;

use anyhow::{bail, Context};
use vidprism::farm::{worker_name, FarmWorker, PathMap, WorkPolicy, WorkStage, WorkerConfig};

use super::WorkerArgs;

pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let Some(connection) = args.farm.connection() else {
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
    let path_map = PathMap::parse(&args.path_map).map_err(anyhow::Error::msg)?;
    let name = args.name.unwrap_or_else(worker_name);
    let scratch = args
        .scratch
        .unwrap_or_else(|| std::env::temp_dir().join(format!("vidprism-worker-{name}")));
    let config = WorkerConfig {
        connection,
        stages,
        transcode_jobs: usize::from(args.jobs),
        policy: WorkPolicy {
            ack_wait: std::time::Duration::from_secs(args.ack_wait),
            tries: args.tries,
        },
        path_map,
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
