//! What each of the farm's two logins may do on the broker, as NATS
//! subjects: derived here, beside the layout, from the same stream,
//! bucket and consumer names the broker code uses, so that a locked-down
//! server (`vidprism farm init`) allows exactly what VidPrism does.
//!
//! - A worker pulls and acknowledges work, reads sources and writes
//!   outputs in the object store, publishes news and presence and reads
//!   cancel marks; it never publishes work, and never writes, replaces or
//!   purges a source (the sources' bucket is the submitters' alone).
//! - A submitter publishes work and cancel marks, sends sources, reads
//!   news, presence and outputs, removes outputs and abandoned work; it
//!   never pulls work.
//! - Both may create the layout (whoever connects first does) but never
//!   delete or change a stream. Replies come on `_INBOX.>`, which both
//!   read (the client has one inbox prefix for every login); neither may
//!   publish there, so neither can forge the other's replies.

use super::{
    cancel_subject, news_subject, presence_subject, stream_name, Bucket, WorkStage,
    CANCELLED_STREAM, EVENTS_STREAM, WORKERS_CONSUMER,
};

/// The JetStream API's subject prefix.
const API: &str = "$JS.API";
/// Where the broker sends replies (the client's default inbox prefix).
const INBOX: &str = "_INBOX.>";

/// The subjects one login may publish and subscribe to. A denied subject
/// wins over an allowed one (the server's rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permissions {
    pub publish_allow: Vec<String>,
    pub publish_deny: Vec<String>,
    pub subscribe_allow: Vec<String>,
}

fn work_streams() -> impl Iterator<Item = String> {
    WorkStage::ALL.into_iter().map(stream_name)
}

/// Every subject of the work queues (`vidprism.work.>`).
fn all_work() -> String {
    super::work_subject(WorkStage::Ingest, "")
        .trim_end_matches('.')
        .rsplit_once('.')
        .map(|(prefix, _stage)| format!("{prefix}.>"))
        .unwrap_or_default()
}

/// What both logins need: finding or creating the layout.
fn common() -> Vec<String> {
    let mut allow = Vec::new();
    let buckets = Bucket::ALL.into_iter().map(Bucket::stream);
    for stream in work_streams()
        .chain([EVENTS_STREAM.into(), CANCELLED_STREAM.into()])
        .chain(buckets)
    {
        allow.push(format!("{API}.STREAM.INFO.{stream}"));
        allow.push(format!("{API}.STREAM.CREATE.{stream}"));
    }
    allow
}

/// Reading a bucket's objects: their description (direct or stored
/// message get) and their chunks (an ordered consumer, with flow control).
fn read_bucket(bucket: Bucket) -> Vec<String> {
    let stream = bucket.stream();
    vec![
        format!("{API}.STREAM.MSG.GET.{stream}"),
        format!("{API}.DIRECT.GET.{stream}"),
        format!("{API}.DIRECT.GET.{stream}.>"),
        format!("{API}.CONSUMER.CREATE.{stream}"),
        format!("{API}.CONSUMER.CREATE.{stream}.>"),
        format!("{API}.CONSUMER.INFO.{stream}.>"),
        format!("{API}.CONSUMER.DELETE.{stream}.>"),
        format!("{API}.CONSUMER.MSG.NEXT.{stream}.>"),
        format!("$JS.FC.{stream}.>"),
    ]
}

/// Writing a bucket: its chunks and descriptions, and purging chunks (an
/// object replaced or removed).
fn write_bucket(bucket: Bucket) -> Vec<String> {
    vec![
        format!("$O.{}.>", bucket.name()),
        format!("{API}.STREAM.PURGE.{}", bucket.stream()),
    ]
}

/// A worker: pulls work, never publishes it.
pub fn worker_permissions() -> Permissions {
    let mut publish_allow = common();
    publish_allow.extend(read_bucket(Bucket::Sources));
    publish_allow.extend(read_bucket(Bucket::Outputs));
    publish_allow.extend(write_bucket(Bucket::Outputs));
    for stream in work_streams() {
        let consumer = format!("{stream}.{WORKERS_CONSUMER}");
        publish_allow.extend([
            format!("{API}.CONSUMER.INFO.{consumer}"),
            format!("{API}.CONSUMER.CREATE.{consumer}"),
            format!("{API}.CONSUMER.CREATE.{consumer}.>"),
            format!("{API}.CONSUMER.DURABLE.CREATE.{consumer}"),
            format!("{API}.CONSUMER.MSG.NEXT.{consumer}"),
            format!("$JS.ACK.{consumer}.>"),
        ]);
    }
    publish_allow.extend([
        news_subject(">"),
        presence_subject("*"),
        format!("{API}.STREAM.MSG.GET.{CANCELLED_STREAM}"),
    ]);
    // Sources are read only: no chunk, description, purge or removal.
    let mut publish_deny = vec![all_work()];
    publish_deny.extend(write_bucket(Bucket::Sources));
    publish_deny.push(format!(
        "{API}.STREAM.MSG.DELETE.{}",
        Bucket::Sources.stream()
    ));
    Permissions {
        publish_allow,
        publish_deny,
        subscribe_allow: vec![INBOX.into()],
    }
}

/// A submitter: publishes work, never pulls it.
pub fn submitter_permissions() -> Permissions {
    let mut publish_allow = common();
    for bucket in Bucket::ALL {
        publish_allow.extend(read_bucket(bucket));
        publish_allow.extend(write_bucket(bucket));
    }
    publish_allow.extend([all_work(), cancel_subject(">")]);
    // News: an ordered consumer of its own jobs' subjects, made again
    // after a broken connection.
    for api in ["CREATE", "INFO", "DELETE", "MSG.NEXT"] {
        publish_allow.push(format!("{API}.CONSUMER.{api}.{EVENTS_STREAM}.>"));
    }
    publish_allow.push(format!("{API}.CONSUMER.CREATE.{EVENTS_STREAM}"));
    let mut publish_deny = Vec::new();
    for stream in work_streams() {
        // Reading and removing work that every worker lost.
        publish_allow.push(format!("{API}.STREAM.MSG.GET.{stream}"));
        publish_allow.push(format!("{API}.STREAM.MSG.DELETE.{stream}"));
        publish_deny.extend([
            format!("{API}.CONSUMER.MSG.NEXT.{stream}"),
            format!("{API}.CONSUMER.MSG.NEXT.{stream}.>"),
            format!("{API}.CONSUMER.CREATE.{stream}"),
            format!("{API}.CONSUMER.CREATE.{stream}.>"),
            format!("{API}.CONSUMER.DURABLE.CREATE.{stream}.>"),
            format!("$JS.ACK.{stream}.>"),
        ]);
    }
    Permissions {
        publish_allow,
        publish_deny,
        subscribe_allow: vec![
            INBOX.into(),
            presence_subject("*"),
            super::max_deliveries_subject(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a NATS subject pattern (`*` one token, `>` the rest)
    /// matches a subject.
    fn matches(pattern: &str, subject: &str) -> bool {
        let mut subject = subject.split('.');
        for token in pattern.split('.') {
            match (token, subject.next()) {
                (">", Some(_)) => return true,
                ("*", Some(_)) => {}
                (t, Some(s)) if t == s => {}
                _ => return false,
            }
        }
        subject.next().is_none()
    }

    fn may_publish(p: &Permissions, subject: &str) -> bool {
        p.publish_allow.iter().any(|a| matches(a, subject))
            && !p.publish_deny.iter().any(|d| matches(d, subject))
    }

    #[test]
    fn the_matcher_follows_nats_wildcards() {
        assert!(matches("a.>", "a.b.c"));
        assert!(!matches("a.>", "a"));
        assert!(matches("a.*", "a.b"));
        assert!(!matches("a.*", "a.b.c"));
        assert!(!matches("a.b", "a.b.c"));
    }

    #[test]
    fn a_worker_pulls_and_reports_but_never_publishes_work() {
        let w = worker_permissions();
        for stage in WorkStage::ALL {
            let stream = stream_name(stage);
            assert!(!may_publish(&w, &super::super::work_subject(stage, "x.1")));
            assert!(may_publish(
                &w,
                &format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.workers")
            ));
            assert!(may_publish(
                &w,
                &format!("$JS.ACK.{stream}.workers.1.2.3.4.5.6")
            ));
        }
        assert!(may_publish(&w, &news_subject("host-1.3")));
        assert!(may_publish(&w, &presence_subject("render-2")));
        assert!(may_publish(&w, "$O.vidprism-outputs.C.abc"));
        assert!(may_publish(&w, "$O.vidprism-outputs.M.abc"));
        assert!(may_publish(
            &w,
            "$JS.API.DIRECT.GET.OBJ_vidprism-sources.$O.vidprism-sources.M.abc"
        ));
        // Sources are read only.
        for subject in [
            "$O.vidprism-sources.C.abc",
            "$O.vidprism-sources.M.abc",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-sources",
            "$JS.API.STREAM.MSG.DELETE.OBJ_vidprism-sources",
        ] {
            assert!(!may_publish(&w, subject), "{subject}");
        }
        assert!(!may_publish(&w, &cancel_subject("host-1.3")));
        // No other consumer: news and cancel marks stay unread.
        assert!(!may_publish(
            &w,
            "$JS.API.CONSUMER.CREATE.VIDPRISM_EVENTS.x.vidprism.events.>"
        ));
        assert!(!may_publish(&w, "$JS.API.STREAM.DELETE.VIDPRISM_INGEST"));
        assert!(!may_publish(&w, "_INBOX.abc"));
    }

    #[test]
    fn a_submitter_queues_work_but_never_pulls_it() {
        let s = submitter_permissions();
        for stage in WorkStage::ALL {
            let stream = stream_name(stage);
            assert!(may_publish(&s, &super::super::work_subject(stage, "x.1")));
            for pull in [
                format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.workers"),
                format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.mine"),
                format!("$JS.API.CONSUMER.CREATE.{stream}.mine"),
                format!("$JS.API.CONSUMER.CREATE.{stream}"),
                format!("$JS.ACK.{stream}.workers.1.2.3.4.5.6"),
            ] {
                assert!(!may_publish(&s, &pull), "{pull}");
            }
        }
        assert!(may_publish(&s, &cancel_subject("host-1.3")));
        for subject in [
            "$O.vidprism-sources.M.abc",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-sources",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs",
            "$JS.API.CONSUMER.CREATE.OBJ_vidprism-outputs.x.y",
        ] {
            assert!(may_publish(&s, subject), "{subject}");
        }
        assert!(may_publish(
            &s,
            "$JS.API.CONSUMER.CREATE.VIDPRISM_EVENTS.x.vidprism.events.host-1.>"
        ));
        assert!(!may_publish(&s, &news_subject("host-1.3")));
        assert!(!may_publish(&s, &presence_subject("render-2")));
        assert!(!may_publish(&s, "$JS.API.STREAM.DELETE.VIDPRISM_EVENTS"));
    }

    #[test]
    fn all_work_is_every_work_subject() {
        assert_eq!(all_work(), "vidprism.work.>");
    }
}
