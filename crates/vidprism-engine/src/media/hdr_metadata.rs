//! An HDR source's static metadata: the mastering display (SMPTE ST 2086:
//! its primaries, white point and luminance range) and the content light
//! levels (MaxCLL, MaxFALL). Players use them to fit the picture to their
//! screen, so a rendition that stays HDR carries them on: in its bitstream
//! (x265 SEI, SVT-AV1 metadata OBUs) and in its container (MP4 `mdcv` and
//! `clli`, Matroska `MasteringMetadata`). The tone-mapper reads its peak
//! from them.
//!
//! They come from the container's stream side data or, when the container
//! has none (an HEVC elementary stream, most MP4s), from the side data the
//! decoder attaches to the first picture (the bitstream's SEI).

use std::mem::size_of;

use ffmpeg_next::codec::packet::side_data::Type as PacketSide;
use ffmpeg_next::frame::side_data::Type as FrameSide;
use ffmpeg_next::{ffi, format, frame, Rational};

/// FFmpeg's `AVMasteringDisplayMetadata` (libavutil, unchanged since 3.x).
#[repr(C)]
#[derive(Clone, Copy)]
struct RawMastering {
    /// Red, green, blue; each x then y.
    display_primaries: [[ffi::AVRational; 2]; 3],
    white_point: [ffi::AVRational; 2],
    min_luminance: ffi::AVRational,
    max_luminance: ffi::AVRational,
    has_primaries: i32,
    has_luminance: i32,
}

/// FFmpeg's `AVContentLightMetadata`.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawContentLight {
    max_cll: u32,
    max_fall: u32,
}

/// The mastering display: CIE 1931 xy chromaticities and luminances in
/// cd/m², as FFmpeg's exact rationals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mastering {
    /// Red, green, blue: (x, y).
    pub primaries: [(Rational, Rational); 3],
    pub white_point: (Rational, Rational),
    pub min_luminance: Rational,
    pub max_luminance: Rational,
}

/// Content light levels in cd/m².
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentLight {
    pub max_cll: u32,
    pub max_fall: u32,
}

/// What an HDR source says of its light; either part may be missing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HdrMetadata {
    pub mastering: Option<Mastering>,
    pub content_light: Option<ContentLight>,
}

fn read<T: Copy>(bytes: &[u8]) -> Option<T> {
    (bytes.len() >= size_of::<T>())
        // SAFETY: the slice holds at least size_of::<T>() bytes and T is a
        // plain C struct of integers, valid for any bit pattern.
        .then(|| unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

fn mastering_from(bytes: &[u8]) -> Option<Mastering> {
    let raw: RawMastering = read(bytes)?;
    let q = |r: ffi::AVRational| Rational::new(r.num, r.den);
    // Only a complete description is worth passing on.
    (raw.has_primaries != 0 && raw.has_luminance != 0 && raw.max_luminance.den != 0).then(|| {
        Mastering {
            primaries: raw.display_primaries.map(|[x, y]| (q(x), q(y))),
            white_point: (q(raw.white_point[0]), q(raw.white_point[1])),
            min_luminance: q(raw.min_luminance),
            max_luminance: q(raw.max_luminance),
        }
    })
}

fn content_light_from(bytes: &[u8]) -> Option<ContentLight> {
    let raw: RawContentLight = read(bytes)?;
    (raw.max_cll > 0).then_some(ContentLight {
        max_cll: raw.max_cll,
        max_fall: raw.max_fall,
    })
}

/// Units of the x265 `master-display` string: 0.00002 for chromaticities,
/// 0.0001 cd/m² for luminances (SMPTE ST 2086's own).
fn units(q: Rational, per_unit: f64) -> u64 {
    let value = f64::from(q);
    if value.is_finite() && value > 0.0 {
        (value * per_unit).round() as u64
    } else {
        0
    }
}

impl HdrMetadata {
    /// From the container's stream side data.
    pub fn of_stream(stream: &format::stream::Stream) -> HdrMetadata {
        let mut metadata = HdrMetadata::default();
        for side in stream.side_data() {
            match side.kind() {
                PacketSide::MasteringDisplayMetadata => {
                    metadata.mastering = mastering_from(side.data());
                }
                PacketSide::ContentLightLevel => {
                    metadata.content_light = content_light_from(side.data());
                }
                _ => {}
            }
        }
        metadata
    }

    /// What a decoded picture carries, for what the stream lacks.
    pub fn or_frame(self, frame: &frame::Video) -> HdrMetadata {
        HdrMetadata {
            mastering: self.mastering.or_else(|| {
                frame
                    .side_data(FrameSide::MasteringDisplayMetadata)
                    .and_then(|s| mastering_from(s.data()))
            }),
            content_light: self.content_light.or_else(|| {
                frame
                    .side_data(FrameSide::ContentLightLevel)
                    .and_then(|s| content_light_from(s.data()))
            }),
        }
    }

    /// The brightest the content gets, in cd/m²: its MaxCLL, else the
    /// mastering display's peak.
    pub fn peak_nits(&self) -> Option<f64> {
        let cll = self.content_light.map(|c| f64::from(c.max_cll));
        let mastering = self.mastering.map(|m| f64::from(m.max_luminance));
        cll.or(mastering).filter(|n| n.is_finite() && *n > 0.0)
    }

    /// The x265 parameters carrying this metadata as SEI
    /// (`:master-display=…:max-cll=…`), empty when there is none.
    pub fn x265_params(&self) -> String {
        let mut params = String::new();
        if let Some(m) = self.mastering {
            let xy = |(x, y): (Rational, Rational)| {
                format!("({},{})", units(x, 50_000.0), units(y, 50_000.0))
            };
            let [r, g, b] = m.primaries;
            params += &format!(
                ":master-display=G{}B{}R{}WP{}L({},{})",
                xy(g),
                xy(b),
                xy(r),
                xy(m.white_point),
                units(m.max_luminance, 10_000.0),
                units(m.min_luminance, 10_000.0)
            );
        }
        if let Some(c) = self.content_light {
            params += &format!(":max-cll={},{}", c.max_cll, c.max_fall);
        }
        params
    }

    /// The SVT-AV1 parameters carrying this metadata
    /// (`mastering-display=…:content-light=…`), empty when there is none.
    pub fn svtav1_params(&self) -> String {
        let mut params = Vec::new();
        if let Some(m) = self.mastering {
            let xy =
                |(x, y): (Rational, Rational)| format!("({:.4},{:.4})", f64::from(x), f64::from(y));
            let [r, g, b] = m.primaries;
            params.push(format!(
                "mastering-display=G{}B{}R{}WP{}L({:.4},{:.4})",
                xy(g),
                xy(b),
                xy(r),
                xy(m.white_point),
                f64::from(m.max_luminance),
                f64::from(m.min_luminance)
            ));
        }
        if let Some(c) = self.content_light {
            params.push(format!("content-light={},{}", c.max_cll, c.max_fall));
        }
        params.join(":")
    }

    /// Adds the metadata to an output stream's side data, which the MP4
    /// (`mdcv`, `clli`) and Matroska (`MasteringMetadata`) muxers write.
    pub fn add_to_stream(&self, stream: &mut format::stream::StreamMut) {
        let r = |q: Rational| ffi::AVRational {
            num: q.numerator(),
            den: q.denominator(),
        };
        if let Some(m) = self.mastering {
            let raw = RawMastering {
                display_primaries: m.primaries.map(|(x, y)| [r(x), r(y)]),
                white_point: [r(m.white_point.0), r(m.white_point.1)],
                min_luminance: r(m.min_luminance),
                max_luminance: r(m.max_luminance),
                has_primaries: 1,
                has_luminance: 1,
            };
            add_side_data(
                stream,
                ffi::AVPacketSideDataType::AV_PKT_DATA_MASTERING_DISPLAY_METADATA,
                raw,
            );
        }
        if let Some(c) = self.content_light {
            let raw = RawContentLight {
                max_cll: c.max_cll,
                max_fall: c.max_fall,
            };
            add_side_data(
                stream,
                ffi::AVPacketSideDataType::AV_PKT_DATA_CONTENT_LIGHT_LEVEL,
                raw,
            );
        }
    }
}

fn add_side_data<T: Copy>(
    stream: &mut format::stream::StreamMut,
    kind: ffi::AVPacketSideDataType,
    value: T,
) {
    // SAFETY: the stream belongs to an output context not yet written;
    // av_stream_new_side_data returns a buffer of the size asked or null.
    unsafe {
        let data = ffi::av_stream_new_side_data(stream.as_mut_ptr(), kind, size_of::<T>());
        if !data.is_null() {
            std::ptr::write_unaligned(data.cast::<T>(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HDR10 metadata of the tests' clips: Display P3 primaries, D65,
    /// 1000 / 0.0001 cd/m², MaxCLL 1000, MaxFALL 400.
    pub(crate) fn p3_1000() -> HdrMetadata {
        let q = |n: i32, d: i32| Rational::new(n, d);
        HdrMetadata {
            mastering: Some(Mastering {
                primaries: [
                    (q(34000, 50000), q(16000, 50000)),
                    (q(13250, 50000), q(34500, 50000)),
                    (q(7500, 50000), q(3000, 50000)),
                ],
                white_point: (q(15635, 50000), q(16450, 50000)),
                min_luminance: q(1, 10000),
                max_luminance: q(10_000_000, 10000),
            }),
            content_light: Some(ContentLight {
                max_cll: 1000,
                max_fall: 400,
            }),
        }
    }

    #[test]
    fn x265_gets_st2086_units_in_its_green_blue_red_order() {
        assert_eq!(
            p3_1000().x265_params(),
            ":master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)\
             L(10000000,1):max-cll=1000,400"
        );
        assert_eq!(HdrMetadata::default().x265_params(), "");
    }

    #[test]
    fn svt_av1_gets_decimal_chromaticities_and_luminances() {
        assert_eq!(
            p3_1000().svtav1_params(),
            "mastering-display=G(0.2650,0.6900)B(0.1500,0.0600)R(0.6800,0.3200)\
             WP(0.3127,0.3290)L(1000.0000,0.0001):content-light=1000,400"
        );
        assert_eq!(HdrMetadata::default().svtav1_params(), "");
    }

    #[test]
    fn the_peak_is_max_cll_else_the_mastering_peak() {
        assert_eq!(p3_1000().peak_nits(), Some(1000.0));
        let mastering_only = HdrMetadata {
            content_light: None,
            mastering: p3_1000().mastering.map(|m| Mastering {
                max_luminance: Rational::new(4000, 1),
                ..m
            }),
        };
        assert_eq!(mastering_only.peak_nits(), Some(4000.0));
        assert_eq!(HdrMetadata::default().peak_nits(), None);
    }

    #[test]
    fn side_data_bytes_are_read_only_when_whole_and_complete() {
        let raw = RawContentLight {
            max_cll: 800,
            max_fall: 200,
        };
        // SAFETY: a plain C struct viewed as its bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&raw as *const RawContentLight).cast::<u8>(),
                size_of::<RawContentLight>(),
            )
        };
        assert_eq!(
            content_light_from(bytes),
            Some(ContentLight {
                max_cll: 800,
                max_fall: 200
            })
        );
        assert_eq!(content_light_from(&bytes[..4]), None);
        assert_eq!(mastering_from(&[0u8; 8]), None);
        // A mastering display without its luminances is left out.
        let zero = ffi::AVRational { num: 0, den: 1 };
        let partial = RawMastering {
            display_primaries: [[zero; 2]; 3],
            white_point: [zero; 2],
            min_luminance: zero,
            max_luminance: zero,
            has_primaries: 1,
            has_luminance: 0,
        };
        // SAFETY: as above.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&partial as *const RawMastering).cast::<u8>(),
                size_of::<RawMastering>(),
            )
        };
        assert_eq!(mastering_from(bytes), None);
    }
}
