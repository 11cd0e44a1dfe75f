//! A thin safe layer over ffmpeg-next: probe a source, decode its first frame
//! into a thumbnail, and transcode it into several renditions at once.
//!
//! Everything FFmpeg-specific lives under this module; the pipeline only sees
//! [`SourceInfo`], [`RenditionTarget`] and the crate's [`Error`](crate::Error).

mod audio_copy;
mod audio_encoder;
mod capabilities;
mod colour;
mod comb;
mod crop_detect;
mod decode;
mod deinterlace;
mod filter;
mod frame_fetch;
mod frame_ref;
pub mod geometry;
mod hdr;
mod hdr_metadata;
mod luma;
mod metadata;
mod package;
mod picture_plan;
mod plain_file;
mod poster_score;
mod probe;
pub mod quality;
mod rendition_writer;
mod sample;
mod sample_cut;
mod scaler;
mod storyboard;
mod subtitles;
mod thumbnail;
mod tone_lut;
mod tonemap;
mod transcode;

pub use capabilities::{has_encoder, missing_encoders};
pub use decode::check_source;
pub use deinterlace::Deinterlace;
pub use frame_fetch::{poster_moment, FrameReader, RgbPicture};
pub use hdr::{Hdr, HdrTransfer};
pub use package::{package, Bundle, BundleSpec, PackagedRung, RungInput};
pub use picture_plan::{plan_pictures, PicturePlan};
pub use probe::{probe, SourceInfo};
pub use rendition_writer::takes_fractional_crf;
pub use sample_cut::{cut_sample, SampleCut, SAMPLE_EXTENSION};
pub use storyboard::{parse_vtt, Grid, StoryboardCue, StoryboardFiles, StoryboardTarget, VttError};
pub use subtitles::{SkippedTrack, TrackKind};
pub use thumbnail::write_thumbnail;
pub use transcode::{
    search_targets, transcode, transcode_with_storyboard, RenditionProgress, RenditionTarget,
    RenditionTracks, SampleSearch, Transcoded,
};

use std::sync::Once;

/// Initialises FFmpeg once per process and keeps its logging quiet: errors
/// reach users through our own messages, not through FFmpeg's stderr.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // ffmpeg::init only registers devices on FFmpeg 5+, which cannot fail
        // in a way we could act on.
        let _ = ffmpeg_next::init();
        let level = match std::env::var("VIDPRISM_FFMPEG_LOG").as_deref() {
            Ok("debug") => ffmpeg_next::log::Level::Debug,
            Ok("info") => ffmpeg_next::log::Level::Info,
            Ok("warning") => ffmpeg_next::log::Level::Warning,
            _ => ffmpeg_next::log::Level::Fatal,
        };
        ffmpeg_next::log::set_level(level);
    });
}
