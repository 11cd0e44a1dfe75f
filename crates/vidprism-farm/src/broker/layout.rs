//! What VidPrism keeps on the broker, created when missing: the three work
//! queues, the event stream, the cancel marks and the two shared file
//! stores (a per-worker login's own outputs store is made by its worker).

use async_nats::jetstream::{self, object_store, stream};

use super::{
    stream_name, Bucket, FarmError, WorkStage, CANCELLED_STREAM, DUPLICATE_WINDOW, EVENTS_STREAM,
    KEEP,
};

/// `get_or_create_stream`, also when another client created the stream
/// between our look and our creation (a worker and the submitter starting
/// together on a new server): the server then refuses ours ("subjects
/// overlap" or "name already in use") and theirs is taken.
async fn ensure_stream(
    js: &jetstream::Context,
    config: stream::Config,
    action: &str,
) -> Result<stream::Stream, FarmError> {
    let name = config.name.clone();
    match js.get_or_create_stream(config).await {
        Ok(stream) => Ok(stream),
        Err(e) => js
            .get_stream(&name)
            .await
            .map_err(|_| FarmError::broker(action, e)),
    }
}

pub(super) async fn create_layout(
    js: &jetstream::Context,
) -> Result<
    (
        object_store::ObjectStore,
        object_store::ObjectStore,
        stream::Stream,
    ),
    FarmError,
> {
    for stage in WorkStage::ALL {
        let config = stream::Config {
            name: stream_name(stage),
            subjects: vec![format!("vidprism.work.{}.>", stage.name())],
            retention: stream::RetentionPolicy::WorkQueue,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        ensure_stream(js, config, &format!("create the {} queue", stage.name())).await?;
    }
    let events = stream::Config {
        name: EVENTS_STREAM.into(),
        subjects: vec!["vidprism.events.>".into()],
        max_age: KEEP,
        ..Default::default()
    };
    ensure_stream(js, events, "create the event stream").await?;
    let sources = ensure_bucket(js, &Bucket::Sources).await?;
    let outputs = ensure_bucket(js, &Bucket::Outputs).await?;
    let cancel_marks = stream::Config {
        name: CANCELLED_STREAM.into(),
        subjects: vec!["vidprism.cancelled.>".into()],
        max_age: KEEP,
        max_messages_per_subject: 1,
        ..Default::default()
    };
    let cancelled = ensure_stream(js, cancel_marks, "create the cancel list").await?;
    Ok((sources, outputs, cancelled))
}

/// One object store bucket, made if missing (by another client meanwhile,
/// as with the streams above).
pub(super) async fn ensure_bucket(
    js: &jetstream::Context,
    bucket: &Bucket,
) -> Result<object_store::ObjectStore, FarmError> {
    if let Ok(store) = js.get_object_store(bucket.name()).await {
        return Ok(store);
    }
    let config = object_store::Config {
        bucket: bucket.name(),
        max_age: KEEP,
        ..Default::default()
    };
    match js.create_object_store(config).await {
        Ok(store) => Ok(store),
        Err(e) => js
            .get_object_store(bucket.name())
            .await
            .map_err(|_| FarmError::broker(format!("create the file store {}", bucket.name()), e)),
    }
}
