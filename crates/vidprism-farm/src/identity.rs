//! Names that tell machines and submitters apart on a shared broker.

use std::time::{SystemTime, UNIX_EPOCH};

/// This machine's host name, or "host" when it has none.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
}

/// Keeps what a NATS subject token may hold.
pub fn token(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A name no other submitter on the farm has: host, process and start time.
pub fn submitter_prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    token(&format!("{}-{}-{nanos:x}", host_name(), std::process::id()))
}

/// The default name of a worker: host and process.
pub fn worker_name() -> String {
    format!("{}-{}", host_name(), std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_single_subject_tokens() {
        let p = submitter_prefix();
        assert!(!p.is_empty());
        assert!(!p.contains(['.', ' ', '*', '>']), "{p}");
        assert_eq!(token("a.b c*>"), "a-b-c--");
    }
}
