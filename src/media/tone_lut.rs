//! The tone-map as a table from 10-bit HDR Y'CbCr straight to 8-bit SDR
//! BT.709 Y'CbCr, applied to the planes of 4:2:0 pictures in integer
//! arithmetic: the tone-mapper's costly part (`tonemap.rs` says what the
//! curve is, this module only how it is applied fast).
//!
//! Why not libavfilter's `lut3d`: it works on RGB, so every picture went
//! through two full-size conversions (10-bit Y'CbCr to float RGB and back
//! to 8-bit Y'CbCr) around a float tetrahedral lookup, about 34 ms of CPU
//! for a 1080p frame, which made an HDR web ladder cost 1.4× an SDR one
//! (BENCHMARKS.md). Here the conversions are baked into the table, and
//! each output sample is one trilinear lookup of a single channel: luma
//! per pixel, chroma once per 2×2 block at the block's mean luma (the
//! block shares its input chroma anyway). The pixels of a block usually
//! fall between the same two luma nodes, so their chroma interpolation is
//! done once per block.
//!
//! Nodes are every 16 luma code values (65 over 0..=1024). Along chroma
//! they are every 8 code values near neutral and every 32 beyond: the
//! curve works on the largest of R, G and B, whose kinks (where the
//! largest channel changes) cross near-neutral colours, the most common
//! ones, where a coarse grid would smooth them visibly. Values keep 8
//! fractional bits so the interpolation rounds only once.

use ffmpeg_next::frame;

/// Luma code values between two nodes, as a shift.
const Y_SHIFT: u32 = 4;
const Y_NODES: usize = (1024 >> Y_SHIFT) + 1;
/// Chroma nodes: from each code value on, the step to the next node:
/// every 32 code values, every 8 within 128 of neutral (512), every 4
/// within 64.
const CHROMA_STEPS: [(u16, u16); 5] = [(0, 32), (384, 8), (448, 4), (576, 8), (640, 32)];
/// Weight of a whole chroma cell along one axis, as a shift.
const C_WEIGHT_SHIFT: u32 = 5;
/// Largest 10-bit code value.
const MAX_10BIT: u16 = 1023;
/// Fractional bits of the table's values.
const FRACTION_BITS: u32 = 8;
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
    /// Y'.
    luma: Vec<u16>,
    /// Cb and Cr side by side.
    chroma: Vec<[u16; 2]>,
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
            luma: Vec::with_capacity(nodes),
            chroma: Vec::with_capacity(nodes),
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
                .clamp(0.0, 65535.0) as u16
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
                    let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
                    lut.luma.push(fixed(16.0 + 219.0 * luma));
                    lut.chroma.push([
                        fixed(128.0 + 224.0 * (b - luma) / 1.8556),
                        fixed(128.0 + 224.0 * (r - luma) / 1.5748),
                    ]);
                }
            }
        }
        lut
    }

    fn column(&self, cb: u16, cr: u16) -> Column {
        let (cb_offset, fb) = self.cb_cell[usize::from(cb.min(MAX_10BIT))];
        let (cr_offset, fr) = self.cr_cell[usize::from(cr.min(MAX_10BIT))];
        let one = 1u32 << C_WEIGHT_SHIFT;
        let base = cb_offset + cr_offset;
        Column {
            base: [
                base,
                base + Y_NODES,
                base + self.cb_step,
                base + self.cb_step + Y_NODES,
            ],
            weight: [
                (one - fb) * (one - fr),
                (one - fb) * fr,
                fb * (one - fr),
                fb * fr,
            ],
        }
    }

    /// The luma node below `y` and `y`'s weight toward the next one.
    #[inline(always)]
    fn luma_cell(y: u16) -> (usize, u32) {
        let y = u32::from(y.min(MAX_10BIT));
        ((y >> Y_SHIFT) as usize, y & ((1 << Y_SHIFT) - 1))
    }

    /// The luma table in `column` at luma nodes `node` and `node + 1`,
    /// weighted by the column's weights.
    #[inline(always)]
    fn luma_cell_at(&self, column: &Column, node: usize) -> (usize, u32, u32) {
        let (mut low, mut high) = (0, 0);
        for k in 0..4 {
            let pair = &self.luma[column.base[k] + node..][..2];
            low += column.weight[k] * u32::from(pair[0]);
            high += column.weight[k] * u32::from(pair[1]);
        }
        (node, low, high)
    }

    /// Cb and Cr in `column` at luma `y`, in 8-bit code values.
    #[inline(always)]
    fn chroma_at(&self, column: &Column, y: u16) -> [u8; 2] {
        let (node, fraction) = ToneLut::luma_cell(y);
        let (mut low, mut high) = ([0u32; 2], [0u32; 2]);
        for k in 0..4 {
            let pair = &self.chroma[column.base[k] + node..][..2];
            let weight = column.weight[k];
            for c in 0..2 {
                low[c] += weight * u32::from(pair[0][c]);
                high[c] += weight * u32::from(pair[1][c]);
            }
        }
        [0, 1].map(|c| lerp(low[c], high[c], fraction))
    }

    /// One pixel's SDR Y'CbCr (tests compare pictures with it).
    #[cfg(test)]
    pub fn pixel(&self, [y, cb, cr]: [u16; 3]) -> [u8; 3] {
        let column = self.column(cb, cr);
        let (node, fraction) = ToneLut::luma_cell(y);
        let (_, low, high) = self.luma_cell_at(&column, node);
        let [cb, cr] = self.chroma_at(&column, y);
        [lerp(low, high, fraction), cb, cr]
    }

    /// Tone-maps `input` (`yuv420p10le`) into `output` (`yuv420p`, the same
    /// size).
    pub fn apply(&self, input: &frame::Video, output: &mut frame::Video) {
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
        let mut chroma = vec![[0u8; 2]; chroma_width * chroma_height];
        // Where the row below the last one of an odd height goes.
        let mut beyond = vec![0u8; width];
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
                let mut cell = (usize::MAX, 0, 0);
                for (input, out) in [(top_in, top_out), (bottom_in, bottom_out)] {
                    for (pixel, out) in input.chunks_exact(2).zip(out.iter_mut()) {
                        let y = sample(pixel);
                        sum += u32::from(y);
                        let (node, fraction) = ToneLut::luma_cell(y);
                        if cell.0 != node {
                            cell = self.luma_cell_at(&column, node);
                        }
                        *out = lerp(cell.1, cell.2, fraction);
                    }
                }
                // Two pixels in the last block of an odd width.
                let mean = if top_in.len() == 4 {
                    (sum + 2) >> 2
                } else {
                    (sum + 1) >> 1
                };
                *chroma = self.chroma_at(&column, mean as u16);
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

/// The value between two weighted sums at `fraction` of a luma cell, in
/// 8-bit code values.
#[inline(always)]
fn lerp(low: u32, high: u32, fraction: u32) -> u8 {
    let sum = low * ((1 << Y_SHIFT) - fraction) + high * fraction;
    ((sum + (1 << (SUM_SHIFT - 1))) >> SUM_SHIFT).min(255) as u8
}
