//! The end of a stage that is not tried again: its outputs sent where the
//! submitter gets them, its results and end as news, and after ingest the
//! next stages' work.

use std::path::{Path, PathBuf};

use super::stage::StageRun;
use super::Context;
use crate::farm::error::FarmError;
use crate::farm::wire::{self, Files, News, Work, WorkStage};

/// Sends a finished stage's outputs and results, then the next stages' work.
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
        let kind = match kind.output_path() {
            Some(path) => {
                let sent = send_output(context, work, path)?;
                kind.moved_output(sent, None)
            }
            None => kind,
        };
        broker.publish_news(&work.job, wire::encode(&News::Event(kind)), true)?;
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
    // The submitter must count the stages opened before any of them ends.
    broker.publish_news(&work.job, wire::encode(&ended), true)?;
    if ok && work.stage == WorkStage::Ingest {
        let dir = match work.files {
            Files::Shared => run.dir,
            Files::ObjectStore => None,
        };
        let mut next = vec![WorkStage::Thumbnail];
        if run.opened > 1 {
            next.push(WorkStage::Transcode);
        }
        for stage in next {
            let follow = work.for_stage(stage, dir.clone());
            broker.publish_work(stage, &work.job, &follow.dedup_id(), wire::encode(&follow))?;
        }
    }
    Ok(())
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
            context
                .broker
                .put_file(&wire::output_object(&work.job, &name), path)?;
            Ok(PathBuf::from(name))
        }
    }
}
