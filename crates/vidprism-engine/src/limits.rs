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
