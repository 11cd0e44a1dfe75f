//! The window's storyboard scrub and published bundle (issue 15): hovering
//! a row's thumbnail at two places shows two tiles, the details list the
//! bundle's files, and "Open in browser" asks for the page.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use vidprism_engine::pipeline::{Event, EventKind, JobDone, JobRequest, Output, Storyboard};
use vidprism_engine::presets::find_preset;

use crate::ui::app::App;
use crate::ui::command::RowCommand;
use crate::ui::panels::row::{details_ui, scrub_id};
use crate::ui::state::queue_model::{Row, RowId};
use crate::ui::state::scrub::ScrubTexture;
use crate::ui::tests::fixture::{harness_for, step_until, Fixture};

/// A storyboard of three 160x90 tiles (red, green, blue) over 6 s in
/// `dir`: one sprite and its VTT.
fn storyboard_files(dir: &Path) -> Storyboard {
    std::fs::create_dir_all(dir).expect("folder");
    let mut sprite = image::RgbImage::new(480, 90);
    for (x, _, pixel) in sprite.enumerate_pixels_mut() {
        *pixel = match x / 160 {
            0 => image::Rgb([220, 30, 30]),
            1 => image::Rgb([30, 220, 30]),
            _ => image::Rgb([30, 30, 220]),
        };
    }
    sprite
        .save(dir.join("storyboard-001.jpg"))
        .expect("sprite written");
    let vtt = dir.join("storyboard.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard-001.jpg#xywh=0,0,160,90\n\n\
         00:00:02.000 --> 00:00:04.000\nstoryboard-001.jpg#xywh=160,0,160,90\n\n\
         00:00:04.000 --> 00:00:06.000\nstoryboard-001.jpg#xywh=320,0,160,90\n",
    )
    .expect("vtt written");
    Storyboard {
        path: vtt,
        sprites: vec!["storyboard-001.jpg".into()],
        tiles: 3,
        tile_width: 160,
        tile_height: 90,
        poster: None,
    }
}

/// A row (the app paused, so nothing runs) whose job made `storyboard`.
fn row_with_storyboard(app: &mut App, fx: &Fixture, storyboard: Storyboard) -> RowId {
    row_with_events(app, fx, 42, vec![EventKind::StoryboardReady(storyboard)])
}

/// A row whose job `job` said `kinds`, then ended done.
fn row_with_events(app: &mut App, fx: &Fixture, job: u64, kinds: Vec<EventKind>) -> RowId {
    app.paused = true;
    let row = app.model.add(JobRequest {
        input: PathBuf::from("/videos/a.mp4"),
        presets: vec![find_preset("thumbnail").expect("built-in")],
        out_dir: fx.path("out"),
    });
    app.model.attach(row, job);
    let done = EventKind::JobDone(JobDone { outputs: 1 });
    for kind in kinds.into_iter().chain([done]) {
        app.apply_event(&Event { job, t_ms: 0, kind });
    }
    row
}

fn shown_tile(harness: &Harness<'_, App>, row: RowId) -> Option<usize> {
    harness.ctx.data(|d| d.get_temp::<usize>(scrub_id(row)))
}

#[test]
fn hovering_a_thumbnail_scrubs_through_the_storyboard() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    let storyboard = storyboard_files(&fx.path("out").join("a"));
    let row = row_with_storyboard(&mut app, &fx, storyboard);
    let mut harness = harness_for(app, [900.0, 400.0]);
    harness.run_steps(2);
    let thumb = harness.get_by_label("No thumbnail of a.mp4").rect();
    assert!(
        shown_tile(&harness, row).is_none(),
        "nothing before a hover"
    );

    let at = |fraction: f32| {
        eframe::egui::pos2(thumb.left() + thumb.width() * fraction, thumb.center().y)
    };
    harness.hover_at(at(0.1));
    harness.step();
    step_until(
        &mut harness,
        Duration::from_secs(10),
        "the storyboard loaded",
        |app| matches!(app.view.scrubs.get(row), Some(ScrubTexture::Ready(_))),
    );
    harness.hover_at(at(0.1));
    harness.run_steps(2);
    assert_eq!(shown_tile(&harness, row), Some(0));
    harness.get_by_label("Storyboard of a.mp4 at 0:00");

    harness.hover_at(at(0.9));
    harness.run_steps(2);
    assert_eq!(
        shown_tile(&harness, row),
        Some(2),
        "another tile further right"
    );
    harness.get_by_label("Storyboard of a.mp4 at 0:04");
    assert!(harness
        .query_by_label("Storyboard of a.mp4 at 0:00")
        .is_none());
}

/// A harness drawing only the details of `row`, keeping what was clicked.
fn details_harness(row: Row) -> Harness<'static, (Row, Option<RowCommand>)> {
    Harness::builder().with_size([360.0, 640.0]).build_ui_state(
        |ui, state: &mut (Row, Option<RowCommand>)| {
            if let Some(c) = details_ui(ui, &state.0, None) {
                state.1 = Some(c);
            }
        },
        (row, None),
    )
}

#[test]
fn the_details_list_the_bundle_and_open_its_page_in_the_browser() {
    let fx = Fixture::new(&["thumbnail"]);
    let mut app = fx.app();
    let dir = fx.path("out").join("a");
    let storyboard = storyboard_files(&dir);
    // A file no event names is not the bundle's, whatever its name (the
    // window looked for these names on disk).
    std::fs::write(dir.join("manifest.mpd"), "x").expect("a stray file");
    let plain = row_with_storyboard(&mut app, &fx, storyboard.clone());
    let plain = app.model.row(plain).expect("row").bundle.clone();
    assert_eq!(plain, [dir.join("storyboard.vtt")]);
    // A stream bundle's files are named by its last rung's rendition_done.
    let rung: Output = serde_json::from_value(serde_json::json!({
        "rendition": "360p", "path": dir.join("360p.mp4"),
        "width": 640, "height": 360, "bytes": 1,
        "sidecars": ["audio.mp4", "360p.m3u8", "index.html", "master.m3u8", "manifest.mpd"],
    }))
    .expect("an output");
    let kinds = vec![
        EventKind::RenditionDone(rung),
        EventKind::StoryboardReady(storyboard),
    ];
    let row = row_with_events(&mut app, &fx, 43, kinds);
    let row = app.model.row(row).expect("row").clone();
    assert_eq!(row.bundle.len(), 4, "{:?}", row.bundle);

    let mut harness = details_harness(row.clone());
    harness.run_steps(2);
    harness.get_by_label("Published");
    for name in ["index.html", "master.m3u8", "manifest.mpd"] {
        harness.get_by_label(name);
    }
    harness.get_by_label("storyboard.vtt · 3 tiles in 1 sprite(s)");
    harness.get_by_label("Open in browser").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().1,
        Some(RowCommand::OpenInBrowser(row.id)),
        "the button asks for the page"
    );

    // Without a page there is nothing to open.
    let mut bare = row;
    bare.bundle.retain(|p| !p.ends_with("index.html"));
    let mut harness = details_harness(bare);
    harness.run_steps(2);
    assert!(harness.query_by_label("Open in browser").is_none());
}
