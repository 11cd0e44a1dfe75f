//! A [`FarmConnection`] as the NATS client's connect options: login
//! (user and password, token, nkey seed, creds file, or a login in the
//! address) and TLS files. A connection without any login is allowed (a
//! bare `nats-server -js`) but warned about once: anyone who reaches such
//! a server can queue work and read the farm's files.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{FarmConnection, FarmError, WorkerLogin, CONNECT_TIMEOUT};

/// Whether the "no login" warning was given in this process.
static WARNED_NO_LOGIN: AtomicBool = AtomicBool::new(false);

pub(super) async fn options(c: &FarmConnection) -> Result<async_nats::ConnectOptions, FarmError> {
    let mut options = async_nats::ConnectOptions::new()
        .name("vidprism")
        .connection_timeout(CONNECT_TIMEOUT)
        .require_tls(c.tls_required);
    let mut login = false;
    if let (Some(user), Some(password)) = (&c.user, &c.password) {
        options = options.user_and_password(user.clone(), password.clone());
        login = true;
    } else if let Some((user, password)) = url_login(&c.url) {
        // The client leaves a login in the address unused: pass it on.
        options = match password {
            Some(password) => options.user_and_password(user, password),
            None => options.token(user),
        };
        login = true;
    }
    if let Some(token) = &c.token {
        options = options.token(token.clone());
        login = true;
    }
    if let Some(path) = &c.nkey_file {
        let seed = tokio::fs::read_to_string(path)
            .await
            .map_err(|e| FarmError::io(path, e))?;
        options = options.nkey(seed.trim().to_owned());
        login = true;
    }
    if let Some(path) = &c.creds_file {
        options = options
            .credentials_file(path)
            .await
            .map_err(|e| FarmError::io(path, e))?;
        login = true;
    }
    if let Some(ca) = &c.tls_ca {
        options = options.add_root_certificates(ca.clone());
    }
    if let (Some(cert), Some(key)) = (&c.tls_cert, &c.tls_key) {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    // A per-worker login reads replies under its own prefix only.
    if let Some(login) = WorkerLogin::of(c) {
        options = options.custom_inbox_prefix(login.inbox_prefix());
    }
    if !login && !WARNED_NO_LOGIN.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            farm = %c.display_url(),
            "connecting to the farm without a login: anyone who can reach this server can \
             queue work and read the farm's files; run the server `vidprism farm init` writes"
        );
    }
    Ok(options)
}

/// The user a connection logs in as: its user name, or the one written in
/// its address with a password.
pub(crate) fn login_user(c: &FarmConnection) -> Option<String> {
    if c.user.is_some() && c.password.is_some() {
        return c.user.clone();
    }
    url_login(&c.url).and_then(|(user, password)| password.map(|_| user))
}

/// The user (or token) and password written in an address such as
/// `nats://worker:secret@farm:4222`, percent-decoded.
fn url_login(url: &str) -> Option<(String, Option<String>)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let (login, _host) = authority.rsplit_once('@')?;
    let (user, password) = match login.split_once(':') {
        Some((user, password)) => (user, Some(percent_decoded(password))),
        None => (login, None),
    };
    Some((percent_decoded(user), password)).filter(|(user, _)| !user.is_empty())
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_in_the_address_is_found() {
        assert_eq!(
            url_login("nats://worker:s3cret@farm:4222"),
            Some(("worker".into(), Some("s3cret".into())))
        );
        assert_eq!(
            url_login("tls://me:a%40b%3A@farm:4222"),
            Some(("me".into(), Some("a@b:".into())))
        );
        assert_eq!(url_login("nats://tok3n@farm"), Some(("tok3n".into(), None)));
        assert_eq!(url_login("nats://farm:4222"), None);
        assert_eq!(url_login("farm:4222"), None);
        assert_eq!(url_login("nats://@farm:4222"), None);
        let mut c = FarmConnection::new("nats://worker-2:pw@farm:4222");
        assert_eq!(login_user(&c).as_deref(), Some("worker-2"));
        c.user = Some("worker-1".into());
        c.password = Some("x".into());
        assert_eq!(login_user(&c).as_deref(), Some("worker-1"));
        assert_eq!(login_user(&FarmConnection::new("nats://tok@farm")), None);
    }
}
