//! The HLS playlists of a bundle, as text: one media playlist per track
//! addressing its fragments by byte range in its one fMP4 file, and the
//! master playlist listing the video rungs with the audio as its own group.
//! Pure.

use std::fmt::Write;

use super::track::{Track, TrackKind};

pub use crate::output::HLS_MASTER_PLAYLIST as MASTER;
const AUDIO_GROUP: &str = "audio";

/// A track's media playlist (VOD, fMP4 with `EXT-X-MAP`, byte ranges).
pub fn media_playlist(track: &Track) -> String {
    let layout = &track.layout;
    let timescale = f64::from(layout.timescale.max(1));
    let longest = layout
        .fragments
        .iter()
        .map(|f| f.duration as f64 / timescale)
        .fold(0.0f64, f64::max);
    // A percent-encoded URL: no name can end the quoted string or the
    // line, or start a comment.
    let file = track.media_uri();
    let mut text = String::new();
    let _ = write!(
        text,
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-PLAYLIST-TYPE:VOD\n\
         #EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n\
         #EXT-X-MAP:URI=\"{file}\",BYTERANGE=\"{}@{}\"\n",
        longest.round().max(1.0) as u64,
        layout.init.end - layout.init.start,
        layout.init.start
    );
    for f in &layout.fragments {
        let _ = write!(
            text,
            "#EXTINF:{:.6},\n#EXT-X-BYTERANGE:{}@{}\n{file}\n",
            f.duration as f64 / timescale,
            f.bytes.end - f.bytes.start,
            f.bytes.start
        );
    }
    text.push_str("#EXT-X-ENDLIST\n");
    text
}

/// The master playlist: every video rung, each with the audio group.
pub fn master_playlist(rungs: &[Track], audio: Option<&Track>) -> String {
    let mut text = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    let (audio_peak, audio_average) = audio.map_or((0, 0), |a| (a.peak_bps(), a.average_bps()));
    if let Some(audio) = audio {
        let channels = match audio.kind {
            TrackKind::Audio { channels, .. } => channels,
            TrackKind::Video { .. } => 2,
        };
        let _ = writeln!(
            text,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AUDIO_GROUP}\",NAME=\"Audio\",DEFAULT=YES,\
             AUTOSELECT=YES,CHANNELS=\"{channels}\",URI=\"{}\"",
            audio.playlist_uri()
        );
    }
    for rung in rungs {
        let TrackKind::Video {
            width,
            height,
            frame_rate,
        } = rung.kind
        else {
            continue;
        };
        let codecs = match audio {
            Some(a) => format!("{},{}", rung.codecs, a.codecs),
            None => rung.codecs.clone(),
        };
        let _ = write!(
            text,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},RESOLUTION={width}x{height},CODECS=\"{codecs}\"",
            rung.peak_bps() + audio_peak,
            rung.average_bps() + audio_average,
        );
        if let Some(fps) = frame_rate {
            let _ = write!(text, ",FRAME-RATE={fps:.3}");
        }
        if audio.is_some() {
            let _ = write!(text, ",AUDIO=\"{AUDIO_GROUP}\"");
        }
        let _ = writeln!(text, "\n{}", rung.playlist_uri());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::package::track::tests::{rungs_of_any_names, track, video};

    fn audio() -> Track {
        let mut a = track(
            "audio",
            TrackKind::Audio {
                sample_rate: 48_000,
                channels: 2,
            },
            &[(4000, 64_000), (4000, 64_000)],
        );
        a.codecs = "mp4a.40.2".to_owned();
        a
    }

    #[test]
    fn media_playlist_addresses_each_fragment_by_byte_range() {
        let t = track("720p", video(1280, 720), &[(4000, 1000), (2500, 600)]);
        let text = media_playlist(&t);
        let expected =
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n\
            #EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n\
            #EXT-X-MAP:URI=\"720p.mp4\",BYTERANGE=\"800@0\"\n\
            #EXTINF:4.000000,\n#EXT-X-BYTERANGE:1000@900\n720p.mp4\n\
            #EXTINF:2.500000,\n#EXT-X-BYTERANGE:600@1900\n720p.mp4\n#EXT-X-ENDLIST\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn master_lists_every_rung_with_the_audio_group() {
        let rungs = [
            track("1080p", video(1920, 1080), &[(4000, 2_000_000)]),
            track("360p", video(640, 360), &[(4000, 200_000)]),
        ];
        let text = master_playlist(&rungs, Some(&audio()));
        assert!(text.contains(
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio.m3u8\"\n"
        ), "{text}");
        assert!(text.contains(
            "#EXT-X-STREAM-INF:BANDWIDTH=4128000,AVERAGE-BANDWIDTH=4128000,RESOLUTION=1920x1080,CODECS=\"avc1.640028,mp4a.40.2\",FRAME-RATE=25.000,AUDIO=\"audio\"\n1080p.m3u8\n"
        ), "{text}");
        assert!(text.contains("RESOLUTION=640x360"), "{text}");
        assert!(text.contains("#EXT-X-INDEPENDENT-SEGMENTS\n"));
        let silent = master_playlist(&rungs, None);
        assert!(
            !silent.contains("AUDIO")
                && silent.contains("CODECS=\"avc1.640028\",FRAME-RATE=25.000\n")
        );
    }

    /// The URIs a reader finds in a playlist (lines that are not tags, and
    /// the `URI="..."` attributes of tags), decoded; an error for a line
    /// no reader takes as meant (a comment, an unbalanced quoted string, a
    /// control character, a URI with more than one path segment).
    fn uris(text: &str) -> Result<Vec<String>, String> {
        if !text.starts_with("#EXTM3U\n") {
            return Err("no #EXTM3U".into());
        }
        let uri = |raw: &str| {
            let plain = raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b));
            crate::names::decode_uri_segment(raw)
                .filter(|_| plain && !raw.is_empty())
                .ok_or_else(|| format!("not one URI segment: {raw:?}"))
        };
        let mut found = Vec::new();
        for line in text.split_terminator('\n') {
            if line.chars().any(char::is_control) {
                return Err(format!("a control character in {line:?}"));
            }
            match line.strip_prefix('#') {
                Some(tag) if !tag.starts_with("EXT") => return Err(format!("a comment: {line:?}")),
                Some(_) if line.matches('"').count() % 2 != 0 => {
                    return Err(format!("an unbalanced quote: {line:?}"))
                }
                Some(_) => {
                    if let Some((_, rest)) = line.split_once("URI=\"") {
                        let (raw, _) = rest.split_once('"').unwrap_or_default();
                        found.push(uri(raw)?);
                    }
                }
                None => found.push(uri(line)?),
            }
        }
        Ok(found)
    }

    /// Property: rungs and audio of any names (any Unicode, control
    /// characters, `#`, `%`, quotes, line breaks) give playlists whose
    /// every line parses and whose URIs name exactly their files.
    #[test]
    fn playlists_of_any_names_parse_back_to_their_files() {
        let mut gen = crate::testgen::Gen::new(26);
        for case in 0..500 {
            let rungs = rungs_of_any_names(&mut gen);
            let mut sound = audio();
            sound.name = gen.nasty(4);
            let master = master_playlist(&rungs, Some(&sound));
            let mut expected = vec![sound.playlist_file()];
            expected.extend(rungs.iter().map(Track::playlist_file));
            assert_eq!(uris(&master), Ok(expected), "case {case}:\n{master}");
            for rung in rungs.iter().chain([&sound]) {
                let media = media_playlist(rung);
                let files = uris(&media).unwrap_or_else(|e| panic!("case {case}: {e}\n{media}"));
                assert_eq!(files.len(), 3, "case {case}:\n{media}");
                assert!(files.iter().all(|f| *f == rung.media_file()), "case {case}");
            }
        }
    }
}
