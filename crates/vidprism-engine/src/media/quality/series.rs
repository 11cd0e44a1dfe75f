//! A rendition's per-frame score series (issue 25's quality strip) outside
//! the process that scored it (kept beside the job store, sent by a farm
//! worker): bounded to [`MAX_SERIES_POINTS`], and checked when it comes
//! back from a file or the network, which may hold anything.

use crate::limits::MAX_SERIES_POINTS;

/// Latest time a series may name, seconds (over a hundred days).
const MAX_TIME_S: f64 = 1e7;

/// Why a series read from outside is refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BadSeries {
    #[error("it has {0} points, more than {MAX_SERIES_POINTS}")]
    TooLong(usize),
    #[error("its point {index} ({time_s} s, SSIM {ssim}) is out of range")]
    OutOfRange {
        index: usize,
        time_s: f64,
        ssim: f64,
    },
    #[error("its point {index} is earlier than the one before it")]
    OutOfOrder { index: usize },
}

/// `series` within [`MAX_SERIES_POINTS`]: unchanged when it fits, else the
/// worst frame of each run of frames (so the worst moment stays); times to
/// the microsecond, so the JSON stays short.
pub fn bounded(series: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = series.len();
    let runs = n.min(MAX_SERIES_POINTS);
    (0..runs)
        .filter_map(|run| {
            let frames = &series[run * n / runs..(run + 1) * n / runs];
            frames.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))
        })
        .map(|(t, s)| ((t * 1e6).round() / 1e6, s))
        .collect()
}

/// Whether `series` is one [`bounded`] could have made: at most
/// [`MAX_SERIES_POINTS`], finite times from zero in order, SSIM within
/// -1..=1.
pub fn check(series: &[(f64, f64)]) -> Result<(), BadSeries> {
    if series.len() > MAX_SERIES_POINTS {
        return Err(BadSeries::TooLong(series.len()));
    }
    let mut last = 0.0;
    for (index, &(time_s, ssim)) in series.iter().enumerate() {
        if !(0.0..=MAX_TIME_S).contains(&time_s) || !(-1.0..=1.0).contains(&ssim) {
            return Err(BadSeries::OutOfRange {
                index,
                time_s,
                ssim,
            });
        }
        if time_s < last {
            return Err(BadSeries::OutOfOrder { index });
        }
        last = time_s;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_series_keeps_each_runs_worst_frame() {
        let short = [(0.0, 0.9), (0.04, 0.8)];
        assert_eq!(bounded(&short), short);
        let n = MAX_SERIES_POINTS * 2 + 1;
        let long: Vec<(f64, f64)> = (0..n)
            .map(|i| (i as f64 * 0.04, if i == 777 { 0.1 } else { 0.95 }))
            .collect();
        let kept = bounded(&long);
        assert_eq!(kept.len(), MAX_SERIES_POINTS);
        let worst = kept.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        assert_eq!(worst, Some(&(31.08, 0.1)), "the worst moment stays");
        assert_eq!(check(&kept), Ok(()));
        assert_eq!(check(&long), Err(BadSeries::TooLong(n)));
    }

    #[test]
    fn values_out_of_range_or_order_are_refused() {
        assert_eq!(check(&[]), Ok(()));
        for bad in [
            (f64::NAN, 0.5),
            (-1.0, 0.5),
            (f64::INFINITY, 0.5),
            (1e9, 0.5),
            (1.0, f64::NAN),
            (1.0, 1.5),
            (1.0, -2.0),
        ] {
            assert!(
                matches!(check(&[bad]), Err(BadSeries::OutOfRange { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(&[(1.0, 0.9), (0.5, 0.9)]),
            Err(BadSeries::OutOfOrder { index: 1 })
        );
    }

    /// Whatever the values (generated), `check` never panics and passes
    /// whatever `bounded` makes of a sorted finite series.
    #[test]
    fn generated_series_are_checked_without_panic() {
        let mut rng = fastrand::Rng::with_seed(25);
        for _ in 0..300 {
            let n = rng.usize(..MAX_SERIES_POINTS * 3);
            let wild = |rng: &mut fastrand::Rng| match rng.u8(..4) {
                0 => f64::from_bits(rng.u64(..)),
                _ => rng.f64() * 2.0 - 0.5,
            };
            let any: Vec<(f64, f64)> = (0..n).map(|_| (wild(&mut rng), wild(&mut rng))).collect();
            let _ = check(&any);
            let mut sane: Vec<(f64, f64)> =
                (0..n).map(|_| (rng.f64() * 1000.0, rng.f64())).collect();
            sane.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert_eq!(check(&bounded(&sane)), Ok(()));
        }
    }
}
