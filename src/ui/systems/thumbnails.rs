//! Thumbnail loading off the UI thread: a worker decodes the JPEGs the
//! engine wrote and scales them down to the size they are shown at (a row,
//! or the details preview), so the UI thread only uploads small textures.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::ui::state::queue_model::RowId;

/// Where a thumbnail is shown: its texture is made for that size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThumbnailUse {
    Row,
    Preview,
}

/// A thumbnail to decode for `row`, fitted into `max` pixels.
struct Request {
    row: RowId,
    path: PathBuf,
    used: ThumbnailUse,
    max: [u32; 2],
}

/// A decoded thumbnail, or why it could not be read.
pub struct Loaded {
    pub row: RowId,
    pub path: PathBuf,
    pub used: ThumbnailUse,
    pub image: Result<egui::ColorImage, String>,
}

/// Decodes thumbnails on its own thread.
pub struct ThumbnailLoader {
    requests: Option<Sender<Request>>,
    results: Receiver<Loaded>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ThumbnailLoader {
    /// Starts the worker; `wake` is called after each result so the window
    /// repaints.
    pub fn start(wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<ThumbnailLoader> {
        let (requests, request_rx) = unbounded::<Request>();
        let (result_tx, results) = unbounded();
        let thread = std::thread::Builder::new()
            .name("thumbnail loader".into())
            .spawn(move || {
                for Request {
                    row,
                    path,
                    used,
                    max,
                } in request_rx
                {
                    let image = decode(&path, max);
                    let loaded = Loaded {
                        row,
                        path,
                        used,
                        image,
                    };
                    if result_tx.send(loaded).is_err() {
                        return;
                    }
                    wake();
                }
            })?;
        Ok(ThumbnailLoader {
            requests: Some(requests),
            results,
            thread: Some(thread),
        })
    }

    /// Asks for `path` decoded and fitted into `max` pixels.
    pub fn request(&self, row: RowId, path: PathBuf, used: ThumbnailUse, max: [u32; 2]) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(Request {
                row,
                path,
                used,
                max,
            });
        }
    }

    /// A finished load, without waiting.
    pub fn try_next(&self) -> Option<Loaded> {
        self.results.try_recv().ok()
    }

    /// Whether finished loads wait to be taken.
    pub fn has_results(&self) -> bool {
        !self.results.is_empty()
    }
}

impl Drop for ThumbnailLoader {
    fn drop(&mut self) {
        // Closing the request channel ends the worker after its current file.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn decode(path: &std::path::Path, max: [u32; 2]) -> Result<egui::ColorImage, String> {
    let mut reader = image::ImageReader::open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .with_guessed_format()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // Bound what a corrupt header can make us allocate.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(vidprism_engine::limits::MAX_DIMENSION);
    limits.max_image_height = Some(vidprism_engine::limits::MAX_DIMENSION);
    reader.limits(limits);
    let mut img = reader
        .decode()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let [max_w, max_h] = max.map(|m| m.max(1));
    if img.width() > max_w || img.height() > max_h {
        img = img.thumbnail(max_w, max_h);
    }
    let rgba = img.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        size,
        rgba.as_raw(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait(loader: &ThumbnailLoader) -> Loaded {
        let start = Instant::now();
        loop {
            if let Some(l) = loader.try_next() {
                return l;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "loader hung");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn decodes_a_jpeg_and_reports_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("t.jpg");
        image::RgbImage::from_pixel(32, 18, image::Rgb([200, 10, 10]))
            .save(&good)
            .unwrap();
        let bad = dir.path().join("bad.jpg");
        std::fs::write(&bad, b"not a jpeg").unwrap();
        let loader = ThumbnailLoader::start(Arc::new(|| {})).unwrap();
        loader.request(1, good.clone(), ThumbnailUse::Preview, [64, 64]);
        let l = wait(&loader);
        assert_eq!(l.row, 1);
        assert_eq!(l.used, ThumbnailUse::Preview);
        assert_eq!(l.image.unwrap().size, [32, 18], "never scaled up");
        loader.request(1, good, ThumbnailUse::Row, [16, 16]);
        assert_eq!(
            wait(&loader).image.unwrap().size,
            [16, 9],
            "scaled down to the box it is shown in"
        );
        loader.request(2, bad, ThumbnailUse::Row, [16, 16]);
        assert!(wait(&loader).image.is_err());
    }
}
