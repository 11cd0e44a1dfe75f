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
/// Most storyboard tiles of one video, and so most tiles a preset may ask
/// for and a farm worker may announce. A video long enough (or claiming
/// to be: two frames days apart) to need more at its preset's interval
/// gets its tiles spread evenly further apart instead, with a log line.
pub const MAX_STORYBOARD_TILES: u32 = 2000;
/// Longest side of a storyboard sprite in pixels: bounds the memory a
/// sprite takes while it is filled, and what the window decodes of one.
pub const MAX_SPRITE_SIDE: u32 = 4096;
