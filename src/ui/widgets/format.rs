//! How numbers read in the window: sizes, durations, source facts.

use vidprism_engine::media::{Hdr, HdrTransfer};
use vidprism_engine::pipeline::SourceFacts;

/// `1.5 MB`, `820 KB`, `12 B` (decimal units, like file managers).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `0:07`, `12:34`, `1:02:03`.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// `1280x720 · 0:10 · 25 fps · h264 / aac` (`· HDR10` and the like after
/// an HDR source's codecs).
/// Whether a job's failure says its source is no video (audio only, a
/// still image): running it again cannot end otherwise.
pub fn is_not_a_video(reason: &str) -> bool {
    reason.contains("has no video stream") || reason.contains("is a still image, not a video")
}

pub fn facts(f: &SourceFacts) -> String {
    let mut parts = vec![format!("{}x{}", f.width, f.height)];
    if let Some(d) = f.duration_s {
        parts.push(duration(d));
    }
    if f.fps > 0.0 {
        parts.push(format!("{:.3} fps", f.fps).replace(".000", ""));
    }
    let codecs = match &f.audio_codec {
        Some(a) => format!("{} / {a}", f.video_codec),
        None => format!("{} / no audio", f.video_codec),
    };
    parts.push(codecs);
    if let Some(hdr) = f.hdr {
        parts.push(hdr_name(hdr).to_owned());
    }
    if let Some(crop) = f.crop {
        let sides: Vec<String> = crop
            .sides()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(side, n)| format!("{side} {n}"))
            .collect();
        parts.push(format!("cropped {}", sides.join(", ")));
    }
    parts.join(" · ")
}

/// How an HDR source's kind reads: the names phones and players use.
pub fn hdr_name(hdr: Hdr) -> &'static str {
    match (hdr.transfer, hdr.dolby_vision) {
        (HdrTransfer::Pq, false) => "HDR10",
        (HdrTransfer::Hlg, false) => "HLG",
        (HdrTransfer::Pq, true) => "Dolby Vision (HDR10)",
        (HdrTransfer::Hlg, true) => "Dolby Vision (HLG)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1_500_000), "1.5 MB");
        assert_eq!(duration(7.4), "0:07");
        assert_eq!(duration(3723.0), "1:02:03");
        let f = SourceFacts {
            width: 320,
            height: 240,
            duration_s: Some(1.0),
            fps: 25.0,
            video_codec: "h264".into(),
            audio_codec: None,
            hdr: None,
            crop: None,
        };
        assert_eq!(facts(&f), "320x240 · 0:01 · 25 fps · h264 / no audio");
        let bars = SourceFacts {
            crop: Some(vidprism_engine::presets::Crop {
                top: 20,
                bottom: 20,
                left: 0,
                right: 0,
            }),
            ..f.clone()
        };
        assert_eq!(
            facts(&bars),
            "320x240 · 0:01 · 25 fps · h264 / no audio · cropped top 20, bottom 20"
        );
        let hlg = SourceFacts {
            video_codec: "hevc".into(),
            hdr: Some(Hdr {
                transfer: HdrTransfer::Hlg,
                dolby_vision: true,
            }),
            ..f
        };
        assert_eq!(
            facts(&hlg),
            "320x240 · 0:01 · 25 fps · hevc / no audio · Dolby Vision (HLG)"
        );
    }
}
