//! The storyboard's WebVTT text: one cue per tile, its payload the sprite
//! (a relative URL) and the tile's rectangle
//! (`storyboard-001.jpg#xywh=0,0,160,90`), as players' thumbnail plugins
//! read it. Written here, and read back by the window and the tests (of
//! any text: one from a farm worker is hostile until read).

use std::fmt::Write;

use crate::limits::MAX_STORYBOARD_TILES;
use crate::names::{decode_uri_segment, uri_segment};

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
            uri_segment(&cue.sprite),
            cue.x,
            cue.y,
            cue.width,
            cue.height
        );
    }
    out
}

/// `[HH:]MM:SS.mmm` in seconds: digits and one dot only, finite.
fn parse_timestamp(text: &str) -> Option<f64> {
    let mut seconds = 0.0;
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    for part in parts {
        let digits = !part.is_empty()
            && part.len() <= 20
            && part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && part.bytes().filter(|&b| b == b'.').count() <= 1;
        seconds = seconds * 60.0 + part.parse::<f64>().ok().filter(|_| digits)?;
    }
    seconds.is_finite().then_some(seconds)
}

/// Why a text is not a storyboard's WebVTT.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VttError {
    #[error("not a WebVTT file")]
    NotWebVtt,
    #[error("line {line}: not a storyboard cue")]
    NotACue { line: usize },
    #[error("line {line}: more than {MAX_STORYBOARD_TILES} cues, the most a storyboard has")]
    TooManyCues { line: usize },
}

/// Reads a storyboard's WebVTT text; the error names the line that is not
/// a storyboard cue. At most [`MAX_STORYBOARD_TILES`] cues are read (no
/// storyboard has more), so any text costs bounded memory.
pub fn parse_vtt(text: &str) -> Result<Vec<StoryboardCue>, VttError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_start_matches('\u{feff}').starts_with("WEBVTT") => {}
        _ => return Err(VttError::NotWebVtt),
    }
    let mut cues = Vec::new();
    while let Some((n, line)) = lines.next() {
        let Some((start, end)) = line.split_once("-->") else {
            continue;
        };
        let bad = || VttError::NotACue { line: n + 1 };
        if cues.len() >= MAX_STORYBOARD_TILES as usize {
            return Err(VttError::TooManyCues { line: n + 1 });
        }
        let start_s = parse_timestamp(start).ok_or_else(bad)?;
        let end_s = parse_timestamp(end.split_whitespace().next().unwrap_or("")).ok_or_else(bad)?;
        let (_, payload) = lines.next().ok_or_else(bad)?;
        let (sprite, rect) = payload.trim().split_once("#xywh=").ok_or_else(bad)?;
        let sprite = decode_uri_segment(sprite).ok_or_else(bad)?;
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
            sprite,
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
        assert_eq!(err, Err(VttError::NotACue { line: 3 }));
        assert_eq!(err.unwrap_err().to_string(), "line 3: not a storyboard cue");
        assert_eq!(parse_vtt("WEBVTT\n"), Ok(Vec::new()));
    }

    /// Property: cues of any sprite names and times are written as a VTT
    /// that reads back to the same cues (times to the millisecond).
    #[test]
    fn cues_of_any_sprite_names_read_back() {
        let mut gen = crate::testgen::Gen::new(26);
        for case in 0..500 {
            let cues: Vec<StoryboardCue> = (0..gen.below(5))
                .map(|_| {
                    let start_ms = gen.below(400_000_000) as f64;
                    StoryboardCue {
                        start_s: start_ms / 1000.0,
                        end_s: (start_ms + gen.below(100_000) as f64) / 1000.0,
                        sprite: gen.nasty(6),
                        x: gen.next() as u32,
                        y: gen.next() as u32,
                        width: gen.below(5000) as u32,
                        height: gen.below(5000) as u32,
                    }
                })
                .collect();
            let text = vtt_text(&cues);
            let read = parse_vtt(&text).unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
            assert_eq!(read.len(), cues.len(), "case {case}:\n{text}");
            for (r, c) in read.iter().zip(&cues) {
                let same_time = |a: f64, b: f64| (a - b).abs() < 1e-6;
                assert!(
                    same_time(r.start_s, c.start_s) && same_time(r.end_s, c.end_s),
                    "case {case}"
                );
                let rect = |c: &StoryboardCue| (c.sprite.clone(), c.x, c.y, c.width, c.height);
                assert_eq!(rect(r), rect(c), "case {case}:\n{text}");
            }
        }
    }

    /// Property: any text, and damaged copies of a good storyboard, are
    /// read without a panic into at most the limit of cues, each with
    /// finite times; more cues than the limit are refused.
    #[test]
    fn any_text_is_read_without_panic_into_bounded_cues() {
        let mut gen = crate::testgen::Gen::new(26);
        let good =
            "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nstoryboard-001.jpg#xywh=0,0,160,90\n\n\
                    01:00.000 --> 01:05.000\nstoryboard-002.jpg#xywh=160,90,160,90\n";
        for case in 0..3000 {
            let text = match case % 3 {
                0 => format!("WEBVTT\n{}", gen.nasty(30)),
                1 => gen.mutate(good),
                _ => gen.nasty(30),
            };
            if let Ok(cues) = parse_vtt(&text) {
                assert!(cues.len() <= MAX_STORYBOARD_TILES as usize, "case {case}");
                for c in cues {
                    assert!(
                        c.start_s.is_finite() && c.end_s.is_finite(),
                        "case {case}: {c:?}"
                    );
                }
            }
        }
        let cue = "00:00.000 --> 00:05.000\ns.jpg#xywh=0,0,1,1\n\n";
        let many = format!(
            "WEBVTT\n\n{}",
            cue.repeat(MAX_STORYBOARD_TILES as usize + 1)
        );
        assert!(parse_vtt(&many)
            .unwrap_err()
            .to_string()
            .contains("more than"));
        for bad in ["inf", "1e9", "-1", "NaN", "00:00:00:01.000", " ", "0x10"] {
            let text = format!("WEBVTT\n\n{bad} --> 00:05.000\ns.jpg#xywh=0,0,1,1\n");
            assert!(parse_vtt(&text).is_err(), "{bad}");
        }
    }
}
