//! Weight packings of the linear-layer contract and the weight stream cut
//! into WW-bit words: a matrix of signed weights to the bit string and back.

use std::fmt;

/// Ternary weights in one base-3 byte.
const BASE3_GROUP: usize = 5;

/// How the engine's weights are laid out in the weight stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeightPacking {
    /// Ternary contract codes, 2 bits a weight: 00→0, 01→+1, 11→−1, 10→0.
    Ternary,
    /// Five ternary weights a byte, byte = Σ_{i<5} (w_i + 1)·3^i; ⌈K/5⌉ bytes a row.
    Base3,
    /// bitnet.cpp's I2_S: 2 bits a weight, code = w + 1 (code 3 reads as 0).
    I2s,
    /// Binary contract codes, 1 bit a weight: 1→+1, 0→−1.
    Binary,
    /// Two's-complement integers of this many bits (2..=8).
    Int(u8),
}

/// A weight that its packing cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    /// A weight outside the packing's range.
    #[error("weight ({row}, {col}) is {value}, which {packing} weights cannot hold")]
    Value {
        /// Its row (output feature).
        row: usize,
        /// Its column (input feature).
        col: usize,
        /// Its value.
        value: i64,
        /// The packing.
        packing: WeightPacking,
    },
    /// A matrix whose element count is not rows × columns.
    #[error("a {rows}×{cols} matrix has {want} weights, not {got}")]
    Shape {
        /// Rows stated.
        rows: usize,
        /// Columns stated.
        cols: usize,
        /// Elements needed.
        want: usize,
        /// Elements given.
        got: usize,
    },
    /// An int packing of a width outside 2..=8 bits.
    #[error("int weights of {0} bits are not a packing (2..=8 bits)")]
    IntBits(u8),
    /// A weight word width outside 1..=4096 bits.
    #[error("a weight word of {0} bits is not supported (1..=4096)")]
    WordBits(u32),
}

impl fmt::Display for WeightPacking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightPacking::Ternary => f.write_str("ternary codes"),
            WeightPacking::Base3 => f.write_str("base3"),
            WeightPacking::I2s => f.write_str("i2s"),
            WeightPacking::Binary => f.write_str("binary codes"),
            WeightPacking::Int(b) => write!(f, "int{b}"),
        }
    }
}

impl WeightPacking {
    /// The packing's code in the hello record and its weight-bits byte.
    pub fn code(self) -> (u8, u8) {
        match self {
            WeightPacking::Ternary => (0, 2),
            WeightPacking::Base3 => (1, 8),
            WeightPacking::I2s => (2, 2),
            WeightPacking::Binary => (3, 1),
            WeightPacking::Int(b) => (4, b),
        }
    }

    /// The packing of a hello record's code and weight-bits byte, if it is one.
    pub fn from_code(code: u8, bits: u8) -> Option<Self> {
        match code {
            0 => Some(WeightPacking::Ternary),
            1 => Some(WeightPacking::Base3),
            2 => Some(WeightPacking::I2s),
            3 => Some(WeightPacking::Binary),
            4 if (2..=8).contains(&bits) => Some(WeightPacking::Int(bits)),
            _ => None,
        }
    }

    /// Bits of the stream for an N×K matrix.
    pub fn stream_bits(self, rows: usize, cols: usize) -> u64 {
        let (rows, cols) = (rows as u64, cols as u64);
        match self {
            WeightPacking::Base3 => rows * cols.div_ceil(BASE3_GROUP as u64) * 8,
            other => rows * cols * u64::from(other.code().1),
        }
    }

    /// The smallest and largest weight the packing holds.
    pub fn range(self) -> (i64, i64) {
        match self {
            WeightPacking::Ternary | WeightPacking::Base3 | WeightPacking::I2s => (-1, 1),
            WeightPacking::Binary => (-1, 1),
            WeightPacking::Int(b) => {
                let half = 1i64 << (b.clamp(2, 8) - 1);
                (-half, half - 1)
            }
        }
    }

    /// Whether the packing holds `w` (binary holds −1 and +1 only).
    fn holds(self, w: i64) -> bool {
        let (lo, hi) = self.range();
        (lo..=hi).contains(&w) && !(self == WeightPacking::Binary && w == 0)
    }
}

/// A bit string, least significant bit of byte 0 first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BitString {
    bytes: Vec<u8>,
    len: u64,
}

impl BitString {
    /// An empty string.
    pub fn new() -> Self {
        BitString::default()
    }

    /// Its length in bits.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it holds no bit.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends the low `width` (≤ 64) bits of `value`.
    pub fn push(&mut self, value: u64, width: u32) {
        for i in 0..width.min(64) {
            if self.len % 8 == 0 {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                if let Some(last) = self.bytes.last_mut() {
                    *last |= 1 << (self.len % 8);
                }
            }
            self.len += 1;
        }
    }

    /// The `width` (≤ 64) bits at `offset`, bits past the end read as 0.
    pub fn get(&self, offset: u64, width: u32) -> u64 {
        let mut v = 0u64;
        for i in 0..u64::from(width.min(64)) {
            let at = offset + i;
            let bit = usize::try_from(at / 8)
                .ok()
                .and_then(|b| self.bytes.get(b))
                .map_or(0, |byte| (byte >> (at % 8)) & 1);
            v |= u64::from(bit) << i;
        }
        v
    }
}

/// The weight stream cut into WW-bit words, each word sent as ⌈WW/8⌉ little-endian bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightWords {
    word_bits: u32,
    data: Vec<u8>,
}

/// Bytes a WW-bit word takes on the wire.
pub fn word_bytes(word_bits: u32) -> usize {
    word_bits.div_ceil(8) as usize
}

impl WeightWords {
    /// The words of `bits` cut at `word_bits`, the last padded with zeros.
    pub fn from_bits(bits: &BitString, word_bits: u32) -> Result<Self, PackError> {
        if !(1..=4096).contains(&word_bits) {
            return Err(PackError::WordBits(word_bits));
        }
        let wb = word_bytes(word_bits);
        let words = bits.len().div_ceil(u64::from(word_bits));
        let mut data = Vec::with_capacity(words as usize * wb);
        for w in 0..words {
            let start = w * u64::from(word_bits);
            for byte in 0..wb as u64 {
                let lo = byte * 8;
                let width = (u64::from(word_bits) - lo).min(8) as u32;
                data.push(bits.get(start + lo, width) as u8);
            }
        }
        Ok(WeightWords { word_bits, data })
    }

    /// Words of `word_bits` from their wire bytes (⌈WW/8⌉ a word; a short tail is padded).
    pub fn from_wire(word_bits: u32, mut data: Vec<u8>) -> Result<Self, PackError> {
        if !(1..=4096).contains(&word_bits) {
            return Err(PackError::WordBits(word_bits));
        }
        let wb = word_bytes(word_bits);
        data.resize(data.len().div_ceil(wb) * wb, 0);
        Ok(WeightWords { word_bits, data })
    }

    /// The word width WW.
    pub fn word_bits(&self) -> u32 {
        self.word_bits
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.data.len() / word_bytes(self.word_bits)
    }

    /// Whether there is no word.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The wire bytes of every word, in order.
    pub fn wire_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The wire bytes of words `start..end` (clamped to the words there are).
    pub fn wire_range(&self, start: usize, end: usize) -> &[u8] {
        let wb = word_bytes(self.word_bits);
        let end = end.min(self.len());
        let start = start.min(end);
        &self.data[start * wb..end * wb]
    }

    /// The stream of bits the words carry (WW bits a word).
    pub fn to_bits(&self) -> BitString {
        let mut bits = BitString::new();
        let wb = word_bytes(self.word_bits);
        for word in self.data.chunks(wb) {
            let mut left = self.word_bits;
            for &byte in word {
                let width = left.min(8);
                bits.push(u64::from(byte), width);
                left -= width;
            }
        }
        bits
    }
}

/// The weight stream of a `rows`×`cols` row-major matrix in `packing`.
pub fn pack(
    packing: WeightPacking,
    rows: usize,
    cols: usize,
    weights: &[i64],
) -> Result<BitString, PackError> {
    if let WeightPacking::Int(b) = packing {
        if !(2..=8).contains(&b) {
            return Err(PackError::IntBits(b));
        }
    }
    let want = rows.saturating_mul(cols);
    if weights.len() != want {
        return Err(PackError::Shape {
            rows,
            cols,
            want,
            got: weights.len(),
        });
    }
    for (i, &value) in weights.iter().enumerate() {
        if !packing.holds(value) {
            return Err(PackError::Value {
                row: i / cols,
                col: i % cols,
                value,
                packing,
            });
        }
    }
    let mut bits = BitString::new();
    if rows == 0 || cols == 0 {
        return Ok(bits);
    }
    match packing {
        WeightPacking::Base3 => {
            for row in weights.chunks(cols) {
                for group in row.chunks(BASE3_GROUP) {
                    let byte = group
                        .iter()
                        .rev()
                        .fold(0u64, |acc, &w| acc * 3 + (w + 1) as u64);
                    let pad = 3u64.pow((BASE3_GROUP - group.len()) as u32);
                    let byte = byte + (pad - 1) / 2 * 3u64.pow(group.len() as u32);
                    bits.push(byte, 8);
                }
            }
        }
        WeightPacking::Ternary => weights.iter().for_each(|&w| {
            bits.push(
                match w {
                    1 => 0b01,
                    -1 => 0b11,
                    _ => 0b00,
                },
                2,
            )
        }),
        WeightPacking::I2s => weights.iter().for_each(|&w| bits.push((w + 1) as u64, 2)),
        WeightPacking::Binary => weights.iter().for_each(|&w| bits.push(u64::from(w > 0), 1)),
        WeightPacking::Int(b) => weights.iter().for_each(|&w| bits.push(w as u64, b.into())),
    }
    Ok(bits)
}

/// The `rows`×`cols` row-major matrix a weight stream in `packing` carries; reserved codes read as 0.
pub fn unpack(packing: WeightPacking, rows: usize, cols: usize, bits: &BitString) -> Vec<i64> {
    let mut out = Vec::with_capacity(rows.saturating_mul(cols));
    match packing {
        WeightPacking::Base3 => {
            let per_row = cols.div_ceil(BASE3_GROUP) as u64;
            for r in 0..rows as u64 {
                for c in 0..cols as u64 {
                    let byte = bits.get((r * per_row + c / 5) * 8, 8);
                    let digit = (byte / 3u64.pow((c % 5) as u32)) % 3;
                    out.push(digit as i64 - 1);
                }
            }
        }
        _ => {
            let b = u32::from(packing.code().1);
            for i in 0..rows.saturating_mul(cols) as u64 {
                let code = bits.get(i * u64::from(b), b);
                out.push(decode_code(packing, code));
            }
        }
    }
    out
}

/// The weight of one B-bit code in a code packing.
fn decode_code(packing: WeightPacking, code: u64) -> i64 {
    match packing {
        WeightPacking::Ternary => match code {
            0b01 => 1,
            0b11 => -1,
            _ => 0,
        },
        WeightPacking::I2s => match code {
            0 => -1,
            2 => 1,
            _ => 0,
        },
        WeightPacking::Binary => {
            if code & 1 == 1 {
                1
            } else {
                -1
            }
        }
        WeightPacking::Int(b) => {
            let shift = 64 - u32::from(b.clamp(2, 8));
            ((code << shift) as i64) >> shift
        }
        WeightPacking::Base3 => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_packing_round_trips_through_words() {
        let (rows, cols) = (3, 7);
        for packing in [
            WeightPacking::Ternary,
            WeightPacking::Base3,
            WeightPacking::I2s,
            WeightPacking::Binary,
            WeightPacking::Int(4),
        ] {
            let (lo, hi) = packing.range();
            let w: Vec<i64> = (0..rows * cols)
                .map(|i| {
                    let v = lo + (i as i64 * 5) % (hi - lo + 1);
                    if packing == WeightPacking::Binary && v == 0 {
                        1
                    } else {
                        v
                    }
                })
                .collect();
            let bits = pack(packing, rows, cols, &w).unwrap();
            assert_eq!(bits.len(), packing.stream_bits(rows, cols));
            for ww in [1, 8, 13, 32] {
                let words = WeightWords::from_bits(&bits, ww).unwrap();
                assert_eq!(
                    unpack(packing, rows, cols, &words.to_bits()),
                    w,
                    "{packing} {ww}"
                );
            }
        }
    }

    #[test]
    fn base3_bytes_follow_the_contract() {
        let bits = pack(WeightPacking::Base3, 1, 6, &[1, 0, -1, 1, 1, -1]).unwrap();
        assert_eq!(bits.get(0, 8), 2 + 3 + 2 * 27 + 2 * 81);
        assert_eq!(bits.get(8, 8), 3 + 9 + 27 + 81);
    }

    #[test]
    fn out_of_range_weights_are_named() {
        let err = pack(WeightPacking::Ternary, 1, 2, &[0, 2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "weight (0, 1) is 2, which ternary codes weights cannot hold"
        );
    }
}
