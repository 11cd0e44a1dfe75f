//! Paths in JSON (the `--json` events, the job store, the farm's wire)
//! keep their exact bytes.
//!
//! A path that is valid UTF-8 is a plain JSON string, as it always was. One
//! that is not (common in file names from cameras and old Windows shares
//! on Unix) cannot be a JSON string, so it becomes an object:
//! `{"lossy": "caf\u{FFFD}.mp4", "bytes_hex": "636166e92e6d7034"}`: the name
//! with U+FFFD for each byte that is not UTF-8, to show, and the exact bytes
//! in hexadecimal, to open the file with. Use with `#[serde(with = ...)]`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Encoded {
    Text(String),
    Bytes { lossy: String, bytes_hex: String },
}

fn encode(path: &Path) -> Encoded {
    match path.to_str() {
        Some(text) => Encoded::Text(text.to_owned()),
        None => Encoded::Bytes {
            lossy: path.to_string_lossy().into_owned(),
            bytes_hex: raw_bytes(path).iter().map(|b| format!("{b:02x}")).collect(),
        },
    }
}

/// Why an encoded path cannot be read back.
#[derive(Debug, thiserror::Error)]
enum PathJsonError {
    #[error("bytes_hex has an odd length")]
    OddLength,
    #[error("bytes_hex is not hexadecimal at {0}")]
    NotHex(usize),
    #[cfg_attr(unix, allow(dead_code))]
    #[error("a path that is not UTF-8 on a system whose paths are")]
    NotUtf8,
}

fn decode(encoded: Encoded) -> Result<PathBuf, PathJsonError> {
    match encoded {
        Encoded::Text(text) => Ok(PathBuf::from(text)),
        Encoded::Bytes { bytes_hex, .. } => {
            if bytes_hex.len() % 2 != 0 {
                return Err(PathJsonError::OddLength);
            }
            let bytes = (0..bytes_hex.len())
                .step_by(2)
                .map(|i| {
                    bytes_hex
                        .get(i..i + 2)
                        .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                        .ok_or(PathJsonError::NotHex(i))
                })
                .collect::<Result<Vec<u8>, PathJsonError>>()?;
            from_raw_bytes(bytes)
        }
    }
}

#[cfg(unix)]
fn raw_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn raw_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn from_raw_bytes(bytes: Vec<u8>) -> Result<PathBuf, PathJsonError> {
    use std::os::unix::ffi::OsStringExt;
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn from_raw_bytes(bytes: Vec<u8>) -> Result<PathBuf, PathJsonError> {
    String::from_utf8(bytes)
        .map(PathBuf::from)
        .map_err(|_| PathJsonError::NotUtf8)
}

pub fn serialize<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    encode(path).serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<PathBuf, D::Error> {
    decode(Encoded::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// The same for an optional path.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        path: &Option<PathBuf>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        path.as_deref().map(encode).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PathBuf>, D::Error> {
        Option::<Encoded>::deserialize(deserializer)?
            .map(decode)
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super")]
        path: PathBuf,
        #[serde(with = "super::option", default)]
        dir: Option<PathBuf>,
    }

    #[test]
    fn utf8_paths_stay_plain_strings() {
        let h = Holder {
            path: "/videos/été.mp4".into(),
            dir: None,
        };
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"{"path":"/videos/été.mp4","dir":null}"#);
        assert_eq!(serde_json::from_str::<Holder>(&json).unwrap(), h);
        let old: Holder = serde_json::from_str(r#"{"path":"a.mp4"}"#).unwrap();
        assert_eq!(old.dir, None);
    }

    #[cfg(unix)]
    #[test]
    fn other_paths_keep_their_exact_bytes_and_show_lossily() {
        use std::os::unix::ffi::OsStrExt;
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/v/caf\xe9.mp4"));
        let h = Holder {
            path: path.clone(),
            dir: Some(path.clone()),
        };
        let value = serde_json::to_value(&h).unwrap();
        assert_eq!(value["path"]["lossy"], "/v/caf\u{FFFD}.mp4");
        assert_eq!(value["path"]["bytes_hex"], "2f762f636166e92e6d7034");
        let back: Holder = serde_json::from_value(value).unwrap();
        assert_eq!(back, h);
        let bad = r#"{"path":{"lossy":"x","bytes_hex":"zz"}}"#;
        assert!(serde_json::from_str::<Holder>(bad).is_err());
    }
}
