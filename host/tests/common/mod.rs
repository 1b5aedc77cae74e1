//! Shared helpers of the host tests: small engines, seeded layers, a plain
//! GEMV, and a board model served on a thread.

#![allow(dead_code)]

use std::time::Duration;

use lutforge_host::{
    BoardModel, BoardThread, EngineInfo, Host, HostConfig, MemoryTransport, PROTOCOL_VERSION,
    WeightPacking, WeightWords, pack,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How long the board model waits on a quiet line before dropping a partial frame.
pub const BOARD_IDLE: Duration = Duration::from_millis(10);

/// An engine of `n`×`k` weights in `packing`, 8-bit activations, WW-bit words,
/// room for `batch` vectors of results.
pub fn engine(n: u32, k: u32, packing: WeightPacking, word_bits: u16, batch: u32) -> EngineInfo {
    let max_w: u64 = match packing {
        WeightPacking::Int(b) => 1 << (b - 1),
        _ => 1,
    };
    let bound = u64::from(k) * 128 * max_w;
    let acc_bits = (64 - bound.leading_zeros() + 1) as u8;
    let bits = packing.stream_bits(n as usize, k as usize);
    EngineInfo {
        version: PROTOCOL_VERSION,
        k,
        n,
        act_bits: 8,
        acc_bits,
        word_bits,
        x_lanes: 4,
        y_lanes: 2,
        packing,
        weight_words: bits.div_ceil(u64::from(word_bits)) as u32,
        cycles_per_vector: 100,
        metadata_hash: 0x1234_5678,
        max_payload: 512,
        result_capacity: batch * n,
    }
}

/// Seeded weights that `packing` holds, row-major N×K.
pub fn weights(info: &EngineInfo, seed: u64) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lo, hi) = info.packing.range();
    (0..info.n * info.k)
        .map(|_| {
            let w = rng.random_range(lo..=hi);
            if info.packing == WeightPacking::Binary && w == 0 {
                1
            } else {
                w
            }
        })
        .collect()
}

/// The engine's weight words for `w`.
pub fn words(info: &EngineInfo, w: &[i64]) -> WeightWords {
    let bits = pack(info.packing, info.n as usize, info.k as usize, w).expect("weights fit");
    WeightWords::from_bits(&bits, info.word_bits.into()).expect("word width")
}

/// `count` seeded int8 vectors of K activations, the extremes included.
pub fn vectors(info: &EngineInfo, count: usize, seed: u64) -> Vec<Vec<i64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|v| {
            (0..info.k)
                .map(|i| match (v + i as usize) % 11 {
                    0 => -128,
                    1 => 127,
                    _ => rng.random_range(-128..=127),
                })
                .collect()
        })
        .collect()
}

/// y = W·x, computed plainly.
pub fn gemv(w: &[i64], k: usize, x: &[i64]) -> Vec<i64> {
    w.chunks(k)
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

/// A host and a board model joined by an in-memory link, the board on its own thread.
pub fn connect(info: &EngineInfo, config: HostConfig) -> (Host<MemoryTransport>, BoardThread) {
    let (host_end, board_end) = MemoryTransport::pair();
    let board = BoardModel::new(info.clone()).expect("a valid engine");
    let handle = board.spawn(board_end, BOARD_IDLE);
    (Host::new(host_end, config), handle)
}

/// A host configuration for tests on a clean link: a timeout that no
/// scheduling delay of a loaded machine reaches.
pub fn quick() -> HostConfig {
    HostConfig {
        timeout: Duration::from_secs(5),
        ..HostConfig::default()
    }
}
