//! Where a runner's jobs are born and its events gathered: the event
//! channel with the front end's waker, the job ids, and the drain that
//! lets the runner's threads finish when it shuts down. The engine and the
//! farm's client both hold one, so the two runners cannot differ there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver};

use super::emitter::{Emitter, Waker};
use super::event::{Event, EventKind, Queued};
use super::job::Job;
use super::request::JobRequest;

/// Events waiting for the front end.
pub const EVENT_CAPACITY: usize = 65_536;

pub struct EventHub {
    emitter: Emitter,
    events: Receiver<Event>,
    next_id: AtomicU64,
}

impl EventHub {
    /// `waker` is called after every event.
    pub fn new(waker: Option<Waker>) -> EventHub {
        EventHub::with_capacity(waker, EVENT_CAPACITY)
    }

    /// A hub holding at most `capacity` events for the front end; the
    /// stages wait when it is full.
    pub fn with_capacity(waker: Option<Waker>, capacity: usize) -> EventHub {
        let (tx, events) = bounded(capacity.max(1));
        EventHub {
            emitter: Emitter::new(tx, waker),
            events,
            next_id: AtomicU64::new(1),
        }
    }

    /// A new job with the next id, announced as queued; its events come
    /// out of [`events`](Self::events).
    pub fn new_job(&self, request: JobRequest) -> Job {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.emitter.emit(
            id,
            EventKind::Queued(Queued {
                input: request.input.clone(),
            }),
        );
        Job::new(id, request, self.emitter.clone())
    }

    /// Every job's events, in the order they were sent.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Joins the runner's threads while another thread drains the events,
    /// so none of them blocks on a full channel while shutting down.
    pub fn join_draining(&self, threads: impl IntoIterator<Item = JoinHandle<()>>) {
        let events = self.events.clone();
        // Ends when the last sender (this hub's) is dropped.
        let drainer = std::thread::spawn(move || while events.recv().is_ok() {});
        for thread in threads {
            let _ = thread.join();
        }
        drop(drainer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(input: &str) -> JobRequest {
        JobRequest {
            input: input.into(),
            presets: Vec::new(),
            out_dir: "out".into(),
        }
    }

    #[test]
    fn each_new_job_gets_the_next_id_and_is_announced_as_queued() {
        let hub = EventHub::new(None);
        let first = hub.new_job(request("a.mp4"));
        let second = hub.new_job(request("b.mp4"));
        assert_eq!((first.id(), second.id()), (1, 2));
        // Checked through the JSON, which must not change anyway.
        let queued: Vec<_> = hub
            .events()
            .try_iter()
            .map(|e| {
                let json = serde_json::to_value(&e).unwrap();
                (e.job, json["event"].clone(), json["input"].clone())
            })
            .collect();
        assert_eq!(
            queued,
            vec![
                (1, "queued".into(), "a.mp4".into()),
                (2, "queued".into(), "b.mp4".into()),
            ]
        );
    }

    #[test]
    fn threads_sending_into_a_full_channel_are_joined() {
        let hub = EventHub::new(None);
        let job = std::sync::Arc::new(hub.new_job(request("a.mp4")));
        let sender = std::sync::Arc::clone(&job);
        // More events than the channel holds, with nobody reading.
        let thread = std::thread::spawn(move || {
            for _ in 0..EVENT_CAPACITY + 10 {
                sender.emit(EventKind::Cancelled);
            }
        });
        hub.join_draining([thread]);
    }
}
