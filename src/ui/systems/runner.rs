//! Where the window's jobs run: this computer's engine or a farm, behind
//! one [`JobRunner`], and the waker the runner calls when it has news.
//! Rows look the same either way; only the runner behind them changes.

use std::sync::Arc;

use crate::settings::{FarmSettings, Settings, MAX_TRANSCODE_JOBS};
use vidprism_engine::pipeline::{Engine, EngineConfig, JobRunner, Waker};
use vidprism_farm::{FarmClient, FarmError, Files};

/// The window's backend: the runner of its jobs and the waker it calls
/// ("runner" is always a [`JobRunner`]).
pub struct Backend {
    /// Runs the jobs: this computer's engine, or a farm.
    pub runner: Box<dyn JobRunner>,
    /// Wakes the window when the runner (or a thread of the window) has news.
    pub wake: Waker,
}

impl Backend {
    /// The runner the settings ask for. A farm that cannot be reached gives
    /// this computer's engine, and a notice saying why.
    pub fn start(settings: &Settings, wake: Waker) -> anyhow::Result<(Backend, Option<String>)> {
        let mut notice = None;
        if settings.farm.enabled {
            match connect_farm(&settings.farm, &wake) {
                Ok(runner) => return Ok((Backend { runner, wake }, None)),
                Err(e) => {
                    tracing::warn!("{e}");
                    notice = Some(format!(
                        "{e}. Jobs run on this computer; use Farm… to connect again."
                    ));
                }
            }
        }
        let runner = local_engine(settings, &wake)?;
        Ok((Backend { runner, wake }, notice))
    }

    /// New jobs run on this computer's engine.
    pub fn use_this_computer(&mut self, settings: &Settings) -> std::io::Result<()> {
        self.runner = local_engine(settings, &self.wake)?;
        Ok(())
    }

    /// How many videos transcode at once: the setting, or on a farm what
    /// its workers can take.
    pub fn jobs_at_once(&self, settings: &Settings) -> usize {
        self.runner
            .transcodes_at_once()
            .unwrap_or(settings.transcode_jobs)
            .max(1)
    }
}

fn local_engine(settings: &Settings, wake: &Waker) -> std::io::Result<Box<dyn JobRunner>> {
    let engine = Engine::start(
        EngineConfig {
            transcode_jobs: settings.transcode_jobs.clamp(1, MAX_TRANSCODE_JOBS),
            ..Default::default()
        },
        Some(Arc::clone(wake)),
    )?;
    Ok(Box::new(engine))
}

/// Connects to the farm `farm` describes (takes seconds when it is
/// unreachable: called off the UI thread once the window runs).
pub fn connect_farm(farm: &FarmSettings, wake: &Waker) -> Result<Box<dyn JobRunner>, FarmError> {
    let files = if farm.shared_folders {
        Files::Shared
    } else {
        Files::ObjectStore
    };
    let client = FarmClient::connect(&farm.connection, files, Some(Arc::clone(wake)))?;
    Ok(Box::new(client))
}
