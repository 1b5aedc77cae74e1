//! Round-to-nearest-even conversion of an exact value to IEEE binary32 bits.

use num_bigint::BigUint;

use super::exact::{Exact, rne_shift_right, sign_magnitude};

/// The binary32 quiet NaN the conversion returns for NaN.
pub const F32_NAN_BITS: u32 = 0x7FC0_0000;
/// The binary32 +Inf bit pattern.
pub const F32_INF_BITS: u32 = 0x7F80_0000;

/// The IEEE binary32 bits of `x` rounded to nearest, ties to even:
/// subnormals kept, overflow to ±Inf, NaN to 0x7FC00000, an exact zero to +0.
pub fn to_f32_rne(x: &Exact) -> u32 {
    let (mant, exp) = match x {
        Exact::NaN => return F32_NAN_BITS,
        Exact::Inf { negative } => return F32_INF_BITS | (u32::from(*negative) << 31),
        Exact::Finite { mant, exp } => (mant, *exp),
    };
    let (negative, mag) = sign_magnitude(mant);
    let sign = u32::from(negative) << 31;
    if mag.bits() == 0 {
        return 0;
    }
    // floor(log2 |x|)
    let top = (mag.bits() as i64 - 1).saturating_add(exp);
    if top >= 128 {
        return sign | F32_INF_BITS;
    }
    // Exponent of the ULP of the result: 24 significant bits, but never
    // below the subnormal ULP 2^-149.
    let mut ulp = top.saturating_sub(23).max(-149);
    let mut r: BigUint = if exp >= ulp {
        mag << (exp - ulp) as u64
    } else {
        rne_shift_right(&mag, ulp.abs_diff(exp))
    };
    if r.bits() > 24 {
        r >>= 1u32;
        ulp += 1;
    }
    let r = r.iter_u32_digits().next().unwrap_or(0);
    if r < (1 << 23) {
        return sign | r;
    }
    let biased = ulp + 150;
    if biased >= 255 {
        return sign | F32_INF_BITS;
    }
    sign | ((biased as u32) << 23) | (r - (1 << 23))
}
