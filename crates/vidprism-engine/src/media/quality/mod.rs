//! A rendition's measured quality (issue 24): the pictures its encoder was
//! given, compared with the same pictures decoded back from its packets.
//!
//! [`metrics`] computes SSIM and PSNR as FFmpeg's `ssim` and `psnr` filters
//! do; [`scorer`] decodes a rendition's packets in its own thread and keeps
//! references to the pictures sent until theirs come back; [`Tally`] adds
//! the frames up into the [`Score`] that `rendition_done` carries.

pub mod metrics;
mod scorer;
pub mod series;
pub mod target;

use serde::{Deserialize, Serialize};

pub use scorer::Scorer;

use crate::error::{Error, Result};
use crate::presets::QualityGoal;

/// The highest PSNR reported, in dB: identical pictures (no error at all)
/// score this instead of infinity, which JSON cannot hold.
pub const MAX_PSNR_DB: f64 = 100.0;

/// A rendition's score: `rendition_done`'s `quality`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Mean SSIM of all planes (each weighted by its size), as the `ssim`
    /// filter's "All".
    pub ssim: f64,
    /// Mean SSIM of the luma plane.
    pub ssim_y: f64,
    /// PSNR of all planes (of the mean squared error weighted by plane
    /// size), as the `psnr` filter's "average", and of each plane; dB.
    pub psnr: f64,
    pub psnr_y: f64,
    pub psnr_u: f64,
    pub psnr_v: f64,
    /// Mean SSIM (all planes) of the worst 1 % of the frames scored, at
    /// least one frame.
    pub worst_ssim: f64,
    /// Frames scored.
    pub frames: u64,
    /// Each scored frame's SSIM (all planes) at its time, in order (issue
    /// 25's quality strip). Only in the process that scored it: not in the
    /// JSON (events, store, farm wire), which stays as it was.
    #[serde(skip)]
    pub series: Option<Series>,
}

/// Scored frames in time order: (seconds from the rendition's first
/// picture, SSIM), shared without a copy.
pub type Series = std::sync::Arc<[(f64, f64)]>;

impl Score {
    /// The frames of the worst 1 % of the series (at least one), by time:
    /// where the quality strip marks them.
    pub fn worst_frames(&self) -> Vec<(f64, f64)> {
        let Some(series) = &self.series else {
            return Vec::new();
        };
        let mut frames = series.to_vec();
        frames.sort_by(|a, b| a.1.total_cmp(&b.1));
        frames.truncate(frames.len().div_ceil(100));
        frames.sort_by(|a, b| a.0.total_cmp(&b.0));
        frames
    }

    /// The time of the worst frame scored.
    pub fn worst_moment_s(&self) -> Option<f64> {
        let series = self.series.as_ref()?;
        series
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(t, _)| *t)
    }
}

impl Score {
    /// "SSIM 0.984 · 42.1 dB · worst 0.962": what the window and the
    /// command line show.
    pub fn summary(&self) -> String {
        format!(
            "SSIM {:.3} · {:.1} dB · worst {:.3}",
            self.ssim, self.psnr, self.worst_ssim
        )
    }
}

/// `score` if it meets `goal`'s floor (or there is none); otherwise why
/// the rendition fails.
pub fn check_floor(goal: &QualityGoal, score: Option<Score>) -> Result<Option<Score>> {
    let Some(floor) = goal.min_ssim else {
        return Ok(score);
    };
    match score {
        None => Err(Error::Unscored { floor }),
        Some(s) if s.ssim < floor => Err(Error::BelowFloor {
            ssim: s.ssim,
            floor,
            again: None,
        }),
        Some(s) => Ok(Some(s)),
    }
}

/// One frame's comparison: per plane (Y, U, V) SSIM, squared error and
/// samples.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameScore {
    pub planes: [metrics::PlaneScore; 3],
}

impl FrameScore {
    fn weights(&self) -> [f64; 3] {
        let total: u64 = self.planes.iter().map(|p| p.samples).sum();
        self.planes.map(|p| p.samples as f64 / total.max(1) as f64)
    }

    /// SSIM of all planes, weighted by their sizes.
    pub fn ssim(&self) -> f64 {
        self.planes
            .iter()
            .zip(self.weights())
            .map(|(p, w)| p.ssim * w)
            .sum()
    }

    fn mse(&self, plane: usize) -> f64 {
        let p = self.planes[plane];
        p.sse as f64 / p.samples.max(1) as f64
    }

    /// Mean squared error of all planes, weighted by their sizes.
    fn weighted_mse(&self) -> f64 {
        (0..3)
            .zip(self.weights())
            .map(|(i, w)| self.mse(i) * w)
            .sum()
    }
}

/// The frames of one rendition scored so far.
#[derive(Debug, Default)]
pub struct Tally {
    /// Each frame's SSIM (all planes), for the worst 1 %.
    ssim: Vec<f64>,
    /// Each frame's time (seconds), beside `ssim`, when known.
    times: Vec<f64>,
    ssim_y: f64,
    /// Sums of each plane's mean squared error, and of the weighted one.
    mse: [f64; 3],
    mse_all: f64,
    /// The samples' largest value (255 for 8 bits).
    max: f64,
}

impl Tally {
    pub fn new(max: u32) -> Tally {
        Tally {
            max: f64::from(max),
            ..Tally::default()
        }
    }

    /// Adds a frame shown at `time_s`.
    pub fn add_at(&mut self, time_s: f64, frame: &FrameScore) {
        self.times.push(time_s);
        self.add(frame);
    }

    pub fn add(&mut self, frame: &FrameScore) {
        self.ssim.push(frame.ssim());
        self.ssim_y += frame.planes[0].ssim;
        for (i, sum) in self.mse.iter_mut().enumerate() {
            *sum += frame.mse(i);
        }
        self.mse_all += frame.weighted_mse();
    }

    pub fn frames(&self) -> u64 {
        self.ssim.len() as u64
    }

    /// The score, `None` when no frame was scored.
    pub fn score(mut self) -> Option<Score> {
        let n = self.ssim.len();
        if n == 0 {
            return None;
        }
        let frames = n as f64;
        let series: Option<Series> = (self.times.len() == n).then(|| {
            let mut series: Vec<(f64, f64)> = self
                .times
                .iter()
                .zip(&self.ssim)
                .map(|(t, s)| (*t, round(*s, 1e6)))
                .collect();
            series.sort_by(|a, b| a.0.total_cmp(&b.0));
            series.into()
        });
        let psnr = |mse_sum: f64| {
            let db = 10.0 * (self.max * self.max / (mse_sum / frames)).log10();
            round(db.min(MAX_PSNR_DB), 1000.0)
        };
        let mean = self.ssim.iter().sum::<f64>() / frames;
        self.ssim.sort_by(f64::total_cmp);
        let worst = n.div_ceil(100);
        let worst_ssim = self.ssim[..worst].iter().sum::<f64>() / worst as f64;
        Some(Score {
            ssim: round(mean, 1e6),
            ssim_y: round(self.ssim_y / frames, 1e6),
            psnr: psnr(self.mse_all),
            psnr_y: psnr(self.mse[0]),
            psnr_u: psnr(self.mse[1]),
            psnr_v: psnr(self.mse[2]),
            worst_ssim: round(worst_ssim, 1e6),
            frames: n as u64,
            series,
        })
    }
}

/// `value` to the nearest `1 / scale`: six decimals of SSIM, three of dB
/// are all anyone reads, and the JSON stays short.
fn round(value: f64, scale: f64) -> f64 {
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::metrics::PlaneScore;
    use super::*;

    fn frame(ssim: [f64; 3], sse: [u64; 3]) -> FrameScore {
        let samples = [64, 16, 16];
        FrameScore {
            planes: [0, 1, 2].map(|i| PlaneScore {
                ssim: ssim[i],
                sse: sse[i],
                samples: samples[i],
            }),
        }
    }

    #[test]
    fn frames_add_up_as_the_filters_report_them() {
        let mut tally = Tally::new(255);
        // Weights 64/96, 16/96, 16/96.
        tally.add(&frame([0.9, 0.96, 0.99], [640, 16, 0]));
        tally.add(&frame([0.96, 0.99, 0.99], [64, 16, 32]));
        assert_eq!(tally.frames(), 2);
        let score = tally.score().unwrap();
        let all = |y: f64, u: f64, v: f64| (64.0 * y + 16.0 * u + 16.0 * v) / 96.0;
        let (first, second) = (all(0.9, 0.96, 0.99), all(0.96, 0.99, 0.99));
        assert!((score.ssim - (first + second) / 2.0).abs() < 1e-6);
        assert!((score.ssim_y - 0.93).abs() < 1e-6);
        assert!((score.worst_ssim - first).abs() < 1e-6, "{score:?}");
        // Luma: mean MSE (10 + 1) / 2 = 5.5 -> 10 log10(255² / 5.5).
        let db = |mse: f64| 10.0 * (255.0f64 * 255.0 / mse).log10();
        assert!((score.psnr_y - db(5.5)).abs() < 1e-3, "{score:?}");
        assert!((score.psnr_u - db(1.0)).abs() < 1e-3);
        assert!((score.psnr_v - db(1.0)).abs() < 1e-3);
        // All planes: weighted MSE (640 + 16 + 0) / 96 and (64 + 16 + 32) / 96.
        assert!((score.psnr - db((656.0 + 112.0) / 96.0 / 2.0)).abs() < 1e-3);
        // No error at all is capped, not infinite.
        let mut same = Tally::new(255);
        same.add(&frame([1.0; 3], [0; 3]));
        let score = same.score().unwrap();
        assert_eq!(
            (score.psnr, score.psnr_u, score.ssim),
            (MAX_PSNR_DB, MAX_PSNR_DB, 1.0)
        );
        assert_eq!(Tally::new(255).score(), None);
    }

    #[test]
    fn a_floor_fails_a_score_below_it_with_the_reason() {
        let score = |ssim| Score {
            ssim,
            ssim_y: ssim,
            psnr: 40.0,
            psnr_y: 40.0,
            psnr_u: 40.0,
            psnr_v: 40.0,
            worst_ssim: ssim,
            frames: 5,
            series: None,
        };
        let floor = QualityGoal {
            min_ssim: Some(0.97),
            ..QualityGoal::default()
        };
        let failed = |s| check_floor(&floor, s).unwrap_err().to_string();
        assert_eq!(failed(Some(score(0.951))), "scored 0.951 < 0.97");
        // Never "0.970 < 0.97".
        assert_eq!(failed(Some(score(0.96996))), "scored 0.96996 < 0.97");
        assert!(failed(None).contains("could not be scored"));
        assert_eq!(
            check_floor(&floor, Some(score(0.97))).unwrap(),
            Some(score(0.97))
        );
        assert_eq!(check_floor(&QualityGoal::default(), None).unwrap(), None);
        let again = Error::BelowFloor {
            ssim: 0.9612,
            floor: 0.97,
            again: Some("CRF 35".into()),
        };
        assert_eq!(
            again.to_string(),
            "scored 0.961 < 0.97 (also when made again at CRF 35)"
        );
    }

    /// Issue 25: the series keeps each frame's time and SSIM in time order,
    /// and the strip's worst 1 % and worst moment come from it.
    #[test]
    fn the_series_keeps_each_frames_time_and_marks_the_worst() {
        let mut tally = Tally::new(255);
        for i in (0..200).rev() {
            let s = if i == 120 || i == 121 { 0.6 } else { 0.99 };
            tally.add_at(f64::from(i) * 0.04, &frame([s; 3], [1; 3]));
        }
        let score = tally.score().unwrap();
        let series = score.series.clone().expect("a series");
        assert_eq!(series.len(), 200);
        assert!(series.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
        assert_eq!(series[120], (4.8, 0.6));
        assert_eq!(score.worst_frames(), vec![(4.8, 0.6), (4.84, 0.6)]);
        assert_eq!(score.worst_moment_s(), Some(4.8));
        // Not in the JSON: events, store and wire stay as they were.
        let json = serde_json::to_string(&score).unwrap();
        assert!(!json.contains("series"), "{json}");
        let back: Score = serde_json::from_str(&json).unwrap();
        assert_eq!(back.series, None);
    }

    #[test]
    fn the_worst_percent_is_at_least_one_frame_and_grows_with_the_count() {
        let mut tally = Tally::new(255);
        for i in 0..250 {
            let s = if i < 3 { 0.5 } else { 0.99 };
            tally.add(&frame([s; 3], [1; 3]));
        }
        // 250 frames: the worst 3 (ceil of 2.5).
        assert_eq!(tally.score().unwrap().worst_ssim, 0.5);
        let summary = Score {
            ssim: 0.98412,
            ssim_y: 0.98,
            psnr: 42.06,
            psnr_y: 41.0,
            psnr_u: 44.0,
            psnr_v: 45.0,
            worst_ssim: 0.9618,
            frames: 10,
            series: None,
        }
        .summary();
        assert_eq!(summary, "SSIM 0.984 · 42.1 dB · worst 0.962");
    }
}
