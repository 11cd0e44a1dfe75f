//! The layout of a fragmented MP4 rung, read from its boxes: where its
//! initialisation (`ftyp` + `moov`) ends, and each fragment's (`moof` +
//! `mdat`) byte range, start and duration. The manifests address segments
//! by these byte ranges, so a rung is one file that a plain `<video src>`
//! plays too. Pure: reads bytes, no FFmpeg.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

/// One fragment: a segment of the rung.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Bytes of its `moof` and `mdat` boxes.
    pub bytes: Range<u64>,
    /// Decode time of its first sample, in the track's timescale.
    pub start: u64,
    /// Sum of its samples' durations, in the track's timescale.
    pub duration: u64,
}

/// A fragmented MP4 file's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Bytes of `ftyp` and `moov`: what a player reads first.
    pub init: Range<u64>,
    /// Bytes of the `sidx` box, when the file has one (DASH's index).
    pub index: Option<Range<u64>>,
    /// The track's ticks per second.
    pub timescale: u32,
    pub fragments: Vec<Fragment>,
}

impl Layout {
    /// Length of the whole track, in seconds.
    pub fn duration_s(&self) -> f64 {
        let ticks: u64 = self.fragments.iter().map(|f| f.duration).sum();
        ticks as f64 / f64::from(self.timescale.max(1))
    }
}

/// Why a file's boxes could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    #[error("a box at byte {0} runs past the end of the file")]
    Truncated(u64),
    #[error("no {0} box where a fragmented MP4 has one")]
    Missing(&'static str),
}

struct BoxHeader<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// The boxes directly inside `data`, which starts `base` bytes into the file.
fn boxes(data: &[u8], base: u64) -> Result<Vec<BoxHeader<'_>>, LayoutError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let truncated = || LayoutError::Truncated(base + at as u64);
        let size32 = u32::from_be_bytes(data[at..at + 4].try_into().map_err(|_| truncated())?);
        let kind: [u8; 4] = data[at + 4..at + 8].try_into().map_err(|_| truncated())?;
        let (size, header) = match size32 {
            0 => (data.len() - at, 8),
            1 => {
                let large = data.get(at + 8..at + 16).ok_or_else(truncated)?;
                let large = u64::from_be_bytes(large.try_into().map_err(|_| truncated())?);
                (usize::try_from(large).map_err(|_| truncated())?, 16)
            }
            n => (n as usize, 8),
        };
        if size < header || at + size > data.len() {
            return Err(truncated());
        }
        out.push(BoxHeader {
            kind,
            body: &data[at + header..at + size],
        });
        at += size;
    }
    Ok(out)
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(data, 0)
        .ok()?
        .into_iter()
        .find(|b| &b.kind == kind)
        .map(|b| b.body)
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

/// The first track's timescale (`moov/trak/mdia/mdhd`).
fn timescale(moov: &[u8]) -> Option<u32> {
    let mdhd = child(child(child(moov, b"trak")?, b"mdia")?, b"mdhd")?;
    // Version 1 has 64-bit creation and modification times.
    let at = if mdhd.first() == Some(&1) { 20 } else { 12 };
    be_u32(mdhd, at)
}

/// The track's default sample duration (`moov/mvex/trex`).
fn trex_duration(moov: &[u8]) -> Option<u32> {
    be_u32(child(child(moov, b"mvex")?, b"trex")?, 12)
}

/// A `moof`'s decode start and total duration.
fn fragment_timing(moof: &[u8], default_duration: u32) -> Option<(u64, u64)> {
    let traf = child(moof, b"traf")?;
    let tfdt = child(traf, b"tfdt")?;
    let start = if tfdt.first() == Some(&1) {
        be_u64(tfdt, 4)?
    } else {
        u64::from(be_u32(tfdt, 4)?)
    };
    let tfhd = child(traf, b"tfhd")?;
    let tfhd_flags = be_u32(tfhd, 0)? & 0x00ff_ffff;
    // track_ID, then the optional fields in flag order.
    let mut at = 8;
    for (flag, width) in [(0x01, 8), (0x02, 4)] {
        if tfhd_flags & flag != 0 {
            at += width;
        }
    }
    let default_duration = if tfhd_flags & 0x08 != 0 {
        be_u32(tfhd, at)?
    } else {
        default_duration
    };
    let mut duration = 0u64;
    for b in boxes(traf, 0).ok()?.iter().filter(|b| &b.kind == b"trun") {
        let trun = b.body;
        let flags = be_u32(trun, 0)? & 0x00ff_ffff;
        let count = be_u32(trun, 4)?;
        let mut at = 8;
        if flags & 0x01 != 0 {
            at += 4;
        }
        if flags & 0x04 != 0 {
            at += 4;
        }
        let fields = [0x100, 0x200, 0x400, 0x800]
            .iter()
            .filter(|f| flags & **f != 0)
            .count();
        if flags & 0x100 == 0 {
            duration += u64::from(count) * u64::from(default_duration);
            continue;
        }
        for i in 0..count as usize {
            duration += u64::from(be_u32(trun, at + i * fields * 4)?);
        }
    }
    Some((start, duration))
}

/// Bodies of boxes this large or larger are not read (no `moov` or `moof`
/// comes near it; an `mdat` is skipped by seeking).
const MAX_READ_BODY: u64 = 64 << 20;

/// Reads the layout of a fragmented MP4 file: the top-level boxes are
/// walked by seeking, and only `moov` and each `moof` are read, so a long
/// rung costs a few kilobytes per segment, never its media.
pub fn read_layout<R: Read + Seek>(file: &mut R) -> Result<Layout, LayoutError> {
    let end = file
        .seek(SeekFrom::End(0))
        .map_err(|_| LayoutError::Truncated(0))?;
    let mut at = 0u64;
    let mut init_end = None;
    let mut timescale = None;
    let mut default_duration = 0;
    let mut index = None;
    let mut fragments: Vec<Fragment> = Vec::new();
    while at + 8 <= end {
        let truncated = LayoutError::Truncated(at);
        let mut header = [0u8; 16];
        file.seek(SeekFrom::Start(at))
            .map_err(|_| LayoutError::Truncated(at))?;
        file.read_exact(&mut header[..8])
            .map_err(|_| LayoutError::Truncated(at))?;
        let size32 = be_u32(&header, 0).ok_or(LayoutError::Truncated(at))?;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match size32 {
            0 => (end - at, 8),
            1 => {
                file.read_exact(&mut header[8..16])
                    .map_err(|_| LayoutError::Truncated(at))?;
                (be_u64(&header, 8).ok_or(LayoutError::Truncated(at))?, 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header_len || at + size > end {
            return Err(truncated);
        }
        let range = at..at + size;
        let read_body = |file: &mut R| -> Result<Vec<u8>, LayoutError> {
            let len = size - header_len;
            if len >= MAX_READ_BODY {
                return Err(LayoutError::Truncated(at));
            }
            let mut body = vec![0u8; len as usize];
            file.read_exact(&mut body)
                .map_err(|_| LayoutError::Truncated(at))?;
            Ok(body)
        };
        match &kind {
            b"moov" => {
                let body = read_body(file)?;
                timescale = Some(self::timescale(&body).ok_or(LayoutError::Missing("mdhd"))?);
                default_duration = trex_duration(&body).unwrap_or(0);
                init_end = Some(range.end);
            }
            b"sidx" => index = Some(range.clone()),
            b"moof" => {
                let body = read_body(file)?;
                let (start, duration) =
                    fragment_timing(&body, default_duration).ok_or(LayoutError::Missing("tfdt"))?;
                fragments.push(Fragment {
                    bytes: range.clone(),
                    start,
                    duration,
                });
            }
            b"mdat" => {
                if let Some(last) = fragments.last_mut() {
                    if last.bytes.end == range.start {
                        last.bytes.end = range.end;
                    }
                }
            }
            _ => {}
        }
        at = range.end;
    }
    let init_end = init_end.ok_or(LayoutError::Missing("moov"))?;
    if fragments.is_empty() {
        return Err(LayoutError::Missing("moof"));
    }
    Ok(Layout {
        init: 0..init_end,
        index,
        timescale: timescale.ok_or(LayoutError::Missing("mdhd"))?,
        fragments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn full(version_flags: u32, rest: &[u8]) -> Vec<u8> {
        let mut out = version_flags.to_be_bytes().to_vec();
        out.extend_from_slice(rest);
        out
    }

    fn moov(timescale: u32) -> Vec<u8> {
        let mut mdhd = vec![0u8; 8];
        mdhd.extend_from_slice(&timescale.to_be_bytes());
        mdhd.extend_from_slice(&[0u8; 8]);
        let mdhd = mp4_box(b"mdhd", &full(0, &mdhd));
        let trak = mp4_box(b"trak", &mp4_box(b"mdia", &mdhd));
        let trex = mp4_box(b"trex", &full(0, &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 2, 0]));
        let mut body = trak;
        body.extend(mp4_box(b"mvex", &trex));
        mp4_box(b"moov", &body)
    }

    /// A fragment of `count` samples: with per-sample durations `each`, or
    /// the trex default (512) when `each` is None.
    fn moof(start: u64, count: u32, each: Option<u32>) -> Vec<u8> {
        let tfhd = mp4_box(b"tfhd", &full(0x02_0000, &1u32.to_be_bytes()));
        let tfdt = mp4_box(b"tfdt", &full(1 << 24, &start.to_be_bytes()));
        let mut trun_body = count.to_be_bytes().to_vec();
        let flags = match each {
            Some(d) => {
                for _ in 0..count {
                    trun_body.extend_from_slice(&d.to_be_bytes());
                    trun_body.extend_from_slice(&0u32.to_be_bytes());
                }
                0x300
            }
            None => 0,
        };
        let trun = mp4_box(b"trun", &full(flags, &trun_body));
        let mut traf = tfhd;
        traf.extend(tfdt);
        traf.extend(trun);
        mp4_box(b"moof", &mp4_box(b"traf", &traf))
    }

    #[test]
    fn fragments_get_their_byte_ranges_start_and_duration() {
        let mut file = mp4_box(b"ftyp", b"cmfc");
        file.extend(moov(12_800));
        let init_end = file.len() as u64;
        file.extend(mp4_box(b"sidx", &[0; 12]));
        let first = file.len() as u64;
        file.extend(moof(0, 100, Some(512)));
        file.extend(mp4_box(b"mdat", &[7; 33]));
        let second = file.len() as u64;
        file.extend(moof(51_200, 10, None));
        file.extend(mp4_box(b"mdat", &[7; 5]));
        file.extend(mp4_box(b"mfra", &[]));
        let layout = read_layout(&mut std::io::Cursor::new(&file)).expect("layout");
        assert_eq!(layout.init, 0..init_end);
        assert_eq!(layout.index, Some(init_end..first));
        assert_eq!(layout.timescale, 12_800);
        assert_eq!(layout.fragments.len(), 2);
        assert_eq!(layout.fragments[0].bytes, first..second);
        assert_eq!(layout.fragments[0].duration, 51_200);
        assert_eq!(layout.fragments[1].start, 51_200);
        assert_eq!(layout.fragments[1].duration, 5120);
        assert!((layout.duration_s() - 4.4).abs() < 1e-9);
    }

    #[test]
    fn a_cut_or_unfragmented_file_is_refused() {
        let mut file = mp4_box(b"ftyp", b"isom");
        file.extend(moov(1000));
        assert_eq!(
            read_layout(&mut std::io::Cursor::new(&file)),
            Err(LayoutError::Missing("moof"))
        );
        file.extend(moof(0, 1, Some(1)));
        let cut = &file[..file.len() - 3];
        assert!(matches!(
            read_layout(&mut std::io::Cursor::new(cut)),
            Err(LayoutError::Truncated(_))
        ));
        assert_eq!(
            read_layout(&mut std::io::Cursor::new(mp4_box(b"ftyp", b"x"))),
            Err(LayoutError::Missing("moov"))
        );
    }
}
