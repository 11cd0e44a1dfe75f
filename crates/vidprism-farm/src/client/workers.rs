//! Which workers are on the farm: their presence messages, counted for
//! the window ("· 2 workers") and for how many videos to give the farm.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{lock, NEWS_WAIT};
use crate::broker::PresenceFeed;
use crate::wire::{self, Presence, WorkStage};
use vidprism_engine::pipeline::Waker;

/// A worker not heard from for this long is counted as gone (it says it
/// is alive every `PRESENCE_EVERY`).
const WORKER_GONE_AFTER: Duration = Duration::from_secs(6);

/// Workers heard from: when, and how many jobs each transcodes at once.
pub(super) type Workers = Arc<Mutex<HashMap<String, (Instant, usize)>>>;

/// The transcodes at once of each worker heard from lately.
pub(super) fn live_workers(
    workers: &HashMap<String, (Instant, usize)>,
) -> impl Iterator<Item = usize> + '_ {
    workers
        .values()
        .filter(|(seen, _)| seen.elapsed() < WORKER_GONE_AFTER)
        .map(|&(_, transcodes)| transcodes)
}

/// What a submitter says of a worker of a version before news proofs:
/// its news is refused, so the jobs it takes never end here.
fn older_worker(name: &str) -> String {
    format!(
        "the worker {name} is of an older VidPrism version: it cannot prove its news (news_proof), so this submitter refuses what it reports and the jobs it takes wait; update it"
    )
}

/// Most workers remembered at once.
const MAX_WORKERS: usize = 1024;

/// Keeps the list of workers heard from; wakes the front end when the
/// number alive changes.
pub(super) fn follow_workers(
    feed: &PresenceFeed,
    workers: &Workers,
    waker: Option<&Waker>,
    stop: &AtomicBool,
) {
    let mut alive = 0;
    while !stop.load(Ordering::Relaxed) {
        match feed.next(NEWS_WAIT) {
            Ok(Some(payload)) => match wire::decode::<Presence>(&payload) {
                Ok(p) if p.leaving => {
                    lock(workers).remove(&p.worker);
                }
                Ok(p) => {
                    if !p.proves_news && !lock(workers).contains_key(&p.worker) {
                        tracing::warn!(worker = %p.worker, "{}", older_worker(&p.worker));
                    }
                    let transcodes = if p.stages.contains(&WorkStage::Transcode) {
                        p.transcode_jobs
                    } else {
                        0
                    };
                    let mut workers = lock(workers);
                    // Names are the sender's word: keep the list bounded
                    // by forgetting the ones gone quiet first.
                    if workers.len() >= MAX_WORKERS && !workers.contains_key(&p.worker) {
                        workers.retain(|_, (seen, _)| seen.elapsed() < WORKER_GONE_AFTER);
                    }
                    if workers.len() < MAX_WORKERS || workers.contains_key(&p.worker) {
                        workers.insert(p.worker, (Instant::now(), transcodes));
                    }
                }
                Err(e) => tracing::debug!("{e}"),
            },
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(NEWS_WAIT);
            }
        }
        let now_alive = live_workers(&lock(workers)).count();
        if now_alive != alive {
            alive = now_alive;
            tracing::info!(workers = alive, "workers on the farm");
            if let Some(wake) = waker {
                wake();
            }
        }
    }
}
