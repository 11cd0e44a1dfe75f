//! A worker's side of a work queue: pulling one message at a time, and
//! acknowledging, keeping alive or giving back each delivery.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, AckKind};
use async_nats::StatusCode;
use futures_util::StreamExt;
use tokio::runtime::Handle;

use super::{Cause, FarmError, WorkPolicy, WorkStage};

/// How long past its own expiry a pull may take before it is given up. A
/// pull given up while the server hands it a message loses that delivery
/// until the ack wait (and may use up the work's last try): on a loaded
/// machine the server's answer to a 1 s pull came more than 2 s late
/// (farm_hostile's playlist test then read "stopped without a word"), so
/// the grace is generous; a worker asked to stop with the server gone
/// still notices within PULL_WAIT plus this.
///
/// The pull is made here, not with the client's `fetch()`: its batch has a
/// timer of its own (expiry + 5 s) that ended the pull before this grace
/// did, and it looks at that timer before at a message already received,
/// so a delivery that came just then was dropped.
const PULL_GRACE: Duration = Duration::from_secs(8);

/// One stage's queue, as a worker pulls from it.
pub struct WorkQueue {
    pub(super) consumer: consumer::Consumer<consumer::pull::Config>,
    pub(super) client: async_nats::Client,
    pub(super) js: jetstream::Context,
    pub(super) handle: Handle,
    pub(super) policy: WorkPolicy,
    pub(super) stage: WorkStage,
}

/// The server's answers to a pull that carry no work: the pull expired
/// (408) or there was none (404).
fn no_work(status: StatusCode) -> bool {
    status == StatusCode::TIMEOUT || status == StatusCode::NOT_FOUND
}

impl WorkQueue {
    /// The policy the queue really has (the first worker's).
    pub fn policy(&self) -> WorkPolicy {
        self.policy
    }

    /// The next piece of work, or `None` if none came within `wait`: one
    /// pull request for one message, expiring after `wait` on the server,
    /// answered by the message or by the server's word that it expired.
    pub fn next(&self, wait: Duration) -> Result<Option<Delivery>, FarmError> {
        let action = format!("take {} work", self.stage.name());
        let fail = |e: Cause| FarmError::broker(&action, e);
        let info = self.consumer.cached_info();
        let subject = format!(
            "$JS.API.CONSUMER.MSG.NEXT.{}.{}",
            info.stream_name, info.name
        );
        let expires_ns = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        let request = serde_json::json!({ "batch": 1, "expires": expires_ns });
        self.handle.block_on(async {
            let inbox = self.client.new_inbox();
            let mut answers = self
                .client
                .subscribe(inbox.clone())
                .await
                .map_err(|e| fail(e.into()))?;
            self.client
                .publish_with_reply(subject, inbox, request.to_string().into())
                .await
                .map_err(|e| fail(e.into()))?;
            // With the server gone the pull would wait for an answer
            // forever; the worker must still notice it is asked to stop.
            let answer = tokio::time::timeout(wait + PULL_GRACE, answers.next()).await;
            let message = match answer {
                Err(_) => return Err(fail("the server did not answer".into())),
                Ok(None) => return Err(fail("it ended".into())),
                Ok(Some(message)) => message,
            };
            match message.status {
                Some(status) if no_work(status) => Ok(None),
                Some(status) if status != StatusCode::OK => Err(fail(
                    format!(
                        "{status}: {}",
                        message.description.as_deref().unwrap_or("no reason given")
                    )
                    .into(),
                )),
                _ => Ok(Some(Delivery {
                    message: jetstream::Message {
                        message,
                        context: self.js.clone(),
                    },
                    handle: self.handle.clone(),
                    ack_wait: self.policy.ack_wait,
                })),
            }
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
