//! The farm's only door to NATS JetStream: the one module that uses the
//! async-nats client. It keeps a small tokio runtime to itself and offers
//! blocking calls, so the rest of VidPrism stays plain threads and
//! crossbeam channels.
//!
//! Layout on the broker:
//! - work-queue streams `VIDPRISM_INGEST`, `VIDPRISM_THUMBNAIL`,
//!   `VIDPRISM_TRANSCODE` on `vidprism.work.<stage>.<job>`, each drained by
//!   one shared durable pull consumer (`workers`): a message goes to one
//!   worker, and back to the queue if it is not acknowledged in time;
//! - the stream `VIDPRISM_EVENTS` on `vidprism.events.<job>`, one subject per
//!   job, kept a day;
//! - the object store buckets `vidprism-sources` (written by submitters,
//!   only read by workers), `vidprism-outputs-<login>` (written by one
//!   per-worker login only, made by its worker) and `vidprism-outputs`
//!   (written by workers of a shared login);
//! - the stream `VIDPRISM_CANCELLED` on `vidprism.cancelled.<job>`: jobs
//!   their submitter cancelled (a plain stream, not a key-value bucket, so
//!   that NATS 2.9 servers, Debian 12's, work too);
//! - plain (not stored) subjects `vidprism.workers.<name>`: workers saying
//!   they are alive.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, object_store, stream};
use tokio::runtime::Runtime;

use super::connect::FarmConnection;
use super::error::{Cause, FarmError};
use super::lock;
use super::news_proof::PROOF_HEADER;
use super::wire::WorkStage;
use super::worker_login::WorkerLogin;

mod feeds;
mod layout;
mod options;
mod permissions;
mod work;

use feeds::Feed;
pub use feeds::{Abandoned, AbandonedFeed, NewsFeed, NewsMessage, PresenceFeed};
use layout::{create_layout, ensure_bucket};
pub(crate) use options::login_user;
use options::options;
pub use permissions::{submitter_permissions, worker_permissions, Permissions};
pub use work::{Delivery, WorkQueue};

const EVENTS_STREAM: &str = "VIDPRISM_EVENTS";
/// The object store's buckets, each written by one side only.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Jobs' sources: a submitter writes and removes them, workers only
    /// read them, so no worker can replace another job's source.
    Sources,
    /// What workers made under a shared login (a server an older `farm
    /// init` set up, or none), read and removed by the submitter.
    Outputs,
    /// What one per-worker login made: only that login writes it (see
    /// `worker_login`), the submitter reads and removes it.
    OutputsOf(WorkerLogin),
}

impl Bucket {
    /// The buckets every farm has.
    pub const ALL: [Bucket; 2] = [Bucket::Sources, Bucket::Outputs];

    pub fn name(&self) -> String {
        match self {
            Bucket::Sources => "vidprism-sources".into(),
            Bucket::Outputs => "vidprism-outputs".into(),
            Bucket::OutputsOf(login) => format!("vidprism-outputs-{login}"),
        }
    }

    /// The outputs bucket called `name` (as a worker's news names it):
    /// never the sources'.
    pub fn outputs_named(name: &str) -> Option<Bucket> {
        let outputs = Bucket::Outputs.name();
        if name == outputs {
            return Some(Bucket::Outputs);
        }
        let login = name.strip_prefix(&outputs)?.strip_prefix('-')?;
        WorkerLogin::parse(login).map(Bucket::OutputsOf)
    }

    /// The stream that holds the bucket.
    fn stream(&self) -> String {
        format!("OBJ_{}", self.name())
    }
}
const CANCELLED_STREAM: &str = "VIDPRISM_CANCELLED";
const WORKERS_CONSUMER: &str = "workers";
/// How long news and cancel marks are kept on the broker.
const KEEP: Duration = Duration::from_secs(24 * 3600);
/// Work published twice with the same id inside this window is stored once
/// (an ingest redelivered after it fanned out must not fan out again).
const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a flush waits for the broker.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

fn stream_name(stage: WorkStage) -> String {
    format!("VIDPRISM_{}", stage.name().to_ascii_uppercase())
}

pub fn work_subject(stage: WorkStage, job: &str) -> String {
    format!("vidprism.work.{}.{job}", stage.name())
}

pub fn news_subject(job: &str) -> String {
    format!("vidprism.events.{job}")
}

fn cancel_subject(job: &str) -> String {
    format!("vidprism.cancelled.{job}")
}

fn presence_subject(worker: &str) -> String {
    format!("vidprism.workers.{worker}")
}

/// The broker's word that a work message was given up.
fn max_deliveries_subject() -> String {
    format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*.{WORKERS_CONSUMER}")
}

/// The job key of a news subject.
pub fn job_of_news_subject(subject: &str) -> Option<&str> {
    subject.strip_prefix("vidprism.events.")
}

/// A connection to the farm's broker, with every stream and bucket in
/// place. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Broker {
    runtime: Arc<Runtime>,
    client: async_nats::Client,
    js: jetstream::Context,
    sources: object_store::ObjectStore,
    outputs: object_store::ObjectStore,
    /// This login's own outputs bucket, when it is a per-worker login.
    own: Option<(WorkerLogin, object_store::ObjectStore)>,
    /// Per-worker buckets opened to read (a submitter's).
    others: Arc<Mutex<HashMap<WorkerLogin, object_store::ObjectStore>>>,
    cancelled: stream::Stream,
    url: String,
}

/// How work consumers are set up by the first worker that creates them.
#[derive(Clone, Copy, Debug)]
pub struct WorkPolicy {
    /// A delivery not acknowledged (nor kept alive) for this long goes to
    /// another worker.
    pub ack_wait: Duration,
    /// Deliveries of one message before it is given up.
    pub tries: u32,
}

impl Broker {
    /// Connects, then creates the streams and buckets that are missing.
    pub fn connect(connection: &FarmConnection) -> Result<Broker, FarmError> {
        let url = connection.display_url();
        let connect_error = |reason: Cause| FarmError::Connect {
            url: url.clone(),
            reason,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("nats")
            .enable_all()
            .build()
            .map_err(|e| connect_error(e.into()))?;
        let runtime = Arc::new(runtime);
        let client = runtime
            .block_on(async {
                options(connection)
                    .await
                    .map_err(Cause::from)?
                    .connect(connection.url.as_str())
                    .await
                    .map_err(Cause::from)
            })
            .map_err(connect_error)?;
        // The JetStream context spawns its acker task on the runtime.
        let js = {
            let _inside = runtime.enter();
            jetstream::new(client.clone())
        };
        let (sources, outputs, cancelled) = runtime.block_on(create_layout(&js))?;
        let own = match WorkerLogin::of(connection) {
            Some(login) => {
                let bucket = Bucket::OutputsOf(login.clone());
                Some((login, runtime.block_on(ensure_bucket(&js, &bucket))?))
            }
            None => None,
        };
        Ok(Broker {
            runtime,
            client,
            js,
            sources,
            outputs,
            own,
            others: Arc::default(),
            cancelled,
            url,
        })
    }

    /// The broker's address, without credentials.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub(super) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Queues work; `id` makes a second publish of the same work a no-op.
    pub fn publish_work(
        &self,
        stage: WorkStage,
        job: &str,
        id: &str,
        payload: Vec<u8>,
    ) -> Result<(), FarmError> {
        let action = format!("queue {} work", stage.name());
        self.block_on(async {
            let message = jetstream::message::PublishMessage::build()
                .payload(payload.into())
                .message_id(id);
            self.js
                .send_publish(work_subject(stage, job), message)
                .await
                .map_err(|e| FarmError::broker(&action, e))?
                .await
                .map_err(|e| FarmError::broker(&action, e))?;
            Ok(())
        })
    }

    /// Publishes news of a job, with its proof (see `news_proof`) when
    /// there is one. With `confirm`, waits until the broker has stored it
    /// (results); without, returns once it is sent (progress).
    pub fn publish_news(
        &self,
        job: &str,
        payload: Vec<u8>,
        proof: Option<String>,
        confirm: bool,
    ) -> Result<(), FarmError> {
        self.block_on(async {
            let subject = news_subject(job);
            let sent = match proof {
                Some(proof) => {
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert(PROOF_HEADER, proof.as_str());
                    self.js
                        .publish_with_headers(subject, headers, payload.into())
                        .await
                }
                None => self.js.publish(subject, payload.into()).await,
            };
            let ack = sent.map_err(|e| FarmError::broker("send news", e))?;
            if confirm {
                ack.await.map_err(|e| FarmError::broker("store news", e))?;
            }
            Ok(())
        })
    }

    /// The shared consumer of one stage's work queue, created with
    /// `policy` if it does not exist yet (else the existing one's policy
    /// holds, see [`WorkQueue::policy`]).
    pub fn work_queue(&self, stage: WorkStage, policy: WorkPolicy) -> Result<WorkQueue, FarmError> {
        let action = format!("open the {} queue", stage.name());
        let consumer = self.block_on(async {
            let stream = self
                .js
                .get_stream(stream_name(stage))
                .await
                .map_err(|e| FarmError::broker(&action, e))?;
            stream
                .get_or_create_consumer(
                    WORKERS_CONSUMER,
                    consumer::pull::Config {
                        durable_name: Some(WORKERS_CONSUMER.into()),
                        ack_policy: consumer::AckPolicy::Explicit,
                        ack_wait: policy.ack_wait,
                        max_deliver: i64::from(policy.tries.max(1)),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| FarmError::broker(&action, e))
        })?;
        let info = &consumer.cached_info().config;
        let policy = WorkPolicy {
            ack_wait: info.ack_wait,
            tries: u32::try_from(info.max_deliver).unwrap_or(u32::MAX),
        };
        Ok(WorkQueue {
            consumer,
            client: self.client.clone(),
            js: self.js.clone(),
            handle: self.runtime.handle().clone(),
            policy,
            stage,
        })
    }

    /// Every job's news whose key starts with `prefix.`, from the first
    /// stored message on, in order.
    pub fn news_feed(&self, prefix: &str) -> Result<NewsFeed, FarmError> {
        let messages = self.news_messages(prefix, None)?;
        Ok(NewsFeed {
            feed: Feed::new(messages, self.runtime.handle().clone()),
            broker: self.clone(),
            prefix: prefix.to_owned(),
            next_sequence: AtomicU64::new(0),
        })
    }

    /// An ordered consumer of the news under `prefix`, from the stored
    /// message `from` on (the first one when `None`).
    fn news_messages(
        &self,
        prefix: &str,
        from: Option<u64>,
    ) -> Result<consumer::pull::Ordered, FarmError> {
        let deliver_policy = match from {
            Some(start_sequence) => consumer::DeliverPolicy::ByStartSequence { start_sequence },
            None => consumer::DeliverPolicy::All,
        };
        self.block_on(async {
            let stream = self
                .js
                .get_stream(EVENTS_STREAM)
                .await
                .map_err(|e| FarmError::broker("open the event stream", e))?;
            let consumer = stream
                .create_consumer(consumer::pull::OrderedConfig {
                    filter_subject: format!("{}.>", news_subject(prefix)),
                    deliver_policy,
                    ..Default::default()
                })
                .await
                .map_err(|e| FarmError::broker("follow the event stream", e))?;
            consumer
                .messages()
                .await
                .map_err(|e| FarmError::broker("follow the event stream", e))
        })
    }

    /// Work given up by the broker because every worker that took it
    /// vanished without a word (killed, crashed) on every try.
    pub fn abandoned_work(&self) -> Result<AbandonedFeed, FarmError> {
        let subscriber = self
            .block_on(self.client.subscribe(max_deliveries_subject()))
            .map_err(|e| FarmError::broker("watch for abandoned work", e))?;
        Ok(AbandonedFeed {
            advisories: Feed::new(subscriber, self.runtime.handle().clone()),
            broker: self.clone(),
        })
    }

    /// Removes abandoned work from its queue.
    pub fn discard(&self, abandoned: &Abandoned) {
        let removed = self.block_on(async {
            self.js
                .get_stream(&abandoned.stream)
                .await?
                .delete_message(abandoned.sequence)
                .await
                .map_err(async_nats::Error::from)
        });
        if let Err(e) = removed {
            tracing::debug!(job = %abandoned.job, error = %e, "abandoned work not removed");
        }
    }

    /// Says a worker is alive (plain NATS, not stored: only who is
    /// listening now needs to know).
    pub fn announce_worker(&self, name: &str, payload: Vec<u8>) {
        let sent = self.block_on(self.client.publish(presence_subject(name), payload.into()));
        if let Err(e) = sent {
            tracing::debug!(error = %e, "presence not sent");
        }
    }

    /// Workers' presence messages, as they come.
    pub fn worker_presence(&self) -> Result<PresenceFeed, FarmError> {
        let subscriber = self
            .block_on(self.client.subscribe(presence_subject("*")))
            .map_err(|e| FarmError::broker("watch for workers", e))?;
        Ok(PresenceFeed(Feed::new(
            subscriber,
            self.runtime.handle().clone(),
        )))
    }

    /// Where this login puts the outputs it makes: its own bucket when it
    /// is a per-worker login, else the shared one.
    pub fn outputs_bucket(&self) -> Bucket {
        match &self.own {
            Some((login, _)) => Bucket::OutputsOf(login.clone()),
            None => Bucket::Outputs,
        }
    }

    /// The store of `bucket`; another worker's is opened at its first use
    /// (its worker made it before naming it).
    async fn bucket(&self, bucket: &Bucket) -> Result<object_store::ObjectStore, Cause> {
        let login = match bucket {
            Bucket::Sources => return Ok(self.sources.clone()),
            Bucket::Outputs => return Ok(self.outputs.clone()),
            Bucket::OutputsOf(login) => login,
        };
        if let Some((own, store)) = &self.own {
            if own == login {
                return Ok(store.clone());
            }
        }
        if let Some(store) = lock(&self.others).get(login) {
            return Ok(store.clone());
        }
        let store = self.js.get_object_store(bucket.name()).await?;
        lock(&self.others).insert(login.clone(), store.clone());
        Ok(store)
    }

    /// Stores a file in `bucket` under `name`; returns its size and the
    /// digest the store gave its content.
    pub fn put_file(
        &self,
        bucket: Bucket,
        name: &str,
        path: &Path,
    ) -> Result<(u64, String), FarmError> {
        let transfer = |reason: Cause| FarmError::Transfer {
            file: path.to_path_buf(),
            action: "send it",
            reason,
        };
        self.block_on(async {
            let mut file = tokio::fs::File::open(path)
                .await
                .map_err(|e| transfer(e.into()))?;
            let info = self
                .bucket(&bucket)
                .await
                .map_err(transfer)?
                .put(name, &mut file)
                .await
                .map_err(|e| transfer(e.into()))?;
            Ok((info.size as u64, info.digest.unwrap_or_default()))
        })
    }

    /// Fetches the object `name` into the file at `path`: made if missing,
    /// emptied if there (a temporary file made for it), never through a
    /// symbolic link. An object larger than `max_bytes` (what its sender
    /// declared) is cut off and refused, and so is one whose digest is not
    /// `digest` when one is given (the store checks the content against
    /// the digest while it is read).
    pub fn get_file(
        &self,
        bucket: Bucket,
        name: &str,
        path: &Path,
        max_bytes: u64,
        digest: Option<&str>,
    ) -> Result<u64, FarmError> {
        let transfer = |reason: Cause| FarmError::Transfer {
            file: path.to_path_buf(),
            action: "fetch it",
            reason,
        };
        self.block_on(async {
            let mut object = self
                .bucket(&bucket)
                .await
                .map_err(transfer)?
                .get(name)
                .await
                .map_err(|e| transfer(e.into()))?;
            if digest.is_some_and(|d| object.info.digest.as_deref() != Some(d)) {
                return Err(transfer(
                    "it is not the file its worker sent (another content replaced it)".into(),
                ));
            }
            let mut file = tokio::fs::File::from_std(
                vidprism_engine::output::open_no_follow(path).map_err(|e| transfer(e.into()))?,
            );
            // One byte more than allowed tells a larger object; at the
            // largest size there is none more to read.
            let limit = max_bytes.saturating_add(1);
            let mut bounded = tokio::io::AsyncReadExt::take(&mut object, limit);
            let bytes = tokio::io::copy(&mut bounded, &mut file)
                .await
                .map_err(|e| transfer(e.into()))?;
            if bytes > max_bytes {
                return Err(transfer(
                    format!("it is larger than the {max_bytes} bytes allowed (its declared size, or what its job may still take)")
                        .into(),
                ));
            }
            file.sync_all().await.map_err(|e| transfer(e.into()))?;
            Ok(bytes)
        })
    }

    /// Removes an object; one that is already gone is fine.
    pub fn delete_file(&self, bucket: Bucket, name: &str) {
        let deleted = self.block_on(async {
            let store = self.bucket(&bucket).await?;
            store.delete(name).await.map_err(Cause::from)
        });
        if let Err(e) = deleted {
            tracing::debug!(object = name, error = %e, "object not deleted");
        }
    }

    /// Marks a job cancelled for every worker.
    pub fn cancel_job(&self, job: &str) -> Result<(), FarmError> {
        self.block_on(async {
            self.js
                .publish(cancel_subject(job), "cancelled".into())
                .await
                .map_err(|e| FarmError::broker("cancel a job", e))?
                .await
                .map_err(|e| FarmError::broker("cancel a job", e))
        })
        .map(|_| ())
    }

    /// Whether the job's submitter cancelled it. A broker that cannot be
    /// asked says no: the work goes on rather than being lost.
    pub fn is_cancelled(&self, job: &str) -> bool {
        self.block_on(
            self.cancelled
                .get_last_raw_message_by_subject(&cancel_subject(job)),
        )
        .is_ok()
    }

    /// Waits (a little) until everything published has reached the
    /// broker; a broker that is gone is not waited for.
    pub fn flush(&self) {
        // The timer must be made inside the runtime.
        let _ =
            self.block_on(async { tokio::time::timeout(FLUSH_WAIT, self.client.flush()).await });
    }
}

#[cfg(test)]
#[path = "../../../../tests/it/util/nats_server.rs"]
mod nats_server;

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 26: both logins may write the outputs' bucket, so another
    /// worker could replace a job's output after its worker sent it. The
    /// digest the store gave the object its worker sent travels in the
    /// news; an object with another digest under that name is refused,
    /// even a whole, self-consistent one.
    #[test]
    fn an_object_replaced_after_its_digest_was_told_is_refused() {
        let server = nats_server::NatsServer::start(&[]);
        let broker = Broker::connect(&FarmConnection::new(server.url.clone())).expect("connect");
        let dir = tempfile::tempdir().unwrap();
        let (made, forged) = (dir.path().join("made"), dir.path().join("forged"));
        std::fs::write(&made, b"the worker's rendition").unwrap();
        std::fs::write(&forged, b"another worker's file").unwrap();
        let name = "1.1/720p.mp4";
        let (bytes, told) = broker.put_file(Bucket::Outputs, name, &made).unwrap();
        assert_eq!(bytes, 22);
        assert!(told.starts_with("SHA-256="), "{told}");
        let fetched = dir.path().join("fetched");
        broker
            .get_file(Bucket::Outputs, name, &fetched, 100, Some(&told))
            .expect("the content told");
        assert_eq!(std::fs::read(&fetched).unwrap(), b"the worker's rendition");

        let (_, other) = broker.put_file(Bucket::Outputs, name, &forged).unwrap();
        assert_ne!(other, told);
        let refused = broker.get_file(Bucket::Outputs, name, &fetched, 100, Some(&told));
        let error = refused.expect_err("a replaced object").to_string();
        assert!(error.contains("not the file its worker sent"), "{error}");
        // Without a digest (a source), whatever is there is read.
        broker
            .get_file(Bucket::Outputs, name, &fetched, 100, None)
            .unwrap();
        assert_eq!(std::fs::read(&fetched).unwrap(), b"another worker's file");
    }
}
