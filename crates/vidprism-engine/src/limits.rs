//! Sanity limits on what a source file may claim, so that a hostile file
//! cannot make us allocate without bound. Pure data, declared here once:
//! the media layer checks sources against them and the preset rules keep
//! rendition sizes inside them, without either importing the other.

/// Largest width or height of a source picture we accept, and so of any
/// rendition a preset may ask for.
pub const MAX_DIMENSION: u32 = 8192;
/// Most streams a source container may hold.
pub const MAX_STREAMS: u32 = 64;
/// Video packets read while looking for the first decodable frame.
pub const MAX_PACKETS_BEFORE_FIRST_FRAME: usize = 3000;
/// Video packets read from a seek's keyframe to the picture at the time
/// asked for (the compare view's frame fetch), or to the next picture.
pub const MAX_PACKETS_TO_A_TIME: usize = 3000;
/// Most storyboard tiles of one video, and so most tiles a preset may ask
/// for and a farm worker may announce. A video long enough (or claiming
/// to be: two frames days apart) to need more at its preset's interval
/// gets its tiles spread evenly further apart instead, with a log line.
pub const MAX_STORYBOARD_TILES: u32 = 2000;
/// Longest side of a storyboard sprite in pixels: bounds the memory a
/// sprite takes while it is filled, and what the window decodes of one.
pub const MAX_SPRITE_SIDE: u32 = 4096;
/// Largest source a farm worker fetches: a larger declared size is refused.
pub const MAX_SOURCE_BYTES: u64 = 1 << 40;
/// Largest single output (a rendition, a file beside it) fetched from a
/// farm worker: a larger declared size is refused.
pub const MAX_OUTPUT_BYTES: u64 = 256 << 30;
/// What one farm job's outputs may take on the submitter's disk, all files
/// together: this many bytes per byte of its source, plus
/// [`OUTPUT_BYTES_SLACK`] (small sources make outputs larger than they).
pub const OUTPUT_BYTES_PER_SOURCE_BYTE: u64 = 16;
pub const OUTPUT_BYTES_SLACK: u64 = 4 << 30;

/// Most points of a rendition's per-frame score series (issue 25's quality
/// strip) kept beside the job store or sent by a farm worker; a longer
/// series keeps the worst frame of each run of frames.
pub const MAX_SERIES_POINTS: usize = 4000;

/// Decoded pictures a target-quality search holds in memory for its sample
/// encodes (issue 24), at most; fewer pictures are sampled when they are large.
pub const MAX_SAMPLE_BYTES: usize = 256 << 20;
