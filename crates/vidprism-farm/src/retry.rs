//! Calls to the broker that try again for a few seconds: a broker that is
//! restarting (its store on disk) is back soon, and a job should not fail
//! for that.

use std::time::Duration;

use super::error::FarmError;

/// Tries after the first, a second apart.
const RETRIES: u32 = 10;
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Runs `call` until it succeeds or has failed `RETRIES + 1` times;
/// `before_retry` tidies up after a failed try (a partial file).
pub fn with_retries<T>(
    what: &str,
    mut call: impl FnMut() -> Result<T, FarmError>,
    mut before_retry: impl FnMut(),
) -> Result<T, FarmError> {
    let mut tries = 0;
    loop {
        match call() {
            Ok(value) => return Ok(value),
            Err(e) if tries >= RETRIES => return Err(e),
            Err(e) => {
                tries += 1;
                tracing::warn!("{what}: {e}; trying again");
                before_retry();
                std::thread::sleep(RETRY_DELAY);
            }
        }
    }
}
