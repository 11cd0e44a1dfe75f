//! The first-frame thumbnail: decode only until the first picture, make it
//! upright at the display aspect ratio (an HDR one tone-mapped to SDR), and
//! write a JPEG or PNG.

use std::path::Path;

use ffmpeg_next::{format, frame, Packet, Rational};

use super::colour::Colour;
use super::decode::{open_input, video_decoder};
use super::filter::Filter;
use super::geometry::{thumbnail_size, Rotation, Size};
use super::hdr_metadata::HdrMetadata;
use super::picture_plan::PicturePlan;
use super::probe::{stream_hdr, stream_rotation};
use super::tonemap::{sdr_to_rgb, ToneMap, ToneMapper};
use crate::error::{Error, Result};
use crate::limits::MAX_PACKETS_BEFORE_FIRST_FRAME;
use crate::presets::{ThumbnailFormat, ThumbnailSpec};

/// JPEG quality of thumbnails; 85 keeps them small and clean.
const JPEG_QUALITY: u8 = 85;

/// Decodes the first picture of `source` and writes it at `dest` in the
/// spec's format, at most the spec's width, at the probed `display` aspect
/// ratio (the container's pixel aspect, which frames of some codecs lack),
/// deinterlaced when the job's `picture` plan says so.
/// Returns the thumbnail's size.
pub fn write_thumbnail(
    source: &Path,
    dest: &Path,
    display: Size,
    spec: &ThumbnailSpec,
    picture: &PicturePlan,
) -> Result<Size> {
    let max_width = spec.width;
    let (mut input, index) = open_input(source)?;
    let stream = input
        .stream(index)
        .ok_or_else(|| Error::Internal("video stream vanished".into()))?;
    let time_base = stream.time_base();
    let frame_rate = stream.avg_frame_rate();
    let rotation = stream_rotation(&stream);
    let hdr = stream_hdr(&stream);
    let hdr_metadata = HdrMetadata::of_stream(&stream);
    // One thread: frame threading would delay the first picture by several frames.
    let mut decoder = video_decoder(&input, index, 1, source)?;
    let mut first = first_frame(&mut input, index, &mut decoder, source)?;
    if let Some(mut filter) = picture.filter(time_base, frame_rate) {
        let next = match picture.needs_next_picture() {
            true => first_frame(&mut input, index, &mut decoder, source).ok(),
            false => None,
        };
        for mut picture in [Some(first), next].into_iter().flatten() {
            let pts = picture.timestamp();
            picture.set_pts(pts);
            filter.push(&picture)?;
        }
        filter.finish()?;
        first = filter
            .pull()
            .ok_or_else(|| Error::Internal("the picture filter gave no picture".into()))?;
    }
    // Converted to RGB with the source's own matrix and range (or what
    // players assume of an untagged one), which makes sRGB for BT.709.
    let colour = Colour::of_decoder(&decoder);
    colour.tag_frame(&mut first);

    let size = thumbnail_size(display, max_width);
    // HDR is tone-mapped to SDR BT.709 (sRGB's primaries).
    let (colour, tone_map) = match hdr {
        Some(hdr) => {
            let colour = colour.with_hdr(hdr.transfer);
            colour.tag_frame(&mut first);
            let metadata = hdr_metadata.or_frame(&first);
            (colour, Some(ToneMap::new(hdr, &metadata)))
        }
        None => (colour, None),
    };
    let mut to_rgb = ToRgb::new(&first, time_base, colour, rotation, size, tone_map)?;
    to_rgb.push(&first)?;
    to_rgb.finish()?;
    let rgb = to_rgb
        .pull()
        .ok_or_else(|| Error::Internal("the thumbnail filter gave no picture".into()))?;
    let pixels = packed_rgb(&rgb);
    let file = std::fs::File::create(dest).map_err(Error::write(dest))?;
    let mut writer = std::io::BufWriter::new(file);
    let (width, height, color) = (rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8);
    match spec.format {
        ThumbnailFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY)
                .encode(&pixels, width, height, color)
        }
        ThumbnailFormat::Png => {
            use image::ImageEncoder;
            image::codecs::png::PngEncoder::new(&mut writer)
                .write_image(&pixels, width, height, color)
        }
        ThumbnailFormat::Webp => image::codecs::webp::WebPEncoder::new_lossless(&mut writer)
            .encode(&pixels, width, height, color),
    }
    .map_err(|e| Error::Write {
        path: dest.to_path_buf(),
        reason: e.into(),
    })?;
    writer
        .into_inner()
        .map_err(|e| Error::write(dest)(e.into_error()))?
        .sync_all()
        .map_err(Error::write(dest))?;
    Ok(Size::new(rgb.width(), rgb.height()))
}

/// Reads packets until the decoder gives its first picture.
pub(crate) fn first_frame(
    input: &mut format::context::Input,
    index: usize,
    decoder: &mut ffmpeg_next::decoder::Video,
    source: &Path,
) -> Result<frame::Video> {
    let mut frame = frame::Video::empty();
    let mut video_packets = 0usize;
    let mut packet = Packet::empty();
    while super::decode::next_packet(&mut packet, input, source)? {
        if packet.stream() != index {
            continue;
        }
        video_packets += 1;
        if video_packets > MAX_PACKETS_BEFORE_FIRST_FRAME {
            break;
        }
        // A packet the decoder rejects (a stream starting mid-GOP, damaged
        // data) is skipped: the first decodable picture is what we want.
        let _ = decoder.send_packet(&packet);
        if decoder.receive_frame(&mut frame).is_ok() {
            return Ok(frame);
        }
    }
    let _ = decoder.send_eof();
    if decoder.receive_frame(&mut frame).is_ok() {
        return Ok(frame);
    }
    Err(Error::NoDecodableFrame {
        path: source.to_path_buf(),
    })
}

/// Makes upright packed RGB pictures of one size from a source's
/// pictures: a scale in the source's colour, or for an HDR source its
/// tone-mapper, scaling first so a 4K picture costs no more than a small
/// one (the thumbnail, the storyboard's tiles and poster).
pub(super) enum ToRgb {
    Scale(Filter),
    ToneMap(ToneMapper),
}

impl ToRgb {
    /// For pictures like `first` (in `time_base`, read as `colour`), turned
    /// by `rotation`, made `size` once upright.
    pub fn new(
        first: &frame::Video,
        time_base: Rational,
        colour: Colour,
        rotation: Rotation,
        size: Size,
        tone_map: Option<ToneMap>,
    ) -> Result<ToRgb> {
        let before_rotation = size.unrotated(rotation);
        Ok(match tone_map {
            Some(tone_map) => ToRgb::ToneMap(tone_map.mapper(
                first,
                time_base,
                colour,
                Some((before_rotation.width, before_rotation.height)),
                Some(&sdr_to_rgb(rotation.filter_prefix())),
            )?),
            None => {
                let chain = format!(
                    "scale={}:{}:flags=bicubic{},{}format=rgb24",
                    before_rotation.width,
                    before_rotation.height,
                    colour.scale_options(None),
                    rotation.filter_prefix()
                );
                ToRgb::Scale(Filter::video(first, time_base, &chain)?)
            }
        })
    }

    pub fn push(&mut self, picture: &frame::Video) -> Result<()> {
        match self {
            ToRgb::Scale(filter) => filter.push(picture),
            ToRgb::ToneMap(mapper) => mapper.push(picture),
        }
    }

    /// The end of the pictures: what the filters hold comes out.
    pub fn finish(&mut self) -> Result<()> {
        match self {
            ToRgb::Scale(filter) => filter.finish(),
            ToRgb::ToneMap(mapper) => mapper.finish(),
        }
    }

    /// The next RGB picture, when one is ready.
    pub fn pull(&mut self) -> Option<frame::Video> {
        match self {
            ToRgb::Scale(filter) => {
                let mut rgb = frame::Video::empty();
                filter.pull(&mut rgb).then_some(rgb)
            }
            ToRgb::ToneMap(mapper) => mapper.pull(),
        }
    }
}

/// Copies an RGB24 frame row by row: FFmpeg pads each row to its stride.
pub(super) fn packed_rgb(rgb: &frame::Video) -> Vec<u8> {
    let width_bytes = rgb.width() as usize * 3;
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let mut out = Vec::with_capacity(width_bytes * rgb.height() as usize);
    for row in data.chunks(stride).take(rgb.height() as usize) {
        out.extend_from_slice(&row[..width_bytes]);
    }
    out
}
