//! Picture geometry: rotation, pixel aspect, display size and the sizes of
//! renditions and thumbnails. Pure arithmetic, no FFmpeg calls.

use serde::Serialize;

/// Clockwise rotation needed to show the coded picture upright.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Rotation {
    #[default]
    None,
    Cw90,
    Half,
    Cw270,
}

impl Rotation {
    /// From the clockwise display angle in degrees (any value; snapped to a
    /// quarter turn).
    pub fn from_clockwise_degrees(degrees: f64) -> Rotation {
        let quarter = (degrees / 90.0).round() as i64;
        match quarter.rem_euclid(4) {
            1 => Rotation::Cw90,
            2 => Rotation::Half,
            3 => Rotation::Cw270,
            _ => Rotation::None,
        }
    }

    pub fn swaps_axes(self) -> bool {
        matches!(self, Rotation::Cw90 | Rotation::Cw270)
    }

    /// The libavfilter chain that turns the coded picture upright, ending in a
    /// comma when not empty.
    pub fn filter_prefix(self) -> &'static str {
        match self {
            Rotation::None => "",
            Rotation::Cw90 => "transpose=clock,",
            Rotation::Half => "hflip,vflip,",
            Rotation::Cw270 => "transpose=cclock,",
        }
    }
}

/// Size of a picture as shown: square pixels, upright.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub fn new(width: u32, height: u32) -> Size {
        Size { width, height }
    }

    pub fn short_side(self) -> u32 {
        self.width.min(self.height)
    }

    /// The same picture before the rotation is applied.
    pub fn unrotated(self, rotation: Rotation) -> Size {
        if rotation.swaps_axes() {
            Size::new(self.height, self.width)
        } else {
            self
        }
    }
}

/// Display size of a coded picture: stretched by its pixel aspect ratio, then
/// rotated upright.
pub fn display_size(coded: Size, sar: (i32, i32), rotation: Rotation) -> Size {
    let (num, den) = sar;
    let width = if num > 0 && den > 0 && num != den {
        ((coded.width as f64) * num as f64 / den as f64)
            .round()
            .max(1.0) as u32
    } else {
        coded.width
    };
    let upright = Size::new(width, coded.height);
    if rotation.swaps_axes() {
        Size::new(upright.height, upright.width)
    } else {
        upright
    }
}

fn even(x: f64) -> u32 {
    ((x / 2.0).round() as u32 * 2).max(2)
}

/// The size whose short side is `short_side`, at the display aspect ratio of
/// `display`, with even dimensions.
pub fn scale_to_short_side(display: Size, short_side: u32) -> Size {
    let short = display.short_side().max(1) as f64;
    let factor = short_side as f64 / short;
    let w = even(display.width as f64 * factor);
    let h = even(display.height as f64 * factor);
    if display.width <= display.height {
        Size::new(even(short_side as f64), h)
    } else {
        Size::new(w, even(short_side as f64))
    }
}

/// `size`, an upright picture of a source coded at `coded`, once the
/// source is cropped to `kept` (coded pixels): each side shrinks by the
/// share its coded side loses, so the display aspect stays; even.
pub fn cropped_size(size: Size, coded: Size, kept: Size, rotation: Rotation) -> Size {
    let (coded, kept) = (coded.unrotated(rotation), kept.unrotated(rotation));
    let share = |kept: u32, coded: u32| f64::from(kept) / f64::from(coded.max(1));
    Size::new(
        even(f64::from(size.width) * share(kept.width, coded.width)),
        even(f64::from(size.height) * share(kept.height, coded.height)),
    )
}

/// The source's own display size rounded to even dimensions (for the
/// smallest-rendition exception).
pub fn even_size(display: Size) -> Size {
    let down = |x: u32| (x & !1).max(2);
    Size::new(down(display.width), down(display.height))
}

/// Thumbnail size: `max_width` wide, or the display width when smaller.
pub fn thumbnail_size(display: Size, max_width: u32) -> Size {
    let width = display.width.min(max_width).max(1);
    let height = ((display.height as f64) * width as f64 / display.width.max(1) as f64)
        .round()
        .max(1.0) as u32;
    Size::new(width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portrait_720p_names_the_short_side() {
        assert_eq!(
            scale_to_short_side(Size::new(1080, 1920), 720),
            Size::new(720, 1280)
        );
        assert_eq!(
            scale_to_short_side(Size::new(1920, 1080), 480),
            Size::new(854, 480)
        );
    }

    #[test]
    fn non_square_pixels_widen_the_picture() {
        // 480x272 with SAR 136:135 is shown at about 16:9.
        let d = display_size(Size::new(480, 272), (136, 135), Rotation::None);
        assert_eq!(d, Size::new(484, 272));
    }

    #[test]
    fn quarter_turn_swaps_display_axes() {
        let d = display_size(Size::new(1920, 1080), (1, 1), Rotation::Cw90);
        assert_eq!(d, Size::new(1080, 1920));
        assert_eq!(Rotation::from_clockwise_degrees(-90.0), Rotation::Cw270);
        assert_eq!(Rotation::from_clockwise_degrees(270.0), Rotation::Cw270);
        assert_eq!(Rotation::from_clockwise_degrees(180.0), Rotation::Half);
    }

    #[test]
    fn odd_sizes_become_even() {
        assert_eq!(even_size(Size::new(321, 241)), Size::new(320, 240));
        let s = scale_to_short_side(Size::new(333, 199), 198);
        assert_eq!((s.width % 2, s.height % 2), (0, 0));
    }

    #[test]
    fn thumbnail_never_wider_than_source() {
        assert_eq!(
            thumbnail_size(Size::new(320, 240), 640),
            Size::new(320, 240)
        );
        assert_eq!(
            thumbnail_size(Size::new(1920, 1080), 640),
            Size::new(640, 360)
        );
    }
}
