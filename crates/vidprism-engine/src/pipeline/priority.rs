//! Scheduling priority of the transcode threads. Encoders keep every core
//! busy; at normal priority a thumbnail asked for meanwhile waits its turn
//! among dozens of encoder threads. Transcodes therefore run at nice 19, so
//! probes, thumbnails and the window, which are short and what the user is
//! looking at, get the CPU first. On an otherwise idle machine the
//! transcodes still get every cycle.
//!
//! Measured (make bench, 1080p thumbnail while three jobs transcode on two
//! cores): nice 10 gave 90-105 ms, nice 19 46-105 ms (median 65), SCHED_IDLE
//! 54-78 ms. SCHED_IDLE is not the default: other busy programs can starve
//! it completely, and the stall watch would then fail healthy jobs; a nice
//! 19 thread always keeps a share of the CPU.

/// Environment variable: `normal` keeps transcodes at normal priority,
/// `idle` makes them SCHED_IDLE (only ever run when nothing else wants the
/// CPU); anything else or unset means nice 19.
pub const PRIORITY_ENV: &str = "VIDPRISM_TRANSCODE_PRIORITY";

/// Lowers the calling thread's priority; threads it starts
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
        if std::env::var(PRIORITY_ENV).is_ok_and(|v| v == "idle") {
            let param = libc::sched_param { sched_priority: 0 };
            libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        } else {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
    }
}
