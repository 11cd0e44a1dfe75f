//! The preset editor's state and actions (no drawing): the user presets on
//! disk, the draft being edited, its problems, and create, duplicate, save,
//! rename, delete, import and export; and how the app applies a
//! [`PresetCommand`]. Drawing is in [`crate::ui::windows::preset_form`].

use std::path::{Path, PathBuf};

use crate::settings::Settings;
use vidprism_engine::media::{has_encoder, missing_encoders};
use vidprism_engine::presets::{
    all_presets, export, is_builtin, validate, AudioCodec, AudioSpec, Container, HdrRule,
    MetadataRule, Preset, PresetStore, Problem, Quality, RenditionSpec, SizeSpec, ThumbnailSpec,
    UserPreset, VideoCodec,
};

/// A preset being edited, and the name it is stored under (None: new).
pub struct Draft {
    pub preset: Preset,
    pub saved_as: Option<String>,
    /// A built-in preset, shown to be read: nothing can be changed or saved.
    pub builtin: bool,
}

/// The question "Delete preset …?", while it is asked.
#[derive(Clone, Debug, PartialEq)]
pub struct DeleteQuestion {
    pub path: PathBuf,
    /// The preset's name (`None`: an invalid file).
    pub name: Option<String>,
    /// The watch folders whose presets include it: they stop if it goes.
    pub folders: Vec<PathBuf>,
}

pub struct PresetEditor {
    pub open: bool,
    store: Option<PresetStore>,
    pub user: Vec<UserPreset>,
    pub draft: Option<Draft>,
    /// The last action's outcome, shown under the form.
    pub status: Option<String>,
    /// Asking before a preset is deleted.
    pub delete_question: Option<DeleteQuestion>,
    /// Codecs whose encoders the linked FFmpeg has: the only ones offered.
    pub video_codecs: Vec<VideoCodec>,
    pub audio_codecs: Vec<AudioCodec>,
}

impl PresetEditor {
    /// User presets live beside the settings file (`<config>/presets`);
    /// with the real settings file, wherever the CLI looks too.
    pub fn for_settings(settings_path: Option<&Path>) -> PresetEditor {
        let store = match settings_path {
            Some(path) if Some(path) == Settings::default_path().as_deref() => {
                PresetStore::open_default()
            }
            Some(path) => path.parent().map(|d| PresetStore::new(d.join("presets"))),
            None => None,
        };
        PresetEditor::new(store)
    }

    pub fn new(store: Option<PresetStore>) -> PresetEditor {
        let user = store.as_ref().map(PresetStore::load).unwrap_or_default();
        PresetEditor {
            open: false,
            store,
            user,
            draft: None,
            status: None,
            delete_question: None,
            video_codecs: VideoCodec::ALL
                .into_iter()
                .filter(|c| has_encoder(c.encoder_name()))
                .collect(),
            audio_codecs: AudioCodec::ALL
                .into_iter()
                .filter(|c| has_encoder(c.encoder_name()))
                .collect(),
        }
    }

    pub fn store_dir(&self) -> Option<&Path> {
        self.store.as_ref().map(PresetStore::dir)
    }

    /// Built-ins, then the valid user presets.
    pub fn all_presets(&self) -> Vec<Preset> {
        all_presets(None)
            .into_iter()
            .chain(self.user.iter().filter_map(|u| u.preset().cloned()))
            .collect()
    }

    fn reload(&mut self) {
        self.user = self
            .store
            .as_ref()
            .map(PresetStore::load)
            .unwrap_or_default();
    }

    fn name_taken(&self, name: &str) -> bool {
        is_builtin(name)
            || self
                .user
                .iter()
                .any(|u| u.preset().is_some_and(|p| p.name == name))
    }

    /// `base`, or `base-2`, `base-3`... whichever no preset has.
    fn free_name(&self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.name_taken(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    /// A new preset with one 720p rendition, named by the user.
    pub fn create(&mut self) {
        let video = self
            .video_codecs
            .first()
            .copied()
            .unwrap_or(VideoCodec::H264);
        let container = if Container::Mp4.holds_video(video) {
            Container::Mp4
        } else {
            Container::Webm
        };
        let audio = self
            .audio_codecs
            .iter()
            .copied()
            .find(|a| container.holds_audio(*a))
            .map_or(AudioSpec::None, |codec| AudioSpec::Encode {
                codec,
                bitrate_kbps: 128,
            });
        self.draft = Some(Draft {
            preset: Preset {
                name: String::new(),
                description: String::new(),
                thumbnail: ThumbnailSpec::default(),
                renditions: vec![new_rendition("720p", container, video, audio)],
                metadata: MetadataRule::default(),
                tracks: Default::default(),
                hdr: HdrRule::default(),
                packaging: Default::default(),
                picture: Default::default(),
                score: Default::default(),
            },
            saved_as: None,
            builtin: false,
        });
        self.status = None;
    }

    /// An editable copy of any preset (built-ins are read-only).
    pub fn duplicate(&mut self, preset: &Preset) {
        let mut copy = preset.clone();
        copy.name = self.free_name(&format!("{}-copy", preset.name));
        self.draft = Some(Draft {
            preset: copy,
            saved_as: None,
            builtin: false,
        });
        self.status = None;
    }

    pub fn edit(&mut self, preset: &Preset) {
        self.draft = Some(Draft {
            preset: preset.clone(),
            saved_as: Some(preset.name.clone()),
            builtin: false,
        });
        self.status = None;
    }

    /// Shows a built-in preset, read-only.
    pub fn view(&mut self, preset: &Preset) {
        self.draft = Some(Draft {
            preset: preset.clone(),
            saved_as: None,
            builtin: true,
        });
        self.status = None;
    }

    /// The name of the user preset stored at `path` (`None`: an invalid
    /// file, or none).
    pub fn name_at(&self, path: &Path) -> Option<String> {
        self.user.iter().find_map(|u| match u {
            UserPreset::Valid { preset, path: p } if p == path => Some(preset.name.clone()),
            _ => None,
        })
    }

    /// Everything wrong with the draft, checked on every frame (a built-in
    /// shown read-only has nothing to fix).
    pub fn problems(&self) -> Vec<Problem> {
        let Some(draft) = self.draft.as_ref().filter(|d| !d.builtin) else {
            return Vec::new();
        };
        let preset = &draft.preset;
        let mut problems = validate(preset);
        let renamed = draft.saved_as.as_deref() != Some(preset.name.as_str());
        if renamed && !preset.name.is_empty() && self.name_taken(&preset.name) {
            problems.push(Problem::new(
                None,
                "name",
                format!("a preset named {:?} already exists", preset.name),
            ));
        }
        problems.extend(missing_encoders(preset));
        problems
    }

    /// Saves the draft (renaming its file when its name changed). Returns
    /// the old and new name.
    pub fn save(&mut self) -> Result<(Option<String>, String), String> {
        let problems = self.problems();
        if let Some(first) = problems.first() {
            return Err(format!("Not saved: {first}"));
        }
        if self.draft.as_ref().is_some_and(|d| d.builtin) {
            return Err("Not saved: built-in presets are read-only; duplicate it to edit.".into());
        }
        let (Some(store), Some(draft)) = (&self.store, &mut self.draft) else {
            return Err("Not saved: there is no config folder for presets.".into());
        };
        let path = store
            .save(&draft.preset, draft.saved_as.as_deref())
            .map_err(|e| e.to_string())?;
        let old = draft.saved_as.replace(draft.preset.name.clone());
        let new = draft.preset.name.clone();
        self.status = Some(format!("Saved {}", path.display()));
        self.reload();
        Ok((old, new))
    }

    /// Removes a user preset's file (also an invalid one, by its path).
    pub fn delete(&mut self, path: &Path) -> Result<(), String> {
        std::fs::remove_file(path)
            .map_err(|e| format!("{}: cannot delete: {e}", path.display()))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        if self.draft.as_ref().and_then(|d| d.saved_as.clone()) == stem {
            self.draft = None;
        }
        self.status = Some(format!("Deleted {}", path.display()));
        self.reload();
        Ok(())
    }

    pub fn import(&mut self, file: &Path) -> Result<String, String> {
        let store = self
            .store
            .as_ref()
            .ok_or("Cannot import: there is no config folder for presets.")?;
        let preset = store.import(file).map_err(|e| e.to_string())?;
        self.status = Some(format!(
            "Imported {:?} from {}",
            preset.name,
            file.display()
        ));
        self.reload();
        self.edit(&preset);
        Ok(preset.name)
    }

    pub fn export(&mut self, preset: &Preset, file: &Path) -> Result<(), String> {
        export(preset, file).map_err(|e| e.to_string())?;
        self.status = Some(format!("Exported {:?} to {}", preset.name, file.display()));
        Ok(())
    }
}

/// A rendition with the codec's usual speed and quality.
pub fn new_rendition(
    name: &str,
    container: Container,
    video: VideoCodec,
    audio: AudioSpec,
) -> RenditionSpec {
    RenditionSpec {
        name: name.to_owned(),
        container,
        video,
        size: SizeSpec::ShortSide(720),
        quality: Quality::Crf(video.default_crf()),
        speed: video.default_speed().to_owned(),
        max_fps: None,
        audio,
        goal: Default::default(),
    }
}
