//! Black bars (issue 27): letterbox and pillarbox bars burnt into a
//! source, found in pictures sampled over its whole length. A line (row or
//! column) of the luma plane is bar in a picture when its brightest sample
//! stays at or under [`BAR_LUMA_LIMIT`]; it is cropped only when it is bar
//! in every picture that shows anything. Pictures that are black all over
//! (an opening on black, a fade to black) say nothing and are left out,
//! and with fewer than [`MIN_PICTURES`] that show something nothing is
//! cropped: a dark scene keeps its picture, since somewhere in the file
//! its rows are lit. Crops are rounded inwards to the chroma grid (even),
//! so a bar's last line may stay but the picture never loses one.

use std::path::Path;

use ffmpeg_next::{frame, Rational};

use super::luma::Luma;
use super::sample::sample_pictures;
use crate::error::Result;
use crate::presets::Crop;

/// Where the detection looks: the middles of this many equal parts.
const CROP_POINTS: usize = 15;
/// Pictures decoded past a seek's keyframe to reach its point.
const CROP_SKIP: usize = 30;
/// The brightest a bar's line may be, in 8-bit luma (limited-range black
/// is 16; compression noise in a black bar stays well under this). FFmpeg's
/// `cropdetect` uses the same limit.
pub const BAR_LUMA_LIMIT: u16 = 24;
/// Fewest sampled pictures that must show something before anything is
/// cropped.
pub const MIN_PICTURES: usize = 3;

/// The brightest luma of each row and column, over the pictures seen.
#[derive(Debug, Default)]
pub struct BarScan {
    rows: Vec<u16>,
    columns: Vec<u16>,
    pictures: usize,
    mixed_sizes: bool,
    /// The crop grid: 2 for even crops, 4 for 4:1:1 chroma.
    align: (u32, u32),
}

impl BarScan {
    /// Adds one picture's luma, given as a function of (x, y) in 8 bits.
    pub fn add(&mut self, width: usize, height: usize, luma: impl Fn(usize, usize) -> u16) {
        let mut rows = vec![0u16; height];
        let mut columns = vec![0u16; width];
        for (y, row) in rows.iter_mut().enumerate() {
            for (x, column) in columns.iter_mut().enumerate() {
                let v = luma(x, y);
                *row = (*row).max(v);
                *column = (*column).max(v);
            }
        }
        if rows.iter().all(|&v| v <= BAR_LUMA_LIMIT) {
            // Black all over: says nothing of where the picture is.
            return;
        }
        if self.pictures > 0 && (self.rows.len(), self.columns.len()) != (height, width) {
            // A size change mid-stream: bars cannot be told; none are cropped.
            self.mixed_sizes = true;
        }
        if self.pictures == 0 {
            self.rows = rows;
            self.columns = columns;
        } else if !self.mixed_sizes {
            for (a, b) in self.rows.iter_mut().zip(rows) {
                *a = (*a).max(b);
            }
            for (a, b) in self.columns.iter_mut().zip(columns) {
                *a = (*a).max(b);
            }
        }
        self.pictures += 1;
    }

    /// The bars black in every picture that showed something, rounded
    /// inwards to the grid; `None` when there are none or too few pictures.
    pub fn crop(&self) -> Option<Crop> {
        if self.pictures < MIN_PICTURES || self.mixed_sizes {
            return None;
        }
        let bar = |v: &u16| *v <= BAR_LUMA_LIMIT;
        let leading = |lines: &[u16]| lines.iter().take_while(|v| bar(v)).count() as u32;
        let trailing = |lines: &[u16]| lines.iter().rev().take_while(|v| bar(v)).count() as u32;
        let (ax, ay) = (self.align.0.max(2), self.align.1.max(2));
        let down = |n: u32, a: u32| n - n % a;
        let crop = Crop {
            top: down(leading(&self.rows), ay),
            bottom: down(trailing(&self.rows), ay),
            left: down(leading(&self.columns), ax),
            right: down(trailing(&self.columns), ax),
        };
        (crop != Crop::default()).then_some(crop)
    }
}

/// Finds the black bars of `path` in pictures at [`CROP_POINTS`] places.
pub fn detect_bars(path: &Path) -> Result<Option<Crop>> {
    let mut scan = BarScan::default();
    sample_pictures(
        path,
        CROP_POINTS,
        CROP_SKIP,
        |_| 1,
        |_, picture, _: Rational| {
            add_picture(&mut scan, picture);
            Ok(())
        },
    )?;
    let crop = scan.crop();
    tracing::info!(source = %path.display(), pictures = scan.pictures, ?crop, "black bars");
    Ok(crop)
}

/// Adds a decoded picture's luma plane; pictures whose format has none
/// (RGB, palettes) are left out, so nothing is cropped from such a source.
fn add_picture(scan: &mut BarScan, picture: &frame::Video) {
    let Some(luma) = Luma::of(picture) else {
        return;
    };
    scan.align = (1 << luma.log2_chroma.0, 1 << luma.log2_chroma.1);
    scan.add(luma.width, luma.height, |x, y| luma.at(x, y));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`x`h` picture, `level` inside the rectangle [x0,x1)x[y0,y1) and
    /// `black` elsewhere.
    fn picture(
        scan: &mut BarScan,
        (w, h): (usize, usize),
        (x0, y0, x1, y1): (usize, usize, usize, usize),
        level: u16,
        black: u16,
    ) {
        scan.add(w, h, |x, y| {
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                level
            } else {
                black
            }
        });
    }

    #[test]
    fn letterbox_bars_black_in_every_picture_are_cropped_evenly() {
        let mut scan = BarScan::default();
        for level in [120, 60, 200, 35] {
            picture(&mut scan, (64, 48), (0, 7, 64, 41), level, 16);
        }
        // 7 rows on top rounds down to 6: a bar line stays, no picture line goes.
        assert_eq!(
            scan.crop(),
            Some(Crop {
                top: 6,
                bottom: 6,
                left: 0,
                right: 0
            })
        );
    }

    #[test]
    fn black_pictures_say_nothing_and_a_lit_one_anywhere_keeps_its_lines() {
        let mut scan = BarScan::default();
        for _ in 0..10 {
            picture(&mut scan, (64, 48), (0, 0, 0, 0), 0, 16);
        }
        assert_eq!(scan.crop(), None, "an all-black source");
        picture(&mut scan, (64, 48), (8, 8, 56, 40), 90, 16);
        picture(&mut scan, (64, 48), (8, 8, 56, 40), 90, 16);
        assert_eq!(scan.crop(), None, "too few pictures show anything");
        // A dark scene with its edges unlit, then the full picture lit.
        picture(&mut scan, (64, 48), (8, 8, 56, 40), 40, 16);
        picture(&mut scan, (64, 48), (0, 0, 64, 48), 200, 16);
        assert_eq!(scan.crop(), None);
    }

    #[test]
    fn pillarbox_bars_follow_the_chroma_grid() {
        let mut scan = BarScan {
            align: (4, 1),
            ..BarScan::default()
        };
        for _ in 0..3 {
            picture(&mut scan, (720, 480), (90, 0, 630, 480), 180, 16);
        }
        assert_eq!(
            scan.crop(),
            Some(Crop {
                top: 0,
                bottom: 0,
                left: 88,
                right: 88
            })
        );
    }

    #[test]
    fn a_line_lit_once_is_picture() {
        let mut scan = BarScan::default();
        for _ in 0..5 {
            picture(&mut scan, (32, 32), (0, 4, 32, 28), 100, 16);
        }
        picture(&mut scan, (32, 32), (0, 0, 32, 32), 25, 16);
        assert_eq!(scan.crop(), None, "25 is over the limit: once lit, kept");
    }
}
