//! The DASH manifest of a bundle, as text: a static MPD with one video
//! adaptation set holding every rung and one audio set, each
//! representation one fMP4 file addressed through its `sidx` index
//! (on-demand profile), or by byte range per fragment when a file has no
//! index. The same files the HLS playlists address. Pure.

use std::fmt::Write;

use super::track::{Track, TrackKind};
use crate::names::xml_escape as escape;

pub use crate::output::DASH_MANIFEST as MANIFEST;

/// ISO 8601 duration of `seconds`, as MPDs write it.
fn duration(seconds: f64) -> String {
    format!("PT{seconds:.3}S")
}

fn representation(text: &mut String, track: &Track, id: &str) {
    let layout = &track.layout;
    let _ = write!(
        text,
        "      <Representation id=\"{}\" bandwidth=\"{}\" codecs=\"{}\"",
        escape(id),
        track.peak_bps(),
        escape(&track.codecs)
    );
    match track.kind {
        TrackKind::Video {
            width,
            height,
            frame_rate,
        } => {
            let _ = write!(text, " width=\"{width}\" height=\"{height}\" sar=\"1:1\"");
            if let Some(fps) = frame_rate {
                let _ = write!(text, " frameRate=\"{}\"", frame_rate_text(fps));
            }
            text.push_str(">\n");
        }
        TrackKind::Audio {
            sample_rate,
            channels,
        } => {
            let _ = write!(
                text,
                " audioSamplingRate=\"{sample_rate}\">\n        <AudioChannelConfiguration \
                 schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"{channels}\"/>\n"
            );
        }
    }
    let _ = writeln!(
        text,
        "        <BaseURL>{}</BaseURL>",
        escape(&track.media_uri())
    );
    let init = format!(
        "{}-{}",
        layout.init.start,
        layout.init.end.saturating_sub(1)
    );
    match &layout.index {
        Some(index) => {
            let _ = writeln!(
                text,
                "        <SegmentBase indexRange=\"{}-{}\" timescale=\"{}\">\n          \
                 <Initialization range=\"{init}\"/>\n        </SegmentBase>",
                index.start,
                index.end.saturating_sub(1),
                layout.timescale
            );
        }
        None => {
            let _ = writeln!(
                text,
                "        <SegmentList timescale=\"{}\">\n          <Initialization range=\"{init}\"/>\n          <SegmentTimeline>",
                layout.timescale
            );
            for f in &layout.fragments {
                let _ = writeln!(
                    text,
                    "            <S t=\"{}\" d=\"{}\"/>",
                    f.start, f.duration
                );
            }
            text.push_str("          </SegmentTimeline>\n");
            for f in &layout.fragments {
                let _ = writeln!(
                    text,
                    "          <SegmentURL mediaRange=\"{}-{}\"/>",
                    f.bytes.start,
                    f.bytes.end.saturating_sub(1)
                );
            }
            text.push_str("        </SegmentList>\n");
        }
    }
    text.push_str("      </Representation>\n");
}

/// A frame rate as MPDs write it: an integer, or a fraction for NTSC's.
fn frame_rate_text(fps: f64) -> String {
    let ntsc = (fps * 1001.0 / 1000.0).round();
    if (fps - fps.round()).abs() < 1e-3 {
        format!("{}", fps.round() as u64)
    } else if (ntsc * 1000.0 / 1001.0 - fps).abs() < 1e-3 {
        format!("{}/1001", ntsc as u64 * 1000)
    } else {
        format!("{}/1000", (fps * 1000.0).round() as u64)
    }
}

/// The MPD over `rungs` and the optional audio rendition.
pub fn manifest(rungs: &[Track], audio: Option<&Track>, segment_seconds: u32) -> String {
    let total = rungs
        .iter()
        .chain(audio)
        .map(|t| t.layout.duration_s())
        .fold(0.0f64, f64::max);
    let mut text = String::new();
    let _ = write!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\" \
         type=\"static\" mediaPresentationDuration=\"{}\" minBufferTime=\"{}\">\n  <Period id=\"0\" start=\"PT0S\">\n",
        duration(total),
        duration(f64::from(segment_seconds))
    );
    text.push_str(
        "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" \
         subsegmentAlignment=\"true\" startWithSAP=\"1\" subsegmentStartsWithSAP=\"1\">\n",
    );
    for rung in rungs {
        representation(&mut text, rung, &rung.name);
    }
    text.push_str("    </AdaptationSet>\n");
    if let Some(audio) = audio {
        text.push_str(
            "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"und\" \
             segmentAlignment=\"true\" subsegmentAlignment=\"true\" startWithSAP=\"1\" subsegmentStartsWithSAP=\"1\">\n",
        );
        representation(&mut text, audio, &audio.name);
        text.push_str("    </AdaptationSet>\n");
    }
    text.push_str("  </Period>\n</MPD>\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::package::track::tests::{rungs_of_any_names, track, video};

    #[test]
    fn every_rung_is_a_representation_over_its_file_index() {
        let rungs = [
            track("1080p", video(1920, 1080), &[(4000, 2_000_000), (2000, 10)]),
            track("360p", video(640, 360), &[(4000, 200_000), (2000, 10)]),
        ];
        let mut audio = track(
            "audio",
            TrackKind::Audio {
                sample_rate: 48_000,
                channels: 2,
            },
            &[(6000, 96_000)],
        );
        audio.codecs = "mp4a.40.2".to_owned();
        let text = manifest(&rungs, Some(&audio), 4);
        assert!(
            text.contains(
                "type=\"static\" mediaPresentationDuration=\"PT6.000S\" minBufferTime=\"PT4.000S\""
            ),
            "{text}"
        );
        assert!(text.contains(
            "<Representation id=\"1080p\" bandwidth=\"4000000\" codecs=\"avc1.640028\" width=\"1920\" height=\"1080\" sar=\"1:1\" frameRate=\"25\">\n        <BaseURL>1080p.mp4</BaseURL>\n        <SegmentBase indexRange=\"800-899\" timescale=\"1000\">\n          <Initialization range=\"0-799\"/>"
        ), "{text}");
        assert!(text.contains("<Representation id=\"360p\""));
        assert_eq!(text.matches("<AdaptationSet").count(), 2);
        assert!(text.contains("audioSamplingRate=\"48000\""));
        assert!(text.ends_with("</MPD>\n"));
    }

    #[test]
    fn a_file_without_index_is_addressed_by_fragment() {
        let mut t = track("720p", video(1280, 720), &[(4000, 100), (1000, 50)]);
        t.layout.index = None;
        let text = manifest(&[t], None, 4);
        assert!(
            text.contains("<S t=\"0\" d=\"4000\"/>\n            <S t=\"4000\" d=\"1000\"/>"),
            "{text}"
        );
        assert!(text.contains("<SegmentURL mediaRange=\"900-999\"/>\n          <SegmentURL mediaRange=\"1000-1049\"/>"), "{text}");
        assert_eq!(text.matches("<AdaptationSet").count(), 1);
    }

    #[test]
    fn frame_rates_are_written_as_integers_or_ntsc_fractions() {
        assert_eq!(frame_rate_text(25.0), "25");
        assert_eq!(frame_rate_text(30_000.0 / 1001.0), "30000/1001");
        assert_eq!(frame_rate_text(12.5), "12500/1000");
    }

    /// Property: an MPD over tracks of any names is well-formed XML whose
    /// representation ids read back as the names (characters XML cannot
    /// hold replaced) and whose base URLs name their files.
    #[test]
    fn manifests_of_any_names_are_well_formed_and_read_back() {
        use quick_xml::events::Event;
        let mut gen = crate::testgen::Gen::new(26);
        for case in 0..500 {
            let rungs = rungs_of_any_names(&mut gen);
            let mut sound = track(
                &gen.nasty(4),
                TrackKind::Audio {
                    sample_rate: 48_000,
                    channels: 2,
                },
                &[(4000, 64_000)],
            );
            sound.codecs = gen.nasty(2);
            let text = manifest(&rungs, Some(&sound), 4);
            let mut reader = quick_xml::Reader::from_str(&text);
            let (mut depth, mut ids, mut urls, mut codecs) =
                (0i32, Vec::new(), Vec::new(), Vec::new());
            let mut in_base_url = false;
            loop {
                let event = reader
                    .read_event()
                    .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
                let started = matches!(event, Event::Start(_));
                match event {
                    Event::Eof => break,
                    Event::Start(e) | Event::Empty(e) => {
                        depth += i32::from(started);
                        in_base_url = e.name().as_ref() == b"BaseURL";
                        for attr in e.attributes() {
                            let attr = attr.unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
                            let value = attr
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"))
                                .into_owned();
                            match (e.name().as_ref(), attr.key.as_ref()) {
                                (b"Representation", b"id") => ids.push(value),
                                (b"Representation", b"codecs") => codecs.push(value),
                                _ => {}
                            }
                        }
                    }
                    Event::End(_) => {
                        depth -= 1;
                        in_base_url = false;
                    }
                    Event::Text(t) if in_base_url => urls.push(t.decode().unwrap().into_owned()),
                    _ => {}
                }
            }
            assert_eq!(depth, 0, "case {case}: unclosed elements\n{text}");
            let all: Vec<&Track> = rungs.iter().chain([&sound]).collect();
            let shown = |text: &str| {
                text.chars()
                    .map(|c| {
                        let held = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
                        if held { c } else { '\u{FFFD}' }
                    })
                    .collect::<String>()
            };
            let names: Vec<String> = all.iter().map(|t| shown(&t.name)).collect();
            assert_eq!(ids, names, "case {case}:\n{text}");
            assert_eq!(codecs.last(), Some(&shown(&sound.codecs)), "case {case}");
            let files: Vec<Option<String>> = urls
                .iter()
                .map(|u| crate::names::decode_uri_segment(u))
                .collect();
            let expected: Vec<Option<String>> = all.iter().map(|t| Some(t.media_file())).collect();
            assert_eq!(files, expected, "case {case}:\n{text}");
        }
    }
}
