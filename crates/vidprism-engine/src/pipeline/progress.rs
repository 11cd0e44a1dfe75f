//! Rate-limited progress of the renditions of one transcode: about ten
//! events a second per rendition, with fraction, speed and time left.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::event::{EventKind, Progress, Stage};
use super::job::Job;
use crate::media::RenditionProgress;

const INTERVAL: Duration = Duration::from_millis(100);

pub struct ProgressReporter<'a> {
    job: &'a Job,
    labels: Vec<String>,
    duration_s: Option<f64>,
    started: Instant,
    last_sent: Vec<Mutex<Option<Instant>>>,
}

impl<'a> ProgressReporter<'a> {
    pub fn new(job: &'a Job, labels: Vec<String>, duration_s: Option<f64>) -> Self {
        let last_sent = labels.iter().map(|_| Mutex::new(None)).collect();
        ProgressReporter {
            job,
            labels,
            duration_s,
            started: Instant::now(),
            last_sent,
        }
    }

    pub fn report(&self, index: usize, progress: RenditionProgress) {
        let (Some(label), Some(last)) = (self.labels.get(index), self.last_sent.get(index)) else {
            return;
        };
        let now = Instant::now();
        {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| now.duration_since(t) < INTERVAL) {
                return;
            }
            *last = Some(now);
        }
        let elapsed_s = now.duration_since(self.started).as_secs_f64().max(1e-3);
        let fraction = match self.duration_s {
            Some(d) if d > 0.0 => (progress.position_s / d).clamp(0.0, 1.0),
            _ => 0.0,
        };
        let eta_s = (fraction > 0.001).then(|| elapsed_s * (1.0 - fraction) / fraction);
        self.job.emit_lossy(EventKind::Progress(Progress {
            stage: Stage::Transcode,
            rendition: label.clone(),
            fraction,
            fps: progress.frames as f64 / elapsed_s,
            eta_s,
        }));
    }
}
