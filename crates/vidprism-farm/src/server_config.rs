//! A locked-down farm server, as `vidprism farm init` writes it: the
//! nats-server configuration (JetStream and its store, the listening
//! address, optional TLS, and the two logins with least privilege from
//! `broker::permissions`), random passwords, and what each side needs to
//! connect. Text only: the command line writes the files.
//!
//! Without logins, anyone who can reach the server could queue work, read
//! every source and output and make workers touch files; with them, a
//! worker's password cannot queue work and a submitter's cannot take it.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::broker::{submitter_permissions, worker_permissions, Permissions};
use super::identity::host_name;

/// The login of `vidprism worker`.
pub const WORKER_USER: &str = "worker";
/// The login of `vidprism process --nats` and the window.
pub const SUBMITTER_USER: &str = "submitter";
/// NATS's own port, on every interface: workers are other machines.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:4222";
/// Letters and digits only: safe in a URL, a shell line and the
/// configuration without quoting. 24 of 62 symbols: over 140 bits.
const PASSWORD_LEN: usize = 24;
const PASSWORD_SYMBOLS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug, thiserror::Error)]
pub enum ServerConfigError {
    #[error("{}: the server configuration cannot name a path with quotes, backslashes or control characters", path.display())]
    Unquotable { path: PathBuf },
    #[error("cannot read the system's random source for the passwords: {0}")]
    Random(#[source] std::io::Error),
}

/// The server's certificate and key (PEM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerTls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything the configuration says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSetup {
    pub listen: SocketAddr,
    /// JetStream's folder: queues, news and files in transit.
    pub store_dir: PathBuf,
    pub tls: Option<ServerTls>,
    pub worker_password: String,
    pub submitter_password: String,
}

impl ServerSetup {
    /// A setup with fresh random passwords.
    pub fn new(
        listen: SocketAddr,
        store_dir: PathBuf,
        tls: Option<ServerTls>,
    ) -> Result<ServerSetup, ServerConfigError> {
        Ok(ServerSetup {
            listen,
            store_dir,
            tls,
            worker_password: random_password().map_err(ServerConfigError::Random)?,
            submitter_password: random_password().map_err(ServerConfigError::Random)?,
        })
    }

    /// The nats-server configuration file's text.
    pub fn config_text(&self) -> Result<String, ServerConfigError> {
        let mut text = String::from(
            "# The VidPrism farm's NATS server, written by `vidprism farm init`.\n\
             # Start it with: nats-server -c <this file>\n\
             # It holds the farm's passwords: keep it private (mode 0600).\n\n",
        );
        text += &format!("listen: \"{}\"\n\n", self.listen);
        text += &format!(
            "jetstream {{\n  store_dir: {}\n}}\n\n",
            quoted(&self.store_dir)?
        );
        if let Some(tls) = &self.tls {
            text += &format!(
                "tls {{\n  cert_file: {}\n  key_file: {}\n}}\n\n",
                quoted(&tls.cert)?,
                quoted(&tls.key)?
            );
        }
        text += "# Workers may never queue work, submitters never take it.\n";
        text += "authorization {\n  users: [\n";
        text += &user_block(WORKER_USER, &self.worker_password, &worker_permissions());
        text += &user_block(
            SUBMITTER_USER,
            &self.submitter_password,
            &submitter_permissions(),
        );
        text += "  ]\n}\n";
        Ok(text)
    }

    /// The address clients use: `tls://` with TLS, and this machine's name
    /// when the server listens on every interface.
    pub fn client_url(&self) -> String {
        let scheme = if self.tls.is_some() { "tls" } else { "nats" };
        let ip = self.listen.ip();
        let host = if ip.is_unspecified() {
            host_name()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("{scheme}://{host}:{}", self.listen.port())
    }

    /// The address with a login in it, as `--nats` takes it.
    pub fn client_url_for(&self, user: &str) -> String {
        let url = self.client_url();
        let password = self.password(user);
        match url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{user}:{password}@{rest}"),
            None => url,
        }
    }

    fn password(&self, user: &str) -> &str {
        if user == WORKER_USER {
            &self.worker_password
        } else {
            &self.submitter_password
        }
    }

    /// An environment file for one login (`VIDPRISM_NATS*` variables), to
    /// `source` in a shell or give to systemd's `EnvironmentFile=`.
    pub fn env_file(&self, user: &str) -> String {
        format!(
            "# The VidPrism farm's {user} login, written by `vidprism farm init`.\n\
             VIDPRISM_NATS={}\nVIDPRISM_NATS_USER={user}\nVIDPRISM_NATS_PASSWORD={}\n",
            self.client_url(),
            self.password(user)
        )
    }

    /// What to run where, for the person who ran `farm init`.
    pub fn summary(&self, config: &Path, env_dir: &Path) -> String {
        let worker_env = env_dir.join(format!("{WORKER_USER}.env"));
        let submitter_env = env_dir.join(format!("{SUBMITTER_USER}.env"));
        let tls_note = if self.tls.is_some() {
            "\nWith a self-signed certificate, clients also need --nats-tls-ca CA.pem.\n"
        } else {
            ""
        };
        format!(
            "Start the server:\n  nats-server -c {config}\n\n\
             It listens on {listen}{every} and lets in only these two logins.\n\n\
             On each worker machine:\n  vidprism worker --nats {worker}\n\n\
             To submit jobs:\n  vidprism process --nats {submitter} FILE...\n\
             (the window's Farm settings: address {url}, user {SUBMITTER_USER}, password {spass})\n\n\
             The same logins are in {worker_env} and {submitter_env} (mode 0600), to keep\n\
             passwords off command lines:\n  set -a; . {worker_env}; set +a; vidprism worker\n{tls_note}",
            config = config.display(),
            listen = self.listen,
            every = if self.listen.ip().is_unspecified() {
                " (every interface: workers are other machines)"
            } else {
                ""
            },
            worker = self.client_url_for(WORKER_USER),
            submitter = self.client_url_for(SUBMITTER_USER),
            url = self.client_url(),
            spass = self.submitter_password,
            worker_env = worker_env.display(),
            submitter_env = submitter_env.display(),
        )
    }
}

fn user_block(user: &str, password: &str, p: &Permissions) -> String {
    let list = |subjects: &[String]| -> String {
        subjects
            .iter()
            .map(|s| format!("            \"{s}\"\n"))
            .collect()
    };
    let mut block = format!("    {{\n      user: \"{user}\"\n      password: \"{password}\"\n");
    block += "      permissions: {\n        publish: {\n          allow: [\n";
    block += &list(&p.publish_allow);
    block += "          ]\n          deny: [\n";
    block += &list(&p.publish_deny);
    block += "          ]\n        }\n        subscribe: {\n          allow: [\n";
    block += &list(&p.subscribe_allow);
    block += "          ]\n        }\n      }\n    }\n";
    block
}

/// A path as a quoted string of the configuration; paths that would need
/// escapes are refused rather than guessed at.
fn quoted(path: &Path) -> Result<String, ServerConfigError> {
    let text = path
        .to_str()
        .filter(|t| !t.chars().any(|c| c == '"' || c == '\\' || c.is_control()));
    match text {
        Some(t) => Ok(format!("\"{t}\"")),
        None => Err(ServerConfigError::Unquotable {
            path: path.to_path_buf(),
        }),
    }
}

/// A password from the operating system's random source.
pub fn random_password() -> std::io::Result<String> {
    let mut random = std::fs::File::open("/dev/urandom")?;
    password_from(|buf| random.read_exact(buf))
}

/// Letters and digits drawn from `fill` without bias: bytes past the last
/// whole multiple of the symbol count are thrown away.
fn password_from(
    mut fill: impl FnMut(&mut [u8]) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let n = PASSWORD_SYMBOLS.len();
    let limit = 256 - 256 % n;
    let mut password = String::with_capacity(PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while password.len() < PASSWORD_LEN {
        fill(&mut buf)?;
        for &b in buf.iter().filter(|&&b| usize::from(b) < limit) {
            if password.len() < PASSWORD_LEN {
                password.push(char::from(PASSWORD_SYMBOLS[usize::from(b) % n]));
            }
        }
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(tls: bool) -> ServerSetup {
        ServerSetup {
            listen: "127.0.0.1:4333".parse().unwrap(),
            store_dir: PathBuf::from("/srv/farm/store"),
            tls: tls.then(|| ServerTls {
                cert: PathBuf::from("/srv/farm/cert.pem"),
                key: PathBuf::from("/srv/farm/key.pem"),
            }),
            worker_password: "Wpass".into(),
            submitter_password: "Spass".into(),
        }
    }

    /// The lines of the configuration between `user: "<user>"` and the
    /// next user.
    fn user_section<'a>(text: &'a str, user: &str) -> &'a str {
        let start = text.find(&format!("user: \"{user}\"")).unwrap();
        let rest = &text[start + 1..];
        let end = rest.find("user: \"").unwrap_or(rest.len());
        &text[start..start + 1 + end]
    }

    #[test]
    fn the_config_has_jetstream_its_store_the_address_and_two_logins() {
        let text = setup(false).config_text().unwrap();
        assert!(text.contains("listen: \"127.0.0.1:4333\""), "{text}");
        assert!(text.contains("jetstream {\n  store_dir: \"/srv/farm/store\"\n}"));
        assert!(!text.contains("tls {"));
        let worker = user_section(&text, WORKER_USER);
        assert!(worker.contains("password: \"Wpass\""));
        let deny = &worker[worker.find("deny:").unwrap()..worker.find("subscribe:").unwrap()];
        assert!(deny.contains("\"vidprism.work.>\""), "{deny}");
        let submitter = user_section(&text, SUBMITTER_USER);
        assert!(submitter.contains("password: \"Spass\""));
        let deny = &submitter[submitter.find("deny:").unwrap()..];
        assert!(
            deny.contains("\"$JS.API.CONSUMER.MSG.NEXT.VIDPRISM_TRANSCODE.>\""),
            "{deny}"
        );
        // Braces balance: the server reads the whole file.
        assert_eq!(text.matches('{').count(), text.matches('}').count());
        assert_eq!(text.matches('[').count(), text.matches(']').count());
    }

    #[test]
    fn tls_adds_its_files_and_a_tls_url() {
        let s = setup(true);
        let text = s.config_text().unwrap();
        assert!(text.contains(
            "tls {\n  cert_file: \"/srv/farm/cert.pem\"\n  key_file: \"/srv/farm/key.pem\"\n}"
        ));
        assert_eq!(s.client_url(), "tls://127.0.0.1:4333");
        assert_eq!(
            s.client_url_for(WORKER_USER),
            "tls://worker:Wpass@127.0.0.1:4333"
        );
    }

    #[test]
    fn every_interface_is_reached_by_this_machines_name() {
        let mut s = setup(false);
        s.listen = DEFAULT_LISTEN.parse().unwrap();
        assert_eq!(s.client_url(), format!("nats://{}:4222", host_name()));
        s.listen = "[::1]:4222".parse().unwrap();
        assert_eq!(s.client_url(), "nats://[::1]:4222");
    }

    #[test]
    fn env_files_and_summary_name_each_login() {
        let s = setup(false);
        assert_eq!(
            s.env_file(SUBMITTER_USER)
                .lines()
                .skip(1)
                .collect::<Vec<_>>(),
            [
                "VIDPRISM_NATS=nats://127.0.0.1:4333",
                "VIDPRISM_NATS_USER=submitter",
                "VIDPRISM_NATS_PASSWORD=Spass"
            ]
        );
        let summary = s.summary(
            Path::new("/srv/farm/nats-server.conf"),
            Path::new("/srv/farm"),
        );
        assert!(summary.contains("nats-server -c /srv/farm/nats-server.conf"));
        assert!(summary.contains("vidprism worker --nats nats://worker:Wpass@127.0.0.1:4333"));
        assert!(summary.contains("vidprism process --nats nats://submitter:Spass@127.0.0.1:4333"));
    }

    #[test]
    fn a_path_that_needs_escapes_is_refused() {
        let mut s = setup(false);
        s.store_dir = PathBuf::from("/srv/a\"b");
        assert!(matches!(
            s.config_text(),
            Err(ServerConfigError::Unquotable { .. })
        ));
        s.store_dir = PathBuf::from("/srv/a\nb");
        assert!(s.config_text().is_err());
    }

    #[test]
    fn passwords_are_letters_and_digits_and_differ() {
        let a = random_password().unwrap();
        let b = random_password().unwrap();
        assert_eq!(a.len(), PASSWORD_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn bytes_past_the_last_whole_multiple_are_skipped() {
        // 248..=255 would favour the first symbols; they are dropped.
        let mut calls = 0;
        let password = password_from(|buf| {
            calls += 1;
            buf.fill(if calls == 1 { 250 } else { 63 });
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert_eq!(password, "B".repeat(PASSWORD_LEN));
    }

    #[test]
    fn a_failing_random_source_is_an_error() {
        let failed = password_from(|_| Err(std::io::Error::other("no entropy")));
        assert!(failed.is_err());
    }
}
