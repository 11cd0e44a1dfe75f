//! How representative a picture is, for `poster = "best"`: black frames,
//! fades and blurred frames score low; bright, contrasted, sharp ones high.
//! Pure arithmetic on packed RGB pixels, so it is tested on synthetic frames.

use super::colour::{luma_of, BT601_LUMA_WEIGHTS};

/// Mean luma below which a picture is black (or nearly).
const DARK_LUMA: f64 = 28.0;
/// Mean luma above which it is a white flash.
const BRIGHT_LUMA: f64 = 235.0;
/// Standard deviation of luma below which it is flat: a fade, a title card
/// of one colour.
const FLAT_CONTRAST: f64 = 14.0;
/// What a black, flash or flat picture loses, so any usable one beats it.
const UNUSABLE: f64 = 1000.0;

/// A picture's measures on its luma.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PictureScore {
    pub mean_luma: f64,
    /// Standard deviation of the luma.
    pub contrast: f64,
    /// Variance of the 4-neighbour Laplacian of the luma: low when blurred.
    pub sharpness: f64,
}

impl PictureScore {
    /// Measures packed RGB24 pixels of `width` x `height`.
    pub fn of_rgb(pixels: &[u8], width: usize, height: usize) -> PictureScore {
        let luma: Vec<f64> = pixels
            .chunks_exact(3)
            .take(width * height)
            .map(|p| luma_of([p[0], p[1], p[2]].map(f64::from), BT601_LUMA_WEIGHTS))
            .collect();
        let n = luma.len().max(1) as f64;
        let mean_luma = luma.iter().sum::<f64>() / n;
        let contrast = (luma.iter().map(|y| (y - mean_luma).powi(2)).sum::<f64>() / n).sqrt();
        let mut laplacians = Vec::new();
        if width >= 3 && height >= 3 && luma.len() >= width * height {
            for y in 1..height - 1 {
                for x in 1..width - 1 {
                    let at = |x: usize, y: usize| luma[y * width + x];
                    laplacians.push(
                        at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y),
                    );
                }
            }
        }
        let m = laplacians.len().max(1) as f64;
        let lap_mean = laplacians.iter().sum::<f64>() / m;
        let sharpness = laplacians
            .iter()
            .map(|l| (l - lap_mean).powi(2))
            .sum::<f64>()
            / m;
        PictureScore {
            mean_luma,
            contrast,
            sharpness,
        }
    }

    /// Whether the picture is black, a white flash or flat (a fade).
    pub fn is_unusable(&self) -> bool {
        self.mean_luma < DARK_LUMA || self.mean_luma > BRIGHT_LUMA || self.contrast < FLAT_CONTRAST
    }

    /// One number to compare pictures by: sharpness and contrast, on a log
    /// scale so neither dominates, far below zero when unusable.
    pub fn value(&self) -> f64 {
        let base = (1.0 + self.sharpness).ln() + (1.0 + self.contrast).ln();
        if self.is_unusable() {
            base - UNUSABLE
        } else {
            base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 64;
    const H: usize = 36;

    fn picture(f: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(W * H * 3);
        for y in 0..H {
            for x in 0..W {
                let v = f(x, y);
                out.extend_from_slice(&[v, v, v]);
            }
        }
        out
    }

    fn score(f: impl Fn(usize, usize) -> u8) -> PictureScore {
        PictureScore::of_rgb(&picture(f), W, H)
    }

    /// A sharp checkerboard of 4-pixel squares between `lo` and `hi`.
    fn checker(lo: u8, hi: u8) -> impl Fn(usize, usize) -> u8 {
        move |x, y| if (x / 4 + y / 4) % 2 == 0 { lo } else { hi }
    }

    /// A smooth horizontal ramp over the same range: the blurred picture.
    fn ramp(lo: u8, hi: u8) -> impl Fn(usize, usize) -> u8 {
        move |x, _| lo + ((hi - lo) as usize * x / (W - 1)) as u8
    }

    #[test]
    fn black_is_unusable_and_loses_to_a_picture() {
        let black = score(|_, _| 4);
        assert!(black.is_unusable());
        assert!(black.mean_luma < 5.0);
        let sharp = score(checker(30, 220));
        assert!(!sharp.is_unusable(), "{sharp:?}");
        assert!(sharp.value() > black.value());
    }

    #[test]
    fn a_fade_is_unusable() {
        // The same picture faded to a tenth: dim and flat.
        let faded = score(checker(3, 22));
        assert!(faded.is_unusable(), "{faded:?}");
        assert!(score(checker(30, 220)).value() > faded.value());
        let white = score(|_, _| 250);
        assert!(white.is_unusable());
    }

    #[test]
    fn blurred_loses_to_sharp_of_the_same_contrast() {
        let sharp = score(checker(40, 200));
        let blurred = score(ramp(40, 200));
        assert!(!blurred.is_unusable(), "{blurred:?}");
        assert!(
            sharp.sharpness > 100.0 * blurred.sharpness.max(0.01),
            "{sharp:?} {blurred:?}"
        );
        assert!(sharp.value() > blurred.value());
    }

    #[test]
    fn a_picture_too_small_for_the_laplacian_has_no_sharpness() {
        let tiny = PictureScore::of_rgb(&[10, 10, 10, 200, 200, 200], 2, 1);
        assert_eq!(tiny.sharpness, 0.0);
        assert!((tiny.mean_luma - 105.0).abs() < 1e-9);
    }
}
