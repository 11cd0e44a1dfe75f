//! Scheduling priority of the transcode threads. Encoders keep every core
//! busy; at normal priority a thumbnail asked for meanwhile waits its turn
//! among dozens of encoder threads. Transcodes therefore run as background
//! work, so probes, thumbnails and the window, which are short and what the
//! user is looking at, get the CPU first. On an otherwise idle machine the
//! transcodes still get every cycle.
//!
//! Measured (make bench, 1080p thumbnail while three jobs transcode on two
//! cores): nice 10 gave 90-105 ms, nice 19 65-100 ms, SCHED_IDLE 52-78 ms.

/// Environment variable that, set to `normal`, keeps transcodes at normal
/// priority (for a machine where other busy programs would starve them).
pub const PRIORITY_ENV: &str = "VIDPRISM_TRANSCODE_PRIORITY";

/// Moves the calling thread to background scheduling; threads it starts
/// afterwards (the encoders, FFmpeg's codec threads) inherit it. Only Linux
/// sets this per thread; elsewhere it would change the whole process, so it
/// does nothing there.
pub fn lower_current_thread() {
    if std::env::var(PRIORITY_ENV).is_ok_and(|v| v == "normal") {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: these calls have no memory effects; with pid/who 0 they apply
    // to the calling thread on Linux. A failure only means the thread keeps
    // its priority, which is harmless.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
    }
}
