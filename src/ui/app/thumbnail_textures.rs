//! Which thumbnails are on the GPU: those of the rows in view (and a few
//! rows around them), at row size, and the selected row's preview. Rows
//! scrolled far away give their texture back and load it again from the
//! file when they come back, so 10,000 rows cost what a screenful costs.
//! A frame uploads a bounded number of textures; the rest wait for the next.

use std::collections::HashSet;
use std::ops::Range;

use eframe::egui;

use crate::ui::app::{App, NEWS_REPAINT};
use crate::ui::state::view_state::ThumbnailTexture;
use crate::ui::state::view_state::{PREVIEW_SIZE, ROW_THUMB};
use crate::ui::systems::repaint::one_pass_within;
use crate::ui::systems::thumbnails::{Loaded, ThumbnailUse};

/// Rows above and below the view whose textures are kept.
pub const KEEP_AROUND: usize = 20;
/// Most textures uploaded in one frame.
pub const UPLOADS_PER_FRAME: usize = 8;

impl App {
    /// After drawing rows `visible`: uploads what the loader decoded,
    /// asks for the thumbnails those rows (and the selected one) lack, and
    /// releases the textures of rows far out of view.
    pub fn sync_thumbnails(&mut self, ctx: &egui::Context, visible: Range<usize>) {
        self.upload_thumbnails(ctx);
        let rows = self.model.rows();
        let keep_end = visible.end.saturating_add(KEEP_AROUND).min(rows.len());
        let keep_start = visible.start.saturating_sub(KEEP_AROUND).min(keep_end);
        let keep: HashSet<_> = rows[keep_start..keep_end].iter().map(|r| r.id).collect();
        self.view.textures.retain(|id, _| keep.contains(id));

        let ppp = ctx.pixels_per_point();
        let pixels =
            |size: egui::Vec2| [(size.x * ppp).round() as u32, (size.y * ppp).round() as u32];
        let end = visible.end.min(rows.len());
        for row in &rows[visible.start.min(end)..end] {
            let Some(thumbnail) = &row.thumbnail else {
                continue;
            };
            if self.view.textures.contains_key(&row.id) {
                continue;
            }
            self.systems.loader.request(
                row.id,
                thumbnail.path.clone(),
                ThumbnailUse::Row,
                pixels(ROW_THUMB),
            );
            self.view.textures.insert(row.id, ThumbnailTexture::Loading);
        }

        let selected = self
            .view
            .selected
            .and_then(|id| self.model.row(id))
            .and_then(|r| r.thumbnail.as_ref().map(|t| (r.id, t.path.clone())));
        match selected {
            Some((id, path)) => {
                if self.view.preview.as_ref().is_none_or(|(p, _)| *p != id) {
                    let size = pixels(PREVIEW_SIZE);
                    self.systems
                        .loader
                        .request(id, path, ThumbnailUse::Preview, size);
                    self.view.preview = Some((id, ThumbnailTexture::Loading));
                }
            }
            None => self.view.preview = None,
        }
    }

    /// Uploads at most [`UPLOADS_PER_FRAME`] decoded thumbnails that are
    /// still wanted; asks for another frame soon when more wait.
    fn upload_thumbnails(&mut self, ctx: &egui::Context) {
        for _ in 0..UPLOADS_PER_FRAME {
            let Some(loaded) = self.systems.loader.try_next() else {
                return;
            };
            self.upload(ctx, loaded);
        }
        if self.systems.loader.has_results() {
            one_pass_within(ctx, NEWS_REPAINT);
        }
    }

    fn upload(&mut self, ctx: &egui::Context, loaded: Loaded) {
        // A retry may have replaced the thumbnail since it was asked for.
        let current = self
            .model
            .row(loaded.row)
            .and_then(|r| r.thumbnail.as_ref())
            .is_some_and(|t| t.path == loaded.path);
        let slot = match loaded.used {
            ThumbnailUse::Row => self.view.textures.get_mut(&loaded.row),
            ThumbnailUse::Preview => self
                .view
                .preview
                .as_mut()
                .filter(|(id, _)| *id == loaded.row)
                .map(|(_, t)| t),
        };
        // Released while it was decoded: nothing to show it in.
        let Some(slot) = slot.filter(|_| current) else {
            return;
        };
        *slot = match loaded.image {
            Ok(image) => ThumbnailTexture::Ready(ctx.load_texture(
                format!("thumbnail {} {:?}", loaded.row, loaded.used),
                image,
                egui::TextureOptions::LINEAR,
            )),
            Err(e) => ThumbnailTexture::Failed(e),
        };
    }
}
