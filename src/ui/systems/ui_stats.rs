//! `VIDPRISM_UI_STATS=path`: the window appends one JSON line to `path`
//! per compare picture it shows, per seek of the compare view, and per
//! change of where a control a benchmark clicks is; unset, nothing is
//! written and nothing is kept. scripts/bench-compare-window.sh reads it
//! (issue 25's window figures). Each line is written whole, with `ms`: when,
//! milliseconds since the Unix epoch.
//!
//! ```text
//! {"ms":…,"event":"place","name":"time slider","rect":[x0,y0,x1,y1]}  (pixels)
//! {"ms":…,"event":"seek","time_s":12.3}
//! {"ms":…,"event":"shown","side":0,"time_s":12.3,"view_s":12.3,"exact":true}
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use eframe::egui;
use serde::Serialize;

/// The environment variable naming the file.
pub const UI_STATS: &str = "VIDPRISM_UI_STATS";

/// One line's news.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// Where a control is, in the window's pixels: left, top, right, bottom.
    Place { name: String, rect: [f32; 4] },
    /// The compare view was asked for the pictures at this time.
    Seek { time_s: f64 },
    /// A side (0 the source, 1 the rendition) shows a new picture from this
    /// frame on: the picture's time, the view's, and whether it is the one
    /// asked (not the keyframe before, shown while that decodes).
    Shown {
        side: usize,
        time_s: f64,
        view_s: f64,
        exact: bool,
    },
}

#[derive(Serialize)]
struct Line<'a> {
    ms: f64,
    #[serde(flatten)]
    record: &'a Record,
}

/// The open file and the places last written (a place is written again
/// only when it moves).
pub struct Stats {
    file: std::fs::File,
    places: HashMap<String, [f32; 4]>,
}

impl Stats {
    pub fn open(path: &Path) -> std::io::Result<Stats> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Stats {
            file,
            places: HashMap::new(),
        })
    }

    /// Appends `record` (a place only when it changed).
    pub fn write(&mut self, record: &Record) {
        if let Record::Place { name, rect } = record {
            if self.places.get(name) == Some(rect) {
                return;
            }
            self.places.insert(name.clone(), *rect);
        }
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        let mut line = serde_json::to_vec(&Line { ms, record }).unwrap_or_default();
        line.push(b'\n');
        // A full disk loses a line of figures, never the window.
        let _ = self.file.write_all(&line);
    }
}

/// The window's file, opened on first use when [`UI_STATS`] is set.
fn stats() -> Option<&'static Mutex<Stats>> {
    static STATS: OnceLock<Option<Mutex<Stats>>> = OnceLock::new();
    STATS
        .get_or_init(|| {
            let path = std::env::var_os(UI_STATS).filter(|p| !p.is_empty())?;
            match Stats::open(Path::new(&path)) {
                Ok(stats) => Some(Mutex::new(stats)),
                Err(e) => {
                    tracing::warn!(path = ?path, error = %e, "the UI figures are not written");
                    None
                }
            }
        })
        .as_ref()
}

/// Writes `record` when figures are written.
pub fn record(record: impl FnOnce() -> Record) {
    if let Some(stats) = stats() {
        let record = record();
        if let Ok(mut stats) = stats.lock() {
            stats.write(&record);
        }
    }
}

/// Writes where the control `name` is (`rect` in points) when it moved.
pub fn place(ctx: &egui::Context, name: impl FnOnce() -> String, rect: egui::Rect) {
    record(|| {
        let ppp = ctx.pixels_per_point();
        Record::Place {
            name: name(),
            rect: [rect.min.x, rect.min.y, rect.max.x, rect.max.y].map(|v| v * ppp),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_is_one_json_line_and_a_place_is_written_again_only_when_it_moves() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("stats.jsonl");
        let mut stats = Stats::open(&path).expect("opened");
        let slider = |x: f32| Record::Place {
            name: "time slider".into(),
            rect: [x, 2.0, 300.0, 20.0],
        };
        stats.write(&slider(1.0));
        stats.write(&slider(1.0));
        stats.write(&Record::Seek { time_s: 12.5 });
        stats.write(&Record::Shown {
            side: 1,
            time_s: 12.5,
            view_s: 12.5,
            exact: false,
        });
        stats.write(&slider(4.0));
        drop(stats);
        // Appended to, not replaced, by another window's run.
        Stats::open(&path)
            .expect("again")
            .write(&Record::Seek { time_s: 1.0 });
        let text = std::fs::read_to_string(&path).expect("written");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines
            .iter()
            .all(|l| l["ms"].as_f64().is_some_and(|ms| ms > 1.7e12)));
        let without_ms: Vec<serde_json::Value> = lines
            .into_iter()
            .map(|mut l| {
                l.as_object_mut().expect("an object").remove("ms");
                l
            })
            .collect();
        use serde_json::json;
        assert_eq!(
            without_ms,
            [
                json!({"event": "place", "name": "time slider", "rect": [1.0, 2.0, 300.0, 20.0]}),
                json!({"event": "seek", "time_s": 12.5}),
                json!({"event": "shown", "side": 1, "time_s": 12.5, "view_s": 12.5, "exact": false}),
                json!({"event": "place", "name": "time slider", "rect": [4.0, 2.0, 300.0, 20.0]}),
                json!({"event": "seek", "time_s": 1.0}),
            ]
        );
    }
}
