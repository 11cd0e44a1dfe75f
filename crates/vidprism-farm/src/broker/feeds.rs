//! Things the broker pushes to us, read one at a time with a timeout: a
//! job's news, the broker's "max deliveries" advisories, workers' presence.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::consumer;
use futures_util::{Stream, StreamExt};
use tokio::runtime::Handle;

use super::{job_of_news_subject, Broker, FarmError, WorkStage, PROOF_HEADER};

/// A stream from the client, read from plain threads.
pub(super) struct Feed<S> {
    stream: Mutex<Option<S>>,
    handle: Handle,
}

impl<S: Stream + Unpin> Feed<S> {
    pub(super) fn new(stream: S, handle: Handle) -> Feed<S> {
        Feed {
            stream: Mutex::new(Some(stream)),
            handle,
        }
    }

    /// Follows another stream from now on (the old one is dropped).
    fn replace(&self, stream: S) {
        let old = self
            .stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(stream);
        let _inside = self.handle.enter();
        drop(old);
    }

    /// The next item, or `None` after `wait`.
    fn next(&self, wait: Duration, action: &str) -> Result<Option<S::Item>, FarmError> {
        let mut stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        let Some(stream) = stream.as_mut() else {
            return Ok(None);
        };
        self.handle
            .block_on(async { tokio::time::timeout(wait, stream.next()).await })
            .map_or(Ok(None), |item| match item {
                Some(item) => Ok(Some(item)),
                None => Err(FarmError::broker(action, "it ended")),
            })
    }
}

impl<S> Drop for Feed<S> {
    fn drop(&mut self) {
        // Unsubscribing spawns a task: it must happen inside the runtime.
        let _inside = self.handle.enter();
        drop(self.stream.get_mut().map(Option::take));
    }
}

/// News of jobs, in the order the broker stored it. If following breaks
/// (the server restarted, the consumer is gone), it follows again from
/// the message after the last one read, so nothing is missed or repeated.
pub struct NewsFeed {
    pub(super) feed: Feed<consumer::pull::Ordered>,
    pub(super) broker: Broker,
    pub(super) prefix: String,
    /// Stream sequence of the next message to read (0: from the start).
    pub(super) next_sequence: AtomicU64,
}

/// One piece of news as it came.
pub struct NewsMessage {
    /// The job key its subject names.
    pub job: String,
    pub payload: Vec<u8>,
    /// Its `Vidprism-Proof` header, if it has one.
    pub proof: Option<String>,
}

impl NewsFeed {
    /// The next news, or `None` after `wait`.
    pub fn next(&self, wait: Duration) -> Result<Option<NewsMessage>, FarmError> {
        const ACTION: &str = "follow the event stream";
        let failure = match self.feed.next(wait, ACTION) {
            Ok(None) => return Ok(None),
            Ok(Some(Ok(message))) => {
                if let Ok(info) = message.info() {
                    self.next_sequence
                        .store(info.stream_sequence + 1, Ordering::Relaxed);
                }
                let job = job_of_news_subject(&message.subject)
                    .unwrap_or_default()
                    .to_owned();
                let proof = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(PROOF_HEADER))
                    .map(|v| v.as_str().to_owned());
                return Ok(Some(NewsMessage {
                    job,
                    payload: message.payload.to_vec(),
                    proof,
                }));
            }
            Ok(Some(Err(e))) => FarmError::broker(ACTION, e),
            Err(e) => e,
        };
        let from = Some(self.next_sequence.load(Ordering::Relaxed)).filter(|&s| s > 0);
        match self.broker.news_messages(&self.prefix, from) {
            Ok(messages) => {
                tracing::info!(from = ?from, "following the event stream again after: {failure}");
                self.feed.replace(messages);
                Ok(None)
            }
            Err(_) => Err(failure),
        }
    }
}

/// One message the broker gave up on.
#[derive(Clone, Debug)]
pub struct Abandoned {
    pub job: String,
    pub stage: WorkStage,
    pub deliveries: u64,
    pub(super) stream: String,
    pub(super) sequence: u64,
}

/// The broker's "max deliveries" advisories for the work queues.
pub struct AbandonedFeed {
    pub(super) advisories: Feed<async_nats::Subscriber>,
    pub(super) broker: Broker,
}

impl AbandonedFeed {
    /// The next abandoned work, or `None` after `wait`.
    pub fn next(&self, wait: Duration) -> Result<Option<Abandoned>, FarmError> {
        let Some(advisory) = self.advisories.next(wait, "watch for abandoned work")? else {
            return Ok(None);
        };
        let advisory: serde_json::Value =
            serde_json::from_slice(&advisory.payload).map_err(|e| FarmError::BadMessage {
                reason: e.to_string(),
            })?;
        let (Some(stream), Some(sequence)) =
            (advisory["stream"].as_str(), advisory["stream_seq"].as_u64())
        else {
            return Ok(None);
        };
        let subject = self.broker.block_on(async {
            let message = self
                .broker
                .js
                .get_stream(stream)
                .await
                .map_err(|e| FarmError::broker("read abandoned work", e))?
                .get_raw_message(sequence)
                .await
                .map_err(|e| FarmError::broker("read abandoned work", e))?;
            Ok::<_, FarmError>(message.subject.to_string())
        })?;
        let Some((stage, job)) = subject
            .strip_prefix("vidprism.work.")
            .and_then(|rest| rest.split_once('.'))
        else {
            return Ok(None);
        };
        let Some(stage) = WorkStage::parse(stage) else {
            return Ok(None);
        };
        Ok(Some(Abandoned {
            job: job.to_owned(),
            stage,
            deliveries: advisory["deliveries"].as_u64().unwrap_or(0),
            stream: stream.to_owned(),
            sequence,
        }))
    }
}

/// Workers saying they are alive.
pub struct PresenceFeed(pub(super) Feed<async_nats::Subscriber>);

impl PresenceFeed {
    /// The next presence payload, or `None` after `wait`.
    pub fn next(&self, wait: Duration) -> Result<Option<Vec<u8>>, FarmError> {
        Ok(self
            .0
            .next(wait, "watch for workers")?
            .map(|message| message.payload.to_vec()))
    }
}
