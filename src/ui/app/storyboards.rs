//! The hover scrub's storyboards asked of the loader and uploaded as
//! textures.

use crate::ui::app::App;
use crate::ui::state::queue_model::RowId;
use crate::ui::state::scrub::{Scrub, ScrubTexture};
use eframe::egui;

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
