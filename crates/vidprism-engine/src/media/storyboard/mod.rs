//! The storyboard: small tiles over the whole video in sprite JPEGs and a
//! WebVTT file pointing into them, and for `poster = "best"` the most
//! representative of those pictures as `poster.jpg`.
//!
//! Made from the pictures the transcode already decodes: the decode loop
//! holds a [`StoryboardTap`], which at each tile's time sends a reference to
//! the picture on screen down a small channel to the storyboard thread
//! ([`make_storyboard`]); that thread scales it to a tile, scores it for the
//! poster and fills the sprites. Every file is staged, and the stage commits
//! them only when the whole source was read.

mod schedule;
mod vtt;

use std::path::PathBuf;

use crossbeam_channel::{Receiver, Sender};
use ffmpeg_next::{frame, Rational};

pub use self::schedule::{Grid, Schedule};
pub use self::vtt::{parse_vtt, vtt_text, StoryboardCue, VttError};
use super::frame_ref::video_ref;
use super::geometry::Size;
use super::poster_score::PictureScore;
use super::rendition_writer::SourceTiming;
use super::thumbnail::{packed_rgb, ToRgb};
use super::tonemap::ToneMap;
use crate::error::{Error, Result};
use crate::output::{storyboard_sprite_name, StagedFile, POSTER_FILE, STORYBOARD_VTT};
use crate::presets::TileSpacing;

/// JPEG quality of sprites and the poster.
const JPEG_QUALITY: u8 = 80;
/// Pictures waiting for the storyboard thread; it is far faster than the
/// decoder, so this only smooths bursts.
pub(crate) const PICTURES_IN_FLIGHT: usize = 4;
/// Decoded pictures between two signs of life to the stall watch.
const PROGRESS_EVERY: u64 = 25;

/// A storyboard to make, and maybe a poster.
#[derive(Clone, Debug)]
pub struct StoryboardTarget {
    pub spacing: TileSpacing,
    pub grid: Grid,
    /// The probed duration, which places the tiles.
    pub duration_s: Option<f64>,
    /// The job's folder: the files go there.
    pub dir: PathBuf,
    /// The poster's size (the thumbnail's) when it picks the best tile.
    pub poster: Option<Size>,
}

/// The files a storyboard made, staged: the caller commits them (the VTT
/// last) once the whole source was read.
#[derive(Debug)]
pub struct StoryboardFiles {
    pub sprites: Vec<StagedFile>,
    pub poster: Option<StagedFile>,
    pub vtt: StagedFile,
    pub tiles: usize,
    pub tile: Size,
}

/// What the decode loop sends to the storyboard thread.
pub(crate) enum Picture {
    /// A picture (a new reference) and the tiles it is the picture of:
    /// `count` tiles from `first`.
    Tiles {
        frame: frame::Video,
        first: usize,
        count: usize,
    },
    /// The whole source was read; the video ends at this time (seconds).
    End(f64),
}

/// The decode loop's side: which decoded pictures are tiles.
pub(crate) struct StoryboardTap<'env> {
    sender: Option<Sender<Picture>>,
    schedule: Schedule,
    next: usize,
    time_base: Rational,
    frames: u64,
    /// Tells the stall watch the decode goes on (a storyboard alone has no
    /// encoder to report progress).
    alive: Box<dyn Fn(f64, u64) + 'env>,
}

impl<'env> StoryboardTap<'env> {
    pub fn new(
        target: &StoryboardTarget,
        time_base: Rational,
        sender: Sender<Picture>,
        alive: Box<dyn Fn(f64, u64) + 'env>,
    ) -> StoryboardTap<'env> {
        StoryboardTap {
            sender: Some(sender),
            schedule: Schedule::new(target.spacing, target.duration_s),
            next: 0,
            time_base,
            frames: 0,
            alive,
        }
    }

    /// Whether the storyboard thread still takes pictures.
    pub fn is_open(&self) -> bool {
        self.sender.is_some()
    }

    /// Looks at a decoded picture shown for `duration` (time base units):
    /// sends it when a tile starts while it is on screen.
    pub fn offer(&mut self, frame: &frame::Video, duration: i64) {
        self.frames += 1;
        let Some(pts) = frame.pts() else {
            return;
        };
        let tb = f64::from(self.time_base);
        let shown_until_s = (pts + duration.max(1)) as f64 * tb;
        if self.frames.is_multiple_of(PROGRESS_EVERY) {
            (self.alive)(pts as f64 * tb, self.frames);
        }
        let count = self.schedule.starting_before(self.next, shown_until_s);
        if count == 0 {
            return;
        }
        let first = self.next;
        self.next += count;
        self.send(Picture::Tiles {
            frame: video_ref(frame),
            first,
            count,
        });
    }

    /// The whole source was read, its video ending at `end_s`.
    pub fn finish(&mut self, end_s: f64) {
        self.send(Picture::End(end_s));
    }

    fn send(&mut self, picture: Picture) {
        if let Some(sender) = &self.sender {
            if sender.send(picture).is_err() {
                // The storyboard thread failed; its result says why.
                self.sender = None;
            }
        }
    }
}

/// The storyboard thread: makes the tiles, sprites, poster and VTT of
/// `target` from the pictures of `pictures`. Without an `End` (a failed or
/// cancelled decode) it stops with [`Error::Cancelled`], its staged files
/// removed.
pub(crate) fn make_storyboard(
    target: &StoryboardTarget,
    timing: &SourceTiming,
    tone_map: Option<ToneMap>,
    pictures: Receiver<Picture>,
) -> Result<StoryboardFiles> {
    let mut maker = Maker {
        target,
        timing,
        tone_map,
        to_rgb: None,
        sprite: None,
        sprites: Vec::new(),
        taken: 0,
        best: None,
    };
    loop {
        match pictures.recv() {
            Ok(Picture::Tiles {
                mut frame,
                first,
                count,
            }) => {
                timing.colour.tag_frame(&mut frame);
                maker.add(frame, first, count)?;
            }
            Ok(Picture::End(end_s)) => return maker.finish(end_s),
            Err(_) => return Err(Error::Cancelled),
        }
    }
}

/// The storyboard thread's state.
struct Maker<'a> {
    target: &'a StoryboardTarget,
    timing: &'a SourceTiming,
    /// How an HDR source's pictures become SDR.
    tone_map: Option<ToneMap>,
    /// Scales pictures to tiles; built from the first picture.
    to_rgb: Option<ToRgb>,
    /// The sprite being filled: its index and pixels.
    sprite: Option<(usize, image::RgbImage)>,
    sprites: Vec<StagedFile>,
    taken: usize,
    /// The best poster candidate so far: its score and picture.
    best: Option<(f64, frame::Video)>,
}

impl Maker<'_> {
    fn add(&mut self, frame: frame::Video, first: usize, count: usize) -> Result<()> {
        if first != self.taken {
            return Err(Error::Internal(format!(
                "storyboard tile {first} came after {} tiles",
                self.taken
            )));
        }
        let grid = self.target.grid;
        let candidate = self.target.poster.map(|_| video_ref(&frame));
        let tile = scale_to_rgb(
            &mut self.to_rgb,
            frame,
            grid.tile,
            self.timing,
            self.tone_map,
        )?;
        if let Some(candidate) = candidate {
            let score =
                PictureScore::of_rgb(&tile, grid.tile.width as usize, grid.tile.height as usize)
                    .value();
            if self.best.as_ref().is_none_or(|(best, _)| score > *best) {
                self.best = Some((score, candidate));
            }
        }
        for k in first..first + count {
            let (sprite, x, y) = grid.place(k);
            if self.sprite.as_ref().is_some_and(|(i, _)| *i != sprite) {
                self.write_sprite()?;
            }
            let (_, pixels) = self.sprite.get_or_insert_with(|| {
                let full = grid.sprite_size(grid.per_sprite());
                (sprite, image::RgbImage::new(full.width, full.height))
            });
            let row_bytes = grid.tile.width as usize * 3;
            for (row, line) in tile.chunks_exact(row_bytes).enumerate() {
                let start = ((y as usize + row) * pixels.width() as usize + x as usize) * 3;
                if let Some(dest) = pixels.get_mut(start..start + row_bytes) {
                    dest.copy_from_slice(line);
                }
            }
            self.taken += 1;
        }
        Ok(())
    }

    /// Writes the sprite being filled, as tall as the rows it uses.
    fn write_sprite(&mut self) -> Result<()> {
        let Some((index, pixels)) = self.sprite.take() else {
            return Ok(());
        };
        let grid = self.target.grid;
        let in_sprite = self.taken - index * grid.per_sprite();
        let size = grid.sprite_size(in_sprite);
        let used = image::imageops::crop_imm(&pixels, 0, 0, size.width, size.height).to_image();
        let staged = StagedFile::new(self.target.dir.join(storyboard_sprite_name(index + 1)));
        write_jpeg(staged.temp_path(), used.as_raw(), size)?;
        self.sprites.push(staged);
        Ok(())
    }

    fn finish(mut self, end_s: f64) -> Result<StoryboardFiles> {
        self.write_sprite()?;
        let poster = match (self.best.take(), self.target.poster) {
            (Some((_, frame)), Some(size)) => {
                let staged = StagedFile::new(self.target.dir.join(POSTER_FILE));
                let pixels = scale_to_rgb(&mut None, frame, size, self.timing, self.tone_map)?;
                write_jpeg(staged.temp_path(), &pixels, size)?;
                Some(staged)
            }
            _ => None,
        };
        let schedule = Schedule::new(self.target.spacing, self.target.duration_s);
        let cues = schedule::cues(&schedule, &self.target.grid, self.taken, end_s);
        let vtt = StagedFile::new(self.target.dir.join(STORYBOARD_VTT));
        let path = vtt.temp_path();
        std::fs::write(path, vtt_text(&cues)).map_err(Error::write(path))?;
        Ok(StoryboardFiles {
            sprites: self.sprites,
            poster,
            vtt,
            tiles: self.taken,
            tile: self.target.grid.tile,
        })
    }
}

/// Scales a picture (upright, in the source's colour, tone-mapped when
/// HDR) to packed RGB of `size`, building `to_rgb` from it when there is
/// none yet.
fn scale_to_rgb(
    to_rgb: &mut Option<ToRgb>,
    frame: frame::Video,
    size: Size,
    timing: &SourceTiming,
    tone_map: Option<ToneMap>,
) -> Result<Vec<u8>> {
    let to_rgb = match to_rgb {
        Some(to_rgb) => to_rgb,
        None => to_rgb.insert(ToRgb::new(
            &frame,
            timing.video_time_base,
            timing.colour,
            timing.rotation,
            size,
            tone_map,
        )?),
    };
    to_rgb.push(&frame)?;
    match to_rgb.pull() {
        Some(rgb) if rgb.width() == size.width && rgb.height() == size.height => {
            Ok(packed_rgb(&rgb))
        }
        _ => Err(Error::Internal(
            "the storyboard filter gave no picture of the tile's size".into(),
        )),
    }
}

fn write_jpeg(path: &std::path::Path, pixels: &[u8], size: Size) -> Result<()> {
    let file = std::fs::File::create(path).map_err(Error::write(path))?;
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY)
        .encode(
            pixels,
            size.width,
            size.height,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Write {
            path: path.to_path_buf(),
            reason: e.into(),
        })?;
    writer
        .into_inner()
        .map_err(|e| Error::write(path)(e.into_error()))?
        .sync_all()
        .map_err(Error::write(path))
}
