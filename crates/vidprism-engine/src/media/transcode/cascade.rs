//! Cascades: a rendition much smaller than another is scaled from that
//! one's pictures instead of the source's. A scaling shortcut, not a
//! dependency: the larger one's encoder or file may fail and the smaller
//! one still gets its pictures (`encoders.rs`); only when the scaling
//! itself fails does the smaller one go without, and say so.

use super::hdr_plan::HdrOutput;
use super::RenditionTarget;
use crate::error::{Error, Result};

/// A rendition at most 1/`CASCADE_RATIO` of another's size is scaled from
/// that one's pictures instead of the source's: scaling 720p to 480p costs
/// about half of scaling 1080p to 480p, at no measurable loss of SSIM.
const CASCADE_RATIO: f64 = 1.4;

/// For each target, the smallest other target it can be scaled from, if any.
/// Renditions with a frame-rate cap keep their own timing and take part in
/// no cascade; an HDR source's renditions cascade only from renditions of
/// the same kind (`outputs`: HDR kept from HDR, tone-mapped from
/// tone-mapped), and never from one refused.
pub fn cascade_parents(targets: &[RenditionTarget], outputs: &[HdrOutput]) -> Vec<Option<usize>> {
    let area = |t: &RenditionTarget| u64::from(t.size.width) * u64::from(t.size.height);
    targets
        .iter()
        .enumerate()
        .map(|(c, child)| {
            if child.spec.max_fps.is_some() {
                return None;
            }
            targets
                .iter()
                .enumerate()
                .filter(|&(p, _)| outputs[p] == outputs[c] && outputs[p] != HdrOutput::Refused)
                .filter(|(_, p)| {
                    p.spec.max_fps.is_none()
                        && f64::from(p.size.width) >= f64::from(child.size.width) * CASCADE_RATIO
                        && f64::from(p.size.height) >= f64::from(child.size.height) * CASCADE_RATIO
                })
                .min_by_key(|(_, p)| area(p))
                .map(|(i, _)| i)
        })
        .collect()
}

/// A cascaded rendition whose larger rendition's scaling failed never got
/// its end; say why instead of reporting it as cancelled.
pub fn blame_parents<T>(
    mut results: Vec<Result<T>>,
    parents: &[Option<usize>],
    targets: &[RenditionTarget],
) -> Vec<Result<T>> {
    // Parents come before children in no particular order: repeat until
    // settled (cascades are at most a few levels deep).
    for _ in 0..targets.len() {
        for (child, parent) in parents.iter().enumerate() {
            let Some(parent) = *parent else { continue };
            let parent_failed = results[parent].is_err();
            if parent_failed && matches!(results[child], Err(Error::Cancelled)) {
                results[child] = Err(Error::UpstreamRendition {
                    rendition: targets[parent].spec.name.clone(),
                });
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::media::geometry::Size;
    use crate::presets::find_preset;

    fn ladder(sizes: &[(u32, u32)], cap_last: bool) -> Vec<RenditionTarget> {
        let spec = find_preset("web").expect("web").renditions[0].clone();
        sizes
            .iter()
            .enumerate()
            .map(|(i, &(w, h))| {
                let mut spec = spec.clone();
                if cap_last && i == sizes.len() - 1 {
                    spec.max_fps = Some(10);
                }
                RenditionTarget {
                    spec,
                    size: Size::new(w, h),
                    metadata: crate::presets::MetadataRule::Keep,
                    tracks: Default::default(),
                    hdr: crate::presets::HdrRule::Auto,
                    temp_path: PathBuf::from(format!("{i}.mp4")),
                    segment_seconds: None,
                    score: crate::presets::ScoreMode::Off,
                    fine_crf: None,
                }
            })
            .collect()
    }

    #[test]
    fn smaller_renditions_are_scaled_from_the_nearest_much_larger_one() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (854, 480), (640, 360)], false);
        let sdr = [HdrOutput::Sdr; 4];
        assert_eq!(
            cascade_parents(&targets, &sdr),
            [None, Some(0), Some(1), Some(1)]
        );
    }

    #[test]
    fn capped_renditions_stay_out_of_cascades() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (640, 360)], true);
        assert_eq!(
            cascade_parents(&targets, &[HdrOutput::Sdr; 3]),
            [None, Some(0), None]
        );
    }

    #[test]
    fn hdr_and_tone_mapped_renditions_cascade_only_among_their_kind() {
        let targets = ladder(
            &[(3840, 2160), (1920, 1080), (1280, 720), (854, 480)],
            false,
        );
        use HdrOutput::{Keep, Refused, ToneMapped};
        assert_eq!(
            cascade_parents(&targets, &[Keep, ToneMapped, Keep, ToneMapped]),
            [None, None, Some(0), Some(1)]
        );
        assert_eq!(
            cascade_parents(&targets, &[Refused, Refused, ToneMapped, ToneMapped]),
            [None, None, None, Some(2)]
        );
    }

    #[test]
    fn a_child_of_a_failed_rendition_says_so() {
        let targets = ladder(&[(1920, 1080), (1280, 720), (640, 360)], false);
        let results: Vec<Result<()>> = vec![
            Err(Error::Internal("encoder broke".into())),
            Err(Error::Cancelled),
            Err(Error::Cancelled),
        ];
        let blamed = blame_parents(results, &[None, Some(0), Some(1)], &targets);
        assert!(
            matches!(&blamed[1], Err(Error::UpstreamRendition { rendition }) if rendition == "1080p")
        );
        assert!(
            matches!(&blamed[2], Err(Error::UpstreamRendition { rendition }) if rendition == "1080p")
        );
    }
}
