//! Which files `vidprism process` takes, by the window's rule
//! (`vidprism_engine::sources`): files as given, a folder's videos, each file
//! once however many paths lead to it.

use crate::util::*;

/// Issue 26: 600 hard links to one clip on the command line made 600 jobs
/// in `vidprism process` and one row in the window. One job now, and the
/// second paths are named on stderr.
#[test]
fn six_hundred_hard_links_to_one_clip_make_one_job_and_are_named() {
    let fx = Fixture::new();
    let clip = fx.clip("clip.mp4", "64x48", 0.2, false, &[]);
    let links: Vec<String> = (0..599)
        .map(|i| {
            let link = fx.path(&format!("link-{i:03}.mp4"));
            std::fs::hard_link(&clip, &link).expect("hard link");
            link.to_string_lossy().into_owned()
        })
        .collect();
    let mut args = vec!["-p", "thumbnail", clip.to_str().expect("UTF-8 path")];
    args.extend(links.iter().map(String::as_str));
    let run = process(&fx.out_dir(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.of("queued").len(), 1);
    assert_eq!(run.of("job_done").len(), 1);
    assert!(
        run.stderr.contains(
            "skipped 599 as second paths to a file already queued (same device and inode): "
        ) && run.stderr.contains("link-000.mp4")
            && run.stderr.contains("and 594 more"),
        "{}",
        run.stderr
    );
}

/// A folder given to `process` yields what the window would take from it:
/// videos by extension, a file without one when its content is a video's,
/// nothing else (counted on stderr).
#[test]
fn a_folder_yields_its_videos_as_the_window_finds_them() {
    let fx = Fixture::new();
    let dir = fx.path("card");
    std::fs::create_dir_all(dir.join("sub")).expect("folders");
    let clip = fx.clip("clip.mp4", "64x48", 0.2, false, &[]);
    std::fs::copy(&clip, dir.join("a.mp4")).expect("copy");
    std::fs::copy(&clip, dir.join("sub").join("b.MOV")).expect("copy");
    std::fs::copy(&clip, dir.join("CLIP0001")).expect("copy");
    // What camcorders and tapes leave: AVCHD and DV, named as they name them.
    std::fs::copy(&clip, dir.join("00001.MTS")).expect("copy");
    std::fs::copy(&clip, dir.join("tape.dv")).expect("copy");
    std::fs::write(dir.join("C0001.XML"), b"<xml/>").expect("sidecar");
    std::fs::write(dir.join("README"), b"text").expect("text");
    let run = process(
        &fx.out_dir(),
        &["-p", "thumbnail", dir.to_str().expect("UTF-8")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut inputs: Vec<String> = run
        .of("queued")
        .iter()
        .map(|e| e["input"].as_str().expect("input").to_owned())
        .collect();
    inputs.sort();
    let expected: Vec<String> = ["00001.MTS", "CLIP0001", "a.mp4", "sub/b.MOV", "tape.dv"]
        .iter()
        .map(|n| dir.join(n).to_string_lossy().into_owned())
        .collect();
    assert_eq!(inputs, expected);
    assert!(
        run.stderr
            .contains("skipped 2 files in folders that are not videos"),
        "{}",
        run.stderr
    );
}
