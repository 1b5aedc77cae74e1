//! An MX tensor (one E8M0 scale per block of element codes) and its exact
//! dequantization.

use super::error::MxError;
use super::format::{Decoded, MxFormat};
use super::scale::scale_exponent;

/// The block sizes the MX units support (32 is the OCP default).
pub const BLOCK_SIZES: [usize; 3] = [8, 16, 32];
/// The OCP MX v1.0 block size.
pub const DEFAULT_BLOCK: usize = 32;

/// Checks that `block` is one of [`BLOCK_SIZES`].
pub fn check_block(block: usize) -> Result<(), MxError> {
    if BLOCK_SIZES.contains(&block) {
        Ok(())
    } else {
        Err(MxError::BlockSize(block))
    }
}

/// A vector in an MX format: `codes` holds whole blocks (the last padded
/// with zero codes), `scales` one E8M0 code per block, `len` the number of
/// meaningful elements.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MxTensor {
    /// The element format.
    pub format: MxFormat,
    /// Elements per block.
    pub block: usize,
    /// Elements before padding.
    pub len: usize,
    /// One E8M0 scale code per block.
    pub scales: Vec<u8>,
    /// Element codes, `scales.len() · block` of them, each within the
    /// format's width.
    pub codes: Vec<u8>,
}

impl MxTensor {
    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.scales.len()
    }

    /// Checks that the block size, scales, codes and length agree.
    pub fn check(&self) -> Result<(), MxError> {
        let bad = || MxError::Tensor {
            scales: self.scales.len(),
            codes: self.codes.len(),
            block: self.block,
        };
        if self.block == 0 {
            return Err(bad());
        }
        let whole = self.scales.len().checked_mul(self.block).ok_or_else(bad)?;
        if whole != self.codes.len() || self.len > whole || whole - self.len >= self.block {
            return Err(bad());
        }
        Ok(())
    }

    /// The codes of block `i` (empty past the end).
    pub fn block_codes(&self, i: usize) -> &[u8] {
        let start = i.saturating_mul(self.block).min(self.codes.len());
        let end = start.saturating_add(self.block).min(self.codes.len());
        &self.codes[start..end]
    }
}

/// The exact value of every meaningful element, as binary64 (exact: MX
/// values span 2^−143..2^143 with at most 4 significant bits, 8 for
/// MXINT8); NaN-scale blocks and NaN codes give NaN, Inf codes ±Inf.
pub fn dequantize(t: &MxTensor) -> Vec<f64> {
    let mut out = Vec::with_capacity(t.len);
    for (i, &scale) in t.scales.iter().enumerate() {
        for &code in t.block_codes(i) {
            if out.len() == t.len {
                return out;
            }
            out.push(dequantize_element(t.format, code, scale));
        }
    }
    out
}

/// The exact value of one element code under one E8M0 scale, as binary64.
pub fn dequantize_element(format: MxFormat, code: u8, scale: u8) -> f64 {
    let Some(k) = scale_exponent(scale) else {
        return f64::NAN;
    };
    match format.decode(code) {
        Decoded::NaN => f64::NAN,
        Decoded::Inf { negative: true } => f64::NEG_INFINITY,
        Decoded::Inf { negative: false } => f64::INFINITY,
        Decoded::Finite { int } => int as f64 * pow2(k + format.lsb()),
    }
}

/// 2^k as binary64, for k in the normal range −1022..=1023.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}
