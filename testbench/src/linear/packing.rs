//! The weight stream of linear-contract.md: the matrix row-major as one bit
//! string in the engine's packing, cut into WW-bit words LSB first, the
//! last padded with zeros.

/// A weight packing of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Ternary 2-bit codes (00→0, 01→+1, 11→−1, 10→0).
    Ternary,
    /// Binary 1-bit codes (1→+1, 0→−1).
    Binary,
    /// B-bit two's complement.
    Int(u32),
    /// bitnet.cpp I2_S: 2 bits, code = w + 1.
    I2s,
    /// Five weights a byte: Σ (w+1)·3^i; a row is ⌈K/5⌉ bytes.
    Base3,
    /// An `mx-dot` datapath: rows of B-bit units, scales beside the codes
    /// (the layer's codes and vectors are units, see [`super::mx`]).
    Mx(super::mx::MxPacking),
}

impl Packing {
    /// Bits of one code (a byte for base3).
    pub fn unit_bits(self) -> u32 {
        match self {
            Packing::Ternary | Packing::I2s => 2,
            Packing::Binary => 1,
            Packing::Int(b) => b,
            Packing::Base3 => 8,
            Packing::Mx(m) => m.w_bits(),
        }
    }
}

fn push_bits(bits: &mut Vec<bool>, value: u64, width: u32) {
    bits.extend((0..width).map(|i| (value >> i) & 1 == 1));
}

/// The stream's bit string for weight codes `codes[n][k]` (for base3, the codes are ternary codes of the values).
pub fn bit_string(packing: Packing, codes: &[Vec<u64>]) -> Vec<bool> {
    let mut bits = Vec::new();
    for row in codes {
        match packing {
            Packing::Base3 => {
                for group in row.chunks(5) {
                    let mut byte = 0u64;
                    let mut pow = 1u64;
                    for i in 0..5 {
                        let w = group
                            .get(i)
                            .map_or(0, |&c| super::golden::decode(packing, c));
                        byte += (w + 1) as u64 * pow;
                        pow *= 3;
                    }
                    push_bits(&mut bits, byte, 8);
                }
            }
            _ => {
                for &c in row {
                    push_bits(&mut bits, c, packing.unit_bits());
                }
            }
        }
    }
    bits
}

/// The weight words: the bit string cut into `ww`-bit words, the last padded with zeros.
pub fn weight_words(packing: Packing, codes: &[Vec<u64>], ww: usize) -> Vec<Vec<bool>> {
    let bits = bit_string(packing, codes);
    bits.chunks(ww)
        .map(|c| {
            let mut w = c.to_vec();
            w.resize(ww, false);
            w
        })
        .collect()
}

/// Bits `[lo, lo + width)` of a word as an integer.
pub fn field(word: &[bool], lo: usize, width: usize) -> u64 {
    (0..width).fold(0, |acc, i| acc | (u64::from(word[lo + i]) << i))
}

impl Packing {
    /// The packing an engine's metadata names (`weight_packing`), with the inner core's weight bits for `int`.
    pub fn from_facts(weight_packing: &str, w_bits: u32) -> Packing {
        match weight_packing {
            "ternary" | "codes" => Packing::Ternary,
            "binary" => Packing::Binary,
            "base3" => Packing::Base3,
            "i2s" => Packing::I2s,
            _ => Packing::Int(w_bits),
        }
    }
}

/// The stream's units row by row (one B-bit code, or one base3 byte, each):
/// what an engine's memory holds, for its initial contents.
pub fn row_units(packing: Packing, codes: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let unit = packing.unit_bits() as usize;
    codes
        .iter()
        .map(|row| {
            let bits = bit_string(packing, std::slice::from_ref(row));
            (0..bits.len() / unit)
                .map(|u| field(&bits, u * unit, unit))
                .collect()
        })
        .collect()
}
