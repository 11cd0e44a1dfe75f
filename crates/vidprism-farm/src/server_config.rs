//! A locked-down farm server, as `vidprism farm init` writes it: the
//! nats-server configuration (JetStream and its store, the listening
//! address, optional TLS, a login per worker machine and one for
//! submitters, with least privilege from `broker::permissions`), random
//! passwords, and what each side needs to connect. Text only: the command
//! line writes the files.
//!
//! Without logins, anyone who can reach the server could queue work, read
//! every source and output and make workers touch files; with them, a
//! worker's password cannot queue work and a submitter's cannot take it,
//! and one worker's cannot read another's deliveries nor touch its
//! outputs.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::broker::{submitter_permissions, worker_permissions, Permissions};
use super::identity::host_name;
pub use super::server_config_read::{ReadConfigError, MAX_WORKERS};
pub use super::worker_login::{WorkerLogin, SHARED_WORKER_USER};

/// Worker logins `farm init` makes unless told otherwise.
pub const DEFAULT_WORKERS: u16 = 4;
/// The login of `vidprism process --nats` and the window.
pub const SUBMITTER_USER: &str = "submitter";
/// NATS's own port, on this machine only unless told otherwise
/// (`farm init --listen`): a farm reachable from elsewhere should use TLS.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4222";
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
    /// One login per worker machine, with its password.
    pub workers: Vec<(WorkerLogin, String)>,
    pub submitter_password: String,
}

impl ServerSetup {
    /// A setup with `workers` worker logins (`worker-1`...) and fresh
    /// random passwords.
    pub fn new(
        listen: SocketAddr,
        store_dir: PathBuf,
        tls: Option<ServerTls>,
        workers: u16,
    ) -> Result<ServerSetup, ServerConfigError> {
        let workers = (1..=usize::from(workers))
            .map(|n| Ok((WorkerLogin::numbered(n), random_password()?)))
            .collect::<std::io::Result<_>>()
            .map_err(ServerConfigError::Random)?;
        Ok(ServerSetup {
            listen,
            store_dir,
            tls,
            workers,
            submitter_password: random_password().map_err(ServerConfigError::Random)?,
        })
    }

    /// The worker logins.
    pub fn worker_logins(&self) -> Vec<WorkerLogin> {
        self.workers
            .iter()
            .map(|(login, _)| login.clone())
            .collect()
    }

    /// Every login's user name: the workers', then the submitters'.
    pub fn users(&self) -> Vec<String> {
        let workers = self.workers.iter().map(|(login, _)| login.to_string());
        workers.chain([SUBMITTER_USER.to_owned()]).collect()
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
        text += "# Workers may never queue work, submitters never take it; each\n\
                 # worker login reads its own replies and writes its own outputs only.\n";
        text += "authorization {\n  users: [\n";
        for (login, password) in &self.workers {
            text += &user_block(login.name(), password, &worker_permissions(login));
        }
        text += &user_block(
            SUBMITTER_USER,
            &self.submitter_password,
            &submitter_permissions(&self.worker_logins()),
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

    fn password(&self, user: &str) -> &str {
        self.workers
            .iter()
            .find(|(login, _)| login.name() == user)
            .map_or(&self.submitter_password, |(_, password)| password)
    }

    /// The file that keeps `user`'s password (mode 0600), beside the
    /// configuration in `dir`.
    pub fn password_file(dir: &Path, user: &str) -> PathBuf {
        dir.join(format!("{user}.password"))
    }

    /// The password file's text for `user`.
    pub fn password_text(&self, user: &str) -> String {
        format!("{}\n", self.password(user))
    }

    /// An environment file for one login (`VIDPRISM_NATS*` variables, the
    /// password by its file), to `source` in a shell or give to systemd's
    /// `EnvironmentFile=`.
    pub fn env_file(&self, dir: &Path, user: &str) -> String {
        format!(
            "# The VidPrism farm's {user} login, written by `vidprism farm init`.\n\
             VIDPRISM_NATS={}\nVIDPRISM_NATS_USER={user}\nVIDPRISM_NATS_PASSWORD_FILE={}\n",
            self.client_url(),
            Self::password_file(dir, user).display()
        )
    }

    /// The options that log `user` in, the password read from its file:
    /// never a password on a command line (shell history, `ps`).
    pub fn login_options(&self, dir: &Path, user: &str) -> String {
        format!(
            "--nats {} --nats-user {user} --nats-password-file {}",
            self.client_url(),
            Self::password_file(dir, user).display()
        )
    }

    /// Where the server can be reached from, and what that asks for.
    fn reach_note(&self) -> String {
        let ip = self.listen.ip();
        let tls = if self.tls.is_some() { " with TLS" } else { "" };
        if ip.is_loopback() {
            format!(
                "It listens on {} only{tls}, so workers must run on this machine;\n\
                 for workers elsewhere, run `farm init` again with --listen 0.0.0.0:{}\n\
                 and --tls-cert FILE --tls-key FILE.",
                self.listen,
                self.listen.port()
            )
        } else if self.tls.is_none() {
            format!(
                "It listens on {} WITHOUT TLS: passwords, sources and outputs cross\n\
                 the network in the clear. Give --tls-cert FILE --tls-key FILE unless\n\
                 the network is yours alone.",
                self.listen
            )
        } else {
            format!("It listens on {}{tls}.", self.listen)
        }
    }

    /// What to run where, for the person who ran `farm init`: the logins
    /// by their files, no password printed.
    pub fn summary(&self, config: &Path, dir: &Path) -> String {
        let first = self.workers.first().map(|(login, _)| login.name());
        let worker_env = dir.join(format!("{}.env", first.unwrap_or("worker-1")));
        let tls_note = if self.tls.is_some() {
            "\nWith a self-signed certificate, clients also need --nats-tls-ca CA.pem.\n"
        } else {
            ""
        };
        let workers: String = self
            .workers
            .iter()
            .map(|(login, _)| {
                format!(
                    "  vidprism worker {}\n",
                    self.login_options(dir, login.name())
                )
            })
            .collect();
        format!(
            "Start the server:\n  nats-server -c {config}\n\n\
             {reach} Only its logins get in; each password is in\n\
             {dir}/<login>.password (mode 0600: copy each to the machine that\n\
             needs it, as a private file).\n\n\
             On each worker machine, with a login of its own (no worker login can read\n\
             another's work or touch its outputs; `vidprism farm add-worker {dir}`\n\
             makes one more):\n{workers}\n\
             To submit jobs:\n  vidprism process {submitter} FILE...\n\
             (the window's Farm settings: address {url}, user {SUBMITTER_USER}, the password in\n\
             {submitter_pass})\n\n\
             The same logins are in <login>.env files, for systemd's EnvironmentFile=\n\
             or a shell:\n  set -a; . {worker_env}; set +a; vidprism worker\n{tls_note}",
            config = config.display(),
            reach = self.reach_note(),
            dir = dir.display(),
            submitter_pass = Self::password_file(dir, SUBMITTER_USER).display(),
            submitter = self.login_options(dir, SUBMITTER_USER),
            url = self.client_url(),
            worker_env = worker_env.display(),
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
            workers: vec![
                (WorkerLogin::numbered(1), "Wpass".into()),
                (WorkerLogin::numbered(2), "Xpass".into()),
            ],
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
    fn the_config_has_jetstream_its_store_the_address_and_a_login_each() {
        let text = setup(false).config_text().unwrap();
        assert!(text.contains("listen: \"127.0.0.1:4333\""), "{text}");
        assert!(text.contains("jetstream {\n  store_dir: \"/srv/farm/store\"\n}"));
        assert!(!text.contains("tls {"));
        assert!(!text.contains("user: \"worker\""), "{text}");
        for (user, password, other) in [
            ("worker-1", "Wpass", "worker-2"),
            ("worker-2", "Xpass", "worker-1"),
        ] {
            let worker = user_section(&text, user);
            assert!(worker.contains(&format!("password: \"{password}\"")));
            let deny = &worker[worker.find("deny:").unwrap()..worker.find("subscribe:").unwrap()];
            assert!(deny.contains("\"vidprism.work.>\""), "{deny}");
            let subscribe = &worker[worker.find("subscribe:").unwrap()..];
            assert!(
                subscribe.contains(&format!("\"_INBOX_{user}.>\"")),
                "{subscribe}"
            );
            assert!(
                !worker.contains("\"_INBOX.>\"") && !worker.contains(other),
                "{worker}"
            );
        }
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
        assert!(s
            .summary(Path::new("/c"), Path::new("/d"))
            .contains("with TLS"));
    }

    #[test]
    fn every_interface_is_reached_by_this_machines_name() {
        let mut s = setup(false);
        s.listen = "0.0.0.0:4222".parse().unwrap();
        assert_eq!(s.client_url(), format!("nats://{}:4222", host_name()));
        s.listen = "[::1]:4222".parse().unwrap();
        assert_eq!(s.client_url(), "nats://[::1]:4222");
    }

    /// Issue 26: the summary printed both passwords inside
    /// `nats://user:pass@` command lines (shell history, `ps`).
    #[test]
    fn env_files_and_summary_name_each_login_never_its_password() {
        let s = setup(false);
        let dir = Path::new("/srv/farm");
        assert_eq!(
            s.env_file(dir, SUBMITTER_USER)
                .lines()
                .skip(1)
                .collect::<Vec<_>>(),
            [
                "VIDPRISM_NATS=nats://127.0.0.1:4333",
                "VIDPRISM_NATS_USER=submitter",
                "VIDPRISM_NATS_PASSWORD_FILE=/srv/farm/submitter.password"
            ]
        );
        assert_eq!(s.password_text("worker-1"), "Wpass\n");
        assert_eq!(s.password_text("worker-2"), "Xpass\n");
        assert_eq!(s.users(), ["worker-1", "worker-2", "submitter"]);
        let summary = s.summary(&dir.join("nats-server.conf"), dir);
        assert!(summary.contains("nats-server -c /srv/farm/nats-server.conf"));
        for n in [1, 2] {
            assert!(summary.contains(&format!(
                "vidprism worker --nats nats://127.0.0.1:4333 --nats-user worker-{n} \
                 --nats-password-file /srv/farm/worker-{n}.password"
            )));
        }
        assert!(summary.contains(
            "vidprism process --nats nats://127.0.0.1:4333 --nats-user submitter \
             --nats-password-file /srv/farm/submitter.password FILE"
        ));
        for text in [summary, s.env_file(dir, "worker-1")] {
            assert!(
                !text.contains("Wpass") && !text.contains("Xpass") && !text.contains("Spass"),
                "{text}"
            );
            assert!(!text.contains('@'), "{text}");
        }
    }

    #[test]
    fn the_summary_says_who_can_reach_the_server() {
        let mut s = setup(false);
        let summary = |s: &ServerSetup| s.summary(Path::new("/c"), Path::new("/d"));
        assert_eq!(DEFAULT_LISTEN, "127.0.0.1:4222");
        assert!(summary(&s).contains("only, so workers must run on this machine"));
        s.listen = "0.0.0.0:4222".parse().unwrap();
        assert!(summary(&s).contains("WITHOUT TLS"));
        s.tls = setup(true).tls;
        assert!(summary(&s).contains("with TLS"));
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
