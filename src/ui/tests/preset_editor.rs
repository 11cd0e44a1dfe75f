//! The preset editor through egui_kittest: create a preset, see invalid
//! input flagged, fix it, save it, and use it on a dropped video; edit and
//! rename a saved one; a broken preset file shows as invalid.
//!
//! Settings and presets always go to a temp dir.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::settings::Settings;
use eframe::egui;
use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use vidprism_engine::presets::{read_preset, AudioCodec, AudioSpec, Container, VideoCodec};

use crate::ui::app::App;
use crate::ui::state::queue_model::RowStatus;
use crate::ui::tests::fixture::{harness_for, TestDrop};

fn setup() -> (tempfile::TempDir, Harness<'static, App>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        output_dir: Some(dir.path().join("out")),
        presets: vec!["thumbnail".into()],
        transcode_jobs: 1,
        ..Settings::default()
    };
    let settings_path = dir.path().join("settings.json");
    settings.save_to(&settings_path).expect("settings saved");
    let harness = harness_with(&settings_path);
    (dir, harness)
}

fn harness_with(settings_path: &Path) -> Harness<'static, App> {
    let mut app =
        App::new(&egui::Context::default(), Some(settings_path.to_path_buf())).expect("app starts");
    app.systems.notifier.enabled = false;
    harness_for(app, [1200.0, 900.0])
}

fn open_editor(harness: &mut Harness<'_, App>) {
    harness.get_by_label("Presets…").click();
    harness.run();
    harness.get_by_label("New preset");
}

#[test]
fn create_flag_fix_save_and_use_a_preset() {
    let (dir, mut harness) = setup();
    open_editor(&mut harness);
    harness.get_by_label("New preset").click();
    harness.run();
    // A new preset has no name yet: that is shown, and it cannot be saved.
    harness.get_by_label("the preset name must not be empty");
    harness.get_by_label("Save").click();
    harness.run();
    assert!(!dir.path().join("presets").exists(), "nothing saved");

    harness.get_by_label("Preset name").focus();
    harness.run();
    harness.get_by_label("Preset name").type_text("small-webm");
    harness.run();
    assert_eq!(draft(&harness).name, "small-webm");
    // WebM cannot hold H.264 and AAC: choosing it changes both codecs
    // with it, to VP9 and Opus, and nothing is flagged.
    harness.get_by_label("WebM").click();
    harness.run();
    assert!(harness.query_by_label_contains("cannot hold").is_none());
    harness.get_by_label("Save").click();
    harness.run();

    let file = dir.path().join("presets").join("small-webm.toml");
    let saved = read_preset(&file).expect("saved preset reads back");
    let r = &saved.renditions[0];
    assert_eq!((r.container, r.video), (Container::Webm, VideoCodec::Vp9));
    assert_eq!(
        r.audio,
        AudioSpec::Encode {
            codec: AudioCodec::Opus,
            bitrate_kbps: 128
        }
    );
    assert!(harness
        .state()
        .systems
        .presets
        .iter()
        .any(|p| p.name == "small-webm"));

    // Used by a job: close the editor, choose it, drop a clip.
    harness.get_by_label("Discard").click();
    harness.run();
    harness.state_mut().view.preset_editor.open = false;
    harness.run();
    harness.get_by_label("small-webm").click();
    harness.run();
    assert!(harness
        .state()
        .systems
        .settings
        .presets
        .contains(&"small-webm".to_owned()));
    let clip = dir.path().join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=25:d=1",
        ])
        .args(["-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(TestDrop(clip)));
    harness.step();
    let start = Instant::now();
    loop {
        let done = harness
            .state()
            .model
            .rows()
            .first()
            .is_some_and(|r| matches!(r.status, RowStatus::Done | RowStatus::Failed { .. }));
        if done {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "job timed out");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    let row = &harness.state().model.rows()[0];
    assert!(matches!(row.status, RowStatus::Done), "{:?}", row.status);
    // The source is smaller than 720p: the smallest rendition at its size.
    assert!(dir.path().join("out/clip/720p.webm").is_file());
}

#[test]
fn edit_rename_and_broken_files() {
    let (dir, mut harness) = setup();
    let presets = dir.path().join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    std::fs::write(presets.join("broken.toml"), "name = \"broken\"\nsize = [\n").unwrap();
    // Reopen so the app loads the folder.
    drop(harness);
    harness = harness_with(&dir.path().join("settings.json"));
    open_editor(&mut harness);
    harness.get_by_label("broken.toml (invalid)");
    harness.get_by_label_contains("line 2");

    // Duplicate a built-in, save, then rename it.
    harness
        .get_all_by_label("Duplicate")
        .next()
        .expect("a built-in")
        .click();
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert!(
        presets.join("web-copy.toml").is_file(),
        "{:?} {:?}",
        harness.state().view.preset_editor.problems(),
        harness.state().view.preset_editor.status
    );
    harness.get_by_label("Preset name").focus();
    harness.run();
    harness.get_by_label("Preset name").type_text("2");
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert!(presets.join("web-copy2.toml").is_file());
    assert!(!presets.join("web-copy.toml").exists(), "old name removed");
    let names: Vec<_> = harness
        .state()
        .systems
        .presets
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert!(names.contains(&"web-copy2".to_owned()), "{names:?}");
    assert!(!names.contains(&"web-copy".to_owned()), "{names:?}");
}

#[test]
fn snapshot_preset_editor() {
    let (_dir, mut harness) = setup();
    harness.set_size(egui::vec2(1000.0, 720.0));
    open_editor(&mut harness);
    harness
        .get_all_by_label("Duplicate")
        .nth(1)
        .expect("the webm built-in")
        .click();
    harness.run_steps(2);
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.snapshot_options("preset_editor", &options);
}

/// The draft's preset, as the form left it.
fn draft(harness: &Harness<'_, App>) -> vidprism_engine::presets::Preset {
    harness
        .state()
        .view
        .preset_editor
        .draft
        .as_ref()
        .expect("a draft")
        .preset
        .clone()
}

/// Types `text` one character a frame, as a user does, into what has the
/// keyboard focus.
fn type_slowly(
    harness: &mut Harness<'_, App>,
    text: &str,
    after_each: impl Fn(&Harness<'_, App>, &str),
) {
    for (i, c) in text.char_indices() {
        harness.event(egui::Event::Text(c.to_string()));
        harness.run();
        after_each(harness, &text[..i + c.len_utf8()]);
    }
}

#[test]
fn typing_keeps_every_character_and_the_focus_while_problems_come_and_go() {
    let (_dir, mut harness) = setup();
    open_editor(&mut harness);
    harness.get_by_label("New preset").click();
    harness.run();
    harness.get_by_label("Preset name").focus();
    harness.run();
    // "" is flagged (empty), "m" is fine, "my " is flagged (ends with a
    // space), "my s" is fine again: the problem comes and goes.
    type_slowly(&mut harness, "my small", |harness, typed| {
        assert_eq!(draft(harness).name, typed, "every character kept");
        assert!(
            harness.get_by_label("Preset name").is_focused(),
            "the name field keeps the focus after {typed:?}"
        );
        if typed == "my " {
            harness.get_by_label("the preset name must not start or end with a space");
        }
    });
    assert!(harness
        .query_by_label_contains("must not start or end with a space")
        .is_none());

    // The short side: 2 is too small (flagged), 24 and 240 are fine.
    harness.get_by_label("Short side").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    type_slowly(&mut harness, "240", |harness, typed| {
        assert!(
            harness.get_by_label("Short side").is_focused(),
            "the size field keeps the focus after {typed:?}"
        );
        if typed == "2" {
            // Beside the field, and first in the bar above the form.
            let shown = harness.query_all_by_label_contains("the short side must be");
            assert_eq!(shown.count(), 2, "after {typed:?}");
        }
    });
    // Enter ends the edit: the value is the whole number typed.
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(
        draft(&harness).renditions[0].size,
        vidprism_engine::presets::SizeSpec::ShortSide(240)
    );
    // "720p" is now 240 pixels: a rename is offered, and taken.
    harness.get_by_label("Rename to 240p").click();
    harness.run();
    assert_eq!(draft(&harness).renditions[0].name, "240p");
    // Save is there at the top, whatever the scroll.
    harness.get_by_label("Save");
}

#[test]
fn a_built_in_preset_opens_read_only() {
    let (_dir, mut harness) = setup();
    open_editor(&mut harness);
    // The list's "web" (the top bar has a "web" toggle too).
    harness.get_all_by_label("web").last().expect("web").click();
    harness.run();
    let editor = &harness.state().view.preset_editor;
    assert!(editor
        .draft
        .as_ref()
        .is_some_and(|d| d.builtin && d.preset.name == "web"));
    harness.get_by_label_contains("read-only. Duplicate it");
    assert!(harness.query_by_label("Save").is_none(), "nothing to save");
    // Its fields are shown but take no typing.
    harness.get_by_label("Preset name").focus();
    harness.run();
    harness.event(egui::Event::Text("x".into()));
    harness.run();
    assert_eq!(draft(&harness).name, "web");
    harness.get_by_label("Duplicate to edit").click();
    harness.run();
    let draft = harness.state().view.preset_editor.draft.as_ref().unwrap();
    assert!(!draft.builtin);
    assert_eq!(draft.preset.name, "web-copy");
}

#[test]
fn delete_asks_first_names_the_watch_folders_and_stops_them() {
    let (dir, harness) = setup();
    drop(harness);
    let presets = dir.path().join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    let mut mine = vidprism_engine::presets::find_preset("web").unwrap();
    mine.name = "mine".into();
    vidprism_engine::presets::export(&mine, &presets.join("mine.toml")).unwrap();
    let watched = dir.path().join("incoming");
    std::fs::create_dir_all(&watched).unwrap();
    let settings_path = dir.path().join("settings.json");
    let mut settings = Settings::load_from(&settings_path);
    settings.watch_folders = vec![crate::settings::WatchFolder {
        folder: watched.clone(),
        presets: vec!["mine".into()],
        ..Default::default()
    }];
    settings.save_to(&settings_path).unwrap();
    let mut harness = harness_with(&settings_path);
    harness.run();
    assert!(harness.state().systems.watches.watching(&watched));
    open_editor(&mut harness);

    // Asked first, naming the folder; Escape keeps the preset.
    harness.get_by_label("Delete").click();
    harness.run();
    harness.get_by_label("Delete preset “mine”?");
    harness.get_by_label(&watched.display().to_string());
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(harness.query_by_label("Delete preset “mine”?").is_none());
    assert!(presets.join("mine.toml").is_file(), "kept");

    harness.get_by_label("Delete").click();
    harness.run();
    harness.get_by_label("Delete preset").click();
    harness.run();
    harness.run();
    assert!(!presets.join("mine.toml").exists(), "deleted");
    let app = harness.state();
    let folder = &app.systems.settings.watch_folders[0];
    assert!(!folder.enabled, "the folder stopped");
    assert!(folder.presets.is_empty(), "{:?}", folder.presets);
    assert!(!app.systems.watches.watching(&watched), "no longer watched");
    assert!(app
        .view
        .notice
        .as_deref()
        .is_some_and(|n| n.contains("stopped")));
    assert!(app.systems.watches.errors[&watched].contains("was deleted"));
}

#[test]
fn snapshot_preset_editor_with_problems() {
    let (_dir, mut harness) = setup();
    harness.set_size(egui::vec2(1000.0, 720.0));
    open_editor(&mut harness);
    harness.get_by_label("New preset").click();
    harness.run();
    if let Some(draft) = harness.state_mut().view.preset_editor.draft.as_mut() {
        draft.preset.name = "my small ".into();
        draft.preset.renditions[0].size = vidprism_engine::presets::SizeSpec::ShortSide(2);
    }
    harness.run_steps(2);
    let options = egui_kittest::SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/snapshots"));
    harness.snapshot_options("preset_editor_problems", &options);
}

#[test]
fn target_ssim_is_a_third_choice_beside_crf_and_bitrate() {
    let (dir, mut harness) = setup();
    open_editor(&mut harness);
    harness.get_by_label("New preset").click();
    harness.run();
    harness.get_by_label("Preset name").focus();
    harness.run();
    harness.get_by_label("Preset name").type_text("aimed");
    harness.run();
    harness.get_by_label("Target SSIM").click();
    harness.run();
    let r = &draft(&harness).renditions[0];
    assert_eq!(r.goal.target_ssim, Some(0.985));
    assert!(r.summary().contains("target SSIM 0.985"), "{}", r.summary());
    harness.get_by_label("Save").click();
    harness.run();
    let file = dir.path().join("presets").join("aimed.toml");
    let text = std::fs::read_to_string(&file).expect("saved");
    assert!(
        text.contains("target_ssim = 0.985") && !text.contains("crf"),
        "{text}"
    );
    assert_eq!(
        read_preset(&file).expect("reads back").renditions[0]
            .goal
            .target_ssim,
        Some(0.985)
    );
    // Back to a CRF: the target goes.
    harness.get_by_label("CRF").click();
    harness.run();
    let r = &draft(&harness).renditions[0];
    assert_eq!(r.goal.target_ssim, None);
    assert!(r.quality.crf().is_some());
    harness.get_by_label("Target SSIM").click();
    harness.run();
    harness.get_by_label("Bitrate").click();
    harness.run();
    let r = &draft(&harness).renditions[0];
    assert_eq!(r.goal.target_ssim, None);
    assert!(r.quality.crf().is_none());
}
