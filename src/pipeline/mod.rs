//! The event-driven pipeline: an ingest queue whose handler probes each
//! source and fans the job out onto a thumbnail queue and a transcode queue,
//! each drained by its own worker threads, all reporting on one event
//! channel.
//!
//! ```text
//! submit --> ingest (probe, plan) --+--> thumbnail queue --> thumbnail workers --+
//!                                   +--> transcode queue --> transcode workers --+--> events
//! ```

mod clock;
mod emitter;
mod engine;
mod event;
mod gate;
mod job;
mod priority;
mod progress;
mod stages;
mod stall;
mod worker;

pub use clock::elapsed_ms;
pub use engine::{Engine, EngineConfig, JobRequest, Waker};
pub use event::{Event, EventKind, JobId, Stage};
pub use stall::DEFAULT_STALL_TIMEOUT;
