//! `on_low_quality = "retry"` (issue 24): a rendition that scored below its
//! `min_ssim` is made once more, with the job's other such renditions, from
//! a second decode of the source, at a lower CRF (a higher bitrate); only
//! if that too scores below its floor does it fail, saying so.

use crate::error::{Error, Result};
use crate::media::{RenditionTarget, RenditionTracks};
use crate::presets::{LowQuality, Quality};

/// The SSIM one CRF step is taken to buy near the usual floors (0.95 to
/// 0.99: x264 and x265 on camera footage gain 0.001 to 0.004 a step there):
/// the retry lowers the CRF by the shortfall over this, 2 to 16 steps.
const SSIM_PER_CRF_STEP: f64 = 0.002;

/// The quality to make a rendition again at after it scored `ssim` below
/// `floor`, a CRF step costing `per_step` of SSIM there (the target
/// search's slope when it made one, else [`SSIM_PER_CRF_STEP`]); `None`
/// when it cannot go higher.
fn raised(quality: Quality, ssim: f64, floor: f64, per_step: Option<f64>) -> Option<Quality> {
    let per_step = per_step
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(SSIM_PER_CRF_STEP);
    // Less a hair, so a shortfall of exactly n steps is n, not n + 1.
    let steps = ((floor - ssim) / per_step - 1e-9).ceil().clamp(2.0, 16.0) as u32;
    let lower = |crf: u32| (crf > 1).then(|| crf.saturating_sub(steps).max(1));
    match quality {
        Quality::Crf(crf) => lower(crf).map(Quality::Crf),
        Quality::CappedCrf {
            crf,
            maxrate_kbps,
            bufsize_kbps,
        } => lower(crf).map(|crf| Quality::CappedCrf {
            crf,
            maxrate_kbps,
            bufsize_kbps,
        }),
        Quality::BitrateKbps(kbps) => Some(Quality::BitrateKbps(kbps.saturating_mul(3) / 2)),
    }
}

/// "CRF 19", "3000 kb/s": what a retry was made at, for its reason.
fn label(quality: Quality) -> String {
    match quality {
        Quality::Crf(crf) | Quality::CappedCrf { crf, .. } => format!("CRF {crf}"),
        Quality::BitrateKbps(kbps) => format!("{kbps} kb/s"),
    }
}

/// `results` (one per target) with every rendition that failed below a
/// floor asking for a retry made again by `transcode`, which makes the
/// targets it is given (the indices are theirs in `targets`). `slopes`
/// holds, per target, the SSIM a CRF step cost in its target search.
pub fn retry_below_floor(
    targets: &[RenditionTarget],
    slopes: &[Option<f64>],
    mut results: Vec<Result<RenditionTracks>>,
    transcode: impl FnOnce(&[RenditionTarget], &[usize]) -> Result<Vec<Result<RenditionTracks>>>,
) -> Vec<Result<RenditionTracks>> {
    let mut again = Vec::new();
    let mut indices = Vec::new();
    for (i, (target, result)) in targets.iter().zip(&results).enumerate() {
        if target.spec.goal.on_low_quality != LowQuality::Retry {
            continue;
        }
        let Err(Error::BelowFloor {
            ssim,
            floor,
            again: None,
        }) = result
        else {
            continue;
        };
        let slope = slopes.get(i).copied().flatten();
        if let Some(quality) = raised(target.spec.quality, *ssim, *floor, slope) {
            let mut target = target.clone();
            target.spec.quality = quality;
            // Its whole CRF now: the fraction was the first try's.
            target.fine_crf = None;
            again.push(target);
            indices.push(i);
        }
    }
    if again.is_empty() {
        return results;
    }
    tracing::info!(renditions = ?indices, "made again below their min_ssim");
    match transcode(&again, &indices) {
        Ok(made) => {
            for ((i, result), target) in indices.iter().zip(made).zip(&again) {
                results[*i] = match result {
                    Err(Error::BelowFloor { ssim, floor, .. }) => Err(Error::BelowFloor {
                        ssim,
                        floor,
                        again: Some(label(target.spec.quality)),
                    }),
                    other => other,
                };
            }
        }
        // The first failures stand, unless the job was cancelled meanwhile.
        Err(Error::Cancelled) => indices
            .iter()
            .for_each(|&i| results[i] = Err(Error::Cancelled)),
        Err(e) => tracing::warn!(error = %e, "making renditions again failed"),
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crf_drops_with_the_shortfall_within_bounds() {
        // 0.02 short: 10 steps; a sliver short: still 2; far short: 16.
        assert_eq!(
            raised(Quality::Crf(30), 0.95, 0.97, None),
            Some(Quality::Crf(20))
        );
        assert_eq!(
            raised(Quality::Crf(30), 0.9699, 0.97, None),
            Some(Quality::Crf(28))
        );
        assert_eq!(
            raised(Quality::Crf(51), 0.5, 0.97, None),
            Some(Quality::Crf(35))
        );
        assert_eq!(
            raised(Quality::Crf(5), 0.5, 0.97, None),
            Some(Quality::Crf(1))
        );
        assert_eq!(raised(Quality::Crf(1), 0.5, 0.97, None), None);
        assert_eq!(
            raised(Quality::BitrateKbps(1000), 0.9, 0.97, None),
            Some(Quality::BitrateKbps(1500))
        );
        // A search's own slope: 0.02 short at 0.005 a step is 4 steps, not 10.
        assert_eq!(
            raised(Quality::Crf(30), 0.95, 0.97, Some(0.005)),
            Some(Quality::Crf(26))
        );
        assert_eq!(
            raised(Quality::Crf(30), 0.95, 0.97, Some(f64::NAN)),
            Some(Quality::Crf(20))
        );
        let capped = Quality::CappedCrf {
            crf: 23,
            maxrate_kbps: 3000,
            bufsize_kbps: 6000,
        };
        assert_eq!(label(raised(capped, 0.96, 0.97, None).unwrap()), "CRF 18");
    }

    #[test]
    fn a_retry_is_made_at_its_lowered_whole_crf_not_the_first_fraction() {
        let mut spec = crate::presets::find_preset("web")
            .expect("built in")
            .renditions[0]
            .clone();
        spec.quality = Quality::Crf(24);
        spec.goal.on_low_quality = LowQuality::Retry;
        let target = RenditionTarget {
            spec,
            size: crate::media::geometry::Size::new(1280, 720),
            metadata: crate::presets::MetadataRule::Keep,
            tracks: Default::default(),
            hdr: crate::presets::HdrRule::Auto,
            temp_path: "720p.mp4".into(),
            segment_seconds: None,
            score: crate::presets::ScoreMode::Full,
            fine_crf: Some(24.3),
        };
        let below = Err(Error::BelowFloor {
            ssim: 0.95,
            floor: 0.97,
            again: None,
        });
        let mut made = Vec::new();
        retry_below_floor(&[target], &[None], vec![below], |again, _| {
            made.extend(again.iter().map(|t| (t.spec.quality, t.fine_crf)));
            Err(Error::Cancelled)
        });
        assert_eq!(made, [(Quality::Crf(14), None)]);
    }
}
