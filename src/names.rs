//! One rule for names, and how text is written into each format. Pure.
//!
//! A source's file name becomes its job's folder ([`sanitize_name`]).
//! Names from a preset (preset and rendition names) become file names and
//! appear in playlists, manifests and pages; a source's track languages
//! become parts of sidecar file names; a source's file name and tags reach
//! the terminal. So:
//!
//! - a preset or rendition name is a portable file name: no separator, no
//!   `# % ?` (which would cut a URL or a playlist line), no character
//!   Windows refuses, no control character ([`name_problem`]); preset
//!   validation, the job store's restore of presets and the farm's wire
//!   check all ask this one function (through `presets::validate`);
//! - a language tag has BCP 47's shape ([`language_tag_problem`]); a
//!   source's tag that has not is dropped ([`source_language`]);
//! - text is escaped for the format it goes into: URLs ([`uri_segment`]),
//!   XML ([`xml_escape`]), HLS quoted strings (through [`uri_segment`]),
//!   JSON inside HTML ([`json_in_html`]), WebVTT cue text
//!   ([`vtt_cue_text`]), the terminal ([`printable`]).

/// Longest preset or rendition name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest language tag (BCP 47 asks implementations to take at least 35).
pub const MAX_LANGUAGE_TAG_CHARS: usize = 35;

/// Characters a preset or rendition name may not hold: path separators,
/// what Windows refuses in file names, and what cuts a URL or a playlist
/// line (`#` starts a fragment or an HLS comment, `%` an escape, `?` a
/// query).
const FORBIDDEN_IN_NAMES: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|', '#', '%'];

/// Makes `raw` safe as one path component: no separators, no `..`, no
/// leading dot, no control characters, not empty, not absurdly long.
pub fn sanitize_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '\0' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    while name.contains("..") {
        name = name.replace("..", "_");
    }
    let name = name.trim().trim_start_matches('.').trim_end_matches('.');
    let mut name: String = name.chars().take(120).collect();
    if name.is_empty() {
        name = "video".to_owned();
    }
    name
}

/// Why `name` cannot name a preset or a rendition (it becomes a file name
/// and a part of URLs), if it cannot.
pub fn name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(format!("is longer than {MAX_NAME_CHARS} characters"));
    }
    if name.trim() != name {
        return Some("must not start or end with a space".into());
    }
    let forbidden = |c: &char| FORBIDDEN_IN_NAMES.contains(c) || is_unprintable(*c);
    if let Some(c) = name.chars().find(forbidden) {
        return Some(format!(
            "must not contain {:?} (it becomes a file name and part of addresses)",
            printable(&c.to_string())
        ));
    }
    if name.starts_with('.') || name.contains("..") {
        return Some("must not start with a dot or contain \"..\"".into());
    }
    None
}

/// Why `tag` is not shaped like a BCP 47 language tag (`eng`, `pt-BR`,
/// `zh-Hant-TW`: a primary subtag of 2 to 8 letters, then subtags of 1 to
/// 8 letters or digits, joined by `-`), if it is not.
pub fn language_tag_problem(tag: &str) -> Option<String> {
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or_default();
    let shaped = tag.len() <= MAX_LANGUAGE_TAG_CHARS
        && (2..=8).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    (!shaped).then(|| {
        format!(
            "{:?} is not a language tag (like \"eng\" or \"pt-BR\")",
            printable(tag)
        )
    })
}

/// A source track's language tag as outputs may carry it (and sidecar
/// file names hold it): `None` when missing, "und", or not shaped like a
/// language tag (`e/x`), which is dropped rather than trusted.
pub fn source_language(tag: Option<&str>) -> Option<String> {
    let tag = tag?.trim();
    if tag.is_empty() || tag.eq_ignore_ascii_case("und") {
        return None;
    }
    match language_tag_problem(tag) {
        None => Some(tag.to_owned()),
        Some(why) => {
            tracing::info!("a track's language tag is dropped: {why}");
            None
        }
    }
}

/// `text` with every control character (and every character that reorders
/// text on screen) replaced by U+FFFD, so a terminal shows it as it is
/// instead of obeying it (escape sequences included: their ESC goes).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_unprintable(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// A control character, or one that reorders text on screen.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` as one segment of a relative URL: every byte but letters,
/// digits and `-._~` percent-encoded (UTF-8), so no name can add a path,
/// query or fragment, end an HLS line or quoted string, or need XML or
/// HTML escaping.
pub fn uri_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text [`uri_segment`] encoded (any `%XX` escapes decoded), when it
/// is UTF-8 and every `%` starts an escape.
pub fn decode_uri_segment(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `text` for XML character data or a double- or single-quoted attribute:
/// markup characters escaped, and characters XML 1.0 cannot hold at all
/// (most control characters, even escaped) replaced by U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", u32::from(c))),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// JSON text for a `<script type="application/json">` element: `<`, `>`
/// and `&` written as `\u003c`, `\u003e`, `\u0026` (they can only stand in
/// strings), so nothing in it can end the element (`</script>`), open a
/// comment (`<!--`) or be read as markup, and `JSON.parse` of the
/// element's text gives the same value.
pub fn json_in_html(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for the payload of one WebVTT cue: `-->` (which a reader takes for
/// a new cue's timing line) written as `--&gt;`, blank lines (which end a
/// cue) and other line-break characters left out, and NUL replaced.
pub fn vtt_cue_text(text: &str) -> String {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    unified
        .split('\n')
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.replace("-->", "--&gt;").replace('\0', "\u{FFFD}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_dots_cannot_escape_the_folder() {
        assert_eq!(sanitize_name("../../etc/passwd"), "____etc_passwd");
        assert_eq!(sanitize_name(".hidden"), "hidden");
        assert_eq!(sanitize_name("a\\b\nc"), "a_b_c");
        assert_eq!(sanitize_name(""), "video");
        assert_eq!(sanitize_name(".."), "_");
    }

    #[test]
    fn ordinary_names_are_kept() {
        assert_eq!(
            sanitize_name("Holiday clip (final) é"),
            "Holiday clip (final) é"
        );
    }

    #[test]
    fn names_are_portable_file_names_that_cut_no_url() {
        for bad in [
            "",
            " ",
            "a/b",
            "a\\b",
            "..",
            ".hidden",
            "a:b",
            "a\u{1b}[31m",
            "tab\there",
            "720p#1",
            "50%",
            "what?",
            "a\"b",
            "<b>",
            "x|y",
            " lead",
            "trail ",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for good in ["720p", "My WebM (small)", "çà-日本語_1.5x", "av1-720p"] {
            assert_eq!(name_problem(good), None, "{good:?}");
        }
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(name_problem(&long).is_some());
        // The reason never carries the control character itself.
        assert!(!name_problem("a\u{1b}b").unwrap().contains('\u{1b}'));
    }

    #[test]
    fn language_tags_have_bcp47s_shape() {
        for good in ["eng", "en", "pt-BR", "zh-Hant-TW", "de-CH-1901", "fil"] {
            assert_eq!(language_tag_problem(good), None, "{good}");
        }
        for bad in [
            "", "e/x", "e", "en-", "-en", "en--US", "e1g", "en_US", "fr.vtt", "../../x",
        ] {
            assert!(language_tag_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(source_language(Some("e/x")), None);
        assert_eq!(source_language(Some("und")), None);
        assert_eq!(source_language(Some("fra")).as_deref(), Some("fra"));
        assert_eq!(source_language(None), None);
    }

    #[test]
    fn escapes_keep_each_format_whole() {
        assert_eq!(printable("a\u{1b}[2Jb\u{202E}"), "a\u{FFFD}[2Jb\u{FFFD}");
        assert_eq!(uri_segment("1080p"), "1080p");
        assert_eq!(uri_segment("My WebM #1?%"), "My%20WebM%20%231%3F%25");
        assert_eq!(uri_segment("é"), "%C3%A9");
        for text in ["", "storyboard-001.jpg", "a b#c%d?é\u{1}"] {
            assert_eq!(
                decode_uri_segment(&uri_segment(text)).as_deref(),
                Some(text)
            );
        }
        for bad in ["%", "%4", "%zz", "%C3", "%+1"] {
            assert_eq!(decode_uri_segment(bad), None, "{bad}");
        }
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}"
        );
        assert_eq!(
            json_in_html(r#"{"t":"</script><!--&"}"#),
            r#"{"t":"\u003c/script\u003e\u003c!--\u0026"}"#
        );
        assert_eq!(vtt_cue_text("a --> b\n\nc\r\nd"), "a --&gt; b\nc\nd");
    }

    /// Property: over any text, each escape keeps its format whole and
    /// gives the text back to that format's reader.
    #[test]
    fn escapes_of_any_text_read_back() {
        let mut gen = crate::testgen::Gen::new(26);
        for case in 0..5000 {
            let text = gen.nasty(10);
            // A cue's text: no timing line, no blank line; two cues stay two.
            let cue = vtt_cue_text(&text);
            assert!(
                !cue.contains("-->") && !cue.contains('\r'),
                "case {case}: {cue:?}"
            );
            assert!(
                cue.split('\n').all(|l| !l.trim().is_empty()) || cue.is_empty(),
                "case {case}"
            );
            let doc =
                format!("WEBVTT\n\n00:00.000 --> 00:01.000\n{cue}\n\n00:01.000 --> 00:02.000\nb\n");
            let blocks: Vec<&str> = doc.split("\n\n").filter(|b| b.contains("-->")).collect();
            assert_eq!(blocks.len(), 2, "case {case}: {doc:?}");
            assert_eq!(doc.matches("-->").count(), 2, "case {case}");
            // JSON in HTML: no markup, and the same string back.
            let json = json_in_html(&serde_json::to_string(&text).unwrap());
            assert!(!json.contains(['<', '>', '&']), "case {case}");
            assert_eq!(
                serde_json::from_str::<String>(&json).ok().as_ref(),
                Some(&text)
            );
            // A URL segment: unreserved characters only, and the text back.
            let segment = uri_segment(&text);
            assert!(segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            assert_eq!(decode_uri_segment(&segment).as_ref(), Some(&text));
            // The terminal: no control character left.
            assert!(!printable(&text).chars().any(is_unprintable), "case {case}");
            // A name the rule takes is a plain, portable file name.
            if name_problem(&text).is_none() {
                assert!(!text.contains(FORBIDDEN_IN_NAMES) && !text.chars().any(is_unprintable));
                assert!(
                    !text.starts_with('.') && text.trim() == text,
                    "case {case}: {text:?}"
                );
            }
            if language_tag_problem(&text).is_none() {
                assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            }
        }
    }
}
