//! Stimulus for an engine: random weight codes and activations with the
//! extremes (±max activation against extreme weights) and, for ternary
//! codes, the reserved code 10.

use rand::Rng;

use super::packing::Packing;

/// A layer: weight codes and the vectors to run through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Weight codes, `codes[n][k]` (ternary codes for base3).
    pub codes: Vec<Vec<u64>>,
    /// Activation vectors, K_total values each.
    pub vectors: Vec<Vec<i64>>,
}

fn code(packing: Packing, rng: &mut impl Rng, extreme: bool) -> u64 {
    match packing {
        Packing::Ternary => {
            if extreme {
                [0b01, 0b11][rng.random_range(0..2)]
            } else {
                rng.random_range(0..4)
            }
        }
        Packing::Base3 => [0b00, 0b01, 0b11][rng.random_range(0..3)],
        Packing::I2s => rng.random_range(0..4),
        Packing::Binary => rng.random_range(0..2),
        Packing::Mx(m) => rng.random_range(0..1 << m.w_bits()),
        Packing::Int(b) => {
            if extreme {
                [1u64 << (b - 1), (1 << (b - 1)) - 1][rng.random_range(0..2)]
            } else {
                rng.random_range(0..1 << b)
            }
        }
    }
}

/// A random layer of `n` × `k` codes and `vectors` vectors of A-bit activations:
/// the first row and the first vector are extremes (±max activation against extreme weights).
pub fn random_layer(
    packing: Packing,
    k: usize,
    n: usize,
    act_bits: u32,
    vectors: usize,
    rng: &mut impl Rng,
) -> Layer {
    let codes = (0..n)
        .map(|row| (0..k).map(|_| code(packing, rng, row == 0)).collect())
        .collect();
    let (lo, hi) = (-(1i64 << (act_bits - 1)), (1i64 << (act_bits - 1)) - 1);
    let vectors = (0..vectors)
        .map(|v| {
            (0..k)
                .map(|_| match v {
                    0 => lo,
                    1 => [lo, hi][rng.random_range(0..2)],
                    _ => rng.random_range(lo..=hi),
                })
                .collect()
        })
        .collect();
    Layer { codes, vectors }
}
