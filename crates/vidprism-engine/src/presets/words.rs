//! The words preset files use for an enum's values, taken from the enum's
//! serde names (`#[serde(rename_all = ...)]`): each word is written once,
//! and `key()`, the TOML form and the JSON of events cannot disagree.
//!
//! Each preset enum derives `Serialize` and is read back by [`word_from`]
//! (the `Deserialize` impls below), which names the field a file gives it
//! in and the words it takes when a word is unknown.

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Impossible, Serialize, Serializer};

use super::codecs::{AudioCodec, Container, VideoCodec};
use super::forms::FormError;
use super::model::{HdrRule, MetadataRule, Package, ThumbnailFormat};
use super::picture::{DeinterlaceRule, FieldRate};
use super::quality::{LowQuality, ScoreMode};
use super::storyboard::PosterChoice;
use super::tracks::{Channels, SubtitleRule};

/// An enum of the preset model whose values are words.
pub trait Word: Copy + Serialize + 'static {
    /// Every value, in the order a file's help lists them.
    const ALL: &'static [Self];
    /// The field of a preset file (or of a rendition) that holds it.
    const FIELD: &'static str;
    /// What it is, for people: "unknown {WHAT} \"x\"".
    const WHAT: &'static str;
}

/// A word of a preset enum, or an error naming its field:
/// `channels: unknown channel rule "x"; use stereo or source`.
pub fn word_from<'de, D: Deserializer<'de>, T: Word>(deserializer: D) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    T::ALL
        .iter()
        .copied()
        .find(|value| word_of(value) == text)
        .ok_or_else(|| {
            D::Error::custom(FormError::new(
                T::FIELD,
                format!("unknown {} {text:?}; use {}", T::WHAT, one_of(T::ALL)),
            ))
        })
}

/// "a, b or c": the words of `all`.
pub fn one_of<T: Serialize>(all: &[T]) -> String {
    let words: Vec<&str> = all.iter().map(word_of).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// Each preset enum: the field that holds it and what it is called.
macro_rules! words {
    ($($ty:ident: $field:literal, $what:literal;)*) => {$(
        impl Word for $ty {
            const ALL: &'static [$ty] = &$ty::ALL;
            const FIELD: &'static str = $field;
            const WHAT: &'static str = $what;
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                word_from(deserializer)
            }
        }
    )*};
}

words! {
    Container: "container", "container";
    VideoCodec: "video_codec", "video codec";
    AudioCodec: "audio_codec", "audio codec";
    ThumbnailFormat: "thumbnail.format", "thumbnail format";
    PosterChoice: "thumbnail.poster", "poster choice";
    MetadataRule: "metadata", "metadata rule";
    HdrRule: "hdr", "HDR rule";
    Package: "package", "package";
    ScoreMode: "score", "score";
    LowQuality: "on_low_quality", "choice";
    Channels: "channels", "channel rule";
    SubtitleRule: "subtitles", "subtitle rule";
    DeinterlaceRule: "deinterlace", "deinterlace rule";
    FieldRate: "rate", "rate";
}

/// The serde name of a unit variant: `Container::Webm` gives `"webm"`.
///
/// Only for enums whose values are all unit variants (every enum of the
/// preset model with a `key()`); anything else is a bug of the caller and
/// gives `"?"` (pinned by each enum's round-trip test).
pub fn word_of<T: Serialize>(value: &T) -> &'static str {
    value.serialize(VariantName).unwrap_or("?")
}

/// Not a unit variant.
#[derive(Debug)]
struct NotAWord;

impl std::fmt::Display for NotAWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a unit variant")
    }
}

impl std::error::Error for NotAWord {}

impl serde::ser::Error for NotAWord {
    fn custom<T: std::fmt::Display>(_msg: T) -> NotAWord {
        NotAWord
    }
}

/// A serializer that keeps only a unit variant's name.
struct VariantName;

type VariantWord = Result<&'static str, NotAWord>;

macro_rules! not_a_word {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> VariantWord {
            Err(NotAWord)
        })*
    };
}

impl Serializer for VariantName {
    type Ok = &'static str;
    type Error = NotAWord;
    type SerializeSeq = Impossible<&'static str, NotAWord>;
    type SerializeTuple = Impossible<&'static str, NotAWord>;
    type SerializeTupleStruct = Impossible<&'static str, NotAWord>;
    type SerializeTupleVariant = Impossible<&'static str, NotAWord>;
    type SerializeMap = Impossible<&'static str, NotAWord>;
    type SerializeStruct = Impossible<&'static str, NotAWord>;
    type SerializeStructVariant = Impossible<&'static str, NotAWord>;

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> VariantWord {
        Ok(variant)
    }

    not_a_word!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> VariantWord {
        Err(NotAWord)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> VariantWord {
        Err(NotAWord)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> VariantWord {
        Err(NotAWord)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, NotAWord> {
        Err(NotAWord)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, NotAWord> {
        Err(NotAWord)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each enum's words: its serde names, each read back by `from_key`
    /// and by serde, and none of them the fallback.
    fn round_trips<T>(all: &[T], key: fn(T) -> &'static str, from_key: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
    {
        for &value in all {
            let word = key(value);
            assert_ne!(word, "?", "{value:?}");
            assert_eq!(from_key(word), Some(value));
            assert_eq!(
                serde_json::to_string(&value).unwrap(),
                format!("\"{word}\"")
            );
            assert_eq!(
                serde_json::from_str::<T>(&format!("\"{word}\"")).unwrap(),
                value
            );
        }
    }

    #[test]
    fn every_preset_enum_word_is_its_serde_name() {
        round_trips(&Container::ALL, Container::key, Container::from_key);
        round_trips(&VideoCodec::ALL, VideoCodec::key, VideoCodec::from_key);
        round_trips(&AudioCodec::ALL, AudioCodec::key, AudioCodec::from_key);
        round_trips(
            &MetadataRule::ALL,
            MetadataRule::key,
            MetadataRule::from_key,
        );
        round_trips(&HdrRule::ALL, HdrRule::key, HdrRule::from_key);
        round_trips(&Package::ALL, Package::key, Package::from_key);
        round_trips(
            &PosterChoice::ALL,
            PosterChoice::key,
            PosterChoice::from_key,
        );
        round_trips(&Channels::ALL, Channels::key, Channels::from_key);
        round_trips(
            &SubtitleRule::ALL,
            SubtitleRule::key,
            SubtitleRule::from_key,
        );
        round_trips(&ScoreMode::ALL, ScoreMode::key, ScoreMode::from_key);
        round_trips(&LowQuality::ALL, LowQuality::key, LowQuality::from_key);
        round_trips(
            &DeinterlaceRule::ALL,
            DeinterlaceRule::key,
            DeinterlaceRule::from_key,
        );
        round_trips(&FieldRate::ALL, FieldRate::key, FieldRate::from_key);
        assert_eq!(ThumbnailFormat::Jpeg.key(), "jpeg");
        assert_eq!(word_of(&ThumbnailFormat::Webp), "webp");
        assert_eq!(word_of(&3u32), "?");
    }

    #[test]
    fn the_words_are_the_ones_preset_files_have_always_used() {
        assert_eq!(MetadataRule::NoLocation.key(), "no_location");
        assert_eq!(SubtitleRule::KeepAndSidecar.key(), "keep_and_sidecar");
        assert_eq!(VideoCodec::H264.key(), "h264");
        assert_eq!(Package::Cmaf.key(), "cmaf");
    }
}
