//! Jobs whose work the broker gave up on: every try's worker vanished.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{forget, lock, Jobs, NEWS_WAIT};
use crate::broker::{AbandonedFeed, Broker};
use vidprism_engine::pipeline::for_farm::StageError;

/// Fails the jobs whose work the broker gave up on: every worker that took
/// it vanished (a source that crashes the decoder kills each in turn).
pub(super) fn follow_abandoned(
    broker: &Broker,
    feed: &AbandonedFeed,
    jobs: &Jobs,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        let abandoned = match feed.next(NEWS_WAIT) {
            Ok(Some(abandoned)) => abandoned,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!("{e}");
                std::thread::sleep(NEWS_WAIT);
                continue;
            }
        };
        let Some(farm_job) = lock(jobs).get(&abandoned.job).cloned() else {
            continue;
        };
        broker.discard(&abandoned);
        let job = &farm_job.job;
        job.record_error(StageError::remote(format!(
            "{}: no worker finished its {} stage: the worker stopped without a word \
             (killed or crashed) on all {} tries",
            job.request().input.display(),
            abandoned.stage.name(),
            abandoned.deliveries
        )));
        job.end_now();
        forget(broker, &farm_job, jobs);
    }
}
