//! The "Presets" window: built-in and user presets on the left (duplicate,
//! edit, delete, import), the draft's form on the right with its problems
//! shown as they arise, and save/export. Only draws; the rules are in
//! [`crate::ui::state::preset_editor`].

use eframe::egui;
use vidprism_engine::media::missing_encoders;
use vidprism_engine::presets::{
    AudioSpec, AudioTracks, Channels, Container, HdrRule, MetadataRule, Package, Preset, Quality,
    RenditionSpec, SizeSpec, SubtitleRule, ThumbnailFormat, TrackRules, UserPreset, VideoCodec,
    LOUDNESS_LUFS,
};

use crate::ui::command::{CommandSender, PresetCommand};
use crate::ui::state::preset_editor::PresetEditor;
use vidprism_engine::presets::Problem;

const ERROR: egui::Color32 = egui::Color32::from_rgb(220, 80, 60);

/// Draws the window when it is open. The form edits the draft directly;
/// everything else is sent as a [`PresetCommand`].
pub fn preset_window_ui(editor: &mut PresetEditor, ctx: &egui::Context, commands: &CommandSender) {
    if !editor.open {
        return;
    }
    let mut open = true;
    let mut actions = Vec::new();
    let builtins: Vec<Preset> = vidprism_engine::presets::builtin_presets();
    egui::Window::new("Presets")
        .open(&mut open)
        .default_size([900.0, 560.0])
        .show(ctx, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(220.0);
                    list_ui(ui, &builtins, editor, &mut actions);
                });
                ui.separator();
                ui.vertical(|ui| {
                    // Save and the draft's problems stay in view however
                    // far the form is scrolled.
                    draft_bar_ui(ui, editor, &mut actions);
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        draft_ui(ui, editor);
                    });
                });
            });
        });
    delete_question_ui(editor, ctx, &mut actions);
    if !open {
        actions.insert(0, PresetCommand::Close);
    }
    for action in actions {
        commands.send(action);
    }
}

/// The preset's packaging: separate files or a streaming bundle, and the
/// segment length of a bundle.
fn package_row_ui(ui: &mut egui::Ui, preset: &mut Preset, problems: &[Problem]) {
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
            keep_id(ui, "segment seconds", |ui| {
                ui.add(
                    egui::DragValue::new(&mut preset.packaging.segment_seconds)
                        .range(0..=60)
                        .suffix(" s"),
                )
            })
            .labelled_by(label.id);
        }
    });
    problems_beside_ui(ui, problems, None, &["segment_seconds", "package"]);
    ui.end_row();
}

fn list_ui(
    ui: &mut egui::Ui,
    builtins: &[Preset],
    editor: &PresetEditor,
    actions: &mut Vec<PresetCommand>,
) {
    ui.horizontal(|ui| {
        let new = ui.button("New preset");
        if crate::ui::widgets::focus::take_focus_into(ui.ctx(), "Presets") {
            new.request_focus();
        }
        if new.clicked() {
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
            let viewing = editor
                .draft
                .as_ref()
                .is_some_and(|d| d.builtin && d.preset.name == preset.name);
            if ui
                .selectable_label(viewing, &preset.name)
                .on_hover_text(&preset.description)
                .clicked()
            {
                actions.push(PresetCommand::View(preset.clone()));
            }
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
                        actions.push(PresetCommand::AskDelete(path.clone()));
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
                        actions.push(PresetCommand::AskDelete(path.clone()));
                    }
                });
                for problem in problems {
                    ui.colored_label(ERROR, format!("  {problem}"));
                }
            }
        }
    }
}

fn draft_ui(ui: &mut egui::Ui, editor: &mut PresetEditor) {
    let problems = editor.problems();
    let video_codecs = editor.video_codecs.clone();
    let audio_codecs = editor.audio_codecs.clone();
    let Some(draft) = editor.draft.as_mut() else {
        ui.weak("Pick a preset to edit or read, duplicate one, or make a new one.");
        return;
    };
    // A built-in is shown to be read: every field is there, none changes.
    ui.add_enabled_ui(!draft.builtin, |ui| {
        fields_ui(
            ui,
            &mut draft.preset,
            &problems,
            &video_codecs,
            &audio_codecs,
        );
    });
}

/// The draft's fields. Each problem of the preset is shown beside its
/// field, on the field's own line, and a rendition's on the line kept for
/// them under its fields, so a problem appearing or going while the user
/// types never moves the field being typed in; every field that takes typing
/// keeps one id however many problems show ([`keep_id`]), so it keeps the
/// keyboard focus and its cursor.
fn fields_ui(
    ui: &mut egui::Ui,
    preset: &mut Preset,
    problems: &[Problem],
    video_codecs: &[VideoCodec],
    audio_codecs: &[vidprism_engine::presets::AudioCodec],
) {
    egui::Grid::new("preset fields")
        .num_columns(3)
        .show(ui, |ui| {
            let label = ui.label("Preset name");
            ui.add(
                egui::TextEdit::singleline(&mut preset.name)
                    .id_salt("preset name")
                    .desired_width(240.0)
                    .hint_text("my-preset"),
            )
            .labelled_by(label.id);
            problems_beside_ui(ui, problems, None, &["name"]);
            ui.end_row();
            let label = ui.label("Description");
            ui.add(
                egui::TextEdit::singleline(&mut preset.description)
                    .id_salt("description")
                    .desired_width(240.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Thumbnail");
            ui.horizontal(|ui| {
                for format in ThumbnailFormat::ALL {
                    ui.selectable_value(&mut preset.thumbnail.format, format, format.label());
                }
                keep_id(ui, "thumbnail width", |ui| {
                    ui.add(
                        egui::DragValue::new(&mut preset.thumbnail.width)
                            .range(0..=vidprism_engine::limits::MAX_DIMENSION)
                            .suffix(" px wide"),
                    )
                })
                .labelled_by(label.id);
            });
            problems_beside_ui(
                ui,
                problems,
                None,
                &[
                    "thumbnail.width",
                    "thumbnail.storyboard",
                    "thumbnail.poster",
                ],
            );
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
            tracks_ui(ui, &mut preset.tracks, problems);
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
            crate::ui::windows::picture_form::picture_rows_ui(ui, &mut preset.picture);
            package_row_ui(ui, preset, problems);
        });
    let mut remove = None;
    for (i, rendition) in preset.renditions.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.group(|ui| {
                let problems: Vec<&Problem> =
                    problems.iter().filter(|p| p.rendition == Some(i)).collect();
                if rendition_ui(ui, rendition, &problems, video_codecs, audio_codecs) {
                    remove = Some(i);
                }
            });
        });
    }
    // Problems of the preset with no field of their own above (a
    // package's audio), after the renditions: nothing typed in moves.
    let about_all: Vec<String> = problems
        .iter()
        .filter(|p| p.rendition.is_none() && !PRESET_FIELDS.contains(&p.field.as_str()))
        .map(ToString::to_string)
        .collect();
    for problem in about_all {
        ui.colored_label(ERROR, problem);
    }
    if let Some(i) = remove {
        preset.renditions.remove(i);
    }
    if ui.button("Add rendition").clicked() {
        let mut next = preset.renditions.last().cloned().unwrap_or_else(|| {
            crate::ui::state::preset_editor::new_rendition(
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

/// The preset's fields that show their problems beside them.
const PRESET_FIELDS: [&str; 8] = [
    "name",
    "thumbnail.width",
    "thumbnail.storyboard",
    "thumbnail.poster",
    "audio_tracks",
    "loudness_lufs",
    "segment_seconds",
    "package",
];

/// Draws `add` in a child whose id is `salt` within this scope, whatever
/// was drawn before it: widgets without an id of their own (a DragValue)
/// then keep focus and state when problems come and go above them.
fn keep_id<R>(ui: &mut egui::Ui, salt: &str, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let id = ui.make_persistent_id(salt);
    ui.scope_builder(egui::UiBuilder::new().scope_id(id), add)
        .inner
}

/// The problems about `fields` (of rendition `rendition`, or of the preset
/// with `None`), on one line beside the field ([`problem_text_ui`]).
fn problems_beside_ui(
    ui: &mut egui::Ui,
    problems: &[Problem],
    rendition: Option<usize>,
    fields: &[&str],
) {
    let text: Vec<String> = problems
        .iter()
        .filter(|p| p.rendition == rendition && fields.contains(&p.field.as_str()))
        .map(|p| p.message.clone())
        .collect();
    problem_text_ui(ui, &text);
}

/// Problems on one line: cut to the space there is, the whole text on
/// hover. Draws nothing when there are none.
fn problem_text_ui(ui: &mut egui::Ui, text: &[String]) {
    if text.is_empty() {
        return;
    }
    let all = text.join("; ");
    ui.add(egui::Label::new(egui::RichText::new(&all).color(ERROR)).truncate())
        .on_hover_text(all);
}

/// Save, export and discard, and one line that is always there (so the
/// form below never moves): the draft's first problem and how many there
/// are, the last action's outcome, or that a built-in is read-only.
fn draft_bar_ui(ui: &mut egui::Ui, editor: &PresetEditor, actions: &mut Vec<PresetCommand>) {
    let Some(draft) = &editor.draft else {
        status_ui(ui, editor.status.as_deref());
        return;
    };
    let problems = editor.problems();
    ui.horizontal(|ui| {
        if draft.builtin {
            if ui
                .button("Duplicate to edit")
                .on_hover_text("Built-in presets are read-only; edit a copy")
                .clicked()
            {
                actions.push(PresetCommand::Duplicate(draft.preset.clone()));
            }
            if ui.button("Close").clicked() {
                actions.push(PresetCommand::Discard);
            }
            return;
        }
        let save = ui
            .add_enabled(problems.is_empty(), egui::Button::new("Save"))
            .on_disabled_hover_text("Fix the problems shown beside the fields first");
        if save.clicked() {
            actions.push(PresetCommand::Save);
        }
        if ui
            .add_enabled(draft.saved_as.is_some(), egui::Button::new("Export…"))
            .on_hover_text("Write the saved preset to a file for another machine")
            .clicked()
        {
            actions.push(PresetCommand::Export(draft.preset.clone()));
        }
        if ui.button("Discard").clicked() {
            actions.push(PresetCommand::Discard);
        }
    });
    if draft.builtin {
        ui.weak(format!(
            "Built-in preset “{}”: read-only. Duplicate it to make your own.",
            draft.preset.name
        ));
    } else if let Some(first) = problems.first() {
        let text = match problems.len() {
            1 => format!("Cannot save yet: {first}"),
            n => format!("Cannot save yet ({n} problems): {first}"),
        };
        ui.add(egui::Label::new(egui::RichText::new(text).color(ERROR)).truncate());
    } else {
        status_ui(
            ui,
            Some(
                editor
                    .status
                    .as_deref()
                    .unwrap_or("No problems: ready to save."),
            ),
        );
    }
    ui.separator();
}

/// "Delete preset …?", naming the watch folders that stop with it; Escape
/// or a click beside it keeps the preset.
fn delete_question_ui(
    editor: &PresetEditor,
    ctx: &egui::Context,
    actions: &mut Vec<PresetCommand>,
) {
    let Some(question) = &editor.delete_question else {
        return;
    };
    let name = question.name.clone().unwrap_or_else(|| {
        question
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let modal = egui::Modal::new(egui::Id::unique("delete preset question")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading(format!("Delete preset “{name}”?"));
        ui.label(format!("Its file {} is removed.", question.path.display()));
        if question.folders.is_empty() {
            ui.label("No watch folder uses it.");
        } else {
            ui.label("These watch folders use it and will stop until you choose other presets:");
            for folder in &question.folders {
                ui.monospace(folder.display().to_string());
            }
        }
        ui.horizontal(|ui| {
            let keep = ui.button("Keep");
            if ui.button("Delete preset").clicked() {
                actions.push(PresetCommand::Delete(question.path.clone()));
            }
            if keep.clicked() {
                actions.push(PresetCommand::CancelDelete);
            }
            // The safe answer has the keyboard when the question opens.
            if ui.memory(|m| m.focused().is_none()) {
                keep.request_focus();
            }
        });
    });
    if modal.should_close() {
        actions.push(PresetCommand::CancelDelete);
    }
}

fn status_ui(ui: &mut egui::Ui, status: Option<&str>) {
    if let Some(status) = status {
        ui.weak(status);
    }
}

/// One rendition's fields, and a line that is its summary or its
/// problems. Returns whether "Remove" was clicked.
fn rendition_ui(
    ui: &mut egui::Ui,
    r: &mut RenditionSpec,
    problems: &[&Problem],
    video_codecs: &[VideoCodec],
    audio_codecs: &[vidprism_engine::presets::AudioCodec],
) -> bool {
    let mut remove = false;
    ui.horizontal(|ui| {
        let label = ui.label("Rendition name");
        ui.add(
            egui::TextEdit::singleline(&mut r.name)
                .id_salt("rendition name")
                .desired_width(100.0),
        )
        .labelled_by(label.id);
        remove = ui.small_button("Remove").clicked();
    });
    ui.horizontal(|ui| {
        ui.label("Container:");
        for c in Container::ALL {
            if ui.selectable_label(r.container == c, c.label()).clicked() && r.container != c {
                r.container = c;
                fit_codecs(r, video_codecs, audio_codecs);
            }
        }
        ui.label("Video:");
        for &codec in video_codecs {
            let held = r.container.holds_video(codec);
            if ui
                .add_enabled(
                    held,
                    egui::Button::selectable(r.video == codec, codec.label()),
                )
                .on_disabled_hover_text(format!(
                    "A {} file cannot hold {}",
                    r.container.label(),
                    codec.label()
                ))
                .clicked()
                && r.video != codec
            {
                set_video_codec(r, codec);
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
            keep_id(ui, "short side", |ui| {
                ui.add(
                    egui::DragValue::new(n)
                        .range(0..=vidprism_engine::limits::MAX_DIMENSION)
                        .suffix(" px"),
                )
            })
            .labelled_by(label.id);
        }
        egui::ComboBox::new("speed", "Speed")
            .selected_text(r.speed.clone())
            .show_ui(ui, |ui| {
                for speed in r.video.speeds() {
                    ui.selectable_value(&mut r.speed, speed.clone(), speed);
                }
            });
        // A rendition named for its size ("1080p") whose size changed:
        // offer its new name, at the end of the line so nothing moves.
        if let Some(name) = size_name(r).filter(|n| *n != r.name) {
            if ui
                .small_button(format!("Rename to {name}"))
                .on_hover_text(format!("Its size changed; it is named {:?}", r.name))
                .clicked()
            {
                r.name = name;
            }
        }
    });
    quality_line_ui(ui, r);
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
            let held = r.container.holds_audio(codec);
            if ui
                .add_enabled(held, egui::Button::selectable(on, codec.label()))
                .on_disabled_hover_text(format!(
                    "A {} file cannot hold {}",
                    r.container.label(),
                    codec.label()
                ))
                .clicked()
                && !on
            {
                r.audio = AudioSpec::Encode {
                    codec,
                    bitrate_kbps: 128,
                };
            }
        }
        if let AudioSpec::Encode { bitrate_kbps, .. } = &mut r.audio {
            keep_id(ui, "audio bitrate", |ui| {
                ui.add(
                    egui::DragValue::new(bitrate_kbps)
                        .range(0..=512)
                        .suffix(" kb/s"),
                )
            })
            .labelled_by(audio_label.id);
        }
    });
    // One line kept for the rendition: its problems when it has some (in
    // the room the summary takes otherwise), so nothing above or below
    // moves while they come and go.
    if problems.is_empty() {
        ui.weak(r.summary());
    } else {
        let text: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        problem_text_ui(ui, &text);
    }
    remove
}

/// A rendition's quality line: CRF, bitrate or target SSIM (issue 24:
/// its CRF is then searched), the cap, max fps and min SSIM.
fn quality_line_ui(ui: &mut egui::Ui, r: &mut RenditionSpec) {
    ui.horizontal(|ui| {
        let is_target = r.goal.target_ssim.is_some();
        let is_crf = r.quality.crf().is_some() && !is_target;
        let crf = ui.selectable_label(is_crf, "CRF");
        if crf.clicked() && !is_crf {
            r.goal.target_ssim = None;
            r.quality = r.quality.with_crf(r.video.default_crf());
        }
        let bitrate = ui.selectable_label(!is_crf && !is_target, "Bitrate");
        if bitrate.clicked() && (is_crf || is_target) {
            r.goal.target_ssim = None;
            r.quality = Quality::BitrateKbps(2500);
        }
        let target = ui
            .selectable_label(is_target, "Target SSIM")
            .on_hover_text("Its CRF is found by sample encodes before the encode");
        if target.clicked() && !is_target {
            r.goal.target_ssim = Some(0.985);
            r.quality = r.quality.with_crf(r.video.default_crf());
        }
        if let Some(ssim) = &mut r.goal.target_ssim {
            let value = egui::DragValue::new(ssim).range(0.5..=0.999).speed(0.0005);
            keep_id(ui, "target ssim", |ui| ui.add(value.max_decimals(4))).labelled_by(target.id);
        } else {
            quality_values_ui(ui, &mut r.quality, crf.id, bitrate.id);
        }
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
            keep_id(ui, "max fps", |ui| {
                ui.add(egui::DragValue::new(fps).range(0..=240))
            })
            .labelled_by(cap_box.id);
        }
        // Issue 24: below this measured SSIM the rendition fails.
        let mut floored = r.goal.min_ssim.is_some();
        let floor_box = ui.checkbox(&mut floored, "Min SSIM");
        if floor_box.changed() {
            r.goal.min_ssim = floored.then_some(0.97);
        }
        if let Some(floor) = &mut r.goal.min_ssim {
            let value = egui::DragValue::new(floor).range(0.5..=0.999).speed(0.001);
            ui.add(value.max_decimals(3)).labelled_by(floor_box.id);
        }
    });
}

/// The boxes of a CRF, a bitrate or a capped CRF, labelled by their choice.
fn quality_values_ui(
    ui: &mut egui::Ui,
    quality: &mut Quality,
    crf_id: egui::Id,
    bitrate_id: egui::Id,
) {
    match quality {
        Quality::Crf(n) => keep_id(ui, "crf", |ui| {
            ui.add(egui::DragValue::new(n).range(0..=99))
        })
        .labelled_by(crf_id),
        Quality::BitrateKbps(n) => keep_id(ui, "bitrate", |ui| {
            ui.add(egui::DragValue::new(n).range(0..=200_000).suffix(" kb/s"))
        })
        .labelled_by(bitrate_id),
        Quality::CappedCrf {
            crf: n,
            maxrate_kbps,
            bufsize_kbps,
        } => {
            keep_id(ui, "crf", |ui| {
                ui.add(egui::DragValue::new(n).range(0..=99))
            })
            .labelled_by(crf_id);
            let label = ui.label("max");
            keep_id(ui, "maxrate", |ui| {
                ui.add(
                    egui::DragValue::new(maxrate_kbps)
                        .range(0..=200_000)
                        .suffix(" kb/s"),
                )
            })
            .labelled_by(label.id);
            let label = ui.label("buffer");
            keep_id(ui, "bufsize", |ui| {
                ui.add(
                    egui::DragValue::new(bufsize_kbps)
                        .range(0..=1_600_000)
                        .suffix(" kb"),
                )
            })
            .labelled_by(label.id)
        }
    };
}

/// After the container changed: a video or audio codec it cannot hold
/// becomes the first one it can (VP9 and Opus for WebM), with that
/// encoder's own speed and quality scale.
fn fit_codecs(
    r: &mut RenditionSpec,
    video_codecs: &[VideoCodec],
    audio_codecs: &[vidprism_engine::presets::AudioCodec],
) {
    if !r.container.holds_video(r.video) {
        if let Some(&codec) = video_codecs.iter().find(|c| r.container.holds_video(**c)) {
            set_video_codec(r, codec);
        }
    }
    if let AudioSpec::Encode {
        codec,
        bitrate_kbps,
    } = r.audio
    {
        if !r.container.holds_audio(codec) {
            r.audio = audio_codecs
                .iter()
                .find(|c| r.container.holds_audio(**c))
                .map_or(AudioSpec::None, |&codec| AudioSpec::Encode {
                    codec,
                    bitrate_kbps,
                });
        }
    }
}

/// The new encoder's own speed and quality scale.
fn set_video_codec(r: &mut RenditionSpec, codec: VideoCodec) {
    r.video = codec;
    r.speed = codec.default_speed().to_owned();
    match &mut r.quality {
        Quality::Crf(n) | Quality::CappedCrf { crf: n, .. } => {
            *n = codec.default_crf();
        }
        Quality::BitrateKbps(_) => {}
    }
}

/// The name a rendition named for its size ("720p") would have at its
/// size now; `None` when it is named otherwise or takes the source's size.
fn size_name(r: &RenditionSpec) -> Option<String> {
    let digits = r.name.strip_suffix('p')?;
    let named_for_size = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match r.size {
        SizeSpec::ShortSide(n) if named_for_size => Some(format!("{n}p")),
        _ => None,
    }
}

/// The preset's track rules: which audio tracks, channels, loudness target,
/// subtitles. Languages are typed as a comma-separated list.
fn tracks_ui(ui: &mut egui::Ui, tracks: &mut TrackRules, problems: &[Problem]) {
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
                .add(
                    egui::TextEdit::singleline(&mut text)
                        .id_salt("audio languages")
                        .desired_width(120.0),
                )
                .labelled_by(label.id)
                .on_hover_text("Languages, as codes or tags: en, fra, de, pt-BR (en takes tracks tagged eng too)");
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
    problems_beside_ui(ui, problems, None, &["audio_tracks"]);
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
        keep_id(ui, "loudness", |ui| {
            ui.add_enabled(
                on,
                egui::DragValue::new(&mut lufs)
                    .range(LOUDNESS_LUFS)
                    .speed(0.5)
                    .suffix(" LUFS"),
            )
        });
        tracks.loudness_lufs = on.then_some(lufs);
    });
    problems_beside_ui(ui, problems, None, &["loudness_lufs"]);
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
