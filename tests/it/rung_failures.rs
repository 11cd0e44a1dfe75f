//! One rendition's failure is its own: the smaller renditions scaled from
//! its pictures (the cascade) are still made when its encoder or file
//! fails, here with its file on a full disk.

use crate::util::*;

#[test]
fn a_full_disk_under_1080p_sinks_no_smaller_rung() {
    let fx = Fixture::new();
    let src = fx.clip("clip.mp4", "1920x1080", 1.0, true, &[]);
    let out = fx.out_dir();
    // The 1080p file is written to /dev/full: every write fails with
    // ENOSPC, as on a full disk.
    let run = process_with_env(
        &out,
        &[],
        &[("VIDPRISM_TEST_DISK_FULL", "1080p.mp4")],
        &["-p", "web", src.to_str().unwrap()],
    );
    let failed = run.one("rendition_failed");
    assert_eq!(failed["rendition"], "1080p", "{:#?}", run.events);
    let reason = failed["error"].as_str().unwrap();
    assert!(reason.contains("No space left on device"), "{reason}");
    let mut made: Vec<String> = run
        .of("rendition_done")
        .iter()
        .map(|e| e["rendition"].as_str().unwrap().to_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["360p", "480p", "720p"], "{:#?}", run.events);
    assert_outputs_sound(&run, Some(1.0));
    for path in run.rendition_paths() {
        assert_eq!(frame_count(&path), 25, "{path:?}");
    }
    // Nothing at 1080p's final name, and no temporary file left.
    let files = relative_files(&out);
    assert!(
        files.iter().all(|f| {
            let name = f.to_string_lossy();
            !name.contains("1080p") && !name.contains(".vidprism-part")
        }),
        "{files:?}"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
