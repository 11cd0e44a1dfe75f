//! The command-line options that say how to reach a farm's broker, shared
//! by `process --nats` and `worker`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use vidprism_farm::FarmConnection;

#[derive(Args, Debug, Clone, Default)]
pub struct FarmArgs {
    /// The farm's NATS server, e.g. nats://farm.local:4222.
    #[arg(long, value_name = "URL", env = "VIDPRISM_NATS")]
    pub nats: Option<String>,
    /// User name for the NATS server.
    #[arg(long, value_name = "USER", env = "VIDPRISM_NATS_USER")]
    pub nats_user: Option<String>,
    /// Password for the NATS server (better from the environment).
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "VIDPRISM_NATS_PASSWORD",
        hide_env_values = true
    )]
    pub nats_password: Option<String>,
    /// File holding the password (its first line), as `vidprism farm init`
    /// writes it: the password stays off command lines.
    #[arg(
        long,
        value_name = "FILE",
        env = "VIDPRISM_NATS_PASSWORD_FILE",
        conflicts_with = "nats_password"
    )]
    pub nats_password_file: Option<PathBuf>,
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
    /// The connection, when `--nats` was given; an error when its
    /// password file cannot be read or a user comes without a password.
    pub fn connection(&self) -> anyhow::Result<Option<FarmConnection>> {
        let Some(url) = self.nats.clone() else {
            return Ok(None);
        };
        let password = match &self.nats_password_file {
            Some(file) => Some(read_password(file)?),
            None => self.nats_password.clone(),
        };
        if self.nats_user.is_some() && password.is_none() {
            bail!("--nats-user needs --nats-password-file (or --nats-password)");
        }
        Ok(Some(FarmConnection {
            url,
            user: self.nats_user.clone(),
            password,
            token: self.nats_token.clone(),
            creds_file: self.nats_creds.clone(),
            nkey_file: self.nats_nkey.clone(),
            tls_ca: self.nats_tls_ca.clone(),
            tls_cert: self.nats_tls_cert.clone(),
            tls_key: self.nats_tls_key.clone(),
            tls_required: self.nats_tls_required,
        }))
    }
}

/// The first line of a password file.
fn read_password(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("--nats-password-file {}", file.display()))?;
    let password = text.lines().next().unwrap_or_default().trim_end();
    if password.is_empty() {
        bail!("--nats-password-file {}: the file is empty", file.display());
    }
    Ok(password.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: &Path) -> FarmArgs {
        FarmArgs {
            nats: Some("nats://farm:4222".into()),
            nats_user: Some("worker".into()),
            nats_password_file: Some(file.to_path_buf()),
            ..FarmArgs::default()
        }
    }

    #[test]
    fn the_password_is_read_from_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("worker.password");
        std::fs::write(&file, "s3cret\n").unwrap();
        let connection = args(&file).connection().unwrap().unwrap();
        assert_eq!(connection.password.as_deref(), Some("s3cret"));
        assert_eq!(connection.user.as_deref(), Some("worker"));
        std::fs::write(&file, "\n").unwrap();
        assert!(args(&file)
            .connection()
            .unwrap_err()
            .to_string()
            .contains("empty"));
        let missing = args(&dir.path().join("nope")).connection().unwrap_err();
        assert!(format!("{missing:#}").contains("nope"), "{missing:#}");
        let mut no_password = args(&file);
        no_password.nats_password_file = None;
        assert!(no_password.connection().is_err());
    }
}
