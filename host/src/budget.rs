//! The link arithmetic: bytes on the wire for a weight load and for a batch
//! of vectors and their results, and the time they take on an 8N1 UART.

use std::time::Duration;

use crate::frame::OVERHEAD;
use crate::protocol::EngineInfo;

/// Bytes of an offset-carrying chunk's header inside the payload.
const OFFSET: usize = 4;

/// Bytes of a READ_RESULTS payload (offset and count).
const READ: usize = 6;

/// Bytes each way for one engine at one payload limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkBudget {
    /// LOAD_WEIGHTS frames of a whole load.
    pub weight_frames: u64,
    /// Bytes to the board for a whole weight load.
    pub weight_bytes_out: u64,
    /// Bytes back (ACKs) for a whole weight load.
    pub weight_bytes_in: u64,
    /// Vectors in the batch the vector figures are for.
    pub batch: u64,
    /// VECTORS and READ_RESULTS frames of the batch.
    pub batch_frames: u64,
    /// Bytes to the board for the batch (activations and result requests).
    pub batch_bytes_out: u64,
    /// Bytes back for the batch (ACKs and results).
    pub batch_bytes_in: u64,
}

/// Bytes on the wire for `info`'s engine with payloads of at most
/// `payload_limit` bytes and batches of `batch` vectors (clamped to what
/// the board holds), retries not counted.
pub fn link_budget(info: &EngineInfo, payload_limit: usize, batch: u64) -> LinkBudget {
    let limit = payload_limit.min(info.max_payload.into()) as u64;
    let frames = |elements: u64, size: u64, room: u64| elements.div_ceil((room / size).max(1));
    let ack = (OVERHEAD + OFFSET) as u64;
    let (wb, xb, rb) = (
        info.word_bytes() as u64,
        info.act_bytes() as u64,
        info.result_bytes() as u64,
    );
    let words = u64::from(info.weight_words);
    let weight_frames = frames(words, wb, limit.saturating_sub(OFFSET as u64));
    let batch = batch.clamp(1, u64::from(info.batch_vectors()).max(1));
    let acts = batch * u64::from(info.k);
    let results = batch * u64::from(info.n);
    let x_frames = frames(acts, xb, limit.saturating_sub(OFFSET as u64));
    let r_frames = frames(results, rb, limit);
    LinkBudget {
        weight_frames,
        weight_bytes_out: words * wb + weight_frames * ack,
        weight_bytes_in: weight_frames * ack,
        batch,
        batch_frames: x_frames + r_frames,
        batch_bytes_out: acts * xb + x_frames * ack + r_frames * (OVERHEAD + READ) as u64,
        batch_bytes_in: x_frames * ack + results * rb + r_frames * OVERHEAD as u64,
    }
}

impl LinkBudget {
    /// Time of `bytes` on an 8N1 line (10 bits a byte) at `baud`.
    pub fn wire_time(bytes: u64, baud: u32) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 10.0 / f64::from(baud.max(1)))
    }

    /// Vectors a second the link allows at `baud`, one exchange at a time
    /// (both directions add up), latency and compute not counted.
    pub fn vectors_per_second(&self, baud: u32) -> f64 {
        let t = Self::wire_time(self.batch_bytes_out + self.batch_bytes_in, baud).as_secs_f64();
        if t > 0.0 { self.batch as f64 / t } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packing::WeightPacking;
    use crate::protocol::PROTOCOL_VERSION;

    fn ternary_384() -> EngineInfo {
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
            cycles_per_vector: 0,
            metadata_hash: 0,
            max_payload: 512,
            result_capacity: 4 * 384,
        }
    }

    #[test]
    fn the_384_ternary_example_of_the_spec() {
        let b = link_budget(&ternary_384(), 512, 1);
        assert_eq!(b.weight_frames, 59);
        assert_eq!(b.weight_bytes_out, 30_217);
        assert_eq!(b.weight_bytes_in, 649);
        assert_eq!(b.batch_frames, 4);
        assert_eq!(b.batch_bytes_out, 434);
        assert_eq!(b.batch_bytes_in, 1_184);
        let load = LinkBudget::wire_time(b.weight_bytes_out, 1_000_000);
        assert!((load.as_secs_f64() - 0.302).abs() < 0.001);
        assert!((b.vectors_per_second(1_000_000) - 61.8).abs() < 0.1);
    }
}
