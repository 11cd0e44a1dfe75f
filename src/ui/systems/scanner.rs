//! Adding files without blocking the UI thread: a scanner thread walks the
//! dropped folders by the library's rule (`vidprism_engine::sources`: files given
//! as they are, folders' videos, each file once by device and inode),
//! records each file in the job store, and sends what it found in batches
//! as it goes; the window adds rows from them within a budget per frame
//! and shows "Scanning… N found" meanwhile, then what it skipped.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use vidprism_engine::pipeline::{JobRequest, Waker};
use vidprism_engine::presets::Preset;
use vidprism_engine::sources::{walk, Skipped, WalkRule};
use vidprism_engine::store::{StoreError, StoreId};

use crate::ui::systems::shared_store::SharedStore;

/// Most files sent in one batch.
const BATCH: usize = 256;
/// Longest a found file waits before its batch is sent.
const BATCH_AGE: Duration = Duration::from_millis(50);

/// Files to add, with the presets and output folder chosen when they were
/// given, and the store to record them in.
pub struct Scan {
    pub paths: Vec<PathBuf>,
    pub presets: Vec<Preset>,
    pub out_dir: PathBuf,
    pub store: Option<SharedStore>,
}

/// A file to queue.
pub struct Found {
    pub request: JobRequest,
    /// Its job in the store, or why it could not be recorded (`None`: the
    /// queue is not remembered).
    pub stored: Option<Result<StoreId, StoreError>>,
}

/// What the scanner says.
pub enum ScanNews {
    /// Files found, in order, ready to be queued.
    Found(Vec<Found>),
    /// One [`Scan`] is over; what it did not take.
    Finished(Skipped),
}

/// The scanner thread.
pub struct Scanner {
    requests: Option<Sender<Scan>>,
    news: Receiver<ScanNews>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Scanner {
    /// Starts the thread; `wake` is called after each message it sends.
    pub fn start(wake: Waker) -> std::io::Result<Scanner> {
        let (requests, request_rx) = unbounded::<Scan>();
        let (news_tx, news) = unbounded();
        let thread = std::thread::Builder::new()
            .name("file scanner".into())
            .spawn(move || {
                for scan in request_rx {
                    if run(scan, &news_tx, &wake).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Scanner {
            requests: Some(requests),
            news,
            thread: Some(thread),
        })
    }

    pub fn scan(&self, scan: Scan) {
        if let Some(requests) = &self.requests {
            let _ = requests.send(scan);
        }
    }

    pub fn try_next(&self) -> Option<ScanNews> {
        self.news.try_recv().ok()
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        // Closing the requests ends the thread after its current scan (or
        // at its next send, once the window stopped listening).
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Walks one scan, sending batches; `Err` when the window is gone.
fn run(scan: Scan, news: &Sender<ScanNews>, wake: &Waker) -> Result<(), ()> {
    let mut batch = Vec::new();
    let mut since = Instant::now();
    let mut gone = false;
    let names: Vec<String> = scan.presets.iter().map(|p| p.name.clone()).collect();
    let send = |batch: &mut Vec<Found>| -> bool {
        let sent = news.send(ScanNews::Found(std::mem::take(batch))).is_ok();
        wake();
        sent
    };
    let skipped = walk(&scan.paths, WalkRule::GIVEN, &mut |input| {
        if gone {
            return;
        }
        let stored = scan.store.as_ref().map(|store| {
            store.lock().add(
                input.clone(),
                names.clone(),
                scan.presets.clone(),
                scan.out_dir.clone(),
            )
        });
        let request = JobRequest {
            input,
            presets: scan.presets.clone(),
            out_dir: scan.out_dir.clone(),
        };
        batch.push(Found { request, stored });
        if batch.len() >= BATCH || since.elapsed() >= BATCH_AGE {
            gone = !send(&mut batch);
            since = Instant::now();
        }
    });
    if gone || (!batch.is_empty() && !send(&mut batch)) {
        return Err(());
    }
    let finished = news.send(ScanNews::Finished(skipped)).map_err(|_| ());
    wake();
    finished
}

/// Files being added: scans under way, how many files they found, and the
/// found files not yet made rows.
#[derive(Default)]
pub struct Adding {
    pub scans: usize,
    pub found: usize,
    pub waiting: VecDeque<Found>,
    /// The second paths to files already added that the scans since the
    /// last one that started from none skipped (shown on the status line).
    pub skipped: Skipped,
}

impl Adding {
    /// A scan was asked for: what earlier ones skipped is forgotten when
    /// none is under way.
    pub fn started(&mut self) {
        if self.scans == 0 {
            self.skipped = Skipped::default();
        }
        self.scans += 1;
    }

    /// What the status line says of the files not taken, if any.
    pub fn skipped_text(&self) -> Option<String> {
        let same = &self.skipped.same_file;
        let first = same.first()?;
        let name = first.file_name().unwrap_or(first.as_os_str());
        let name = name.to_string_lossy();
        Some(match same.len() {
            1 => format!("skipped {name}: a second path to a file already added"),
            n => format!("skipped {n} files ({name}, …): second paths to files already added"),
        })
    }

    /// Whether files are still being found or made rows.
    pub fn is_busy(&self) -> bool {
        self.scans > 0 || !self.waiting.is_empty()
    }

    /// Takes what the scanner sent.
    pub fn take(&mut self, news: ScanNews) {
        match news {
            ScanNews::Found(files) => {
                self.found += files.len();
                self.waiting.extend(files);
            }
            ScanNews::Finished(skipped) => {
                // Only what the status line says is kept (a folder of a
                // million notes is not held here).
                self.skipped.same_file.extend(skipped.same_file);
                self.scans = self.scans.saturating_sub(1);
                if self.scans == 0 {
                    self.found = 0;
                }
            }
        }
    }
}
