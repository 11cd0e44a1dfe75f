//! The proof that news of a job comes from a worker that was given the
//! job's work. Every login that may publish news can publish it on any
//! job's subject, and the job key is no secret (object names carry it).
//! So the submitter draws a fresh random key for each job and puts it in
//! the job's work; a worker proves each piece of news it sends with an
//! HMAC-SHA256 of the job key and the news's bytes under that key, in the
//! message's `Vidprism-Proof` header (the news's JSON stays as it was).
//! The submitter acts only on news whose proof checks out.
//!
//! Versions: work without a key (an older submitter's) gets news without
//! a proof, which that submitter never asks for; news without a proof at
//! a submitter of this version is refused with a log line (a worker older
//! than the submitter, or a login that was not given the work): update
//! the workers first.
//!
//! `ring` (already built for the client's TLS) gives the HMAC, its
//! constant-time check and the system's random source.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The header of a news message that carries its proof.
pub const PROOF_HEADER: &str = "Vidprism-Proof";
/// Random bytes of a job's key (written as twice as many hex digits).
const KEY_BYTES: usize = 32;
/// Bytes of a proof (HMAC-SHA256).
const PROOF_BYTES: usize = 32;

/// The system gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the system's random source gave no key for the job's news")]
pub struct NoRandom;

/// A fresh key for one job's news, as lowercase hex.
pub fn new_key() -> Result<String, NoRandom> {
    let mut key = [0u8; KEY_BYTES];
    SystemRandom::new().fill(&mut key).map_err(|_| NoRandom)?;
    Ok(hex(&key))
}

/// Whether `text` has the shape of a key [`new_key`] makes.
pub fn is_key(text: &str) -> bool {
    text.len() == 2 * KEY_BYTES && unhex(text).is_some()
}

/// The HMAC's input: the job key, a zero byte, the news's bytes.
fn signed(job: &str, payload: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(job.len() + 1 + payload.len());
    data.extend_from_slice(job.as_bytes());
    data.push(0);
    data.extend_from_slice(payload);
    data
}

/// The proof of `payload` as news of `job`, under the job's `key`.
pub fn prove(key: &str, job: &str, payload: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hex(hmac::sign(&key, &signed(job, payload)).as_ref())
}

/// Whether `proof` proves `payload` as news of `job` under `key` (compared
/// in constant time).
pub fn verify(key: &str, job: &str, payload: &[u8], proof: &str) -> bool {
    let Some(tag) = unhex(proof).filter(|t| t.len() == PROOF_BYTES) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hmac::verify(&key, &signed(job, payload), &tag).is_ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex digits only, an even number of them.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_holds_for_its_key_job_and_bytes_only() {
        let key = new_key().unwrap();
        assert!(is_key(&key));
        assert_ne!(key, new_key().unwrap(), "fresh each time");
        let proof = prove(&key, "host-1.3", b"{\"sent\":{}}");
        assert!(verify(&key, "host-1.3", b"{\"sent\":{}}", &proof));
        let other = new_key().unwrap();
        assert!(!verify(&other, "host-1.3", b"{\"sent\":{}}", &proof));
        assert!(!verify(&key, "host-1.4", b"{\"sent\":{}}", &proof));
        assert!(!verify(&key, "host-1.3", b"{\"sent\":{ }}", &proof));
        for bad in [
            "",
            "zz",
            &proof[..62],
            &proof.to_uppercase(),
            &format!("{proof}00"),
        ] {
            assert!(!verify(&key, "host-1.3", b"{\"sent\":{}}", bad), "{bad}");
        }
        // The job key and the bytes are kept apart.
        let joined = prove(&key, "a", b"bc");
        assert!(!verify(&key, "ab", b"c", &joined));
    }

    #[test]
    fn keys_have_one_shape() {
        assert!(!is_key(""));
        assert!(!is_key(&"g".repeat(64)));
        assert!(!is_key(&"A".repeat(64)));
        assert!(!is_key(&"a".repeat(62)));
        assert!(is_key(&"0a".repeat(32)));
    }
}
