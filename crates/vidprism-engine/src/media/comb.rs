//! Our own comb measure (issue 27): whether a picture's two fields were
//! taken at different times, told from three consecutive pictures.
//!
//! FFmpeg's `idet` weaves each picture's lines with the previous and the
//! next picture's lines of the other field and calls the picture top (or
//! bottom) field first as soon as one weave combs 4 % more than the other,
//! without asking whether the picture's own weave combs less than both.
//! Progressive pictures with detail one line high (FFmpeg's `testsrc2`,
//! screen captures) comb a little in every weave, unevenly when things
//! move unevenly, so `idet` calls them interlaced. Here the question is
//! the one a comb detector asks, at moving pixels only (where one of the
//! neighbours differs on the same line: still detail combs alike in every
//! weave and says nothing): a progressive picture's own weave combs far
//! less than the closest weave with a neighbour (its fields are of one
//! instant), an interlaced one's as much (its second field is as far from
//! its first as the nearer neighbour's field is), and the farther
//! neighbour's weave clearly more. Combing is summed over runs of a few
//! pixels along a line before it is measured: teeth run along the line,
//! grain and noise do not, so noise (which combs every weave alike) adds
//! little and says nothing either way.

use ffmpeg_next::frame;

use super::frame_ref::video_ref;
use super::luma::Luma;

/// A same-line change (8-bit) that makes a pixel moving.
const MOTION: u16 = 10;
/// Fewest moving runs (per million sampled) a picture needs to say anything.
const MIN_MOVING_PPM: u64 = 500;
/// The picture's own weave combing at least this share of the closest
/// neighbour weave's is interlaced (measured: 0.7 to 1.4 for woven fields,
/// DV and MPEG-2 included)...
const INTERLACED_SHARE: f64 = 0.6;
/// ...and at most this share progressive (measured: 0.07 to 0.35, the test
/// pattern's one-line detail included).
const PROGRESSIVE_SHARE: f64 = 0.45;
/// The farther neighbour's weave combs at least this many times the
/// closer one's in an interlaced picture (measured: 1.4 to 2.6, noisy
/// fields included; 1.0 to 1.3 for progressive pictures, noise included).
const MIN_ASYMMETRY: f64 = 1.2;
/// Pixels of a line whose combing is summed before it is measured...
const RUN: usize = 4;
/// ...and runs looked at across a picture, at most (combing is vertical:
/// every line is read, only some columns).
const RUNS: usize = 160;

/// What three consecutive pictures say of the middle one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Comb {
    Progressive,
    Interlaced {
        top_field_first: bool,
    },
    /// Too little motion, between the two shares, or combed alike by
    /// either neighbour (noise).
    Unknown,
}

/// Combing sums over the moving pixels of the middle picture: its own
/// weave, and weaves with a neighbour's field of each parity.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Weaves {
    own: u64,
    /// The previous picture's top field (or next's bottom) with this one's
    /// other lines: small when the bottom field comes first.
    top_from_before: u64,
    /// The next picture's top field (or previous's bottom) with this one's
    /// other lines: small when the top field comes first.
    top_from_after: u64,
    moving: u64,
    sampled: u64,
}

impl Weaves {
    /// Sums the weaves of `cur` (`width` x `height`, 8-bit luma by (x, y))
    /// between `prev` and `next`.
    pub fn measure(
        width: usize,
        height: usize,
        prev: impl Fn(usize, usize) -> u16,
        cur: impl Fn(usize, usize) -> u16,
        next: impl Fn(usize, usize) -> u16,
    ) -> Weaves {
        let spacing = width.div_ceil(RUNS).max(RUN);
        let mut w = Weaves::default();
        for y in 1..height.saturating_sub(1) {
            for x0 in (0..width.saturating_sub(RUN - 1)).step_by(spacing) {
                w.sampled += 1;
                let (mut moving, mut own, mut before, mut after) = (false, 0i32, 0i32, 0i32);
                for x in x0..x0 + RUN {
                    let (c, p, n) = (cur(x, y), prev(x, y), next(x, y));
                    moving |= c.abs_diff(p) > MOTION || c.abs_diff(n) > MOTION;
                    // How far line y sticks out of the lines around it.
                    let around = i32::from(cur(x, y - 1)) + i32::from(cur(x, y + 1));
                    own += around - 2 * i32::from(c);
                    before += around - 2 * i32::from(p);
                    after += around - 2 * i32::from(n);
                }
                if !moving {
                    continue;
                }
                w.moving += 1;
                let (own, before, after) = (
                    own.unsigned_abs(),
                    before.unsigned_abs(),
                    after.unsigned_abs(),
                );
                w.own += u64::from(own);
                if y % 2 == 0 {
                    w.top_from_before += u64::from(before);
                    w.top_from_after += u64::from(after);
                } else {
                    w.top_from_before += u64::from(after);
                    w.top_from_after += u64::from(before);
                }
            }
        }
        w
    }

    pub fn verdict(self) -> Comb {
        let closest = self.top_from_before.min(self.top_from_after);
        if closest == 0 || self.moving * 1_000_000 < MIN_MOVING_PPM * self.sampled.max(1) {
            return Comb::Unknown;
        }
        let farthest = self.top_from_before.max(self.top_from_after);
        let share = self.own as f64 / closest as f64;
        if share >= INTERLACED_SHARE && farthest as f64 >= MIN_ASYMMETRY * closest as f64 {
            Comb::Interlaced {
                top_field_first: self.top_from_after <= self.top_from_before,
            }
        } else if share <= PROGRESSIVE_SHARE {
            Comb::Progressive
        } else {
            Comb::Unknown
        }
    }
}

/// Measures each picture it is given between its neighbours.
#[derive(Default)]
pub(crate) struct CombMeter {
    /// The two pictures before (references, no copy).
    before: Vec<frame::Video>,
}

impl CombMeter {
    /// Takes the next consecutive picture; says what the one before it is
    /// once there are three. Pictures without a luma plane say nothing.
    pub fn push(&mut self, picture: &frame::Video) -> Comb {
        let mut verdict = Comb::Unknown;
        if let [prev, cur] = &self.before[..] {
            if let (Some(p), Some(c), Some(n)) = (Luma::of(prev), Luma::of(cur), Luma::of(picture))
            {
                let same = |l: &Luma| (l.width, l.height) == (c.width, c.height);
                if same(&p) && same(&n) {
                    let weaves = Weaves::measure(
                        c.width,
                        c.height,
                        |x, y| p.at(x, y),
                        |x, y| c.at(x, y),
                        |x, y| n.at(x, y),
                    );
                    verdict = weaves.verdict();
                }
            }
            self.before.remove(0);
        }
        self.before.push(video_ref(picture));
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 96;
    const H: usize = 64;

    /// A scene at time `t` (in fields): fine stripes one line high that
    /// never move, and a bright bar with soft edges moving down 2 lines a
    /// field.
    fn scene(t: i32, x: usize, y: usize) -> u16 {
        if x < W / 3 {
            return if y.is_multiple_of(2) { 40 } else { 200 };
        }
        let top = 8 + 2 * t;
        let y = y as i32;
        let ramp = |d: i32| (d.clamp(0, 4) * 40) as u16;
        30 + ramp(y - top).min(ramp(top + 24 - y))
    }

    /// Picture `n` of a progressive source: every line of one instant.
    fn progressive(n: i32) -> impl Fn(usize, usize) -> u16 {
        move |x, y| scene(2 * n, x, y)
    }

    /// Picture `n` of an interlaced source: the first field's lines of one
    /// instant, the other's of the next.
    fn interlaced(n: i32, top_first: bool) -> impl Fn(usize, usize) -> u16 {
        move |x, y| {
            let first = (y % 2 == 0) == top_first;
            scene(2 * n + i32::from(!first), x, y)
        }
    }

    #[test]
    fn progressive_pictures_with_one_line_detail_are_progressive() {
        let w = Weaves::measure(W, H, progressive(0), progressive(1), progressive(2));
        assert_eq!(w.verdict(), Comb::Progressive, "{w:?}");
    }

    #[test]
    fn woven_fields_are_interlaced_with_their_parity() {
        for top_first in [true, false] {
            let f = |n| interlaced(n, top_first);
            let w = Weaves::measure(W, H, f(0), f(1), f(2));
            assert_eq!(
                w.verdict(),
                Comb::Interlaced {
                    top_field_first: top_first
                },
                "{w:?}"
            );
        }
    }

    #[test]
    fn temporal_noise_over_progressive_pictures_is_not_interlaced() {
        // Grain of +-40 drawn afresh for every picture.
        let noisy = |n: i32| {
            move |x: usize, y: usize| {
                let mut h =
                    (x as u64 * 0x9E37_79B9) ^ (y as u64 * 0x85EB_CA6B) ^ (n as u64 * 0xC2B2_AE35);
                h = (h ^ (h >> 15)).wrapping_mul(0x2C1B_3C6D);
                let grain = (h >> 20) % 81;
                (scene(2 * n, x, y) + grain as u16).saturating_sub(40)
            }
        };
        let w = Weaves::measure(W, H, noisy(0), noisy(1), noisy(2));
        assert_ne!(
            w.verdict(),
            Comb::Interlaced {
                top_field_first: true
            },
            "{w:?}"
        );
        assert_ne!(
            w.verdict(),
            Comb::Interlaced {
                top_field_first: false
            },
            "{w:?}"
        );
    }

    #[test]
    fn still_pictures_say_nothing() {
        let still = |_: i32| progressive(0);
        let w = Weaves::measure(W, H, still(0), still(1), still(2));
        assert_eq!(w.verdict(), Comb::Unknown, "{w:?}");
        let w = Weaves::measure(0, 0, still(0), still(1), still(2));
        assert_eq!(w.verdict(), Comb::Unknown);
    }
}
