//! A decoded picture's luma plane read as 8-bit samples, whatever its
//! planar YUV or grey format (8 to 16 bits, little-endian): what the
//! ingest-time detectors (black bars, combing) look at.

use ffmpeg_next::{ffi, format, frame};

/// A view of one picture's luma samples.
pub(crate) struct Luma<'a> {
    data: &'a [u8],
    stride: usize,
    step: usize,
    offset: usize,
    /// Bits past 8 (0 for 8-bit samples, which take one byte).
    shift: u8,
    pub width: usize,
    pub height: usize,
    /// The chroma grid: log2 of the horizontal and vertical subsampling.
    pub log2_chroma: (u8, u8),
}

impl<'a> Luma<'a> {
    /// The picture's luma plane; `None` for formats without one (RGB,
    /// palettes, big-endian) or a plane shorter than its size says.
    pub fn of(picture: &'a frame::Video) -> Option<Luma<'a>> {
        let format: format::Pixel = picture.format();
        // SAFETY: av_pix_fmt_desc_get returns a static descriptor or null.
        let desc = unsafe { ffi::av_pix_fmt_desc_get(format.into()).as_ref() }?;
        let unusable =
            ffi::AV_PIX_FMT_FLAG_RGB | ffi::AV_PIX_FMT_FLAG_PAL | ffi::AV_PIX_FMT_FLAG_BE;
        if desc.flags & unusable as u64 != 0 || desc.nb_components == 0 {
            return None;
        }
        let luma = desc.comp[0];
        let (step, offset, depth) = (luma.step as usize, luma.offset as usize, luma.depth);
        if luma.plane != 0 || step == 0 || !(8..=16).contains(&depth) {
            return None;
        }
        let (width, height) = (picture.width() as usize, picture.height() as usize);
        if width == 0 || height == 0 {
            return None;
        }
        let stride = picture.stride(0);
        let data = picture.data(0);
        let wide = depth > 8;
        let needed = (height - 1) * stride + (width - 1) * step + offset + if wide { 2 } else { 1 };
        (data.len() >= needed).then_some(Luma {
            data,
            stride,
            step,
            offset,
            shift: (depth - 8) as u8,
            width,
            height,
            log2_chroma: (desc.log2_chroma_w, desc.log2_chroma_h),
        })
    }

    /// The sample at (x, y), in 8 bits.
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> u16 {
        let at = y * self.stride + x * self.step + self.offset;
        if self.shift > 0 {
            u16::from_le_bytes([self.data[at], self.data[at + 1]]) >> self.shift
        } else {
            u16::from(self.data[at])
        }
    }
}
