//! The MX element formats and the integer-only decode of every code.

use std::fmt;

use super::error::MxError;

/// An OCP MX v1.0 element format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MxFormat {
    /// MXINT8: 8-bit two's complement read as 1.6 fixed point.
    #[serde(rename = "mxint8")]
    Int8,
    /// MXFP8 E4M3: bias 7, max ±448, NaN only (S.1111.111).
    #[serde(rename = "mxfp8-e4m3")]
    Fp8E4M3,
    /// MXFP8 E5M2: bias 15, max ±57 344, Inf and NaN.
    #[serde(rename = "mxfp8-e5m2")]
    Fp8E5M2,
    /// MXFP6 E3M2: bias 3, max ±28, no specials.
    #[serde(rename = "mxfp6-e3m2")]
    Fp6E3M2,
    /// MXFP6 E2M3: bias 1, max ±7.5, no specials.
    #[serde(rename = "mxfp6-e2m3")]
    Fp6E2M3,
    /// MXFP4 E2M1: bias 1, max ±6, no specials.
    #[serde(rename = "mxfp4-e2m1")]
    Fp4E2M1,
}

/// The value of one element code: `Finite { int }` is exactly
/// `int · 2^format.lsb()`; −0 decodes to `int = 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoded {
    /// A finite value, `int · 2^lsb` of the format.
    Finite {
        /// The value in units of the format's smallest subnormal (its LSB).
        int: i64,
    },
    /// An infinity (MXFP8 E5M2 only).
    Inf {
        /// True for −Inf.
        negative: bool,
    },
    /// Not a number (MXFP8 E4M3 and E5M2 only).
    NaN,
}

/// The floating-point layout of a non-integer element format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatLayout {
    /// Exponent field width.
    pub exp_bits: u32,
    /// Mantissa (fraction) field width.
    pub man_bits: u32,
    /// Exponent bias.
    pub bias: i32,
}

impl fmt::Display for MxFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for MxFormat {
    type Err = MxError;
    fn from_str(s: &str) -> Result<Self, MxError> {
        MxFormat::from_name(s)
    }
}

impl MxFormat {
    /// Every element format, integer first, then by width.
    pub const ALL: [MxFormat; 6] = [
        MxFormat::Int8,
        MxFormat::Fp8E4M3,
        MxFormat::Fp8E5M2,
        MxFormat::Fp6E3M2,
        MxFormat::Fp6E2M3,
        MxFormat::Fp4E2M1,
    ];

    /// The CLI (and serde) name, e.g. `mxfp8-e4m3`.
    pub fn name(self) -> &'static str {
        match self {
            MxFormat::Int8 => "mxint8",
            MxFormat::Fp8E4M3 => "mxfp8-e4m3",
            MxFormat::Fp8E5M2 => "mxfp8-e5m2",
            MxFormat::Fp6E3M2 => "mxfp6-e3m2",
            MxFormat::Fp6E2M3 => "mxfp6-e2m3",
            MxFormat::Fp4E2M1 => "mxfp4-e2m1",
        }
    }

    /// The format with CLI name `name`.
    pub fn from_name(name: &str) -> Result<MxFormat, MxError> {
        MxFormat::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| MxError::UnknownFormat(name.to_string()))
    }

    /// Bits per element code (8, 8, 8, 6, 6, 4).
    pub fn bits(self) -> u32 {
        match self {
            MxFormat::Int8 | MxFormat::Fp8E4M3 | MxFormat::Fp8E5M2 => 8,
            MxFormat::Fp6E3M2 | MxFormat::Fp6E2M3 => 6,
            MxFormat::Fp4E2M1 => 4,
        }
    }

    /// The mask of the code bits, e.g. 0x3F for the 6-bit formats.
    pub fn code_mask(self) -> u8 {
        (((1u16) << self.bits()) - 1) as u8
    }

    /// The floating-point layout, or `None` for MXINT8.
    pub fn layout(self) -> Option<FloatLayout> {
        let (exp_bits, man_bits, bias) = match self {
            MxFormat::Int8 => return None,
            MxFormat::Fp8E4M3 => (4, 3, 7),
            MxFormat::Fp8E5M2 => (5, 2, 15),
            MxFormat::Fp6E3M2 => (3, 2, 3),
            MxFormat::Fp6E2M3 => (2, 3, 1),
            MxFormat::Fp4E2M1 => (2, 1, 1),
        };
        Some(FloatLayout {
            exp_bits,
            man_bits,
            bias,
        })
    }

    /// Mantissa bits of the element grid: the fraction width of a float
    /// format; `None` for MXINT8, whose grid is uniform.
    pub fn mantissa_bits(self) -> Option<u32> {
        self.layout().map(|l| l.man_bits)
    }

    /// The exponent of the format's LSB weight: every finite value is an
    /// integer times `2^lsb` (the smallest subnormal; 2^−6 for MXINT8).
    pub fn lsb(self) -> i32 {
        match self.layout() {
            None => -6,
            Some(l) => 1 - l.bias - l.man_bits as i32,
        }
    }

    /// The exponent of the largest normal binade (E4M3 8, E5M2 15, E3M2 4,
    /// E2M3 2, E2M1 2, MXINT8 0): the quantizer's `emax_elem`.
    pub fn emax(self) -> i32 {
        match self {
            MxFormat::Int8 => 0,
            MxFormat::Fp8E4M3 => 8,
            MxFormat::Fp8E5M2 => 15,
            MxFormat::Fp6E3M2 => 4,
            MxFormat::Fp6E2M3 => 2,
            MxFormat::Fp4E2M1 => 2,
        }
    }

    /// The largest finite magnitude the quantizer produces, in LSB units
    /// (448·2^9, 57344·2^16, 28·2^4, 7.5·2^3, 6·2, and 127 for MXINT8).
    pub fn max_int(self) -> i64 {
        match self.layout() {
            None => 127,
            Some(l) => {
                let top_exp = self.emax() + l.bias;
                let full = (1i64 << (l.man_bits + 1)) - 1;
                let man = if self == MxFormat::Fp8E4M3 {
                    full - 1
                } else {
                    full
                };
                man << (top_exp - 1)
            }
        }
    }

    /// The largest finite magnitude any code decodes to, in LSB units: the
    /// same as [`MxFormat::max_int`] except MXINT8, whose code 0x80 is −128.
    pub fn max_decoded_magnitude(self) -> i64 {
        match self {
            MxFormat::Int8 => 128,
            _ => self.max_int(),
        }
    }

    /// Whether the format has NaN codes (MXFP8 only).
    pub fn has_nan(self) -> bool {
        matches!(self, MxFormat::Fp8E4M3 | MxFormat::Fp8E5M2)
    }

    /// Whether the format has infinity codes (MXFP8 E5M2 only).
    pub fn has_inf(self) -> bool {
        self == MxFormat::Fp8E5M2
    }

    /// The number of distinct codes, `2^bits`.
    pub fn code_count(self) -> usize {
        1usize << self.bits()
    }

    /// Decodes `code` (masked to the format's width) to its exact value.
    pub fn decode(self, code: u8) -> Decoded {
        let code = code & self.code_mask();
        let Some(l) = self.layout() else {
            return Decoded::Finite {
                int: i64::from(code as i8),
            };
        };
        let negative = code >> (self.bits() - 1) == 1;
        let exp_field = u32::from(code >> l.man_bits) & ((1 << l.exp_bits) - 1);
        let frac = i64::from(code) & ((1 << l.man_bits) - 1);
        let exp_all_ones = exp_field == (1 << l.exp_bits) - 1;
        match self {
            MxFormat::Fp8E4M3 if exp_all_ones && frac == 0b111 => return Decoded::NaN,
            MxFormat::Fp8E5M2 if exp_all_ones && frac == 0 => {
                return Decoded::Inf { negative };
            }
            MxFormat::Fp8E5M2 if exp_all_ones => return Decoded::NaN,
            _ => {}
        }
        let magnitude = if exp_field == 0 {
            frac
        } else {
            ((1i64 << l.man_bits) + frac) << (exp_field - 1)
        };
        Decoded::Finite {
            int: if negative { -magnitude } else { magnitude },
        }
    }
}
