//! Benchmark helper (issue 24): how fast `media::quality::metrics`
//! compares two 1080p 4:2:0 8-bit pictures (SSIM and PSNR of the three
//! planes), the per-picture work a `full` score adds to every rung.
//!
//! `cargo run --release -p vidprism-engine --example ssim_speed -- [PICTURES]`
//! prints `ms_per_picture samples_per_us`, the median of 5 runs.

use std::time::Instant;

use vidprism_engine::media::quality::metrics::{compare_planes, Plane};

fn main() {
    let pictures: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    // A textured picture and a copy with small errors, as an encode makes.
    let (w, h) = (1920usize, 1080usize);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let planes: Vec<(usize, usize)> = vec![(w, h), (w / 2, h / 2), (w / 2, h / 2)];
    let source: Vec<Vec<u8>> = planes
        .iter()
        .map(|&(pw, ph)| {
            (0..pw * ph)
                .map(|i| ((i % pw) as u8) ^ (next() as u8 & 31))
                .collect()
        })
        .collect();
    let encoded: Vec<Vec<u8>> = source
        .iter()
        .map(|p| {
            p.iter()
                .map(|&s| s.saturating_add((next() % 5) as u8))
                .collect()
        })
        .collect();
    let samples: usize = planes.iter().map(|(pw, ph)| pw * ph).sum();
    let mut runs = Vec::new();
    let mut checksum = 0.0;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..pictures {
            for (i, &(pw, ph)) in planes.iter().enumerate() {
                let score =
                    compare_planes(whole(&source[i], pw, ph), whole(&encoded[i], pw, ph), 255)
                        .expect("same size");
                checksum += score.ssim;
            }
        }
        runs.push(t.elapsed().as_secs_f64() * 1e3 / pictures as f64);
    }
    runs.sort_by(f64::total_cmp);
    let ms = runs[2];
    println!(
        "{ms:.3} {:.1}  (checksum {checksum:.3})",
        samples as f64 / (ms * 1e3)
    );
}

/// A plane whose rows follow one another.
fn whole(data: &[u8], width: usize, height: usize) -> Plane<'_, u8> {
    Plane {
        data,
        stride: width,
        width,
        height,
    }
}
