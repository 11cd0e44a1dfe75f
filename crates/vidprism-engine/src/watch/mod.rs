//! Watch folders: files dropped into a folder become jobs once, whole, even
//! across restarts.
//!
//! The pieces are small and separate so each can be tested alone: which
//! names are never sources ([`ignore`]; which files are, the same rule as
//! the window's, is [`crate::sources`]), when a file is whole ([`settle`]),
//! what was already done ([`ledger`]), what to do with a source once its
//! outputs are whole ([`on_done`]), and where news of files comes from
//! ([`watcher`]: the platform's file events and rescans). [`feed`] holds
//! them together: news in, whole files out, each job's end back; [`driver`]
//! is the one loop's state both front ends drive (`vidprism watch` and the
//! window's watch folders): the feed, the platform's events, the watched
//! folders and the running files. Tying it to a runner and a view is the
//! front end's.

pub mod driver;
pub mod feed;
pub mod ignore;
pub mod ledger;
pub mod on_done;
pub mod settle;
pub mod watcher;

pub use driver::{Events, Watch};
pub use feed::{Feed, FeedConfig, Notice, WholeFile};
pub use ignore::is_ignored;
pub use ledger::{stamp, stamp_and_identity, Ledger, LedgerError, Stamp, LEDGER_FILE};
pub use on_done::{Applied, Identity, NotAnOnDone, OnDone, OnDoneError};
pub use settle::{FileStat, Settler, Verdict};
pub use watcher::{is_watched, scan, EventSource, FolderNews, Folders, Hint, WatchError};
