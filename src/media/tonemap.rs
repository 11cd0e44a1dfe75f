//! Tone-mapping HDR pictures (PQ or HLG, BT.2020) to SDR BT.709, for the
//! renditions that cannot stay HDR (H.264, or `hdr = "tonemap"`) and for
//! thumbnails: one libavfilter chain, run once per source and shared by
//! every SDR rendition (see `transcode/tone_lane.rs`).
//!
//! The curve is FFmpeg's `tonemap=mobius` (param 0.3, desat 0) with the
//! source's peak, computed exactly as `zscale=t=linear:npl=100,
//! zscale=p=bt709,tonemap=mobius:desat=0:peak=P,zscale=t=bt709` does it:
//! PQ (or HLG through its BT.2100 OOTF for a 1000 cd/m² display) to light
//! with 100 cd/m² as SDR white, BT.2020 to BT.709 primaries, the curve on
//! the largest of R, G and B (so hues do not shift), and the BT.1886
//! display encoding. Mobius is linear up to 30% of SDR white and only rolls
//! off above it, so shadows, mid-grey and skin keep their contrast and
//! colour: a 100 cd/m² PQ grey comes out at luma 201, an HLG reference
//! white (75%) at 218. Hable, the usual alternative, darkens everything
//! (the same grey at 151, HLG white at 182: the dull, grey look this is
//! meant to cure); Reinhard lies between. BT.2390 is not in Debian 12's
//! FFmpeg 5.1 without libplacebo's GPU filter.
//!
//! The curve is baked into a 65-point 3D LUT applied by libavfilter's
//! `lut3d` (tetrahedral, on float RGB) rather than run through `zscale`
//! and `tonemap` themselves: the same picture for about half the CPU (on
//! a 1080p frame about 35 ms against 64 ms, conversions included, measured
//! on a busy machine; see BENCHMARKS.md). The LUT takes the PQ- or HLG-encoded
//! signal, which spreads its points evenly to the eye. On camera-like
//! colours the pictures match FFmpeg's own chain (luma PSNR about 51 dB,
//! tests/it/hdr.rs); only 1000 cd/m² colours far outside BT.709 clip a
//! little more softly. (Linear light out of the 3D LUT and the display
//! encoding in a 1D LUT after it was tried: no closer on real pictures,
//! and `lut1d` cost as much as `lut3d`. Also tried, on 100 frames of the
//! 1080p HDR bench clip with the ffmpeg command line: `lut3d` on 16-bit
//! integer RGB (`gbrp16le`) costs the same as on float within noise,
//! 10-bit (`gbrp10le`) and trilinear interpolation cost more, a 33- or
//! 17-point LUT no less, and other `scale` flags change nothing; the graph
//! already runs libavfilter's slice threads, and one thread against two
//! made no difference to CPU or wall time on the busy 2-core machine. What
//! helps is fewer pixels: the tone-mapper scales to the largest rendition
//! it feeds first, see `transcode/tone_lane.rs`.)

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ffmpeg_next::{frame, Rational};

use super::colour::Colour;
use super::filter::Filter;
use super::hdr::{Hdr, HdrTransfer};
use super::hdr_metadata::HdrMetadata;
use crate::error::{Error, Result};

/// Points per side of the LUT.
const LUT_SIZE: usize = 65;
/// SDR white, in cd/m²: the light that becomes 1.0 before the curve.
const SDR_WHITE_NITS: f64 = 100.0;
/// The peak assumed of a PQ source that does not say its own, and the
/// display peak HLG is shown for (BT.2100's reference).
const DEFAULT_PEAK_NITS: f64 = 1000.0;
/// Mobius's linear part, as a fraction of SDR white (FFmpeg's default).
const MOBIUS_KNEE: f64 = 0.3;

/// How one source's HDR pictures become SDR.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ToneMap {
    transfer: HdrTransfer,
    /// The brightest light to fit, as a multiple of SDR white.
    peak: f64,
}

/// BT.2020 to BT.709 primaries, on linear light (ITU-R BT.2087).
const BT2020_TO_BT709: [[f64; 3]; 3] = [
    [1.660491, -0.587641, -0.072850],
    [-0.124551, 1.132900, -0.008349],
    [-0.018151, -0.100579, 1.118730],
];

/// SMPTE ST 2084: signal (0..1) to cd/m².
fn pq_to_nits(signal: f64) -> f64 {
    const M1: f64 = 2610.0 / 16384.0;
    const M2: f64 = 2523.0 / 4096.0 * 128.0;
    const C1: f64 = 3424.0 / 4096.0;
    const C2: f64 = 2413.0 / 4096.0 * 32.0;
    const C3: f64 = 2392.0 / 4096.0 * 32.0;
    let p = signal.clamp(0.0, 1.0).powf(1.0 / M2);
    10_000.0 * ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1)
}

/// ARIB STD-B67 inverse OETF: signal (0..1) to scene light (0..1).
fn hlg_to_scene(signal: f64) -> f64 {
    const A: f64 = 0.178_832_77;
    const B: f64 = 1.0 - 4.0 * A;
    const C: f64 = 0.559_910_73;
    let e = signal.clamp(0.0, 1.0);
    if e <= 0.5 {
        e * e / 3.0
    } else {
        (((e - C) / A).exp() + B) / 12.0
    }
}

/// BT.1886's display encoding (black at zero): light to SDR signal.
fn encode(light: f64) -> f64 {
    light.clamp(0.0, 1.0).powf(1.0 / 2.4)
}

/// FFmpeg's `mobius` curve (vf_tonemap.c), `peak` > 1.
fn mobius(x: f64, peak: f64) -> f64 {
    let j = MOBIUS_KNEE;
    if x <= j {
        return x;
    }
    let a = -j * j * (peak - 1.0) / (j * j - 2.0 * j + peak);
    let b = (j * j - 2.0 * j * peak + peak) / (peak - 1.0).max(1e-6);
    (b * b + 2.0 * b * j + j * j) / (b - a) * (x + a) / (x + b)
}

impl ToneMap {
    /// For a source of this HDR kind, fitting its own peak (its MaxCLL, or
    /// its mastering display's) when it is PQ and says it.
    pub fn new(hdr: Hdr, metadata: &HdrMetadata) -> ToneMap {
        let nits = match hdr.transfer {
            HdrTransfer::Pq => metadata.peak_nits().unwrap_or(DEFAULT_PEAK_NITS),
            HdrTransfer::Hlg => DEFAULT_PEAK_NITS,
        };
        ToneMap {
            transfer: hdr.transfer,
            peak: (nits / SDR_WHITE_NITS).clamp(1.5, 100.0),
        }
    }

    /// BT.2020 signal to linear BT.2020 light, 1.0 being SDR white.
    fn light(&self, rgb: [f64; 3]) -> [f64; 3] {
        match self.transfer {
            HdrTransfer::Pq => rgb.map(|v| pq_to_nits(v) / SDR_WHITE_NITS),
            HdrTransfer::Hlg => {
                // BT.2100's OOTF for a 1000 cd/m² display (system gamma 1.2).
                let scene = rgb.map(hlg_to_scene);
                let luma = 0.2627 * scene[0] + 0.6780 * scene[1] + 0.0593 * scene[2];
                let gain = DEFAULT_PEAK_NITS / SDR_WHITE_NITS * luma.max(0.0).powf(1.2 - 1.0);
                scene.map(|v| v * gain)
            }
        }
    }

    /// One BT.2020 HDR signal value (R, G, B in 0..1) to the BT.709 SDR
    /// signal it is shown as (BT.1886 display encoding, 0..1): the curve
    /// the filter's LUT samples.
    fn map(&self, rgb: [f64; 3]) -> [f64; 3] {
        self.map_linear(rgb).map(encode)
    }

    /// The tone-mapped BT.709 light, not yet clipped or encoded.
    fn map_linear(&self, rgb: [f64; 3]) -> [f64; 3] {
        let light = self.light(rgb);
        let bt709 =
            BT2020_TO_BT709.map(|row| row[0] * light[0] + row[1] * light[1] + row[2] * light[2]);
        let largest = bt709[0].max(bt709[1]).max(bt709[2]).max(1e-6);
        let scale = mobius(largest, self.peak) / largest;
        bt709.map(|v| v * scale)
    }

    /// The curve as a `.cube` 3D LUT (red varying fastest).
    fn cube(&self) -> String {
        let n = LUT_SIZE;
        let step = 1.0 / (n - 1) as f64;
        let mut text = format!("LUT_3D_SIZE {n}\n");
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let [or, og, ob] =
                        self.map([r as f64 * step, g as f64 * step, b as f64 * step]);
                    let _ = writeln!(text, "{or:.6} {og:.6} {ob:.6}");
                }
            }
        }
        text
    }

    /// The chain from pictures read as `reads` to BT.709 SDR RGB (float),
    /// scaled first to `scale` when given; the caller appends the format
    /// it wants.
    fn chain(reads: Colour, lut: &Path, scale: Option<(u32, u32)>) -> String {
        let size = scale
            .map(|(w, h)| format!("={w}:{h}:flags=bicubic:"))
            .unwrap_or_else(|| "=".to_owned());
        format!(
            "scale{size}{},format=gbrpf32le,lut3d=file={}:interp=tetrahedral",
            reads.scale_options(None).trim_start_matches(':'),
            lut.display()
        )
    }

    /// A filter turning HDR pictures like `first` (read as `reads`) into SDR
    /// BT.709: `scale` sizes them first, and `then` (starting with a comma)
    /// ends the chain with the pixel format wanted. The LUT file exists
    /// only while the filter is built.
    pub fn filter(
        &self,
        first: &frame::Video,
        time_base: Rational,
        reads: Colour,
        scale: Option<(u32, u32)>,
        then: &str,
    ) -> Result<Filter> {
        let lut = LutFile::write(&self.cube())?;
        let chain = format!("{}{then}", ToneMap::chain(reads, &lut.path, scale));
        Filter::video(first, time_base, &chain)
    }
}

/// The end of the chain for renditions: limited-range BT.709 4:2:0.
pub const TO_SDR_YUV: &str = ",scale=out_color_matrix=bt709:out_range=tv,format=yuv420p";

/// A LUT written to the temporary folder, removed when dropped.
struct LutFile {
    path: PathBuf,
}

impl LutFile {
    fn write(text: &str) -> Result<LutFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        // The path goes into a filter chain unquoted: only plain characters.
        let plain = |p: &Path| {
            p.to_str().is_some_and(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
            })
        };
        let dir = if plain(&dir) {
            dir
        } else {
            PathBuf::from("/tmp")
        };
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("vidprism-tonemap-{}-{n}.cube", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let lut = LutFile { path };
                    file.write_all(text.as_bytes())
                        .map_err(Error::write(&lut.path))?;
                    return Ok(lut);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::write(&path)(e)),
            }
        }
    }
}

impl Drop for LutFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::hdr_metadata::{ContentLight, HdrMetadata};
    use ffmpeg_next::color::{Primaries, Space, TransferCharacteristic};

    fn pq() -> Hdr {
        Hdr {
            transfer: HdrTransfer::Pq,
            dolby_vision: false,
        }
    }

    fn hlg() -> Hdr {
        Hdr {
            transfer: HdrTransfer::Hlg,
            dolby_vision: false,
        }
    }

    /// Limited-range 8-bit luma of a grey SDR signal.
    fn luma(signal: f64) -> f64 {
        16.0 + 219.0 * signal
    }

    /// PQ signal of a light in cd/m² (ST 2084's inverse EOTF).
    fn pq_signal(nits: f64) -> f64 {
        const M1: f64 = 2610.0 / 16384.0;
        const M2: f64 = 2523.0 / 4096.0 * 128.0;
        const C1: f64 = 3424.0 / 4096.0;
        const C2: f64 = 2413.0 / 4096.0 * 32.0;
        const C3: f64 = 2392.0 / 4096.0 * 32.0;
        let y = (nits / 10_000.0).powf(M1);
        ((C1 + C2 * y) / (1.0 + C3 * y)).powf(M2)
    }

    #[test]
    fn pq_round_trips_and_hlg_reference_white_is_a_quarter_of_scene_light() {
        for nits in [0.1, 1.0, 100.0, 203.0, 1000.0, 4000.0] {
            let back = pq_to_nits(pq_signal(nits));
            assert!((back - nits).abs() < nits * 1e-6, "{nits} -> {back}");
        }
        assert!((pq_signal(100.0) - 0.5081).abs() < 1e-3);
        assert!((hlg_to_scene(0.75) - 0.265).abs() < 1e-3);
        assert!((hlg_to_scene(1.0) - 1.0).abs() < 1e-6);
        assert_eq!(hlg_to_scene(0.0), 0.0);
    }

    #[test]
    fn mid_grey_and_white_land_where_ffmpegs_own_mobius_puts_them() {
        // Measured with ffmpeg's zscale + tonemap=mobius chain: 201 and 218.
        let pq = ToneMap::new(pq(), &HdrMetadata::default());
        let grey = pq.map([pq_signal(100.0); 3]);
        assert!((luma(grey[0]) - 201.0).abs() < 1.5, "{grey:?}");
        assert!(
            grey.iter().all(|&v| (v - grey[0]).abs() < 1e-9),
            "grey stays grey"
        );
        let hlg = ToneMap::new(hlg(), &HdrMetadata::default());
        let white = hlg.map([0.75; 3]);
        assert!((luma(white[0]) - 218.0).abs() < 1.5, "{white:?}");
        // Black stays black; the peak becomes SDR white.
        assert_eq!(pq.map([0.0; 3]), [0.0; 3]);
        let peak = pq.map([pq_signal(1000.0); 3]);
        assert!(peak[0] > 0.99, "{peak:?}");
    }

    #[test]
    fn the_curve_rises_and_keeps_shadows_linear() {
        let tm = ToneMap::new(pq(), &HdrMetadata::default());
        let mut last = -1.0;
        for i in 0..=100 {
            let v = tm.map([f64::from(i) / 100.0; 3])[0];
            assert!(v >= last, "falls at {i}");
            last = v;
        }
        // Below the knee light is kept as it is (only re-encoded).
        let dim = tm.map([pq_signal(10.0); 3])[0];
        assert!((dim - 0.1f64.powf(1.0 / 2.4)).abs() < 1e-6, "{dim}");
    }

    #[test]
    fn the_sources_own_peak_is_fitted() {
        let bright = HdrMetadata {
            mastering: None,
            content_light: Some(ContentLight {
                max_cll: 4000,
                max_fall: 400,
            }),
        };
        let tm = ToneMap::new(pq(), &bright);
        assert_eq!(tm.peak, 40.0);
        let peak = tm.map([pq_signal(4000.0); 3]);
        assert!(peak[0] > 0.99, "{peak:?}");
        // A brighter peak leaves less room for the grey.
        let grey = tm.map([pq_signal(100.0); 3]);
        let default = ToneMap::new(pq(), &HdrMetadata::default()).map([pq_signal(100.0); 3]);
        assert!(grey[0] < default[0]);
        // HLG is always fitted to its 1000 cd/m² reference display.
        assert_eq!(ToneMap::new(hlg(), &bright).peak, 10.0);
    }

    #[test]
    fn saturated_bt2020_colours_keep_their_hue_within_bt709() {
        let tm = ToneMap::new(pq(), &HdrMetadata::default());
        let red = tm.map([pq_signal(300.0), 0.0, 0.0]);
        assert!(red[0] > 0.8 && red[1] == 0.0 && red[2] == 0.0, "{red:?}");
        let skin = tm.map([pq_signal(80.0), pq_signal(50.0), pq_signal(35.0)]);
        assert!(skin[0] > skin[1] && skin[1] > skin[2], "{skin:?}");
    }

    /// The LUT's value at `rgb` as lut3d's tetrahedral interpolation
    /// computes it.
    fn interpolate(tm: &ToneMap, rgb: [f64; 3]) -> [f64; 3] {
        let max = (LUT_SIZE - 1) as f64;
        let at = |i: [usize; 3]| tm.map(i.map(|v| v as f64 / max));
        let scaled = rgb.map(|v| v * max);
        let lo = scaled.map(|v| (v.floor() as usize).min(LUT_SIZE - 2));
        let d = [0, 1, 2].map(|k| scaled[k] - lo[k] as f64);
        // Walk from the low corner along the axes in order of fraction.
        let mut order = [0usize, 1, 2];
        order.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
        let mut corner = lo;
        let mut value = at(corner);
        let mut previous = value;
        let mut out = value;
        for (step, &axis) in order.iter().enumerate() {
            corner[axis] += 1;
            value = at(corner);
            let weight = d[axis];
            for c in 0..3 {
                out[c] += weight * (value[c] - previous[c]);
            }
            previous = value;
            let _ = step;
        }
        out
    }

    #[test]
    fn the_lut_is_within_a_few_code_values_of_the_curve() {
        // Colours well inside BT.709's gamut (each channel at least a
        // quarter of the largest) within four 8-bit code values per channel
        // (measured: 3.6). Near and beyond its edge, where the curve clips
        // a channel at zero and the display encoding is steepest, the
        // small channel of a saturated colour may be off by more, unseen
        // beside the large one; luma stays within 11 (measured: 9.7).
        let tm = ToneMap::new(pq(), &HdrMetadata::default());
        let luma = |v: [f64; 3]| 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
        let (mut worst_in_gamut, mut worst_luma) = (0.0f64, 0.0f64);
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut in_gamut = 0;
        for _ in 0..20_000 {
            // Signals up to about 1000 cd/m², saturated or not.
            let rgb = [next(), next(), next()].map(|v| v * 0.76);
            let exact = tm.map(rgb);
            let lut = interpolate(&tm, rgb);
            worst_luma = worst_luma.max((luma(exact) - luma(lut)).abs() * 219.0);
            let light = tm.light(rgb);
            let bt709 = BT2020_TO_BT709
                .map(|row| row[0] * light[0] + row[1] * light[1] + row[2] * light[2]);
            let largest = bt709[0].max(bt709[1]).max(bt709[2]);
            if bt709.iter().all(|&v| v > 0.25 * largest) {
                in_gamut += 1;
                for c in 0..3 {
                    worst_in_gamut = worst_in_gamut.max((exact[c] - lut[c]).abs() * 219.0);
                }
            }
        }
        assert!(in_gamut > 500, "{in_gamut}");
        assert!(
            worst_in_gamut < 4.0,
            "in gamut: {worst_in_gamut:.2} code values"
        );
        assert!(worst_luma < 11.0, "luma: {worst_luma:.2} code values");
    }

    #[test]
    fn the_lut_lists_every_point_red_first() {
        let tm = ToneMap::new(pq(), &HdrMetadata::default());
        let cube = tm.cube();
        let mut lines = cube.lines();
        assert_eq!(lines.next(), Some("LUT_3D_SIZE 65"));
        assert_eq!(cube.lines().count(), 1 + 65 * 65 * 65);
        assert_eq!(lines.next(), Some("0.000000 0.000000 0.000000"));
        // The second point is a little red only.
        let second: Vec<f64> = lines
            .next()
            .map(|l| l.split(' ').filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_default();
        assert!(second[0] > 0.0 && second[1] == 0.0 && second[2] == 0.0);
    }

    #[test]
    fn the_chain_reads_the_sources_matrix_and_scales_before_the_lut() {
        let reads = Colour {
            primaries: Primaries::BT2020,
            transfer: TransferCharacteristic::SMPTE2084,
            matrix: Space::BT2020NCL,
            full_range: false,
        };
        let lut = Path::new("/tmp/x.cube");
        assert_eq!(
            ToneMap::chain(reads, lut, None),
            "scale=in_color_matrix=bt2020:in_range=tv,format=gbrpf32le,\
             lut3d=file=/tmp/x.cube:interp=tetrahedral"
        );
        assert_eq!(
            ToneMap::chain(reads, lut, Some((640, 360))),
            "scale=640:360:flags=bicubic:in_color_matrix=bt2020:in_range=tv,\
             format=gbrpf32le,lut3d=file=/tmp/x.cube:interp=tetrahedral"
        );
    }

    #[test]
    fn lut_files_are_unique_and_removed() {
        let a = LutFile::write("a").expect("written");
        let b = LutFile::write("b").expect("written");
        assert_ne!(a.path, b.path);
        assert_eq!(std::fs::read_to_string(&a.path).ok().as_deref(), Some("a"));
        let path = a.path.clone();
        drop(a);
        assert!(!path.exists());
    }
}
