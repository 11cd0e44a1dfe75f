//! What each row's source is (size, length, codecs), known before its job
//! starts: the window gives the engine only the rows that can start, so the
//! rows waiting behind them, and the rows a restart brought back, are probed
//! here, on a thread of their own (headers only, nothing decoded). The
//! engine's own `probed` event replaces the answer when the job runs.

use std::collections::HashSet;
use std::path::PathBuf;

use crossbeam_channel::{unbounded, Receiver, Sender};
use vidprism_engine::pipeline::{SourceFacts, Waker};

use crate::ui::state::queue_model::RowId;

/// Waiting rows probed ahead of the one that starts next, besides the rows
/// in view: enough for the queue's time left in a usual queue, not a probe
/// of every file of a folder of thousands.
pub const PROBE_AHEAD: usize = 64;

/// A row's source probed, or why it could not be.
pub struct Probed {
    pub row: RowId,
    pub facts: Result<SourceFacts, String>,
}

/// Probes sources on its own thread, each row once.
pub struct FactsProber {
    requests: Option<Sender<(RowId, PathBuf)>>,
    results: Receiver<Probed>,
    /// Rows asked for (answered or not): never asked twice.
    asked: HashSet<RowId>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FactsProber {
    pub fn start(wake: Waker) -> std::io::Result<FactsProber> {
        let (requests, request_rx) = unbounded::<(RowId, PathBuf)>();
        let (result_tx, results) = unbounded();
        let thread = std::thread::Builder::new()
            .name("facts prober".into())
            .spawn(move || {
                for (row, path) in request_rx {
                    let facts = vidprism_engine::media::probe(&path)
                        .map(|info| SourceFacts::from(&info))
                        .map_err(|e| e.to_string());
                    if result_tx.send(Probed { row, facts }).is_err() {
                        return;
                    }
                    wake();
                }
            })?;
        Ok(FactsProber {
            requests: Some(requests),
            results,
            asked: HashSet::new(),
            thread: Some(thread),
        })
    }

    /// Asks for `path` probed for `row`, unless it was asked before.
    pub fn ask(&mut self, row: RowId, path: PathBuf) {
        if let Some(requests) = &self.requests {
            if self.asked.insert(row) {
                let _ = requests.send((row, path));
            }
        }
    }

    pub fn try_next(&self) -> Option<Probed> {
        self.results.try_recv().ok()
    }
}

impl Drop for FactsProber {
    fn drop(&mut self) {
        // Closing the request channel ends the thread after its probe.
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
