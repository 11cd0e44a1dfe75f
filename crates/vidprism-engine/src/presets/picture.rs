//! How a preset prepares the source's pictures before any rendition is
//! made of them (issue 27): deinterlacing and its output rate, black bars
//! cropped. Pure data;
//! what the media layer does with it is in `media::picture_prep`. Rules
//! apply to the job's one decode, so they are preset-wide.

use serde::{Deserialize, Serialize};

/// Whether interlaced sources are deinterlaced.
///
/// The default, [`DeinterlaceRule::Auto`], deinterlaces a source its
/// stream flags as interlaced or that looks interlaced in sampled
/// pictures, unless the pictures clearly show it is progressive (a flag
/// that lies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeinterlaceRule {
    #[default]
    Auto,
    /// Never: the pictures are encoded as decoded.
    Off,
    /// Every source, whatever its flags and pictures say.
    Always,
}

impl DeinterlaceRule {
    pub const ALL: [DeinterlaceRule; 3] = [
        DeinterlaceRule::Auto,
        DeinterlaceRule::Off,
        DeinterlaceRule::Always,
    ];

    /// The word preset files use: its serde name (`words::word_of`).
    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<DeinterlaceRule> {
        DeinterlaceRule::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == DeinterlaceRule::default()
    }

    /// The rule, for people.
    pub fn label(self) -> &'static str {
        match self {
            DeinterlaceRule::Auto => "interlaced sources (flagged or detected)",
            DeinterlaceRule::Off => "never",
            DeinterlaceRule::Always => "every source",
        }
    }
}

/// The picture rate a deinterlaced source is made at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRate {
    /// One picture per frame: 50i becomes 25p.
    #[default]
    Frame,
    /// One picture per field: 50i becomes 50p (smoother, twice the pictures).
    Field,
}

impl FieldRate {
    pub const ALL: [FieldRate; 2] = [FieldRate::Frame, FieldRate::Field];

    pub fn key(self) -> &'static str {
        super::words::word_of(&self)
    }

    pub fn from_key(key: &str) -> Option<FieldRate> {
        FieldRate::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn is_default(&self) -> bool {
        *self == FieldRate::default()
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldRate::Frame => "frame rate (50i to 25p)",
            FieldRate::Field => "field rate (50i to 50p)",
        }
    }
}

/// Pixels taken off each side of the source's coded picture (before it
/// is turned upright); even, so the picture stays whole 4:2:0 blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crop {
    pub top: u32,
    pub bottom: u32,
    pub left: u32,
    pub right: u32,
}

impl Crop {
    /// The sides as a list, named as preset files name them.
    pub fn sides(&self) -> [(&'static str, u32); 4] {
        [
            ("top", self.top),
            ("bottom", self.bottom),
            ("left", self.left),
            ("right", self.right),
        ]
    }
}

/// Whether black bars are cropped.
///
/// The default, [`CropRule::None`], never takes a pixel: a preset must
/// ask for cropping, and `auto` crops only lines black in every picture
/// sampled over the whole source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "super::forms::CropForm", into = "super::forms::CropForm")]
pub enum CropRule {
    #[default]
    None,
    /// The bars found in pictures spread over the source.
    Auto,
    /// These many pixels from each side, whatever the pictures show.
    Fixed(Crop),
}

impl CropRule {
    pub fn is_default(&self) -> bool {
        *self == CropRule::default()
    }

    /// What is wrong with a fixed crop: sides must be even (whole 4:2:0
    /// blocks; the display keeps even dimensions) and no larger than a
    /// picture may be.
    pub fn problem(&self) -> Option<String> {
        let CropRule::Fixed(crop) = self else {
            return None;
        };
        crop.sides().iter().find_map(|&(side, n)| {
            if n % 2 == 1 {
                Some(format!(
                    "{side} is {n}; crops must be even numbers of pixels"
                ))
            } else if n > crate::limits::MAX_DIMENSION {
                Some(format!(
                    "{side} is {n}; no picture is larger than {} pixels",
                    crate::limits::MAX_DIMENSION
                ))
            } else {
                None
            }
        })
    }

    /// The word for lists: "none", "auto" or "top 8, bottom 8, ...".
    pub fn summary(&self) -> String {
        match self {
            CropRule::None | CropRule::Auto => {
                super::forms::word_in(&super::forms::CROP_WORDS, self).to_owned()
            }
            CropRule::Fixed(crop) => crop
                .sides()
                .iter()
                .map(|(side, n)| format!("{side} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// A preset's picture rules; each default is left out of the JSON, so
/// presets and jobs stored before them read and write as they did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PictureRules {
    #[serde(default)]
    pub deinterlace: DeinterlaceRule,
    #[serde(default)]
    pub rate: FieldRate,
    #[serde(default)]
    pub crop: CropRule,
}

impl PictureRules {
    /// One line for lists: "deinterlace auto, frame rate".
    pub fn summary(&self) -> String {
        let deinterlace = match self.deinterlace {
            DeinterlaceRule::Off => "deinterlace off".to_owned(),
            rule => format!("deinterlace {}, {} rate", rule.key(), self.rate.key()),
        };
        format!("{deinterlace}, crop {}", self.crop.summary())
    }

    /// The rules of a job's one decode, from all its presets: deinterlaced
    /// when any preset asks (`always` over `auto` over `off`), at field rate
    /// when any preset that deinterlaces asks for it; cropped only as all
    /// the presets agree (one that keeps the whole picture wins).
    pub fn of_job<'a>(presets: impl IntoIterator<Item = &'a PictureRules>) -> PictureRules {
        let rank = |r: DeinterlaceRule| match r {
            DeinterlaceRule::Off => 0,
            DeinterlaceRule::Auto => 1,
            DeinterlaceRule::Always => 2,
        };
        let mut job = PictureRules {
            deinterlace: DeinterlaceRule::Off,
            rate: FieldRate::Frame,
            crop: CropRule::None,
        };
        let mut crops = Vec::new();
        for rules in presets {
            crops.push(rules.crop);
            if rank(rules.deinterlace) > rank(job.deinterlace) {
                job.deinterlace = rules.deinterlace;
            }
            if rules.deinterlace != DeinterlaceRule::Off && rules.rate == FieldRate::Field {
                job.rate = FieldRate::Field;
            }
        }
        if crops.windows(2).all(|pair| pair[0] == pair[1]) {
            job.crop = crops.first().copied().unwrap_or_default();
        }
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for r in DeinterlaceRule::ALL {
            assert_eq!(DeinterlaceRule::from_key(r.key()), Some(r));
        }
        for r in FieldRate::ALL {
            assert_eq!(FieldRate::from_key(r.key()), Some(r));
        }
        assert_eq!(DeinterlaceRule::from_key("yes"), None);
        assert_eq!(FieldRate::from_key("double"), None);
    }

    #[test]
    fn rules_load_with_their_defaults_and_builtins_are_auto() {
        use crate::presets::{builtin_presets, Preset};
        let json = r#"{"name":"p","description":"","thumbnail":{"format":"jpeg","width":640},"renditions":[]}"#;
        let preset: Preset = serde_json::from_str(json).expect("old preset loads");
        assert_eq!(preset.picture, PictureRules::default());
        let field = Preset {
            picture: PictureRules {
                deinterlace: DeinterlaceRule::Always,
                rate: FieldRate::Field,
                crop: CropRule::None,
            },
            ..preset
        };
        let text = serde_json::to_string(&field).expect("serializes");
        assert!(
            text.contains(r#""deinterlace":"always","rate":"field","crop":"none""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Preset>(&text).ok(), Some(field));
        assert!(builtin_presets()
            .iter()
            .all(|p| p.picture.deinterlace == DeinterlaceRule::Auto));
    }

    #[test]
    fn a_job_deinterlaces_when_any_preset_asks() {
        let rules = |deinterlace, rate| PictureRules {
            deinterlace,
            rate,
            crop: CropRule::None,
        };
        let off = rules(DeinterlaceRule::Off, FieldRate::Field);
        let auto = rules(DeinterlaceRule::Auto, FieldRate::Frame);
        let always = rules(DeinterlaceRule::Always, FieldRate::Frame);
        assert_eq!(
            PictureRules::of_job([&off]),
            rules(DeinterlaceRule::Off, FieldRate::Frame),
            "an off preset's rate asks for nothing"
        );
        assert_eq!(PictureRules::of_job([&off, &auto]), auto);
        assert_eq!(PictureRules::of_job([&auto, &always, &off]), always);
        let field = rules(DeinterlaceRule::Auto, FieldRate::Field);
        assert_eq!(
            PictureRules::of_job([&always, &field]).rate,
            FieldRate::Field
        );
        assert_eq!(PictureRules::of_job([]).deinterlace, DeinterlaceRule::Off);
    }

    #[test]
    fn a_job_crops_only_as_all_its_presets_agree() {
        let crop = |crop| PictureRules {
            crop,
            ..PictureRules::default()
        };
        let (auto, none) = (crop(CropRule::Auto), crop(CropRule::None));
        let fixed = crop(CropRule::Fixed(Crop {
            top: 8,
            ..Crop::default()
        }));
        assert_eq!(PictureRules::of_job([&auto, &auto]).crop, CropRule::Auto);
        assert_eq!(PictureRules::of_job([&auto, &none]).crop, CropRule::None);
        assert_eq!(PictureRules::of_job([&fixed, &auto]).crop, CropRule::None);
        assert_eq!(PictureRules::of_job([&fixed]).crop, fixed.crop);
        let json = serde_json::to_string(&fixed).expect("serializes");
        let sides = r#""crop":{"top":8,"bottom":0,"left":0,"right":0}"#;
        assert!(json.ends_with(&format!("{sides}}}")), "{json}");
        assert_eq!(
            serde_json::from_str::<PictureRules>(&json).ok(),
            Some(fixed)
        );
        // Store format 3 wrote the sides inside "fixed".
        let format_3 = r#"{"crop":{"fixed":{"top":8,"bottom":0,"left":0,"right":0}}}"#;
        assert_eq!(
            serde_json::from_str::<PictureRules>(format_3).ok(),
            Some(fixed)
        );
        let text = serde_json::to_string(&auto).unwrap_or_default();
        assert!(text.ends_with(r#""crop":"auto"}"#), "{text}");
        assert_eq!(
            fixed.summary(),
            "deinterlace auto, frame rate, crop top 8, bottom 0, left 0, right 0"
        );
    }
}
