//! Opening a source: the file checks users need words for, the demuxer, and
//! the decoders of its video and first audio stream.

use std::io::Read;
use std::path::Path;

use ffmpeg_next::{codec, decoder, format, media};

use super::plain_file::{self, OpenError};
use crate::error::{Error, Result};
use crate::limits::{MAX_DIMENSION, MAX_STREAMS};

/// Reads `input`'s next packet into `packet`: `false` at the end of the
/// file; a read error is the source's corruption, naming `source`.
pub(crate) fn next_packet(
    packet: &mut ffmpeg_next::Packet,
    input: &mut format::context::Input,
    source: &Path,
) -> Result<bool> {
    match packet.read(input) {
        Ok(()) => Ok(true),
        Err(ffmpeg_next::Error::Eof) => Ok(false),
        Err(e) => Err(Error::Corrupt {
            path: source.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}

/// Checks the path before FFmpeg sees it, so that the common mistakes get
/// plain answers instead of FFmpeg's error codes (and a farm's submitter
/// can refuse a source before sending it).
pub fn check_source(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Unreadable {
            path: path.to_path_buf(),
            reason: e.into(),
        },
    })?;
    if meta.is_dir() {
        return Err(Error::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    // A pipe would block FFmpeg's read until a writer comes, maybe forever.
    if !meta.is_file() {
        return Err(Error::NotRegularFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    std::fs::File::open(path).map_err(|e| Error::Unreadable {
        path: path.to_path_buf(),
        reason: e.into(),
    })?;
    Ok(())
}

/// Whether the file starts like an ISO-BMFF (MP4/MOV) file, so that a
/// missing index can be reported as truncation rather than "unknown format".
fn looks_like_mp4(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| &head[4..8] == b"ftyp")
        .unwrap_or(false)
}

/// Opens the container and checks it holds a usable video stream.
pub fn open_input(path: &Path) -> Result<(format::context::Input, usize)> {
    super::init();
    check_source(path)?;
    let input = plain_file::open(path).map_err(|e| match e {
        OpenError::Refused("a still image") => Error::StillImage {
            path: path.to_path_buf(),
        },
        OpenError::Refused(kind) => Error::NotAVideo {
            path: path.to_path_buf(),
            kind,
        },
        OpenError::Ffmpeg(ffmpeg_next::Error::InvalidData) if looks_like_mp4(path) => {
            Error::Corrupt {
                path: path.to_path_buf(),
                detail: "its MP4 index is missing".into(),
            }
        }
        OpenError::Ffmpeg(ffmpeg_next::Error::Eof) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: "it ends before its headers do".into(),
        },
        OpenError::Ffmpeg(
            ffmpeg_next::Error::InvalidData
            | ffmpeg_next::Error::DecoderNotFound
            | ffmpeg_next::Error::DemuxerNotFound,
        ) => Error::UnknownFormat {
            path: path.to_path_buf(),
        },
        OpenError::Ffmpeg(other) => Error::Unreadable {
            path: path.to_path_buf(),
            reason: other.into(),
        },
    })?;
    if input.nb_streams() > MAX_STREAMS {
        return Err(Error::TooManyStreams {
            path: path.to_path_buf(),
            count: input.nb_streams(),
            max: MAX_STREAMS,
        });
    }
    let index = video_stream_index(&input, path)?;
    Ok((input, index))
}

fn is_still_image_format(name: &str) -> bool {
    name == "image2" || name.ends_with("_pipe")
}

fn video_stream_index(input: &format::context::Input, path: &Path) -> Result<usize> {
    let is_picture = |s: &format::stream::Stream| {
        s.parameters().medium() == media::Type::Video
            && !s
                .disposition()
                .contains(format::stream::Disposition::ATTACHED_PIC)
    };
    let still = is_still_image_format(input.format().name());
    let stream = input
        .streams()
        .best(media::Type::Video)
        .filter(|s| is_picture(s))
        .or_else(|| input.streams().find(|s| is_picture(s)));
    let Some(stream) = stream.filter(|_| !still) else {
        let has_cover = input.streams().any(|s| {
            s.disposition()
                .contains(format::stream::Disposition::ATTACHED_PIC)
        });
        let has_audio = input
            .streams()
            .any(|s| s.parameters().medium() == media::Type::Audio);
        let path = path.to_path_buf();
        return Err(if still || (has_cover && !has_audio) {
            Error::StillImage { path }
        } else if has_audio {
            Error::AudioOnly { path }
        } else {
            Error::NoVideo { path }
        });
    };
    let params = stream.parameters();
    // SAFETY: the parameters pointer is valid for the stream's lifetime.
    let (width, height) = unsafe {
        let p = params.as_ptr();
        ((*p).width.max(0) as u32, (*p).height.max(0) as u32)
    };
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            max: MAX_DIMENSION,
        });
    }
    Ok(stream.index())
}

/// The index of the first audio stream, if any ("several audio tracks: the
/// first one is used").
pub fn first_audio_index(input: &format::context::Input) -> Option<usize> {
    input
        .streams()
        .find(|s| s.parameters().medium() == media::Type::Audio)
        .map(|s| s.index())
}

/// Opens a video decoder. `threads` 0 lets FFmpeg pick (frame threads);
/// 1 gives the lowest latency for a single frame.
pub fn video_decoder(
    input: &format::context::Input,
    index: usize,
    threads: usize,
    path: &Path,
) -> Result<decoder::Video> {
    let stream = input
        .stream(index)
        .ok_or_else(|| Error::Internal(format!("stream {index} vanished")))?;
    let mut ctx = codec::context::Context::from_parameters(stream.parameters())
        .map_err(Error::ffmpeg("reading the video stream's parameters"))?;
    let mut threading = codec::threading::Config::kind(codec::threading::Type::Frame);
    threading.count = threads;
    ctx.set_threading(threading);
    let codec_name = ctx.id().name().to_owned();
    let mut dec = ctx.decoder();
    dec.set_packet_time_base(stream.time_base());
    dec.video().map_err(|_| Error::NoDecoder {
        path: path.to_path_buf(),
        codec: codec_name,
    })
}

/// Opens an audio decoder; `None` when the track cannot be decoded, in which
/// case the renditions are made without sound rather than not at all.
pub fn audio_decoder(input: &format::context::Input, index: usize) -> Option<decoder::Audio> {
    let stream = input.stream(index)?;
    let ctx = codec::context::Context::from_parameters(stream.parameters()).ok()?;
    let mut dec = ctx.decoder();
    dec.set_packet_time_base(stream.time_base());
    dec.audio().ok()
}
