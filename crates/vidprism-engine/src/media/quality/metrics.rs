//! SSIM and PSNR of two pictures' planes, computed as FFmpeg's `ssim` and
//! `psnr` filters compute them, in plain Rust.
//!
//! SSIM (`vf_ssim.c`, after x264): each plane is cut into 4x4 blocks, whose
//! sums (a, b, a² + b², ab) are taken once; every 8x8 window made of 2x2
//! neighbouring blocks (so windows step by 4) gives
//! `(2 s1 s2 + C1)(2 cov + C2) / ((s1² + s2² + C1)(var + C2))` in integer
//! sums, with C1 = (0.01 max)² 64 and C2 = (0.03 max)² 64 63, and a plane's
//! SSIM is the mean over its `(w/4 - 1)(h/4 - 1)` windows. Samples past the
//! last whole block are left out, as FFmpeg leaves them.
//!
//! PSNR (`vf_psnr.c`): the squared error of every sample, which here comes
//! from the same block sums (a² + b² - 2ab), plus the samples outside whole
//! blocks counted apart.

/// One plane of a picture: `width` x `height` samples, rows `stride`
/// samples apart.
#[derive(Clone, Copy)]
pub struct Plane<'a, T> {
    pub data: &'a [T],
    pub stride: usize,
    pub width: usize,
    pub height: usize,
}

impl<'a, T> Plane<'a, T> {
    /// Row `y`'s first `width` samples; `None` when the data is short.
    fn row(&self, y: usize) -> Option<&'a [T]> {
        self.data.get(y * self.stride..y * self.stride + self.width)
    }
}

/// A sample of 8 to 12 bits (the block sums are held in `u32`).
pub trait Sample: Copy + Into<u32> {
    /// The sums of blocks `out` of four rows of each plane (the rows as
    /// long as the blocks: 4 samples a block).
    fn block_sums(a: &[&[Self]; 4], b: &[&[Self]; 4], out: &mut [BlockSums]) {
        plain_block_sums(a, b, out, 0);
    }
}
impl Sample for u16 {}
impl Sample for u8 {
    /// Four blocks at a time in SSE2 (every x86_64 CPU has it): this is
    /// most of a `full` score's own work, a few million samples a picture.
    #[cfg(target_arch = "x86_64")]
    fn block_sums(a: &[&[u8]; 4], b: &[&[u8]; 4], out: &mut [BlockSums]) {
        let done = sse2::block_sums(a, b, out);
        plain_block_sums(a, b, out, done);
    }
}

/// How two planes compare.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlaneScore {
    /// Mean SSIM of the plane's windows (1 when the plane is too small to
    /// hold one 8x8 window).
    pub ssim: f64,
    /// Sum of the squared differences of all samples.
    pub sse: u64,
    /// Samples compared.
    pub samples: u64,
}

/// The sums of one 4x4 block: a, b, a² + b², ab.
pub type BlockSums = [u32; 4];

/// Compares plane `a` with plane `b` (same size), samples at most `max`.
/// `None` when a plane's data is shorter than its size says.
pub fn compare_planes<T: Sample>(a: Plane<'_, T>, b: Plane<'_, T>, max: u32) -> Option<PlaneScore> {
    let (width, height) = (a.width.min(b.width), a.height.min(b.height));
    let (blocks_x, blocks_y) = (width / 4, height / 4);
    let c1 = (0.01 * 0.01 * f64::from(max) * f64::from(max) * 64.0 + 0.5) as i64;
    let c2 = (0.03 * 0.03 * f64::from(max) * f64::from(max) * 64.0 * 63.0 + 0.5) as i64;
    let mut above: Vec<BlockSums> = vec![[0; 4]; blocks_x];
    let mut current: Vec<BlockSums> = vec![[0; 4]; blocks_x];
    let mut ssim_sum = 0.0f64;
    let mut sse = 0u64;
    for by in 0..blocks_y {
        std::mem::swap(&mut above, &mut current);
        block_row(&a, &b, by * 4, &mut current)?;
        sse += current
            .iter()
            .map(|s| u64::from(s[2] - 2 * s[3]))
            .sum::<u64>();
        if by > 0 {
            ssim_sum += f64::from(window_row(&above, &current, c1, c2));
        }
    }
    // Samples right of the last whole block, then rows below the last.
    for y in 0..blocks_y * 4 {
        sse += squared_error(&a.row(y)?[blocks_x * 4..], &b.row(y)?[blocks_x * 4..width]);
    }
    for y in blocks_y * 4..height {
        sse += squared_error(a.row(y)?, &b.row(y)?[..width]);
    }
    let windows = blocks_x.saturating_sub(1) * blocks_y.saturating_sub(1);
    Some(PlaneScore {
        ssim: if windows == 0 {
            1.0
        } else {
            ssim_sum / windows as f64
        },
        sse,
        samples: (width * height) as u64,
    })
}

fn squared_error<T: Sample>(a: &[T], b: &[T]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = i64::from(x.into()) - i64::from(y.into());
            (d * d) as u64
        })
        .sum()
}

/// The sums of every 4x4 block of the four rows from `y0`.
fn block_row<T: Sample>(
    a: &Plane<'_, T>,
    b: &Plane<'_, T>,
    y0: usize,
    out: &mut [BlockSums],
) -> Option<()> {
    let used = out.len() * 4;
    T::block_sums(&four_rows(a, y0, used)?, &four_rows(b, y0, used)?, out);
    Some(())
}

/// The first `used` samples of rows `y0` to `y0 + 3`.
fn four_rows<'a, T>(p: &Plane<'a, T>, y0: usize, used: usize) -> Option<[&'a [T]; 4]> {
    Some([
        p.row(y0)?.get(..used)?,
        p.row(y0 + 1)?.get(..used)?,
        p.row(y0 + 2)?.get(..used)?,
        p.row(y0 + 3)?.get(..used)?,
    ])
}

/// [`Sample::block_sums`] one block at a time, from block `from` on.
fn plain_block_sums<T: Sample>(a: &[&[T]; 4], b: &[&[T]; 4], out: &mut [BlockSums], from: usize) {
    for (i, sums) in out.iter_mut().enumerate().skip(from) {
        let mut s = [0u32; 4];
        for (ra, rb) in a.iter().zip(b) {
            for (&p, &q) in ra[i * 4..i * 4 + 4].iter().zip(&rb[i * 4..i * 4 + 4]) {
                let (p, q): (u32, u32) = (p.into(), q.into());
                s[0] += p;
                s[1] += q;
                s[2] += p * p + q * q;
                s[3] += p * q;
            }
        }
        *sums = s;
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::BlockSums;

    /// The sums of the first blocks of `out` in groups of four (16 samples
    /// of each row); returns how many blocks it did.
    pub(super) fn block_sums(a: &[&[u8]; 4], b: &[&[u8]; 4], out: &mut [BlockSums]) -> usize {
        let groups = out.len() / 4;
        let rows_long_enough = a.iter().chain(b).all(|r| r.len() >= groups * 16);
        if !rows_long_enough {
            return 0;
        }
        for (g, four) in out.chunks_exact_mut(4).enumerate() {
            // SAFETY: SSE2 is part of x86_64; every row holds the 16
            // samples from g * 16 (checked above); `four` is 4 blocks of
            // 16 bytes each, written unaligned.
            unsafe {
                let sums = group(a, b, g * 16);
                let blocks = four.as_mut_ptr() as *mut __m128i;
                for (k, block) in sums.into_iter().enumerate() {
                    _mm_storeu_si128(blocks.add(k), block);
                }
            }
        }
        groups * 4
    }

    /// Four blocks' sums from 16 samples of each of four rows at `x`, one
    /// block's [a, b, a² + b², ab] a register.
    ///
    /// # Safety
    /// Every row of `a` and `b` must hold 16 samples from `x`.
    #[inline(always)]
    unsafe fn group(a: &[&[u8]; 4], b: &[&[u8]; 4], x: usize) -> [__m128i; 4] {
        let zero = _mm_setzero_si128();
        let ones = _mm_set1_epi16(1);
        // Sums of neighbouring pairs of samples, two lanes a block: blocks
        // 0-1 in `lo`, 2-3 in `hi`.
        let (mut s1, mut s2, mut ss, mut s12) = ([zero; 2], [zero; 2], [zero; 2], [zero; 2]);
        for (ra, rb) in a.iter().zip(b) {
            let pa = _mm_loadu_si128(ra.as_ptr().add(x) as *const __m128i);
            let pb = _mm_loadu_si128(rb.as_ptr().add(x) as *const __m128i);
            let wide_a = [_mm_unpacklo_epi8(pa, zero), _mm_unpackhi_epi8(pa, zero)];
            let wide_b = [_mm_unpacklo_epi8(pb, zero), _mm_unpackhi_epi8(pb, zero)];
            for h in 0..2 {
                let (wa, wb) = (wide_a[h], wide_b[h]);
                s1[h] = _mm_add_epi32(s1[h], _mm_madd_epi16(wa, ones));
                s2[h] = _mm_add_epi32(s2[h], _mm_madd_epi16(wb, ones));
                let squares = _mm_add_epi32(_mm_madd_epi16(wa, wa), _mm_madd_epi16(wb, wb));
                ss[h] = _mm_add_epi32(ss[h], squares);
                s12[h] = _mm_add_epi32(s12[h], _mm_madd_epi16(wa, wb));
            }
        }
        // Each block's two pair lanes added: [block 0, 1, 2, 3].
        let blocks = |pairs: [__m128i; 2]| {
            let (lo, hi) = (_mm_castsi128_ps(pairs[0]), _mm_castsi128_ps(pairs[1]));
            let even = _mm_castps_si128(_mm_shuffle_ps::<0b10_00_10_00>(lo, hi));
            let odd = _mm_castps_si128(_mm_shuffle_ps::<0b11_01_11_01>(lo, hi));
            _mm_add_epi32(even, odd)
        };
        let (s1, s2, ss, s12) = (blocks(s1), blocks(s2), blocks(ss), blocks(s12));
        // Transposed: one block's four sums a register.
        let (t0, t1) = (_mm_unpacklo_epi32(s1, s2), _mm_unpacklo_epi32(ss, s12));
        let (t2, t3) = (_mm_unpackhi_epi32(s1, s2), _mm_unpackhi_epi32(ss, s12));
        [
            _mm_unpacklo_epi64(t0, t1),
            _mm_unpackhi_epi64(t0, t1),
            _mm_unpacklo_epi64(t2, t3),
            _mm_unpackhi_epi64(t2, t3),
        ]
    }
}

/// The SSIM of every 8x8 window between two rows of blocks, summed as
/// FFmpeg sums a line (in single precision, in order).
///
/// Eight windows at a time: their integer terms first, then the single
/// precision products and quotients of all eight in a loop the compiler
/// makes four-wide (the same IEEE operations, so the same values, as one
/// window at a time).
fn window_row(above: &[BlockSums], below: &[BlockSums], c1: i64, c2: i64) -> f32 {
    const LANES: usize = 8;
    let windows = above.len().min(below.len()).saturating_sub(1);
    let mut line = 0.0f32;
    let mut start = 0;
    while start < windows {
        let n = (windows - start).min(LANES);
        let mut terms = [[1.0f32; LANES]; 4];
        for k in 0..n {
            let i = start + k;
            let sum = |j: usize| {
                i64::from(above[i][j])
                    + i64::from(above[i + 1][j])
                    + i64::from(below[i][j])
                    + i64::from(below[i + 1][j])
            };
            let t = window_terms(sum(0), sum(1), sum(2), sum(3), c1, c2);
            for (term, value) in terms.iter_mut().zip(t) {
                term[k] = value;
            }
        }
        let mut ssim = [0.0f32; LANES];
        for k in 0..LANES {
            ssim[k] = terms[0][k] * terms[1][k] / (terms[2][k] * terms[3][k]);
        }
        line = ssim[..n].iter().fold(line, |sum, s| sum + s);
        start += n;
    }
    line
}

/// FFmpeg's `ssim_end1` up to its last products: one window's four terms
/// from its sums over 64 samples, each made single precision; its SSIM is
/// `t0 * t1 / (t2 * t3)`.
fn window_terms(s1: i64, s2: i64, ss: i64, s12: i64, c1: i64, c2: i64) -> [f32; 4] {
    let vars = ss * 64 - s1 * s1 - s2 * s2;
    let covar = s12 * 64 - s1 * s2;
    [
        (2 * s1 * s2 + c1) as f32,
        (2 * covar + c2) as f32,
        (s1 * s1 + s2 * s2 + c1) as f32,
        (vars + c2) as f32,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(data: &[u8], width: usize, height: usize) -> Plane<'_, u8> {
        Plane {
            data,
            stride: width,
            width,
            height,
        }
    }

    #[test]
    fn flat_planes_score_as_worked_out_by_hand() {
        // One 8x8 window of 100 against one of 110: no variance, so SSIM is
        // (2 s1 s2 + C1) / (s1² + s2² + C1) with s1 = 6400, s2 = 7040 and
        // C1 = round(0.0001 * 255² * 64) = 416:
        // 90112416 / 90522016 = 0.99547517...
        let a = [100u8; 64];
        let b = [110u8; 64];
        let score = compare_planes(plane(&a, 8, 8), plane(&b, 8, 8), 255).unwrap();
        assert!(
            (score.ssim - 90_112_416.0 / 90_522_016.0).abs() < 1e-6,
            "{score:?}"
        );
        assert_eq!(score.sse, 64 * 100);
        assert_eq!(score.samples, 64);
        let same = compare_planes(plane(&a, 8, 8), plane(&a, 8, 8), 255).unwrap();
        assert_eq!((same.ssim, same.sse), (1.0, 0));
    }

    #[test]
    fn structure_counts_through_the_covariance() {
        // A checkerboard of 0 and 255 against its inverse: means equal,
        // covariance -var, so SSIM = (2 s² + C1)(C2 - 2 v) / ((2 s² + C1)(2 v + C2))
        // with s = 32 * 255 = 8160, v = 64 ss - s² per image (ss = 32 * 255²):
        // v = 64 * 2080800 - 66585600 = 66585600, C2 = 235963.
        let a: Vec<u8> = (0..64)
            .map(|i| if (i + i / 8) % 2 == 0 { 255 } else { 0 })
            .collect();
        let b: Vec<u8> = a.iter().map(|v| 255 - v).collect();
        let score = compare_planes(plane(&a, 8, 8), plane(&b, 8, 8), 255).unwrap();
        let (v, c2) = (66_585_600.0f64, 235_963.0);
        let expected = (c2 - 2.0 * v) / (2.0 * v + c2);
        assert!(
            (score.ssim - expected).abs() < 1e-6,
            "{} {expected}",
            score.ssim
        );
        assert_eq!(score.sse, 64 * 255 * 255);
    }

    #[test]
    fn windows_step_by_four_and_edges_count_for_psnr_only() {
        // 13x9: blocks 3x2, windows 2x1; the last column and row are outside
        // every block. A difference there changes the error, not the SSIM.
        let (w, h) = (13, 9);
        let a: Vec<u8> = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
        let mut b = a.clone();
        b[w * h - 1] = b[w * h - 1].wrapping_add(10);
        b[12] = b[12].wrapping_add(3);
        let score = compare_planes(plane(&a, w, h), plane(&b, w, h), 255).unwrap();
        assert_eq!(score.ssim, 1.0);
        assert_eq!(score.sse, 100 + 9);
        assert_eq!(score.samples, (w * h) as u64);
        // The mean is over windows: one changed block lowers two of them.
        let mut c = a.clone();
        let i = 5 * w + 5;
        c[i] = if a[i] > 127 { a[i] - 60 } else { a[i] + 60 };
        let one = compare_planes(plane(&a, w, h), plane(&c, w, h), 255).unwrap();
        assert!(one.ssim < 1.0 && one.ssim > 0.5, "{one:?}");
        assert_eq!(one.sse, 3600);
    }

    /// Every block's sums added one sample at a time, apart from the code.
    fn sums_by_hand(a: &[&[u8]; 4], b: &[&[u8]; 4], blocks: usize) -> Vec<BlockSums> {
        (0..blocks)
            .map(|i| {
                let mut s = [0u32; 4];
                for r in 0..4 {
                    for x in i * 4..i * 4 + 4 {
                        let (p, q) = (u32::from(a[r][x]), u32::from(b[r][x]));
                        s = [s[0] + p, s[1] + q, s[2] + p * p + q * q, s[3] + p * q];
                    }
                }
                s
            })
            .collect()
    }

    #[test]
    fn block_sums_of_eight_bit_rows_match_sums_by_hand() {
        // Widths that fill whole groups of four blocks and leave 1 to 3
        // over, extreme samples (0 and 255 make the largest products).
        let mut seed = 7u32;
        for blocks in [1usize, 3, 4, 5, 8, 11, 480] {
            let row = |seed: &mut u32| -> Vec<u8> {
                (0..blocks * 4)
                    .map(|_| {
                        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        match *seed >> 29 {
                            0 => 0,
                            1 => 255,
                            _ => (*seed >> 16) as u8,
                        }
                    })
                    .collect()
            };
            let a: Vec<Vec<u8>> = (0..4).map(|_| row(&mut seed)).collect();
            let b: Vec<Vec<u8>> = (0..4).map(|_| row(&mut seed)).collect();
            let (ra, rb) = (
                [&a[0][..], &a[1][..], &a[2][..], &a[3][..]],
                [&b[0][..], &b[1][..], &b[2][..], &b[3][..]],
            );
            let mut out = vec![[0u32; 4]; blocks];
            u8::block_sums(&ra, &rb, &mut out);
            assert_eq!(out, sums_by_hand(&ra, &rb, blocks), "{blocks} blocks");
        }
    }

    #[test]
    fn a_row_of_windows_sums_what_one_window_at_a_time_sums() {
        // FFmpeg's ssim_end1 written out, window after window, against
        // rows of 1 to 21 blocks (whole groups of eight windows and not).
        let mut seed = 11u64;
        let mut next = |limit: u32| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as u32) % limit
        };
        let (c1, c2) = (416, 235_963);
        for blocks in 1..=21usize {
            let mut row = || -> Vec<BlockSums> {
                (0..blocks)
                    .map(|_| {
                        let (a, b) = (next(16 * 256), next(16 * 256));
                        [a, b, next(16 * 65_025 * 2), next(16 * 65_025)]
                    })
                    .collect()
            };
            let (above, below) = (row(), row());
            let mut expected = 0.0f32;
            for i in 0..blocks.saturating_sub(1) {
                let s = |j: usize| {
                    i64::from(above[i][j] + above[i + 1][j] + below[i][j] + below[i + 1][j])
                };
                let (s1, s2, ss, s12) = (s(0), s(1), s(2), s(3));
                let vars = ss * 64 - s1 * s1 - s2 * s2;
                let covar = s12 * 64 - s1 * s2;
                expected += (2 * s1 * s2 + c1) as f32 * (2 * covar + c2) as f32
                    / ((s1 * s1 + s2 * s2 + c1) as f32 * (vars + c2) as f32);
            }
            let got = window_row(&above, &below, c1, c2);
            assert_eq!(got.to_bits(), expected.to_bits(), "{blocks} blocks");
        }
    }

    #[test]
    fn strides_and_ten_bit_samples() {
        let (w, h, stride) = (8, 8, 11);
        let a: Vec<u16> = (0..stride * h).map(|i| (i % 1024) as u16).collect();
        let b: Vec<u16> = a.iter().map(|v| v ^ 1).collect();
        let p = |data| Plane {
            data,
            stride,
            width: w,
            height: h,
        };
        let score = compare_planes(p(&a), p(&b), 1023).unwrap();
        assert_eq!(score.sse, 64);
        assert!(score.ssim > 0.999, "{score:?}");
        // Too short a buffer is refused, not read past.
        assert!(compare_planes(p(&a[..50]), p(&b), 1023).is_none());
    }
}
