//! The golden model: y[n] = Σ_k x[k]·w[n][k], exact, with the weight codes
//! read as linear-contract.md and core-contract.md state them.

use super::packing::Packing;

/// The integer value of one weight code in `packing`.
pub fn decode(packing: Packing, code: u64) -> i64 {
    match packing {
        Packing::Ternary | Packing::Base3 => match code & 3 {
            0b01 => 1,
            0b11 => -1,
            _ => 0,
        },
        Packing::I2s => match code & 3 {
            0 => -1,
            2 => 1,
            _ => 0,
        },
        Packing::Binary => {
            if code & 1 == 1 {
                1
            } else {
                -1
            }
        }
        Packing::Mx(m) => (code & ((1 << m.w_bits()) - 1)) as i64,
        Packing::Int(bits) => {
            let v = (code & ((1 << bits) - 1)) as i64;
            if v >= 1 << (bits - 1) {
                v - (1 << bits)
            } else {
                v
            }
        }
    }
}

/// y = W·x for W of rows `w[n]` of weight values and the vector `x`.
pub fn gemv(w: &[Vec<i64>], x: &[i64]) -> Vec<i128> {
    w.iter()
        .map(|row| {
            row.iter()
                .zip(x)
                .map(|(&a, &b)| i128::from(a) * i128::from(b))
                .sum()
        })
        .collect()
}
