//! The farm: the same three stages on several machines, connected through
//! NATS JetStream instead of in-process channels. The local pipeline stays
//! the default; a farm is another way to connect the engine's stages.
//!
//! ```text
//! FarmClient --source--> object store <--fetch-- FarmWorker (ingest: probe, plan)
//!     |  --work--> VIDPRISM_INGEST --------------> |  --work--> VIDPRISM_THUMBNAIL --> workers
//!     |                                            +  --work--> VIDPRISM_TRANSCODE --> workers
//!     <------------- VIDPRISM_EVENTS (news per job) <---------------------------------+
//! ```
//!
//! Only `broker/` talks to NATS; `wire.rs` is what travels; `worker/`
//! and `client/` are the two ends.

mod broker;
mod checked_dir;
mod client;
mod connect;
mod error;
mod identity;
pub mod news_proof;
mod path_map;
mod retry;
pub mod server_config;
mod server_config_read;
mod shared_roots;
mod source_cache;
mod wire;
mod wire_check;
#[cfg(test)]
mod wire_generated;
mod worker;
mod worker_login;

pub use broker::WorkPolicy;
pub use checked_dir::CheckedDir;
pub use client::FarmClient;
pub use connect::FarmConnection;
pub use error::FarmError;
pub use identity::worker_name;
pub use path_map::PathMap;
pub use wire::{Files, WorkStage};
pub use worker::{FarmWorker, Stopper, WorkerConfig};

/// A mutex's guard, also after a thread panicked holding it (the data
/// stays usable: counters and caches).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
