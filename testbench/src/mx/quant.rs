//! The float32 / bf16 → MX quantizer: per block a shared exponent from the
//! largest magnitude, elements rounded to nearest even and saturated.

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use super::error::MxError;
use super::exact::{Exact, rne_shift_right, sign_magnitude};
use super::format::MxFormat;
use super::scale::{SCALE_BIAS, SCALE_MAX, SCALE_NAN};
use super::tensor::{MxTensor, check_block};

/// The element code nearest to `x` (ties to even), saturated to ±max
/// normal; a result of zero is always the +0 code. `None` for NaN or ±Inf.
pub fn encode_element(fmt: MxFormat, x: &Exact) -> Option<u8> {
    let Exact::Finite { mant, exp } = x else {
        return None;
    };
    let (negative, mag) = sign_magnitude(mant);
    let q = round_to_grid(fmt, &mag, exp.saturating_sub(i64::from(fmt.lsb())));
    Some(code_of(fmt, negative, q))
}

/// The E8M0 scale and element codes of one block of float32 values: scale
/// 0xFF (and zero codes) if any input is NaN or ±Inf, scale 0 and zero codes
/// for an all-zero block, else scale `clamp(floor(log2 amax) − emax + 127)`
/// (0xFF above 254, 0 below 0) and each element `x / X` rounded to nearest
/// even and saturated.
pub fn quantize_block(fmt: MxFormat, xs: &[f32]) -> (u8, Vec<u8>) {
    let zeros = vec![0u8; xs.len()];
    let mut amax_bits = 0u32;
    for x in xs {
        let b = x.to_bits() & 0x7FFF_FFFF;
        if b >= 0x7F80_0000 {
            return (SCALE_NAN, zeros);
        }
        amax_bits = amax_bits.max(b);
    }
    if amax_bits == 0 {
        return (0, zeros);
    }
    let code =
        i64::from(floor_log2_bits(amax_bits)) - i64::from(fmt.emax()) + i64::from(SCALE_BIAS);
    if code > i64::from(SCALE_MAX) {
        return (SCALE_NAN, zeros);
    }
    let code = code.max(0);
    let shift = code - i64::from(SCALE_BIAS);
    let codes = xs
        .iter()
        .map(|&x| encode_element(fmt, &Exact::from_f32(x).scale_pow2(-shift)).unwrap_or(0))
        .collect();
    (code as u8, codes)
}

/// Quantizes a float32 vector block by block (`block` in 8, 16, 32); the
/// last block is padded with zeros.
pub fn quantize(fmt: MxFormat, block: usize, xs: &[f32]) -> Result<MxTensor, MxError> {
    check_block(block)?;
    let mut scales = Vec::with_capacity(xs.len().div_ceil(block));
    let mut codes = Vec::with_capacity(scales.capacity() * block);
    for chunk in xs.chunks(block) {
        let mut padded = chunk.to_vec();
        padded.resize(block, 0.0);
        let (s, c) = quantize_block(fmt, &padded);
        scales.push(s);
        codes.extend(c);
    }
    Ok(MxTensor {
        format: fmt,
        block,
        len: xs.len(),
        scales,
        codes,
    })
}

/// Quantizes a bf16 vector (each value widened exactly to float32).
pub fn quantize_bf16(fmt: MxFormat, block: usize, xs: &[half::bf16]) -> Result<MxTensor, MxError> {
    let wide: Vec<f32> = xs.iter().map(|x| x.to_f32()).collect();
    quantize(fmt, block, &wide)
}

/// floor(log2 |x|) of a finite non-zero float32 from its bit pattern
/// (subnormals included).
pub fn floor_log2_bits(abs_bits: u32) -> i32 {
    let exp_field = (abs_bits >> 23) as i32;
    if exp_field > 0 {
        exp_field - 127
    } else {
        let frac = abs_bits & 0x007F_FFFF;
        -149 + (31 - frac.leading_zeros() as i32)
    }
}

/// `mag · 2^e_lsb` (a magnitude in LSB units) rounded to nearest even onto
/// the format's grid and saturated to its max, in LSB units.
fn round_to_grid(fmt: MxFormat, mag: &BigUint, e_lsb: i64) -> u64 {
    if mag.bits() == 0 {
        return 0;
    }
    let max = fmt.max_int() as u64;
    let top = (mag.bits() as i64 - 1).saturating_add(e_lsb);
    if top > 64 - max.leading_zeros() as i64 {
        return max;
    }
    // Grid spacing (as a power of two in LSB units) in the binade of |x|.
    let spacing = match fmt.mantissa_bits() {
        None => 0,
        Some(m) => (top - i64::from(m)).max(0),
    };
    let shift = e_lsb.saturating_sub(spacing);
    let steps = if shift >= 0 {
        mag << shift as u64
    } else {
        rne_shift_right(mag, shift.unsigned_abs())
    };
    let q = steps.to_u64().unwrap_or(u64::MAX >> 1) << spacing;
    q.min(max)
}

/// The code of a grid magnitude `q` (LSB units, at most the max) and sign.
fn code_of(fmt: MxFormat, negative: bool, q: u64) -> u8 {
    if q == 0 {
        return 0;
    }
    let Some(l) = fmt.layout() else {
        let v = q as i64;
        return (if negative { -v } else { v }) as i8 as u8;
    };
    let field = if q < (1 << l.man_bits) {
        q
    } else {
        let top = 63 - u64::from(q.leading_zeros());
        let biased = top - u64::from(l.man_bits) + 1;
        let frac = (q >> (top - u64::from(l.man_bits))) - (1 << l.man_bits);
        (biased << l.man_bits) | frac
    };
    let sign = u64::from(negative) << (fmt.bits() - 1);
    (sign | field) as u8
}
