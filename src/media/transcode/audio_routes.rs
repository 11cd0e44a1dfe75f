//! Where each rendition's audio comes from: the source's own packets, one
//! of the job's shared encoders (one per distinct codec and bitrate, so the
//! web ladder's four MP4s share one AAC encode), or nowhere.

use ffmpeg_next::Rational;

use super::source::Source;
use super::RenditionTarget;
use crate::error::Result;
use crate::media::audio_copy::AudioCopySource;
use crate::media::audio_encoder::SharedAudioEncoder;
use crate::presets::{AudioCodec, AudioSpec};

/// Where a rendition's audio comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioRoute {
    None,
    /// The source's own packets.
    Copy,
    /// The packets of the job's shared encoder with this index.
    Encoded(usize),
}

/// The audio of a transcode, planned before any thread starts.
pub struct AudioPlan {
    /// One route per target, in the order of the targets.
    pub routes: Vec<AudioRoute>,
    /// The shared encoders, fed by the decode thread.
    pub encoders: Vec<SharedAudioEncoder>,
    /// The source audio stream and its time base, when some rendition
    /// copies it.
    pub copied: Option<(usize, Rational)>,
    /// What each route's muxers need, read by the encoder threads.
    pub muxing: AudioMuxing,
}

/// The stream parameters a rendition's muxer takes its audio packets with.
pub struct AudioMuxing {
    copy: Option<AudioCopySource>,
    encoded: Vec<AudioCopySource>,
}

impl AudioMuxing {
    pub fn for_route(&self, route: AudioRoute) -> Option<&AudioCopySource> {
        match route {
            AudioRoute::None => None,
            AudioRoute::Copy => self.copy.as_ref(),
            AudioRoute::Encoded(i) => self.encoded.get(i),
        }
    }
}

/// Gives each target its audio route, opening one shared encoder per
/// distinct codec and bitrate asked for.
pub fn plan_audio_routes(targets: &[RenditionTarget], source: &Source) -> Result<AudioPlan> {
    let copy = source
        .audio_index
        .and_then(|i| source.input.stream(i))
        .map(|s| AudioCopySource::new(&s));
    let decoded = source.audio_index.filter(|_| source.audio.is_some());
    let specs: Vec<AudioSpec> = targets.iter().map(|t| t.spec.audio).collect();
    let (routes, shared) = route(&specs, copy.is_some(), decoded.is_some());
    let time_base = decoded
        .and_then(|i| source.input.stream(i))
        .map_or(Rational::new(1, 48_000), |s| s.time_base());
    let encoders = shared
        .into_iter()
        .map(|(codec, bitrate_kbps)| SharedAudioEncoder::open(codec, bitrate_kbps, time_base))
        .collect::<Result<Vec<_>>>()?;
    let copied = source
        .audio_index
        .zip(copy.as_ref().map(|c| c.time_base))
        .filter(|_| routes.contains(&AudioRoute::Copy));
    let encoded = encoders
        .iter()
        .map(SharedAudioEncoder::stream_source)
        .collect();
    Ok(AudioPlan {
        routes,
        encoders,
        copied,
        muxing: AudioMuxing { copy, encoded },
    })
}

/// The route of each rendition's audio spec, and the codec and bitrate of
/// each shared encoder the routes name. A rendition asking for audio the
/// source cannot give (no audio stream, or no decoder for it) gets none.
fn route(
    specs: &[AudioSpec],
    can_copy: bool,
    can_decode: bool,
) -> (Vec<AudioRoute>, Vec<(AudioCodec, u32)>) {
    let mut shared: Vec<(AudioCodec, u32)> = Vec::new();
    let routes = specs
        .iter()
        .map(|spec| match *spec {
            AudioSpec::Copy if can_copy => AudioRoute::Copy,
            AudioSpec::Encode {
                codec,
                bitrate_kbps,
            } if can_decode => {
                let key = (codec, bitrate_kbps);
                let index = shared.iter().position(|k| *k == key).unwrap_or_else(|| {
                    shared.push(key);
                    shared.len() - 1
                });
                AudioRoute::Encoded(index)
            }
            _ => AudioRoute::None,
        })
        .collect();
    (routes, shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aac(bitrate_kbps: u32) -> AudioSpec {
        AudioSpec::Encode {
            codec: AudioCodec::Aac,
            bitrate_kbps,
        }
    }

    #[test]
    fn renditions_asking_for_the_same_audio_share_one_encoder() {
        let specs = [
            aac(128),
            AudioSpec::Copy,
            aac(96),
            aac(128),
            AudioSpec::None,
        ];
        let (routes, shared) = route(&specs, true, true);
        assert_eq!(
            routes,
            [
                AudioRoute::Encoded(0),
                AudioRoute::Copy,
                AudioRoute::Encoded(1),
                AudioRoute::Encoded(0),
                AudioRoute::None
            ]
        );
        assert_eq!(shared, [(AudioCodec::Aac, 128), (AudioCodec::Aac, 96)]);
    }

    #[test]
    fn audio_the_source_cannot_give_is_left_out() {
        let specs = [aac(128), AudioSpec::Copy];
        let (routes, shared) = route(&specs, false, false);
        assert_eq!(routes, [AudioRoute::None, AudioRoute::None]);
        assert_eq!(shared, []);
        // A stream without a decoder can still be copied.
        let (routes, _) = route(&specs, true, false);
        assert_eq!(routes, [AudioRoute::None, AudioRoute::Copy]);
    }
}
