//! One rendition as the decode thread sees it: the channel its frames go
//! down, which feeds its audio and subtitles come from, and where its
//! pictures come from.

use crossbeam_channel::Sender;
use ffmpeg_next::{frame, Packet};

/// What travels down a lane to a rendition's encoder thread.
pub enum Message {
    /// A decoded picture (a new reference to shared buffers) and its
    /// duration in the source's video time base.
    Video(frame::Video, i64),
    /// An audio or subtitle packet of the feed with this index (encoded
    /// once for the job, or copied from the source).
    Packet(usize, Packet),
    /// The whole source has been read: the encoder may finish its file.
    /// Without it, a closed channel makes the encoder abandon the file.
    End,
}

/// One per rendition, in the order of the targets.
pub struct Lane {
    /// `None` once the encoder hung up: it failed, and its result says why.
    sender: Option<Sender<Message>>,
    /// The feeds whose packets this rendition takes.
    pub feeds: Vec<usize>,
    /// Whether its pictures (and its end) come from the decoder, or else
    /// from the larger rendition it is scaled from.
    pub from_decoder: bool,
}

impl Lane {
    pub fn new(sender: Sender<Message>, feeds: Vec<usize>, from_decoder: bool) -> Lane {
        Lane {
            sender: Some(sender),
            feeds,
            from_decoder,
        }
    }

    pub fn is_open(&self) -> bool {
        self.sender.is_some()
    }

    /// Sends `message` unless the lane is closed; closes it when the
    /// encoder has hung up.
    pub fn send(&mut self, message: impl FnOnce() -> Message) {
        if let Some(sender) = &self.sender {
            if sender.send(message()).is_err() {
                self.sender = None;
            }
        }
    }
}
