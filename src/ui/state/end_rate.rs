//! How fast jobs end: sizes the rows the app gives the engine ahead
//! (`app::queue::next_ahead`).

use std::time::{Duration, Instant};

/// How fast jobs end, measured over spans of at least [`RATE_SPAN`].
#[derive(Debug)]
pub struct EndRate {
    since: Instant,
    ended: usize,
    /// Jobs ended a second over the last whole span (0 before one).
    pub per_s: f64,
}

/// The shortest span an [`EndRate`] is measured over.
pub const RATE_SPAN: Duration = Duration::from_millis(500);

impl Default for EndRate {
    fn default() -> Self {
        EndRate {
            since: Instant::now(),
            ended: 0,
            per_s: 0.0,
        }
    }
}

impl EndRate {
    /// `ended` more jobs ended by `now`.
    pub fn count(&mut self, ended: usize, now: Instant) {
        self.ended += ended;
        let span = now.saturating_duration_since(self.since);
        if span >= RATE_SPAN {
            self.per_s = self.ended as f64 / span.as_secs_f64();
            self.ended = 0;
            self.since = now;
        }
    }

    /// When every job in flight should have ended at this rate (`None`
    /// when no rate is known).
    pub fn time_to_end(&self, jobs: usize) -> Option<Duration> {
        (self.per_s > 0.0)
            .then(|| Duration::try_from_secs_f64(jobs as f64 / self.per_s).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_rate_is_measured_over_whole_spans() {
        let start = Instant::now();
        let mut rate = EndRate {
            since: start,
            ended: 0,
            per_s: 0.0,
        };
        rate.count(10, start + Duration::from_millis(100));
        assert_eq!(rate.per_s, 0.0, "span too short");
        assert_eq!(rate.time_to_end(5), None, "no rate yet");
        rate.count(40, start + Duration::from_millis(500));
        assert_eq!(rate.per_s, 100.0);
        assert_eq!(rate.time_to_end(50), Some(Duration::from_millis(500)));
        rate.count(0, start + Duration::from_millis(1500));
        assert_eq!(rate.per_s, 0.0, "nothing ended in the next span");
    }
}
