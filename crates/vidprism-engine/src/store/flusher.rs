//! Batched fsync of the journal. Every change is written to the journal at
//! once (so it survives the process being killed), but making it survive a
//! power cut (fsync) costs milliseconds: a thread beside the store does it,
//! at most [`BATCH`] after a change, and at once for a change that must
//! survive (a job added, ended or removed). Changes that arrive while an
//! fsync runs share the next one, and nobody waits for the disk.

use std::fs::File;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::io_reason;

/// How long an ordinary change may wait for its fsync.
pub const BATCH: Duration = Duration::from_millis(200);

/// How soon a change must reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Within [`BATCH`].
    Soon,
    /// As soon as the disk can.
    Now,
}

#[derive(Default)]
struct State {
    dirty: bool,
    urgent: bool,
    stop: bool,
    /// Why the last fsync failed, until someone asks.
    failed: Option<String>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fsync thread of one file; stopping it (drop) syncs what is left.
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Flusher {
    pub fn start(file: Arc<File>) -> std::io::Result<Flusher> {
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("store-fsync".to_owned())
            .spawn(move || run(&theirs, &file))?;
        Ok(Flusher {
            shared,
            thread: Some(thread),
        })
    }

    /// Says something was written that must reach the disk.
    pub fn written(&self, urgency: Urgency) {
        let mut state = self.shared.lock();
        state.dirty = true;
        if urgency == Urgency::Now {
            state.urgent = true;
        }
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Why an fsync failed since the last call, if one did.
    pub fn take_failure(&self) -> Option<String> {
        self.shared.lock().failed.take()
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(shared: &Shared, file: &File) {
    let mut state = shared.lock();
    loop {
        while !state.dirty && !state.stop {
            state = shared.wake.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if !state.dirty {
            return; // stopped with nothing left to sync
        }
        if !state.urgent && !state.stop {
            state = shared
                .wake
                .wait_timeout_while(state, BATCH, |s| !s.urgent && !s.stop)
                .map(|(s, _)| s)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        state.dirty = false;
        state.urgent = false;
        drop(state);
        let synced = file.sync_data();
        state = shared.lock();
        if let Err(e) = synced {
            state.failed = Some(io_reason(&e));
        }
    }
}
