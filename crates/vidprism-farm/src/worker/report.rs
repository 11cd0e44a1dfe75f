//! The end of a stage that is not tried again: its outputs sent where the
//! submitter gets them, its results and end as news (after ingest, the
//! submitter queues the stages it opened).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::stage::StageRun;
use super::{send_news, Context};
use crate::broker::Bucket;
use crate::error::FarmError;
use crate::wire::{self, Files, News, Work};
use vidprism_engine::media::quality::series::bounded;
use vidprism_engine::pipeline::EventKind;

/// Sends a finished stage's outputs and results, then its end.
pub(super) fn report(
    context: &Context,
    work: &Work,
    run: StageRun,
    attempt: u32,
) -> Result<(), FarmError> {
    let broker = &context.broker;
    let mut errors: Vec<String> = run.error.into_iter().collect();
    if attempt > 1 && !errors.is_empty() {
        errors = vec![format!(
            "{} (failed on all {attempt} tries)",
            errors.join("; ")
        )];
    }
    // An output that cannot be sent is the broker's trouble, not the
    // stage's: the error goes up, the work is not acknowledged and runs
    // again, instead of failing the job.
    for kind in run.results {
        // The files beside an output (a rendition's sidecars, a bundle's
        // manifests, a storyboard's sprites) go first, by name.
        for file in kind.files_beside() {
            send_output(context, work, &file)?;
        }
        if let Some(series) = series_news(&kind) {
            send_news(broker, work, &series, true)?;
        }
        let kind = match kind.output_path() {
            Some(path) => {
                let sent = send_output(context, work, path)?;
                kind.moved_output(sent, None)
            }
            None => kind,
        };
        send_news(broker, work, &News::Event(kind), true)?;
    }
    let ok = errors.is_empty();
    let ended = News::StageEnded {
        stage: work.stage,
        opened: if ok { run.opened } else { 0 },
        errors,
        source_failed: run.source_failed,
        dir: match work.files {
            Files::Shared => run.dir.clone(),
            Files::ObjectStore => None,
        },
        worker: context.config.name.clone(),
    };
    // The submitter counts the stages ingest opened and queues them (a
    // worker's login may not queue work). Counted here before it is sent:
    // whoever sees the job end sees this count include it.
    context.reported.fetch_add(1, Ordering::Relaxed);
    send_news(broker, work, &ended, true)?;
    Ok(())
}

/// A scored rendition's per-frame score, which its event's JSON leaves out.
fn series_news(kind: &EventKind) -> Option<News> {
    let EventKind::RenditionDone(output) = kind else {
        return None;
    };
    let series = output.quality.as_ref()?.series.as_ref()?;
    Some(News::Series {
        rendition: output.rendition.clone(),
        series: bounded(series),
    })
}

/// Puts an output where the submitter gets it; returns the path to report.
fn send_output(context: &Context, work: &Work, path: &Path) -> Result<PathBuf, FarmError> {
    match work.files {
        Files::Shared => Ok(context.config.path_map.to_submitter(path)),
        Files::ObjectStore => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bucket = context.broker.outputs_bucket();
            let object = wire::output_object(&work.job, &name);
            let (_, digest) = context.broker.put_file(bucket.clone(), &object, path)?;
            let sent = News::Sent {
                name: name.clone(),
                digest,
                bucket: (bucket != Bucket::Outputs).then(|| bucket.name()),
            };
            send_news(&context.broker, work, &sent, true)?;
            Ok(PathBuf::from(name))
        }
    }
}
