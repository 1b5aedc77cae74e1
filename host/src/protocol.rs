//! The protocol's vocabulary: command and reply kinds, error codes and the
//! fixed little-endian records that HELLO, STATUS and ERROR carry.

use crate::packing::{WeightPacking, word_bytes};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// A command the host sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Ask for the engine record (never treated as a duplicate).
    Hello,
    /// Reset the engine and the board's state.
    Reset,
    /// Ask for the status record.
    Status,
    /// A chunk of weight words at a word offset.
    LoadWeights,
    /// A chunk of activations at an activation offset in the current batch.
    Vectors,
    /// Ask for results at a result offset in the current batch.
    ReadResults,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 6] = [
        Command::Hello,
        Command::Reset,
        Command::Status,
        Command::LoadWeights,
        Command::Vectors,
        Command::ReadResults,
    ];

    /// The kind byte on the wire.
    pub fn kind(self) -> u8 {
        match self {
            Command::Hello => 0x01,
            Command::Reset => 0x02,
            Command::Status => 0x03,
            Command::LoadWeights => 0x04,
            Command::Vectors => 0x05,
            Command::ReadResults => 0x06,
        }
    }

    /// The command of a kind byte, if it is one.
    pub fn from_kind(kind: u8) -> Option<Self> {
        Command::ALL.into_iter().find(|c| c.kind() == kind)
    }

    /// The command's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Command::Hello => "HELLO",
            Command::Reset => "RESET",
            Command::Status => "STATUS",
            Command::LoadWeights => "LOAD_WEIGHTS",
            Command::Vectors => "VECTORS",
            Command::ReadResults => "READ_RESULTS",
        }
    }
}

/// Kind byte of an acknowledgement.
pub const ACK: u8 = 0x81;
/// Kind byte of a data reply.
pub const DATA: u8 = 0x82;
/// Kind byte of an error reply.
pub const ERROR: u8 = 0x83;

/// Why the board refused a frame, as the ERROR reply's code byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The frame's CRC did not match (the line damaged it); the host retries.
    BadCrc,
    /// The length field was over the maximum payload (the line damaged it); the host retries.
    TooLong,
    /// An intact frame whose payload length is wrong for its command.
    BadLength,
    /// An intact frame of a kind the board does not know.
    UnknownCommand,
    /// The engine is still working; the host asks again later.
    Busy,
    /// A chunk that starts past the words or activations the board holds.
    OutOfOrder,
    /// Vectors before a complete weight load.
    NoWeights,
    /// An offset or count past the engine's sizes or the batch's results.
    OutOfRange,
    /// A code this crate does not know.
    Other(u8),
}

impl ErrorCode {
    /// The code byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            ErrorCode::BadCrc => 1,
            ErrorCode::TooLong => 2,
            ErrorCode::BadLength => 3,
            ErrorCode::UnknownCommand => 4,
            ErrorCode::Busy => 5,
            ErrorCode::OutOfOrder => 6,
            ErrorCode::NoWeights => 7,
            ErrorCode::OutOfRange => 8,
            ErrorCode::Other(c) => c,
        }
    }

    /// The error code of a code byte.
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => ErrorCode::BadCrc,
            2 => ErrorCode::TooLong,
            3 => ErrorCode::BadLength,
            4 => ErrorCode::UnknownCommand,
            5 => ErrorCode::Busy,
            6 => ErrorCode::OutOfOrder,
            7 => ErrorCode::NoWeights,
            8 => ErrorCode::OutOfRange,
            c => ErrorCode::Other(c),
        }
    }

    /// What the code means, for messages.
    pub fn describe(self) -> String {
        match self {
            ErrorCode::BadCrc => "bad CRC".into(),
            ErrorCode::TooLong => "length field over the maximum".into(),
            ErrorCode::BadLength => "wrong payload length".into(),
            ErrorCode::UnknownCommand => "unknown command".into(),
            ErrorCode::Busy => "busy".into(),
            ErrorCode::OutOfOrder => "out of order".into(),
            ErrorCode::NoWeights => "no weights loaded".into(),
            ErrorCode::OutOfRange => "out of range".into(),
            ErrorCode::Other(c) => format!("error code {c}"),
        }
    }
}

/// The payload of an ERROR reply: code, the kind byte refused, and a detail word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorReply {
    /// Why.
    pub code: ErrorCode,
    /// The kind byte of the refused frame, as read.
    pub kind: u8,
    /// The expected offset (OUT_OF_ORDER), the limit (OUT_OF_RANGE, BAD_LENGTH) or 0.
    pub detail: u32,
}

/// Bytes of an ERROR payload.
pub const ERROR_LEN: usize = 6;

impl ErrorReply {
    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.code.code(), self.kind];
        out.extend_from_slice(&self.detail.to_le_bytes());
        out
    }

    /// The reply a payload carries, if it is ERROR_LEN bytes.
    pub fn decode(payload: &[u8]) -> Option<Self> {
        if payload.len() != ERROR_LEN {
            return None;
        }
        Some(ErrorReply {
            code: ErrorCode::from_code(payload[0]),
            kind: payload[1],
            detail: le32(payload, 2),
        })
    }
}

/// The engine's parameters and the board's buffer sizes, as the HELLO reply carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    /// The protocol version the board speaks.
    pub version: u8,
    /// K_total, the layer's input features.
    pub k: u32,
    /// N_total, the layer's output features.
    pub n: u32,
    /// A, bits of a signed activation (1..=16).
    pub act_bits: u8,
    /// ACC, bits of a signed result (1..=64).
    pub acc_bits: u8,
    /// WW, bits of a weight word.
    pub word_bits: u16,
    /// P, activations in an engine x-word.
    pub x_lanes: u16,
    /// Q, results in an engine y-word.
    pub y_lanes: u16,
    /// The weight packing.
    pub packing: WeightPacking,
    /// Words of the weight stream.
    pub weight_words: u32,
    /// Engine cycles a vector, back to back.
    pub cycles_per_vector: u32,
    /// The 32-bit hash of the engine's metadata JSON ([`metadata_hash`]).
    pub metadata_hash: u32,
    /// The largest payload the board takes and sends.
    pub max_payload: u16,
    /// Results the board holds for one batch.
    pub result_capacity: u32,
}

/// Bytes of the HELLO record.
pub const INFO_LEN: usize = 40;

/// Why a HELLO record does not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the board's HELLO record is not valid: {0}")]
pub struct InfoError(pub String);

impl EngineInfo {
    /// Bytes of a weight word on the wire, ⌈WW/8⌉.
    pub fn word_bytes(&self) -> usize {
        word_bytes(self.word_bits.into())
    }

    /// Bytes of an activation on the wire, ⌈A/8⌉.
    pub fn act_bytes(&self) -> usize {
        usize::from(self.act_bits).div_ceil(8)
    }

    /// Bytes of a result on the wire, ⌈ACC/8⌉.
    pub fn result_bytes(&self) -> usize {
        usize::from(self.acc_bits).div_ceil(8)
    }

    /// Vectors the board can hold the results of in one batch.
    pub fn batch_vectors(&self) -> u32 {
        self.result_capacity / self.n.max(1)
    }

    /// The 40 payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let (code, bits) = self.packing.code();
        let mut out = vec![self.version, code, bits, self.act_bits, self.acc_bits, 0];
        for v in [
            self.word_bits,
            self.x_lanes,
            self.y_lanes,
            self.max_payload,
            0,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [
            self.k,
            self.n,
            self.weight_words,
            self.cycles_per_vector,
            self.result_capacity,
            self.metadata_hash,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// The record a payload carries, checked for sense.
    pub fn decode(p: &[u8]) -> Result<Self, InfoError> {
        if p.len() != INFO_LEN {
            return Err(InfoError(format!("{} bytes, not {INFO_LEN}", p.len())));
        }
        let packing = WeightPacking::from_code(p[1], p[2]).ok_or_else(|| {
            InfoError(format!(
                "unknown weight packing code {} ({} bits)",
                p[1], p[2]
            ))
        })?;
        let info = EngineInfo {
            version: p[0],
            packing,
            act_bits: p[3],
            acc_bits: p[4],
            word_bits: le16(p, 6),
            x_lanes: le16(p, 8),
            y_lanes: le16(p, 10),
            max_payload: le16(p, 12),
            k: le32(p, 16),
            n: le32(p, 20),
            weight_words: le32(p, 24),
            cycles_per_vector: le32(p, 28),
            result_capacity: le32(p, 32),
            metadata_hash: le32(p, 36),
        };
        info.check()?;
        Ok(info)
    }

    /// Checks that the record's fields make sense together.
    pub fn check(&self) -> Result<(), InfoError> {
        let bad = |s: String| Err(InfoError(s));
        if self.k == 0 || self.n == 0 {
            return bad(format!("a {}×{} layer", self.n, self.k));
        }
        if !(1..=16).contains(&self.act_bits) {
            return bad(format!("{}-bit activations (1..=16)", self.act_bits));
        }
        if !(1..=64).contains(&self.acc_bits) {
            return bad(format!("{}-bit results (1..=64)", self.acc_bits));
        }
        if !(1..=4096).contains(&self.word_bits) {
            return bad(format!("{}-bit weight words (1..=4096)", self.word_bits));
        }
        let max = usize::from(self.max_payload);
        let need = 4 + self
            .word_bytes()
            .max(self.act_bytes())
            .max(self.result_bytes());
        if !(need..=crate::frame::MAX_PAYLOAD).contains(&max) {
            return bad(format!("a maximum payload of {max} bytes"));
        }
        if self.result_capacity < self.n {
            return bad(format!(
                "room for {} results, under one vector's {}",
                self.result_capacity, self.n
            ));
        }
        let words = self
            .packing
            .stream_bits(self.n as usize, self.k as usize)
            .div_ceil(u64::from(self.word_bits));
        if words != u64::from(self.weight_words) {
            return bad(format!(
                "{} weight words where {} {}×{} weights in {}-bit words take {words}",
                self.weight_words, self.packing, self.n, self.k, self.word_bits
            ));
        }
        Ok(())
    }
}

/// The board's state, as the STATUS reply's first byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardState {
    /// No weights (after reset).
    Empty,
    /// A weight load is under way.
    Loading,
    /// Weights loaded, no vector in flight.
    Ready,
    /// A vector is in flight.
    Busy,
    /// A state byte this crate does not know.
    Other(u8),
}

impl BoardState {
    /// The state byte.
    pub fn code(self) -> u8 {
        match self {
            BoardState::Empty => 0,
            BoardState::Loading => 1,
            BoardState::Ready => 2,
            BoardState::Busy => 3,
            BoardState::Other(c) => c,
        }
    }

    /// The state of a state byte.
    pub fn from_code(c: u8) -> Self {
        match c {
            0 => BoardState::Empty,
            1 => BoardState::Loading,
            2 => BoardState::Ready,
            3 => BoardState::Busy,
            c => BoardState::Other(c),
        }
    }
}

/// The STATUS reply: the board's state and its counters since reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// What the board is doing.
    pub state: BoardState,
    /// Weight words held of the current load.
    pub weight_words_held: u32,
    /// Activations held of the current batch.
    pub activations_held: u32,
    /// Results ready in the current batch.
    pub results_ready: u32,
    /// Vectors run since reset.
    pub vectors_run: u32,
    /// Frames acted on (ACK or DATA replies, replays not counted).
    pub frames_accepted: u32,
    /// Frames refused for a bad CRC.
    pub bad_crc: u32,
    /// Headers refused for a length field over the maximum.
    pub too_long: u32,
    /// Intact frames refused for a wrong payload length.
    pub bad_length: u32,
    /// Intact frames refused for an unknown command.
    pub unknown_command: u32,
    /// Duplicates answered by replaying the remembered reply.
    pub duplicates: u32,
    /// Other refusals (busy, out of order, no weights, out of range).
    pub other_errors: u32,
    /// Partial frames dropped when the line went quiet.
    pub abandoned: u32,
}

/// Bytes of the STATUS record.
pub const STATUS_LEN: usize = 52;

impl Status {
    /// The counters in record order.
    fn counters(&self) -> [u32; 12] {
        [
            self.weight_words_held,
            self.activations_held,
            self.results_ready,
            self.vectors_run,
            self.frames_accepted,
            self.bad_crc,
            self.too_long,
            self.bad_length,
            self.unknown_command,
            self.duplicates,
            self.other_errors,
            self.abandoned,
        ]
    }

    /// The 52 payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.state.code(), 0, 0, 0];
        for c in self.counters() {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out
    }

    /// The record a payload carries, if it is STATUS_LEN bytes.
    pub fn decode(p: &[u8]) -> Option<Self> {
        if p.len() != STATUS_LEN {
            return None;
        }
        let c = |i: usize| le32(p, 4 + 4 * i);
        Some(Status {
            state: BoardState::from_code(p[0]),
            weight_words_held: c(0),
            activations_held: c(1),
            results_ready: c(2),
            vectors_run: c(3),
            frames_accepted: c(4),
            bad_crc: c(5),
            too_long: c(6),
            bad_length: c(7),
            unknown_command: c(8),
            duplicates: c(9),
            other_errors: c(10),
            abandoned: c(11),
        })
    }
}

/// The 32-bit FNV-1a hash of an engine's metadata JSON bytes, as HELLO carries it.
pub fn metadata_hash(json: &[u8]) -> u32 {
    json.iter().fold(0x811C_9DC5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The little-endian u16 at `at` (0 past the end).
pub(crate) fn le16(p: &[u8], at: usize) -> u16 {
    let b = |i: usize| p.get(at + i).copied().unwrap_or(0);
    u16::from_le_bytes([b(0), b(1)])
}

/// The little-endian u32 at `at` (0 past the end).
pub(crate) fn le32(p: &[u8], at: usize) -> u32 {
    let b = |i: usize| p.get(at + i).copied().unwrap_or(0);
    u32::from_le_bytes([b(0), b(1), b(2), b(3)])
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn info() -> EngineInfo {
        EngineInfo {
            version: PROTOCOL_VERSION,
            k: 384,
            n: 384,
            act_bits: 8,
            acc_bits: 17,
            word_bits: 8,
            x_lanes: 8,
            y_lanes: 4,
            packing: WeightPacking::Base3,
            weight_words: 384 * 77,
            cycles_per_vector: 1000,
            metadata_hash: 0xDEAD_BEEF,
            max_payload: 512,
            result_capacity: 4 * 384,
        }
    }

    #[test]
    fn the_hello_record_round_trips() {
        let bytes = info().encode();
        assert_eq!(bytes.len(), INFO_LEN);
        assert_eq!(EngineInfo::decode(&bytes), Ok(info()));
    }

    #[test]
    fn a_record_with_the_wrong_word_count_is_refused() {
        let mut i = info();
        i.weight_words += 1;
        assert!(EngineInfo::decode(&i.encode()).is_err());
    }

    #[test]
    fn status_and_error_round_trip() {
        let s = Status {
            state: BoardState::Ready,
            weight_words_held: 1,
            activations_held: 2,
            results_ready: 3,
            vectors_run: 4,
            frames_accepted: 5,
            bad_crc: 6,
            too_long: 7,
            bad_length: 8,
            unknown_command: 9,
            duplicates: 10,
            other_errors: 11,
            abandoned: 12,
        };
        assert_eq!(s.encode().len(), STATUS_LEN);
        assert_eq!(Status::decode(&s.encode()), Some(s));
        let e = ErrorReply {
            code: ErrorCode::OutOfOrder,
            kind: 4,
            detail: 77,
        };
        assert_eq!(ErrorReply::decode(&e.encode()), Some(e));
    }

    #[test]
    fn fnv1a_of_the_empty_string_and_a() {
        assert_eq!(metadata_hash(b""), 0x811C_9DC5);
        assert_eq!(metadata_hash(b"a"), 0xE40C_292C);
    }
}
