//! The hover scrub over a row's thumbnail: its storyboard (the WebVTT cues
//! and sprite JPEGs the engine wrote) read and decoded off the UI thread,
//! the sprites uploaded as textures for at most [`MAX_STORYBOARDS`] rows at
//! a time, and which tile a pointer position shows. Also which files of a
//! published bundle (manifests, player page, storyboard) a job's events named.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{unbounded, Receiver, Sender};
use eframe::egui;
use vidprism_engine::media::{parse_vtt, StoryboardCue};
use vidprism_engine::output::{
    DASH_MANIFEST, HLS_MASTER_PLAYLIST, PLAYER_PAGE, POSTER_FILE, STORYBOARD_VTT,
};
use vidprism_engine::pipeline::{Output, Storyboard};

use super::app::App;
use super::queue_model::{RenditionStatus, Row, RowId};

/// Rows whose storyboard textures are kept (the one hovered and the last
/// one before it): a storyboard of a long video is many sprites.
pub const MAX_STORYBOARDS: usize = 2;
/// Pixels a tile is decoded at, at most: a row's thumbnail at twice its
/// size (high-density screens).
pub const STORYBOARD_TILE_PIXELS: [u32; 2] = [224, 126];

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
    pub images: Result<StoryboardImages, String>,
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
fn read_storyboard(vtt: &Path, tile_max: [u32; 2]) -> Result<StoryboardImages, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", vtt.display());
    let text = std::fs::read_to_string(vtt).map_err(|e| fail(&e))?;
    let cues = parse_vtt(&text).map_err(|e| fail(&e))?;
    let names = distinct_sprites(&cues);
    let mut sprites = Vec::with_capacity(names.len());
    for name in names {
        // Only plain names beside the VTT.
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(fail(&format!("the sprite {name:?} is not beside it")));
        }
        let path = vtt.with_file_name(name);
        let mut reader = image::ImageReader::open(&path)
            .map_err(|e| fail(&e))?
            .with_guessed_format()
            .map_err(|e| fail(&e))?;
        let mut limits = image::Limits::default();
        // Against corrupt headers: no sprite we make is larger.
        limits.max_image_width = Some(vidprism_engine::limits::MAX_SPRITE_SIDE);
        limits.max_image_height = Some(vidprism_engine::limits::MAX_SPRITE_SIDE);
        reader.limits(limits);
        let mut img = reader.decode().map_err(|e| fail(&e))?;
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

/// A row's storyboard on the GPU: its cues and each sprite's texture with
/// the size its cues' rectangles are in.
pub struct Scrub {
    pub cues: Vec<StoryboardCue>,
    pub sprites: HashMap<String, (egui::TextureHandle, [u32; 2])>,
}

impl Scrub {
    /// The tile at `fraction` (0..1) of the video: its cue index, sprite
    /// texture and the tile's rectangle there in UV coordinates.
    pub fn tile_at(&self, fraction: f32) -> Option<(usize, egui::TextureId, egui::Rect)> {
        let index = cue_at(&self.cues, fraction)?;
        let cue = &self.cues[index];
        let (texture, [w, h]) = self.sprites.get(&cue.sprite)?;
        let (w, h) = (w.max(&1).to_owned() as f32, h.max(&1).to_owned() as f32);
        let uv = egui::Rect::from_min_max(
            egui::pos2(cue.x as f32 / w, cue.y as f32 / h),
            egui::pos2(
                (cue.x + cue.width) as f32 / w,
                (cue.y + cue.height) as f32 / h,
            ),
        );
        Some((index, texture.id(), uv))
    }
}

/// The cue showing at `fraction` (0..1) of the storyboard's duration: the
/// last cue's end is the video's end.
pub fn cue_at(cues: &[StoryboardCue], fraction: f32) -> Option<usize> {
    let end = cues.last()?.end_s;
    let t = f64::from(fraction.clamp(0.0, 1.0)) * end;
    let index = cues.partition_point(|c| c.end_s <= t);
    Some(index.min(cues.len() - 1))
}

/// A row's storyboard textures, asked of the loader, or why there are none.
pub enum ScrubTexture {
    Loading,
    Ready(Scrub),
    Failed(String),
}

/// The storyboards on the GPU, at most [`MAX_STORYBOARDS`], oldest
/// released first.
#[derive(Default)]
pub struct ScrubTextures {
    by_row: HashMap<RowId, (PathBuf, ScrubTexture)>,
    order: VecDeque<RowId>,
}

impl ScrubTextures {
    pub fn get(&self, row: RowId) -> Option<&ScrubTexture> {
        self.by_row.get(&row).map(|(_, t)| t)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_row.len()
    }

    /// Marks `row`'s storyboard at `vtt` as asked for; releases the oldest
    /// beyond the bound. Returns whether it was not already there.
    pub fn start_loading(&mut self, row: RowId, vtt: &Path) -> bool {
        if self.by_row.get(&row).is_some_and(|(p, _)| p == vtt) {
            return false;
        }
        self.forget(row);
        self.by_row
            .insert(row, (vtt.to_path_buf(), ScrubTexture::Loading));
        self.order.push_back(row);
        while self.order.len() > MAX_STORYBOARDS {
            if let Some(old) = self.order.pop_front() {
                self.by_row.remove(&old);
            }
        }
        true
    }

    pub fn forget(&mut self, row: RowId) {
        self.by_row.remove(&row);
        self.order.retain(|r| *r != row);
    }

    /// The slot a loaded storyboard goes in: only if still wanted.
    fn slot(&mut self, row: RowId, vtt: &Path) -> Option<&mut ScrubTexture> {
        self.by_row
            .get_mut(&row)
            .filter(|(p, _)| p == vtt)
            .map(|(_, t)| t)
    }
}

impl App {
    /// Asks the loader for `row`'s storyboard (hovered), unless it is on
    /// its way or there.
    pub fn load_storyboard(&mut self, row: RowId, tile_max: [u32; 2]) {
        let Some(vtt) = self
            .model
            .row(row)
            .and_then(|r| r.storyboard.as_ref())
            .map(|s| s.path.clone())
        else {
            return;
        };
        if self.view.scrubs.start_loading(row, &vtt) {
            self.systems.storyboards.request(row, vtt, tile_max);
        }
    }

    /// Uploads the storyboards the loader decoded and that are still wanted.
    pub fn upload_storyboards(&mut self, ctx: &egui::Context) {
        while let Some(loaded) = self.systems.storyboards.try_next() {
            let Some(slot) = self.view.scrubs.slot(loaded.row, &loaded.vtt) else {
                continue;
            };
            *slot = match loaded.images {
                Ok(images) => ScrubTexture::Ready(Scrub {
                    cues: images.cues,
                    sprites: images
                        .sprites
                        .into_iter()
                        .map(|(name, pixels, size)| {
                            let texture = ctx.load_texture(
                                format!("storyboard {} {name}", loaded.row),
                                pixels,
                                egui::TextureOptions::LINEAR,
                            );
                            (name, (texture, size))
                        })
                        .collect(),
                }),
                Err(e) => ScrubTexture::Failed(e),
            };
            ctx.request_repaint();
        }
    }
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

    fn cue(start_s: f64, end_s: f64) -> StoryboardCue {
        StoryboardCue {
            start_s,
            end_s,
            sprite: "storyboard-001.jpg".into(),
            x: 0,
            y: 0,
            width: 160,
            height: 90,
        }
    }

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
    fn a_pointer_fraction_picks_the_cue_showing_then() {
        let cues = [cue(0.0, 5.0), cue(5.0, 10.0), cue(10.0, 12.0)];
        assert_eq!(cue_at(&cues, 0.0), Some(0));
        assert_eq!(cue_at(&cues, 0.4), Some(0));
        assert_eq!(cue_at(&cues, 0.5), Some(1));
        assert_eq!(cue_at(&cues, 0.9), Some(2));
        assert_eq!(cue_at(&cues, 1.0), Some(2));
        assert_eq!(cue_at(&cues, 7.0), Some(2), "clamped");
        assert_eq!(cue_at(&[], 0.5), None);
    }

    #[test]
    fn at_most_two_storyboards_are_kept() {
        let mut scrubs = ScrubTextures::default();
        assert!(scrubs.start_loading(1, Path::new("/a/storyboard.vtt")));
        assert!(!scrubs.start_loading(1, Path::new("/a/storyboard.vtt")));
        assert!(scrubs.start_loading(2, Path::new("/b/storyboard.vtt")));
        assert!(scrubs.start_loading(3, Path::new("/c/storyboard.vtt")));
        assert_eq!(scrubs.len(), MAX_STORYBOARDS);
        assert!(scrubs.get(1).is_none(), "the oldest is released");
        assert!(scrubs.get(3).is_some());
        // A retry's new storyboard replaces the old one.
        assert!(scrubs.start_loading(3, Path::new("/c (2)/storyboard.vtt")));
        assert_eq!(scrubs.len(), 2);
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
}
