//! What travels through the broker, as JSON: work for a stage, and news of
//! a job (the engine's own events, plus the end of each stage).

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::FarmError;
pub use super::wire_check::{printable, Checked, Refusal, MAX_MESSAGE_BYTES};
use vidprism_engine::pipeline::EventKind;
use vidprism_engine::presets::Preset;

/// The three queues of the design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkStage {
    Ingest,
    Thumbnail,
    Transcode,
}

impl WorkStage {
    pub const ALL: [WorkStage; 3] = [
        WorkStage::Ingest,
        WorkStage::Thumbnail,
        WorkStage::Transcode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WorkStage::Ingest => "ingest",
            WorkStage::Thumbnail => "thumbnail",
            WorkStage::Transcode => "transcode",
        }
    }

    pub fn parse(name: &str) -> Option<WorkStage> {
        WorkStage::ALL.into_iter().find(|s| s.name() == name.trim())
    }
}

/// Where a worker finds the source and puts the outputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Files {
    /// The source is the object `<job>/source`; outputs go back as
    /// `<job>/<file name>`.
    ObjectStore,
    /// Source and output folder are on a shared disk, at the submitter's
    /// paths (each worker maps them with its `--path-map`).
    Shared,
}

/// One stage of one job, as queued for a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// The farm-wide job key: `<submitter>.<n>`.
    pub job: String,
    pub stage: WorkStage,
    /// The source as the submitter named it: error messages name this.
    #[serde(with = "vidprism_engine::path_json")]
    pub input: PathBuf,
    pub files: Files,
    pub presets: Vec<Preset>,
    /// The submitter's output folder (written in place with shared files).
    #[serde(with = "vidprism_engine::path_json")]
    pub out_dir: PathBuf,
    /// With shared files: the job's folder, reserved by the submitter.
    #[serde(default, with = "vidprism_engine::path_json::option")]
    pub dir: Option<PathBuf>,
    /// The source's size as the submitter sent it: a fetch stops there.
    #[serde(default)]
    pub source_bytes: Option<u64>,
    /// The key that proves the job's news ([`crate::news_proof`]): only a
    /// worker given this work can speak for the job. An older submitter's
    /// work has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news_key: Option<String>,
}

impl Work {
    /// Id that makes publishing this work twice store it once.
    pub fn dedup_id(&self) -> String {
        format!("{}.{}", self.job, self.stage.name())
    }
}

/// News of a job, on its own subject of the event stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum News {
    /// An engine event from a worker; output paths are only file names (the
    /// object store) or the submitter's paths (shared files).
    Event(EventKind),
    /// A stage ended on a worker: what it opened, and why it failed if it did.
    StageEnded {
        stage: WorkStage,
        /// Stages this one queued (ingest: the thumbnail and maybe transcode).
        opened: usize,
        errors: Vec<String>,
        /// The source is unusable: nothing made from it is kept.
        source_failed: bool,
        /// With shared files: the job's folder (never taken: the submitter
        /// reserved its own).
        #[serde(with = "vidprism_engine::path_json::option")]
        dir: Option<PathBuf>,
        worker: String,
    },
    /// An output file a worker put in the object store and the digest
    /// the store gave its content, sent before the event that names it:
    /// the submitter takes only that content under that name (another
    /// worker login replacing the object meanwhile is refused). `bucket`
    /// names the worker login's own outputs bucket (`worker_login`); none
    /// is the shared one (an older worker's, or a shared login's).
    Sent {
        name: String,
        digest: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bucket: Option<String>,
    },
    /// A rendition's per-frame score (issue 25's quality strip), which
    /// its `rendition_done` does not carry, sent just before it: (seconds,
    /// SSIM) points in time order, at most `limits::MAX_SERIES_POINTS`.
    Series {
        rendition: String,
        series: Vec<(f64, f64)>,
    },
    /// A stage failed on one delivery and will be tried again.
    Retrying {
        stage: WorkStage,
        attempt: u32,
        tries: u32,
        reason: String,
        worker: String,
    },
}

/// A worker saying, every few seconds, that it is alive (or that it leaves).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub worker: String,
    pub stages: Vec<WorkStage>,
    pub transcode_jobs: usize,
    #[serde(default)]
    pub leaving: bool,
    /// It proves its news with the key each job's work carries
    /// (`news_proof`); an older worker does not, and says nothing here.
    #[serde(default)]
    pub proves_news: bool,
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain types cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Reads a message off the broker: the one door for everything that comes
/// from the network. It must parse, fit the limits and pass its type's
/// checks; its text is made safe to print. Anything else is refused.
pub fn decode<T: DeserializeOwned + Checked>(bytes: &[u8]) -> Result<T, FarmError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(Refusal::TooLarge(bytes.len()).into());
    }
    let mut value: T = serde_json::from_slice(bytes).map_err(|e| FarmError::BadMessage {
        reason: printable(&e.to_string()),
    })?;
    value.check()?;
    value.make_printable();
    Ok(value)
}

/// The object holding a job's source.
pub fn source_object(job: &str) -> String {
    format!("{job}/source")
}

/// The object holding one output of a job.
pub fn output_object(job: &str, file_name: &str) -> String {
    format!("{job}/{file_name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidprism_engine::pipeline::{Progress, RenditionSkipped, Stage};

    #[test]
    fn news_round_trips_through_json() {
        let news = [
            News::Event(EventKind::RenditionSkipped(RenditionSkipped {
                rendition: "1080p".into(),
                reason: "the source is smaller".into(),
            })),
            News::Event(EventKind::Progress(Progress {
                stage: Stage::Transcode,
                rendition: "720p".into(),
                fraction: 0.5,
                fps: 30.0,
                eta_s: None,
            })),
            News::StageEnded {
                stage: WorkStage::Ingest,
                opened: 2,
                errors: vec![],
                source_failed: false,
                dir: None,
                worker: "w1".into(),
            },
            News::Series {
                rendition: "720p".into(),
                series: vec![(0.0, 0.99), (0.2, 0.5)],
            },
        ];
        for n in news {
            assert_eq!(decode::<News>(&encode(&n)).unwrap(), n);
        }
    }

    #[test]
    fn an_older_workers_presence_proves_no_news_and_older_work_has_no_key() {
        let older = br#"{"worker":"w","stages":["ingest"],"transcode_jobs":1}"#;
        assert!(!decode::<Presence>(older).unwrap().proves_news);
        let work = br#"{"job":"h.1","stage":"ingest","input":"/a.mp4","files":"object_store",
            "presets":[],"out_dir":"/o"}"#;
        // (Refused for its empty presets, not for the missing key.)
        let said = decode::<Work>(work).unwrap_err().to_string();
        assert!(said.contains("presets"), "{said}");
    }

    /// A worker of its own login names its outputs bucket; a shared
    /// login's news is as it was. Only an outputs bucket may be named.
    #[test]
    fn sent_news_names_an_outputs_bucket_or_none() {
        let digest = "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=";
        let sent = |bucket: Option<&str>| News::Sent {
            name: "720p.mp4".into(),
            digest: digest.into(),
            bucket: bucket.map(str::to_owned),
        };
        assert_eq!(
            String::from_utf8(encode(&sent(None))).unwrap(),
            format!(r#"{{"sent":{{"name":"720p.mp4","digest":"{digest}"}}}}"#)
        );
        let own = sent(Some("vidprism-outputs-worker-2"));
        assert_eq!(decode::<News>(&encode(&own)).unwrap(), own);
        for bad in ["vidprism-sources", "vidprism-outputs-worker-", "elsewhere"] {
            let said = decode::<News>(&encode(&sent(Some(bad)))).unwrap_err();
            assert!(said.to_string().contains("outputs bucket"), "{said}");
        }
    }

    #[test]
    fn stages_parse_by_name() {
        assert_eq!(WorkStage::parse(" transcode"), Some(WorkStage::Transcode));
        assert_eq!(WorkStage::parse("resize"), None);
    }
}
