//! Round-to-nearest-even of the exact fixed-point result `acc · 2^L` to
//! IEEE binary32 bits (docs/spec/mx-numerics.md §5): subnormals kept,
//! overflow to ±Inf, exact zero to +0, a flagged result to 0x7FC00000.
//!
//! Combinational: magnitude, leading-zero count, normalising shift (limited
//! so that results below 2^−126 land on the subnormal grid), round on
//! guard and sticky bits, then exponent and fraction added as one word (a
//! rounding carry walks into the exponent by itself).

use crate::ir::{BuildError, CmpOp, ModuleBuilder, ReduceOp, SignalId, Ty};

/// The quiet NaN a flagged result gives.
pub const F32_NAN: u32 = 0x7FC0_0000;
/// +Inf.
pub const F32_INF: u32 = 0x7F80_0000;

/// The binary32 bits (unsigned 32) of `acc · 2^lsb_exp` for a signed `acc`,
/// or [`F32_NAN`] when `flag` is 1.
pub fn to_fp32(
    b: &mut ModuleBuilder,
    p: &str,
    acc: SignalId,
    flag: SignalId,
    lsb_exp: i32,
) -> Result<SignalId, BuildError> {
    let w = b.ty(acc).width;
    let wm = w - 1;
    let neg = b.slice(&format!("{p}_sign"), acc, wm, 1, false)?;
    let minus = b.neg(&format!("{p}_minus"), Ty::signed(w), acc)?;
    let abs = b.mux(&format!("{p}_abs"), Ty::signed(w), neg, minus, acc)?;
    let mag = b.slice(&format!("{p}_mag"), abs, 0, wm, false)?;
    let nonzero = b.reduce(&format!("{p}_nonzero"), ReduceOp::Or, mag)?;

    // p_min: the leading-one position below which the result is subnormal.
    let l = i64::from(lsb_exp);
    let wm_i = i64::from(wm);
    let p_min = -126 - l;
    let (norm, e_base) = if p_min > wm_i - 1 {
        (mag, None)
    } else {
        let lz = leading_zeros(b, p, mag, wm)?;
        let lz = if p_min > 0 {
            let cap = wm_i - 1 - p_min;
            let cap_sig = b.constant(&format!("{p}_lz_cap"), b.ty(lz), i128::from(cap))?;
            let over = b.compare(&format!("{p}_lz_over"), CmpOp::Gt, lz, cap_sig)?;
            b.mux(&format!("{p}_lz_eff"), b.ty(lz), over, cap_sig, lz)?
        } else {
            lz
        };
        let norm = shift_left(b, &format!("{p}_norm"), mag, lz)?;
        let top = b.constant(
            &format!("{p}_e_top"),
            Ty::signed(16),
            i128::from(wm_i - 1 + l + 126),
        )?;
        (
            norm,
            Some(b.sub(&format!("{p}_e_base"), Ty::signed(16), top, lz)?),
        )
    };
    // Bits below the 24 kept: t (the kept LSB's position in `norm`).
    let t = if e_base.is_some() {
        wm_i - 24
    } else {
        -(149 + l)
    };
    let q = round(b, p, norm, wm, t)?;
    let word_ty = Ty::signed(48);
    let q_wide = b.resize(&format!("{p}_q_wide"), q, word_ty)?;
    let finite = match e_base {
        Some(e) => {
            let e_shifted = b.shl(&format!("{p}_e_word"), word_ty, e, 23)?;
            b.add(&format!("{p}_word"), word_ty, e_shifted, q_wide)?
        }
        None => q_wide,
    };
    let inf = b.constant(&format!("{p}_inf"), word_ty, i128::from(F32_INF))?;
    let over = b.compare(&format!("{p}_overflow"), CmpOp::Ge, finite, inf)?;
    let sat = b.mux(&format!("{p}_sat"), word_ty, over, inf, finite)?;
    let low = b.slice(&format!("{p}_low"), sat, 0, 31, false)?;
    let word = b.concat(&format!("{p}_signed"), &[low, neg], false)?;
    let zero = b.constant(&format!("{p}_zero"), Ty::unsigned(32), 0)?;
    let nan = b.constant(&format!("{p}_nan"), Ty::unsigned(32), i128::from(F32_NAN))?;
    let value = b.mux(&format!("{p}_value"), Ty::unsigned(32), nonzero, word, zero)?;
    b.mux(&format!("{p}_bits"), Ty::unsigned(32), flag, nan, value)
}

/// Leading zeros of the `width`-bit unsigned `x` (`width` when it is 0).
fn leading_zeros(
    b: &mut ModuleBuilder,
    p: &str,
    x: SignalId,
    width: u32,
) -> Result<SignalId, BuildError> {
    let ty = Ty::unsigned(32 - width.leading_zeros());
    let mut lz = b.constant(&format!("{p}_lz_none"), ty, i128::from(width))?;
    for i in 0..width {
        let bit = b.slice(&format!("{p}_bit{i}"), x, i, 1, false)?;
        let here = b.constant(&format!("{p}_lz_at{i}"), ty, i128::from(width - 1 - i))?;
        lz = b.mux(&format!("{p}_lz{i}"), ty, bit, here, lz)?;
    }
    Ok(lz)
}

/// `x << amount` in x's width, one mux stage per bit of `amount`.
fn shift_left(
    b: &mut ModuleBuilder,
    p: &str,
    mut x: SignalId,
    amount: SignalId,
) -> Result<SignalId, BuildError> {
    let ty = b.ty(x);
    for j in 0..b.ty(amount).width {
        if 1u64 << j >= u64::from(ty.width) {
            break;
        }
        let bit = b.slice(&format!("{p}_amt{j}"), amount, j, 1, false)?;
        let moved = b.shl(&format!("{p}_by{j}"), ty, x, 1 << j)?;
        x = b.mux(&format!("{p}_s{j}"), ty, bit, moved, x)?;
    }
    Ok(x)
}

/// `x / 2^t` rounded to nearest, ties to even (exact `x · 2^−t` for t ≤ 0),
/// as an unsigned 25-bit value.
fn round(
    b: &mut ModuleBuilder,
    p: &str,
    x: SignalId,
    width: u32,
    t: i64,
) -> Result<SignalId, BuildError> {
    let q_ty = Ty::unsigned(25);
    if t <= 0 {
        let wide = b.resize(&format!("{p}_exact"), x, q_ty)?;
        return b.shl(&format!("{p}_q"), q_ty, wide, (-t) as u32);
    }
    let wi = i64::from(width);
    if t > wi {
        return b.constant(&format!("{p}_q"), q_ty, 0);
    }
    let t = t as u32;
    let guard = b.slice(&format!("{p}_guard"), x, t - 1, 1, false)?;
    let sticky = if t >= 2 {
        let below = b.slice(&format!("{p}_below"), x, 0, t - 1, false)?;
        Some(b.reduce(&format!("{p}_sticky"), ReduceOp::Or, below)?)
    } else {
        None
    };
    let kept = if t < width {
        Some(b.slice(&format!("{p}_kept"), x, t, width - t, false)?)
    } else {
        None
    };
    let odd = match kept {
        Some(k) => Some(b.slice(&format!("{p}_odd"), k, 0, 1, false)?),
        None => None,
    };
    let tie_break = match (sticky, odd) {
        (Some(s), Some(o)) => Some(b.or(&format!("{p}_tie"), Ty::BIT, s, o)?),
        (Some(x), None) | (None, Some(x)) => Some(x),
        (None, None) => None,
    };
    let up = match tie_break {
        Some(tb) => b.and(&format!("{p}_up"), Ty::BIT, guard, tb)?,
        None => b.constant(&format!("{p}_up"), Ty::BIT, 0)?,
    };
    match kept {
        Some(k) => b.add(&format!("{p}_q"), q_ty, k, up),
        None => b.resize(&format!("{p}_q"), up, q_ty),
    }
}
