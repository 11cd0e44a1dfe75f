//! The desktop notification: `notify-send` (libnotify) when it is
//! installed, nothing otherwise. A missing notification service is not an
//! error, so every failure is ignored; no library dependency is needed.

/// Shows a notification without waiting for it (the UI thread must not
/// block on another process).
pub fn send(summary: &str, body: &str) {
    let summary = summary.to_owned();
    let body = body.to_owned();
    let _ = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let program = if cfg!(target_os = "macos") {
                "osascript"
            } else {
                "notify-send"
            };
            let mut cmd = std::process::Command::new(program);
            if cfg!(target_os = "macos") {
                // AppleScript string literals: escape quotes and backslashes.
                let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
                cmd.arg("-e").arg(format!(
                    "display notification \"{}\" with title \"{}\"",
                    esc(&body),
                    esc(&summary)
                ));
            } else {
                cmd.args(["--app-name=VidPrism", &summary, &body]);
            }
            let _ = cmd
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        });
}

/// Opens `path` in the system file manager, without waiting.
pub fn open_in_file_manager(path: &std::path::Path) {
    let path = path.to_path_buf();
    let _ = std::thread::Builder::new()
        .name("open folder".into())
        .spawn(move || {
            let program = if cfg!(target_os = "windows") {
                "explorer"
            } else if cfg!(target_os = "macos") {
                "open"
            } else {
                "xdg-open"
            };
            let _ = std::process::Command::new(program)
                .arg(&path)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        });
}

/// Says "queue finished" once per busy spell: when the queue has just
/// emptied (see `App::logic`).
pub struct FinishNotifier {
    /// Whether a notification is sent at all (off in tests).
    pub enabled: bool,
    was_busy: bool,
    /// The last notice given (summary and body), sent or not.
    pub last: Option<(String, String)>,
}

impl Default for FinishNotifier {
    fn default() -> FinishNotifier {
        FinishNotifier {
            enabled: true,
            was_busy: false,
            last: None,
        }
    }
}

impl FinishNotifier {
    /// Whether the queue, `busy` now, has just finished.
    pub fn just_finished(&mut self, busy: bool) -> bool {
        let finished = self.was_busy && !busy;
        self.was_busy = busy;
        finished
    }

    /// Gives the notice: remembered, and shown when enabled.
    pub fn notify(&mut self, summary: &str, body: &str) {
        self.last = Some((summary.to_owned(), body.to_owned()));
        if self.enabled {
            send(summary, body);
        }
    }
}
