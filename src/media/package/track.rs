//! One packaged track as the manifests describe it: its file, codec,
//! picture and the byte ranges and times of its segments. Pure data, with
//! the bitrates the manifests announce computed from the segments.

use super::boxes::Layout;
use crate::names::uri_segment;

/// What kind of track, with what only that kind has.
#[derive(Clone, Debug, PartialEq)]
pub enum TrackKind {
    Video {
        width: u32,
        height: u32,
        /// Frames per second, when the rung has a constant rate.
        frame_rate: Option<f64>,
    },
    Audio {
        sample_rate: u32,
        channels: u32,
    },
}

/// A rung (or the audio rendition) of a bundle.
#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    /// Its name in the bundle: `1080p`, `audio`. The media file is
    /// `<name>.mp4`, its HLS playlist `<name>.m3u8`.
    pub name: String,
    /// RFC 6381 codec string.
    pub codecs: String,
    pub kind: TrackKind,
    pub layout: Layout,
}

impl Track {
    pub fn media_file(&self) -> String {
        format!("{}.mp4", self.name)
    }

    pub fn playlist_file(&self) -> String {
        format!("{}.m3u8", self.name)
    }

    /// [`media_file`](Self::media_file) as the manifests and the page
    /// address it: a relative URL, percent-encoded.
    pub fn media_uri(&self) -> String {
        uri_segment(&self.media_file())
    }

    /// [`playlist_file`](Self::playlist_file) as a relative URL.
    pub fn playlist_uri(&self) -> String {
        uri_segment(&self.playlist_file())
    }

    /// Bits per second over the whole track (HLS AVERAGE-BANDWIDTH).
    pub fn average_bps(&self) -> u64 {
        let bytes: u64 = self
            .layout
            .fragments
            .iter()
            .map(|f| f.bytes.end - f.bytes.start)
            .sum();
        bits_per_second(bytes, self.layout.duration_s())
    }

    /// The highest bits per second of any one segment (HLS BANDWIDTH, DASH
    /// bandwidth). A last segment shorter than a second is left out: its
    /// rate says little and would inflate the figure.
    pub fn peak_bps(&self) -> u64 {
        let timescale = f64::from(self.layout.timescale.max(1));
        let rates = self.layout.fragments.iter().filter_map(|f| {
            let seconds = f.duration as f64 / timescale;
            (seconds >= 1.0).then(|| bits_per_second(f.bytes.end - f.bytes.start, seconds))
        });
        rates.max().unwrap_or_else(|| self.average_bps())
    }
}

fn bits_per_second(bytes: u64, seconds: f64) -> u64 {
    if seconds <= 0.0 {
        return 0;
    }
    (bytes as f64 * 8.0 / seconds).ceil() as u64
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::media::package::boxes::Fragment;

    /// A track of segments of `seconds` each (timescale 1000), `bytes` long.
    pub fn track(name: &str, kind: TrackKind, segments: &[(u64, u64)]) -> Track {
        let mut at = 900;
        let mut start = 0;
        let fragments = segments
            .iter()
            .map(|&(ms, bytes)| {
                let f = Fragment {
                    bytes: at..at + bytes,
                    start,
                    duration: ms,
                };
                at += bytes;
                start += ms;
                f
            })
            .collect();
        Track {
            name: name.to_owned(),
            codecs: "avc1.640028".to_owned(),
            kind,
            layout: Layout {
                init: 0..800,
                index: Some(800..900),
                timescale: 1000,
                fragments,
            },
        }
    }

    /// One to three video rungs of any names, two segments each (for the
    /// writers' property tests).
    pub fn rungs_of_any_names(gen: &mut crate::testgen::Gen) -> Vec<Track> {
        (0..1 + gen.below(3))
            .map(|_| track(&gen.nasty(6), video(640, 360), &[(4000, 1000), (2000, 500)]))
            .collect()
    }

    pub fn video(width: u32, height: u32) -> TrackKind {
        TrackKind::Video {
            width,
            height,
            frame_rate: Some(25.0),
        }
    }

    #[test]
    fn peak_is_the_busiest_full_segment_and_average_the_whole() {
        let t = track(
            "720p",
            video(1280, 720),
            &[(4000, 1_000_000), (4000, 2_000_000), (500, 900_000)],
        );
        assert_eq!(t.peak_bps(), 4_000_000);
        assert_eq!(t.average_bps(), (3_900_000u64 * 8 * 1000).div_ceil(8500));
        assert_eq!(t.media_file(), "720p.mp4");
        assert_eq!(t.playlist_file(), "720p.m3u8");
    }
}
