//! A [`FarmConnection`] as the NATS client's connect options: login
//! (user and password, token, nkey seed, creds file) and TLS files.

use super::{FarmConnection, CONNECT_TIMEOUT};

pub(super) async fn options(c: &FarmConnection) -> Result<async_nats::ConnectOptions, String> {
    let mut options = async_nats::ConnectOptions::new()
        .name("vidprism")
        .connection_timeout(CONNECT_TIMEOUT)
        .require_tls(c.tls_required);
    if let (Some(user), Some(password)) = (&c.user, &c.password) {
        options = options.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &c.token {
        options = options.token(token.clone());
    }
    if let Some(path) = &c.nkey_file {
        let seed = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        options = options.nkey(seed.trim().to_owned());
    }
    if let Some(path) = &c.creds_file {
        options = options
            .credentials_file(path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(ca) = &c.tls_ca {
        options = options.add_root_certificates(ca.clone());
    }
    if let (Some(cert), Some(key)) = (&c.tls_cert, &c.tls_key) {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    Ok(options)
}
