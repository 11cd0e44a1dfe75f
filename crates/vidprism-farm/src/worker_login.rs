//! A worker's own login. `vidprism farm init` gives each worker machine a
//! login of its own, `worker-<n>`, and the server lets that login read
//! replies only on its own inbox prefix (`_INBOX_worker-<n>.>`) and write
//! outputs only in its own bucket (`vidprism-outputs-worker-<n>`): one
//! worker can neither read another's deliveries (a job's work and its news
//! key) nor replace or remove another's outputs.
//!
//! Any other login (the one `worker` login every worker shared on a server
//! an older `farm init` set up, a token, a creds file, none) keeps the
//! shared inbox and outputs bucket, as before.

use std::fmt;

use super::broker::login_user;
use super::connect::FarmConnection;

/// What every per-worker login's name starts with.
const PREFIX: &str = "worker-";
/// Longest part after the prefix: names stay short subject tokens and
/// stream names.
const MAX_SUFFIX: usize = 32;
/// The single login every worker shared on a server an older `farm init`
/// set up.
pub const SHARED_WORKER_USER: &str = "worker";

/// A per-worker login's name: `worker-` and 1 to 32 letters, digits, `-`
/// or `_` (a single subject token and a valid stream name).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerLogin(String);

impl WorkerLogin {
    /// The name if it has a per-worker login's shape.
    pub fn parse(name: &str) -> Option<WorkerLogin> {
        let suffix = name.strip_prefix(PREFIX)?;
        let fits = !suffix.is_empty()
            && suffix.len() <= MAX_SUFFIX
            && suffix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        fits.then(|| WorkerLogin(name.to_owned()))
    }

    /// The `n`th login `farm init` makes (from 1).
    pub fn numbered(n: usize) -> WorkerLogin {
        WorkerLogin(format!("{PREFIX}{n}"))
    }

    /// The per-worker login a connection logs in with, if it is one.
    pub fn of(connection: &FarmConnection) -> Option<WorkerLogin> {
        login_user(connection)
            .as_deref()
            .and_then(WorkerLogin::parse)
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// The prefix of this login's reply subjects; the server lets it
    /// subscribe under this prefix only.
    pub fn inbox_prefix(&self) -> String {
        format!("_INBOX_{}", self.0)
    }

    /// Every reply subject of this login.
    pub fn inbox(&self) -> String {
        format!("{}.>", self.inbox_prefix())
    }
}

impl fmt::Display for WorkerLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a connection logs in as the one login every worker shared (a
/// server set up by an older `farm init`).
pub fn is_shared_worker_login(connection: &FarmConnection) -> bool {
    login_user(connection).as_deref() == Some(SHARED_WORKER_USER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_worker_dash_tokens_are_per_worker_logins() {
        assert_eq!(WorkerLogin::numbered(3).name(), "worker-3");
        assert_eq!(
            WorkerLogin::parse("worker-3"),
            Some(WorkerLogin::numbered(3))
        );
        assert!(WorkerLogin::parse("worker-render_a-2").is_some());
        for name in [
            "worker",
            "worker-",
            "submitter",
            "worker-a.b",
            "worker-*",
            "worker->",
            "worker-a b",
            &format!("worker-{}", "a".repeat(33)),
        ] {
            assert_eq!(WorkerLogin::parse(name), None, "{name}");
        }
        let login = WorkerLogin::numbered(1);
        assert_eq!(login.inbox_prefix(), "_INBOX_worker-1");
        assert_eq!(login.inbox(), "_INBOX_worker-1.>");
        let mut c = FarmConnection::new("nats://h");
        assert_eq!(WorkerLogin::of(&c), None);
        c.user = Some("worker-1".into());
        c.password = Some("pw".into());
        assert_eq!(WorkerLogin::of(&c), Some(login));
        assert!(!is_shared_worker_login(&c));
        c.user = Some("worker".into());
        assert!(is_shared_worker_login(&c));
    }
}
