//! The command-line options that say how to reach a farm's broker, shared
//! by `process --nats` and `worker`.

use std::path::PathBuf;

use clap::Args;
use vidprism::farm::FarmConnection;

#[derive(Args, Debug, Clone, Default)]
pub struct FarmArgs {
    /// The farm's NATS server, e.g. nats://farm.local:4222.
    #[arg(long, value_name = "URL", env = "VIDPRISM_NATS")]
    pub nats: Option<String>,
    /// User name for the NATS server.
    #[arg(
        long,
        value_name = "USER",
        env = "VIDPRISM_NATS_USER",
        requires = "nats_password"
    )]
    pub nats_user: Option<String>,
    /// Password for the NATS server (better from the environment).
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "VIDPRISM_NATS_PASSWORD",
        hide_env_values = true
    )]
    pub nats_password: Option<String>,
    /// Token for the NATS server (better from the environment).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "VIDPRISM_NATS_TOKEN",
        hide_env_values = true
    )]
    pub nats_token: Option<String>,
    /// NATS credentials file (JWT and nkey seed).
    #[arg(long, value_name = "FILE")]
    pub nats_creds: Option<PathBuf>,
    /// File holding an nkey seed.
    #[arg(long, value_name = "FILE")]
    pub nats_nkey: Option<PathBuf>,
    /// CA certificate (PEM) to trust for the server's TLS.
    #[arg(long, value_name = "FILE")]
    pub nats_tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for servers that verify clients.
    #[arg(long, value_name = "FILE", requires = "nats_tls_key")]
    pub nats_tls_cert: Option<PathBuf>,
    /// Key (PEM) of the client certificate.
    #[arg(long, value_name = "FILE", requires = "nats_tls_cert")]
    pub nats_tls_key: Option<PathBuf>,
    /// Refuse to connect without TLS.
    #[arg(long)]
    pub nats_tls_required: bool,
}

impl FarmArgs {
    /// The connection, when `--nats` was given.
    pub fn connection(&self) -> Option<FarmConnection> {
        let url = self.nats.clone()?;
        Some(FarmConnection {
            url,
            user: self.nats_user.clone(),
            password: self.nats_password.clone(),
            token: self.nats_token.clone(),
            creds_file: self.nats_creds.clone(),
            nkey_file: self.nats_nkey.clone(),
            tls_ca: self.nats_tls_ca.clone(),
            tls_cert: self.nats_tls_cert.clone(),
            tls_key: self.nats_tls_key.clone(),
            tls_required: self.nats_tls_required,
        })
    }
}
