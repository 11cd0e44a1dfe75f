//! Target quality (issue 24): the CRF that makes a rendition score a
//! `target_ssim`, found as ab-av1 finds one: a few sample encodes of the
//! source, each scored, the next CRF interpolated between the two probes
//! that bracket the target (or extrapolated along the slope seen so far),
//! at most [`MAX_PROBES`] of them. This module is the search alone; the
//! samples are encoded by `media::transcode::samples`.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::error::Result;

/// Sample encodes per search, at most.
pub const MAX_PROBES: usize = 5;

/// A probe this close to the target (above or below) ends the search.
const CLOSE_ENOUGH: f64 = 0.0008;

/// The SSIM one CRF step is taken to cost before two probes tell the
/// source's own slope (x264 and x265 on camera footage: 0.001 to 0.004 a
/// step near 0.98).
pub const ASSUMED_SSIM_PER_STEP: f64 = 0.002;

/// What one sample encode measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    /// SSIM (all planes) of the samples encoded and decoded back.
    pub ssim: f64,
    /// Bytes the samples took.
    pub bytes: u64,
    /// Wall time of the encode (and its scoring), seconds.
    pub seconds: f64,
}

/// What a search found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    pub crf: u32,
    /// The probe at that CRF.
    pub probe: Probe,
    /// Sample encodes made.
    pub probes: u32,
    /// SSIM lost per CRF step near the CRF found (positive), from the
    /// probes around it; the assumed slope when only one was made.
    pub ssim_per_step: f64,
    /// Between whole CRFs, for encoders that take a fraction.
    pub fine: Fine,
}

/// Where the line through the probe found and its neighbour on the
/// target's other side crosses the target, to a tenth of a CRF, and what
/// it predicts there; the probe found itself when no probe brackets the
/// target with it (a bound reached, or a probe right on it). A whole CRF
/// step moves the SSIM of noisy sources by about 0.008, twice the margin
/// a target is met within: x264 and x265 take a fractional CRF.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fine {
    pub crf: f64,
    pub ssim: f64,
    pub bytes: f64,
    /// The SSIM between the two probes it lies between (0 when whole).
    pub gap: f64,
}

/// A bracket this wide in SSIM (twice the margin a target is met within)
/// is one no whole CRF meets, and where x264 on even noise falls in
/// stairs rather than a line (its macroblocks all cross one quantizer
/// together: 0.9849 at CRF 14, 0.9729 at 14.4 on the bench's noise), so a
/// fraction found in it is tried before it is trusted ([`verify_fine`]).
pub const STEEP_BRACKET: f64 = 0.008;

/// `found` with its fraction tried by `probe_fine` when it lies in a
/// [`STEEP_BRACKET`] and a probe is left: kept, with what it measured,
/// when it scores nearer the target than the whole CRF; else dropped for
/// the whole CRF.
pub fn verify_fine(
    mut found: Found,
    target: f64,
    probe_fine: impl FnOnce(f64) -> Result<Probe>,
) -> Result<Found> {
    let fine = found.fine;
    if fine.gap < STEEP_BRACKET || found.probes as usize >= MAX_PROBES {
        return Ok(found);
    }
    let tried = probe_fine(fine.crf)?;
    found.probes += 1;
    found.fine = match (tried.ssim - target).abs() < (found.probe.ssim - target).abs() {
        true => Fine {
            ssim: tried.ssim,
            bytes: tried.bytes as f64,
            ..fine
        },
        false => Fine {
            crf: f64::from(found.crf),
            ssim: found.probe.ssim,
            bytes: found.probe.bytes as f64,
            gap: 0.0,
        },
    };
    Ok(found)
}

/// Finds the CRF in `range` whose probe scores nearest `target`, starting
/// at `start`, calling `probe` for each CRF tried (never twice for one).
pub fn search(
    range: RangeInclusive<u32>,
    start: u32,
    target: f64,
    mut probe: impl FnMut(u32) -> Result<Probe>,
) -> Result<Found> {
    let (lo, hi) = (*range.start(), *range.end());
    let mut done: BTreeMap<u32, Probe> = BTreeMap::new();
    let mut crf = start.clamp(lo, hi);
    while done.len() < MAX_PROBES {
        let measured = probe(crf)?;
        done.insert(crf, measured);
        if (measured.ssim - target).abs() <= CLOSE_ENOUGH {
            break;
        }
        match next_crf(&done, target, lo, hi) {
            Some(next) => crf = next,
            None => break,
        }
    }
    Ok(best(&done, target))
}

/// The CRF to try after the probes `done`; `None` when no untried CRF
/// can come nearer (the bracket is two neighbours, or a bound is reached).
///
/// Guesses are made along the straight line through probes in whichever
/// scale the probes nearest the target lie straighter on: the logarithm
/// of the SSIM's distance from 1 (x264, x265, libvpx and SVT-AV1 on
/// camera footage and noise: that distance grows about exponentially
/// with the CRF, so a straight line in SSIM keeps guessing short on one
/// side of the bracket) or the SSIM itself (graphics whose SSIM falls
/// evenly). With fewer than three probes the logarithm is taken.
fn next_crf(done: &BTreeMap<u32, Probe>, target: f64, lo: u32, hi: u32) -> Option<u32> {
    let scale = Scale::straighter(done, target);
    // Higher CRF, lower SSIM: `above` is the highest CRF still at or above
    // the target, `below` the lowest under it.
    let above = done.iter().rev().find(|(_, p)| p.ssim >= target);
    let below = done.iter().find(|(_, p)| p.ssim < target);
    let guess = match (above, below) {
        (Some((&a, pa)), Some((&b, pb))) if b > a => {
            if b - a <= 1 {
                return None;
            }
            // Linear between the bracket, kept strictly inside it.
            let (ya, yb, yt) = (scale.of(pa.ssim), scale.of(pb.ssim), scale.of(target));
            let share = (yt - ya) / (yb - ya).max(1e-12);
            let at = f64::from(a) + share * f64::from(b - a);
            (at.round() as u32).clamp(a + 1, b - 1)
        }
        (Some((&a, pa)), _) => a.saturating_add(steps(done, a, pa, target, scale)),
        (None, Some((&b, pb))) => b.saturating_sub(steps(done, b, pb, target, scale)),
        (None, None) => return None,
    };
    let guess = guess.clamp(lo, hi);
    (!done.contains_key(&guess)).then_some(guess)
}

/// The SSIM lost per CRF step near 0.98, taken as the logarithm of its
/// distance from 1 before two probes tell the source's own slope:
/// [`ASSUMED_SSIM_PER_STEP`] there (0.002 / 0.02).
const ASSUMED_LOG_PER_STEP: f64 = 0.1;

/// The largest step of one guess beyond the probes, in CRF.
const MAX_STEP: f64 = 16.0;

/// A scale of SSIM on which a search draws its straight lines, increasing
/// with the CRF.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scale {
    /// `ln(1 - ssim)`, floored at 1e-4 (an SSIM of 0.9999: lossless
    /// pictures would be minus infinity).
    LogDistance,
    /// `-ssim`.
    Plain,
}

impl Scale {
    fn of(self, ssim: f64) -> f64 {
        match self {
            Scale::LogDistance => (1.0 - ssim).max(1e-4).ln(),
            Scale::Plain => -ssim,
        }
    }

    /// The scale on which the three probes nearest the target (on the
    /// logarithmic scale) lie straighter: the middle one's distance from
    /// the line through the outer two, against their rise.
    fn straighter(done: &BTreeMap<u32, Probe>, target: f64) -> Scale {
        let mut nearest: Vec<(u32, f64)> = done.iter().map(|(&c, p)| (c, p.ssim)).collect();
        let off = |ssim: f64| (Scale::LogDistance.of(ssim) - Scale::LogDistance.of(target)).abs();
        nearest.sort_by(|x, y| off(x.1).total_cmp(&off(y.1)));
        nearest.truncate(3);
        nearest.sort_by_key(|&(c, _)| c);
        let [(p, sp), (m, sm), (q, sq)] = nearest[..] else {
            return Scale::LogDistance;
        };
        let bend = |scale: Scale| {
            let (yp, ym, yq) = (scale.of(sp), scale.of(sm), scale.of(sq));
            let line = yp + (yq - yp) * f64::from(m - p) / f64::from(q - p);
            (ym - line).abs() / (yq - yp).abs().max(1e-12)
        };
        match bend(Scale::LogDistance) <= bend(Scale::Plain) {
            true => Scale::LogDistance,
            false => Scale::Plain,
        }
    }
}

/// CRF steps to move from the probe `end`, made at CRF `crf`, towards
/// `target`, along the slope between it and its nearest other probe on
/// `scale` (or the assumed one): at least 1, at most [`MAX_STEP`].
fn steps(done: &BTreeMap<u32, Probe>, crf: u32, end: &Probe, target: f64, scale: Scale) -> u32 {
    let y_end = scale.of(end.ssim);
    let slope = done
        .iter()
        .filter(|(&c, _)| c != crf)
        .min_by_key(|(&c, _)| c.abs_diff(crf))
        .map(|(&c, p)| (scale.of(p.ssim) - y_end) / (f64::from(c) - f64::from(crf)))
        .filter(|s| *s > 1e-12)
        .unwrap_or(match scale {
            Scale::LogDistance => ASSUMED_LOG_PER_STEP,
            Scale::Plain => ASSUMED_SSIM_PER_STEP,
        });
    let gap = (scale.of(target) - y_end).abs();
    (gap / slope).round().clamp(1.0, MAX_STEP) as u32
}

/// The probe nearest the target; of two as near, the one meeting it, then
/// the smaller file (higher CRF), or of two below it the better one.
fn best(done: &BTreeMap<u32, Probe>, target: f64) -> Found {
    let (crf, probe) = done
        .iter()
        .min_by(|(ca, a), (cb, b)| {
            let key = |c: u32, p: &Probe| {
                let below = p.ssim < target;
                // Below it, the better; meeting it, the smaller.
                (
                    (p.ssim - target).abs(),
                    below,
                    if below { c } else { u32::MAX - c },
                )
            };
            key(**ca, a)
                .partial_cmp(&key(**cb, b))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|(c, p)| (*c, *p))
        .unwrap_or((
            0,
            Probe {
                ssim: 0.0,
                bytes: 0,
                seconds: 0.0,
            },
        ));
    // The slope near it: from its nearest neighbours among the probes.
    let before = done.range(..crf).next_back();
    let after = done.range(crf + 1..).next();
    let ssim_per_step = match (before, after) {
        (Some((&a, pa)), Some((&b, pb))) if b > a => (pa.ssim - pb.ssim) / f64::from(b - a),
        (Some((&a, pa)), None) => (pa.ssim - probe.ssim) / f64::from(crf - a),
        (None, Some((&b, pb))) => (probe.ssim - pb.ssim) / f64::from(b - crf),
        _ => ASSUMED_SSIM_PER_STEP,
    };
    Found {
        crf,
        probe,
        fine: fine(done, crf, &probe, target),
        probes: done.len() as u32,
        ssim_per_step: if ssim_per_step > 0.0 {
            ssim_per_step
        } else {
            ASSUMED_SSIM_PER_STEP
        },
    }
}

/// The fractional CRF between the probe `found` (at `crf`) and its
/// neighbour across `target`, on the logarithmic scale.
fn fine(done: &BTreeMap<u32, Probe>, crf: u32, found: &Probe, target: f64) -> Fine {
    let whole = Fine {
        crf: f64::from(crf),
        ssim: found.ssim,
        bytes: found.bytes as f64,
        gap: 0.0,
    };
    // Higher CRF, lower SSIM: the neighbour across is above when it meets
    // the target, below when it misses it.
    let across = match found.ssim >= target {
        true => done.range(crf + 1..).next(),
        false => done.range(..crf).next_back(),
    };
    let Some((&other, probe)) =
        across.filter(|(_, p)| (p.ssim >= target) != (found.ssim >= target))
    else {
        return whole;
    };
    let scale = Scale::LogDistance;
    let (from, to, aim) = (scale.of(found.ssim), scale.of(probe.ssim), scale.of(target));
    if (to - from).abs() < 1e-12 {
        return whole;
    }
    let span = f64::from(other) - f64::from(crf);
    let share = ((aim - from) / (to - from)).clamp(0.0, 1.0);
    let at = ((f64::from(crf) + share * span) * 10.0).round() / 10.0;
    let share = (at - f64::from(crf)) / span;
    let bytes = |p: &Probe| (p.bytes.max(1) as f64).ln();
    Fine {
        crf: at,
        // To the millionth, as scores are reported.
        ssim: ((found.ssim + share * (probe.ssim - found.ssim)) * 1e6).round() / 1e6,
        bytes: (bytes(found) + share * (bytes(probe) - bytes(found))).exp(),
        gap: (found.ssim - probe.ssim).abs(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source whose SSIM falls along `curve` with the CRF.
    fn run(curve: impl Fn(f64) -> f64, start: u32, target: f64) -> (Found, Vec<u32>) {
        let mut tried = Vec::new();
        let found = search(0..=51, start, target, |crf| {
            tried.push(crf);
            Ok(Probe {
                ssim: curve(f64::from(crf)),
                bytes: 1000 - u64::from(crf),
                seconds: 1.0,
            })
        })
        .expect("searched");
        (found, tried)
    }

    #[test]
    fn finds_the_nearest_crf_within_five_probes_on_any_slope() {
        // Gentle (graphics), steep (noise), curved: each target reached to
        // within half a step's SSIM.
        let gentle = |c: f64| 0.999 - 0.0008 * c;
        let steep = |c: f64| 1.0 - 0.008 * c;
        let curved = |c: f64| 1.0 - 0.00002 * c * c * c / 10.0;
        let curves: [(&str, &dyn Fn(f64) -> f64); 3] =
            [("gentle", &gentle), ("steep", &steep), ("curved", &curved)];
        for (name, curve) in curves {
            for target in [0.95, 0.97, 0.985] {
                for start in [18, 23, 35] {
                    let (found, tried) = run(curve, start, target);
                    assert!(tried.len() <= MAX_PROBES, "{name} {tried:?}");
                    let mut unique = tried.clone();
                    unique.sort_unstable();
                    unique.dedup();
                    assert_eq!(unique.len(), tried.len(), "no CRF twice: {tried:?}");
                    let c = f64::from(found.crf);
                    let step = (curve(c - 1.0) - curve(c + 1.0)) / 2.0;
                    assert!(
                        (found.probe.ssim - target).abs() <= step * 0.5 + 1e-9
                            || found.crf == 0
                            || found.crf == 51,
                        "{name} target {target} from {start}: CRF {} scores {} (step {step}) after {tried:?}",
                        found.crf,
                        found.probe.ssim
                    );
                    assert!(found.ssim_per_step > 0.0);
                }
            }
        }
    }

    /// The search against every CRF of `curve`: the found CRF scores as
    /// near the target as the best one, give or take `CLOSE_ENOUGH`.
    fn assert_near_best(name: &str, curve: &dyn Fn(f64) -> f64, start: u32, target: f64) {
        let (found, tried) = run(curve, start, target);
        assert!(tried.len() <= MAX_PROBES, "{name} {tried:?}");
        let miss = |crf: u32| (curve(f64::from(crf)) - target).abs();
        let best = (0..=51).map(miss).fold(f64::INFINITY, f64::min);
        assert!(
            miss(found.crf) <= best + CLOSE_ENOUGH,
            "{name} target {target} from {start}: CRF {} misses by {:.4}, the best CRF by {best:.4}, after {tried:?}",
            found.crf,
            miss(found.crf),
        );
    }

    #[test]
    fn finds_the_best_crf_where_the_ssim_bends_as_encoders_make_it() {
        // 1 - SSIM growing exponentially with the CRF, as x264 makes it on
        // noise and camera footage: a straight line in SSIM guessed short
        // on one side of the bracket every time (the noise source's 720p
        // rung ended 0.0049 above 0.98 after five probes from CRF 23).
        for (a, k) in [
            (0.00493, 0.1),
            (0.001, 0.2),
            (0.0001, 0.3),
            (0.02, 0.08),
            (0.0003, 0.25),
        ] {
            let curve = move |c: f64| 1.0 - a * (k * c).exp();
            for target in [0.95, 0.97, 0.98, 0.985, 0.99] {
                for start in [18, 23, 35] {
                    assert_near_best(&format!("exp {a} {k}"), &curve, start, target);
                }
            }
        }
        // Straight lines in SSIM (graphics) still found as well.
        for (name, curve) in [
            (
                "gentle",
                &(|c: f64| 0.999 - 0.0008 * c) as &dyn Fn(f64) -> f64,
            ),
            ("steep", &|c: f64| 1.0 - 0.008 * c),
        ] {
            for target in [0.95, 0.97, 0.98, 0.985, 0.99] {
                for start in [18, 23, 35] {
                    assert_near_best(name, curve, start, target);
                }
            }
        }
    }

    #[test]
    fn a_fraction_of_a_crf_lands_between_the_probes_across_the_target() {
        // Noise: 0.008 a step, so no whole CRF is within 0.004 of every
        // target; the fraction is within a tenth's worth.
        let steep = |c: f64| 1.0 - 0.0002 * (0.2 * c).exp();
        for target in [0.97, 0.98, 0.985] {
            let (found, _) = run(steep, 23, target);
            let fine = found.fine;
            assert!(
                (steep(fine.crf) - target).abs() <= (steep(fine.crf) - steep(fine.crf + 0.1)).abs(),
                "target {target}: CRF {} scores {}",
                fine.crf,
                steep(fine.crf)
            );
            assert!(
                (fine.crf - f64::from(found.crf)).abs() <= 1.0,
                "{fine:?} {found:?}"
            );
            assert!((fine.ssim - target).abs() < 0.002, "{fine:?}");
            // The run's bytes are 1000 - CRF: the fraction's lie between
            // its whole neighbours'.
            let (least, most) = (1000.0 - fine.crf.ceil(), 1000.0 - fine.crf.floor());
            assert!(
                fine.bytes >= least - 1e-6 && fine.bytes <= most + 1e-6,
                "{fine:?}"
            );
        }
        // At a bound nothing lies across: the whole CRF.
        let (found, _) = run(|_| 0.999, 23, 0.9);
        assert_eq!(found.fine.crf, 51.0);
        assert_eq!(found.fine.ssim, 0.999);
    }

    #[test]
    fn a_fraction_in_a_steep_bracket_is_tried_and_dropped_on_a_stair() {
        // x264 on noise: 0.9849 up to CRF 14.3, 0.9729 from there to 15.
        let stairs = |c: f64| {
            if c < 14.35 {
                0.9849
            } else {
                0.9729 - 0.004 * (c - 14.35)
            }
        };
        let probe = |c: f64| {
            Ok(Probe {
                ssim: stairs(c),
                bytes: 1000,
                seconds: 1.0,
            })
        };
        let (found, tried) = run(|c| stairs(c), 14, 0.98);
        assert_eq!((found.crf, found.probe.ssim), (14, 0.9849), "{tried:?}");
        assert!(found.fine.gap >= STEEP_BRACKET, "{:?}", found.fine);
        assert!(found.fine.crf > 14.0 && found.fine.crf < 15.0);
        let checked = verify_fine(found, 0.98, probe).expect("tried");
        assert_eq!(
            checked.fine.crf, 14.0,
            "the stair scores 0.9729: the whole CRF stays"
        );
        assert_eq!(checked.probes, found.probes + 1);
        // On a line the fraction tried is kept, with what it measured.
        let line = |c: f64| 1.0 - 0.012 * (c - 12.0);
        let (found, _) = run(line, 14, 0.98);
        let checked = verify_fine(found, 0.98, |c| {
            Ok(Probe {
                ssim: line(c),
                bytes: 7,
                seconds: 1.0,
            })
        })
        .expect("tried");
        assert!((checked.fine.ssim - 0.98).abs() < 0.002, "{checked:?}");
        assert_eq!(checked.fine.bytes, 7.0);
        // A gentle bracket is trusted without a probe.
        let gentle = |c: f64| 0.999 - 0.0008 * c;
        let (found, _) = run(gentle, 23, 0.985);
        let same = verify_fine(found, 0.985, |_| panic!("no probe")).expect("as found");
        assert_eq!(same, found);
    }

    #[test]
    fn stops_at_the_bounds_of_the_range() {
        // Even CRF 0 is below the target: the search ends there.
        let (found, tried) = run(|_| 0.5, 23, 0.99);
        assert_eq!(found.crf, 0, "{tried:?}");
        // Even CRF 51 is above it.
        let (found, _) = run(|_| 0.999, 23, 0.9);
        assert_eq!(found.crf, 51);
    }
}
