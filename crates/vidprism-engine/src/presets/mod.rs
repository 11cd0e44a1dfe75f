//! Output presets: what a job turns a source into.
//!
//! A preset is a name, a description, a thumbnail spec and a list of
//! renditions (container, codecs, size, quality, speed, frame-rate cap,
//! audio). The built-in presets of the design live in [`builtin`]; user
//! presets are TOML files ([`toml_file`]) in a folder ([`store`]) and use the
//! same model and the same [`validate`] rules.
//!
//! Presets are pure data: they know nothing of FFmpeg. Whether this FFmpeg
//! can encode a preset's codecs is asked of the media layer
//! (`media::missing_encoders`) by whoever validates one.

mod builtin;
mod codecs;
mod error;
mod forms;
mod model;
mod picture;
mod quality;
mod store;
mod storyboard;
#[cfg(test)]
pub(crate) mod tests_forms;
mod toml_file;
mod tracks;
mod validate;
mod words;

pub use builtin::{builtin_presets, find_preset, is_builtin, DEFAULT_PRESET};
pub use codecs::{AudioCodec, Container, VideoCodec};
pub use error::PresetError;
pub use model::{
    AudioSpec, HdrRule, MetadataRule, Package, Packaging, Preset, Quality, RenditionSpec, SizeSpec,
    ThumbnailFormat, ThumbnailSpec, SEGMENT_SECONDS, THUMBNAIL_WIDTH,
};
pub use picture::{Crop, CropRule, DeinterlaceRule, FieldRate, PictureRules};
pub use quality::{LowQuality, QualityGoal, ScoreMode, SAMPLE_EVERY};
pub use store::{all_presets, export, read_preset, PresetStore, UserPreset, CONFIG_DIR_ENV};
pub use storyboard::{PosterChoice, StoryboardSpec, TileSpacing, SPRITE_GRID, TILE_WIDTH};
pub use toml_file::{parse, to_toml};
pub use tracks::{
    language_problem, AudioTracks, Channels, SubtitleRule, TrackRules, LOUDNESS_LUFS,
};
pub use validate::{name_problem, validate, Problem};

/// The presets of `available` (the built-ins, then the user's valid ones)
/// that `names` names, in `available`'s order; a name no longer known is
/// ignored. The window's choice and its watch folders' presets both.
pub fn named(available: &[Preset], names: &[String]) -> Vec<Preset> {
    available
        .iter()
        .filter(|p| names.contains(&p.name))
        .cloned()
        .collect()
}

/// Finds a preset by name among the built-ins and the valid presets of
/// `store`, and refuses a user preset for which `missing_encoders` (the
/// media layer's check of this FFmpeg) finds problems.
pub fn resolve(
    name: &str,
    store: Option<&PresetStore>,
    missing_encoders: impl Fn(&Preset) -> Vec<Problem>,
) -> Result<Preset, PresetError> {
    if let Some(preset) = find_preset(name) {
        return Ok(preset);
    }
    let user = store.map(PresetStore::load).unwrap_or_default();
    let found = user.into_iter().find(|u| match u {
        UserPreset::Valid { preset, .. } => preset.name == name,
        UserPreset::Invalid { path, .. } => path.file_stem().is_some_and(|s| s == name),
    });
    match found {
        Some(UserPreset::Valid { preset, path }) => {
            let missing = missing_encoders(&preset);
            if missing.is_empty() {
                Ok(preset)
            } else {
                Err(PresetError::Invalid {
                    path,
                    problems: missing,
                })
            }
        }
        Some(UserPreset::Invalid { path, problems }) => {
            Err(PresetError::Invalid { path, problems })
        }
        None => Err(PresetError::Unknown {
            name: name.to_owned(),
        }),
    }
}
