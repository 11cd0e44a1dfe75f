//! What each of the farm's logins may do on the broker, as NATS
//! subjects: derived here, beside the layout, from the same stream,
//! bucket and consumer names the broker code uses, so that a locked-down
//! server (`vidprism farm init`) allows exactly what VidPrism does.
//!
//! - A worker login (one per worker machine, `worker-<n>`) pulls and
//!   acknowledges work, reads sources, writes outputs in its own bucket
//!   only, publishes news and presence and reads cancel marks; it never
//!   publishes work, never writes, replaces or purges a source (the
//!   sources' bucket is the submitters' alone) nor touches another
//!   worker's outputs, and reads replies on its own inbox prefix only
//!   (`_INBOX_<login>.>`), so it never sees another worker's deliveries.
//! - A submitter publishes work and cancel marks, sends sources, reads
//!   news, presence and every worker's outputs, removes outputs and
//!   abandoned work; it never pulls work. Its replies come on `_INBOX.>`.
//! - All may create the layout (whoever connects first does) but never
//!   delete or change a stream. None may publish on an inbox, so none can
//!   forge another's replies.

use super::{
    cancel_subject, news_subject, presence_subject, stream_name, Bucket, WorkStage, WorkerLogin,
    CANCELLED_STREAM, EVENTS_STREAM, WORKERS_CONSUMER,
};

/// The JetStream API's subject prefix.
const API: &str = "$JS.API";
/// Where the broker sends a submitter's replies (the client's default
/// inbox prefix).
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

/// Finding or creating a stream.
fn find_or_create(stream: &str) -> [String; 2] {
    [
        format!("{API}.STREAM.INFO.{stream}"),
        format!("{API}.STREAM.CREATE.{stream}"),
    ]
}

/// What every login needs: finding or creating the layout.
fn common() -> Vec<String> {
    let buckets = Bucket::ALL.iter().map(Bucket::stream);
    work_streams()
        .chain([EVENTS_STREAM.into(), CANCELLED_STREAM.into()])
        .chain(buckets)
        .flat_map(|stream| find_or_create(&stream))
        .collect()
}

/// Reading a bucket's objects: their description (direct or stored
/// message get) and their chunks (an ordered consumer, with flow control).
fn read_bucket(bucket: &Bucket) -> Vec<String> {
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
fn write_bucket(bucket: &Bucket) -> Vec<String> {
    vec![
        format!("$O.{}.>", bucket.name()),
        format!("{API}.STREAM.PURGE.{}", bucket.stream()),
    ]
}

/// Writing, replacing or removing anything in a bucket, to deny.
fn change_bucket(bucket: &Bucket) -> Vec<String> {
    let mut deny = write_bucket(bucket);
    deny.push(format!("{API}.STREAM.MSG.DELETE.{}", bucket.stream()));
    deny
}

/// A worker login of its own: pulls work, never publishes it; writes its
/// own outputs bucket only; reads its own inbox only.
pub fn worker_permissions(login: &WorkerLogin) -> Permissions {
    let own = Bucket::OutputsOf(login.clone());
    let mut publish_allow = common();
    publish_allow.extend(find_or_create(&own.stream()));
    publish_allow.extend(read_bucket(&Bucket::Sources));
    publish_allow.extend(read_bucket(&own));
    publish_allow.extend(write_bucket(&own));
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
    // Sources are read only, and the shared outputs bucket is no worker's
    // here: no chunk, description, purge or removal.
    let mut publish_deny = vec![all_work()];
    publish_deny.extend(change_bucket(&Bucket::Sources));
    publish_deny.extend(change_bucket(&Bucket::Outputs));
    Permissions {
        publish_allow,
        publish_deny,
        subscribe_allow: vec![login.inbox()],
    }
}

/// A submitter: publishes work, never pulls it; reads and removes the
/// outputs of every worker login in `workers`.
pub fn submitter_permissions(workers: &[WorkerLogin]) -> Permissions {
    let mut publish_allow = common();
    let own_buckets = workers.iter().cloned().map(Bucket::OutputsOf);
    for bucket in Bucket::ALL.into_iter().chain(own_buckets) {
        if matches!(bucket, Bucket::OutputsOf(_)) {
            publish_allow.push(format!("{API}.STREAM.INFO.{}", bucket.stream()));
        }
        publish_allow.extend(read_bucket(&bucket));
        publish_allow.extend(write_bucket(&bucket));
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
        let w = worker_permissions(&WorkerLogin::numbered(1));
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
        assert!(may_publish(&w, "$O.vidprism-outputs-worker-1.C.abc"));
        assert!(may_publish(&w, "$O.vidprism-outputs-worker-1.M.abc"));
        assert!(may_publish(
            &w,
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-1"
        ));
        assert!(may_publish(
            &w,
            "$JS.API.DIRECT.GET.OBJ_vidprism-sources.$O.vidprism-sources.M.abc"
        ));
        // Sources are read only; no other bucket is its to write or read.
        for subject in [
            "$O.vidprism-outputs.M.abc",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs",
            "$O.vidprism-outputs-worker-2.M.abc",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.STREAM.MSG.DELETE.OBJ_vidprism-outputs-worker-2",
            "$JS.API.DIRECT.GET.OBJ_vidprism-outputs-worker-2.$O.vidprism-outputs-worker-2.M.a",
            "$JS.API.CONSUMER.CREATE.OBJ_vidprism-outputs-worker-2.x.y",
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
        assert!(!may_publish(&w, "_INBOX_worker-2.abc"));
        assert_eq!(w.subscribe_allow, ["_INBOX_worker-1.>"]);
    }

    #[test]
    fn a_submitter_queues_work_but_never_pulls_it() {
        let s = submitter_permissions(&[WorkerLogin::numbered(1), WorkerLogin::numbered(2)]);
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
            "$JS.API.STREAM.INFO.OBJ_vidprism-outputs-worker-2",
            "$JS.API.CONSUMER.CREATE.OBJ_vidprism-outputs-worker-1.x.y",
            "$JS.API.STREAM.PURGE.OBJ_vidprism-outputs-worker-2",
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
        // No login of the farm but its workers' has a bucket.
        assert!(!may_publish(
            &s,
            "$JS.API.STREAM.INFO.OBJ_vidprism-outputs-worker-3"
        ));
    }

    #[test]
    fn all_work_is_every_work_subject() {
        assert_eq!(all_work(), "vidprism.work.>");
    }
}
