//! One side of the compare view (the source or the rendition): a worker
//! thread holding the file open in the engine's [`FrameReader`], which
//! turns "the picture at this time" into an RGB picture. Requests pile up
//! while it works; it takes only the newest, and a newer one stops the
//! decode under way, so a scrub or a play that runs ahead of it skips
//! pictures instead of falling behind. After a seek the keyframe it landed
//! on comes first, marked approximate, while the picture asked decodes.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{unbounded, Receiver, Sender};
use vidprism_engine::media::geometry::Size;
use vidprism_engine::media::quality::Series;
use vidprism_engine::media::{plan_pictures, FrameReader, PicturePlan, RgbPicture};
use vidprism_engine::presets::PictureRules;
use vidprism_engine::store::SeriesFiles;

/// What a side's worker made of a request.
pub enum Fetched {
    /// The file opened: its duration (when it says) and picture duration.
    Opened {
        duration_s: Option<f64>,
        frame_s: f64,
    },
    Picture(RgbPicture),
    /// The keyframe before the picture asked, shown while it decodes.
    Approximate(RgbPicture),
    /// The rendition's per-frame score, as the job store kept it.
    Series(Series),
    /// The file cannot be read (gone, damaged): the view closes with this.
    Failed(vidprism_engine::Error),
}

/// A side's worker thread; dropping it stops the thread (it finishes the
/// picture it is on).
pub struct Fetcher {
    requests: Option<Sender<f64>>,
    results: Receiver<Fetched>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Fetcher {
    /// Opens `path` on a new thread making pictures of `size`, through
    /// the picture plan its job's `rules` make when given (a source: as its
    /// renditions saw it); first looks for its per-frame score in `series`
    /// when given. `wake` is called after each result.
    pub fn start(
        path: PathBuf,
        size: Size,
        rules: Option<PictureRules>,
        series: Option<SeriesFiles>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Fetcher> {
        let (requests, request_rx) = unbounded::<f64>();
        let (result_tx, results) = unbounded();
        let thread = std::thread::Builder::new()
            .name("compare frames".into())
            .spawn(move || {
                if let Some(found) = series.and_then(|files| files.find(&path)) {
                    let _ = result_tx.send(Fetched::Series(found));
                }
                serve(&path, size, rules, &request_rx, &result_tx, &*wake);
            })?;
        Ok(Fetcher {
            requests: Some(requests),
            results,
            thread: Some(thread),
        })
    }

    /// Asks for the picture showing at `time_s`.
    pub fn ask(&self, time_s: f64) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(time_s);
        }
    }

    pub fn try_next(&self) -> Option<Fetched> {
        self.results.try_recv().ok()
    }
}

/// Blocks until one of `fetchers` has a result waiting (or a worker is
/// gone), for at most `limit`; whether one has. For tests, which step the
/// window when there is news instead of polling against a clock.
#[cfg(test)]
pub fn wait_any(fetchers: &[&Fetcher], limit: std::time::Duration) -> bool {
    let mut select = crossbeam_channel::Select::new();
    for fetcher in fetchers {
        select.recv(&fetcher.results);
    }
    fetchers.is_empty() || select.ready_timeout(limit).is_ok()
}

impl Drop for Fetcher {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The worker: opens the file, then answers the newest request each time
/// until the view lets go of it or the file fails.
fn serve(
    path: &std::path::Path,
    size: Size,
    rules: Option<PictureRules>,
    requests: &Receiver<f64>,
    results: &Sender<Fetched>,
    wake: &(dyn Fn() + Send + Sync),
) {
    let send = |fetched: Fetched| {
        let sent = results.send(fetched).is_ok();
        wake();
        sent
    };
    let plan = rules.map_or_else(PicturePlan::default, |rules| {
        plan_pictures(path, rules).unwrap_or_else(|e| {
            tracing::warn!(source = %path.display(), error = %e, "shown without its picture plan");
            PicturePlan::default()
        })
    });
    let mut reader = match FrameReader::open_prepared(path, plan) {
        Ok(reader) => reader,
        Err(e) => {
            send(Fetched::Failed(e));
            return;
        }
    };
    let opened = Fetched::Opened {
        duration_s: reader.duration_s(),
        frame_s: reader.frame_s(),
    };
    if !send(opened) {
        return;
    }
    let mut newer: Option<f64> = None;
    loop {
        let time_s = match newer.take() {
            Some(t) => t,
            None => match requests.recv() {
                Ok(first) => requests.try_iter().last().unwrap_or(first),
                Err(_) => return,
            },
        };
        // The keyframe a seek lands on is shown at once; a newer time
        // asked meanwhile stops this decode.
        let mut early = |picture: Option<RgbPicture>| {
            newer = requests.try_iter().last();
            if newer.is_some() {
                return false;
            }
            picture.is_none_or(|p| send(Fetched::Approximate(p)))
        };
        let fetched = match reader.picture_at_early(time_s, size, &mut early) {
            Ok(Some(picture)) => Fetched::Picture(picture),
            Ok(None) => continue,
            Err(e) => Fetched::Failed(e),
        };
        let failed = matches!(fetched, Fetched::Failed(_));
        if !send(fetched) || failed {
            return;
        }
    }
}
