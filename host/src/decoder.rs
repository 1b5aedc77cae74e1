//! A streaming frame decoder: bytes in one at a time, frames or refusals
//! out, resynchronising on the next sync byte after garbage or a damaged
//! frame. It holds at most one payload buffer and never panics.

use crate::crc::Crc16;
use crate::frame::{Frame, MAX_PAYLOAD, SYNC};

/// What the decoder made of the bytes of one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A frame whose CRC matched.
    Frame(Frame),
    /// A complete frame whose CRC did not match; kind and sequence number as read.
    BadCrc {
        /// The kind byte as read (not vouched for).
        kind: u8,
        /// The sequence number as read (not vouched for).
        seq: u8,
    },
    /// A header whose length field is over [`MAX_PAYLOAD`]; the decoder hunts for sync again.
    TooLong {
        /// The kind byte as read (not vouched for).
        kind: u8,
        /// The sequence number as read (not vouched for).
        seq: u8,
        /// The length field as read.
        len: u16,
    },
}

/// Where the decoder is in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Hunt,
    Kind,
    Seq,
    LenLo,
    LenHi,
    Payload,
    CrcHi,
    CrcLo,
}

/// The byte-serial receiver of frames, as a board's command processor would run it.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
    crc: Crc16,
    kind: u8,
    seq: u8,
    len: u16,
    payload: Vec<u8>,
    skipped: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder hunting for a sync byte.
    pub fn new() -> Self {
        Decoder {
            state: State::Hunt,
            crc: Crc16::new(),
            kind: 0,
            seq: 0,
            len: 0,
            payload: Vec::with_capacity(MAX_PAYLOAD),
            skipped: 0,
        }
    }

    /// Whether the decoder is inside a frame (past its sync byte).
    pub fn in_frame(&self) -> bool {
        self.state != State::Hunt
    }

    /// Drops a partly received frame (the line went quiet) and hunts for sync.
    pub fn abandon(&mut self) {
        self.state = State::Hunt;
    }

    /// Bytes skipped while hunting for a sync byte.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Takes one byte; returns what it completed, if anything.
    pub fn push(&mut self, byte: u8) -> Option<Decoded> {
        if self.state != State::Hunt {
            self.crc = self.crc.update(byte);
        }
        match self.state {
            State::Hunt => {
                if byte == SYNC {
                    self.crc = Crc16::new();
                    self.payload.clear();
                    self.state = State::Kind;
                } else {
                    self.skipped += 1;
                }
            }
            State::Kind => {
                self.kind = byte;
                self.state = State::Seq;
            }
            State::Seq => {
                self.seq = byte;
                self.state = State::LenLo;
            }
            State::LenLo => {
                self.len = u16::from(byte);
                self.state = State::LenHi;
            }
            State::LenHi => {
                self.len |= u16::from(byte) << 8;
                if usize::from(self.len) > MAX_PAYLOAD {
                    self.state = State::Hunt;
                    return Some(Decoded::TooLong {
                        kind: self.kind,
                        seq: self.seq,
                        len: self.len,
                    });
                }
                self.state = if self.len == 0 {
                    State::CrcHi
                } else {
                    State::Payload
                };
            }
            State::Payload => {
                self.payload.push(byte);
                if self.payload.len() == usize::from(self.len) {
                    self.state = State::CrcHi;
                }
            }
            State::CrcHi => self.state = State::CrcLo,
            State::CrcLo => {
                self.state = State::Hunt;
                return Some(if self.crc.value() == 0 {
                    Decoded::Frame(Frame {
                        kind: self.kind,
                        seq: self.seq,
                        payload: std::mem::take(&mut self.payload),
                    })
                } else {
                    Decoded::BadCrc {
                        kind: self.kind,
                        seq: self.seq,
                    }
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode;

    fn decode_all(bytes: &[u8]) -> Vec<Decoded> {
        let mut d = Decoder::new();
        bytes.iter().filter_map(|&b| d.push(b)).collect()
    }

    #[test]
    fn a_frame_round_trips_after_garbage() {
        let mut bytes = vec![0x00, 0x13, 0xFF];
        bytes.extend(encode(0x05, 9, &[1, 2, SYNC, 4]).unwrap());
        let out = decode_all(&bytes);
        assert_eq!(
            out,
            vec![Decoded::Frame(Frame::new(0x05, 9, vec![1, 2, SYNC, 4]))]
        );
    }

    #[test]
    fn an_empty_payload_round_trips() {
        let out = decode_all(&encode(0x01, 0, &[]).unwrap());
        assert_eq!(out, vec![Decoded::Frame(Frame::new(0x01, 0, vec![]))]);
    }

    #[test]
    fn a_flipped_bit_is_a_bad_crc_and_the_next_frame_still_decodes() {
        let mut bytes = encode(0x04, 3, &[10, 20, 30]).unwrap();
        bytes[6] ^= 0x10;
        bytes.extend(encode(0x04, 4, &[10, 20, 30]).unwrap());
        let out = decode_all(&bytes);
        assert_eq!(out[0], Decoded::BadCrc { kind: 0x04, seq: 3 });
        assert_eq!(
            out.last(),
            Some(&Decoded::Frame(Frame::new(0x04, 4, vec![10, 20, 30])))
        );
    }

    #[test]
    fn an_oversize_length_is_refused_at_the_header() {
        let out = decode_all(&[SYNC, 0x05, 1, 0x01, 0x02]);
        assert_eq!(
            out,
            vec![Decoded::TooLong {
                kind: 0x05,
                seq: 1,
                len: 0x0201
            }]
        );
    }
}
