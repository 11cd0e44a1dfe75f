//! Pins of the preset's two written forms, made before the schema became
//! one set of types (issue 23): the TOML a file has (every built-in's
//! export and a preset using every rule), and the JSON job requests had in
//! store format 3 and on the farm's wire, which must still be read.

use super::*;

/// A preset with every rule away from its default and each kind of value
/// (source size, bitrate, capped CRF, target, copy and no audio, a
/// storyboard, fixed crop, languages).
pub(crate) fn every_rule() -> Preset {
    let base = builtin_presets()[0].renditions[0].clone();
    let rendition = |name: &str, size, quality, audio| RenditionSpec {
        name: name.to_owned(),
        size,
        quality,
        audio,
        ..base.clone()
    };
    let mut capped = rendition(
        "capped",
        SizeSpec::ShortSide(720),
        Quality::CappedCrf {
            crf: 23,
            maxrate_kbps: 3000,
            bufsize_kbps: 4000,
        },
        AudioSpec::Encode {
            codec: AudioCodec::Aac,
            bitrate_kbps: 96,
        },
    );
    capped.goal = QualityGoal {
        target_ssim: None,
        min_ssim: Some(0.95),
        on_low_quality: LowQuality::Retry,
    };
    capped.max_fps = Some(30);
    let mut aimed = rendition(
        "aimed",
        SizeSpec::ShortSide(480),
        Quality::Crf(VideoCodec::H264.default_crf()),
        AudioSpec::Copy,
    );
    aimed.goal.target_ssim = Some(0.985);
    Preset {
        name: "every-rule".to_owned(),
        description: "each rule away from its default".to_owned(),
        thumbnail: ThumbnailSpec {
            format: ThumbnailFormat::Webp,
            width: 320,
            storyboard: Some(StoryboardSpec {
                spacing: TileSpacing::Count(50),
                tile_width: 120,
                ..StoryboardSpec::default()
            }),
            poster: PosterChoice::Best,
        },
        renditions: vec![
            rendition(
                "source",
                SizeSpec::Source,
                Quality::BitrateKbps(900),
                AudioSpec::None,
            ),
            capped,
            aimed,
        ],
        metadata: MetadataRule::Keep,
        tracks: TrackRules {
            audio_tracks: AudioTracks::Languages(vec!["eng".into(), "fra".into()]),
            channels: Channels::Source,
            loudness_lufs: Some(-16.0),
            subtitles: SubtitleRule::KeepAndSidecar,
        },
        hdr: HdrRule::Tonemap,
        // Packaged presets take one audio for every rung: `stream` is one.
        packaging: Packaging::default(),
        picture: PictureRules {
            deinterlace: DeinterlaceRule::Always,
            rate: FieldRate::Field,
            crop: CropRule::Fixed(Crop {
                top: 8,
                bottom: 8,
                left: 0,
                right: 2,
            }),
        },
        score: ScoreMode::Full,
    }
}

/// The presets pinned in `tests/data/presets/`: each built-in and [`every_rule`].
fn pinned() -> Vec<Preset> {
    let mut all = builtin_presets();
    all.push(every_rule());
    all
}

/// A file of `tests/data/presets/`.
pub(crate) fn pinned_file(name: &str) -> String {
    let path = format!(
        "{}/../../tests/data/presets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Files exported before (every built-in's, and one with every rule) load
/// to the same preset, and exporting again writes the same text.
#[test]
fn exported_files_load_and_export_as_pinned() {
    for preset in pinned() {
        let text = pinned_file(&format!("{}.toml", preset.name));
        assert_eq!(parse(&text).as_ref(), Ok(&preset), "{}", preset.name);
        assert_eq!(to_toml(&preset), text, "{}", preset.name);
    }
}

/// The JSON of job requests in store format 3 and on the farm's wire
/// before issue 23 still reads as the same preset.
#[test]
fn format_3_json_still_reads() {
    for preset in pinned() {
        let json = pinned_file(&format!("{}.format3.json", preset.name));
        let read: Preset = serde_json::from_str(&json).expect(&preset.name);
        assert_eq!(read, preset, "{}", preset.name);
    }
}

/// The JSON written from store format 4 on, pinned: what the store and
/// the farm's wire carry, the file's form.
#[test]
fn json_is_as_pinned() {
    for preset in pinned() {
        let json = pinned_file(&format!("{}.json", preset.name));
        assert_eq!(
            serde_json::to_string(&preset).ok(),
            Some(json.trim_end().to_owned())
        );
    }
}
