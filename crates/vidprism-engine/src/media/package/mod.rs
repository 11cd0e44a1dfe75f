//! Streaming bundles: a packaged preset's rungs, once encoded with their
//! keyframes on the same source frames, become fragmented MP4 (CMAF) files
//! of video only, one shared audio file, HLS playlists and a DASH manifest
//! over the same bytes, and a player page (`index.html`, with hls.js).
//!
//! Every file of the bundle is written under a temporary name in the job's
//! folder and moved into place when complete (`output::StagedFile`): the
//! media first, the page next, the master playlist and the MPD last, so a
//! manifest never names a file that is not there. Files are created and
//! read only through `plain_file`, under names made here from the job's
//! sanitized rendition names: nothing is written outside the job folder.

mod boxes;
mod codec_string;
mod dash;
mod hls;
mod page;
mod remux;
mod track;

use std::path::{Path, PathBuf};

use ffmpeg_next::media;

use self::track::Track;
use crate::error::{Error, Result};
use crate::output::StagedFile;
use crate::presets::Packaging;

pub use self::dash::MANIFEST;
pub use self::hls::MASTER;
pub use self::page::PAGE;

/// A rung the transcode finished, to package.
#[derive(Clone, Debug)]
pub struct RungInput {
    /// The rung's name in the bundle (its file is `<name>.mp4`).
    pub name: String,
    /// The transcode's complete (temporary) file: video and the job's
    /// shared audio.
    pub file: PathBuf,
}

/// What a bundle is made of besides its rungs.
#[derive(Clone, Copy, Debug)]
pub struct BundleSpec<'a> {
    /// The job's folder: the bundle's files are written directly in it.
    pub dir: &'a Path,
    pub packaging: Packaging,
    /// The page's title (the source's name).
    pub title: &'a str,
    /// The job's thumbnail file name, the page's poster when the folder
    /// has no `poster.jpg`.
    pub thumbnail: &'a str,
    /// Put before the names of the audio, playlists, MPD and page when a
    /// job makes more than one bundle (empty for the first).
    pub prefix: &'a str,
}

/// A rung's file, in place.
#[derive(Clone, Debug, PartialEq)]
pub struct PackagedRung {
    pub path: PathBuf,
    pub bytes: u64,
}

/// A bundle in place: its rungs in input order, and its other files.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    pub rungs: Vec<PackagedRung>,
    pub files: Vec<PathBuf>,
}

/// A file of the bundle being written.
struct Staged {
    file: StagedFile,
}

impl Staged {
    fn new(dir: &Path, name: &str) -> Staged {
        Staged {
            file: StagedFile::new(dir.join(name)),
        }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<Staged> {
        let staged = Staged::new(dir, name);
        std::fs::write(staged.file.temp_path(), bytes)
            .map_err(Error::write(staged.file.target()))?;
        Ok(staged)
    }

    fn layout(&self) -> Result<boxes::Layout> {
        let path = self.file.temp_path();
        let mut file = std::fs::File::open(path).map_err(Error::write(self.file.target()))?;
        boxes::read_layout(&mut file).map_err(|e| Error::Write {
            path: self.file.target().to_path_buf(),
            reason: format!("the fragmented MP4 just written does not read back: {e}").into(),
        })
    }
}

/// Packages `rungs` (largest first, as the preset lists them) into a
/// bundle in `spec.dir`. All or nothing: on an error no manifest is in
/// place, and files not yet moved into place are removed.
pub fn package(spec: &BundleSpec<'_>, rungs: &[RungInput]) -> Result<Bundle> {
    let delay_us = shared_delay_us(rungs)?;
    let (media_files, tracks) = stage_rungs(spec, rungs, delay_us)?;
    let (audio_file, audio_track) = stage_audio(spec, rungs, delay_us)?.unzip();
    let (texts, manifests) = stage_texts(spec, &tracks, audio_track.as_ref())?;
    // Into place: media, then playlists and page, manifests last.
    let mut bundle = Bundle {
        rungs: Vec::new(),
        files: Vec::new(),
    };
    for staged in media_files {
        let path = staged.file.target().to_path_buf();
        let bytes = staged.file.commit()?;
        bundle.rungs.push(PackagedRung { path, bytes });
    }
    for staged in audio_file.into_iter().chain(texts).chain(manifests) {
        let path = staged.file.target().to_path_buf();
        staged.file.commit()?;
        bundle.files.push(path);
    }
    Ok(bundle)
}

/// How much every track is moved: the largest lead of any rung (its
/// B-frames' delay) or of the audio (AAC's priming), so all keep the
/// source's timing relative to each other and stay positive.
fn shared_delay_us(rungs: &[RungInput]) -> Result<i64> {
    let mut delay_us = 0;
    for rung in rungs {
        delay_us = delay_us.max(remux::lead_us(&rung.file, media::Type::Video)?);
    }
    if let Some(first) = rungs.first() {
        delay_us = delay_us.max(remux::lead_us(&first.file, media::Type::Audio)?);
    }
    Ok(delay_us)
}

/// Each rung's video, segmented into a staged file, and its track.
fn stage_rungs(
    spec: &BundleSpec<'_>,
    rungs: &[RungInput],
    delay_us: i64,
) -> Result<(Vec<Staged>, Vec<Track>)> {
    let mut media_files = Vec::new();
    let mut tracks = Vec::new();
    for rung in rungs {
        let staged = Staged::new(spec.dir, &format!("{}.mp4", rung.name));
        let copied = remux::copy_stream(
            &rung.file,
            media::Type::Video,
            staged.file.temp_path(),
            spec.packaging.segment_seconds,
            delay_us,
        )?
        .ok_or_else(|| Error::NoVideo {
            path: rung.file.clone(),
        })?;
        tracks.push(Track {
            name: rung.name.clone(),
            codecs: copied.codecs,
            kind: copied.kind,
            layout: staged.layout()?,
        });
        media_files.push(staged);
    }
    Ok((media_files, tracks))
}

/// The audio of the first rung (all rungs carry the same), segmented into
/// a staged file of its own, and its track; `None` without audio.
fn stage_audio(
    spec: &BundleSpec<'_>,
    rungs: &[RungInput],
    delay_us: i64,
) -> Result<Option<(Staged, Track)>> {
    let Some(first) = rungs.first() else {
        return Ok(None);
    };
    let name = format!("{}audio", spec.prefix);
    let staged = Staged::new(spec.dir, &format!("{name}.mp4"));
    let Some(copied) = remux::copy_stream(
        &first.file,
        media::Type::Audio,
        staged.file.temp_path(),
        spec.packaging.segment_seconds,
        delay_us,
    )?
    else {
        return Ok(None);
    };
    let track = Track {
        name,
        codecs: copied.codecs,
        kind: copied.kind,
        layout: staged.layout()?,
    };
    Ok(Some((staged, track)))
}

/// The bundle's text files, staged: the media playlists, the player's
/// script and the page; apart, the manifests (put in place last).
fn stage_texts(
    spec: &BundleSpec<'_>,
    tracks: &[Track],
    audio: Option<&Track>,
) -> Result<(Vec<Staged>, Vec<Staged>)> {
    let dir = spec.dir;
    let mut texts: Vec<Staged> = Vec::new();
    let master_name = format!("{}{MASTER}", spec.prefix);
    let mpd_name = format!("{}{MANIFEST}", spec.prefix);
    let writes_hls = spec.packaging.package.writes_hls();
    let writes_dash = spec.packaging.package.writes_dash();
    if writes_hls {
        for track in tracks.iter().chain(audio) {
            texts.push(Staged::write(
                dir,
                &track.playlist_file(),
                hls::media_playlist(track).as_bytes(),
            )?);
        }
        texts.push(Staged::write(dir, page::HLS_JS_FILE, page::HLS_JS)?);
    }
    let storyboard = page::read_storyboard(dir);
    let facts = page::PageFacts {
        title: spec.title,
        thumbnail: spec.thumbnail,
        hls: writes_hls.then_some(master_name.as_str()),
        dash: writes_dash.then_some(mpd_name.as_str()),
        storyboard_text: storyboard.as_deref(),
    };
    let page_name = format!("{}{PAGE}", spec.prefix);
    texts.push(Staged::write(
        dir,
        &page_name,
        page::page(tracks, audio, &facts).as_bytes(),
    )?);
    let mut manifests = Vec::new();
    if writes_hls {
        manifests.push(Staged::write(
            dir,
            &master_name,
            hls::master_playlist(tracks, audio).as_bytes(),
        )?);
    }
    if writes_dash {
        manifests.push(Staged::write(
            dir,
            &mpd_name,
            dash::manifest(tracks, audio, spec.packaging.segment_seconds).as_bytes(),
        )?);
    }
    Ok((texts, manifests))
}
