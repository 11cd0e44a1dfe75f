//! What a job will make of one source: which renditions, at what size,
//! under which names, and which are skipped and why. Pure: no I/O.

use std::collections::HashSet;

use crate::media::geometry::{even_size, scale_to_short_side, Size};
use crate::output::sanitize_name;
use crate::presets::{
    HdrRule, MetadataRule, Packaging, Preset, RenditionSpec, ScoreMode, SizeSpec, TrackRules,
};

/// A rendition to make.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedRendition {
    /// The name events use for it; unique within the job.
    pub label: String,
    /// File name inside the job's folder; unique within the job.
    pub file_name: String,
    pub spec: RenditionSpec,
    pub size: Size,
    /// Its preset's rule for the source's tags.
    pub metadata: MetadataRule,
    /// Its preset's rules for audio and subtitle tracks.
    pub tracks: TrackRules,
    /// Its preset's rule for an HDR source.
    pub hdr: HdrRule,
    /// Its preset's packaging, and the preset's place in the job's list
    /// (the renditions of one packaged preset make one bundle).
    pub packaging: Packaging,
    pub preset_index: usize,
    /// Its preset's scoring (issue 24).
    pub score: ScoreMode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SkippedRendition {
    pub label: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub renditions: Vec<PlannedRendition>,
    pub skipped: Vec<SkippedRendition>,
}

/// Plans every rendition of `presets` for a source shown at `display`.
///
/// Never upscales: a rendition whose short side exceeds the source's is
/// skipped, except that a preset none of whose renditions fit still gets its
/// smallest one at the source's own size.
pub fn plan(display: Size, presets: &[Preset]) -> Plan {
    let mut plan = Plan::default();
    let mut labels = HashSet::new();
    let mut files = HashSet::new();
    let source_short = display.short_side();
    for (preset_index, preset) in presets.iter().enumerate() {
        let preset_name = sanitize_name(&preset.name);
        let smallest = preset
            .renditions
            .iter()
            .enumerate()
            .min_by_key(|(_, r)| r.size.short_side(source_short))
            .map(|(i, _)| i);
        let none_fit = preset
            .renditions
            .iter()
            .all(|r| r.size.short_side(source_short) > source_short);
        for (i, spec) in preset.renditions.iter().enumerate() {
            let name = sanitize_name(&spec.name);
            let label = unique(&mut labels, &name, &preset_name);
            let short_side = spec.size.short_side(source_short);
            let size = if spec.size == SizeSpec::Source {
                even_size(display)
            } else if short_side <= source_short {
                scale_to_short_side(display, short_side)
            } else if none_fit && Some(i) == smallest {
                even_size(display)
            } else {
                plan.skipped.push(SkippedRendition {
                    label,
                    reason: format!(
                        "the source is only {}x{}; {} would be upscaled",
                        display.width, display.height, spec.name
                    ),
                });
                continue;
            };
            let file_name = unique(
                &mut files,
                &format!("{name}.{}", spec.container.extension()),
                &preset_name,
            );
            plan.renditions.push(PlannedRendition {
                label,
                file_name,
                spec: spec.clone(),
                size,
                metadata: preset.metadata,
                tracks: preset.tracks.clone(),
                hdr: preset.hdr,
                packaging: preset.packaging,
                preset_index,
                score: preset.score,
            });
        }
    }
    plan
}

/// The label of every rendition `presets` ask for, made or skipped: the
/// same for any source, since labels are given before sizes are compared
/// (the farm's submitter matches workers' news against them).
pub fn labels(presets: &[Preset]) -> HashSet<String> {
    let plan = plan(Size::new(2, 2), presets);
    let made = plan.renditions.into_iter().map(|r| r.label);
    made.chain(plan.skipped.into_iter().map(|s| s.label))
        .collect()
}

/// `name`, or `<preset>-<name>` when `name` is taken (then `-2`, `-3`...).
fn unique(taken: &mut HashSet<String>, name: &str, preset: &str) -> String {
    let mut candidate = name.to_owned();
    let mut n = 1;
    while taken.contains(&candidate) {
        candidate = if n == 1 {
            format!("{preset}-{name}")
        } else {
            format!("{preset}{n}-{name}")
        };
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::find_preset;

    fn presets(names: &[&str]) -> Vec<Preset> {
        names.iter().map(|n| find_preset(n).unwrap()).collect()
    }

    #[test]
    fn larger_renditions_are_skipped() {
        let p = plan(Size::new(1280, 720), &presets(&["web"]));
        let made: Vec<_> = p.renditions.iter().map(|r| r.file_name.as_str()).collect();
        assert_eq!(made, ["720p.mp4", "480p.mp4", "360p.mp4"]);
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].label, "1080p");
    }

    #[test]
    fn tiny_source_still_gets_the_smallest_at_its_own_size() {
        let p = plan(Size::new(176, 145), &presets(&["web"]));
        assert_eq!(p.renditions.len(), 1);
        assert_eq!(p.renditions[0].file_name, "360p.mp4");
        assert_eq!(p.renditions[0].size, Size::new(176, 144));
        assert_eq!(p.skipped.len(), 3);
    }

    #[test]
    fn clashing_file_names_get_the_preset_prefix() {
        let p = plan(Size::new(1920, 1080), &presets(&["web", "hevc"]));
        let files: Vec<_> = p.renditions.iter().map(|r| r.file_name.as_str()).collect();
        assert!(files.contains(&"1080p.mp4"));
        assert!(files.contains(&"hevc-1080p.mp4"));
        assert!(files.contains(&"hevc-720p.mp4"));
        let labels: HashSet<_> = p.renditions.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels.len(), p.renditions.len());
    }

    #[test]
    fn source_size_keeps_the_source_made_even() {
        let mut p = find_preset("webm").unwrap();
        p.renditions[0].size = SizeSpec::Source;
        let plan = plan(Size::new(641, 361), &[p]);
        assert_eq!(plan.renditions.len(), 1);
        assert_eq!(plan.renditions[0].size, Size::new(640, 360));
        assert_eq!(plan.skipped.len(), 2);
    }

    #[test]
    fn labels_are_the_same_for_any_source() {
        let all = presets(&["web", "hevc"]);
        for size in [Size::new(2, 2), Size::new(1280, 720), Size::new(8192, 8192)] {
            let p = plan(size, &all);
            let seen: HashSet<String> = p
                .renditions
                .iter()
                .map(|r| r.label.clone())
                .chain(p.skipped.iter().map(|s| s.label.clone()))
                .collect();
            assert_eq!(seen, labels(&all), "{size:?}");
        }
    }

    #[test]
    fn portrait_rendition_names_the_short_side() {
        let p = plan(Size::new(1080, 1920), &presets(&["web"]));
        assert_eq!(p.renditions[1].size, Size::new(720, 1280));
    }
}
