//! The pictures of one side uploaded as textures, at most [`MAX_FRAMES`]:
//! the oldest uploaded goes first, so a view left open on a long file
//! holds a bounded amount of memory.

use std::collections::VecDeque;

use eframe::egui;

/// Pictures kept per side.
pub const MAX_FRAMES: usize = 32;

/// A picture on the GPU and when it shows.
pub struct Frame {
    pub time_s: f64,
    pub duration_s: f64,
    pub texture: egui::TextureHandle,
}

impl Frame {
    /// Whether it is the picture showing at `time_s` (with the reader's
    /// slack for times written as decimals).
    pub fn shows_at(&self, time_s: f64) -> bool {
        let slack = self.duration_s * 0.01;
        self.time_s <= time_s + slack && time_s + slack < self.time_s + self.duration_s
    }
}

#[derive(Default)]
pub struct FrameCache {
    frames: VecDeque<Frame>,
}

impl FrameCache {
    /// The picture showing at `time_s`, when uploaded.
    pub fn at(&self, time_s: f64) -> Option<&Frame> {
        self.frames.iter().find(|f| f.shows_at(time_s))
    }

    /// Keeps `frame` (replacing one at the same time), releasing the
    /// oldest beyond [`MAX_FRAMES`].
    pub fn insert(&mut self, frame: Frame) {
        self.frames.retain(|f| f.time_s != frame.time_s);
        self.frames.push_back(frame);
        while self.frames.len() > MAX_FRAMES {
            self.frames.pop_front();
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.frames.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ctx: &egui::Context, time_s: f64) -> Frame {
        Frame {
            time_s,
            duration_s: 0.04,
            texture: ctx.load_texture(
                "test",
                egui::ColorImage::filled([2, 2], egui::Color32::RED),
                egui::TextureOptions::LINEAR,
            ),
        }
    }

    #[test]
    fn a_time_finds_the_picture_showing_then_and_the_cache_stays_bounded() {
        let ctx = egui::Context::default();
        let mut cache = FrameCache::default();
        for i in 0..100 {
            cache.insert(frame(&ctx, f64::from(i) * 0.04));
        }
        assert_eq!(cache.len(), MAX_FRAMES);
        let last = cache.at(3.97).expect("the last picture");
        assert!((last.time_s - 3.96).abs() < 1e-9);
        assert!(cache.at(0.0).is_none(), "the oldest were released");
        // 100 pictures in, 32 kept: the 69th (2.72 s) is the oldest left.
        assert!(cache.at(2.70).is_none(), "the 68th was released");
        assert!(cache
            .at(2.73)
            .is_some_and(|f| (f.time_s - 2.72).abs() < 1e-9));
        assert!(cache.at(4.5).is_none());
    }
}
