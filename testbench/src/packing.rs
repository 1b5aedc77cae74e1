//! Packed ternary weight formats on the golden-model side: how a core's
//! `in_w` bus is laid out when it carries plain contract codes, bitnet-style
//! base-3 bytes (five ternary weights a byte) or bitnet.cpp's I2_S codes
//! (code = w + 1), and the exact results of runs in each of them.
//!
//! Written from the text of the formats alone; it shares no code with the
//! hardware crate.
//!
//! - [`WeightPacking::Codes`]: N·K elements of B bits, weight (n, k) at element
//!   n·K + k, read by the [`WeightFormat`] of the contract.
//! - [`WeightPacking::Base3`]: each row of K weights as ⌈K/5⌉ bytes,
//!   byte = Σ_{i<5} (w_i + 1)·3^i with w_i the weight 5j + i of the row (the
//!   last group padded with w = 0); byte j of row n at element n·⌈K/5⌉ + j.
//!   Every byte 0..=255 decodes as w_i = ((byte / 3^i) mod 3) − 1.
//! - [`WeightPacking::I2s`]: N·K elements of 2 bits, weight (n, k) at element
//!   n·K + k; code 0 → −1, 1 → 0, 2 → +1, 3 (never produced) → 0.

use std::fmt;

use num_bigint::BigInt;

use crate::formats::WeightFormat;
use crate::golden::{Beat, ExactSum, Run, Shape};

/// Ternary weights in one base-3 byte.
const BASE3_GROUP: usize = 5;

/// 3^i for i < 5, the place values of the base-3 digits of a byte.
const POW3: [u64; BASE3_GROUP] = [1, 3, 9, 27, 81];

/// How the weights of a tile are laid out on a core's `in_w` bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightPacking {
    /// Plain contract codes: N·K elements of B bits in a [`WeightFormat`].
    Codes,
    /// Five ternary weights a byte, byte = Σ_{i<5} (w_i + 1)·3^i; ⌈K/5⌉ bytes a row.
    Base3,
    /// bitnet.cpp's I2_S: 2 bits a weight, code = w + 1 (code 3 reads as 0).
    I2s,
}

impl fmt::Display for WeightPacking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl WeightPacking {
    /// Every packing.
    pub const ALL: [WeightPacking; 3] = [
        WeightPacking::Codes,
        WeightPacking::Base3,
        WeightPacking::I2s,
    ];

    /// The lowercase name of the packing (`codes`, `base3`, `i2s`), as serde writes it.
    pub fn name(self) -> &'static str {
        match self {
            WeightPacking::Codes => "codes",
            WeightPacking::Base3 => "base3",
            WeightPacking::I2s => "i2s",
        }
    }

    /// The packing with this exact lowercase name, if any.
    pub fn from_name(s: &str) -> Option<Self> {
        WeightPacking::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// How a core's in_w bus is laid out and read: the packing plus, for Codes, the plain format and code width.
///
/// For [`WeightPacking::Base3`] and [`WeightPacking::I2s`] the `format` and
/// `w_bits` fields are ignored (the constructors [`WeightEncoding::base3`] and
/// [`WeightEncoding::i2s`] set them to ternary, 2). For Codes the width is
/// read as [`WeightFormat::effective_bits`] does (ternary 2, binary 1, int
/// clamped to 2..=8), as [`crate::golden::run_result`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightEncoding {
    /// The bus layout.
    pub packing: WeightPacking,
    /// The plain weight format (Codes only).
    pub format: WeightFormat,
    /// The plain code width B (Codes only).
    pub w_bits: u32,
}

impl fmt::Display for WeightEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.packing {
            WeightPacking::Codes => write!(
                f,
                "codes ({}, {}-bit)",
                self.format,
                self.format.effective_bits(self.w_bits)
            ),
            packing => f.write_str(packing.name()),
        }
    }
}

/// ⌈K/5⌉, the base-3 bytes of one row of K weights.
fn base3_bytes_per_row(k: usize) -> usize {
    k.div_ceil(BASE3_GROUP)
}

/// The five weights of one base-3 byte (only the low 8 bits of `element` count;
/// the sixth base-3 digit of bytes 243..=255 is ignored).
fn base3_unpack(element: u64) -> [i64; BASE3_GROUP] {
    let byte = element & 0xFF;
    POW3.map(|p| ((byte / p) % 3) as i64 - 1)
}

/// I2_S code to weight: 0 → −1, 1 → 0, 2 → +1, 3 → 0 (only the low 2 bits count).
fn i2s_decode(element: u64) -> i64 {
    match element & 0b11 {
        0 => -1,
        2 => 1,
        _ => 0,
    }
}

impl WeightEncoding {
    /// Plain contract codes of `format` at width `w_bits`.
    pub fn codes(format: WeightFormat, w_bits: u32) -> Self {
        WeightEncoding {
            packing: WeightPacking::Codes,
            format,
            w_bits,
        }
    }

    /// Base-3 bytes, five ternary weights a byte.
    pub fn base3() -> Self {
        WeightEncoding {
            packing: WeightPacking::Base3,
            format: WeightFormat::Ternary,
            w_bits: 2,
        }
    }

    /// bitnet.cpp's I2_S codes, 2 bits a weight, code = w + 1.
    pub fn i2s() -> Self {
        WeightEncoding {
            packing: WeightPacking::I2s,
            format: WeightFormat::Ternary,
            w_bits: 2,
        }
    }

    /// Elements of the in_w bus for an N×K tile, and the bits of each.
    pub fn bus(&self, n: usize, k: usize) -> (usize, u32) {
        match self.packing {
            WeightPacking::Codes => (n * k, self.format.effective_bits(self.w_bits)),
            WeightPacking::Base3 => (n * base3_bytes_per_row(k), 8),
            WeightPacking::I2s => (n * k, 2),
        }
    }

    /// Integer weights w[n*K+k] that the bus elements `bus` carry (Codes: format decode; Base3, I2s: as above).
    ///
    /// Always returns N·K values. Bits of an element above its width are
    /// ignored; a weight whose element `bus` lacks reads as 0 (as in
    /// [`crate::golden::run_result`]); elements beyond the bus are ignored.
    pub fn decode(&self, n: usize, k: usize, bus: &[u64]) -> Vec<i64> {
        match self.packing {
            WeightPacking::Codes => (0..n * k)
                .map(|i| {
                    bus.get(i)
                        .map_or(0, |&c| self.format.decode(self.w_bits, c))
                })
                .collect(),
            WeightPacking::I2s => (0..n * k)
                .map(|i| bus.get(i).map_or(0, |&c| i2s_decode(c)))
                .collect(),
            WeightPacking::Base3 => {
                let per_row = base3_bytes_per_row(k);
                let mut out = Vec::with_capacity(n * k);
                for row in 0..n {
                    for j in 0..per_row {
                        let group = bus
                            .get(row * per_row + j)
                            .map_or([0; BASE3_GROUP], |&b| base3_unpack(b));
                        let take = (k - j * BASE3_GROUP).min(BASE3_GROUP);
                        out.extend_from_slice(&group[..take]);
                    }
                }
                out
            }
        }
    }

    /// The bus elements that carry ternary/int values `values[n*K+k]` (Codes: the format's canonical code for each value — for ternary 0→00, +1→01, −1→11; for int two's complement; for binary +1→1, −1→0; Base3/I2s: as above). Errors on a value the encoding cannot hold.
    ///
    /// Also errors when `values` does not hold exactly N·K values. The result
    /// has [`WeightEncoding::bus`]`(n, k).0` elements, each within its width.
    pub fn encode(&self, n: usize, k: usize, values: &[i64]) -> Result<Vec<u64>, PackingError> {
        if values.len() != n * k {
            return Err(PackingError::Length {
                got: values.len(),
                want: n * k,
                encoding: *self,
            });
        }
        let bad = |index: usize| PackingError::Value {
            value: values[index],
            index,
            encoding: *self,
        };
        match self.packing {
            WeightPacking::Codes => {
                let bits = self.format.effective_bits(self.w_bits);
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let code = match self.format {
                            WeightFormat::Ternary => match v {
                                0 => Some(0b00),
                                1 => Some(0b01),
                                -1 => Some(0b11),
                                _ => None,
                            },
                            WeightFormat::Binary => match v {
                                1 => Some(1),
                                -1 => Some(0),
                                _ => None,
                            },
                            WeightFormat::Int => {
                                let lo = -(1i64 << (bits - 1));
                                let hi = (1i64 << (bits - 1)) - 1;
                                (lo..=hi)
                                    .contains(&v)
                                    .then(|| (v as u64) & ((1u64 << bits) - 1))
                            }
                        };
                        code.ok_or_else(|| bad(i))
                    })
                    .collect()
            }
            WeightPacking::I2s => values
                .iter()
                .enumerate()
                .map(|(i, &v)| match v {
                    -1..=1 => Ok((v + 1) as u64),
                    _ => Err(bad(i)),
                })
                .collect(),
            WeightPacking::Base3 => {
                let per_row = base3_bytes_per_row(k);
                let mut out = Vec::with_capacity(n * per_row);
                for row in 0..n {
                    for j in 0..per_row {
                        let mut byte = 0u64;
                        for (i, p) in POW3.iter().enumerate() {
                            let kk = j * BASE3_GROUP + i;
                            // Padding weights (kk ≥ K) are w = 0, digit 1.
                            let digit = if kk < k {
                                let index = row * k + kk;
                                match values[index] {
                                    v @ -1..=1 => (v + 1) as u64,
                                    _ => return Err(bad(index)),
                                }
                            } else {
                                1
                            };
                            byte += digit * p;
                        }
                        out.push(byte);
                    }
                }
                Ok(out)
            }
        }
    }
}

/// A weight, or a list of them, that an encoding cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackingError {
    /// A weight value outside what the encoding holds.
    #[error("weight {value} (index {index}) cannot be held by the {encoding} encoding")]
    Value {
        /// The weight value.
        value: i64,
        /// Its index n·K + k in the tile.
        index: usize,
        /// The encoding asked for.
        encoding: WeightEncoding,
    },
    /// The weight list does not have N·K values.
    #[error("{got} weight values given to the {encoding} encoding, the N×K tile needs {want}")]
    Length {
        /// The number of values given.
        got: usize,
        /// N·K.
        want: usize,
        /// The encoding asked for.
        encoding: WeightEncoding,
    },
    /// A beat of a run to repack does not have N·K ternary codes.
    #[error("beat {beat} has {got} ternary codes to repack, the N×K tile needs {want}")]
    BeatLength {
        /// Index of the beat in the run.
        beat: usize,
        /// Its number of weight codes.
        got: usize,
        /// N·K.
        want: usize,
    },
    /// A beat of a run to repack holds a weight the target encoding cannot carry.
    #[error("beat {beat}: {error}")]
    Beat {
        /// Index of the beat in the run.
        beat: usize,
        /// What went wrong in it.
        error: Box<PackingError>,
    },
}

/// The golden result of a run whose beats carry bus elements of this encoding in `Beat::w` (exact, BigInt): Y[m][n] = Σ_beats Σ_k act[m][k]·w[n][k].
///
/// Returns M·N values, index m·N + n. As in [`crate::golden::run_result`],
/// an activation or weight that a malformed beat lacks reads as 0.
pub fn run_result_encoded(shape: Shape, enc: WeightEncoding, run: &Run) -> Vec<BigInt> {
    let Shape { m, n, k } = shape;
    let weights: Vec<Vec<i64>> = run
        .beats
        .iter()
        .map(|beat| enc.decode(n, k, &beat.w))
        .collect();
    let mut out = Vec::with_capacity(m * n);
    for mi in 0..m {
        for ni in 0..n {
            let mut sum = ExactSum::default();
            for (beat, w) in run.beats.iter().zip(&weights) {
                for ki in 0..k {
                    let a = beat.act.get(mi * k + ki).copied().unwrap_or(0);
                    sum.add(i128::from(a) * i128::from(w[ni * k + ki]));
                }
            }
            out.push(sum.total());
        }
    }
    out
}

/// Re-expresses a run whose beats carry plain ternary codes (N·K 2-bit codes, the contract's ternary format, reserved code 10 included) as the same weights in `enc`'s bus (reserved 10 becomes 0); beats' activations and `last` are kept.
///
/// Code bits above the low two are ignored, as the ternary decode of the
/// contract does. Errors when a beat does not carry N·K codes, or when `enc`
/// cannot hold a weight (e.g. 0 in the binary format).
pub fn repack_run(shape: Shape, enc: WeightEncoding, run: &Run) -> Result<Run, PackingError> {
    let want = shape.n * shape.k;
    let beats = run
        .beats
        .iter()
        .enumerate()
        .map(|(i, beat)| {
            if beat.w.len() != want {
                return Err(PackingError::BeatLength {
                    beat: i,
                    got: beat.w.len(),
                    want,
                });
            }
            let values: Vec<i64> = beat
                .w
                .iter()
                .map(|&c| WeightFormat::Ternary.decode(2, c))
                .collect();
            let w = enc
                .encode(shape.n, shape.k, &values)
                .map_err(|e| PackingError::Beat {
                    beat: i,
                    error: Box::new(e),
                })?;
            Ok(Beat {
                act: beat.act.clone(),
                w,
                last: beat.last,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Run { beats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::run_result;
    use proptest::prelude::*;

    fn ternary() -> WeightEncoding {
        WeightEncoding::codes(WeightFormat::Ternary, 2)
    }

    fn big(values: &[i64]) -> Vec<BigInt> {
        values.iter().map(|&v| BigInt::from(v)).collect()
    }

    #[test]
    fn names_round_trip() {
        for p in WeightPacking::ALL {
            assert_eq!(WeightPacking::from_name(p.name()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert_eq!(serde_json::from_str::<WeightPacking>(&json).unwrap(), p);
        }
        assert_eq!(
            [
                WeightPacking::Codes.name(),
                WeightPacking::Base3.name(),
                WeightPacking::I2s.name()
            ],
            ["codes", "base3", "i2s"]
        );
        assert_eq!(WeightPacking::from_name("I2S"), None);
        assert_eq!(WeightPacking::from_name("tl1"), None);
    }

    #[test]
    fn worked_example_byte_167() {
        let enc = WeightEncoding::base3();
        let w = [1, 0, -1, -1, 1];
        let bus = enc.encode(1, 5, &w).unwrap();
        assert_eq!(bus, vec![2 + 3 + 2 * 81]);
        assert_eq!(bus, vec![167]);
        assert_eq!(enc.bus(1, 5), (1, 8));
        assert_eq!(enc.decode(1, 5, &[167]), w.to_vec());
    }

    #[test]
    fn every_produced_byte_round_trips() {
        let enc = WeightEncoding::base3();
        for byte in 0u64..=242 {
            let w = enc.decode(1, 5, &[byte]);
            assert!(w.iter().all(|v| (-1..=1).contains(v)));
            // By the formula, digit by digit.
            let mut rest = byte;
            for &v in &w {
                assert_eq!(v, (rest % 3) as i64 - 1, "byte {byte}");
                rest /= 3;
            }
            assert_eq!(rest, 0);
            assert_eq!(enc.encode(1, 5, &w).unwrap(), vec![byte]);
        }
    }

    #[test]
    fn bytes_above_242_decode_by_the_formula() {
        let enc = WeightEncoding::base3();
        // 243 = 3^5: all five digits 0 → all −1, the same weights as byte 0.
        assert_eq!(enc.decode(1, 5, &[243]), vec![-1; 5]);
        // 255 = 243 + 12 = 243 + 0·1 + 1·3 + 1·9 → (−1, 0, 0, −1, −1).
        assert_eq!(enc.decode(1, 5, &[255]), vec![-1, 0, 0, -1, -1]);
        for byte in 243u64..=255 {
            let w = enc.decode(1, 5, &[byte]);
            let expect: Vec<i64> = (0..5)
                .map(|i| ((byte / 3u64.pow(i)) % 3) as i64 - 1)
                .collect();
            assert_eq!(w, expect, "byte {byte}");
            // The same weights as the byte without its sixth digit, which packing produces.
            assert_eq!(w, enc.decode(1, 5, &[byte - 243]));
            assert_eq!(enc.encode(1, 5, &w).unwrap(), vec![byte - 243]);
        }
        // Bits above the byte are ignored.
        assert_eq!(enc.decode(1, 5, &[0x100 | 167]), vec![1, 0, -1, -1, 1]);
    }

    #[test]
    fn k7_pads_the_last_group() {
        let enc = WeightEncoding::base3();
        let w = [1, -1, 0, 0, 1, -1, 1];
        assert_eq!(enc.bus(1, 7), (2, 8));
        let bus = enc.encode(1, 7, &w).unwrap();
        // Group 1: (−1, +1, pad 0, pad 0, pad 0) → 0 + 2·3 + 1·9 + 1·27 + 1·81 = 123.
        let g0 = 2 + 9 + 27 + 2 * 81; // digits (2, 0, 1, 1, 2)
        assert_eq!(bus, vec![g0, 123]);
        assert_eq!(enc.decode(1, 7, &bus), w.to_vec());
        // Padding weights are ignored when decoding: any digits there read the same.
        let mut other = bus.clone();
        other[1] = (other[1] % 9) + 2 * 9 + 81; // pad digits (2, 0, 1)
        assert_eq!(enc.decode(1, 7, &other), w.to_vec());
        // K = 1 and K = 6 edge cases.
        assert_eq!(enc.encode(1, 1, &[1]).unwrap(), vec![2 + 3 + 9 + 27 + 81]);
        assert_eq!(enc.bus(3, 6), (6, 8));
        assert_eq!(enc.bus(3, 10), (6, 8));
        assert_eq!(enc.bus(3, 11), (9, 8));
    }

    #[test]
    fn rows_follow_each_other() {
        let enc = WeightEncoding::base3();
        // N = 3, K = 7: row n at bytes 2n, 2n+1.
        let rows: [[i64; 7]; 3] = [
            [1, 1, 1, 1, 1, 1, 1],
            [-1, -1, -1, -1, -1, -1, -1],
            [0, 1, 0, -1, 0, 1, 0],
        ];
        let values: Vec<i64> = rows.iter().flatten().copied().collect();
        let bus = enc.encode(3, 7, &values).unwrap();
        assert_eq!(bus.len(), 6);
        assert_eq!(bus[0], 242);
        assert_eq!(bus[1], 2 + 2 * 3 + 9 + 27 + 81);
        assert_eq!(bus[2], 0);
        assert_eq!(bus[3], 9 + 27 + 81);
        assert_eq!(bus[4], 1 + 2 * 3 + 9 + 81); // digits (1, 2, 1, 0, 1)
        assert_eq!(bus[5], 2 + 3 + 9 + 27 + 81);
        for (n, row) in rows.iter().enumerate() {
            let one = enc.encode(1, 7, row).unwrap();
            assert_eq!(&bus[2 * n..2 * n + 2], &one[..]);
        }
        assert_eq!(enc.decode(3, 7, &bus), values);
    }

    #[test]
    fn i2s_codes() {
        let enc = WeightEncoding::i2s();
        assert_eq!(enc.bus(2, 3), (6, 2));
        assert_eq!(enc.decode(1, 4, &[0, 1, 2, 3]), vec![-1, 0, 1, 0]);
        assert_eq!(enc.encode(1, 3, &[-1, 0, 1]).unwrap(), vec![0, 1, 2]);
        // Only the low two bits count.
        assert_eq!(enc.decode(1, 2, &[0b100, 0b110]), vec![-1, 1]);
        // Row order is the plain n·K + k.
        let bus = enc.encode(2, 2, &[1, 0, -1, 1]).unwrap();
        assert_eq!(bus, vec![2, 1, 0, 2]);
        assert_eq!(enc.decode(2, 2, &bus), vec![1, 0, -1, 1]);
    }

    #[test]
    fn codes_canonical() {
        let t = ternary();
        assert_eq!(t.bus(2, 3), (6, 2));
        assert_eq!(t.encode(1, 3, &[0, 1, -1]).unwrap(), vec![0b00, 0b01, 0b11]);
        assert_eq!(t.decode(1, 4, &[0b00, 0b01, 0b10, 0b11]), vec![0, 1, 0, -1]);
        let b = WeightEncoding::codes(WeightFormat::Binary, 1);
        assert_eq!(b.bus(2, 3), (6, 1));
        assert_eq!(b.encode(1, 2, &[1, -1]).unwrap(), vec![1, 0]);
        let i4 = WeightEncoding::codes(WeightFormat::Int, 4);
        assert_eq!(i4.bus(1, 3), (3, 4));
        assert_eq!(
            i4.encode(1, 4, &[-8, -1, 0, 7]).unwrap(),
            vec![0x8, 0xF, 0x0, 0x7]
        );
        assert_eq!(i4.decode(1, 4, &[0x8, 0xF, 0x0, 0x7]), vec![-8, -1, 0, 7]);
        for bits in 2..=8 {
            let enc = WeightEncoding::codes(WeightFormat::Int, bits);
            let lo = -(1i64 << (bits - 1));
            let values: Vec<i64> = (lo..-lo).collect();
            let bus = enc.encode(1, values.len(), &values).unwrap();
            assert!(bus.iter().all(|&c| c < 1 << bits));
            assert_eq!(enc.decode(1, values.len(), &bus), values);
        }
    }

    #[test]
    fn encode_rejects_what_it_cannot_hold() {
        let err = WeightEncoding::base3()
            .encode(1, 3, &[0, 2, 0])
            .unwrap_err();
        assert_eq!(
            err,
            PackingError::Value {
                value: 2,
                index: 1,
                encoding: WeightEncoding::base3()
            }
        );
        assert_eq!(
            err.to_string(),
            "weight 2 (index 1) cannot be held by the base3 encoding"
        );
        assert!(WeightEncoding::i2s().encode(1, 1, &[-2]).is_err());
        assert!(ternary().encode(1, 1, &[5]).is_err());
        let b = WeightEncoding::codes(WeightFormat::Binary, 1);
        assert_eq!(
            b.encode(1, 2, &[1, 0]).unwrap_err().to_string(),
            "weight 0 (index 1) cannot be held by the codes (binary, 1-bit) encoding"
        );
        let i2 = WeightEncoding::codes(WeightFormat::Int, 2);
        assert!(i2.encode(1, 1, &[-2]).is_ok());
        assert!(i2.encode(1, 1, &[2]).is_err());
        assert!(i2.encode(1, 1, &[-3]).is_err());
        assert_eq!(
            WeightEncoding::i2s().encode(2, 2, &[0; 3]).unwrap_err(),
            PackingError::Length {
                got: 3,
                want: 4,
                encoding: WeightEncoding::i2s()
            }
        );
    }

    #[test]
    fn worked_gemv_in_every_packing() {
        // act = (3, −1, 2, 5, −4, 1, 7); column 0 (+1, 0, −1, −1, +1, −1, +1),
        // column 1 (reserved 0, +1, 0, 0, −1, 0, 0).
        let shape = Shape { m: 1, n: 2, k: 7 };
        let run = Run {
            beats: vec![Beat {
                act: vec![3, -1, 2, 5, -4, 1, 7],
                w: vec![
                    0b01, 0b00, 0b11, 0b11, 0b01, 0b11, 0b01, //
                    0b10, 0b01, 0b00, 0b00, 0b11, 0b00, 0b00,
                ],
                last: true,
            }],
        };
        // col 0: 3 − 2 − 5 − 4 − 1 + 7 = −2; col 1: −1 + 4 = 3
        let want = big(&[-2, 3]);
        assert_eq!(run_result(shape, WeightFormat::Ternary, 2, &run), want);
        for enc in [ternary(), WeightEncoding::base3(), WeightEncoding::i2s()] {
            let packed = repack_run(shape, enc, &run).unwrap();
            assert_eq!(packed.beats[0].w.len(), enc.bus(2, 7).0);
            assert_eq!(run_result_encoded(shape, enc, &packed), want, "{enc}");
        }
        let b3 = repack_run(shape, WeightEncoding::base3(), &run).unwrap();
        assert_eq!(b3.beats[0].w[0], 167);
        // Reserved 10 becomes the canonical 00.
        let plain = repack_run(shape, ternary(), &run).unwrap();
        assert_eq!(plain.beats[0].w[7], 0b00);
        // Binary cannot hold 0.
        let err =
            repack_run(shape, WeightEncoding::codes(WeightFormat::Binary, 1), &run).unwrap_err();
        assert!(matches!(err, PackingError::Beat { beat: 0, .. }), "{err}");
        // A beat with the wrong number of codes.
        let mut short = run.clone();
        short.beats[0].w.pop();
        assert_eq!(
            repack_run(shape, WeightEncoding::i2s(), &short).unwrap_err(),
            PackingError::BeatLength {
                beat: 0,
                got: 13,
                want: 14
            }
        );
    }

    fn run_strategy() -> impl Strategy<Value = (Shape, Run)> {
        (1usize..=3, 1usize..=4, 1usize..=13, 1usize..=4).prop_flat_map(|(m, n, k, beats)| {
            let beat = (
                proptest::collection::vec(-128i64..=127, m * k),
                proptest::collection::vec(0u64..4, n * k),
            );
            proptest::collection::vec(beat, beats).prop_map(move |raw| {
                let count = raw.len();
                let beats = raw
                    .into_iter()
                    .enumerate()
                    .map(|(i, (act, w))| Beat {
                        act,
                        w,
                        last: i + 1 == count,
                    })
                    .collect();
                (Shape { m, n, k }, Run { beats })
            })
        })
    }

    proptest! {
        #[test]
        fn packings_agree_with_golden((shape, run) in run_strategy()) {
            let want = run_result(shape, WeightFormat::Ternary, 2, &run);
            prop_assert_eq!(&run_result_encoded(shape, ternary(), &run), &want);
            let mut targets = vec![ternary(), WeightEncoding::base3(), WeightEncoding::i2s()];
            targets.extend((2..=8).map(|b| WeightEncoding::codes(WeightFormat::Int, b)));
            for enc in targets {
                let packed = repack_run(shape, enc, &run).unwrap();
                prop_assert_eq!(packed.beats.len(), run.beats.len());
                let (elements, bits) = enc.bus(shape.n, shape.k);
                for (p, b) in packed.beats.iter().zip(&run.beats) {
                    prop_assert_eq!(&p.act, &b.act);
                    prop_assert_eq!(p.last, b.last);
                    prop_assert_eq!(p.w.len(), elements);
                    prop_assert!(p.w.iter().all(|&e| e < 1u64 << bits));
                    // Packing never produces base3 bytes above 242 nor I2_S code 3.
                    if enc.packing != WeightPacking::Codes {
                        prop_assert!(p.w.iter().all(|&e| e <= 242 && (enc.packing == WeightPacking::Base3 || e < 3)));
                    }
                    let plain: Vec<i64> =
                        b.w.iter().map(|&c| WeightFormat::Ternary.decode(2, c)).collect();
                    prop_assert_eq!(enc.decode(shape.n, shape.k, &p.w), plain);
                }
                prop_assert_eq!(&run_result_encoded(shape, enc, &packed), &want, "{}", enc);
                // Plain Codes results agree with the golden model on the packed codes too.
                if enc.packing == WeightPacking::Codes {
                    prop_assert_eq!(
                        &run_result(shape, enc.format, enc.w_bits, &packed),
                        &want
                    );
                }
            }
        }

        #[test]
        fn base3_decode_encode_round_trips(
            (n, k, values) in (1usize..=4, 1usize..=13).prop_flat_map(|(n, k)| {
                (Just(n), Just(k), proptest::collection::vec(-1i64..=1, n * k))
            })
        ) {
            for enc in [WeightEncoding::base3(), WeightEncoding::i2s(), ternary()] {
                let bus = enc.encode(n, k, &values).unwrap();
                prop_assert_eq!(enc.decode(n, k, &bus), values.clone());
                prop_assert_eq!(enc.encode(n, k, &enc.decode(n, k, &bus)).unwrap(), bus);
            }
        }
    }
}
