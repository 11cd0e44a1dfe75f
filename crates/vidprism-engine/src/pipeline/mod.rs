//! The event-driven pipeline: an ingest queue whose handler probes each
//! source and fans the job out onto a thumbnail queue and a transcode queue,
//! each drained by its own worker threads, all reporting on one event
//! channel.
//!
//! ```text
//! submit --> ingest (probe, plan) --+--> thumbnail queue --> thumbnail workers --+
//!                                   +--> transcode queue --> transcode workers --+--> events
//! ```
//!
//! The farm (`crate::farm`) connects the same stages through a broker; it
//! reaches into the pipeline only through [`for_farm`].

mod clock;
mod emitter;
mod engine;
mod event;
#[doc(hidden)]
pub mod for_farm;
mod gate;
mod hub;
mod job;
mod packaging;
mod priority;
mod progress;
mod quality_retry;
mod request;
mod runner;
mod stage_error;
mod stages;
mod stall;
pub(crate) mod target_cache;
mod target_quality;
mod worker;

pub use clock::elapsed_ms;
pub use engine::{Engine, EngineConfig, Waker, MAX_TRANSCODE_JOBS, QUEUE_CAPACITY};
pub use event::{
    Event, EventKind, JobDone, JobFailed, JobId, Output, Progress, QualityPlanned, Queued,
    RenditionFailed, RenditionSkipped, SourceFacts, Stage, StageStarted, Storyboard, Thumbnail,
};
pub use request::JobRequest;
pub use runner::JobRunner;
pub use stall::DEFAULT_STALL_TIMEOUT;
