//! A worker's side of a work queue: pulling one message at a time, and
//! acknowledging, keeping alive or giving back each delivery.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, AckKind};
use futures_util::StreamExt;
use tokio::runtime::Handle;

use super::{FarmError, WorkPolicy, WorkStage};

/// How long past its own expiry a pull may take before it is given up. A
/// pull given up while the server hands it a message loses that delivery
/// until the ack wait (and may use up the work's last try): on a loaded
/// machine the server's answer to a 1 s pull came more than 2 s late
/// (farm_hostile's playlist test then read "stopped without a word"), so
/// the grace is generous; a worker asked to stop with the server gone
/// still notices within PULL_WAIT plus this.
const PULL_GRACE: Duration = Duration::from_secs(8);

/// One stage's queue, as a worker pulls from it.
pub struct WorkQueue {
    pub(super) consumer: consumer::Consumer<consumer::pull::Config>,
    pub(super) handle: Handle,
    pub(super) policy: WorkPolicy,
    pub(super) stage: WorkStage,
}

impl WorkQueue {
    /// The policy the queue really has (the first worker's).
    pub fn policy(&self) -> WorkPolicy {
        self.policy
    }

    /// The next piece of work, or `None` if none came within `wait`.
    pub fn next(&self, wait: Duration) -> Result<Option<Delivery>, FarmError> {
        let action = format!("take {} work", self.stage.name());
        let pull = async {
            let mut batch = self
                .consumer
                .fetch()
                .max_messages(1)
                .expires(wait)
                .messages()
                .await
                .map_err(|e| FarmError::broker(&action, e))?;
            match batch.next().await {
                None => Ok(None),
                Some(Ok(message)) => Ok(Some(Delivery {
                    message,
                    handle: self.handle.clone(),
                    ack_wait: self.policy.ack_wait,
                })),
                Some(Err(e)) => Err(FarmError::broker(&action, e)),
            }
        };
        // With the server gone the pull would wait for an answer forever;
        // the worker must still notice it is asked to stop.
        self.handle.block_on(async {
            tokio::time::timeout(wait + PULL_GRACE, pull)
                .await
                .unwrap_or_else(|_| Err(FarmError::broker(&action, "the server did not answer")))
        })
    }
}

/// One delivery of a work message: acknowledge it when done, keep it alive
/// while working, or give it back.
pub struct Delivery {
    message: jetstream::Message,
    handle: Handle,
    /// The queue's own ack wait (set by the worker that created it).
    ack_wait: Duration,
}

impl Delivery {
    /// How often to [`keep_alive`](Self::keep_alive): a third of the
    /// queue's ack wait, so one lost keep-alive costs nothing.
    pub fn keep_alive_every(&self) -> Duration {
        (self.ack_wait / 3).max(Duration::from_millis(200))
    }

    pub fn payload(&self) -> &[u8] {
        &self.message.payload
    }

    /// Which delivery this is: 1 the first time.
    pub fn attempt(&self) -> u32 {
        self.message
            .info()
            .map(|i| u32::try_from(i.delivered).unwrap_or(1))
            .unwrap_or(1)
    }

    fn ack_with(&self, kind: AckKind) -> Result<(), FarmError> {
        self.handle
            .block_on(self.message.ack_with(kind))
            .map_err(|e| FarmError::broker("acknowledge work", e))
    }

    /// Done: the message leaves the queue.
    pub fn ack(&self) -> Result<(), FarmError> {
        // Double ack: wait for the server to confirm, so a crash right after
        // cannot make the work run again.
        self.handle
            .block_on(self.message.double_ack())
            .map_err(|e| FarmError::broker("acknowledge work", e))
    }

    /// Still working: restarts the ack wait.
    pub fn keep_alive(&self) -> Result<(), FarmError> {
        self.ack_with(AckKind::Progress)
    }

    /// Unreadable: never deliver it again.
    pub fn give_up(&self) -> Result<(), FarmError> {
        self.ack_with(AckKind::Term)
    }

    /// Failed this time: deliver again after `delay`.
    pub fn retry_after(&self, delay: Duration) -> Result<(), FarmError> {
        self.ack_with(AckKind::Nak(Some(delay)))
    }
}
