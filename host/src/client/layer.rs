//! The layer on the board: weight words in chunks, vectors in batches, results back.

use super::Host;
use crate::HostError;
use crate::packing::WeightWords;
use crate::protocol::{Command, EngineInfo, ErrorCode, le32};
use crate::transport::Transport;

/// Chunks the host sends before it gives up on a stream that makes no progress.
const STALLS: u32 = 8;

impl<T: Transport> Host<T> {
    /// The engine record, or NoHello.
    fn engine(&self) -> Result<EngineInfo, HostError> {
        self.info.clone().ok_or(HostError::NoHello)
    }

    /// The payload limit in force with this engine, checked to hold one element of `size` bytes.
    fn limit(&self, info: &EngineInfo, size: usize) -> Result<usize, HostError> {
        let limit = self.config.payload_limit.min(info.max_payload.into());
        let need = 4 + size;
        if limit < need {
            return Err(HostError::PayloadLimit { limit, need });
        }
        Ok(limit)
    }

    /// Loads the whole weight stream, in chunks at word offsets.
    pub fn load_weights(&mut self, words: &WeightWords) -> Result<(), HostError> {
        let info = self.engine()?;
        if words.len() != info.weight_words as usize
            || words.word_bits() != u32::from(info.word_bits)
        {
            return Err(HostError::WeightWords {
                words: words.len(),
                word_bits: words.word_bits(),
                want_words: info.weight_words,
                want_bits: info.word_bits,
            });
        }
        let wb = info.word_bytes();
        let per_frame = (self.limit(&info, wb)? - 4) / wb;
        self.stream(Command::LoadWeights, words.len(), per_frame, |from, to| {
            words.wire_range(from, to).to_vec()
        })
    }

    /// y = W·x on the board for every vector, in order, batched as the board's result buffer allows.
    pub fn run(&mut self, vectors: &[Vec<i64>]) -> Result<Vec<Vec<i64>>, HostError> {
        let info = self.engine()?;
        let k = info.k as usize;
        let (lo, hi) = act_range(info.act_bits);
        for (v, x) in vectors.iter().enumerate() {
            if x.len() != k {
                return Err(HostError::VectorLength {
                    vector: v,
                    len: x.len(),
                    k: info.k,
                });
            }
            if let Some((i, &value)) = x.iter().enumerate().find(|(_, a)| !(lo..=hi).contains(*a)) {
                return Err(HostError::Activation {
                    vector: v,
                    index: i,
                    value,
                    bits: info.act_bits,
                });
            }
        }
        let xb = info.act_bytes();
        let per_frame = (self.limit(&info, xb)? - 4) / xb;
        let rb = info.result_bytes();
        let per_read = (self.limit(&info, rb)? / rb).min(usize::from(u16::MAX));
        let batch = (info.batch_vectors() as usize).max(1);
        let mut out = Vec::with_capacity(vectors.len());
        for group in vectors.chunks(batch) {
            let acts: Vec<u8> = group
                .iter()
                .flatten()
                .flat_map(|&a| a.to_le_bytes().into_iter().take(xb))
                .collect();
            self.stream(Command::Vectors, group.len() * k, per_frame, |from, to| {
                acts[from * xb..to * xb].to_vec()
            })?;
            let results = self.read_results(&info, group.len() * info.n as usize, per_read)?;
            out.extend(results.chunks(info.n as usize).map(<[i64]>::to_vec));
            self.stats.vectors += group.len() as u64;
        }
        Ok(out)
    }

    /// Sends `total` elements of a stream command in chunks of `per_frame`,
    /// resuming from the count the board says it holds.
    fn stream(
        &mut self,
        command: Command,
        total: usize,
        per_frame: usize,
        bytes: impl Fn(usize, usize) -> Vec<u8>,
    ) -> Result<(), HostError> {
        let mut offset = 0usize;
        let mut stalls = 0u32;
        while offset < total {
            let end = (offset + per_frame).min(total);
            let mut payload = (offset as u32).to_le_bytes().to_vec();
            payload.extend(bytes(offset, end));
            let held = match self.request(command.kind(), &payload)? {
                super::Reply::Ack(p) if p.len() == 4 => le32(&p, 0) as usize,
                super::Reply::Error(e) if e.code == ErrorCode::OutOfOrder => e.detail as usize,
                super::Reply::Error(reply) => {
                    return Err(HostError::Refused {
                        command: command.name().into(),
                        reply,
                    });
                }
                other => {
                    return Err(self.protocol(command.name().into(), format!("{other:?}")));
                }
            };
            if held <= offset || held > total {
                stalls += 1;
                if stalls > STALLS {
                    return Err(self.protocol(
                        command.name().into(),
                        format!("a count of {held} held after a chunk at {offset}"),
                    ));
                }
            }
            offset = held.min(total);
        }
        Ok(())
    }

    /// The batch's `total` results, `per_read` a frame.
    fn read_results(
        &mut self,
        info: &EngineInfo,
        total: usize,
        per_read: usize,
    ) -> Result<Vec<i64>, HostError> {
        let rb = info.result_bytes();
        let mut out = Vec::with_capacity(total);
        while out.len() < total {
            let count = per_read.min(total - out.len());
            let mut payload = (out.len() as u32).to_le_bytes().to_vec();
            payload.extend((count as u16).to_le_bytes());
            let data = self.expect_data(Command::ReadResults, &payload)?;
            if data.len() != count * rb {
                return Err(self.protocol(
                    Command::ReadResults.name().into(),
                    format!("{} bytes for {count} results of {rb} bytes", data.len()),
                ));
            }
            out.extend(data.chunks(rb).map(sign_extend_le));
        }
        Ok(out)
    }
}

/// The smallest and largest A-bit signed activation.
fn act_range(bits: u8) -> (i64, i64) {
    let half = 1i64 << (bits.clamp(1, 16) - 1);
    (-half, half - 1)
}

/// The little-endian two's-complement number in `bytes` (1..=8 of them).
fn sign_extend_le(bytes: &[u8]) -> i64 {
    let n = bytes.len().min(8);
    if n == 0 {
        return 0;
    }
    let raw = bytes[..n]
        .iter()
        .rev()
        .fold(0u64, |v, &b| (v << 8) | u64::from(b));
    let shift = 64 - 8 * n as u32;
    ((raw << shift) as i64) >> shift
}
