//! The hover scrub over a row's thumbnail: its storyboard (the WebVTT cues
//! and sprite JPEGs the engine wrote) read and decoded off the UI thread,
//! the sprites uploaded as textures for at most [`MAX_STORYBOARDS`] rows at
//! a time, and which tile a pointer position shows. Also which files of a
//! published bundle (manifests, player page, storyboard) a job's events named.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{unbounded, Receiver, Sender};
use eframe::egui;
use vidprism_engine::media::{parse_vtt, StoryboardCue, VttError};
use vidprism_engine::output::{
    DASH_MANIFEST, HLS_MASTER_PLAYLIST, PLAYER_PAGE, POSTER_FILE, STORYBOARD_VTT,
};
use vidprism_engine::pipeline::{Output, Storyboard};

use crate::ui::state::queue_model::{RenditionStatus, Row, RowId};
use crate::ui::systems::image_file::{read_image, ImageFileError};

/// Pixels a tile is decoded at, at most: a row's thumbnail at twice its
/// size (high-density screens).
pub const STORYBOARD_TILE_PIXELS: [u32; 2] = [224, 126];

/// Why a row's storyboard cannot be shown; each names the VTT file.
#[derive(Debug, thiserror::Error)]
pub enum StoryboardError {
    #[error("{}: {source}", vtt.display())]
    Read {
        vtt: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", vtt.display())]
    Cues {
        vtt: PathBuf,
        #[source]
        source: VttError,
    },
    #[error("{}: the sprite {name:?} is not beside it", vtt.display())]
    SpriteElsewhere { vtt: PathBuf, name: String },
    #[error(transparent)]
    Sprite(#[from] ImageFileError),
}

/// A row's storyboard as decoded on the loader's thread.
pub struct StoryboardImages {
    pub cues: Vec<StoryboardCue>,
    /// Each sprite's name, pixels (maybe scaled down) and size on disk,
    /// which the cues' rectangles are in.
    pub sprites: Vec<(String, egui::ColorImage, [u32; 2])>,
}

/// A decoded storyboard for `row`, or why it could not be read.
pub struct LoadedStoryboard {
    pub row: RowId,
    pub vtt: PathBuf,
    pub images: Result<StoryboardImages, StoryboardError>,
}

struct Request {
    row: RowId,
    vtt: PathBuf,
    /// Tiles are scaled down to at most this many pixels.
    tile_max: [u32; 2],
}

/// Reads storyboards on its own thread.
pub struct StoryboardLoader {
    requests: Option<Sender<Request>>,
    results: Receiver<LoadedStoryboard>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StoryboardLoader {
    /// Starts the worker; `wake` is called after each result.
    pub fn start(wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<StoryboardLoader> {
        let (requests, request_rx) = unbounded::<Request>();
        let (result_tx, results) = unbounded();
        let thread = std::thread::Builder::new()
            .name("storyboard loader".into())
            .spawn(move || {
                for Request { row, vtt, tile_max } in request_rx {
                    let images = read_storyboard(&vtt, tile_max);
                    if result_tx
                        .send(LoadedStoryboard { row, vtt, images })
                        .is_err()
                    {
                        return;
                    }
                    wake();
                }
            })?;
        Ok(StoryboardLoader {
            requests: Some(requests),
            results,
            thread: Some(thread),
        })
    }

    pub fn request(&self, row: RowId, vtt: PathBuf, tile_max: [u32; 2]) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(Request { row, vtt, tile_max });
        }
    }

    pub fn try_next(&self) -> Option<LoadedStoryboard> {
        self.results.try_recv().ok()
    }
}

impl Drop for StoryboardLoader {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The sprites the cues name, each once, in the order first named (cues
/// from a farm worker may name the same sprites alternately).
fn distinct_sprites(cues: &[StoryboardCue]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    cues.iter()
        .map(|c| c.sprite.as_str())
        .filter(|name| seen.insert(*name))
        .collect()
}

/// Reads the VTT and decodes every sprite it names, scaled so a tile fits
/// in `tile_max`.
fn read_storyboard(vtt: &Path, tile_max: [u32; 2]) -> Result<StoryboardImages, StoryboardError> {
    let text = std::fs::read_to_string(vtt).map_err(|source| StoryboardError::Read {
        vtt: vtt.to_path_buf(),
        source,
    })?;
    let cues = parse_vtt(&text).map_err(|source| StoryboardError::Cues {
        vtt: vtt.to_path_buf(),
        source,
    })?;
    let names = distinct_sprites(&cues);
    let mut sprites = Vec::with_capacity(names.len());
    for name in names {
        // Only plain names beside the VTT.
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(StoryboardError::SpriteElsewhere {
                vtt: vtt.to_path_buf(),
                name: name.to_owned(),
            });
        }
        // Against corrupt headers: no sprite we make is larger.
        let max_side = vidprism_engine::limits::MAX_SPRITE_SIDE;
        let mut img = read_image(&vtt.with_file_name(name), max_side, vtt)?;
        let original = [img.width(), img.height()];
        if let Some(cue) = cues.iter().find(|c| c.sprite == name) {
            let scale = (f64::from(tile_max[0].max(1)) / f64::from(cue.width.max(1)))
                .min(f64::from(tile_max[1].max(1)) / f64::from(cue.height.max(1)));
            if scale < 1.0 {
                let w = (f64::from(img.width()) * scale).round().max(1.0) as u32;
                let h = (f64::from(img.height()) * scale).round().max(1.0) as u32;
                img = img.resize_exact(w, h, image::imageops::FilterType::Triangle);
            }
        }
        let rgba = img.to_rgba8();
        let size = [rgba.width() as usize, rgba.height() as usize];
        let pixels = egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw());
        sprites.push((name.to_owned(), pixels, original));
    }
    Ok(StoryboardImages { cues, sprites })
}

/// [`bundle_files`] of a row: its done renditions and its storyboard.
pub fn row_bundle_files(row: &Row) -> Vec<PathBuf> {
    let outputs = row.renditions.iter().filter_map(|r| match &r.status {
        RenditionStatus::Done(output) => Some(output),
        _ => None,
    });
    bundle_files(outputs, row.storyboard.as_ref())
}

/// The files of a published bundle that a job's events named, in the
/// order a user reads them: the player page and the manifests (the last
/// rung's `rendition_done.sidecars`), the storyboard and the poster (its
/// `storyboard_ready`). Nothing is looked for on disk.
pub fn bundle_files<'a>(
    outputs: impl IntoIterator<Item = &'a Output>,
    storyboard: Option<&Storyboard>,
) -> Vec<PathBuf> {
    let named: Vec<PathBuf> = (outputs.into_iter().flat_map(Output::files))
        .chain(storyboard.map(Storyboard::files).unwrap_or_default())
        .collect();
    [
        PLAYER_PAGE,
        HLS_MASTER_PLAYLIST,
        DASH_MANIFEST,
        STORYBOARD_VTT,
        POSTER_FILE,
    ]
    .iter()
    .filter_map(|name| {
        named
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == *name))
    })
    .cloned()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::state::scrub::tests::cue;

    /// Issue 26: `dedup` removed only neighbours, so cues alternating two
    /// sprites decoded them once per cue.
    #[test]
    fn each_sprite_is_decoded_once_however_the_cues_name_them() {
        let cues: Vec<StoryboardCue> = (0..6)
            .map(|i| StoryboardCue {
                sprite: format!("storyboard-00{}.jpg", 1 + i % 2),
                ..cue(f64::from(i), f64::from(i + 1))
            })
            .collect();
        assert_eq!(
            distinct_sprites(&cues),
            ["storyboard-001.jpg", "storyboard-002.jpg"]
        );
    }

    #[test]
    fn the_bundle_lists_the_files_the_events_named_in_reading_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        // On disk but named by no event: not listed (it was, by name).
        std::fs::write(dir.path().join(DASH_MANIFEST), "<MPD/>").expect("written");
        assert!(bundle_files([], None).is_empty());
        let out = dir.path().display().to_string();
        let output: Output = serde_json::from_value(serde_json::json!({
            "rendition": "360p", "path": format!("{out}/360p.mp4"),
            "width": 640, "height": 360, "bytes": 1,
            "sidecars": ["audio.mp4", "360p.m3u8", "master.m3u8", "index.html"],
        }))
        .expect("an output");
        let storyboard: Storyboard = serde_json::from_value(serde_json::json!({
            "path": format!("{out}/storyboard.vtt"), "sprites": ["storyboard-001.jpg"],
            "tiles": 4, "tile_width": 160, "tile_height": 90, "poster": "poster.jpg",
        }))
        .expect("a storyboard");
        let names: Vec<String> = bundle_files([&output], Some(&storyboard))
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(
            names,
            [
                PLAYER_PAGE,
                HLS_MASTER_PLAYLIST,
                STORYBOARD_VTT,
                POSTER_FILE
            ]
        );
    }

    /// The scrub's error names the VTT, as the string it was did.
    #[test]
    fn a_sprite_elsewhere_is_refused_naming_the_vtt() {
        let dir = tempfile::tempdir().expect("temp dir");
        let vtt = dir.path().join(STORYBOARD_VTT);
        let cues = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n../x.jpg#xywh=0,0,160,90\n";
        std::fs::write(&vtt, cues).expect("written");
        let Err(e) = read_storyboard(&vtt, [224, 126]) else {
            panic!("a sprite outside the folder was read");
        };
        let expected = format!(
            "{}: the sprite \"../x.jpg\" is not beside it",
            vtt.display()
        );
        assert_eq!(e.to_string(), expected);
        let missing = dir.path().join("none.vtt");
        let Err(e) = read_storyboard(&missing, [224, 126]) else {
            panic!("a missing VTT was read");
        };
        assert!(
            e.to_string()
                .starts_with(&format!("{}: ", missing.display())),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
    }
}
