//! Weight formats of the streaming core contract and how a raw weight code
//! decodes to its integer value.

use std::fmt;

/// A weight format of the core contract (`ternary`, `binary` or `int`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightFormat {
    /// 2-bit codes: `00`→0, `01`→+1, `11`→−1, `10`→0 (reserved).
    Ternary,
    /// 1-bit codes: `1`→+1, `0`→−1.
    Binary,
    /// B-bit two's complement, B = 2..=8.
    Int,
}

/// The smallest weight width the `int` format allows.
pub const INT_MIN_BITS: u32 = 2;
/// The largest weight width the `int` format allows.
pub const INT_MAX_BITS: u32 = 8;

/// A weight width the format does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("weight format {format} cannot have {bits} bits; it allows {allowed}")]
pub struct FormatBitsError {
    /// The format asked for.
    pub format: WeightFormat,
    /// The width asked for.
    pub bits: u32,
    /// The widths the format allows, in words (e.g. "2..=8").
    pub allowed: &'static str,
}

impl fmt::Display for WeightFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl WeightFormat {
    /// Every format, in contract order.
    pub const ALL: [WeightFormat; 3] = [
        WeightFormat::Ternary,
        WeightFormat::Binary,
        WeightFormat::Int,
    ];

    /// The contract's lowercase name of the format (`ternary`, `binary`, `int`).
    pub fn name(self) -> &'static str {
        match self {
            WeightFormat::Ternary => "ternary",
            WeightFormat::Binary => "binary",
            WeightFormat::Int => "int",
        }
    }

    /// Checks that `bits` is a width the format allows (ternary 2, binary 1, int 2..=8).
    pub fn validate(self, bits: u32) -> Result<(), FormatBitsError> {
        let (ok, allowed) = match self {
            WeightFormat::Ternary => (bits == 2, "2"),
            WeightFormat::Binary => (bits == 1, "1"),
            WeightFormat::Int => ((INT_MIN_BITS..=INT_MAX_BITS).contains(&bits), "2..=8"),
        };
        if ok {
            Ok(())
        } else {
            Err(FormatBitsError {
                format: self,
                bits,
                allowed,
            })
        }
    }

    /// The width the infallible methods work with: ternary 2, binary 1, int
    /// `bits` clamped to 2..=8 (use [`WeightFormat::validate`] to reject bad widths).
    pub fn effective_bits(self, bits: u32) -> u32 {
        match self {
            WeightFormat::Ternary => 2,
            WeightFormat::Binary => 1,
            WeightFormat::Int => bits.clamp(INT_MIN_BITS, INT_MAX_BITS),
        }
    }

    /// Decodes one B-bit weight code (raw bits, LSB-aligned; higher bits are
    /// ignored) to its integer value, per the contract's table.
    pub fn decode(self, bits: u32, code: u64) -> i64 {
        let b = self.effective_bits(bits);
        let code = code & ((1u64 << b) - 1);
        match self {
            WeightFormat::Ternary => match code {
                0b01 => 1,
                0b11 => -1,
                _ => 0,
            },
            WeightFormat::Binary => {
                if code == 1 {
                    1
                } else {
                    -1
                }
            }
            WeightFormat::Int => {
                let value = code as i64;
                if value >= 1 << (b - 1) {
                    value - (1 << b)
                } else {
                    value
                }
            }
        }
    }

    /// The largest |w| the format can hold at `bits` (ternary 1, binary 1, int 2^(B−1)).
    pub fn max_abs(self, bits: u32) -> u64 {
        match self {
            WeightFormat::Ternary | WeightFormat::Binary => 1,
            WeightFormat::Int => 1u64 << (self.effective_bits(bits) - 1),
        }
    }

    /// Every code 0..2^B, including the reserved ternary code `10`.
    pub fn codes(self, bits: u32) -> Vec<u64> {
        (0..1u64 << self.effective_bits(bits)).collect()
    }

    /// The code of the most negative value (ternary `11`, binary `0`, int `10…0`).
    pub fn most_negative_code(self, bits: u32) -> u64 {
        match self {
            WeightFormat::Ternary => 0b11,
            WeightFormat::Binary => 0,
            WeightFormat::Int => 1u64 << (self.effective_bits(bits) - 1),
        }
    }

    /// The code of the most positive value (ternary `01`, binary `1`, int `01…1`).
    pub fn most_positive_code(self, bits: u32) -> u64 {
        match self {
            WeightFormat::Ternary => 0b01,
            WeightFormat::Binary => 1,
            WeightFormat::Int => (1u64 << (self.effective_bits(bits) - 1)) - 1,
        }
    }

    /// The codes that decode to 0 (ternary `00` and reserved `10`, int `0`,
    /// binary none).
    pub fn zero_codes(self, bits: u32) -> Vec<u64> {
        self.codes(bits)
            .into_iter()
            .filter(|&c| self.decode(bits, c) == 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ternary_table() {
        let t = WeightFormat::Ternary;
        assert_eq!(
            [0b00, 0b01, 0b10, 0b11].map(|c| t.decode(2, c)),
            [0, 1, 0, -1]
        );
        assert_eq!(t.codes(2), vec![0, 1, 2, 3]);
        assert_eq!(t.max_abs(2), 1);
        assert_eq!(t.zero_codes(2), vec![0, 2]);
    }

    #[test]
    fn binary_table() {
        let b = WeightFormat::Binary;
        assert_eq!(b.decode(1, 0), -1);
        assert_eq!(b.decode(1, 1), 1);
        assert_eq!(b.codes(1), vec![0, 1]);
        assert_eq!(b.max_abs(1), 1);
        assert!(b.zero_codes(1).is_empty());
    }

    #[test]
    fn int_is_twos_complement() {
        let i = WeightFormat::Int;
        assert_eq!(i.decode(2, 0b10), -2);
        assert_eq!(i.decode(2, 0b11), -1);
        assert_eq!(i.decode(2, 0b01), 1);
        assert_eq!(i.decode(4, 0b1000), -8);
        assert_eq!(i.decode(4, 0b0111), 7);
        assert_eq!(i.decode(8, 0x80), -128);
        assert_eq!(i.decode(8, 0xFF), -1);
        assert_eq!(i.max_abs(8), 128);
        assert_eq!(i.codes(3).len(), 8);
        for bits in INT_MIN_BITS..=INT_MAX_BITS {
            let values: Vec<i64> = i.codes(bits).iter().map(|&c| i.decode(bits, c)).collect();
            let lo = -(1i64 << (bits - 1));
            assert_eq!(values.iter().min(), Some(&lo));
            assert_eq!(values.iter().max(), Some(&(-lo - 1)));
            assert_eq!(i.decode(bits, i.most_negative_code(bits)), lo);
            assert_eq!(i.decode(bits, i.most_positive_code(bits)), -lo - 1);
        }
    }

    #[test]
    fn extreme_codes_decode_to_extremes() {
        for f in WeightFormat::ALL {
            let bits = f.effective_bits(4);
            let values: Vec<i64> = f.codes(bits).iter().map(|&c| f.decode(bits, c)).collect();
            assert_eq!(
                Some(&f.decode(bits, f.most_negative_code(bits))),
                values.iter().min()
            );
            assert_eq!(
                Some(&f.decode(bits, f.most_positive_code(bits))),
                values.iter().max()
            );
        }
    }

    #[test]
    fn validate_widths() {
        assert!(WeightFormat::Ternary.validate(2).is_ok());
        assert!(WeightFormat::Ternary.validate(3).is_err());
        assert!(WeightFormat::Binary.validate(1).is_ok());
        assert!(WeightFormat::Int.validate(8).is_ok());
        let err = WeightFormat::Int.validate(9).unwrap_err();
        assert_eq!(
            err.to_string(),
            "weight format int cannot have 9 bits; it allows 2..=8"
        );
    }

    #[test]
    fn serde_names_are_lowercase() {
        assert_eq!(
            serde_json::to_string(&WeightFormat::Ternary).unwrap(),
            "\"ternary\""
        );
        let f: WeightFormat = serde_json::from_str("\"int\"").unwrap();
        assert_eq!(f, WeightFormat::Int);
    }
}
