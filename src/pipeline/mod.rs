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
pub(crate) mod emitter;
mod engine;
mod event;
mod gate;
pub(crate) mod job;
mod priority;
mod progress;
mod runner;
pub(crate) mod stages;
pub(crate) mod stall;
pub(crate) mod worker;

pub use clock::elapsed_ms;
pub use engine::{Engine, EngineConfig, JobRequest, Waker};
pub use event::{
    Event, EventKind, JobDone, JobFailed, JobId, Output, Progress, Queued, RenditionFailed,
    RenditionSkipped, SourceFacts, Stage, StageStarted, Thumbnail,
};
pub use runner::JobRunner;
pub use stall::DEFAULT_STALL_TIMEOUT;
