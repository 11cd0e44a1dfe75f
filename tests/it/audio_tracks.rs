//! Audio tracks as the preset's track rules say: a clip with an English
//! and a French track (titled) and a SubRip track keeps both tracks with
//! their languages and titles under `audio_tracks = "all"`, only the French
//! one under `["fra"]`, the first under the built-in `web`; a 5.1 clip
//! whose tone is only in the side surrounds is downmixed to stereo with the
//! tone in it, or kept in 6 channels under `channels = "source"`; a quiet
//! clip is brought to its `loudness_lufs` target (measured with FFmpeg's
//! ebur128 filter).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::tracks::*;
use crate::util::*;

/// The rendition whose file name starts with `prefix`.
fn output(run: &Run, prefix: &str) -> PathBuf {
    run.rendition_paths()
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no {prefix} rendition in {:#?}", run.events))
}

/// What `ffmpeg -af FILTER` says on stderr about the first audio track.
fn audio_analysis(path: &Path, filter: &str) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-af", filter, "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg -af {filter} on {path:?} failed"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The number after `key` on the last line holding it.
fn number_after(text: &str, key: &str) -> f64 {
    text.lines()
        .rev()
        .find_map(|l| {
            let rest = &l[l.find(key)? + key.len()..];
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no {key:?} in {text}"))
}

/// Mean volume of the first audio track, in dB.
fn mean_volume_db(path: &Path) -> f64 {
    number_after(&audio_analysis(path, "volumedetect"), "mean_volume:")
}

/// Integrated loudness of the first audio track (EBU R128), in LUFS.
fn integrated_lufs(path: &Path) -> f64 {
    number_after(&audio_analysis(path, "ebur128"), "I:")
}

#[test]
fn tracks_keep_their_languages_and_titles_as_the_rule_picks_them() {
    let fx = Fixture::new();
    let source = two_language_clip(&fx);
    let config = config_with(
        &fx,
        &[
            (
                "all-tracks",
                preset("all-tracks", "audio_tracks = \"all\"", "all-"),
            ),
            (
                "french",
                preset("french", "audio_tracks = [\"fra\"]", "fra-"),
            ),
        ],
    );
    let run = process_presets(
        &fx.out_dir(),
        &config,
        &["web", "all-tracks", "french"],
        &source,
    );
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    for prefix in ["all-mp4", "all-webm"] {
        let path = output(&run, prefix);
        let audio = streams(&path, "audio");
        let labels: Vec<_> = audio
            .iter()
            .map(|s| {
                // MP4 keeps a track's title as its handler name.
                let title = tag(s, "title").or_else(|| tag(s, "handler_name"));
                (tag(s, "language"), title)
            })
            .collect();
        assert_eq!(
            labels,
            [
                (Some("eng".into()), Some("English".into())),
                (Some("fra".into()), Some("Français".into()))
            ],
            "{path:?}"
        );
    }
    for prefix in ["fra-mp4", "fra-webm"] {
        let path = output(&run, prefix);
        let audio = streams(&path, "audio");
        assert_eq!(audio.len(), 1, "{path:?}: {audio:#?}");
        assert_eq!(tag(&audio[0], "language").as_deref(), Some("fra"));
    }
    // web: the first track only, in stereo at most.
    let web = output(&run, "360p");
    let audio = streams(&web, "audio");
    assert_eq!(audio.len(), 1, "{web:?}: {audio:#?}");
    assert_eq!(tag(&audio[0], "language").as_deref(), Some("eng"));
}

/// A 2 s MP4 with a 5.1 (side) track whose 1 kHz tone is only in the side
/// surrounds (front, centre and LFE silent).
fn surround_clip(fx: &Fixture) -> PathBuf {
    let path = fx.path("surround.mp4");
    let inputs = lavfi(&["testsrc2=s=320x240:r=25:d=2", "sine=f=1000:d=2"]);
    let side_only = [
        "-filter_complex",
        "[1:a]pan=5.1(side)|SL=c0|SR=c0[a]",
        "-map",
        "0:v",
        "-map",
        "[a]",
    ];
    ffmpeg_h264(
        &[&inputs[..], &side_only].concat(),
        &["-c:a", "aac", path.to_str().expect("utf-8 path")],
    );
    path
}

#[test]
fn surround_is_downmixed_with_its_surrounds_or_kept_whole() {
    let fx = Fixture::new();
    let source = surround_clip(&fx);
    let config = config_with(
        &fx,
        &[(
            "surround",
            preset("surround", "channels = \"source\"", "src-"),
        )],
    );
    let run = process_presets(&fx.out_dir(), &config, &["web", "surround"], &source);
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    let stereo = output(&run, "360p");
    let audio = streams(&stereo, "audio");
    assert_eq!(audio[0]["channels"], 2, "{audio:#?}");
    // The surrounds are mixed in at -3 dB (ITU-R BS.775), so each stereo
    // channel carries the side channels' tone 3 dB down. The source's mean
    // volume is over 6 channels of which 2 carry the tone: one side
    // channel's level is that plus 10 log10(3). A front-only downmix would
    // be silence (-91 dB), a normalised matrix 7.7 dB quieter.
    // Measured: source -25.9 dB, side channel -21.1, downmix -24.2.
    let side_channel = mean_volume_db(&source) + 10.0 * 3f64.log10();
    let volume = mean_volume_db(&stereo);
    assert!(
        (volume - (side_channel - 3.0)).abs() <= 1.0,
        "downmix at {volume} dB, expected the side channels' {side_channel:.1} dB less 3 dB"
    );
    for prefix in ["src-mp4", "src-webm"] {
        let path = output(&run, prefix);
        let audio = streams(&path, "audio");
        assert_eq!(audio[0]["channels"], 6, "{path:?}: {audio:#?}");
    }
}

#[test]
fn loudness_reaches_its_target() {
    let fx = Fixture::new();
    // A tone at about -40 LUFS, far from the target.
    let source = fx.clip("quiet.mp4", "320x240", 6.0, true, &["-af", "volume=-35dB"]);
    let before = integrated_lufs(&source);
    assert!(before < -30.0, "the source is not quiet: {before} LUFS");
    let config = config_with(
        &fx,
        &[("loud", preset("loud", "loudness_lufs = -16", "loud-"))],
    );
    let run = process_presets(&fx.out_dir(), &config, &["loud"], &source);
    assert_eq!(run.code, 0, "{:#?}\n{}", run.events, run.stderr);
    for prefix in ["loud-mp4", "loud-webm"] {
        let path = output(&run, prefix);
        let lufs = integrated_lufs(&path);
        assert!(
            (lufs + 16.0).abs() <= 1.5,
            "{path:?}: {lufs} LUFS for a -16 target (source {before})"
        );
    }
}
