//! The HDR tests' oracle: FFmpeg's
//! `zscale=t=linear:npl=100,zscale=p=bt709,tonemap=mobius:desat=0,zscale=t=bt709`
//! chain computed per pixel here, in f64, from the standards' formulas. No
//! test takes its truth from a library path whose result depends on the CPU:
//! Debian 12's zimg 3.0.4 shifts colours on CPUs with AVX-512 when converting
//! to BT.709 (zimg issues 190 and 227), so on such a CPU FFmpeg's own chain
//! is a wrong reference.

use std::path::Path;
use std::process::Command;

/// Every frame of `path` decoded to raw `pix_fmt` (`rawvideo`; decoding is
/// bit exact, and a pixel format conversion between 4:2:0 formats of the same
/// depth only copies planes).
pub fn raw_frames(path: &Path, pix_fmt: &str) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "decoding {path:?} failed");
    out.stdout
}

/// SMPTE ST 2084 (PQ) EOTF: signal in [0, 1] to cd/m².
fn pq_eotf(signal: f64) -> f64 {
    const M1: f64 = 2610.0 / 16384.0;
    const M2: f64 = 2523.0 / 4096.0 * 128.0;
    const C1: f64 = 3424.0 / 4096.0;
    const C2: f64 = 2413.0 / 4096.0 * 32.0;
    const C3: f64 = 2392.0 / 4096.0 * 32.0;
    if signal <= 0.0 {
        return 0.0;
    }
    let p = signal.powf(1.0 / M2);
    ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1) * 10_000.0
}

/// The RGB to XYZ matrix of primaries `xy` (R, G, B) and D65 white.
fn rgb_to_xyz(xy: [[f64; 2]; 3]) -> [[f64; 3]; 3] {
    let white = [0.3127, 0.3290];
    let column = |[x, y]: [f64; 2]| [x / y, 1.0, (1.0 - x - y) / y];
    let p = [column(xy[0]), column(xy[1]), column(xy[2])];
    let m = [
        [p[0][0], p[1][0], p[2][0]],
        [p[0][1], p[1][1], p[2][1]],
        [p[0][2], p[1][2], p[2][2]],
    ];
    let s = mul_vec(&invert(&m), column(white));
    std::array::from_fn(|r| std::array::from_fn(|c| m[r][c] * s[c]))
}

fn invert(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    std::array::from_fn(|r| {
        std::array::from_fn(|c| {
            // Cofactor of (c, r), the transpose's.
            let (r1, r2) = ([1, 0, 0][c], [2, 2, 1][c]);
            let (c1, c2) = ([1, 0, 0][r], [2, 2, 1][r]);
            let minor = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
            let sign = if (r + c) % 2 == 0 { 1.0 } else { -1.0 };
            sign * minor / det
        })
    })
}

fn mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|r| std::array::from_fn(|c| (0..3).map(|k| a[r][k] * b[k][c]).sum()))
}

fn mul_vec(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|r| (0..3).map(|k| m[r][k] * v[k]).sum())
}

/// FFmpeg's `tonemap=mobius` with its default knee (0.3) on a linear value
/// where 1.0 is SDR white, for a signal peaking at `peak`.
fn mobius(value: f64, peak: f64) -> f64 {
    let j = 0.3;
    if value <= j {
        return value;
    }
    let a = -j * j * (peak - 1.0) / (j * j - 2.0 * j + peak);
    let b = (j * j - 2.0 * j * peak + peak) / (peak - 1.0).max(1e-6);
    (b * b + 2.0 * b * j + j * j) / (b - a) * (value + a) / (value + b)
}

/// The chain for PQ BT.2020 sources peaking at `peak_nits`: one 10-bit
/// limited-range Y'CbCr pixel to the 8-bit BT.709 limited-range luma code
/// (unrounded).
pub struct PqToSdr {
    gamut: [[f64; 3]; 3],
    peak: f64,
}

impl PqToSdr {
    pub fn new(peak_nits: f64) -> PqToSdr {
        let bt2020 = rgb_to_xyz([[0.708, 0.292], [0.170, 0.797], [0.131, 0.046]]);
        let bt709 = rgb_to_xyz([[0.640, 0.330], [0.300, 0.600], [0.150, 0.060]]);
        PqToSdr {
            gamut: mul(&invert(&bt709), &bt2020),
            peak: peak_nits / 100.0,
        }
    }

    pub fn luma(&self, y: f64, cb: f64, cr: f64) -> f64 {
        // BT.2020 non-constant luminance, 10-bit limited range.
        let (kr, kb) = (0.2627, 0.0593);
        let y = (y - 64.0) / 876.0;
        let (cb, cr) = ((cb - 512.0) / 896.0, (cr - 512.0) / 896.0);
        let r = y + 2.0 * (1.0 - kr) * cr;
        let b = y + 2.0 * (1.0 - kb) * cb;
        let g = (y - kr * r - kb * b) / (1.0 - kr - kb);
        // Linear light, 1.0 = 100 cd/m² (npl=100), in BT.709 primaries.
        let linear = [r, g, b].map(|v| pq_eotf(v) / 100.0);
        let rgb = mul_vec(&self.gamut, linear);
        // The curve on the largest component, applied to all three.
        let sig = rgb[0].max(rgb[1]).max(rgb[2]).max(1e-6);
        let scale = mobius(sig, self.peak) / sig;
        // BT.1886's inverse (zimg's BT.709 output when not scene-referred).
        let [r, g, b] = rgb.map(|v| (v * scale).max(0.0).powf(1.0 / 2.4));
        let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        (16.0 + 219.0 * luma).clamp(0.0, 255.0)
    }

    /// The chain's luma planes (8-bit codes, rounded) of raw yuv420p10le
    /// frames of `w`x`h` (`raw_frames(.., "yuv420p10le")`); chroma is
    /// upsampled bilinearly from its left-cosited sites.
    pub fn luma_planes(&self, raw: &[u8], w: usize, h: usize) -> Vec<u8> {
        let (cw, ch) = (w / 2, h / 2);
        let frame_len = 2 * (w * h + 2 * cw * ch);
        assert_eq!(raw.len() % frame_len, 0, "whole yuv420p10le frames");
        let sample = |plane: &[u8], i: usize| {
            f64::from(u16::from_le_bytes([plane[2 * i], plane[2 * i + 1]]))
        };
        let mut out = Vec::with_capacity(raw.len() / frame_len * w * h);
        for frame in raw.chunks_exact(frame_len) {
            let (luma, chroma) = frame.split_at(2 * w * h);
            let (cb_plane, cr_plane) = chroma.split_at(2 * cw * ch);
            let chroma_at = |plane: &[u8], x: usize, y: usize| {
                let fx = (x as f64 / 2.0).min((cw - 1) as f64);
                let fy = ((y as f64 - 0.5) / 2.0).clamp(0.0, (ch - 1) as f64);
                let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
                let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(ch - 1));
                let (ax, ay) = (fx - x0 as f64, fy - y0 as f64);
                let row = |yy: usize| {
                    sample(plane, yy * cw + x0) * (1.0 - ax) + sample(plane, yy * cw + x1) * ax
                };
                row(y0) * (1.0 - ay) + row(y1) * ay
            };
            for y in 0..h {
                for x in 0..w {
                    let code = self.luma(
                        sample(luma, y * w + x),
                        chroma_at(cb_plane, x, y),
                        chroma_at(cr_plane, x, y),
                    );
                    out.push(code.round() as u8);
                }
            }
        }
        out
    }
}

/// The luma planes of raw yuv420p frames of `w`x`h`.
pub fn yuv420p_luma(raw: &[u8], w: usize, h: usize) -> Vec<u8> {
    let frame_len = w * h + 2 * (w / 2) * (h / 2);
    assert_eq!(raw.len() % frame_len, 0, "whole yuv420p frames");
    raw.chunks_exact(frame_len)
        .flat_map(|frame| &frame[..w * h])
        .copied()
        .collect()
}

/// PSNR in dB of 8-bit `a` against `b` over all their samples.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "the same number of samples");
    let sse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    10.0 * (255.0 * 255.0 * a.len() as f64 / sse.max(1e-9)).log10()
}

pub fn mean(samples: &[u8]) -> f64 {
    samples.iter().map(|&s| f64::from(s)).sum::<f64>() / samples.len() as f64
}

/// Whether this CPU has AVX-512, where Debian 12's zimg (FFmpeg's `zscale`)
/// converts colours wrongly.
pub fn cpu_has_avx512() -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| info.contains("avx512f"))
}

#[test]
fn the_oracle_gives_the_standards_anchor_points() {
    let chain = PqToSdr::new(1000.0);
    // Black stays black. PQ's 100 cd/m² grey (10-bit code 509) is linear
    // 1.0, SDR white, before the curve; mobius (knee 0.3, peak 10) makes it
    // 0.663, and BT.1886's inverse 0.843: luma 16 + 219 * 0.843 = 200.5,
    // the "201" of the README.
    assert!((chain.luma(64.0, 512.0, 512.0) - 16.0).abs() < 1e-9);
    let grey = chain.luma(509.0, 512.0, 512.0);
    assert!((grey - 200.5).abs() < 0.2, "{grey}");
    // A neutral grey has no colour: the BT.2020 to BT.709 matrix keeps
    // white (its rows sum to 1).
    let gamut = chain.gamut;
    for row in gamut {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{gamut:?}");
    }
    // The known BT.2020 -> BT.709 matrix (ITU-R BT.2087), to 4 places.
    assert!((gamut[0][0] - 1.6605).abs() < 1e-4, "{gamut:?}");
    assert!((gamut[1][1] - 1.1329).abs() < 1e-4, "{gamut:?}");
    assert!((gamut[2][2] - 1.1187).abs() < 1e-4, "{gamut:?}");
}
