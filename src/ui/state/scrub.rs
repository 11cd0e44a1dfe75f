//! A row's storyboard on the GPU for the hover scrub: its cues, its
//! sprites' textures, and at most [`MAX_STORYBOARDS`] rows of them.

use crate::ui::state::queue_model::RowId;
use eframe::egui;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use vidprism_engine::media::StoryboardCue;

/// Rows whose storyboard textures are kept (the one hovered and the last
/// one before it): a storyboard of a long video is many sprites.
pub const MAX_STORYBOARDS: usize = 2;

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
    pub(in crate::ui) fn slot(&mut self, row: RowId, vtt: &Path) -> Option<&mut ScrubTexture> {
        self.by_row
            .get_mut(&row)
            .filter(|(p, _)| p == vtt)
            .map(|(_, t)| t)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    /// A cue of the first sprite's first 160x90 tile.
    pub(crate) fn cue(start_s: f64, end_s: f64) -> StoryboardCue {
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
}
