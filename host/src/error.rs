//! What can go wrong on the host's side, each in one line that says what to do.

use std::time::Duration;

use crate::frame::PayloadTooLong;
use crate::protocol::{ErrorReply, InfoError};
use crate::transport::LinkError;

/// A host-side failure.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The link itself failed (a port that would not open, a board unplugged).
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Not one byte came back in any try.
    #[error(
        "no answer from the board on {port} after {}: is the bitstream loaded? `lutforge board` prints how",
        seconds(*timeout)
    )]
    NoAnswer {
        /// The link's name.
        port: String,
        /// The timeout of each try.
        timeout: Duration,
    },
    /// Replies came back, but none intact, in every try.
    #[error(
        "the board on {port} did not answer {command} cleanly in {tries} tries ({damaged} damaged replies, {refused} frames the board saw damaged, {silent} silences): the line is too noisy; lower the baud rate or the payload size"
    )]
    TooNoisy {
        /// The link's name.
        port: String,
        /// The command's name.
        command: String,
        /// Tries made.
        tries: u32,
        /// Replies that arrived damaged.
        damaged: u32,
        /// Frames the board reported damaged.
        refused: u32,
        /// Tries that timed out.
        silent: u32,
    },
    /// The board stayed busy past the timeout.
    #[error("the board on {port} stayed busy for {} answering {command}", seconds(*after))]
    StayedBusy {
        /// The link's name.
        port: String,
        /// The command's name.
        command: String,
        /// How long the host waited.
        after: Duration,
    },
    /// The board refused an intact command.
    #[error("the board refused {command}: {} (detail {})", .reply.code.describe(), .reply.detail)]
    Refused {
        /// The command's name.
        command: String,
        /// The board's ERROR reply.
        reply: ErrorReply,
    },
    /// An intact reply that does not fit the protocol.
    #[error(
        "the board on {port} answered {command} with {what}: is it a lutforge bitstream of host protocol {}?",
        crate::protocol::PROTOCOL_VERSION
    )]
    Protocol {
        /// The link's name.
        port: String,
        /// The command's name.
        command: String,
        /// What came back.
        what: String,
    },
    /// The HELLO record made no sense.
    #[error(transparent)]
    Info(#[from] InfoError),
    /// The board speaks another protocol version.
    #[error(
        "the board speaks host protocol {board}, this lutforge speaks {host}: rebuild the bitstream with this lutforge"
    )]
    Version {
        /// The board's version.
        board: u8,
        /// This crate's version.
        host: u8,
    },
    /// The board's engine is not the layer the caller has weights for.
    #[error(
        "the board's engine is {board}, the weights are {weights}: rebuild the bitstream for this layer with `lutforge board`"
    )]
    EngineMismatch {
        /// The board's engine, e.g. `384×384 base3`.
        board: String,
        /// The caller's layer, e.g. `256×64 ternary codes`.
        weights: String,
    },
    /// The board's engine was built from other metadata than the caller's.
    #[error(
        "the board's engine metadata hashes to {board:#010x}, the expected engine's to {expected:#010x}: the board carries another build; load the matching bitstream"
    )]
    MetadataMismatch {
        /// The board's hash.
        board: u32,
        /// The caller's hash.
        expected: u32,
    },
    /// Weights or vectors before HELLO.
    #[error("no HELLO yet: call hello() before loading weights or running vectors")]
    NoHello,
    /// Weight words of another count or width than the engine takes.
    #[error(
        "the weights are {words} words of {word_bits} bits, the board's engine takes {want_words} words of {want_bits} bits"
    )]
    WeightWords {
        /// Words given.
        words: usize,
        /// Their width.
        word_bits: u32,
        /// Words the engine takes.
        want_words: u32,
        /// Its word width.
        want_bits: u16,
    },
    /// A vector of the wrong length.
    #[error("vector {vector} has {len} activations, the board's engine takes {k}")]
    VectorLength {
        /// The vector's index.
        vector: usize,
        /// Its length.
        len: usize,
        /// K_total.
        k: u32,
    },
    /// An activation outside the engine's A-bit range.
    #[error(
        "activation {index} of vector {vector} is {value}, outside the engine's {bits}-bit range"
    )]
    Activation {
        /// The vector's index.
        vector: usize,
        /// The activation's index.
        index: usize,
        /// Its value.
        value: i64,
        /// A.
        bits: u8,
    },
    /// A payload limit too small for the engine's words.
    #[error(
        "a payload limit of {limit} bytes is too small: the board's engine needs at least {need}"
    )]
    PayloadLimit {
        /// The limit in force.
        limit: usize,
        /// The least that works.
        need: usize,
    },
    /// A frame that could not be encoded.
    #[error(transparent)]
    Frame(#[from] PayloadTooLong),
}

/// A duration as messages write it: `2 s`, `1.5 s` or `50 ms`.
pub fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        let s = d.as_secs_f64();
        if d.subsec_millis() == 0 {
            format!("{s:.0} s")
        } else {
            format!("{s:.1} s")
        }
    } else {
        format!("{} ms", d.as_millis())
    }
}
