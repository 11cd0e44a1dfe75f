//! The storyboard and poster of a preset's thumbnail spec (issue 15): how
//! often a scrub tile is taken, how big tiles are, how they are laid out in
//! sprites, and which frame the poster shows. Pure data and its rules.

use serde::{Deserialize, Serialize};

use super::validate::Problem;
pub use crate::limits::MAX_SPRITE_SIDE;
use crate::limits::MAX_STORYBOARD_TILES;

/// Default tile width, in pixels (what video sites show over a seek bar).
pub const TILE_WIDTH: u32 = 160;
/// Tile widths accepted.
pub const TILE_WIDTHS: std::ops::RangeInclusive<u32> = 32..=640;
/// Default tiles per sprite row and column (10 x 10 tiles per JPEG).
pub const SPRITE_GRID: u32 = 10;
/// Columns or rows of a sprite accepted.
pub const SPRITE_GRIDS: std::ops::RangeInclusive<u32> = 1..=20;
/// Seconds between tiles accepted.
pub const INTERVALS_S: std::ops::RangeInclusive<u32> = 1..=3600;
/// Tile counts accepted.
pub const TILE_COUNTS: std::ops::RangeInclusive<u32> = 1..=MAX_STORYBOARD_TILES;
/// Default seconds between tiles.
pub const INTERVAL_S: u32 = 5;

/// When tiles are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TileSpacing {
    /// One tile every this many seconds.
    IntervalSeconds(u32),
    /// This many tiles spread evenly over the video.
    Count(u32),
}

/// A storyboard: small tiles over the whole video, in sprite JPEGs, and a
/// WebVTT file pointing into them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "super::forms::StoryboardForm",
    into = "super::forms::StoryboardForm"
)]
pub struct StoryboardSpec {
    pub spacing: TileSpacing,
    /// Width of one tile; its height follows the display aspect ratio.
    pub tile_width: u32,
    /// Tiles per sprite row.
    pub columns: u32,
    /// Tile rows per sprite.
    pub rows: u32,
}

impl Default for StoryboardSpec {
    fn default() -> StoryboardSpec {
        StoryboardSpec {
            spacing: TileSpacing::IntervalSeconds(INTERVAL_S),
            tile_width: TILE_WIDTH,
            columns: SPRITE_GRID,
            rows: SPRITE_GRID,
        }
    }
}

/// Which frame the poster shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PosterChoice {
    /// No poster beyond the thumbnail, which is the first frame.
    #[default]
    First,
    /// A representative frame among the storyboard's tiles: not black, not
    /// a fade, not blurred, written as `poster.jpg`.
    Best,
}

impl PosterChoice {
    pub const ALL: [PosterChoice; 2] = [PosterChoice::First, PosterChoice::Best];

    pub fn is_first(&self) -> bool {
        *self == PosterChoice::First
    }

    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<PosterChoice> {
        PosterChoice::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// The problems of a storyboard and poster choice.
pub fn storyboard_problems(
    storyboard: Option<&StoryboardSpec>,
    poster: PosterChoice,
    problems: &mut Vec<Problem>,
) {
    let mut check = |field: &str, value: u32, range: std::ops::RangeInclusive<u32>| {
        if !range.contains(&value) {
            problems.push(Problem::new(
                None,
                field,
                format!(
                    "is {value}; it must be between {} and {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
    };
    if let Some(s) = storyboard {
        match s.spacing {
            TileSpacing::IntervalSeconds(n) => {
                check("thumbnail.storyboard.interval_seconds", n, INTERVALS_S)
            }
            TileSpacing::Count(n) => check("thumbnail.storyboard.count", n, TILE_COUNTS),
        }
        check("thumbnail.storyboard.tile_width", s.tile_width, TILE_WIDTHS);
        check("thumbnail.storyboard.columns", s.columns, SPRITE_GRIDS);
        check("thumbnail.storyboard.rows", s.rows, SPRITE_GRIDS);
        let widest = s.columns.max(s.rows).saturating_mul(s.tile_width);
        // Said only of sizes each in range, so one mistake is named once.
        let each_in_range = TILE_WIDTHS.contains(&s.tile_width)
            && SPRITE_GRIDS.contains(&s.columns)
            && SPRITE_GRIDS.contains(&s.rows);
        if each_in_range && widest > MAX_SPRITE_SIDE {
            problems.push(Problem::new(
                None,
                "thumbnail.storyboard",
                format!(
                    "its sprites would be {widest} pixels across; at most {MAX_SPRITE_SIDE} \
                     (fewer columns or rows, or narrower tiles)"
                ),
            ));
        }
    } else if poster == PosterChoice::Best {
        problems.push(Problem::new(
            None,
            "thumbnail.poster",
            "\"best\" picks among the storyboard's tiles; add a storyboard".to_owned(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_storyboard_is_valid_and_bad_sizes_are_named() {
        let mut problems = Vec::new();
        storyboard_problems(
            Some(&StoryboardSpec::default()),
            PosterChoice::Best,
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let bad = StoryboardSpec {
            spacing: TileSpacing::Count(0),
            tile_width: 8,
            columns: 30,
            rows: 10,
        };
        let huge = StoryboardSpec {
            tile_width: 640,
            ..StoryboardSpec::default()
        };
        storyboard_problems(Some(&bad), PosterChoice::First, &mut problems);
        storyboard_problems(Some(&huge), PosterChoice::First, &mut problems);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "thumbnail.storyboard.count",
                "thumbnail.storyboard.tile_width",
                "thumbnail.storyboard.columns",
                "thumbnail.storyboard"
            ]
        );
    }

    #[test]
    fn a_best_poster_needs_a_storyboard() {
        let mut problems = Vec::new();
        storyboard_problems(None, PosterChoice::First, &mut problems);
        assert!(problems.is_empty());
        storyboard_problems(None, PosterChoice::Best, &mut problems);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "thumbnail.poster");
        for p in PosterChoice::ALL {
            assert_eq!(PosterChoice::from_key(p.key()), Some(p));
        }
    }
}
