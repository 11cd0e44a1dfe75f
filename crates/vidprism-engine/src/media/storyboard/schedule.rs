//! When tiles are taken and where they sit: the tile times over the video,
//! the grid of tiles in each sprite, and the cues that say so. Pure.

use crate::media::geometry::Size;
use crate::output::storyboard_sprite_name;
use crate::presets::{StoryboardSpec, TileSpacing};

use super::vtt::StoryboardCue;

/// Seconds between tiles when a count is asked of a video whose duration
/// is unknown.
const UNKNOWN_DURATION_STEP_S: f64 = 10.0;
/// The fraction of a step below which the video's remainder after the
/// last whole step gets no tile of its own.
const SHORT_LAST_TILE: f64 = 0.1;
/// Most tiles of a video of unknown duration.
const MAX_OPEN_TILES: usize = 100_000;

/// Tile `k` starts at `k * step_s`; there are `count` of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    step_s: f64,
    count: usize,
}

impl Schedule {
    /// The tiles of a video lasting `duration_s` (when known).
    pub fn new(spacing: TileSpacing, duration_s: Option<f64>) -> Schedule {
        let duration = duration_s.filter(|d| d.is_finite() && *d > 0.0);
        match (spacing, duration) {
            (TileSpacing::IntervalSeconds(n), Some(d)) => {
                let step_s = f64::from(n.max(1));
                // A remainder under a tenth of a step (a 10.04 s video in
                // 5 s tiles) stays in the last tile, not a cue of a frame.
                Schedule {
                    step_s,
                    count: ((d / step_s - SHORT_LAST_TILE).ceil() as usize).max(1),
                }
            }
            (TileSpacing::Count(n), Some(d)) => Schedule {
                step_s: d / f64::from(n.max(1)),
                count: n.max(1) as usize,
            },
            (TileSpacing::IntervalSeconds(n), None) => Schedule {
                step_s: f64::from(n.max(1)),
                count: MAX_OPEN_TILES,
            },
            (TileSpacing::Count(_), None) => Schedule {
                step_s: UNKNOWN_DURATION_STEP_S,
                count: MAX_OPEN_TILES,
            },
        }
    }

    pub fn start_s(&self, k: usize) -> f64 {
        k as f64 * self.step_s
    }

    /// From tile `next` on, how many tiles start before `shown_until_s`:
    /// those a picture shown until then is the picture of.
    pub fn starting_before(&self, next: usize, shown_until_s: f64) -> usize {
        let mut k = next;
        while k < self.count && self.start_s(k) < shown_until_s {
            k += 1;
        }
        k - next
    }
}

/// How tiles are laid out: `columns` x `rows` tiles of `tile` per sprite,
/// row by row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub tile: Size,
    pub columns: u32,
    pub rows: u32,
}

impl Grid {
    /// The grid of `spec` for a video of `display` size: tiles `tile_width`
    /// wide (never wider than the video) at its aspect ratio, even sizes.
    pub fn new(spec: &StoryboardSpec, display: Size) -> Grid {
        let even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
        let width = even(f64::from(spec.tile_width.min(display.width.max(2))));
        let height =
            even(f64::from(display.height) * f64::from(width) / f64::from(display.width.max(1)));
        Grid {
            tile: Size::new(width, height),
            columns: spec.columns.max(1),
            rows: spec.rows.max(1),
        }
    }

    pub fn per_sprite(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// Tile `k`'s sprite (from 0) and its top-left corner there.
    pub fn place(&self, k: usize) -> (usize, u32, u32) {
        let in_sprite = (k % self.per_sprite()) as u32;
        (
            k / self.per_sprite(),
            (in_sprite % self.columns) * self.tile.width,
            (in_sprite / self.columns) * self.tile.height,
        )
    }

    /// The size of a sprite holding `tiles` tiles: full width, as many
    /// rows as it uses.
    pub fn sprite_size(&self, tiles: usize) -> Size {
        let rows = tiles
            .div_ceil(self.columns as usize)
            .clamp(1, self.rows as usize) as u32;
        Size::new(self.columns * self.tile.width, rows * self.tile.height)
    }
}

/// The cues of `taken` tiles: each from its start to the next one's, the
/// last to `end_s`, where the video ends.
pub fn cues(schedule: &Schedule, grid: &Grid, taken: usize, end_s: f64) -> Vec<StoryboardCue> {
    (0..taken)
        .map(|k| {
            let (sprite, x, y) = grid.place(k);
            let start_s = schedule.start_s(k);
            let end = if k + 1 == taken {
                end_s.max(start_s)
            } else {
                schedule.start_s(k + 1)
            };
            StoryboardCue {
                start_s,
                end_s: end,
                sprite: storyboard_sprite_name(sprite + 1),
                x,
                y,
                width: grid.tile.width,
                height: grid.tile.height,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_covers_the_duration_with_a_short_last_tile() {
        let s = Schedule::new(TileSpacing::IntervalSeconds(5), Some(12.0));
        assert_eq!(s.count, 3);
        assert_eq!(s.start_s(2), 10.0);
        let grid = Grid::new(&StoryboardSpec::default(), Size::new(1920, 1080));
        let cues = cues(&s, &grid, 3, 12.0);
        assert_eq!(cues[0].start_s, 0.0);
        assert_eq!(cues[0].end_s, 5.0);
        assert_eq!(cues[2].end_s, 12.0);
        // A few milliseconds past a whole step make no tile of their own.
        let s = Schedule::new(TileSpacing::IntervalSeconds(2), Some(2.002));
        assert_eq!(s.count, 1);
        assert_eq!(cues_of(&s, 2.002).len(), 1);
        assert_eq!(
            Schedule::new(TileSpacing::IntervalSeconds(5), Some(1.0)).count,
            1
        );
    }

    fn cues_of(s: &Schedule, end_s: f64) -> Vec<StoryboardCue> {
        let grid = Grid::new(&StoryboardSpec::default(), Size::new(640, 360));
        cues(s, &grid, s.count, end_s)
    }

    #[test]
    fn a_count_spreads_tiles_evenly() {
        let s = Schedule::new(TileSpacing::Count(4), Some(10.0));
        assert_eq!(s.count, 4);
        assert_eq!(s.start_s(3), 7.5);
        // A picture shown until 0.04 s is tile 0's; one shown until 8 s
        // (after the first) is the picture of tiles 1, 2 and 3.
        assert_eq!(s.starting_before(0, 0.04), 1);
        assert_eq!(s.starting_before(1, 8.0), 3);
        assert_eq!(s.starting_before(4, 100.0), 0);
        let open = Schedule::new(TileSpacing::Count(4), None);
        assert_eq!(open.start_s(1), UNKNOWN_DURATION_STEP_S);
    }

    #[test]
    fn tiles_fill_sprites_row_by_row() {
        let spec = StoryboardSpec {
            columns: 3,
            rows: 2,
            ..StoryboardSpec::default()
        };
        let grid = Grid::new(&spec, Size::new(1280, 720));
        assert_eq!(grid.tile, Size::new(160, 90));
        assert_eq!(grid.place(0), (0, 0, 0));
        assert_eq!(grid.place(4), (0, 160, 90));
        assert_eq!(grid.place(6), (1, 0, 0));
        assert_eq!(grid.sprite_size(6), Size::new(480, 180));
        assert_eq!(grid.sprite_size(2), Size::new(480, 90));
        let c = cues(
            &Schedule::new(TileSpacing::IntervalSeconds(1), Some(7.0)),
            &grid,
            7,
            7.0,
        );
        assert_eq!(c[6].sprite, "storyboard-002.jpg");
        // A portrait or tiny video keeps its aspect and even sizes.
        assert_eq!(
            Grid::new(&StoryboardSpec::default(), Size::new(720, 1280)).tile,
            Size::new(160, 284)
        );
        assert_eq!(
            Grid::new(&StoryboardSpec::default(), Size::new(64, 48)).tile,
            Size::new(64, 48)
        );
    }
}
