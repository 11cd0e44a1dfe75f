//! Generated inputs for the property tests beside each parser and writer
//! of outside data: a fixed-seed generator (xorshift64*), so every run
//! tries the same cases and a failure names its case; no dependency.
//! Names are built from pieces chosen to break formats (`-->`,
//! `</script>`, `<!--`, quotes, `#`, `%`, line breaks, control and
//! bidirectional characters) mixed with any Unicode.

/// Pieces that have broken, or could break, one of the formats written.
const NASTY: &[&str] = &[
    "-->",
    "</script>",
    "</SCRIPT ",
    "<!--",
    "<script>",
    "]]>",
    "&amp;",
    "&",
    "<",
    ">",
    "\"",
    "'",
    "#",
    "#EXTM3U",
    "#EXT-X-ENDLIST",
    "%",
    "%zz",
    "%2F",
    "?",
    "/",
    "\\",
    "..",
    ":",
    ",",
    "=",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\t",
    "\0",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "WEBVTT",
    "#xywh=",
    " ",
    "720p",
    "é",
    "日本",
    "🎬",
    "\u{10ffff}",
];

pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Any Unicode scalar value, often ASCII.
    pub fn char(&mut self) -> char {
        let c = match self.below(4) {
            0 => self.below(0x80) as u32,
            1 => self.below(0x800) as u32,
            2 => self.below(0x1_0000) as u32,
            _ => self.below(0x11_0000) as u32,
        };
        char::from_u32(c).unwrap_or('\u{FFFD}')
    }

    /// A string of up to `pieces` pieces, each a nasty fragment or a few
    /// random characters; sometimes empty.
    pub fn nasty(&mut self, pieces: usize) -> String {
        let mut text = String::new();
        for _ in 0..self.below(pieces + 1) {
            if self.below(2) == 0 {
                text.push_str(NASTY[self.below(NASTY.len())]);
            } else {
                for _ in 0..1 + self.below(4) {
                    text.push(self.char());
                }
            }
        }
        text
    }

    /// `text` with a few bytes changed, removed or repeated: a damaged
    /// copy of a good file (as text, invalid UTF-8 replaced).
    pub fn mutate(&mut self, text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        for _ in 0..1 + self.below(4) {
            if bytes.is_empty() {
                break;
            }
            let at = self.below(bytes.len());
            match self.below(4) {
                0 => bytes[at] = self.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                2 => {
                    let piece = NASTY[self.below(NASTY.len())].as_bytes();
                    bytes.splice(at..at, piece.iter().copied());
                }
                _ => {
                    let end = (at + self.below(40)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
