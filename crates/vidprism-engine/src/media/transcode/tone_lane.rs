//! The job's one tone-mapper: a thread between the decoder and the SDR
//! renditions of an HDR source. It takes the decoded pictures from its own
//! lane, tone-maps each once (`media/tonemap.rs`) and hands the result to
//! every SDR rendition fed from the source (smaller ones cascade from
//! those as usual), so the costly conversion is not repeated per rendition
//! and the HDR renditions get the untouched 10-bit frames. When the
//! largest of those renditions is smaller than the source, the pictures
//! are scaled to its size first (in the source's colour), so a 4K phone
//! clip made into a 1080p ladder is tone-mapped at a quarter of the cost.

use std::collections::HashMap;

use crossbeam_channel::{Receiver, Sender};
use ffmpeg_next::Rational;

use super::lane::Message;
use crate::error::{Error, Result};
use crate::media::colour::Colour;
use crate::media::frame_ref::video_ref;
use crate::media::geometry::Size;
use crate::media::tonemap::{ToneMap, ToneMapper};

/// Tone-maps every picture of `frames` and sends it on to `children`,
/// then their end, scaled down to `largest` (the largest child's size
/// before rotation) when that is smaller. Returns when the source is read
/// (`End`) or abandoned.
pub fn run_tone_mapper(
    tone_map: ToneMap,
    reads: Colour,
    time_base: Rational,
    largest: Option<Size>,
    frames: Receiver<Message>,
    mut children: Vec<Sender<Message>>,
) -> Result<()> {
    let mut mapper: Option<ToneMapper> = None;
    // Durations by presentation time: the filter keeps timestamps but not
    // the durations the decoder gave.
    let mut durations: HashMap<i64, i64> = HashMap::new();
    let send = |mapper: &mut ToneMapper,
                durations: &mut HashMap<i64, i64>,
                children: &mut Vec<Sender<Message>>| {
        while let Some(out) = mapper.pull() {
            let duration = out.pts().and_then(|p| durations.remove(&p)).unwrap_or(0);
            // A child that hung up has failed on its own.
            children.retain(|c| c.send(Message::Video(video_ref(&out), duration)).is_ok());
        }
    };
    loop {
        match frames.recv() {
            Ok(Message::Video(mut picture, duration)) => {
                reads.tag_frame(&mut picture);
                if mapper.is_none() {
                    let source = Size::new(picture.width(), picture.height());
                    let scale = tone_mapped_size(source, largest);
                    mapper = Some(tone_map.mapper(&picture, time_base, reads, scale, None)?);
                }
                if let Some(pts) = picture.pts() {
                    durations.insert(pts, duration);
                }
                if let Some(mapper) = mapper.as_mut() {
                    mapper.push(&picture)?;
                    send(mapper, &mut durations, &mut children);
                }
                if children.is_empty() {
                    return Ok(());
                }
            }
            Ok(Message::Packet(..)) => {}
            Ok(Message::End) => {
                if let Some(mapper) = mapper.as_mut() {
                    mapper.finish()?;
                    send(mapper, &mut durations, &mut children);
                }
                for child in children {
                    let _ = child.send(Message::End);
                }
                return Ok(());
            }
            Err(_) => return Err(Error::Cancelled),
        }
    }
}

/// The size to tone-map pictures of `source` at: the largest rendition's
/// (`largest`, before rotation) when it is smaller in both directions,
/// otherwise the source's own (`None`, no scaling).
fn tone_mapped_size(source: Size, largest: Option<Size>) -> Option<(u32, u32)> {
    largest
        .filter(|l| {
            l.width <= source.width
                && l.height <= source.height
                && (l.width, l.height) != (source.width, source.height)
        })
        .map(|l| (l.width, l.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_tone_mapped_at_the_largest_renditions_size_only_when_smaller() {
        let uhd = Size::new(3840, 2160);
        assert_eq!(
            tone_mapped_size(uhd, Some(Size::new(1920, 1080))),
            Some((1920, 1080))
        );
        // Same size, larger in one direction, or unknown: left as it is.
        assert_eq!(tone_mapped_size(uhd, Some(uhd)), None);
        assert_eq!(tone_mapped_size(uhd, Some(Size::new(4096, 1080))), None);
        assert_eq!(tone_mapped_size(uhd, None), None);
    }
}
