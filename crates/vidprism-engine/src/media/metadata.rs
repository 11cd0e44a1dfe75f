//! The source's descriptive metadata and chapters, read once and written
//! into every rendition's container before its header, as the preset's
//! [`MetadataRule`] allows.
//!
//! Only the tags that describe the recording are copied: creation time,
//! location (ISO 6709), camera make and model, and title, under the keys
//! FFmpeg's demuxers give them (`make`, `com.apple.quicktime.make`,
//! `LOCATION` from Matroska...). Encoder names, brands and the like belong
//! to the source file, not to the video, and are left to the muxer.
//! Chapters are copied under every rule, their times moved with the
//! renditions' start to zero.

use ffmpeg_next::{format, Dictionary, Rational, Rescale};

use crate::presets::{Container, MetadataRule};

/// The tags copied, lower case (compared without case: Matroska's are
/// upper case).
const COPIED_TAGS: [&str; 12] = [
    "creation_time",
    "com.apple.quicktime.creationdate",
    "date",
    "location",
    "location-eng",
    "com.apple.quicktime.location.iso6709",
    "make",
    "model",
    "com.apple.quicktime.make",
    "com.apple.quicktime.model",
    "title",
    "com.apple.quicktime.title",
];

/// Whether `key` says where the video was shot.
pub fn is_location_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("location") || key.contains("gps")
}

/// One chapter, in its own time base, already moved so the renditions'
/// start is zero.
#[derive(Clone, Debug, PartialEq)]
pub struct Chapter {
    pub id: i64,
    pub time_base: Rational,
    pub start: i64,
    pub end: i64,
    pub title: String,
}

/// What a source says about itself that renditions may carry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceMetadata {
    /// The copied tags, as the source spells them, in its order.
    tags: Vec<(String, String)>,
    chapters: Vec<Chapter>,
}

impl SourceMetadata {
    /// Reads the tags and chapters of `input`, whose outputs start at
    /// `origin_us` (microseconds) of it.
    pub fn read(input: &format::context::Input, origin_us: i64) -> SourceMetadata {
        let tags = input
            .metadata()
            .iter()
            .filter(|(k, _)| COPIED_TAGS.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let chapters = input
            .chapters()
            .filter_map(|c| {
                let time_base = c.time_base();
                if time_base.numerator() <= 0 || time_base.denominator() <= 0 {
                    return None;
                }
                let origin = origin_us.rescale(Rational::new(1, 1_000_000), time_base);
                let end = c.end().saturating_sub(origin);
                (end > 0).then(|| Chapter {
                    id: c.id(),
                    time_base,
                    start: c.start().saturating_sub(origin).max(0),
                    end,
                    title: c.metadata().get("title").unwrap_or("").to_owned(),
                })
            })
            .collect();
        SourceMetadata { tags, chapters }
    }

    /// The tags a rendition carries under `rule`.
    pub fn tags(&self, rule: MetadataRule) -> Vec<(&str, &str)> {
        self.tags
            .iter()
            .filter(|(k, _)| match rule {
                MetadataRule::Keep => true,
                MetadataRule::NoLocation => !is_location_key(k),
                MetadataRule::Strip => false,
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Puts the tags `rule` allows and every chapter into `output`, whose
    /// header is not written yet. Returns whether the MP4 muxer must write
    /// its tags as QuickTime metadata keys (`movflags use_metadata_tags`):
    /// without it, FFmpeg 5.1's movenc writes only the title and location
    /// of these (iTunes `©nam`, `loci`) and drops the camera's make and
    /// model; with it, every key as it is spelt, so ffprobe reads back the
    /// source's tags.
    pub fn write_into(
        &self,
        output: &mut format::context::Output,
        rule: MetadataRule,
        container: Container,
    ) -> Result<bool, ffmpeg_next::Error> {
        let tags = self.tags(rule);
        if !tags.is_empty() {
            let mut dictionary = Dictionary::new();
            for (key, value) in &tags {
                dictionary.set(key, value);
            }
            output.set_metadata(dictionary);
        }
        for c in &self.chapters {
            output.add_chapter(c.id, c.time_base, c.start, c.end, &c.title)?;
        }
        Ok(container == Container::Mp4 && !tags.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone_clip() -> SourceMetadata {
        let tags = [
            ("creation_time", "2024-05-01T10:00:00.000000Z"),
            ("com.apple.quicktime.location.ISO6709", "+48.8584+002.2945/"),
            ("LOCATION", "+48.8584+002.2945/"),
            ("com.apple.quicktime.make", "Apple"),
            ("model", "Cam1"),
            ("title", "Tower"),
        ];
        SourceMetadata {
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            chapters: Vec::new(),
        }
    }

    fn keys(m: &SourceMetadata, rule: MetadataRule) -> Vec<&str> {
        m.tags(rule).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn keep_copies_every_tag() {
        assert_eq!(keys(&phone_clip(), MetadataRule::Keep).len(), 6);
    }

    #[test]
    fn no_location_drops_every_location_key_only() {
        assert_eq!(
            keys(&phone_clip(), MetadataRule::NoLocation),
            [
                "creation_time",
                "com.apple.quicktime.make",
                "model",
                "title"
            ]
        );
    }

    #[test]
    fn strip_copies_nothing() {
        assert!(keys(&phone_clip(), MetadataRule::Strip).is_empty());
    }

    #[test]
    fn location_keys_are_recognised_without_case() {
        for key in ["location", "location-eng", "LOCATION", "GPSCoordinates"] {
            assert!(is_location_key(key), "{key}");
        }
        assert!(!is_location_key("creation_time"));
    }
}
