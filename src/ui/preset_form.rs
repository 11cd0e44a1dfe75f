//! The "Presets" window: built-in and user presets on the left (duplicate,
//! edit, delete, import), the draft's form on the right with its problems
//! shown as they arise, and save/export. Only draws; the rules are in
//! [`super::preset_editor`].

use eframe::egui;
use vidprism::media::missing_encoders;
use vidprism::presets::{
    AudioSpec, AudioTracks, Channels, Container, HdrRule, MetadataRule, Package, Preset, Quality,
    RenditionSpec, SizeSpec, SubtitleRule, ThumbnailFormat, TrackRules, UserPreset, VideoCodec,
    LOUDNESS_LUFS,
};

use super::command::{CommandSender, PresetCommand};
use super::preset_editor::PresetEditor;

const ERROR: egui::Color32 = egui::Color32::from_rgb(220, 80, 60);

/// Draws the window when it is open. The form edits the draft directly;
/// everything else is sent as a [`PresetCommand`].
pub fn preset_window_ui(editor: &mut PresetEditor, ctx: &egui::Context, commands: &CommandSender) {
    if !editor.open {
        return;
    }
    let mut open = true;
    let mut actions = Vec::new();
    let builtins: Vec<Preset> = vidprism::presets::builtin_presets();
    egui::Window::new("Presets")
        .open(&mut open)
        .default_size([760.0, 480.0])
        .show(ctx, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(220.0);
                    list_ui(ui, &builtins, editor, &mut actions);
                });
                ui.separator();
                ui.vertical(|ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        draft_ui(ui, editor, &mut actions);
                    });
                });
            });
        });
    if !open {
        actions.insert(0, PresetCommand::Close);
    }
    for action in actions {
        commands.send(action);
    }
}

/// The preset's packaging: separate files or a streaming bundle, and the
/// segment length of a bundle.
fn package_row_ui(ui: &mut egui::Ui, preset: &mut Preset) {
    let label = ui.label("Package");
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("package")
            .selected_text(preset.packaging.package.label())
            .show_ui(ui, |ui| {
                for package in Package::ALL {
                    ui.selectable_value(&mut preset.packaging.package, package, package.label());
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "A streaming bundle: fragmented MP4 rungs with keyframes aligned, \
                 one audio rendition, manifests and a player page",
            );
        if preset.packaging.is_packaged() {
            let label = ui.label("Segments");
            ui.add(
                egui::DragValue::new(&mut preset.packaging.segment_seconds)
                    .range(0..=60)
                    .suffix(" s"),
            )
            .labelled_by(label.id);
        }
    });
    ui.end_row();
}

fn list_ui(
    ui: &mut egui::Ui,
    builtins: &[Preset],
    editor: &PresetEditor,
    actions: &mut Vec<PresetCommand>,
) {
    ui.horizontal(|ui| {
        if ui.button("New preset").clicked() {
            actions.push(PresetCommand::Create);
        }
        if ui
            .button("Import…")
            .on_hover_text("Add a preset file")
            .clicked()
        {
            actions.push(PresetCommand::Import);
        }
    });
    ui.separator();
    ui.strong("Built-in (read-only)");
    for preset in builtins {
        ui.horizontal(|ui| {
            ui.label(&preset.name).on_hover_text(&preset.description);
            if ui.small_button("Duplicate").clicked() {
                actions.push(PresetCommand::Duplicate(preset.clone()));
            }
        });
    }
    ui.separator();
    let yours = ui.strong("Yours");
    if let Some(dir) = editor.store_dir() {
        yours.on_hover_text(format!("Stored in {}", dir.display()));
    }
    if editor.user.is_empty() {
        ui.weak("None yet: make a new one or duplicate one.");
    }
    for user in &editor.user {
        match user {
            UserPreset::Valid { preset, path } => {
                let missing = missing_encoders(preset);
                ui.horizontal(|ui| {
                    let editing = editor
                        .draft
                        .as_ref()
                        .is_some_and(|d| d.saved_as.as_deref() == Some(preset.name.as_str()));
                    if ui.selectable_label(editing, &preset.name).clicked() {
                        actions.push(PresetCommand::Edit(preset.clone()));
                    }
                    if ui.small_button("Duplicate").clicked() {
                        actions.push(PresetCommand::Duplicate(preset.clone()));
                    }
                    if ui.small_button("Delete").clicked() {
                        actions.push(PresetCommand::Delete(path.clone()));
                    }
                });
                // Said before any job starts, not mid-job.
                for problem in missing {
                    ui.colored_label(ERROR, format!("  {problem}"));
                }
            }
            UserPreset::Invalid { path, problems } => {
                let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
                ui.horizontal(|ui| {
                    ui.colored_label(ERROR, format!("{} (invalid)", file.unwrap_or_default()));
                    if ui.small_button("Delete").clicked() {
                        actions.push(PresetCommand::Delete(path.clone()));
                    }
                });
                for problem in problems {
                    ui.colored_label(ERROR, format!("  {problem}"));
                }
            }
        }
    }
}

fn draft_ui(ui: &mut egui::Ui, editor: &mut PresetEditor, actions: &mut Vec<PresetCommand>) {
    let problems = editor.problems();
    let video_codecs = editor.video_codecs.clone();
    let audio_codecs = editor.audio_codecs.clone();
    let Some(draft) = editor.draft.as_mut() else {
        ui.weak("Pick a preset to edit, duplicate a built-in one, or make a new one.");
        status_ui(ui, editor.status.as_deref());
        return;
    };
    draft_bar_ui(ui, draft, &problems, editor.status.as_deref(), actions);
    let preset = &mut draft.preset;
    egui::Grid::new("preset fields")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Preset name");
            ui.add(egui::TextEdit::singleline(&mut preset.name).hint_text("my-preset"))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Description");
            ui.text_edit_singleline(&mut preset.description)
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Thumbnail");
            ui.horizontal(|ui| {
                for format in ThumbnailFormat::ALL {
                    ui.selectable_value(&mut preset.thumbnail.format, format, format.label());
                }
                ui.add(
                    egui::DragValue::new(&mut preset.thumbnail.width)
                        .range(0..=8192)
                        .suffix(" px wide"),
                )
                .labelled_by(label.id);
            });
            ui.end_row();
            let label = ui.label("Metadata");
            egui::ComboBox::from_id_salt("metadata rule")
                .selected_text(preset.metadata.label())
                .show_ui(ui, |ui| {
                    for rule in MetadataRule::ALL {
                        ui.selectable_value(&mut preset.metadata, rule, rule.label());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(
                    "Date, location, camera make and model, and title copied from the \
                     source; chapters are always copied",
                );
            ui.end_row();
            tracks_ui(ui, &mut preset.tracks);
            let label = ui.label("HDR");
            egui::ComboBox::from_id_salt("hdr rule")
                .selected_text(preset.hdr.label())
                .show_ui(ui, |ui| {
                    for rule in HdrRule::ALL {
                        ui.selectable_value(&mut preset.hdr, rule, rule.label());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(
                    "What renditions of an HDR (HDR10, HLG) source are: H.265, AV1 and VP9 \
                     can stay HDR, H.264 and thumbnails are tone-mapped to SDR",
                );
            ui.end_row();
            super::picture_form::picture_rows_ui(ui, &mut preset.picture);
            package_row_ui(ui, preset);
        });
    let mut remove = None;
    for (i, rendition) in preset.renditions.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.group(|ui| {
                if rendition_ui(ui, rendition, &video_codecs, &audio_codecs) {
                    remove = Some(i);
                }
            });
        });
    }
    if let Some(i) = remove {
        preset.renditions.remove(i);
    }
    if ui.button("Add rendition").clicked() {
        let mut next = preset.renditions.last().cloned().unwrap_or_else(|| {
            super::preset_editor::new_rendition(
                "720p",
                Container::Mp4,
                VideoCodec::H264,
                AudioSpec::None,
            )
        });
        next.name = format!("rendition-{}", preset.renditions.len() + 1);
        preset.renditions.push(next);
    }
}

/// Save, export and discard, then every problem of the draft: on top, so
/// they stay in view however many renditions follow.
fn draft_bar_ui(
    ui: &mut egui::Ui,
    draft: &super::preset_editor::Draft,
    problems: &[vidprism::presets::Problem],
    status: Option<&str>,
    actions: &mut Vec<PresetCommand>,
) {
    let saved_as = draft.saved_as.clone();
    let preset = draft.preset.clone();
    ui.horizontal(|ui| {
        let save = ui.add_enabled(problems.is_empty(), egui::Button::new("Save"));
        if save.clicked() {
            actions.push(PresetCommand::Save);
        }
        if ui
            .add_enabled(saved_as.is_some(), egui::Button::new("Export…"))
            .on_hover_text("Write the saved preset to a file for another machine")
            .clicked()
        {
            actions.push(PresetCommand::Export(preset));
        }
        if ui.button("Discard").clicked() {
            actions.push(PresetCommand::Discard);
        }
    });
    status_ui(ui, status);
    for problem in problems {
        ui.colored_label(ERROR, problem.to_string());
    }
    ui.separator();
}

fn status_ui(ui: &mut egui::Ui, status: Option<&str>) {
    if let Some(status) = status {
        ui.weak(status);
    }
}

/// One rendition's fields. Returns whether "Remove" was clicked.
fn rendition_ui(
    ui: &mut egui::Ui,
    r: &mut RenditionSpec,
    video_codecs: &[VideoCodec],
    audio_codecs: &[vidprism::presets::AudioCodec],
) -> bool {
    let mut remove = false;
    ui.horizontal(|ui| {
        let label = ui.label("Rendition name");
        ui.add(egui::TextEdit::singleline(&mut r.name).desired_width(100.0))
            .labelled_by(label.id);
        remove = ui.small_button("Remove").clicked();
    });
    ui.horizontal(|ui| {
        ui.label("Container:");
        for c in Container::ALL {
            ui.selectable_value(&mut r.container, c, c.label());
        }
        ui.label("Video:");
        for &codec in video_codecs {
            if ui
                .selectable_label(r.video == codec, codec.label())
                .clicked()
                && r.video != codec
            {
                // The new encoder's own speed and quality scale.
                r.video = codec;
                r.speed = codec.default_speed().to_owned();
                match &mut r.quality {
                    Quality::Crf(n) | Quality::CappedCrf { crf: n, .. } => {
                        *n = codec.default_crf();
                    }
                    Quality::BitrateKbps(_) => {}
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let mut source = r.size == SizeSpec::Source;
        let source_box = ui.checkbox(&mut source, "Source size");
        if source_box.changed() {
            r.size = if source {
                SizeSpec::Source
            } else {
                SizeSpec::ShortSide(720)
            };
        }
        if let SizeSpec::ShortSide(n) = &mut r.size {
            let label = ui.label("Short side");
            ui.add(egui::DragValue::new(n).range(0..=8192).suffix(" px"))
                .labelled_by(label.id);
        }
        egui::ComboBox::new("speed", "Speed")
            .selected_text(r.speed.clone())
            .show_ui(ui, |ui| {
                for speed in r.video.speeds() {
                    ui.selectable_value(&mut r.speed, speed.clone(), speed);
                }
            });
    });
    ui.horizontal(|ui| {
        let is_crf = r.quality.crf().is_some();
        let crf = ui.selectable_label(is_crf, "CRF");
        if crf.clicked() && !is_crf {
            r.quality = Quality::Crf(r.video.default_crf());
        }
        let bitrate = ui.selectable_label(!is_crf, "Bitrate");
        if bitrate.clicked() && is_crf {
            r.quality = Quality::BitrateKbps(2500);
        }
        match &mut r.quality {
            Quality::Crf(n) => ui
                .add(egui::DragValue::new(n).range(0..=99))
                .labelled_by(crf.id),
            Quality::BitrateKbps(n) => ui
                .add(egui::DragValue::new(n).range(0..=200_000).suffix(" kb/s"))
                .labelled_by(bitrate.id),
            Quality::CappedCrf {
                crf: n,
                maxrate_kbps,
                bufsize_kbps,
            } => {
                ui.add(egui::DragValue::new(n).range(0..=99))
                    .labelled_by(crf.id);
                let label = ui.label("max");
                ui.add(
                    egui::DragValue::new(maxrate_kbps)
                        .range(0..=200_000)
                        .suffix(" kb/s"),
                )
                .labelled_by(label.id);
                let label = ui.label("buffer");
                ui.add(
                    egui::DragValue::new(bufsize_kbps)
                        .range(0..=1_600_000)
                        .suffix(" kb"),
                )
                .labelled_by(label.id)
            }
        };
        if let Some(crf) = r.quality.crf() {
            let mut capped = matches!(r.quality, Quality::CappedCrf { .. });
            if ui
                .checkbox(&mut capped, "Capped")
                .on_hover_text("A bitrate ceiling under the CRF (streaming rungs)")
                .changed()
            {
                r.quality = if capped {
                    Quality::CappedCrf {
                        crf,
                        maxrate_kbps: 3000,
                        bufsize_kbps: 6000,
                    }
                } else {
                    Quality::Crf(crf)
                };
            }
        }
        let mut capped = r.max_fps.is_some();
        let cap_box = ui.checkbox(&mut capped, "Max fps");
        if cap_box.changed() {
            r.max_fps = capped.then_some(30);
        }
        if let Some(fps) = &mut r.max_fps {
            ui.add(egui::DragValue::new(fps).range(0..=240))
                .labelled_by(cap_box.id);
        }
    });
    ui.horizontal(|ui| {
        let audio_label = ui.label("Audio:");
        if ui
            .selectable_label(r.audio == AudioSpec::None, "No audio")
            .clicked()
        {
            r.audio = AudioSpec::None;
        }
        if ui
            .selectable_label(r.audio == AudioSpec::Copy, "Copy")
            .on_hover_text("Keep the source's audio as it is, if the container can hold it")
            .clicked()
        {
            r.audio = AudioSpec::Copy;
        }
        for &codec in audio_codecs {
            let on = matches!(r.audio, AudioSpec::Encode { codec: c, .. } if c == codec);
            if ui.selectable_label(on, codec.label()).clicked() && !on {
                r.audio = AudioSpec::Encode {
                    codec,
                    bitrate_kbps: 128,
                };
            }
        }
        if let AudioSpec::Encode { bitrate_kbps, .. } = &mut r.audio {
            ui.add(
                egui::DragValue::new(bitrate_kbps)
                    .range(0..=512)
                    .suffix(" kb/s"),
            )
            .labelled_by(audio_label.id);
        }
    });
    ui.weak(r.summary());
    remove
}

/// The preset's track rules: which audio tracks, channels, loudness target,
/// subtitles. Languages are typed as a comma-separated list.
fn tracks_ui(ui: &mut egui::Ui, tracks: &mut TrackRules) {
    let label = ui.label("Audio tracks");
    ui.horizontal(|ui| {
        let mut kind = match tracks.audio_tracks {
            AudioTracks::First => 0,
            AudioTracks::All => 1,
            AudioTracks::Languages(_) => 2,
        };
        for (value, text) in [(0, "first"), (1, "all"), (2, "languages")] {
            ui.selectable_value(&mut kind, value, text);
        }
        tracks.audio_tracks = match (kind, &tracks.audio_tracks) {
            (0, _) => AudioTracks::First,
            (1, _) => AudioTracks::All,
            (_, AudioTracks::Languages(l)) => AudioTracks::Languages(l.clone()),
            _ => AudioTracks::Languages(vec!["eng".to_owned()]),
        };
        if let AudioTracks::Languages(languages) = &mut tracks.audio_tracks {
            let mut text = languages.join(", ");
            let edit = ui
                .add(egui::TextEdit::singleline(&mut text).desired_width(120.0))
                .labelled_by(label.id)
                .on_hover_text("ISO 639-2 codes as the source tags them: eng, fra, deu");
            if edit.changed() {
                // Empty entries stay while typing ("eng, "); validation
                // names them until they are filled in or removed.
                *languages = if text.trim().is_empty() {
                    Vec::new()
                } else {
                    text.split(',').map(|l| l.trim().to_owned()).collect()
                };
            }
        }
    });
    ui.end_row();
    let label = ui.label("Channels");
    egui::ComboBox::from_id_salt("channels rule")
        .selected_text(tracks.channels.label())
        .show_ui(ui, |ui| {
            for rule in Channels::ALL {
                ui.selectable_value(&mut tracks.channels, rule, rule.label());
            }
        })
        .response
        .labelled_by(label.id);
    ui.end_row();
    let label = ui.label("Loudness");
    ui.horizontal(|ui| {
        let mut on = tracks.loudness_lufs.is_some();
        ui.checkbox(&mut on, "normalise to")
            .labelled_by(label.id)
            .on_hover_text("EBU R128 integrated loudness: -23 broadcast, -16 or -14 web");
        let mut lufs = tracks.loudness_lufs.unwrap_or(-16.0);
        ui.add_enabled(
            on,
            egui::DragValue::new(&mut lufs)
                .range(LOUDNESS_LUFS)
                .speed(0.5)
                .suffix(" LUFS"),
        );
        tracks.loudness_lufs = on.then_some(lufs);
    });
    ui.end_row();
    let label = ui.label("Subtitles");
    egui::ComboBox::from_id_salt("subtitle rule")
        .selected_text(tracks.subtitles.label())
        .show_ui(ui, |ui| {
            for rule in SubtitleRule::ALL {
                ui.selectable_value(&mut tracks.subtitles, rule, rule.label());
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(
            "Text subtitles become mov_text in MP4 and WebVTT in WebM; picture \
             subtitles cannot be converted and are reported",
        );
    ui.end_row();
}
