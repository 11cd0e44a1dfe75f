//! A configuration `vidprism farm init` wrote, read back (`farm
//! add-worker`): its address, store, TLS files and logins, so that one
//! more worker login can be added and the whole configuration written
//! again. Only the lines `farm init` itself writes are read; a
//! configuration it did not write, or one an older `farm init` wrote (one
//! `worker` login every worker shares), is refused with what to run.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::server_config::{
    random_password, ServerSetup, ServerTls, SHARED_WORKER_USER, SUBMITTER_USER,
};
use super::worker_login::WorkerLogin;

#[derive(Debug, thiserror::Error)]
pub enum ReadConfigError {
    #[error(
        "it was written by an older `vidprism farm init`: its one `{SHARED_WORKER_USER}` login is \
         shared by every worker, and no login can be added to it; run `vidprism farm init NEW_DIR` \
         (a login per worker machine) and start nats-server on that"
    )]
    Older,
    #[error("it is not one `vidprism farm init` wrote: {0}")]
    NotOurs(&'static str),
    #[error("it already has {0} worker logins, the most `farm init` makes")]
    Full(usize),
    #[error("cannot read the system's random source for the password: {0}")]
    Random(#[source] std::io::Error),
}

/// Most worker logins of one configuration (as `farm init --workers`).
pub const MAX_WORKERS: u16 = 999;

/// The quoted value of the line `key: "value"`, its first.
fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| quoted_value(line, key))
}

fn quoted_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.trim()
        .strip_prefix(key)?
        .strip_prefix(": \"")?
        .strip_suffix('"')
}

impl ServerSetup {
    /// The setup a configuration `farm init` wrote says.
    pub fn from_config_text(text: &str) -> Result<ServerSetup, ReadConfigError> {
        let listen = value(text, "listen")
            .and_then(|l| l.parse::<SocketAddr>().ok())
            .ok_or(ReadConfigError::NotOurs("no listening address"))?;
        let store_dir = value(text, "store_dir")
            .map(PathBuf::from)
            .ok_or(ReadConfigError::NotOurs("no JetStream store"))?;
        let tls = match (value(text, "cert_file"), value(text, "key_file")) {
            (Some(cert), Some(key)) => Some(ServerTls {
                cert: cert.into(),
                key: key.into(),
            }),
            _ => None,
        };
        let mut workers = Vec::new();
        let mut submitter_password = None;
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(user) = quoted_value(line, "user") else {
                continue;
            };
            let password = lines
                .next()
                .and_then(|l| quoted_value(l, "password"))
                .ok_or(ReadConfigError::NotOurs("a login without its password"))?
                .to_owned();
            if user == SHARED_WORKER_USER {
                return Err(ReadConfigError::Older);
            } else if user == SUBMITTER_USER {
                submitter_password = Some(password);
            } else {
                let login = WorkerLogin::parse(user)
                    .ok_or(ReadConfigError::NotOurs("a login farm init does not make"))?;
                workers.push((login, password));
            }
        }
        let submitter_password =
            submitter_password.ok_or(ReadConfigError::NotOurs("no submitter login"))?;
        Ok(ServerSetup {
            listen,
            store_dir,
            tls,
            workers,
            submitter_password,
        })
    }

    /// Adds the next worker login (`worker-<n>`, past the highest number
    /// there), with a fresh password.
    pub fn add_worker(&mut self) -> Result<WorkerLogin, ReadConfigError> {
        if self.workers.len() >= usize::from(MAX_WORKERS) {
            return Err(ReadConfigError::Full(self.workers.len()));
        }
        let highest = self
            .workers
            .iter()
            .filter_map(|(login, _)| login.name().strip_prefix("worker-")?.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        let login = WorkerLogin::numbered(highest + 1);
        let password = random_password().map_err(ReadConfigError::Random)?;
        self.workers.push((login.clone(), password));
        Ok(login)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(tls: bool) -> ServerSetup {
        let mut s = ServerSetup::new(
            "0.0.0.0:4333".parse().unwrap(),
            PathBuf::from("/srv/farm/store"),
            None,
            2,
        )
        .unwrap();
        if tls {
            s.tls = Some(ServerTls {
                cert: "/srv/c.pem".into(),
                key: "/srv/k.pem".into(),
            });
        }
        s
    }

    #[test]
    fn what_farm_init_writes_reads_back_the_same() {
        for tls in [false, true] {
            let s = setup(tls);
            let read = ServerSetup::from_config_text(&s.config_text().unwrap()).unwrap();
            assert_eq!(read, s);
        }
    }

    #[test]
    fn a_worker_login_is_added_past_the_highest() {
        let mut s = setup(false);
        s.workers.remove(0);
        let added = s.add_worker().unwrap();
        assert_eq!(added.name(), "worker-3");
        assert_eq!(s.users(), ["worker-2", "worker-3", "submitter"]);
        let text = s.config_text().unwrap();
        assert!(text.contains("\"_INBOX_worker-3.>\""), "{text}");
        assert!(text.contains("$JS.API.STREAM.INFO.OBJ_vidprism-outputs-worker-3"));
        assert_eq!(ServerSetup::from_config_text(&text).unwrap(), s);
    }

    #[test]
    fn an_older_or_foreign_configuration_is_refused_with_what_to_run() {
        let older = "listen: \"127.0.0.1:4222\"\njetstream {\n  store_dir: \"/s\"\n}\n\
                     users: [\n    {\n      user: \"worker\"\n      password: \"a\"\n";
        let said = ServerSetup::from_config_text(older)
            .unwrap_err()
            .to_string();
        assert!(said.contains("run `vidprism farm init NEW_DIR`"), "{said}");
        for foreign in ["", "listen: \"here\"", "port: 4222\n"] {
            let said = ServerSetup::from_config_text(foreign).unwrap_err();
            assert!(matches!(said, ReadConfigError::NotOurs(_)), "{said}");
        }
        let text = setup(false)
            .config_text()
            .unwrap()
            .replace("worker-2", "alice");
        assert!(ServerSetup::from_config_text(&text).is_err());
    }
}
