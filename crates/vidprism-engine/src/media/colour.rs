//! Colour description of pictures: primaries, transfer, YCbCr matrix and
//! range. A source's tags decide how its pictures are read (and what players
//! would assume takes the place of a missing tag); every rendition and
//! thumbnail is converted with them and every encoder writes them, so no
//! output leaves a player guessing (a 480p rendition of a BT.709 source,
//! left untagged, is shown as BT.601: a visible colour shift).

use ffmpeg_next::color::{Primaries, Range, Space, TransferCharacteristic};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::{decoder, encoder, frame};

use super::hdr::HdrTransfer;

/// Kr and Kb of BT.709's Y'CbCr matrix (Kg = 1 - Kr - Kb).
pub const BT709_LUMA_WEIGHTS: (f64, f64) = (0.2126, 0.0722);
/// Kr and Kb of BT.601's Y'CbCr matrix.
pub const BT601_LUMA_WEIGHTS: (f64, f64) = (0.299, 0.114);
/// Kr and Kb of BT.2020's non-constant-luminance matrix, what HDR sources use.
pub const BT2020_LUMA_WEIGHTS: (f64, f64) = (0.2627, 0.0593);

/// Y' of an R'G'B' triple with the weights `(kr, kb)`.
pub fn luma_of(rgb: [f64; 3], (kr, kb): (f64, f64)) -> f64 {
    kr * rgb[0] + (1.0 - kr - kb) * rgb[1] + kb * rgb[2]
}

/// How the values of a picture are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour {
    pub primaries: Primaries,
    pub transfer: TransferCharacteristic,
    /// The YCbCr matrix, or `Space::RGB` for pictures stored as RGB.
    pub matrix: Space,
    /// Full-range (0-255, "pc", JPEG) values rather than limited (16-235).
    pub full_range: bool,
}

/// The tags a stream carries, each possibly unspecified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColourTags {
    pub primaries: Primaries,
    pub transfer: TransferCharacteristic,
    pub matrix: Space,
    pub range: Range,
}

/// The standard family a picture is assumed to belong to when its tags
/// leave something out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// HD and larger: BT.709.
    Hd,
    /// SD with 576 (or 288) lines: BT.601 625-line (PAL).
    Sd625,
    /// Other SD: BT.601 525-line (NTSC).
    Sd525,
}

impl Family {
    /// What players (mpv, browsers) assume of an untagged picture of this
    /// coded size: BT.709 from 1280 wide or more than 576 lines, else BT.601.
    fn of_size(width: u32, height: u32) -> Family {
        if width >= 1280 || height > 576 {
            Family::Hd
        } else if height == 576 || height == 288 {
            Family::Sd625
        } else {
            Family::Sd525
        }
    }

    fn primaries(self) -> Primaries {
        match self {
            Family::Hd => Primaries::BT709,
            Family::Sd625 => Primaries::BT470BG,
            Family::Sd525 => Primaries::SMPTE170M,
        }
    }

    fn transfer(self) -> TransferCharacteristic {
        match self {
            Family::Hd => TransferCharacteristic::BT709,
            // The same curve as BT.709, under its SD name.
            Family::Sd625 | Family::Sd525 => TransferCharacteristic::SMPTE170M,
        }
    }

    fn matrix(self) -> Space {
        match self {
            Family::Hd => Space::BT709,
            Family::Sd625 => Space::BT470BG,
            Family::Sd525 => Space::SMPTE170M,
        }
    }
}

/// The name the `scale` filter (swscale) knows a matrix by, for the
/// matrices it can convert with.
fn scale_matrix_name(matrix: Space) -> Option<&'static str> {
    match matrix {
        Space::BT709 => Some("bt709"),
        Space::BT470BG | Space::SMPTE170M => Some("bt601"),
        Space::FCC => Some("fcc"),
        Space::SMPTE240M => Some("smpte240m"),
        Space::BT2020NCL => Some("bt2020"),
        _ => None,
    }
}

fn is_unknown_primaries(p: Primaries) -> bool {
    matches!(
        p,
        Primaries::Unspecified | Primaries::Reserved | Primaries::Reserved0
    )
}

fn is_unknown_transfer(t: TransferCharacteristic) -> bool {
    matches!(
        t,
        TransferCharacteristic::Unspecified
            | TransferCharacteristic::Reserved
            | TransferCharacteristic::Reserved0
    )
}

impl Colour {
    /// SDR BT.709, limited range: what tone-mapped HDR pictures are.
    pub const SDR_BT709: Colour = Colour {
        primaries: Primaries::BT709,
        transfer: TransferCharacteristic::BT709,
        matrix: Space::BT709,
        full_range: false,
    };

    /// How a source's pictures are read: its own tags, and for each one
    /// missing what players assume (BT.709 for HD and larger, BT.601 for
    /// SD, limited range). `rgb` pictures have no matrix; JPEG pixel
    /// formats (`yuvj420p`…) are full range whatever the tag says.
    pub fn of_source(tags: ColourTags, rgb: bool, jpeg_range: bool, size: (u32, u32)) -> Colour {
        // Each missing tag is guessed on its own, from the size, as mpv
        // does: a file tagged only partly looks the same here and there.
        let family = Family::of_size(size.0, size.1);
        let matrix = if rgb {
            Space::RGB
        } else if scale_matrix_name(tags.matrix).is_some() {
            tags.matrix
        } else {
            // Unspecified, or a matrix swscale cannot read (YCgCo,
            // constant-luminance BT.2020…): read it as players would guess.
            family.matrix()
        };
        Colour {
            primaries: if is_unknown_primaries(tags.primaries) {
                family.primaries()
            } else {
                tags.primaries
            },
            transfer: if is_unknown_transfer(tags.transfer) {
                family.transfer()
            } else {
                tags.transfer
            },
            matrix,
            full_range: rgb || jpeg_range || tags.range == Range::JPEG,
        }
    }

    /// The colour of a decoder's pictures (its stream's tags and pixel
    /// format, at its coded size).
    pub fn of_decoder(decoder: &decoder::Video) -> Colour {
        let tags = ColourTags {
            primaries: decoder.color_primaries(),
            transfer: decoder.color_transfer_characteristic(),
            matrix: decoder.color_space(),
            range: decoder.color_range(),
        };
        let format = decoder.format();
        Colour::of_source(
            tags,
            is_rgb(format),
            is_jpeg_range(format),
            (decoder.width(), decoder.height()),
        )
    }

    /// These pictures read as HDR of `transfer`. A Dolby Vision stream's
    /// base layer may come untagged; its tags are then BT.2100's.
    pub fn with_hdr(self, transfer: HdrTransfer) -> Colour {
        let tag = match transfer {
            HdrTransfer::Pq => TransferCharacteristic::SMPTE2084,
            HdrTransfer::Hlg => TransferCharacteristic::ARIB_STD_B67,
        };
        if self.transfer == tag {
            return self;
        }
        Colour {
            primaries: Primaries::BT2020,
            transfer: tag,
            matrix: if self.matrix == Space::RGB {
                Space::RGB
            } else {
                Space::BT2020NCL
            },
            ..self
        }
    }

    /// The colour renditions of pictures like these are written in: the
    /// same primaries and transfer, the same matrix (RGB gets the matrix
    /// that goes with its primaries, BT.709 by default), limited range,
    /// which every player and codec takes.
    pub fn encoded(self) -> Colour {
        Colour {
            matrix: match (self.matrix, self.primaries) {
                (Space::RGB, Primaries::BT470BG) => Space::BT470BG,
                (Space::RGB, Primaries::SMPTE170M) => Space::SMPTE170M,
                (Space::RGB, Primaries::BT2020) => Space::BT2020NCL,
                (Space::RGB, _) => Space::BT709,
                (matrix, _) => matrix,
            },
            full_range: false,
            ..self
        }
    }

    /// The `scale` filter's options reading pictures in this colour and
    /// writing them in `to` (YUV), or in RGB for a thumbnail when `to` is
    /// `None`, each after a colon (to follow `scale=W:H`). Nothing is left
    /// to the frames' own tags, which are missing exactly when a guess
    /// matters. When nothing changes, the options keep the filter's
    /// pass-through of same-size pictures.
    pub fn scale_options(self, to: Option<Colour>) -> String {
        let range = |full: bool| if full { "pc" } else { "tv" };
        let mut options = Vec::new();
        let reads = scale_matrix_name(self.matrix);
        if let Some(name) = reads {
            options.push(format!("in_color_matrix={name}"));
        }
        if self.matrix != Space::RGB {
            // RGB input has no range of its own for swscale to convert.
            options.push(format!("in_range={}", range(self.full_range)));
        }
        if let Some(to) = to {
            let writes = scale_matrix_name(to.matrix).unwrap_or("bt709");
            if reads != Some(writes) {
                options.push(format!("out_color_matrix={writes}"));
            }
            options.push(format!("out_range={}", range(to.full_range)));
        }
        options.iter().map(|o| format!(":{o}")).collect()
    }

    /// Kr and Kb of the Y'CbCr matrix pictures are read with, for the
    /// matrices swscale knows (`scale_matrix_name`).
    pub fn luma_weights(self) -> Option<(f64, f64)> {
        match scale_matrix_name(self.matrix)? {
            "bt709" => Some(BT709_LUMA_WEIGHTS),
            "bt601" => Some(BT601_LUMA_WEIGHTS),
            "fcc" => Some((0.30, 0.11)),
            "smpte240m" => Some((0.212, 0.087)),
            "bt2020" => Some(BT2020_LUMA_WEIGHTS),
            _ => None,
        }
    }

    /// Sets the encoder's colour fields, which it writes into the stream
    /// (H.264/HEVC VUI, VP9 and AV1 headers) and the muxer into the
    /// container (MP4 `colr`, WebM `Colour`).
    pub fn tag_encoder(self, encoder: &mut encoder::video::Video) {
        encoder.set_color_primaries(self.primaries);
        encoder.set_color_transfer_characteristic(self.transfer);
        encoder.set_colorspace(self.matrix);
        encoder.set_color_range(self.range());
    }

    /// Sets a frame's colour fields, so every filter and encoder that reads
    /// them reads these.
    pub fn tag_frame(self, frame: &mut frame::Video) {
        frame.set_color_primaries(self.primaries);
        frame.set_color_transfer_characteristic(self.transfer);
        frame.set_color_space(self.matrix);
        frame.set_color_range(self.range());
    }

    fn range(self) -> Range {
        if self.full_range {
            Range::JPEG
        } else {
            Range::MPEG
        }
    }
}

/// Whether pictures of this format are stored as RGB.
fn is_rgb(format: Pixel) -> bool {
    let format: ffmpeg_next::ffi::AVPixelFormat = format.into();
    // SAFETY: av_pix_fmt_desc_get takes any value and returns a static
    // descriptor or null.
    let descriptor = unsafe { ffmpeg_next::ffi::av_pix_fmt_desc_get(format) };
    // SAFETY: a non-null descriptor is a static table entry.
    !descriptor.is_null()
        && unsafe { (*descriptor).flags } & ffmpeg_next::ffi::AV_PIX_FMT_FLAG_RGB as u64 != 0
}

/// The deprecated JPEG pixel formats, full range by definition.
fn is_jpeg_range(format: Pixel) -> bool {
    matches!(
        format,
        Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P | Pixel::YUVJ440P | Pixel::YUVJ411P
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untagged() -> ColourTags {
        ColourTags {
            primaries: Primaries::Unspecified,
            transfer: TransferCharacteristic::Unspecified,
            matrix: Space::Unspecified,
            range: Range::Unspecified,
        }
    }

    #[test]
    fn untagged_sources_are_read_as_players_guess() {
        let hd = Colour::of_source(untagged(), false, false, (1920, 1080));
        assert_eq!(
            (hd.primaries, hd.transfer, hd.matrix, hd.full_range),
            (
                Primaries::BT709,
                TransferCharacteristic::BT709,
                Space::BT709,
                false
            )
        );
        let ntsc = Colour::of_source(untagged(), false, false, (720, 480));
        assert_eq!(
            (ntsc.primaries, ntsc.matrix),
            (Primaries::SMPTE170M, Space::SMPTE170M)
        );
        let pal = Colour::of_source(untagged(), false, false, (720, 576));
        assert_eq!(
            (pal.primaries, pal.matrix),
            (Primaries::BT470BG, Space::BT470BG)
        );
        // 1280x720 is HD; a portrait phone clip too.
        assert_eq!(
            Colour::of_source(untagged(), false, false, (1280, 720)).matrix,
            Space::BT709
        );
        assert_eq!(
            Colour::of_source(untagged(), false, false, (720, 1280)).matrix,
            Space::BT709
        );
    }

    #[test]
    fn tags_win_and_each_missing_one_is_guessed_from_the_size() {
        let tags = ColourTags {
            matrix: Space::BT709,
            ..untagged()
        };
        let small = Colour::of_source(tags, false, false, (640, 360));
        assert_eq!(small.matrix, Space::BT709);
        assert_eq!(small.primaries, Primaries::SMPTE170M);
        let tags = ColourTags {
            primaries: Primaries::BT2020,
            transfer: TransferCharacteristic::SMPTE2084,
            matrix: Space::BT2020NCL,
            range: Range::MPEG,
        };
        let hdr = Colour::of_source(tags, false, false, (3840, 2160));
        assert_eq!(
            (hdr.primaries, hdr.transfer, hdr.matrix, hdr.full_range),
            (
                Primaries::BT2020,
                TransferCharacteristic::SMPTE2084,
                Space::BT2020NCL,
                false
            )
        );
    }

    #[test]
    fn an_untagged_hdr_stream_reads_as_bt2100() {
        let guessed = Colour::of_source(untagged(), false, false, (1920, 1080));
        let pq = guessed.with_hdr(HdrTransfer::Pq);
        assert_eq!(
            (pq.primaries, pq.transfer, pq.matrix),
            (
                Primaries::BT2020,
                TransferCharacteristic::SMPTE2084,
                Space::BT2020NCL
            )
        );
        // Tagged already: unchanged.
        assert_eq!(pq.with_hdr(HdrTransfer::Pq), pq);
    }

    #[test]
    fn full_range_comes_from_the_tag_or_a_jpeg_format() {
        let pc = ColourTags {
            range: Range::JPEG,
            ..untagged()
        };
        assert!(Colour::of_source(pc, false, false, (1920, 1080)).full_range);
        assert!(Colour::of_source(untagged(), false, true, (1920, 1080)).full_range);
        assert!(!Colour::of_source(untagged(), false, false, (1920, 1080)).full_range);
        assert!(is_jpeg_range(Pixel::YUVJ420P));
        assert!(!is_jpeg_range(Pixel::YUV420P));
        assert!(is_rgb(Pixel::RGB24) && is_rgb(Pixel::GBRP));
        assert!(!is_rgb(Pixel::YUV420P10LE));
    }

    #[test]
    fn renditions_keep_the_matrix_and_go_limited_range() {
        let source = Colour::of_source(
            ColourTags {
                range: Range::JPEG,
                ..untagged()
            },
            false,
            true,
            (640, 480),
        );
        let out = source.encoded();
        assert_eq!(out.matrix, Space::SMPTE170M);
        assert!(!out.full_range);
        assert_eq!(
            source.scale_options(Some(out)),
            ":in_color_matrix=bt601:in_range=pc:out_range=tv"
        );
        // Nothing to convert: only the reading is pinned down.
        assert_eq!(
            out.scale_options(Some(out.encoded())),
            ":in_color_matrix=bt601:in_range=tv:out_range=tv"
        );
    }

    #[test]
    fn rgb_sources_are_written_with_the_matrix_of_their_primaries() {
        let rgb = Colour::of_source(untagged(), true, false, (1920, 1080));
        assert_eq!(rgb.matrix, Space::RGB);
        let out = rgb.encoded();
        assert_eq!(out.matrix, Space::BT709);
        assert_eq!(
            rgb.scale_options(Some(out)),
            ":out_color_matrix=bt709:out_range=tv"
        );
        let sd = Colour::of_source(untagged(), true, false, (640, 480)).encoded();
        assert_eq!(
            (sd.primaries, sd.matrix),
            (Primaries::SMPTE170M, Space::SMPTE170M)
        );
        let srgb = ColourTags {
            primaries: Primaries::BT709,
            transfer: TransferCharacteristic::IEC61966_2_1,
            ..untagged()
        };
        let srgb = Colour::of_source(srgb, true, false, (640, 480)).encoded();
        assert_eq!(srgb.matrix, Space::BT709);
    }

    #[test]
    fn thumbnails_read_with_the_sources_matrix_and_range() {
        let hd = Colour::of_source(untagged(), false, false, (1920, 1080));
        assert_eq!(hd.scale_options(None), ":in_color_matrix=bt709:in_range=tv");
        let tags = ColourTags {
            matrix: Space::YCGCO,
            ..untagged()
        };
        // A matrix swscale cannot read is read as the size suggests.
        let odd = Colour::of_source(tags, false, false, (720, 480));
        assert_eq!(
            odd.scale_options(None),
            ":in_color_matrix=bt601:in_range=tv"
        );
        // RGB needs no options to become RGB.
        let rgb = Colour::of_source(untagged(), true, false, (640, 480));
        assert_eq!(rgb.scale_options(None), "");
    }
}
