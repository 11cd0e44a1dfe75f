//! The bundle's player page, `index.html`: static, no network. Over
//! http(s) it plays the HLS master (natively, or with the vendored hls.js
//! written beside it); opened from disk, where a page may not fetch, it
//! plays each rung's one fMP4 file with `<video src>` and the audio
//! rendition in a synced `<audio>`. A quality menu (Auto and each rung),
//! the storyboard above the progress bar on hover, the poster (else the
//! thumbnail). The bundle's facts are embedded as JSON; the rest is the
//! template beside this file.

use serde::Serialize;

use super::track::{Track, TrackKind};
use crate::names::json_in_html;

const TEMPLATE: &str = include_str!("index.html");
const SLOT: &str = "/*BUNDLE*/";

pub use crate::output::PLAYER_PAGE as PAGE;
/// hls.js (Apache-2.0; version and licence in `assets/vendor/hls.js/`).
pub const HLS_JS: &[u8] = include_bytes!("../../../assets/vendor/hls.js/hls.min.js");
pub const HLS_JS_FILE: &str = "hls.min.js";
// What the other stages may write beside the bundle.
pub use crate::output::POSTER_FILE as POSTER;
pub use crate::output::STORYBOARD_VTT as STORYBOARD;
/// Largest storyboard text embedded in the page (a storyboard of 100,000
/// tiles is about 6 MB; a usual one a few KB).
const MAX_EMBEDDED_STORYBOARD_BYTES: u64 = 4 << 20;

#[derive(Serialize)]
struct PageRung<'a> {
    name: &'a str,
    file: String,
    width: u32,
    height: u32,
    bandwidth: u64,
}

#[derive(Serialize)]
struct PageConfig<'a> {
    title: &'a str,
    duration: f64,
    rungs: Vec<PageRung<'a>>,
    audio: Option<String>,
    hls: Option<&'a str>,
    dash: Option<&'a str>,
    poster: &'a str,
    thumbnail: &'a str,
    storyboard: &'a str,
    /// The storyboard's cues, embedded: a page opened from disk may not
    /// read files, but it may show the sprites they point at.
    storyboard_text: Option<&'a str>,
}

/// What the page is told besides the tracks.
pub struct PageFacts<'a> {
    pub title: &'a str,
    /// The job's thumbnail file name (poster when there is no `poster.jpg`).
    pub thumbnail: &'a str,
    pub hls: Option<&'a str>,
    pub dash: Option<&'a str>,
    /// The text of the job's `storyboard.vtt`, when it made one.
    pub storyboard_text: Option<&'a str>,
}

/// The storyboard the job wrote into `dir`, if any (and not absurdly big).
pub fn read_storyboard(dir: &std::path::Path) -> Option<String> {
    let path = dir.join(STORYBOARD);
    let size = std::fs::metadata(&path).ok()?.len();
    (size <= MAX_EMBEDDED_STORYBOARD_BYTES)
        .then(|| std::fs::read_to_string(&path).ok())
        .flatten()
}

/// The page's HTML for these rungs (largest first) and audio.
pub fn page(rungs: &[Track], audio: Option<&Track>, facts: &PageFacts<'_>) -> String {
    let mut ordered: Vec<&Track> = rungs.iter().collect();
    ordered.sort_by_key(|t| std::cmp::Reverse(height(t)));
    let config = PageConfig {
        title: facts.title,
        duration: rungs
            .iter()
            .map(|t| t.layout.duration_s())
            .fold(0.0, f64::max),
        rungs: ordered
            .into_iter()
            .map(|t| {
                let (width, height) = match t.kind {
                    TrackKind::Video { width, height, .. } => (width, height),
                    TrackKind::Audio { .. } => (0, 0),
                };
                PageRung {
                    name: &t.name,
                    file: t.media_uri(),
                    width,
                    height,
                    bandwidth: t.peak_bps(),
                }
            })
            .collect(),
        audio: audio.map(Track::media_uri),
        hls: facts.hls,
        dash: facts.dash,
        poster: POSTER,
        thumbnail: facts.thumbnail,
        storyboard: STORYBOARD,
        storyboard_text: facts.storyboard_text,
    };
    // Plain strings and numbers: serializing cannot fail. `<`, `>` and `&`
    // are escaped so no name can close the script element or open a
    // comment in it.
    let json = serde_json::to_string(&config).unwrap_or_else(|_| "{}".to_owned());
    TEMPLATE.replacen(SLOT, &json_in_html(&json), 1)
}

fn height(t: &Track) -> u32 {
    match t.kind {
        TrackKind::Video { height, .. } => height,
        TrackKind::Audio { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::package::track::tests::{rungs_of_any_names, track, video};

    #[test]
    fn the_page_embeds_the_rungs_largest_first_and_cannot_be_broken_out_of() {
        let rungs = [
            track("360p", video(640, 360), &[(4000, 1000)]),
            track("1080p", video(1920, 1080), &[(4000, 9000)]),
        ];
        let html = page(
            &rungs,
            None,
            &PageFacts {
                title: "a</script><b>",
                thumbnail: "thumbnail.jpg",
                hls: Some("master.m3u8"),
                dash: None,
                storyboard_text: Some("WEBVTT\n\n00:00.000 --> 00:05.000\nstoryboard-001.jpg#xywh=0,0,160,90</script>\n"),
            },
        );
        assert!(!html.contains(SLOT));
        let start = html.find("type=\"application/json\">").expect("config") + 24;
        let end = start + html[start..].find("</script>").expect("end");
        let config: serde_json::Value =
            serde_json::from_str(&html[start..end]).expect("config is JSON");
        assert_eq!(config["title"], "a</script><b>");
        assert_eq!(config["rungs"][0]["file"], "1080p.mp4");
        assert_eq!(config["rungs"][1]["height"], 360);
        assert_eq!(config["hls"], "master.m3u8");
        assert_eq!(config["audio"], serde_json::Value::Null);
        assert!(config["storyboard_text"]
            .as_str()
            .is_some_and(|t| t.contains("#xywh=0,0,160,90</script>")));
        assert!(html.contains("<script src=\"hls.min.js\"></script>"));
        assert!(HLS_JS.len() > 100_000);
    }

    /// Property: a page for a title, rungs and storyboard of any text
    /// keeps its script element whole (no `</script`, no `<!--` inside)
    /// and its JSON reads back to the same title, names and files.
    #[test]
    fn a_page_of_any_names_keeps_its_script_and_reads_back() {
        let mut gen = crate::testgen::Gen::new(26);
        for case in 0..500 {
            let rungs = rungs_of_any_names(&mut gen);
            let (title, storyboard) = (gen.nasty(8), gen.nasty(8));
            let html = page(
                &rungs,
                None,
                &PageFacts {
                    title: &title,
                    thumbnail: "thumbnail.jpg",
                    hls: Some("master.m3u8"),
                    dash: None,
                    storyboard_text: Some(&storyboard),
                },
            );
            let start = html.find("type=\"application/json\">").expect("config") + 24;
            let end = start + html[start..].find("</script>").expect("end");
            let inside = html[start..end].to_ascii_lowercase();
            assert!(
                !inside.contains("<!--") && !inside.contains("</"),
                "case {case}"
            );
            assert!(
                !inside.contains('<') && !inside.contains('>'),
                "case {case}"
            );
            let config: serde_json::Value = serde_json::from_str(&html[start..end])
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            assert_eq!(config["title"], title.as_str(), "case {case}");
            assert_eq!(
                config["storyboard_text"],
                storyboard.as_str(),
                "case {case}"
            );
            let mut names: Vec<&str> = rungs.iter().map(|t| t.name.as_str()).collect();
            let mut read: Vec<&str> = config["rungs"]
                .as_array()
                .expect("rungs")
                .iter()
                .map(|r| r["name"].as_str().expect("name"))
                .collect();
            names.sort_unstable();
            read.sort_unstable();
            assert_eq!(read, names, "case {case}");
            for rung in config["rungs"].as_array().expect("rungs") {
                let file = rung["file"].as_str().expect("file");
                let decoded = crate::names::decode_uri_segment(file).expect("a URL");
                assert_eq!(decoded, format!("{}.mp4", rung["name"].as_str().unwrap()));
            }
        }
    }
}
