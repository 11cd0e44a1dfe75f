//! The sending end of the event channel, with the front end's waker.

use std::sync::Arc;

use crossbeam_channel::Sender;

use super::clock::elapsed_ms;
use super::event::{Event, EventKind, JobId};

/// Called after every event so a UI can repaint; the engine knows nothing
/// else about the UI.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub struct Emitter {
    tx: Sender<Event>,
    waker: Option<Waker>,
}

impl Emitter {
    pub fn new(tx: Sender<Event>, waker: Option<Waker>) -> Emitter {
        Emitter { tx, waker }
    }

    /// Sends an event, waiting if the channel is full: these are events a
    /// front end must not miss.
    pub fn emit(&self, job: JobId, kind: EventKind) {
        let event = Event {
            job,
            t_ms: elapsed_ms(),
            kind,
        };
        // A front end that hung up no longer wants events.
        let _ = self.tx.send(event);
        self.wake();
    }

    /// Sends an event only if there is room: progress that a slow front end
    /// misses is replaced by the next one anyway.
    pub fn emit_lossy(&self, job: JobId, kind: EventKind) {
        let event = Event {
            job,
            t_ms: elapsed_ms(),
            kind,
        };
        if self.tx.try_send(event).is_ok() {
            self.wake();
        }
    }

    fn wake(&self) {
        if let Some(waker) = &self.waker {
            waker();
        }
    }
}
