//! When tiles are taken and where they sit: the tile times over the video,
//! the grid of tiles in each sprite, and the cues that say so. Pure.

use crate::limits::{MAX_SPRITE_SIDE, MAX_STORYBOARD_TILES};
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
/// Most tiles of any video (`limits.rs`).
const MAX_TILES: usize = MAX_STORYBOARD_TILES as usize;

/// Tile `k` starts at `k * step_s`; there are `count` of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    step_s: f64,
    count: usize,
}

impl Schedule {
    /// The tiles of a video lasting `duration_s` (when known): never more
    /// than [`MAX_STORYBOARD_TILES`], spread further apart over a video too
    /// long for them at the asked interval.
    pub fn new(spacing: TileSpacing, duration_s: Option<f64>) -> Schedule {
        let duration = duration_s.filter(|d| d.is_finite() && *d > 0.0);
        match (spacing, duration) {
            (TileSpacing::IntervalSeconds(n), Some(d)) => {
                let step_s = f64::from(n.max(1));
                // A remainder under a tenth of a step (a 10.04 s video in
                // 5 s tiles) stays in the last tile, not a cue of a frame.
                let count = ((d / step_s - SHORT_LAST_TILE).ceil() as usize).max(1);
                if count > MAX_TILES {
                    tracing::info!(
                        "storyboard: {count} tiles every {n} s over {d:.0} s would pass the \
                         limit of {MAX_TILES}; {MAX_TILES} tiles every {:.1} s instead",
                        d / MAX_TILES as f64
                    );
                    return Schedule {
                        step_s: d / MAX_TILES as f64,
                        count: MAX_TILES,
                    };
                }
                Schedule { step_s, count }
            }
            (TileSpacing::Count(n), Some(d)) => {
                let count = (n.max(1) as usize).min(MAX_TILES);
                Schedule {
                    step_s: d / count as f64,
                    count,
                }
            }
            (TileSpacing::IntervalSeconds(n), None) => Schedule {
                step_s: f64::from(n.max(1)),
                count: MAX_TILES,
            },
            (TileSpacing::Count(_), None) => Schedule {
                step_s: UNKNOWN_DURATION_STEP_S,
                count: MAX_TILES,
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
    /// wide (never wider than the video) at its aspect ratio, even sizes,
    /// smaller when a tall video's sprites would pass
    /// [`MAX_SPRITE_SIDE`] in either direction.
    pub fn new(spec: &StoryboardSpec, display: Size) -> Grid {
        let (columns, rows) = (spec.columns.max(1), spec.rows.max(1));
        let round_even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
        let floor_even = |x: u32| (x / 2 * 2).max(2);
        let aspect = f64::from(display.height.max(1)) / f64::from(display.width.max(1));
        let wanted = f64::from(spec.tile_width.min(display.width.max(2)));
        // A tall video's tiles are narrowed so that its sprites' rows fit.
        let fits_rows = f64::from(MAX_SPRITE_SIDE / rows) / aspect;
        let width = round_even(wanted.min(fits_rows)).min(floor_even(MAX_SPRITE_SIDE / columns));
        let height = round_even(f64::from(width) * aspect).min(floor_even(MAX_SPRITE_SIDE / rows));
        Grid {
            tile: Size::new(width, height),
            columns,
            rows,
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

    #[test]
    fn sprites_stay_within_the_side_limit_whatever_the_videos_shape() {
        let tall = StoryboardSpec {
            tile_width: 400,
            columns: 10,
            rows: 20,
            ..StoryboardSpec::default()
        };
        for display in [
            Size::new(1080, 1920),
            Size::new(16, 8192),
            Size::new(8192, 16),
            Size::new(2, 2),
        ] {
            for spec in [StoryboardSpec::default(), tall] {
                let grid = Grid::new(&spec, display);
                let sprite = grid.sprite_size(grid.per_sprite());
                assert!(
                    sprite.width <= MAX_SPRITE_SIDE && sprite.height <= MAX_SPRITE_SIDE,
                    "{display:?} {spec:?}: {sprite:?}"
                );
                assert_eq!((grid.tile.width % 2, grid.tile.height % 2), (0, 0));
            }
        }
        // A portrait phone video in 20 rows: tiles narrowed to fit.
        assert_eq!(
            Grid::new(&tall, Size::new(1080, 1920)).tile,
            Size::new(114, 202)
        );
    }

    #[test]
    fn no_video_gets_more_tiles_than_the_limit() {
        // Two frames 100,000 s apart claim a 100,000 s video.
        let s = Schedule::new(TileSpacing::IntervalSeconds(5), Some(100_000.0));
        assert_eq!(s.count, MAX_TILES);
        assert_eq!(s.start_s(MAX_TILES - 1), 100_000.0 - 50.0);
        for duration in [None, Some(f64::MAX), Some(1e300)] {
            for spacing in [
                TileSpacing::IntervalSeconds(1),
                TileSpacing::Count(u32::MAX),
            ] {
                let s = Schedule::new(spacing, duration);
                assert!(s.count <= MAX_TILES, "{spacing:?} {duration:?}");
                assert!(s.step_s.is_finite() && s.step_s > 0.0);
            }
        }
    }
}
