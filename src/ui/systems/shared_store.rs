//! The job store shared by the UI thread and the scanner thread.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use vidprism_engine::store::JobStore;

/// The job store, shared with the scanner thread, which records the files
/// it finds there so that adding them writes nothing on the UI thread.
#[derive(Clone)]
pub struct SharedStore(Arc<Mutex<JobStore>>);

impl SharedStore {
    pub fn new(store: JobStore) -> SharedStore {
        SharedStore(Arc::new(Mutex::new(store)))
    }

    /// The store, for one change or look. A thread that panicked while
    /// holding it left it as it was: each change is whole or not made.
    pub fn lock(&self) -> MutexGuard<'_, JobStore> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
