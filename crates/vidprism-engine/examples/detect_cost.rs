//! Benchmark helper (issue 27): what deciding a source's picture plan
//! costs with `deinterlace = "auto"` (and no crop), in this process's wall
//! and CPU time; `scripts/bench-detect.sh` alternates two builds of it.
//!
//! `cargo run --release -p vidprism-engine --example detect_cost -- SOURCE TIMES`
//! prints one line: the medians of TIMES decisions, `wall_ms cpu_ms`.

use std::path::PathBuf;
use std::time::Instant;

use vidprism_engine::media::plan_pictures;
use vidprism_engine::presets::{CropRule, DeinterlaceRule, PictureRules};

/// This process's user and system CPU time so far, in milliseconds.
fn cpu_ms() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: detect_cost SOURCE TIMES";
    let source = PathBuf::from(args.next().ok_or(usage)?);
    let times: usize = args.next().ok_or(usage)?.parse()?;
    let rules = PictureRules {
        deinterlace: DeinterlaceRule::Auto,
        crop: CropRule::None,
        ..PictureRules::default()
    };
    ffmpeg_next::init()?;
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..times.max(1) {
        let (t, c) = (Instant::now(), cpu_ms());
        let plan = plan_pictures(&source, rules)?;
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push(cpu_ms() - c);
        std::hint::black_box(plan);
    }
    println!("{:.1} {:.1}", median(wall), median(cpu));
    Ok(())
}
