//! The MX element formats as the generator reads them (OCP MX v1.0, see
//! docs/spec/mx-numerics.md §1): each finite code is an integer times
//! 2^lsb; the generator turns the table below into decode ROMs.

use serde::{Deserialize, Serialize};

/// An MX element format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElementFormat {
    /// MXINT8: two's complement read as 1.6 fixed point.
    #[serde(rename = "mxint8")]
    Int8,
    /// MXFP8 E4M3 (bias 7, NaN = S.1111.111, no Inf).
    #[serde(rename = "mxfp8-e4m3")]
    Fp8E4m3,
    /// MXFP8 E5M2 (bias 15, Inf = S.11111.00, NaN = S.11111.{01,10,11}).
    #[serde(rename = "mxfp8-e5m2")]
    Fp8E5m2,
    /// MXFP6 E3M2 (bias 3, no specials).
    #[serde(rename = "mxfp6-e3m2")]
    Fp6E3m2,
    /// MXFP6 E2M3 (bias 1, no specials).
    #[serde(rename = "mxfp6-e2m3")]
    Fp6E2m3,
    /// MXFP4 E2M1 (bias 1, no specials).
    #[serde(rename = "mxfp4-e2m1")]
    Fp4E2m1,
}

/// What one element code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// The value `int · 2^lsb`.
    Finite(i64),
    /// NaN or ±Inf: the result is flagged.
    Special,
}

impl ElementFormat {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [ElementFormat; 6] = [
        ElementFormat::Int8,
        ElementFormat::Fp8E4m3,
        ElementFormat::Fp8E5m2,
        ElementFormat::Fp6E3m2,
        ElementFormat::Fp6E2m3,
        ElementFormat::Fp4E2m1,
    ];

    /// The name the CLI and the metadata use (`mxfp4-e2m1`).
    pub fn name(self) -> &'static str {
        match self {
            ElementFormat::Int8 => "mxint8",
            ElementFormat::Fp8E4m3 => "mxfp8-e4m3",
            ElementFormat::Fp8E5m2 => "mxfp8-e5m2",
            ElementFormat::Fp6E3m2 => "mxfp6-e3m2",
            ElementFormat::Fp6E2m3 => "mxfp6-e2m3",
            ElementFormat::Fp4E2m1 => "mxfp4-e2m1",
        }
    }

    /// (exponent bits, mantissa bits, bias) of a float format; `None` for MXINT8.
    fn fields(self) -> Option<(u32, u32, i32)> {
        match self {
            ElementFormat::Int8 => None,
            ElementFormat::Fp8E4m3 => Some((4, 3, 7)),
            ElementFormat::Fp8E5m2 => Some((5, 2, 15)),
            ElementFormat::Fp6E3m2 => Some((3, 2, 3)),
            ElementFormat::Fp6E2m3 => Some((2, 3, 1)),
            ElementFormat::Fp4E2m1 => Some((2, 1, 1)),
        }
    }

    /// Bits of one code.
    pub fn bits(self) -> u32 {
        self.fields().map_or(8, |(e, m, _)| 1 + e + m)
    }

    /// Exponent of the value of integer 1 (the smallest subnormal; MXINT8: 2^−6).
    pub fn lsb(self) -> i32 {
        self.fields().map_or(-6, |(_, m, bias)| 1 - bias - m as i32)
    }

    /// Exponent of the largest normal binade (the quantizer's `emax_elem`).
    pub fn emax(self) -> i32 {
        match self {
            ElementFormat::Int8 => 0,
            ElementFormat::Fp8E5m2 => 15,
            _ => self.fields().map_or(0, |(e, _, _)| 1 << (e - 1)),
        }
    }

    /// What `code` (masked to the format's bits) stands for.
    pub fn element(self, code: u32) -> Element {
        let code = code & ((1 << self.bits()) - 1);
        let Some((e_bits, m_bits, _)) = self.fields() else {
            return Element::Finite(i64::from(code as u8 as i8));
        };
        let negative = code >> (e_bits + m_bits) == 1;
        let e = (code >> m_bits) & ((1 << e_bits) - 1);
        let f = code & ((1 << m_bits) - 1);
        let e_top = (1 << e_bits) - 1;
        let special = match self {
            ElementFormat::Fp8E4m3 => e == e_top && f == (1 << m_bits) - 1,
            ElementFormat::Fp8E5m2 => e == e_top,
            _ => false,
        };
        if special {
            return Element::Special;
        }
        let magnitude = if e == 0 {
            i64::from(f)
        } else {
            i64::from((1 << m_bits) + f) << (e - 1)
        };
        Element::Finite(if negative { -magnitude } else { magnitude })
    }

    /// Smallest and largest integer a finite code stands for.
    pub fn int_range(self) -> (i64, i64) {
        (0..1u32 << self.bits())
            .filter_map(|c| match self.element(c) {
                Element::Finite(v) => Some(v),
                Element::Special => None,
            })
            .fold((0, 0), |(lo, hi), v| (lo.min(v), hi.max(v)))
    }

    /// Largest |integer| of a finite code (M in mx-numerics.md §4.4).
    pub fn max_magnitude(self) -> u64 {
        let (lo, hi) = self.int_range();
        lo.unsigned_abs().max(hi.unsigned_abs())
    }

    /// Whether any code is NaN or Inf.
    pub fn has_specials(self) -> bool {
        (0..1u32 << self.bits()).any(|c| self.element(c) == Element::Special)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_the_spec() {
        use ElementFormat::*;
        let m: Vec<u64> = ElementFormat::ALL
            .iter()
            .map(|f| f.max_magnitude())
            .collect();
        assert_eq!(m, [128, 7 << 15, 7 << 29, 448, 60, 12]);
        let lsb: Vec<i32> = ElementFormat::ALL.iter().map(|f| f.lsb()).collect();
        assert_eq!(lsb, [-6, -9, -16, -4, -3, -1]);
        let emax: Vec<i32> = ElementFormat::ALL.iter().map(|f| f.emax()).collect();
        assert_eq!(emax, [0, 8, 15, 4, 2, 2]);
        // MXFP4: 0, .5, 1, 1.5, 2, 3, 4, 6 in units of 2^-1.
        let fp4: Vec<Element> = (0..8).map(|c| Fp4E2m1.element(c)).collect();
        let want: Vec<Element> = [0, 1, 2, 3, 4, 6, 8, 12].map(Element::Finite).to_vec();
        assert_eq!(fp4, want);
        assert_eq!(Fp4E2m1.element(0xF), Element::Finite(-12));
        assert_eq!(Fp8E4m3.element(0x7F), Element::Special);
        assert_eq!(Fp8E4m3.element(0x7E), Element::Finite(448 << 9));
        assert_eq!(Fp8E5m2.element(0x7C), Element::Special);
        assert_eq!(Fp8E5m2.element(0x7B), Element::Finite(57344 << 16));
        assert_eq!(Int8.element(0x80), Element::Finite(-128));
        assert!(Fp8E5m2.has_specials() && !Fp6E2m3.has_specials());
    }
}
