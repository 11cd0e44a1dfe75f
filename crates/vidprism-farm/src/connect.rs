//! How to reach a farm's broker: its address, credentials and TLS files.
//! Plain data, filled from the command line or the window's settings and
//! turned into the NATS client's options in `broker.rs` only.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The broker a farm runs on and how to log in to it. Every field but the
/// address is optional; set ones are passed to the NATS client as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FarmConnection {
    /// `nats://host:4222`, `tls://host:4222`, or `host:port`.
    pub url: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    /// A `.creds` file (JWT and nkey seed), as `nsc` writes.
    pub creds_file: Option<PathBuf>,
    /// A file holding an nkey seed (`SU...`).
    pub nkey_file: Option<PathBuf>,
    /// PEM file of the CA that signed the server's certificate.
    pub tls_ca: Option<PathBuf>,
    /// Client certificate and key (PEM), for servers that verify clients.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Refuse to talk to the server without TLS.
    pub tls_required: bool,
}

impl FarmConnection {
    pub fn new(url: impl Into<String>) -> FarmConnection {
        FarmConnection {
            url: url.into(),
            ..FarmConnection::default()
        }
    }

    /// The address without credentials, for messages and logs.
    pub fn display_url(&self) -> String {
        match self.url.split_once('@') {
            Some((scheme_and_login, host)) => match scheme_and_login.split_once("://") {
                Some((scheme, _)) => format!("{scheme}://{host}"),
                None => host.to_owned(),
            },
            None => self.url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        let c = FarmConnection::new("nats://me:secret@farm.local:4222");
        assert_eq!(c.display_url(), "nats://farm.local:4222");
        assert_eq!(
            FarmConnection::new("farm.local:4222").display_url(),
            "farm.local:4222"
        );
    }
}
