//! New references to decoded frames, so that every rendition can read the
//! same decoded picture without copying its pixels.

use ffmpeg_next::frame;

/// A new frame that shares `src`'s reference-counted buffers.
pub fn video_ref(src: &frame::Video) -> frame::Video {
    let mut dst = frame::Video::empty();
    // SAFETY: both pointers are valid AVFrames; av_frame_ref only adds a
    // reference to src's buffers and copies its properties into the empty dst.
    let status = unsafe { ffmpeg_next::ffi::av_frame_ref(dst.as_mut_ptr(), src.as_ptr()) };
    if status < 0 {
        // Out of memory: fall back to a deep copy, which reports nothing
        // either but keeps the pipeline going.
        return src.clone();
    }
    dst
}

/// The same for audio frames.
pub fn audio_ref(src: &frame::Audio) -> frame::Audio {
    let mut dst = frame::Audio::empty();
    // SAFETY: as in `video_ref`.
    let status = unsafe { ffmpeg_next::ffi::av_frame_ref(dst.as_mut_ptr(), src.as_ptr()) };
    if status < 0 {
        return src.clone();
    }
    dst
}
