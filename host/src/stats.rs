//! Counters of a host's traffic, for the report the CLI prints.

use std::fmt;
use std::time::Duration;

/// What the host sent, received, retried and waited for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Bytes written to the link.
    pub bytes_sent: u64,
    /// Bytes read from the link.
    pub bytes_received: u64,
    /// Frames written (retries included).
    pub frames_sent: u64,
    /// Intact frames read.
    pub frames_received: u64,
    /// Commands (each counted once however often it was sent).
    pub commands: u64,
    /// Frames sent again with the same sequence number.
    pub retries: u64,
    /// Tries that heard nothing before the timeout.
    pub timeouts: u64,
    /// Replies that arrived damaged.
    pub damaged_replies: u64,
    /// Frames the board reported damaged (ERROR bad CRC or length over the maximum).
    pub refused_damaged: u64,
    /// BUSY replies waited out.
    pub busy: u64,
    /// Intact replies to an earlier try or command, ignored.
    pub stale_replies: u64,
    /// Vectors run.
    pub vectors: u64,
    /// Time spent waiting for replies.
    pub waiting: Duration,
}

impl LinkStats {
    /// Vectors (tokens) a second over `elapsed`.
    pub fn tokens_per_second(&self, elapsed: Duration) -> f64 {
        let s = elapsed.as_secs_f64();
        if s > 0.0 {
            self.vectors as f64 / s
        } else {
            0.0
        }
    }

    /// The share of `elapsed` spent waiting on the link (0..=1).
    pub fn link_share(&self, elapsed: Duration) -> f64 {
        let s = elapsed.as_secs_f64();
        if s > 0.0 {
            (self.waiting.as_secs_f64() / s).min(1.0)
        } else {
            0.0
        }
    }
}

impl fmt::Display for LinkStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} vectors; {} bytes sent, {} received; {} frames sent, {} received; {} retries ({} timeouts, {} damaged replies, {} refused as damaged, {} busy)",
            self.vectors,
            self.bytes_sent,
            self.bytes_received,
            self.frames_sent,
            self.frames_received,
            self.retries,
            self.timeouts,
            self.damaged_replies,
            self.refused_damaged,
            self.busy
        )
    }
}
