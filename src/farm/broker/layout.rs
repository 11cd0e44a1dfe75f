//! What VidPrism keeps on the broker, created when missing: the three work
//! queues, the event stream, the cancel marks and the file store.

use async_nats::jetstream::{self, object_store, stream};

use super::{
    stream_name, FarmError, WorkStage, CANCELLED_STREAM, DUPLICATE_WINDOW, EVENTS_STREAM,
    FILES_BUCKET, KEEP,
};

pub(super) async fn create_layout(
    js: &jetstream::Context,
) -> Result<(object_store::ObjectStore, stream::Stream), FarmError> {
    for stage in WorkStage::ALL {
        js.get_or_create_stream(stream::Config {
            name: stream_name(stage),
            subjects: vec![format!("vidprism.work.{}.>", stage.name())],
            retention: stream::RetentionPolicy::WorkQueue,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        })
        .await
        .map_err(|e| FarmError::broker(format!("create the {} queue", stage.name()), e))?;
    }
    js.get_or_create_stream(stream::Config {
        name: EVENTS_STREAM.into(),
        subjects: vec!["vidprism.events.>".into()],
        max_age: KEEP,
        ..Default::default()
    })
    .await
    .map_err(|e| FarmError::broker("create the event stream", e))?;
    let files = match js.get_object_store(FILES_BUCKET).await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: FILES_BUCKET.into(),
                max_age: KEEP,
                ..Default::default()
            })
            .await
            .map_err(|e| FarmError::broker("create the file store", e))?,
    };
    let cancelled = js
        .get_or_create_stream(stream::Config {
            name: CANCELLED_STREAM.into(),
            subjects: vec!["vidprism.cancelled.>".into()],
            max_age: KEEP,
            max_messages_per_subject: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| FarmError::broker("create the cancel list", e))?;
    Ok((files, cancelled))
}
