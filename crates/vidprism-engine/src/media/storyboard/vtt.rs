//! The storyboard's WebVTT text: one cue per tile, its payload the sprite
//! and the tile's rectangle (`storyboard-001.jpg#xywh=0,0,160,90`), as
//! players' thumbnail plugins read it. Written here, and read back by the
//! window and the tests.

use std::fmt::Write;

/// One tile's cue.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryboardCue {
    pub start_s: f64,
    pub end_s: f64,
    /// The sprite's file name, beside the VTT file.
    pub sprite: String,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// `HH:MM:SS.mmm`.
fn timestamp(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The WebVTT file of `cues`.
pub fn vtt_text(cues: &[StoryboardCue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "\n{} --> {}\n{}#xywh={},{},{},{}\n",
            timestamp(cue.start_s),
            timestamp(cue.end_s),
            cue.sprite,
            cue.x,
            cue.y,
            cue.width,
            cue.height
        );
    }
    out
}

fn parse_timestamp(text: &str) -> Option<f64> {
    let mut seconds = 0.0;
    for part in text.trim().split(':') {
        seconds = seconds * 60.0 + part.parse::<f64>().ok().filter(|v| *v >= 0.0)?;
    }
    Some(seconds)
}

/// Reads a storyboard's WebVTT text; the error names the line that is not
/// a storyboard cue.
pub fn parse_vtt(text: &str) -> Result<Vec<StoryboardCue>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_start_matches('\u{feff}').starts_with("WEBVTT") => {}
        _ => return Err("not a WebVTT file".into()),
    }
    let mut cues = Vec::new();
    while let Some((n, line)) = lines.next() {
        let Some((start, end)) = line.split_once("-->") else {
            continue;
        };
        let bad = || format!("line {}: not a storyboard cue", n + 1);
        let start_s = parse_timestamp(start).ok_or_else(bad)?;
        let end_s = parse_timestamp(end.split_whitespace().next().unwrap_or("")).ok_or_else(bad)?;
        let (_, payload) = lines.next().ok_or_else(bad)?;
        let (sprite, rect) = payload.trim().split_once("#xywh=").ok_or_else(bad)?;
        let numbers: Vec<u32> = rect
            .split(',')
            .map(|v| v.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [x, y, width, height] = numbers[..] else {
            return Err(bad());
        };
        cues.push(StoryboardCue {
            start_s,
            end_s,
            sprite: sprite.to_owned(),
            x,
            y,
            width,
            height,
        });
    }
    Ok(cues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_written_as_players_read_them_and_read_back() {
        let cues = vec![
            StoryboardCue {
                start_s: 0.0,
                end_s: 5.0,
                sprite: "storyboard-001.jpg".into(),
                x: 0,
                y: 0,
                width: 160,
                height: 90,
            },
            StoryboardCue {
                start_s: 3725.5,
                end_s: 3727.04,
                sprite: "storyboard-002.jpg".into(),
                x: 160,
                y: 90,
                width: 160,
                height: 90,
            },
        ];
        let text = vtt_text(&cues);
        assert!(
            text.starts_with(
                "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nstoryboard-001.jpg#xywh=0,0,160,90\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("01:02:05.500 --> 01:02:07.040\nstoryboard-002.jpg#xywh=160,90,160,90")
        );
        assert_eq!(parse_vtt(&text), Ok(cues));
    }

    #[test]
    fn a_broken_cue_names_its_line() {
        assert!(parse_vtt("hello").is_err());
        let err = parse_vtt("WEBVTT\n\n00:00.000 --> 00:05.000\nsprite.jpg#xywh=1,2,3\n");
        assert_eq!(err, Err("line 3: not a storyboard cue".into()));
        assert_eq!(parse_vtt("WEBVTT\n"), Ok(Vec::new()));
    }
}
