//! The engine's errors. Each variant reads as a sentence a user can act on,
//! and names the file it is about.

use std::path::PathBuf;

/// Why a source, a rendition or an output could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: file not found")]
    NotFound { path: PathBuf },
    #[error("{path}: is a folder, not a video file")]
    IsDirectory { path: PathBuf },
    #[error(
        "{path}: is not a regular file (a pipe, socket or device), so it cannot be read as a video"
    )]
    NotRegularFile { path: PathBuf },
    #[error("{path}: file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: cannot be read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: not a video file (FFmpeg does not recognise its format)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: is {kind}, not a video (it would make FFmpeg read other files)")]
    NotAVideo { path: PathBuf, kind: &'static str },
    #[error("{path}: has no video stream (audio only)")]
    AudioOnly { path: PathBuf },
    #[error("{path}: has no video stream")]
    NoVideo { path: PathBuf },
    #[error("{path}: is a still image, not a video")]
    StillImage { path: PathBuf },
    #[error("{path}: video is {width}x{height}, larger than the {max}x{max} VidPrism handles")]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        max: u32,
    },
    #[error("{path}: has {count} streams, more than the {max} VidPrism handles")]
    TooManyStreams { path: PathBuf, count: u32, max: u32 },
    #[error("{path}: the {codec} video codec cannot be decoded by this FFmpeg")]
    NoDecoder { path: PathBuf, codec: String },
    #[error("{path}: file is truncated or corrupt ({detail})")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: no frame of the video could be decoded (corrupt or truncated file)")]
    NoDecodableFrame { path: PathBuf },
    #[error("the {encoder} encoder is not available in this FFmpeg build")]
    EncoderMissing { encoder: String },
    #[error("{path}: cannot create the output folder: {reason}")]
    OutputFolder { path: PathBuf, reason: String },
    #[error("{path}: cannot write output: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{what} failed: {source}")]
    Ffmpeg {
        what: String,
        #[source]
        source: ffmpeg_next::Error,
    },
    #[error(
        "not made: its pictures are scaled from the {rendition} rendition's, which were not made"
    )]
    UpstreamRendition { rendition: String },
    #[error(
        "cannot stay HDR as the preset's hdr = \"keep\" asks: this FFmpeg's {encoder} \
         encoder has no 10-bit mode; use hdr = \"auto\" to tone-map this rendition to SDR"
    )]
    HdrUnsupported { encoder: String },
    #[error("not made: tone-mapping the HDR source to SDR failed: {reason}")]
    ToneMapping { reason: String },
    /// Below its preset's `min_ssim` (issue 24); `again` names the lower
    /// CRF (or higher bitrate) it was made at once more, when it was.
    #[error("{}", below_floor(.ssim, .floor, .again))]
    BelowFloor {
        ssim: f64,
        floor: f64,
        again: Option<String>,
    },
    #[error("could not be scored, so its min_ssim of {floor} cannot be checked")]
    Unscored { floor: f64 },
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Wraps an FFmpeg error with what was being done.
    pub fn ffmpeg(what: impl Into<String>) -> impl FnOnce(ffmpeg_next::Error) -> Error {
        let what = what.into();
        move |source| Error::Ffmpeg { what, source }
    }

    pub fn write(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |e| Error::Write {
            path: path.to_path_buf(),
            reason: io_reason(&e),
        }
    }
}

/// "scored 0.951 < 0.97": the score with 3 decimals, more when 3 would
/// round it up to the floor.
fn below_floor(ssim: &f64, floor: &f64, again: &Option<String>) -> String {
    let mut digits = 3;
    while digits < 6
        && format!("{ssim:.digits$}")
            .parse::<f64>()
            .is_ok_and(|shown| shown >= *floor)
    {
        digits += 1;
    }
    let again = again
        .as_ref()
        .map(|a| format!(" (also when made again at {a})"))
        .unwrap_or_default();
    format!("scored {ssim:.digits$} < {floor}{again}")
}

/// An I/O error in plain words ("permission denied", "no space left on device").
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    // std appends " (os error N)"; users do not need the number.
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
