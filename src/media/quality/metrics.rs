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
pub trait Sample: Copy + Into<u32> {}
impl Sample for u8 {}
impl Sample for u16 {}

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
type BlockSums = [u32; 4];

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
    out.fill([0; 4]);
    let used = out.len() * 4;
    for y in y0..y0 + 4 {
        let (ra, rb) = (a.row(y)?.get(..used)?, b.row(y)?.get(..used)?);
        for ((sums, ca), cb) in out
            .iter_mut()
            .zip(ra.chunks_exact(4))
            .zip(rb.chunks_exact(4))
        {
            for (&p, &q) in ca.iter().zip(cb) {
                let (p, q): (u32, u32) = (p.into(), q.into());
                sums[0] += p;
                sums[1] += q;
                sums[2] += p * p + q * q;
                sums[3] += p * q;
            }
        }
    }
    Some(())
}

/// The SSIM of every 8x8 window between two rows of blocks, summed as
/// FFmpeg sums a line (in single precision).
fn window_row(above: &[BlockSums], below: &[BlockSums], c1: i64, c2: i64) -> f32 {
    let mut line = 0.0f32;
    for (top, bottom) in above.windows(2).zip(below.windows(2)) {
        let sum = |k: usize| {
            i64::from(top[0][k])
                + i64::from(top[1][k])
                + i64::from(bottom[0][k])
                + i64::from(bottom[1][k])
        };
        line += window_ssim(sum(0), sum(1), sum(2), sum(3), c1, c2);
    }
    line
}

/// FFmpeg's `ssim_end1`: one window's SSIM from its sums over 64 samples.
fn window_ssim(s1: i64, s2: i64, ss: i64, s12: i64, c1: i64, c2: i64) -> f32 {
    let vars = ss * 64 - s1 * s1 - s2 * s2;
    let covar = s12 * 64 - s1 * s2;
    (2 * s1 * s2 + c1) as f32 * (2 * covar + c2) as f32
        / ((s1 * s1 + s2 * s2 + c1) as f32 * (vars + c2) as f32)
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
