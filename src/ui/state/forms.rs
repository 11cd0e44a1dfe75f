//! The state of the window's small forms and prompts: the "Farm" window's
//! and the quit question's.

use crate::settings::FarmSettings;
use crossbeam_channel::Receiver;
use vidprism_engine::pipeline::JobRunner;

/// A farm being connected to, off the UI thread (an unreachable host
/// takes seconds to give up).
pub struct Connecting {
    pub(in crate::ui) farm: FarmSettings,
    pub(in crate::ui) result: Receiver<Result<Box<dyn JobRunner>, String>>,
}

/// The "Farm" window's state: the settings being edited, a connect under
/// way, and why the last one failed.
pub struct FarmForm {
    pub open: bool,
    pub draft: FarmSettings,
    pub error: Option<String>,
    pub connecting: Option<Connecting>,
}

impl FarmForm {
    pub fn new(settings: &FarmSettings) -> FarmForm {
        FarmForm {
            open: false,
            draft: settings.clone(),
            error: None,
            connecting: None,
        }
    }
}

/// Whether the user is being asked, or has said yes.
#[derive(Default)]
pub struct QuitPrompt {
    pub asking: bool,
    pub confirmed: bool,
}
