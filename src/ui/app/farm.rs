//! What the "Farm" window asks of the app: connecting to a farm or going
//! back to this computer, which switches the runner only while no job runs.

use crate::settings::FarmSettings;
use crate::ui::app::App;
use crate::ui::command::FarmCommand;
use crate::ui::state::forms::{Connecting, FarmForm};
use crate::ui::systems::runner::connect_farm;
use crossbeam_channel::bounded;
use std::sync::Arc;

impl App {
    /// Applies what the "Farm" window asked.
    pub(in crate::ui) fn handle_farm(&mut self, command: FarmCommand) {
        match command {
            FarmCommand::Open => {
                self.view.farm_form = FarmForm::new(&self.systems.settings.farm);
                self.view.farm_form.open = true;
            }
            FarmCommand::Connect => {
                let mut farm = self.view.farm_form.draft.clone();
                farm.connection.url = farm.connection.url.trim().to_owned();
                // Connecting: the window stays open until it is done
                // (poll_farm closes it).
                match self.use_farm(farm) {
                    Ok(()) => self.view.farm_form.error = None,
                    Err(e) => self.view.farm_form.error = Some(e),
                }
            }
            FarmCommand::UseThisComputer => match self.use_this_computer() {
                Ok(()) => {
                    self.view.farm_form.error = None;
                    self.view.farm_form.open = false;
                }
                Err(e) => self.view.farm_form.error = Some(e),
            },
            FarmCommand::Close => self.view.farm_form.open = false,
        }
    }

    /// Starts connecting to the farm `farm` describes; [`Self::poll_farm`]
    /// switches to it once connected. Refused while jobs run.
    pub fn use_farm(&mut self, farm: FarmSettings) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        let (tx, result) = bounded(1);
        let wake = Arc::clone(&self.systems.backend.wake);
        let settings = farm.clone();
        std::thread::Builder::new()
            .name("farm connect".into())
            .spawn(move || {
                let runner = connect_farm(&settings, &wake).map_err(|e| e.to_string());
                let _ = tx.send(runner);
                wake();
            })
            .map_err(|e| format!("cannot start connecting: {e}"))?;
        self.view.farm_form.connecting = Some(Connecting { farm, result });
        self.view.farm_form.error = None;
        Ok(())
    }

    /// Takes the result of a connect under way: new jobs run on the farm,
    /// or the Farm window says why not.
    pub fn poll_farm(&mut self) {
        let Some(connecting) = &self.view.farm_form.connecting else {
            return;
        };
        let Ok(result) = connecting.result.try_recv() else {
            return;
        };
        let farm = connecting.farm.clone();
        self.view.farm_form.connecting = None;
        let switched = result.and_then(|runner| {
            // Rows added while connecting went to the old runner.
            self.ensure_no_job_runs()?;
            self.systems.backend.runner = runner;
            Ok(())
        });
        match switched {
            Ok(()) => {
                self.systems.settings.farm = FarmSettings {
                    enabled: true,
                    ..farm
                };
                self.systems.save_settings();
                self.view.farm_form.open = false;
            }
            Err(e) => {
                self.view.farm_form.error = Some(e);
                self.view.farm_form.open = true;
            }
        }
    }

    /// New jobs run on this computer. Refused while jobs run.
    pub fn use_this_computer(&mut self) -> Result<(), String> {
        self.ensure_no_job_runs()?;
        let systems = &mut self.systems;
        systems
            .backend
            .use_this_computer(&systems.settings)
            .map_err(|e| format!("cannot start: {e}"))?;
        systems.settings.farm.enabled = false;
        systems.save_settings();
        Ok(())
    }

    fn ensure_no_job_runs(&self) -> Result<(), String> {
        if self.model.in_flight() > 0 {
            return Err("jobs are running: pause the queue and let them end, then switch".into());
        }
        Ok(())
    }
}
