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
    Unreadable {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
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
    OutputFolder {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
    #[error("{path}: cannot write output: {reason}")]
    Write {
        path: PathBuf,
        #[source]
        reason: Cause,
    },
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
            reason: e.into(),
        }
    }
}

/// What lies under an error reading or writing a file: the I/O or FFmpeg
/// error itself, kept as the error's source so that a report keeps the
/// cause (its kind, its OS code), or a few words when nothing lies under
/// it. Shown in plain words ([`io_reason`]), so the sentences read as they
/// always did.
#[derive(Debug)]
pub enum Cause {
    Io(std::io::Error),
    Ffmpeg(ffmpeg_next::Error),
    /// Encoding a picture file (thumbnail, sprite).
    Image(image::ImageError),
    /// Nothing lies under it: why, in a few words.
    Said(String),
}

impl Cause {
    /// The I/O error underneath, if it is one.
    pub fn io(&self) -> Option<&std::io::Error> {
        match self {
            Cause::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Io(e) => f.write_str(&io_reason(e)),
            Cause::Ffmpeg(e) => write!(f, "{e}"),
            Cause::Image(e) => write!(f, "{e}"),
            Cause::Said(words) => f.write_str(words),
        }
    }
}

impl std::error::Error for Cause {
    /// What lies under the I/O error, if anything: the cause's own text is
    /// its Display, so a chain does not say it twice.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Cause::Io(e) => e.source(),
            Cause::Image(e) => e.source(),
            Cause::Ffmpeg(_) | Cause::Said(_) => None,
        }
    }
}

impl From<std::io::Error> for Cause {
    fn from(e: std::io::Error) -> Cause {
        Cause::Io(e)
    }
}

impl From<ffmpeg_next::Error> for Cause {
    fn from(e: ffmpeg_next::Error) -> Cause {
        Cause::Ffmpeg(e)
    }
}

impl From<image::ImageError> for Cause {
    fn from(e: image::ImageError) -> Cause {
        Cause::Image(e)
    }
}

impl From<String> for Cause {
    fn from(words: String) -> Cause {
        Cause::Said(words)
    }
}

impl From<&str> for Cause {
    fn from(words: &str) -> Cause {
        Cause::Said(words.to_owned())
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// The sentence reads as it always did, and the I/O error is kept
    /// underneath it (it was flattened to text).
    #[test]
    fn a_write_error_reads_as_before_and_keeps_the_io_error() {
        let enospc = std::io::Error::from_raw_os_error(28);
        let e = Error::write(std::path::Path::new("out/a.mp4"))(enospc);
        assert_eq!(
            e.to_string(),
            "out/a.mp4: cannot write output: no space left on device"
        );
        let cause = e.source().and_then(|s| s.downcast_ref::<Cause>());
        let io = cause.and_then(Cause::io);
        assert_eq!(io.and_then(std::io::Error::raw_os_error), Some(28));
        assert_eq!(
            io.map(std::io::Error::kind),
            Some(std::io::ErrorKind::StorageFull)
        );
    }

    #[test]
    fn an_ffmpeg_cause_is_kept_and_said_as_ffmpeg_says_it() {
        let e = Error::Unreadable {
            path: "a.mkv".into(),
            reason: ffmpeg_next::Error::Eof.into(),
        };
        assert_eq!(
            e.to_string(),
            format!("a.mkv: cannot be read: {}", ffmpeg_next::Error::Eof)
        );
        let cause = e.source().and_then(|s| s.downcast_ref::<Cause>());
        assert!(
            matches!(cause, Some(Cause::Ffmpeg(ffmpeg_next::Error::Eof))),
            "{cause:?}"
        );
    }
}
