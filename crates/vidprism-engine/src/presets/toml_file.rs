//! Presets as TOML text: parsing (with the line and field of every problem)
//! and writing. The file layout:
//!
//! ```toml
//! name = "small-webm"
//! description = "720p + 480p WebM with Opus"
//! metadata = "no_location" # keep, strip; the default hides the location
//! audio_tracks = "first" # "all", or languages: ["eng", "fra"]
//! channels = "stereo"    # or "source" (5.1 kept where the codec allows)
//! loudness_lufs = -16    # optional EBU R128 target
//! subtitles = "keep"     # "none", "keep_and_sidecar" (.vtt files beside)
//! hdr = "auto"          # keep, tonemap: what an HDR source's renditions are
//! deinterlace = "auto"  # off, always: interlaced sources made progressive
//! rate = "frame"         # or "field": 50i becomes 50p instead of 25p
//! crop = "none"          # "auto" (black bars), or { top = 8, bottom = 8, left = 0, right = 0 }
//! package = "files"      # or "hls", "dash", "cmaf" (both): a streaming bundle
//! segment_seconds = 4    # packaged presets: segment length, 1 to 20
//! score = "sampled"      # or "off", "full": each rendition's SSIM and PSNR
//!
//! [thumbnail]
//! format = "jpeg"        # or "png", "webp"
//! width = 640
//! storyboard = { interval_seconds = 5 } # or count = 100; optional
//!                        # tile_width = 160, columns = 10, rows = 10
//! poster = "first"       # or "best": a representative frame, poster.jpg
//!
//! [[renditions]]
//! name = "720p"
//! container = "webm"     # mp4, webm
//! video_codec = "vp9"    # h264, hevc, vp9, av1
//! size = 720             # short side in pixels, or "source"
//! crf = 32               # or bitrate_kbps = 2500, or target_ssim = 0.985
//! maxrate_kbps = 3000    # optional with crf (not vp9): a ceiling...
//! bufsize_kbps = 6000    # ...over this buffer (default twice maxrate)
//! speed = "5"
//! max_fps = 30           # optional
//! min_ssim = 0.97        # optional: below this measured SSIM the rendition fails
//! on_low_quality = "retry" # or "fail" (default): made once more at a lower CRF
//! audio_codec = "opus"   # aac, opus, none, copy
//! audio_bitrate_kbps = 128
//! ```

use super::forms::FormError;
use super::model::Preset;
use super::validate::{validate, Problem};

const RENDITION_HEADER: &str = "[[renditions]]";

/// The preset as TOML text: its serde form.
pub fn to_toml(preset: &Preset) -> String {
    // Only maps of strings, numbers and tables: serializing cannot fail.
    toml::to_string_pretty(preset).unwrap_or_default()
}

/// Parses and validates a preset file's text. Every problem carries the
/// line it is on, when that can be told.
pub fn parse(text: &str) -> Result<Preset, Vec<Problem>> {
    let (preset, mut problems) = read(text);
    if let Some(preset) = &preset {
        problems.extend(unknown_keys(text));
        problems.extend(validate(preset));
    }
    for p in &mut problems {
        p.line = p.line.or_else(|| locate(text, p.rendition, &p.field));
    }
    match preset {
        Some(preset) if problems.is_empty() => Ok(preset),
        _ => Err(problems),
    }
}

/// The preset of `text`, or the problems that keep it from being read.
/// Serde stops at the first bad value; so that a file's every unknown
/// word (and every other value a form refuses) is reported at once, the
/// line of each is blanked and the text read again, until it reads or an
/// error of another kind (syntax, a type, a field the blanking removed:
/// one already reported) ends it.
fn read(text: &str) -> (Option<Preset>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut now = text.to_owned();
    for _ in 0..=text.lines().count() {
        let error = match toml::from_str::<Preset>(&now) {
            Ok(preset) if problems.is_empty() => return (Some(preset), problems),
            Ok(_) => break,
            Err(error) => error,
        };
        let problem = problem_of(&now, &error);
        let is_form_error = FormError::split(error.message().trim()).is_some();
        let again = |p: &Problem| (p.rendition, &p.field) == (problem.rendition, &problem.field);
        if !problems.is_empty() && (!is_form_error || problems.iter().any(again)) {
            break;
        }
        let line = problem.line;
        problems.push(problem);
        match line.filter(|_| is_form_error) {
            Some(line) => now = blank_line(&now, line),
            None => break,
        }
    }
    (None, problems)
}

/// `text` with line `line` (1-based) emptied.
fn blank_line(text: &str, line: usize) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if let Some(l) = lines.get_mut(line - 1) {
        *l = "";
    }
    lines.join("\n")
}

/// The problem a TOML error says: a form's error names its field
/// ([`FormError`]); any other error is on the line of its span.
fn problem_of(text: &str, e: &toml::de::Error) -> Problem {
    let start = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let rendition = rendition_at(text, start);
    let message = e.message().trim();
    let line_no = text.get(..start).unwrap_or("").matches('\n').count() + 1;
    if let Some((field, message)) = FormError::split(message) {
        let line = locate(text, rendition, field).or(Some(line_no));
        return Problem {
            rendition,
            field: field.to_owned(),
            line,
            message: message.to_owned(),
        };
    }
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let field = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .unwrap_or_else(|| "file".to_owned());
    Problem {
        rendition,
        field,
        line: Some(line_no),
        message: message.to_owned(),
    }
}

/// The rendition (0-based) whose part of `text` byte `start` is in.
fn rendition_at(text: &str, start: usize) -> Option<usize> {
    let (before, after) = text.split_at(start.min(text.len()));
    let headers = before
        .lines()
        .filter(|l| l.trim() == RENDITION_HEADER)
        .count();
    let at_header = after.trim_start().starts_with(RENDITION_HEADER);
    (headers + usize::from(at_header)).checked_sub(1)
}

/// The keys of the file's top level that no field of the preset takes.
/// Serde cannot refuse unknown keys beside flattened fields, so each key is
/// tried: it is the preset's when a value of no type it takes (a list of
/// booleans) is refused there, and unknown when that is ignored.
fn unknown_keys(text: &str) -> Vec<Problem> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let nothing = toml::Value::Array(vec![toml::Value::Boolean(true)]);
    table
        .keys()
        .filter(|key| {
            let mut tried = table.clone();
            tried.insert((*key).clone(), nothing.clone());
            tried.try_into::<Preset>().is_ok()
        })
        .map(|key| Problem::new(None, key, format!("unknown field `{key}`")))
        .collect()
}

/// The line (1-based) where `field` of rendition `rendition` (or of the
/// preset itself) is written; the rendition's header when the field is not.
fn locate(text: &str, rendition: Option<usize>, field: &str) -> Option<usize> {
    let (section, key) = match field.split_once('.') {
        Some((table, key)) if rendition.is_none() => (Some(table), key),
        _ => (None, field),
    };
    // Which part of the file each line is in: None is the top level.
    let mut current: Option<String> = None;
    let mut seen_renditions = 0usize;
    let mut header_line = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed == RENDITION_HEADER {
            seen_renditions += 1;
            current = Some(format!("rendition {}", seen_renditions - 1));
        } else if trimmed.starts_with('[') {
            current = Some(
                trimmed
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_owned(),
            );
        }
        let wanted = match (rendition, section) {
            (Some(i), _) => current.as_deref() == Some(format!("rendition {i}").as_str()),
            (None, Some(table)) => current.as_deref() == Some(table),
            (None, None) => current.is_none(),
        };
        if !wanted {
            continue;
        }
        if trimmed.starts_with('[') {
            header_line = Some(n + 1);
            continue;
        }
        if let Some((k, _)) = trimmed.split_once('=') {
            if k.trim().trim_matches('"') == key {
                return Some(n + 1);
            }
        }
    }
    header_line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::*;

    const SMALL_WEBM: &str = r#"name = "small-webm"
description = "720p + 480p WebM with Opus"

[[renditions]]
name = "720p"
container = "webm"
video_codec = "vp9"
size = 720
crf = 32
speed = "5"
audio_codec = "opus"
audio_bitrate_kbps = 128

[[renditions]]
name = "480p"
container = "webm"
video_codec = "vp9"
size = 480
crf = 34
max_fps = 30
audio_codec = "opus"
"#;

    #[test]
    fn builtins_round_trip() {
        for preset in builtin_presets() {
            let text = to_toml(&preset);
            assert_eq!(parse(&text), Ok(preset.clone()), "{}:\n{text}", preset.name);
        }
    }

    #[test]
    fn storyboard_and_poster_parse_round_trip_and_are_checked() {
        let text = "name = \"s\"\n[thumbnail]\nstoryboard = { count = 100, tile_width = 200 }\nposter = \"best\"\n";
        let p = parse(text).expect("valid");
        assert_eq!(
            p.thumbnail.storyboard,
            Some(StoryboardSpec {
                spacing: TileSpacing::Count(100),
                tile_width: 200,
                ..StoryboardSpec::default()
            })
        );
        assert_eq!(p.thumbnail.poster, PosterChoice::Best);
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        let interval = parse("name = \"s\"\n[thumbnail]\nstoryboard = { interval_seconds = 2 }\n")
            .expect("valid");
        assert_eq!(
            interval.thumbnail.storyboard.map(|s| s.spacing),
            Some(TileSpacing::IntervalSeconds(2))
        );
        let fields = |text: &str| -> Vec<String> {
            parse(text)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        let both = "name = \"s\"\n[thumbnail]\nstoryboard = { count = 3, interval_seconds = 2 }\n";
        assert_eq!(fields(both), ["thumbnail.storyboard"]);
        let wide = "name = \"s\"\n[thumbnail]\nstoryboard = { tile_width = 5000 }\n";
        assert_eq!(fields(wide), ["thumbnail.storyboard.tile_width"]);
        let poster = "name = \"s\"\n[thumbnail]\nposter = \"middle\"\n";
        assert_eq!(fields(poster), ["thumbnail.poster"]);
    }

    #[test]
    fn hand_written_file_parses_with_defaults() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.renditions.len(), 2);
        assert_eq!(p.renditions[1].speed, "5");
        assert_eq!(p.renditions[1].max_fps, Some(30));
        assert_eq!(p.thumbnail, ThumbnailSpec::default());
        assert_eq!(parse(&to_toml(&p)), Ok(p));
    }

    #[test]
    fn copy_none_source_and_bitrate_round_trip() {
        let text = SMALL_WEBM
            .replacen("audio_codec = \"opus\"", "audio_codec = \"copy\"", 1)
            .replacen("size = 480", "size = \"source\"", 1)
            .replacen("crf = 34", "bitrate_kbps = 900", 1)
            .replacen("audio_codec = \"opus\"", "audio_codec = \"none\"", 1);
        let p = parse(&text).expect("valid");
        assert_eq!(p.renditions[0].audio, AudioSpec::Copy);
        assert_eq!(p.renditions[1].audio, AudioSpec::None);
        assert_eq!(p.renditions[1].size, SizeSpec::Source);
        assert_eq!(p.renditions[1].quality, Quality::BitrateKbps(900));
        assert_eq!(parse(&to_toml(&p)), Ok(p));
    }

    #[test]
    fn problems_carry_line_and_field() {
        let text = SMALL_WEBM.replacen("audio_codec = \"opus\"", "audio_codec = \"aac\"", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "audio_codec");
        assert_eq!(problems[0].rendition, Some(0));
        assert_eq!(problems[0].line, Some(11));

        let text = SMALL_WEBM.replace("size = 480", "size = 0");
        let problems = parse(&text).unwrap_err();
        assert_eq!(
            (problems[0].line, problems[0].field.as_str()),
            (Some(18), "size")
        );
    }

    #[test]
    fn syntax_and_type_errors_name_the_line() {
        let problems =
            parse("name = \"x\"\n[[renditions]]\nname = \"a\"\nsize = true\n").unwrap_err();
        assert_eq!(problems[0].line, Some(4), "{problems:?}");
        assert_eq!(problems[0].rendition, Some(0));
        let problems = parse("name = \"x\"\nbogus = 1\n").unwrap_err();
        assert!(problems[0].message.contains("bogus"), "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
        let problems = parse("name = \n").unwrap_err();
        assert_eq!(problems[0].line, Some(1));
    }

    #[test]
    fn metadata_rule_parses_defaults_and_is_checked() {
        assert_eq!(
            parse(SMALL_WEBM).map(|p| p.metadata),
            Ok(MetadataRule::NoLocation)
        );
        for rule in MetadataRule::ALL {
            let text =
                SMALL_WEBM.replacen("\n\n", &format!("\nmetadata = \"{}\"\n\n", rule.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.metadata, rule);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nmetadata = \"gps_only\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "metadata");
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("gps_only"));
    }

    #[test]
    fn picture_rules_parse_default_and_are_checked() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.picture, PictureRules::default());
        assert_eq!(p.picture.deinterlace, DeinterlaceRule::Auto);
        let text = SMALL_WEBM.replacen(
            "\n\n",
            "\ndeinterlace = \"always\"\nrate = \"field\"\n\n",
            1,
        );
        let p = parse(&text).expect("valid");
        assert_eq!(p.picture.deinterlace, DeinterlaceRule::Always);
        assert_eq!(p.picture.rate, FieldRate::Field);
        assert_eq!(parse(&to_toml(&p)), Ok(p.clone()));
        let off = SMALL_WEBM.replacen("\n\n", "\ndeinterlace = \"off\"\n\n", 1);
        assert_eq!(
            parse(&off).map(|p| p.picture.deinterlace),
            Ok(DeinterlaceRule::Off)
        );
        let bad = SMALL_WEBM.replacen(
            "\n\n",
            "\ndeinterlace = \"yadif\"\nrate = \"double\"\n\n",
            1,
        );
        let problems = parse(&bad).unwrap_err();
        let fields: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.line))
            .collect();
        assert_eq!(fields, [("deinterlace", Some(3)), ("rate", Some(4))]);
        assert!(problems[0].message.contains("auto, off or always"));
    }

    #[test]
    fn crop_parses_as_a_word_or_sides_and_is_checked() {
        assert_eq!(
            parse(SMALL_WEBM).map(|p| p.picture.crop),
            Ok(CropRule::None)
        );
        let with = |crop: &str| SMALL_WEBM.replacen("\n\n", &format!("\ncrop = {crop}\n\n"), 1);
        assert_eq!(
            parse(&with("\"auto\"")).map(|p| p.picture.crop),
            Ok(CropRule::Auto)
        );
        let p = parse(&with("{ top = 140, bottom = 140, left = 0, right = 0 }")).expect("valid");
        let fixed = CropRule::Fixed(Crop {
            top: 140,
            bottom: 140,
            left: 0,
            right: 0,
        });
        assert_eq!(p.picture.crop, fixed);
        assert_eq!(parse(&to_toml(&p)).map(|p| p.picture.crop), Ok(fixed));
        for bad in ["\"black\"", "{ top = 7, bottom = 0, left = 0, right = 0 }"] {
            let problems = parse(&with(bad)).unwrap_err();
            assert_eq!(problems[0].field, "crop", "{bad}: {problems:?}");
            assert_eq!(problems[0].line, Some(3));
        }
        assert!(parse(&with("{ top = 8 }")).is_err(), "every side is named");
    }

    #[test]
    fn track_rules_parse_default_and_are_checked() {
        let p = parse(SMALL_WEBM).expect("valid");
        assert_eq!(p.tracks, TrackRules::default());
        let text = SMALL_WEBM.replacen(
            "\n\n",
            "\naudio_tracks = [\"eng\", \"fra\"]\nchannels = \"source\"\nloudness_lufs = -16\nsubtitles = \"keep_and_sidecar\"\n\n",
            1,
        );
        let p = parse(&text).expect("valid");
        assert_eq!(
            p.tracks.audio_tracks,
            AudioTracks::Languages(vec!["eng".into(), "fra".into()])
        );
        assert_eq!(p.tracks.channels, Channels::Source);
        assert_eq!(p.tracks.loudness_lufs, Some(-16.0));
        assert_eq!(p.tracks.subtitles, SubtitleRule::KeepAndSidecar);
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        let all = SMALL_WEBM.replacen("\n\n", "\naudio_tracks = \"all\"\n\n", 1);
        assert_eq!(
            parse(&all).map(|p| p.tracks.audio_tracks),
            Ok(AudioTracks::All)
        );

        let bad = SMALL_WEBM.replacen(
            "\n\n",
            "\naudio_tracks = \"some\"\nchannels = \"7.1\"\nsubtitles = \"burn\"\n\n",
            1,
        );
        let problems = parse(&bad).unwrap_err();
        let fields: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.line))
            .collect();
        assert_eq!(
            fields,
            [
                ("audio_tracks", Some(3)),
                ("channels", Some(4)),
                ("subtitles", Some(5))
            ]
        );
        let loud = SMALL_WEBM.replacen("\n\n", "\nloudness_lufs = 0\n\n", 1);
        let problems = parse(&loud).unwrap_err();
        assert_eq!(problems[0].field, "loudness_lufs");
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn hdr_rule_parses_defaults_and_is_checked() {
        assert_eq!(parse(SMALL_WEBM).map(|p| p.hdr), Ok(HdrRule::Auto));
        for rule in HdrRule::ALL {
            let text = SMALL_WEBM.replacen("\n\n", &format!("\nhdr = \"{}\"\n\n", rule.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.hdr, rule);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nhdr = \"dolby\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "hdr");
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("dolby"));
    }

    #[test]
    fn score_parses_defaults_and_is_checked() {
        let preset = parse(SMALL_WEBM).expect("valid");
        assert_eq!(preset.score, ScoreMode::Sampled);
        // The default is not written, so exported presets stay as they were.
        assert!(!to_toml(&preset).contains("score"));
        for mode in ScoreMode::ALL {
            let text = SMALL_WEBM.replacen("\n\n", &format!("\nscore = \"{}\"\n\n", mode.key()), 1);
            let p = parse(&text).expect("valid");
            assert_eq!(p.score, mode);
            assert_eq!(parse(&to_toml(&p)), Ok(p));
        }
        let text = SMALL_WEBM.replacen("\n\n", "\nscore = \"vmaf\"\n\n", 1);
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("score", Some(3))
        );
        assert!(problems[0].message.contains("off, sampled or full"));
    }

    #[test]
    fn floors_parse_round_trip_and_are_checked() {
        let floored =
            |extra: &str| SMALL_WEBM.replacen("crf = 32\n", &format!("crf = 32\n{extra}"), 1);
        let p = parse(&floored("min_ssim = 0.97\non_low_quality = \"retry\"\n")).expect("valid");
        let goal = p.renditions[0].goal;
        assert_eq!(
            (goal.min_ssim, goal.on_low_quality),
            (Some(0.97), LowQuality::Retry)
        );
        assert_eq!(p.renditions[1].goal, QualityGoal::default());
        assert_eq!(parse(&to_toml(&p)), Ok(p));
        for (extra, field) in [
            ("min_ssim = 1.2\n", "min_ssim"),
            ("on_low_quality = \"retry\"\n", "on_low_quality"),
            (
                "min_ssim = 0.9\non_low_quality = \"again\"\n",
                "on_low_quality",
            ),
        ] {
            let problems = parse(&floored(extra)).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(
                (problems[0].field.as_str(), problems[0].rendition),
                (field, Some(0))
            );
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // A floor needs a score.
        let off = floored("min_ssim = 0.97\n").replacen("\n\n", "\nscore = \"off\"\n\n", 1);
        let problems = parse(&off).unwrap_err();
        assert!(problems[0].message.contains("score"), "{problems:?}");
    }

    #[test]
    fn target_ssim_takes_the_crfs_place_and_is_checked() {
        let aimed = |with: &str| SMALL_WEBM.replacen("crf = 32\n", with, 1);
        let p = parse(&aimed("target_ssim = 0.985\n")).expect("valid");
        assert_eq!(p.renditions[0].goal.target_ssim, Some(0.985));
        assert_eq!(p.renditions[1].goal.target_ssim, None);
        let text = to_toml(&p);
        assert!(text.contains("target_ssim = 0.985"), "{text}");
        // The starting CRF is not written: the file says what it said.
        assert_eq!(text.matches("crf =").count(), 1, "{text}");
        assert_eq!(parse(&text), Ok(p.clone()));
        assert!(p.renditions[0].summary().contains("target SSIM 0.985"));
        for (with, field) in [
            ("target_ssim = 1.5\n", "target_ssim"),
            ("target_ssim = 0\n", "target_ssim"),
            ("target_ssim = 0.98\ncrf = 30\n", "target_ssim"),
            ("target_ssim = 0.98\nbitrate_kbps = 900\n", "target_ssim"),
            ("target_ssim = \"high\"\n", "target_ssim"),
        ] {
            let problems = parse(&aimed(with)).unwrap_err();
            assert_eq!(problems.len(), 1, "{with}: {problems:?}");
            assert_eq!(
                (problems[0].field.as_str(), problems[0].rendition),
                (field, Some(0)),
                "{with}: {problems:?}"
            );
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // With a cap: the search keeps it.
        let capped = parse(&aimed("target_ssim = 0.98\nmaxrate_kbps = 3000\n"));
        assert!(capped.is_err(), "VP9 takes no cap");
    }

    #[test]
    fn package_segment_and_caps_parse_and_are_checked() {
        let text = "name = \"s\"\npackage = \"hls\"\nsegment_seconds = 6\n\n[[renditions]]\nname = \"720p\"\ncontainer = \"mp4\"\nvideo_codec = \"h264\"\nsize = 720\ncrf = 23\nmaxrate_kbps = 3000\naudio_codec = \"aac\"\n";
        let preset = parse(text).expect("valid");
        assert_eq!(preset.packaging.package, Package::Hls);
        assert_eq!(preset.packaging.segment_seconds, 6);
        assert_eq!(
            preset.renditions[0].quality,
            Quality::CappedCrf {
                crf: 23,
                maxrate_kbps: 3000,
                bufsize_kbps: 6000
            }
        );
        assert_eq!(parse(&to_toml(&preset)), Ok(preset));
        let bad = text.replace("\"hls\"", "\"smooth\"");
        let problems = parse(&bad).expect_err("unknown package");
        assert_eq!(problems[0].field, "package");
        assert_eq!(problems[0].line, Some(2));
        let long = text.replace("= 6", "= 60");
        let problems = parse(&long).expect_err("segment too long");
        assert_eq!(problems[0].field, "segment_seconds");
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn unknown_codec_is_named() {
        let text = SMALL_WEBM.replace(
            "video_codec = \"vp9\"\nsize = 480",
            "video_codec = \"divx\"\nsize = 480",
        );
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems[0].field, "video_codec");
        assert_eq!(problems[0].line, Some(17));
        assert!(problems[0].message.contains("divx"));
    }

    /// Property: damaged copies of good preset files (every built-in's and
    /// a hand-written one) never panic; what parses is valid and writes
    /// back to itself (as TOML and as JSON), and every problem names a line
    /// of the text.
    #[test]
    fn damaged_preset_files_parse_to_valid_presets_or_located_problems() {
        let mut gen = crate::testgen::Gen::new(26);
        let mut good: Vec<String> = builtin_presets().iter().map(to_toml).collect();
        good.push(SMALL_WEBM.to_owned());
        for case in 0..3000 {
            let text = gen.mutate(&good[case % good.len()]);
            match parse(&text) {
                Ok(preset) => {
                    assert!(validate(&preset).is_empty(), "case {case}:\n{text}");
                    // The JSON of job requests is the same form: it reads back too.
                    let json = serde_json::to_string(&preset).unwrap_or_default();
                    let read = serde_json::from_str::<Preset>(&json).ok();
                    assert_eq!(read.as_ref(), Some(&preset), "case {case}: {json}");
                    assert_eq!(parse(&to_toml(&preset)), Ok(preset), "case {case}");
                }
                Err(problems) => {
                    assert!(!problems.is_empty(), "case {case}");
                    let lines = text.lines().count().max(1);
                    for p in problems {
                        assert!(
                            p.line.is_none_or(|l| (1..=lines + 1).contains(&l)),
                            "case {case}: {p}"
                        );
                    }
                }
            }
        }
    }

    /// Property: a preset and its renditions may be given any names; the
    /// file is accepted exactly when the one name rule accepts them, and
    /// the names read back as written.
    #[test]
    fn any_names_are_refused_or_read_back_exactly() {
        let mut gen = crate::testgen::Gen::new(26);
        let base = builtin_presets()[0].clone();
        for case in 0..2000 {
            let mut preset = base.clone();
            preset.name = gen.nasty(4);
            let rendition = gen.nasty(3);
            preset.renditions[0].name = rendition.clone();
            let text = to_toml(&preset);
            let names_ok = crate::names::name_problem(&preset.name).is_none()
                && crate::names::name_problem(&rendition).is_none()
                && preset.renditions[1..].iter().all(|r| r.name != rendition);
            match parse(&text) {
                Ok(read) => {
                    assert!(names_ok, "case {case}: {:?} accepted", preset.name);
                    assert_eq!(
                        (read.name.as_str(), read.renditions[0].name.as_str()),
                        (preset.name.as_str(), rendition.as_str())
                    );
                }
                Err(problems) => {
                    assert!(!names_ok, "case {case}: {problems:?}\n{text}");
                    assert!(
                        problems.iter().all(|p| p.field == "name"),
                        "case {case}: {problems:?}"
                    );
                }
            }
        }
    }

    /// The sentences a user reads for an unknown word, one per field,
    /// pinned (they were written by hand per field; now they are made from
    /// each enum's words, and must read the same).
    #[test]
    fn unknown_words_read_as_they_always_did() {
        let top = |line: &str| SMALL_WEBM.replacen("\n\n", &format!("\n{line}\n\n"), 1);
        let thumb = |line: &str| format!("{SMALL_WEBM}\n[thumbnail]\n{line}\n");
        let first = |from: &str, to: &str| SMALL_WEBM.replacen(from, to, 1);
        let cases = [
            (
                top("metadata = \"x\""),
                "unknown metadata rule \"x\"; use keep, no_location or strip",
            ),
            (
                top("channels = \"x\""),
                "unknown channel rule \"x\"; use stereo or source",
            ),
            (
                top("subtitles = \"x\""),
                "unknown subtitle rule \"x\"; use none, keep or keep_and_sidecar",
            ),
            (
                top("hdr = \"x\""),
                "unknown HDR rule \"x\"; use auto, keep or tonemap",
            ),
            (
                top("deinterlace = \"x\""),
                "unknown deinterlace rule \"x\"; use auto, off or always",
            ),
            (
                top("rate = \"x\""),
                "unknown rate \"x\"; use frame or field",
            ),
            (
                top("package = \"x\""),
                "unknown package \"x\"; use files, hls, dash or cmaf",
            ),
            (
                top("score = \"x\""),
                "unknown score \"x\"; use off, sampled or full",
            ),
            (
                thumb("format = \"x\""),
                "unknown thumbnail format \"x\"; use jpeg, png or webp",
            ),
            (
                thumb("poster = \"x\""),
                "unknown poster choice \"x\"; use first or best",
            ),
            (
                first("container = \"webm\"", "container = \"x\""),
                "unknown container \"x\"; use mp4 or webm",
            ),
            (
                first("video_codec = \"vp9\"", "video_codec = \"x\""),
                "unknown video codec \"x\"; use h264, hevc, vp9 or av1",
            ),
            (
                first("audio_codec = \"opus\"", "audio_codec = \"x\""),
                "unknown audio codec \"x\"; use aac, opus, none or copy",
            ),
            (
                first(
                    "crf = 32\n",
                    "crf = 32\nmin_ssim = 0.9\non_low_quality = \"x\"\n",
                ),
                "unknown choice \"x\"; use fail or retry",
            ),
        ];
        for (text, sentence) in cases {
            let problems = parse(&text).unwrap_err();
            assert_eq!(problems.len(), 1, "{text}: {problems:?}");
            assert_eq!(problems[0].message, sentence);
            assert!(problems[0].line.is_some(), "{problems:?}");
        }
        // Not a string: a type error on its line, as before.
        let problems = parse(&top("hdr = 3")).unwrap_err();
        assert_eq!(
            (problems[0].field.as_str(), problems[0].line),
            ("hdr", Some(3))
        );
        assert!(
            problems[0].message.contains("expected a string"),
            "{problems:?}"
        );
    }

    /// The README's preset examples load: the whole preset as written, and
    /// the packaging one given a name (the other two are fragments).
    #[test]
    fn the_readmes_preset_examples_load() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let blocks: Vec<&str> = (readme.split("```toml\n").skip(1))
            .filter_map(|b| b.split("```").next())
            .collect();
        let whole = parse(blocks[0]).expect("the README's preset");
        assert_eq!(whole.renditions.len(), 2);
        assert_eq!(parse(&to_toml(&whole)), Ok(whole));
        let packaged = parse(&format!("name = \"p\"\n{}", blocks[1])).expect("packaged");
        assert_eq!(packaged.packaging.package, Package::Cmaf);
    }
}
