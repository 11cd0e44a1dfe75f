//! Opening a source as one plain file and nothing else.
//!
//! FFmpeg will open anything its protocols and demuxers can name: an HLS
//! playlist or a concat list sent as a "video" makes it read other local
//! files (or addresses) named inside, which a farm worker would then upload
//! as outputs. So a source opens only through the `file` protocol, and only
//! with demuxers that read the one file they were given; the ones that open
//! other files (playlists, manifests, concat lists, image sequences) and the
//! devices are refused with a reason a user can read.
//!
//! The path goes to FFmpeg as its raw bytes, so a name that is not valid
//! UTF-8 opens like any other (ffmpeg-next's own `format::input` and
//! `format::output_as` panic on one); outputs are created the same way.

use std::ffi::{CStr, CString};
use std::path::Path;
use std::ptr;
use std::sync::OnceLock;

use ffmpeg_next::ffi;
use ffmpeg_next::{format, Dictionary};

/// Demuxers that open other files named inside the source, with what a
/// user would call such a file.
const REFUSED_DEMUXERS: &[(&str, &str)] = &[
    ("hls", "a playlist (HLS)"),
    ("dash", "a DASH manifest"),
    ("concat", "a concat list"),
    ("imf", "an IMF composition playlist"),
    ("image2", "a still image"),
    ("sdp", "a session description (SDP)"),
    ("rtsp", "a streaming address (RTSP)"),
];

/// Why a source was not opened.
#[derive(Debug)]
pub enum OpenError {
    /// It is a kind of file that names other files: what a user calls it.
    Refused(&'static str),
    /// FFmpeg could not open it.
    Ffmpeg(ffmpeg_next::Error),
}

/// Opens `path` as a plain file with a demuxer that reads only that file,
/// and reads its stream information.
pub fn open(path: &Path) -> Result<format::context::Input, OpenError> {
    super::init();
    let c_path = c_path(path).ok_or(OpenError::Ffmpeg(ffmpeg_next::Error::InvalidData))?;
    let mut options = Dictionary::new();
    options.set("protocol_whitelist", "file");
    options.set("format_whitelist", allowed_demuxers());
    // MP4 data references can name other files; off is FFmpeg's default,
    // said here so it stays so.
    options.set("enable_drefs", "0");
    // SAFETY: `ps` starts null so FFmpeg allocates the context; on failure
    // avformat_open_input frees it and leaves `ps` null; on success it is
    // owned by the returned Input (or closed here).
    unsafe {
        let mut ps = ptr::null_mut();
        let mut opts = options.disown();
        let res = ffi::avformat_open_input(&mut ps, c_path.as_ptr(), ptr::null(), &mut opts);
        Dictionary::own(opts);
        if res < 0 {
            let error = ffmpeg_next::Error::from(res);
            return Err(match refused_kind(path) {
                Some(kind) => OpenError::Refused(kind),
                None => OpenError::Ffmpeg(error),
            });
        }
        let res = ffi::avformat_find_stream_info(ps, ptr::null_mut());
        if res < 0 {
            ffi::avformat_close_input(&mut ps);
            return Err(OpenError::Ffmpeg(ffmpeg_next::Error::from(res)));
        }
        Ok(format::context::Input::wrap(ps))
    }
}

/// Creates `path` for the muxer `format` (an FFmpeg short name), through
/// the `file` protocol only and with the path's raw bytes.
pub fn create(path: &Path, format: &str) -> Result<format::context::Output, ffmpeg_next::Error> {
    super::init();
    let c_path = c_path(path).ok_or(ffmpeg_next::Error::InvalidData)?;
    let c_format = CString::new(format).map_err(|_| ffmpeg_next::Error::MuxerNotFound)?;
    // SAFETY: on success the context is owned by the returned Output, whose
    // drop closes the file; on failure it is freed here.
    unsafe {
        let mut ps = ptr::null_mut();
        let res = ffi::avformat_alloc_output_context2(
            &mut ps,
            ptr::null(),
            c_format.as_ptr(),
            c_path.as_ptr(),
        );
        if res < 0 || ps.is_null() {
            return Err(ffmpeg_next::Error::from(res.min(-1)));
        }
        let c_io_path = disk_full_for_tests(path).unwrap_or(c_path);
        let res = ffi::avio_open(&mut (*ps).pb, c_io_path.as_ptr(), ffi::AVIO_FLAG_WRITE);
        if res < 0 {
            ffi::avformat_free_context(ps);
            return Err(ffmpeg_next::Error::from(res));
        }
        Ok(format::context::Output::wrap(ps))
    }
}

/// Fault injection for tests: an output whose file name contains the text
/// of this variable is written to `/dev/full`, where every write fails as
/// on a full disk ("No space left on device"), and no file is made.
pub const DISK_FULL_ENV: &str = "VIDPRISM_TEST_DISK_FULL";

fn disk_full_for_tests(path: &Path) -> Option<CString> {
    let text = std::env::var(DISK_FULL_ENV)
        .ok()
        .filter(|t| !t.is_empty())?;
    let name = path.file_name()?.to_string_lossy();
    (cfg!(target_os = "linux") && name.contains(&text)).then(|| c"file:/dev/full".to_owned())
}

/// The path as FFmpeg takes it: through the `file` protocol (so no part of
/// a name is ever read as another protocol), with its bytes on Unix,
/// whatever they are.
fn c_path(path: &Path) -> Option<CString> {
    let mut bytes = b"file:".to_vec();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        bytes.extend_from_slice(path.as_os_str().as_bytes());
    }
    #[cfg(not(unix))]
    bytes.extend_from_slice(path.to_str()?.as_bytes());
    CString::new(bytes).ok()
}

/// Every demuxer name of this FFmpeg that reads only the file it is given,
/// comma-separated as `format_whitelist` takes them.
fn allowed_demuxers() -> &'static str {
    static ALLOWED: OnceLock<String> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        let mut names = Vec::new();
        let mut opaque = ptr::null_mut();
        // SAFETY: av_demuxer_iterate walks FFmpeg's static table; the names
        // are static C strings.
        unsafe {
            loop {
                let fmt = ffi::av_demuxer_iterate(&mut opaque);
                if fmt.is_null() {
                    break;
                }
                if (*fmt).flags & ffi::AVFMT_NOFILE != 0 || (*fmt).name.is_null() {
                    continue;
                }
                let name = CStr::from_ptr((*fmt).name).to_string_lossy();
                names.extend(
                    name.split(',')
                        .filter(|n| refused(n).is_none())
                        .map(str::to_owned),
                );
            }
        }
        names.join(",")
    })
}

fn refused(name: &str) -> Option<&'static str> {
    REFUSED_DEMUXERS
        .iter()
        .find(|(refused, _)| *refused == name)
        .map(|(_, kind)| *kind)
}

/// What FFmpeg would have taken the file for, when that is a refused kind.
fn refused_kind(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    const PROBE_BYTES: usize = 64 * 1024;
    let mut head = Vec::with_capacity(PROBE_BYTES + ffi::AVPROBE_PADDING_SIZE as usize);
    std::fs::File::open(path)
        .ok()?
        .take(PROBE_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    let len = head.len();
    head.resize(len + ffi::AVPROBE_PADDING_SIZE as usize, 0);
    let c_path = c_path(path)?;
    let probe = ffi::AVProbeData {
        filename: c_path.as_ptr(),
        buf: head.as_mut_ptr(),
        buf_size: i32::try_from(len).ok()?,
        mime_type: ptr::null(),
    };
    // SAFETY: `probe` points at live buffers padded as FFmpeg asks.
    let fmt = unsafe { ffi::av_probe_input_format(&probe, 1) };
    if fmt.is_null() {
        return None;
    }
    // SAFETY: a demuxer's name is a static C string.
    let name = unsafe { CStr::from_ptr((*fmt).name) }.to_string_lossy();
    name.split(',').find_map(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn playlists_and_lists_of_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let hls = write(
            dir.path(),
            "clip.mp4",
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n",
        );
        assert!(matches!(open(&hls), Err(OpenError::Refused(k)) if k.contains("playlist")));
        let concat = write(
            dir.path(),
            "list.mov",
            "ffconcat version 1.0\nfile '/etc/hostname'\n",
        );
        assert!(matches!(open(&concat), Err(OpenError::Refused(k)) if k.contains("concat")));
    }

    #[test]
    fn the_whitelist_keeps_real_containers_and_drops_the_refused() {
        let allowed: Vec<&str> = allowed_demuxers().split(',').collect();
        for name in [
            "mov", "mp4", "matroska", "webm", "avi", "mpegts", "png_pipe",
        ] {
            assert!(allowed.contains(&name), "{name} missing");
        }
        for (name, _) in REFUSED_DEMUXERS {
            assert!(!allowed.contains(name), "{name} allowed");
        }
        assert!(!allowed.contains(&"lavfi"), "devices must not open");
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_passed_as_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.mp4");
        let c = c_path(Path::new(name)).unwrap();
        assert_eq!(c.as_bytes(), b"file:caf\xe9.mp4");
        assert!(c_path(Path::new(std::ffi::OsStr::from_bytes(b"a\0b"))).is_none());
    }
}
