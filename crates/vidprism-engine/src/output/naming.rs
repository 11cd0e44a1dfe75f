//! Names that become paths: source stems, preset and rendition names.

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
}
