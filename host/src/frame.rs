//! One frame on the wire: sync byte, kind, sequence number, 16-bit
//! little-endian payload length, payload, CRC-16 (high byte first) over
//! everything after the sync byte.

use crate::crc::Crc16;

/// The byte every frame starts with.
pub const SYNC: u8 = 0xA5;

/// The largest payload a frame may carry (one iCE40 EBR of 4 Kbit).
pub const MAX_PAYLOAD: usize = 512;

/// Bytes before the payload: sync, kind, sequence number, length (2).
pub const HEADER_LEN: usize = 5;

/// Bytes after the payload: the CRC.
pub const CRC_LEN: usize = 2;

/// Bytes a frame adds to its payload.
pub const OVERHEAD: usize = HEADER_LEN + CRC_LEN;

/// A frame whose CRC matched: its kind byte, sequence number and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The command or reply kind.
    pub kind: u8,
    /// The sequence number.
    pub seq: u8,
    /// The payload, at most [`MAX_PAYLOAD`] bytes.
    pub payload: Vec<u8>,
}

/// A payload longer than [`MAX_PAYLOAD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a frame payload of {len} bytes is over the protocol's maximum of {MAX_PAYLOAD}")]
pub struct PayloadTooLong {
    /// The payload's length.
    pub len: usize,
}

impl Frame {
    /// A frame of this kind, sequence number and payload.
    pub fn new(kind: u8, seq: u8, payload: Vec<u8>) -> Self {
        Frame { kind, seq, payload }
    }

    /// The frame's bytes on the wire.
    pub fn encode(&self) -> Result<Vec<u8>, PayloadTooLong> {
        encode(self.kind, self.seq, &self.payload)
    }
}

/// The bytes on the wire of a frame of `kind`, `seq` and `payload`.
pub fn encode(kind: u8, seq: u8, payload: &[u8]) -> Result<Vec<u8>, PayloadTooLong> {
    if payload.len() > MAX_PAYLOAD {
        return Err(PayloadTooLong { len: payload.len() });
    }
    let len = payload.len() as u16;
    let mut out = Vec::with_capacity(payload.len() + OVERHEAD);
    out.extend_from_slice(&[SYNC, kind, seq]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = Crc16::new().update_all(&out[1..]).value();
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(out)
}
