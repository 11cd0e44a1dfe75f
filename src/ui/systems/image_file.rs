//! Reading an image file the engine wrote (a thumbnail, a storyboard's
//! sprite) for the window, bounded against corrupt headers.

use std::path::{Path, PathBuf};

/// Why an image file could not be read: the file and the cause, kept.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct ImageFileError {
    pub path: PathBuf,
    #[source]
    pub source: image::ImageError,
}

/// Decodes the image at `path`, refusing a side over `max_side` pixels;
/// `shown` is the path its error names.
pub fn read_image(
    path: &Path,
    max_side: u32,
    shown: &Path,
) -> Result<image::DynamicImage, ImageFileError> {
    let fail = |source| ImageFileError {
        path: shown.to_path_buf(),
        source,
    };
    let mut reader = image::ImageReader::open(path)
        .map_err(|e| fail(image::ImageError::IoError(e)))?
        .with_guessed_format()
        .map_err(|e| fail(image::ImageError::IoError(e)))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    reader.limits(limits);
    reader.decode().map_err(fail)
}
