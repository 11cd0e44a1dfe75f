//! The names of the files a job's folder holds besides its renditions and
//! thumbnail, declared once: the storyboard and the poster, which the
//! stream preset's player page (`index.html`) and the window read by name,
//! and the stream bundle's manifests and page, which the window lists.

use crate::presets::{Preset, ThumbnailSpec};

/// The storyboard's WebVTT file: cues `storyboard-001.jpg#xywh=x,y,w,h`.
pub const STORYBOARD_VTT: &str = "storyboard.vtt";

/// The representative frame a `poster = "best"` preset writes.
pub const POSTER_FILE: &str = "poster.jpg";

/// The HLS master playlist of a stream bundle.
pub const HLS_MASTER_PLAYLIST: &str = "master.m3u8";

/// The DASH manifest of a stream bundle.
pub const DASH_MANIFEST: &str = "manifest.mpd";

/// The page that plays a stream bundle from disk or any static server.
pub const PLAYER_PAGE: &str = "index.html";

/// A job's one thumbnail follows its first preset's spec (the default spec
/// when it has none).
pub fn job_thumbnail_spec(presets: &[Preset]) -> ThumbnailSpec {
    presets.first().map(|p| p.thumbnail).unwrap_or_default()
}

/// The job's thumbnail file: `thumbnail.<ext>` of [`job_thumbnail_spec`].
pub fn thumbnail_file_name(presets: &[Preset]) -> String {
    format!(
        "thumbnail.{}",
        job_thumbnail_spec(presets).format.extension()
    )
}

/// The name of the storyboard's `number`th sprite JPEG, counted from 1:
/// `storyboard-001.jpg`.
pub fn storyboard_sprite_name(number: usize) -> String {
    format!("storyboard-{number:03}.jpg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbnail_is_named_by_the_first_preset_and_is_a_jpeg_without_one() {
        assert_eq!(thumbnail_file_name(&[]), "thumbnail.jpg");
        let mut png = crate::presets::find_preset("web").unwrap();
        png.thumbnail.format = crate::presets::ThumbnailFormat::Png;
        let jpeg = crate::presets::find_preset("web").unwrap();
        assert_eq!(
            thumbnail_file_name(&[png.clone(), jpeg.clone()]),
            "thumbnail.png"
        );
        assert_eq!(thumbnail_file_name(&[jpeg, png]), "thumbnail.jpg");
    }

    #[test]
    fn sprite_names_are_numbered_from_one_with_three_digits() {
        assert_eq!(storyboard_sprite_name(1), "storyboard-001.jpg");
        assert_eq!(storyboard_sprite_name(12), "storyboard-012.jpg");
        assert_eq!(storyboard_sprite_name(1234), "storyboard-1234.jpg");
    }
}
