//! Scheduling priority of the transcode threads. Encoders keep every core
//! busy; at normal priority a thumbnail asked for meanwhile waits its turn
//! for the CPU. Transcodes run "nice", so probes and thumbnails, which are
//! short and what the user is looking at, get the CPU first.

/// Nice value of transcode threads (0 is normal, 19 the lowest).
#[cfg(unix)]
const TRANSCODE_NICE: libc::c_int = 10;

/// Lowers the calling thread's priority; threads it starts afterwards (the
/// encoders, FFmpeg's codec threads) inherit it. Only Linux sets nice per
/// thread; elsewhere this would lower the whole process, so it does nothing.
pub fn lower_current_thread() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority has no memory effects; with PRIO_PROCESS and 0 it
    // applies to the calling thread on Linux. A failure only means the
    // thread keeps its priority, which is harmless.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, TRANSCODE_NICE);
    }
}
