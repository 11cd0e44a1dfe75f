//! What each rendition of an HDR source is made as, decided once before any
//! thread starts: kept HDR (10-bit, the source's tags and metadata),
//! tone-mapped to SDR by the job's one tone-mapper, or refused. An SDR
//! source gets a plan that changes nothing, at no cost.

use super::source::Source;
use super::RenditionTarget;
use crate::media::capabilities::encodes_10_bit;
use crate::media::hdr::Hdr;
use crate::media::hdr_metadata::HdrMetadata;
use crate::media::probe::stream_hdr;
use crate::media::thumbnail::first_frame;
use crate::media::tonemap::ToneMap;
use crate::presets::{HdrRule, VideoCodec};

/// What one rendition's pictures are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HdrOutput {
    /// The source is SDR: as before, no HDR anywhere.
    Sdr,
    /// HDR kept: 10-bit, the source's transfer and metadata.
    Keep,
    /// Fed by the tone-mapper: SDR BT.709.
    ToneMapped,
    /// `keep` asked of an encoder without 10 bits: the rendition fails.
    Refused,
}

/// The HDR side of one transcode.
pub struct HdrPlan {
    /// One per target, in their order.
    pub outputs: Vec<HdrOutput>,
    /// How an HDR source's pictures become SDR: for its tone-mapped
    /// renditions ([`Self::tone_map`]) and its storyboard and poster,
    /// whatever the renditions keep.
    pub preview: Option<ToneMap>,
    /// The source's mastering display and light levels, for kept HDR.
    pub metadata: HdrMetadata,
}

/// One rendition's output under its rule, for an HDR source.
fn decide(rule: HdrRule, codec: VideoCodec, has_10_bit: bool) -> HdrOutput {
    let can = codec.holds_hdr() && has_10_bit;
    match rule {
        HdrRule::Tonemap => HdrOutput::ToneMapped,
        HdrRule::Auto if can => HdrOutput::Keep,
        HdrRule::Auto => HdrOutput::ToneMapped,
        HdrRule::Keep if can => HdrOutput::Keep,
        HdrRule::Keep => HdrOutput::Refused,
    }
}

impl HdrPlan {
    /// The plan for `targets` made from `source`. For an HDR source it also
    /// marks the source's colour with its HDR transfer (a Dolby Vision
    /// stream may leave it untagged) and reads its metadata, from the
    /// container or else from its first picture.
    pub fn new(targets: &[RenditionTarget], source: &mut Source) -> HdrPlan {
        let hdr = source
            .input
            .stream(source.video_index)
            .and_then(|s| stream_hdr(&s));
        let Some(hdr) = hdr else {
            return HdrPlan {
                outputs: vec![HdrOutput::Sdr; targets.len()],
                preview: None,
                metadata: HdrMetadata::default(),
            };
        };
        source.timing.colour = source.timing.colour.with_hdr(hdr.transfer);
        let metadata = source_metadata(source);
        HdrPlan::for_hdr(targets, hdr, metadata, encodes_10_bit)
    }

    fn for_hdr(
        targets: &[RenditionTarget],
        hdr: Hdr,
        metadata: HdrMetadata,
        has_10_bit: impl Fn(VideoCodec) -> bool,
    ) -> HdrPlan {
        let outputs: Vec<HdrOutput> = targets
            .iter()
            .map(|t| decide(t.hdr, t.spec.video, has_10_bit(t.spec.video)))
            .collect();
        HdrPlan {
            outputs,
            preview: Some(ToneMap::new(hdr, &metadata)),
            metadata,
        }
    }

    /// The tone-mapping, when some rendition is tone-mapped.
    pub fn tone_map(&self) -> Option<ToneMap> {
        self.preview
            .filter(|_| self.outputs.contains(&HdrOutput::ToneMapped))
    }
}

/// The stream's HDR metadata, or what its first picture carries.
fn source_metadata(source: &Source) -> HdrMetadata {
    let Some(stream) = source.input.stream(source.video_index) else {
        return HdrMetadata::default();
    };
    let metadata = HdrMetadata::of_stream(&stream);
    if metadata.mastering.is_some() && metadata.content_light.is_some() {
        return metadata;
    }
    // A second look at the start of the file: the transcode's own reading
    // must not be disturbed, and one picture costs little.
    let first =
        crate::media::decode::open_input(source.path)
            .ok()
            .and_then(|(mut input, index)| {
                let mut decoder =
                    crate::media::decode::video_decoder(&input, index, 1, source.path).ok()?;
                first_frame(&mut input, index, &mut decoder, source.path).ok()
            });
    match first {
        Some(frame) => metadata.or_frame(&frame),
        None => metadata,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::media::geometry::Size;
    use crate::media::hdr::HdrTransfer;
    use crate::presets::{find_preset, MetadataRule};

    fn targets(preset: &str, rule: HdrRule) -> Vec<RenditionTarget> {
        find_preset(preset)
            .expect("built in")
            .renditions
            .into_iter()
            .map(|spec| RenditionTarget {
                spec,
                size: Size::new(1280, 720),
                metadata: MetadataRule::Keep,
                tracks: Default::default(),
                hdr: rule,
                segment_seconds: None,
                temp_path: PathBuf::from("x"),
                score: crate::presets::ScoreMode::Off,
                fine_crf: None,
            })
            .collect()
    }

    const PQ: Hdr = Hdr {
        transfer: HdrTransfer::Pq,
        dolby_vision: false,
    };

    #[test]
    fn auto_keeps_hdr_where_the_codec_and_encoder_can() {
        assert_eq!(
            decide(HdrRule::Auto, VideoCodec::Hevc, true),
            HdrOutput::Keep
        );
        assert_eq!(
            decide(HdrRule::Auto, VideoCodec::Av1, true),
            HdrOutput::Keep
        );
        assert_eq!(
            decide(HdrRule::Auto, VideoCodec::H264, true),
            HdrOutput::ToneMapped
        );
        // A libvpx without high bit depth: VP9 profile 0, tone-mapped.
        assert_eq!(
            decide(HdrRule::Auto, VideoCodec::Vp9, false),
            HdrOutput::ToneMapped
        );
    }

    #[test]
    fn keep_refuses_and_tonemap_always_maps() {
        assert_eq!(
            decide(HdrRule::Keep, VideoCodec::Vp9, false),
            HdrOutput::Refused
        );
        assert_eq!(
            decide(HdrRule::Keep, VideoCodec::H264, true),
            HdrOutput::Refused
        );
        assert_eq!(
            decide(HdrRule::Keep, VideoCodec::Vp9, true),
            HdrOutput::Keep
        );
        for codec in VideoCodec::ALL {
            assert_eq!(decide(HdrRule::Tonemap, codec, true), HdrOutput::ToneMapped);
        }
    }

    #[test]
    fn one_tone_map_only_when_some_rendition_needs_it() {
        let web = HdrPlan::for_hdr(
            &targets("web", HdrRule::Auto),
            PQ,
            HdrMetadata::default(),
            |_| true,
        );
        assert!(web.outputs.iter().all(|o| *o == HdrOutput::ToneMapped));
        assert!(web.tone_map().is_some());
        let hevc = HdrPlan::for_hdr(
            &targets("hevc", HdrRule::Auto),
            PQ,
            HdrMetadata::default(),
            |_| true,
        );
        assert!(hevc.outputs.iter().all(|o| *o == HdrOutput::Keep));
        assert!(hevc.tone_map().is_none());
        let mapped = HdrPlan::for_hdr(
            &targets("hevc", HdrRule::Tonemap),
            PQ,
            HdrMetadata::default(),
            |_| true,
        );
        assert!(mapped.outputs.iter().all(|o| *o == HdrOutput::ToneMapped));
    }
}
