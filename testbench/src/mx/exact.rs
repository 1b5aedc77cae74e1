//! Exact values: NaN, ±Inf, or an integer times a power of two, with the
//! IEEE-like addition and multiplication of the golden model.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, Zero};

/// An exact value. `Finite` is kept normalised (the mantissa is odd, or it
/// is zero with `exp = 0`), so equal values compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Exact {
    /// Not a number.
    NaN,
    /// An infinity.
    Inf {
        /// True for −Inf.
        negative: bool,
    },
    /// `mant · 2^exp`.
    Finite {
        /// The signed integer mantissa (odd, or zero).
        mant: BigInt,
        /// The power of two it is scaled by (0 when `mant` is zero).
        exp: i64,
    },
}

impl Exact {
    /// Exact zero.
    pub fn zero() -> Exact {
        Exact::Finite {
            mant: BigInt::zero(),
            exp: 0,
        }
    }

    /// The exact value `mant · 2^exp`, normalised. Exponents are meant to
    /// stay within ±2^32 (every value this module produces is within ±2^12);
    /// arithmetic on values far outside that range costs memory.
    pub fn finite(mant: BigInt, exp: i64) -> Exact {
        if mant.is_zero() {
            return Exact::zero();
        }
        let tz = mant.trailing_zeros().unwrap_or(0);
        Exact::Finite {
            mant: mant >> tz,
            exp: exp.saturating_add(tz as i64),
        }
    }

    /// The exact value of a binary64 number (NaN and ±Inf map to theirs;
    /// −0 is zero).
    pub fn from_f64(x: f64) -> Exact {
        let bits = x.to_bits();
        let negative = bits >> 63 == 1;
        let exp_field = ((bits >> 52) & 0x7FF) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        if exp_field == 0x7FF {
            return if frac == 0 {
                Exact::Inf { negative }
            } else {
                Exact::NaN
            };
        }
        let (m, e) = if exp_field == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), exp_field - 1075)
        };
        let m = BigInt::from(m);
        Exact::finite(if negative { -m } else { m }, e)
    }

    /// The exact value of a binary32 number (NaN and ±Inf map to theirs;
    /// −0 is zero).
    pub fn from_f32(x: f32) -> Exact {
        Exact::from_f64(f64::from(x))
    }

    /// Whether the value is NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self, Exact::NaN)
    }

    /// Whether the value is finite.
    pub fn is_finite(&self) -> bool {
        matches!(self, Exact::Finite { .. })
    }

    /// The IEEE sum: NaN if either is NaN or for +Inf + −Inf, an infinity
    /// if either is infinite, else the exact sum.
    pub fn add(&self, other: &Exact) -> Exact {
        match (self, other) {
            (Exact::NaN, _) | (_, Exact::NaN) => Exact::NaN,
            (Exact::Inf { negative: a }, Exact::Inf { negative: b }) => {
                if a == b {
                    Exact::Inf { negative: *a }
                } else {
                    Exact::NaN
                }
            }
            (Exact::Inf { negative }, _) | (_, Exact::Inf { negative }) => Exact::Inf {
                negative: *negative,
            },
            (Exact::Finite { mant: ma, exp: ea }, Exact::Finite { mant: mb, exp: eb }) => {
                let e = (*ea).min(*eb);
                let a = ma << ea.abs_diff(e);
                let b = mb << eb.abs_diff(e);
                Exact::finite(a + b, e)
            }
        }
    }

    /// The IEEE product: NaN if either is NaN or for Inf · 0, a signed
    /// infinity if either is infinite, else the exact product.
    pub fn mul(&self, other: &Exact) -> Exact {
        match (self, other) {
            (Exact::NaN, _) | (_, Exact::NaN) => Exact::NaN,
            (Exact::Inf { negative: a }, Exact::Inf { negative: b }) => {
                Exact::Inf { negative: a != b }
            }
            (Exact::Inf { negative }, Exact::Finite { mant, .. })
            | (Exact::Finite { mant, .. }, Exact::Inf { negative }) => {
                if mant.is_zero() {
                    Exact::NaN
                } else {
                    Exact::Inf {
                        negative: *negative != mant.is_negative(),
                    }
                }
            }
            (Exact::Finite { mant: ma, exp: ea }, Exact::Finite { mant: mb, exp: eb }) => {
                Exact::finite(ma * mb, ea.saturating_add(*eb))
            }
        }
    }

    /// `self · 2^k` (NaN and infinities unchanged).
    pub fn scale_pow2(&self, k: i64) -> Exact {
        match self {
            Exact::Finite { mant, exp } => Exact::finite(mant.clone(), exp.saturating_add(k)),
            other => other.clone(),
        }
    }
}

/// `m / 2^s` rounded to the nearest integer, ties to even.
pub(crate) fn rne_shift_right(m: &BigUint, s: u64) -> BigUint {
    if s == 0 {
        return m.clone();
    }
    if s > m.bits() + 1 {
        return BigUint::zero();
    }
    let q = m >> s;
    let rem = m - (&q << s);
    let half = BigUint::one() << (s - 1);
    match rem.cmp(&half) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1u32,
        std::cmp::Ordering::Equal => {
            if q.bit(0) {
                q + 1u32
            } else {
                q
            }
        }
    }
}

/// Splits a signed integer into (negative, magnitude).
pub(crate) fn sign_magnitude(m: &BigInt) -> (bool, BigUint) {
    (m.sign() == Sign::Minus, m.magnitude().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rne_shift_right_ties_to_even() {
        let r = |m: u32, s: u64| rne_shift_right(&BigUint::from(m), s);
        assert_eq!(r(5, 1), BigUint::from(2u32)); // 2.5 → 2
        assert_eq!(r(7, 1), BigUint::from(4u32)); // 3.5 → 4
        assert_eq!(r(13, 2), BigUint::from(3u32)); // 3.25 → 3
        assert_eq!(r(15, 2), BigUint::from(4u32)); // 3.75 → 4
        assert_eq!(r(1, 1), BigUint::zero()); // 0.5 → 0
        assert_eq!(r(3, 2), BigUint::one()); // 0.75 → 1
        assert_eq!(r(u32::MAX, 1000), BigUint::zero());
        assert_eq!(r(9, 0), BigUint::from(9u32));
    }

    #[test]
    fn finite_values_are_normalised() {
        let a = Exact::finite(BigInt::from(12), 3);
        assert_eq!(a, Exact::finite(BigInt::from(3), 5));
        assert_eq!(Exact::finite(BigInt::zero(), 77), Exact::zero());
        let b = Exact::finite(BigInt::from(-3), 5);
        assert_eq!(a.add(&b), Exact::zero());
        assert_eq!(Exact::from_f64(-0.0), Exact::zero());
        assert_eq!(Exact::from_f64(0.75), Exact::finite(BigInt::from(3), -2));
        assert_eq!(
            Exact::from_f32(f32::from_bits(1)),
            Exact::finite(BigInt::one(), -149)
        );
    }
}
