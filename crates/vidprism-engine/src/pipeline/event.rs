//! The events every stage reports: the `--json` lines of the command line,
//! and what the window turns into pixels.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::media::quality::Score;
use crate::media::{Hdr, SkippedTrack};
use crate::presets::Crop;

pub type JobId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Probe,
    Thumbnail,
    Transcode,
}

/// One event: which job, when, and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub job: JobId,
    pub t_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Each event's data is one named struct, the type every
/// consumer keeps (the window's rows, the job store, the farm's wire);
/// internally tagged, so a payload's fields sit beside `event` in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    Queued(Queued),
    Probed(SourceFacts),
    StageStarted(StageStarted),
    Progress(Progress),
    ThumbnailReady(Thumbnail),
    RenditionDone(Output),
    QualityPlanned(QualityPlanned),
    StoryboardReady(Storyboard),
    RenditionSkipped(RenditionSkipped),
    RenditionFailed(RenditionFailed),
    JobDone(JobDone),
    JobFailed(JobFailed),
    Cancelled,
}

/// `queued`: a source was accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    #[serde(with = "crate::path_json")]
    pub input: PathBuf,
}

/// `probed`: what the probe said about the source (display size, upright).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFacts {
    pub width: u32,
    pub height: u32,
    pub duration_s: Option<f64>,
    pub fps: f64,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Only for an HDR source, so SDR sources' events stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr: Option<Hdr>,
    /// Only when the pictures are cropped (black bars, or the preset's
    /// fixed crop): pixels off each side of the coded picture; the size
    /// above stays the source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<Crop>,
}

impl From<&crate::media::SourceInfo> for SourceFacts {
    /// What a probe says of a source, as a `probed` event reports it.
    fn from(info: &crate::media::SourceInfo) -> SourceFacts {
        SourceFacts {
            width: info.display.width,
            height: info.display.height,
            duration_s: info.duration_s,
            fps: info.fps,
            video_codec: info.video_codec.clone(),
            audio_codec: info.audio_codec.clone(),
            hdr: info.hdr,
            crop: None,
        }
    }
}

/// `stage_started`: a stage began, for transcode maybe one rendition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageStarted {
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendition: Option<String>,
}

/// `progress`: how far one rendition got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub stage: Stage,
    pub rendition: String,
    /// 0..1.
    pub fraction: f64,
    pub fps: f64,
    pub eta_s: Option<f64>,
}

/// `thumbnail_ready`: the thumbnail written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thumbnail {
    #[serde(with = "crate::path_json")]
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
}

/// `rendition_done`: a finished rendition's file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub rendition: String,
    #[serde(with = "crate::path_json")]
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// Source tracks the preset asked for that the file does not carry
    /// (picture subtitles...), with the reason; only written when there is
    /// one, so the JSON of other renditions stays as it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_tracks: Vec<SkippedTrack>,
    /// The file names of what was put in place with it, beside it in the
    /// same folder, in the order they were put there: its subtitle sidecars
    /// (`<rendition>.<language>.vtt`); for the last rung of a stream
    /// bundle, the bundle's other files (audio, playlists, page, manifests
    /// last). Only written when there is one, like `skipped_tracks`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<String>,
    /// Its measured quality (issue 24): absent when its preset's `score`
    /// is off, so the JSON stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Score>,
}

impl Output {
    /// Every file it names: the rendition, then the files beside it.
    pub fn files(&self) -> Vec<PathBuf> {
        file_and_beside(&self.path, &self.sidecars)
    }
}

/// `path`, then each of `names` in its folder.
fn file_and_beside<'a>(path: &Path, names: impl IntoIterator<Item = &'a String>) -> Vec<PathBuf> {
    std::iter::once(path.to_path_buf())
        .chain(names.into_iter().map(|name| path.with_file_name(name)))
        .collect()
}

/// `quality_planned` (issue 24): for a rendition with a `target_ssim`,
/// before its encode starts, the CRF sample encodes found for it and what
/// the whole rendition is then expected to be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityPlanned {
    pub rendition: String,
    pub target_ssim: f64,
    /// The CRF it is made at, in its encoder's own scale: the whole CRF
    /// whose sample encode scored nearest the target.
    pub crf: u32,
    /// The fractional CRF the encoder is given, to a tenth, when it takes
    /// one (x264, x265) and it differs from `crf`: found between the two
    /// sample encodes around the target. Absent otherwise, so the event is
    /// as it was for every other encoder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder_crf: Option<f64>,
    /// The SSIM (all planes) the samples scored at that CRF.
    pub predicted_ssim: f64,
    /// The rendition's expected size (video at the samples' rate over the
    /// whole duration, plus encoded audio), bytes.
    pub predicted_bytes: u64,
    /// How long its encode is expected to take, at the samples' speed.
    pub predicted_seconds: f64,
    /// Sample encodes made for it; 0 when the result was cached.
    pub probes: u32,
    /// Whether the result came from the cache of earlier searches (a retry
    /// or a resume of the same source with the same settings).
    pub cached: bool,
}

impl QualityPlanned {
    /// The CRF as the encoder is given it: "24" or "23.6".
    pub fn crf_text(&self) -> String {
        match self.encoder_crf {
            Some(fine) => format!("{fine:.1}"),
            None => self.crf.to_string(),
        }
    }

    /// "CRF 24 · ~38 MB · ~1:20": what the window shows on the row.
    pub fn summary(&self) -> String {
        let mb = self.predicted_bytes as f64 / 1e6;
        let size = match mb < 10.0 {
            true => format!("{mb:.1} MB"),
            false => format!("{mb:.0} MB"),
        };
        let seconds = self.predicted_seconds.max(0.0).round() as u64;
        format!(
            "CRF {} · ~{size} · ~{}:{:02}",
            self.crf_text(),
            seconds / 60,
            seconds % 60
        )
    }
}

/// `storyboard_ready`: the storyboard's WebVTT file (`path`), its sprites
/// and the poster picked for `poster = "best"`, all beside it in the job's
/// folder (the names of `crate::output`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Storyboard {
    #[serde(with = "crate::path_json")]
    pub path: PathBuf,
    /// The sprite JPEGs' file names, in order.
    pub sprites: Vec<String>,
    pub tiles: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
}

impl Storyboard {
    /// Every file it names: the VTT, the sprites and the poster.
    pub fn files(&self) -> Vec<PathBuf> {
        file_and_beside(&self.path, self.sprites.iter().chain(&self.poster))
    }
}

/// `rendition_skipped`: a planned rendition that is not made, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenditionSkipped {
    pub rendition: String,
    pub reason: String,
}

/// `rendition_failed`: a rendition that failed alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenditionFailed {
    pub rendition: String,
    pub error: String,
}

/// `job_done`: every rendition was done or skipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobDone {
    /// Files written.
    pub outputs: usize,
}

/// `job_failed`: the job ended with an error, in words for the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFailed {
    pub error: String,
}

impl EventKind {
    /// The file an output event (thumbnail or rendition) announces.
    pub fn output_path(&self) -> Option<&Path> {
        match self {
            EventKind::ThumbnailReady(Thumbnail { path, .. })
            | EventKind::RenditionDone(Output { path, .. })
            | EventKind::StoryboardReady(Storyboard { path, .. }) => Some(path),
            _ => None,
        }
    }

    /// The other files an output event names, beside its own file and in
    /// the order they were put in place: a rendition's sidecars, a
    /// storyboard's sprites and poster. They travel with the event's file
    /// (before it: the file announced is the last to arrive).
    pub fn files_beside(&self) -> Vec<PathBuf> {
        match self {
            EventKind::RenditionDone(output) => output.files().into_iter().skip(1).collect(),
            EventKind::StoryboardReady(storyboard) => {
                storyboard.files().into_iter().skip(1).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The same output event about the file at `to` (its size `bytes`,
    /// when known): what a farm does as an output moves between machines.
    pub fn moved_output(mut self, to: PathBuf, bytes: Option<u64>) -> EventKind {
        match &mut self {
            EventKind::ThumbnailReady(thumbnail) => thumbnail.path = to,
            EventKind::StoryboardReady(storyboard) => storyboard.path = to,
            EventKind::RenditionDone(output) => {
                output.path = to;
                if let Some(bytes) = bytes {
                    output.bytes = bytes;
                }
            }
            _ => {}
        }
        self
    }

    /// Whether this event ends its job.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            EventKind::JobDone(_) | EventKind::JobFailed(_) | EventKind::Cancelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_have_the_designed_shape() {
        let e = Event {
            job: 3,
            t_ms: 12,
            kind: EventKind::StageStarted(StageStarted {
                stage: Stage::Transcode,
                rendition: Some("720p".into()),
            }),
        };
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"], "stage_started");
        assert_eq!(v["job"], 3);
        assert_eq!(v["t_ms"], 12);
        assert_eq!(v["stage"], "transcode");
        assert_eq!(v["rendition"], "720p");
        let cancelled = serde_json::to_value(Event {
            job: 1,
            t_ms: 0,
            kind: EventKind::Cancelled,
        })
        .unwrap();
        assert_eq!(cancelled["event"], "cancelled");
    }

    /// Pins the designed JSON of every event (DESIGN.md, "Events"): the
    /// `--json` lines and the farm's wire carry exactly these objects, so a
    /// change of field names, order, tag or optional fields breaks here.
    /// Each sample is serialized and compared with its literal, and the
    /// literal is read back into the same event.
    #[test]
    fn every_event_has_its_designed_json() {
        let ev = |kind| Event {
            job: 7,
            t_ms: 1500,
            kind,
        };
        let samples = [
            (
                ev(EventKind::Queued(Queued {
                    input: "/videos/a.mp4".into(),
                })),
                r#"{"job":7,"t_ms":1500,"event":"queued","input":"/videos/a.mp4"}"#,
            ),
            (
                ev(EventKind::StageStarted(StageStarted {
                    stage: Stage::Probe,
                    rendition: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"stage_started","stage":"probe"}"#,
            ),
            (
                ev(EventKind::StageStarted(StageStarted {
                    stage: Stage::Transcode,
                    rendition: Some("720p".into()),
                })),
                r#"{"job":7,"t_ms":1500,"event":"stage_started","stage":"transcode","rendition":"720p"}"#,
            ),
            (
                ev(EventKind::Probed(SourceFacts {
                    width: 1920,
                    height: 1080,
                    duration_s: Some(12.5),
                    fps: 29.97,
                    video_codec: "h264".into(),
                    audio_codec: Some("aac".into()),
                    hdr: None,
                    crop: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"probed","width":1920,"height":1080,"duration_s":12.5,"fps":29.97,"video_codec":"h264","audio_codec":"aac"}"#,
            ),
            (
                ev(EventKind::Probed(SourceFacts {
                    width: 640,
                    height: 480,
                    duration_s: None,
                    fps: 25.0,
                    video_codec: "vp9".into(),
                    audio_codec: None,
                    hdr: None,
                    crop: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"probed","width":640,"height":480,"duration_s":null,"fps":25.0,"video_codec":"vp9","audio_codec":null}"#,
            ),
            (
                ev(EventKind::Probed(SourceFacts {
                    width: 1920,
                    height: 1080,
                    duration_s: Some(60.0),
                    fps: 24.0,
                    video_codec: "h264".into(),
                    audio_codec: None,
                    hdr: None,
                    crop: Some(Crop {
                        top: 138,
                        bottom: 138,
                        left: 0,
                        right: 0,
                    }),
                })),
                r#"{"job":7,"t_ms":1500,"event":"probed","width":1920,"height":1080,"duration_s":60.0,"fps":24.0,"video_codec":"h264","audio_codec":null,"crop":{"top":138,"bottom":138,"left":0,"right":0}}"#,
            ),
            (
                ev(EventKind::Progress(Progress {
                    stage: Stage::Transcode,
                    rendition: "720p".into(),
                    fraction: 0.25,
                    fps: 120.5,
                    eta_s: Some(3.0),
                })),
                r#"{"job":7,"t_ms":1500,"event":"progress","stage":"transcode","rendition":"720p","fraction":0.25,"fps":120.5,"eta_s":3.0}"#,
            ),
            (
                ev(EventKind::Progress(Progress {
                    stage: Stage::Transcode,
                    rendition: "480p".into(),
                    fraction: 0.0,
                    fps: 0.0,
                    eta_s: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"progress","stage":"transcode","rendition":"480p","fraction":0.0,"fps":0.0,"eta_s":null}"#,
            ),
            (
                ev(EventKind::ThumbnailReady(Thumbnail {
                    path: "/out/a/thumbnail.jpg".into(),
                    width: 640,
                    height: 360,
                })),
                r#"{"job":7,"t_ms":1500,"event":"thumbnail_ready","path":"/out/a/thumbnail.jpg","width":640,"height":360}"#,
            ),
            (
                ev(EventKind::RenditionDone(Output {
                    rendition: "720p".into(),
                    path: "/out/a/720p.mp4".into(),
                    width: 1280,
                    height: 720,
                    bytes: 123456,
                    skipped_tracks: Vec::new(),
                    sidecars: Vec::new(),
                    quality: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_done","rendition":"720p","path":"/out/a/720p.mp4","width":1280,"height":720,"bytes":123456}"#,
            ),
            (
                ev(EventKind::RenditionDone(Output {
                    rendition: "720p".into(),
                    path: "/out/a/720p.mp4".into(),
                    width: 1280,
                    height: 720,
                    bytes: 123456,
                    skipped_tracks: Vec::new(),
                    sidecars: vec!["720p.eng.vtt".into(), "720p.fra.vtt".into()],
                    quality: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_done","rendition":"720p","path":"/out/a/720p.mp4","width":1280,"height":720,"bytes":123456,"sidecars":["720p.eng.vtt","720p.fra.vtt"]}"#,
            ),
            (
                // Scored (issue 24); without a score (`score = "off"`) the
                // JSON is the first sample's, byte for byte.
                ev(EventKind::RenditionDone(Output {
                    rendition: "720p".into(),
                    path: "/out/a/720p.mp4".into(),
                    width: 1280,
                    height: 720,
                    bytes: 123456,
                    skipped_tracks: Vec::new(),
                    sidecars: Vec::new(),
                    quality: Some(Score {
                        ssim: 0.984123,
                        ssim_y: 0.981,
                        psnr: 42.125,
                        psnr_y: 41.5,
                        psnr_u: 44.25,
                        psnr_v: 45.5,
                        worst_ssim: 0.962,
                        frames: 60,
                        series: None,
                    }),
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_done","rendition":"720p","path":"/out/a/720p.mp4","width":1280,"height":720,"bytes":123456,"quality":{"ssim":0.984123,"ssim_y":0.981,"psnr":42.125,"psnr_y":41.5,"psnr_u":44.25,"psnr_v":45.5,"worst_ssim":0.962,"frames":60}}"#,
            ),
            (
                ev(EventKind::RenditionDone(Output {
                    rendition: "720p".into(),
                    path: "/out/a/720p.mp4".into(),
                    width: 1280,
                    height: 720,
                    bytes: 123456,
                    skipped_tracks: vec![SkippedTrack {
                        index: 3,
                        kind: crate::media::TrackKind::Subtitle,
                        codec: "hdmv_pgs_subtitle".into(),
                        reason: "hdmv_pgs_subtitle subtitles are pictures".into(),
                    }],
                    sidecars: Vec::new(),
                    quality: None,
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_done","rendition":"720p","path":"/out/a/720p.mp4","width":1280,"height":720,"bytes":123456,"skipped_tracks":[{"index":3,"kind":"subtitle","codec":"hdmv_pgs_subtitle","reason":"hdmv_pgs_subtitle subtitles are pictures"}]}"#,
            ),
            (
                ev(EventKind::QualityPlanned(QualityPlanned {
                    rendition: "720p".into(),
                    target_ssim: 0.985,
                    crf: 24,
                    encoder_crf: None,
                    predicted_ssim: 0.9853,
                    predicted_bytes: 38_000_000,
                    predicted_seconds: 80.5,
                    probes: 4,
                    cached: false,
                })),
                r#"{"job":7,"t_ms":1500,"event":"quality_planned","rendition":"720p","target_ssim":0.985,"crf":24,"predicted_ssim":0.9853,"predicted_bytes":38000000,"predicted_seconds":80.5,"probes":4,"cached":false}"#,
            ),
            (
                // A fractional CRF (x264, x265): one field more, the rest
                // as before.
                ev(EventKind::QualityPlanned(QualityPlanned {
                    rendition: "720p".into(),
                    target_ssim: 0.985,
                    crf: 24,
                    encoder_crf: Some(23.6),
                    predicted_ssim: 0.985,
                    predicted_bytes: 38_000_000,
                    predicted_seconds: 80.5,
                    probes: 4,
                    cached: false,
                })),
                r#"{"job":7,"t_ms":1500,"event":"quality_planned","rendition":"720p","target_ssim":0.985,"crf":24,"encoder_crf":23.6,"predicted_ssim":0.985,"predicted_bytes":38000000,"predicted_seconds":80.5,"probes":4,"cached":false}"#,
            ),
            (
                ev(EventKind::StoryboardReady(Storyboard {
                    path: "/out/a/storyboard.vtt".into(),
                    sprites: vec!["storyboard-001.jpg".into()],
                    tiles: 12,
                    tile_width: 160,
                    tile_height: 90,
                    poster: Some("poster.jpg".into()),
                })),
                r#"{"job":7,"t_ms":1500,"event":"storyboard_ready","path":"/out/a/storyboard.vtt","sprites":["storyboard-001.jpg"],"tiles":12,"tile_width":160,"tile_height":90,"poster":"poster.jpg"}"#,
            ),
            (
                ev(EventKind::RenditionSkipped(RenditionSkipped {
                    rendition: "1080p".into(),
                    reason: "larger than the source".into(),
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_skipped","rendition":"1080p","reason":"larger than the source"}"#,
            ),
            (
                ev(EventKind::RenditionFailed(RenditionFailed {
                    rendition: "480p".into(),
                    error: "encoder failed".into(),
                })),
                r#"{"job":7,"t_ms":1500,"event":"rendition_failed","rendition":"480p","error":"encoder failed"}"#,
            ),
            (
                ev(EventKind::JobDone(JobDone { outputs: 3 })),
                r#"{"job":7,"t_ms":1500,"event":"job_done","outputs":3}"#,
            ),
            (
                ev(EventKind::JobFailed(JobFailed {
                    error: "a.mp4: not a video".into(),
                })),
                r#"{"job":7,"t_ms":1500,"event":"job_failed","error":"a.mp4: not a video"}"#,
            ),
            (
                ev(EventKind::Cancelled),
                r#"{"job":7,"t_ms":1500,"event":"cancelled"}"#,
            ),
        ];
        // No wildcard: a new event does not compile here until it has a sample.
        let name = |kind: &EventKind| match kind {
            EventKind::Queued { .. } => "queued",
            EventKind::Probed { .. } => "probed",
            EventKind::StageStarted { .. } => "stage_started",
            EventKind::Progress { .. } => "progress",
            EventKind::ThumbnailReady { .. } => "thumbnail_ready",
            EventKind::RenditionDone { .. } => "rendition_done",
            EventKind::QualityPlanned { .. } => "quality_planned",
            EventKind::StoryboardReady { .. } => "storyboard_ready",
            EventKind::RenditionSkipped { .. } => "rendition_skipped",
            EventKind::RenditionFailed { .. } => "rendition_failed",
            EventKind::JobDone { .. } => "job_done",
            EventKind::JobFailed { .. } => "job_failed",
            EventKind::Cancelled => "cancelled",
        };
        let named: std::collections::BTreeSet<_> =
            samples.iter().map(|(e, _)| name(&e.kind)).collect();
        assert_eq!(named.len(), 13, "every event has a sample");
        for (event, json) in samples {
            assert_eq!(serde_json::to_string(&event).unwrap(), json);
            let read: Event = serde_json::from_str(json).unwrap();
            assert_eq!(read, event, "{json}");
        }
    }

    #[test]
    fn a_plan_reads_as_crf_size_and_time() {
        let mut planned = QualityPlanned {
            rendition: "720p".into(),
            target_ssim: 0.985,
            crf: 24,
            encoder_crf: None,
            predicted_ssim: 0.985,
            predicted_bytes: 38_200_000,
            predicted_seconds: 80.4,
            probes: 3,
            cached: false,
        };
        assert_eq!(planned.summary(), "CRF 24 · ~38 MB · ~1:20");
        planned.predicted_bytes = 2_340_000;
        planned.predicted_seconds = 5.0;
        assert_eq!(planned.summary(), "CRF 24 · ~2.3 MB · ~0:05");
        planned.encoder_crf = Some(23.62);
        assert_eq!(planned.summary(), "CRF 23.6 · ~2.3 MB · ~0:05");
    }

    #[test]
    fn a_moved_output_points_at_its_new_file_and_size() {
        let done = EventKind::RenditionDone(Output {
            rendition: "720p".into(),
            path: "720p.mp4".into(),
            width: 1280,
            height: 720,
            bytes: 1,
            skipped_tracks: Vec::new(),
            sidecars: vec!["720p.eng.vtt".into()],
            quality: None,
        });
        assert_eq!(done.output_path(), Some(Path::new("720p.mp4")));
        let moved = done.clone().moved_output("/out/720p.mp4".into(), Some(99));
        assert_eq!(moved.output_path(), Some(Path::new("/out/720p.mp4")));
        assert!(matches!(
            moved,
            EventKind::RenditionDone(Output { bytes: 99, .. })
        ));
        let kept = done.moved_output("x".into(), None);
        assert!(matches!(
            kept,
            EventKind::RenditionDone(Output { bytes: 1, .. })
        ));
        assert_eq!(EventKind::Cancelled.output_path(), None);
        assert_eq!(moved.files_beside(), [PathBuf::from("/out/720p.eng.vtt")]);
        assert!(EventKind::Cancelled.files_beside().is_empty());
    }
}
