//! The tone-map as a table from 10-bit HDR Y'CbCr straight to 8-bit SDR
//! BT.709 Y'CbCr, applied to the planes of 4:2:0 pictures in integer
//! arithmetic: the tone-mapper's costly part (`tonemap.rs` says what the
//! curve is, this module only how it is applied fast).
//!
//! Why not libavfilter's `lut3d`: it works on RGB, so every picture went
//! through two full-size conversions (10-bit Y'CbCr to float RGB and back
//! to 8-bit Y'CbCr) around a float tetrahedral lookup, about 34 ms of CPU
//! for a 1080p frame, which made an HDR web ladder cost 1.4× an SDR one
//! (BENCHMARKS.md). Here the conversions are baked into the table. Each
//! 2×2 block (which shares its input chroma) finds its column of the
//! table once, and the table between two luma nodes of that column,
//! every channel at once (SSE2's `pmaddwd` on x86_64); each pixel's luma
//! is then one interpolation along luma, and the block's chroma is taken
//! at its mean luma, mostly from the same cell.
//!
//! Nodes are every 32 luma code values (33 over 0..=1024; 65 measured no
//! closer). Along chroma they are every 32 code values, every 8 within 128
//! of neutral and every 4 within 64: the curve works on the largest of R,
//! G and B, whose kinks (where the largest channel changes) cross
//! near-neutral colours, the most common ones, where a coarse grid would
//! smooth them visibly. Values keep 7 fractional bits (so they fit the
//! i16 lanes) and the interpolation rounds only once.

use ffmpeg_next::frame;

use super::colour::{luma_of as luma_with, BT709_LUMA_WEIGHTS};

/// Luma code values between two nodes, as a shift.
const Y_SHIFT: u32 = 5;
const Y_NODES: usize = (1024 >> Y_SHIFT) + 1;
/// Chroma nodes: from each code value on, the step to the next node:
/// every 32 code values, every 8 within 128 of neutral (512), every 4
/// within 64.
const CHROMA_STEPS: [(u16, u16); 5] = [(0, 32), (384, 8), (448, 4), (576, 8), (640, 32)];
/// Weight of a whole chroma cell along one axis, as a shift.
const C_WEIGHT_SHIFT: u32 = 5;
/// Largest 10-bit code value.
const MAX_10BIT: u16 = 1023;
/// Fractional bits of the table's values (255 << 7 still fits an i16).
const FRACTION_BITS: u32 = 7;
/// Shift bringing a weighted sum back to 8-bit code values.
const SUM_SHIFT: u32 = 2 * C_WEIGHT_SHIFT + Y_SHIFT + FRACTION_BITS;

/// How the 10-bit input is read: its matrix's luma weights and range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YuvInput {
    /// Kr and Kb of the Y'CbCr matrix.
    pub kr: f64,
    pub kb: f64,
    pub full_range: bool,
}

/// The tone-map sampled at every node, indexed `[cb][cr][y]` so that a
/// lookup's two luma neighbours sit side by side.
pub struct ToneLut {
    /// Y', Cb, Cr and a lane of padding, so one node is 8 bytes and a
    /// node with the next one 16 (one SSE2 load).
    nodes: Vec<Node>,
    /// For each Cb code value: the table offset of the node below it and
    /// its weight toward the next one (out of `1 << C_WEIGHT_SHIFT`).
    cb_cell: Vec<(usize, u32)>,
    /// The same for Cr.
    cr_cell: Vec<(usize, u32)>,
    /// The offset from one Cb node to the next.
    cb_step: usize,
}

/// A chroma sample's four surrounding table columns and their weights.
#[derive(Clone, Copy)]
struct Column {
    base: [usize; 4],
    weight: [u32; 4],
}

/// Code values of the chroma nodes, from 0 to 1024.
fn chroma_node_values() -> Vec<u16> {
    let mut nodes = vec![0u16];
    while let Some(&last) = nodes.last().filter(|&&v| v < 1024) {
        let step = CHROMA_STEPS
            .iter()
            .rev()
            .find(|(from, _)| *from <= last)
            .map_or(CHROMA_STEPS[0].1, |&(_, step)| step);
        nodes.push(last + step);
    }
    nodes
}

impl ToneLut {
    /// Samples `map` (an R'G'B' HDR signal in 0..1 to the BT.709 SDR
    /// signal in 0..1) at every node, reading nodes as `input`.
    pub fn new(input: YuvInput, map: impl Fn([f64; 3]) -> [f64; 3]) -> ToneLut {
        let node_values = chroma_node_values();
        let cb_step = node_values.len() * Y_NODES;
        let cells = |node_step: usize| -> Vec<(usize, u32)> {
            (0..=MAX_10BIT)
                .map(|value| {
                    let node = node_values.partition_point(|&v| v <= value) - 1;
                    let (low, high) = (node_values[node], node_values[node + 1]);
                    let weight = (u32::from(value - low) << C_WEIGHT_SHIFT) / u32::from(high - low);
                    (node * node_step, weight)
                })
                .collect()
        };
        let nodes = node_values.len() * cb_step;
        let mut lut = ToneLut {
            nodes: Vec::with_capacity(nodes),
            cb_cell: cells(cb_step),
            cr_cell: cells(Y_NODES),
            cb_step,
        };
        let kg = 1.0 - input.kr - input.kb;
        // Black's code value, and the code values of a whole luma and
        // chroma swing.
        let (black, luma_swing, chroma_swing) = if input.full_range {
            (0.0, 1023.0, 1023.0)
        } else {
            (64.0, 876.0, 896.0)
        };
        let luma_of = |v: f64| (v - black) / luma_swing;
        let chroma_of = |v: f64| (v - 512.0) / chroma_swing;
        let fixed = |v: f64| {
            (v * f64::from(1u32 << FRACTION_BITS))
                .round()
                .clamp(0.0, f64::from(i16::MAX)) as i16
        };
        for &cb_node in &node_values {
            let cb = chroma_of(f64::from(cb_node));
            for &cr_node in &node_values {
                let cr = chroma_of(f64::from(cr_node));
                for y_node in 0..Y_NODES {
                    let y = luma_of((y_node << Y_SHIFT) as f64);
                    let r = y + 2.0 * (1.0 - input.kr) * cr;
                    let b = y + 2.0 * (1.0 - input.kb) * cb;
                    let g = (y - input.kr * r - input.kb * b) / kg;
                    let [r, g, b] = map([r, g, b].map(|v| v.clamp(0.0, 1.0)));
                    // BT.709, limited range, 8 bits.
                    let (kr_out, kb_out) = BT709_LUMA_WEIGHTS;
                    let luma = luma_with([r, g, b], BT709_LUMA_WEIGHTS);
                    lut.nodes.push([
                        fixed(16.0 + 219.0 * luma),
                        fixed(128.0 + 224.0 * (b - luma) / (2.0 * (1.0 - kb_out))),
                        fixed(128.0 + 224.0 * (r - luma) / (2.0 * (1.0 - kr_out))),
                        0,
                    ]);
                }
            }
        }
        lut
    }

    fn column(&self, cb: u16, cr: u16) -> Column {
        let (cb_offset, fb) = self.cb_cell[usize::from(cb.min(MAX_10BIT))];
        let (cr_offset, fr) = self.cr_cell[usize::from(cr.min(MAX_10BIT))];
        let base = cb_offset + cr_offset;
        Column {
            base: [
                base,
                base + Y_NODES,
                base + self.cb_step,
                base + self.cb_step + Y_NODES,
            ],
            weight: column_weights(fb, fr),
        }
    }

    /// The luma node below `y` and `y`'s weight toward the next one.
    #[inline(always)]
    fn luma_cell(y: u16) -> (usize, u32) {
        let y = u32::from(y.min(MAX_10BIT));
        ((y >> Y_SHIFT) as usize, y & ((1 << Y_SHIFT) - 1))
    }

    /// The table in `column` at luma nodes `node` and `node + 1`, every
    /// channel weighted by the column's weights (which add up to 1024).
    #[inline(always)]
    fn cell_at(&self, column: &Column, node: usize) -> Cell {
        let pairs = column.base.map(|base| &self.nodes[base + node..][..2]);
        let (low, high) = weigh(pairs, column.weight);
        Cell { node, low, high }
    }

    /// One pixel's SDR Y'CbCr (tests compare pictures with it).
    #[cfg(test)]
    pub fn pixel(&self, [y, cb, cr]: [u16; 3]) -> [u8; 3] {
        let column = self.column(cb, cr);
        let (node, fraction) = ToneLut::luma_cell(y);
        let cell = self.cell_at(&column, node);
        [0, 1, 2].map(|c| lerp(cell.low[c], cell.high[c], fraction))
    }

    /// Tone-maps `input` (`yuv420p10le`) into `output` (`yuv420p`, the same
    /// size); `chroma` is kept by the caller from one picture to the next.
    pub fn apply(
        &self,
        input: &frame::Video,
        output: &mut frame::Video,
        chroma: &mut Vec<[u8; 2]>,
    ) {
        let (width, height) = (input.width() as usize, input.height() as usize);
        if width == 0 || height == 0 {
            return;
        }
        let (chroma_width, chroma_height) = (width.div_ceil(2), height.div_ceil(2));
        let row_of = |plane: usize, row: usize, samples: usize| {
            let start = row * input.stride(plane);
            &input.data(plane)[start..start + 2 * samples]
        };
        let sample = |bytes: &[u8]| u16::from_le_bytes([bytes[0], bytes[1]]);
        // Chroma is made beside luma, then copied to its planes.
        chroma.resize(chroma_width * chroma_height, [0; 2]);
        // Where the row below the last one of an odd height goes.
        let mut beyond = vec![0u8; if height % 2 == 1 { width } else { 0 }];
        let stride = output.stride(0);
        let luma_out = output.data_mut(0);
        let block_rows = chroma.chunks_exact_mut(chroma_width).enumerate();
        for ((block_row, chroma), out_rows) in block_rows.zip(luma_out.chunks_mut(2 * stride)) {
            let (cb, cr) = (
                row_of(1, block_row, chroma_width),
                row_of(2, block_row, chroma_width),
            );
            let top = 2 * block_row;
            let bottom = (top + 1).min(height - 1);
            let (upper, lower) = out_rows.split_at_mut(stride.min(out_rows.len()));
            let lower = if bottom > top {
                &mut lower[..width]
            } else {
                &mut beyond[..]
            };
            let blocks = cb
                .chunks_exact(2)
                .zip(cr.chunks_exact(2))
                .zip(row_of(0, top, width).chunks(4))
                .zip(row_of(0, bottom, width).chunks(4))
                .zip(upper[..width].chunks_mut(2))
                .zip(lower.chunks_mut(2))
                .zip(chroma.iter_mut());
            for ((((((cb, cr), top_in), bottom_in), top_out), bottom_out), chroma) in blocks {
                let column = self.column(sample(cb), sample(cr));
                let mut sum = 0u32;
                // The pixels of a block mostly share their luma cell.
                let mut cell = Cell {
                    node: usize::MAX,
                    low: [0; 4],
                    high: [0; 4],
                };
                for (input, out) in [(top_in, top_out), (bottom_in, bottom_out)] {
                    for (pixel, out) in input.chunks_exact(2).zip(out.iter_mut()) {
                        let y = sample(pixel);
                        sum += u32::from(y);
                        let (node, fraction) = ToneLut::luma_cell(y);
                        if cell.node != node {
                            cell = self.cell_at(&column, node);
                        }
                        *out = lerp(cell.low[0], cell.high[0], fraction);
                    }
                }
                // Two pixels in the last block of an odd width.
                let mean = if top_in.len() == 4 {
                    (sum + 2) >> 2
                } else {
                    (sum + 1) >> 1
                };
                let (node, fraction) = ToneLut::luma_cell(mean as u16);
                if cell.node != node {
                    cell = self.cell_at(&column, node);
                }
                *chroma = [1, 2].map(|c| lerp(cell.low[c], cell.high[c], fraction));
            }
        }
        for c in 0..2 {
            let stride = output.stride(1 + c);
            let plane = output.data_mut(1 + c);
            for (block_row, chroma) in chroma.chunks_exact(chroma_width).enumerate() {
                let out = &mut plane[block_row * stride..][..chroma_width];
                for (out, chroma) in out.iter_mut().zip(chroma) {
                    *out = chroma[c];
                }
            }
        }
    }
}

/// The weights of a cell's four columns (Cb, Cr below and above) for
/// weights `fb` and `fr` toward the upper nodes; they add up to 1024.
fn column_weights(fb: u32, fr: u32) -> [u32; 4] {
    let one = 1u32 << C_WEIGHT_SHIFT;
    [
        (one - fb) * (one - fr),
        (one - fb) * fr,
        fb * (one - fr),
        fb * fr,
    ]
}

/// One table node: Y', Cb, Cr (8-bit code values with
/// [`FRACTION_BITS`]) and padding.
type Node = [i16; 4];

/// The table around one luma cell of one column: every channel at the
/// cell's low and high luma nodes, weighted.
#[derive(Clone, Copy)]
struct Cell {
    node: usize,
    low: [i32; 4],
    high: [i32; 4],
}

/// The weighted sums of four columns' node pairs (each a node and the
/// next), channel by channel: SSE2's `pmaddwd` does two columns' worth of
/// multiplies and adds in one instruction.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn weigh(pairs: [&[Node]; 4], weight: [u32; 4]) -> ([i32; 4], [i32; 4]) {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_loadu_si128, _mm_madd_epi16, _mm_set1_epi32, _mm_storeu_si128,
        _mm_unpackhi_epi16, _mm_unpacklo_epi16,
    };
    for pair in pairs {
        assert_eq!(pair.len(), 2);
    }
    let (mut low_lanes, mut high_lanes) = ([0i32; 4], [0i32; 4]);
    // SAFETY: SSE2 is part of every x86_64 CPU. Each pair is two nodes,
    // 16 readable bytes (`loadu` takes any alignment); the stores write
    // 16 bytes into [i32; 4] arrays.
    unsafe {
        let load = |pair: &[Node]| -> __m128i { _mm_loadu_si128(pair.as_ptr().cast()) };
        // Weights as i16 pairs (each is at most 1024): (a, b) in every lane.
        let both = |a: u32, b: u32| _mm_set1_epi32(((b as i32) << 16) | a as i32);
        let [c0, c1, c2, c3] = pairs.map(load);
        let (w01, w23) = (both(weight[0], weight[1]), both(weight[2], weight[3]));
        // Low halves hold the low nodes, high halves the next ones.
        let low = _mm_add_epi32(
            _mm_madd_epi16(_mm_unpacklo_epi16(c0, c1), w01),
            _mm_madd_epi16(_mm_unpacklo_epi16(c2, c3), w23),
        );
        let high = _mm_add_epi32(
            _mm_madd_epi16(_mm_unpackhi_epi16(c0, c1), w01),
            _mm_madd_epi16(_mm_unpackhi_epi16(c2, c3), w23),
        );
        _mm_storeu_si128(low_lanes.as_mut_ptr().cast(), low);
        _mm_storeu_si128(high_lanes.as_mut_ptr().cast(), high);
    }
    (low_lanes, high_lanes)
}

/// [`weigh`] without SSE2, channel by channel.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn weigh_each(pairs: [&[Node]; 4], weight: [u32; 4]) -> ([i32; 4], [i32; 4]) {
    let (mut low, mut high) = ([0i32; 4], [0i32; 4]);
    for (pair, weight) in pairs.iter().zip(weight) {
        for c in 0..4 {
            low[c] += weight as i32 * i32::from(pair[0][c]);
            high[c] += weight as i32 * i32::from(pair[1][c]);
        }
    }
    (low, high)
}

#[cfg(not(target_arch = "x86_64"))]
use weigh_each as weigh;

/// The value between two weighted sums at `fraction` of a luma cell, in
/// 8-bit code values.
#[inline(always)]
fn lerp(low: i32, high: i32, fraction: u32) -> u8 {
    let (low, high) = (low.max(0) as u32, high.max(0) as u32);
    let sum = low * ((1 << Y_SHIFT) - fraction) + high * fraction;
    ((sum + (1 << (SUM_SHIFT - 1))) >> SUM_SHIFT).min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only where the SSE2 sums exist: elsewhere `weigh` is the plain one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_sse2_sums_are_the_plain_ones() {
        let mut seed = 99u64;
        let mut next = |limit: i64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as i64 % limit) as i16
        };
        for _ in 0..1000 {
            let nodes: Vec<Node> = (0..8).map(|_| [0; 4].map(|_| next(32641))).collect();
            let pairs = [0, 2, 4, 6].map(|i| &nodes[i..i + 2]);
            let weight = column_weights(next(33) as u32, next(33) as u32);
            assert_eq!(weigh(pairs, weight), weigh_each(pairs, weight));
        }
    }
}
