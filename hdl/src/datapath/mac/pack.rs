//! Two products that share an activation in one multiplier.
//!
//! For a signed A-bit activation `a` and signed B-bit weights `w0`, `w1`,
//! the packed weight is W = w1 · 2^S + w0 with S = A + B − 1, a signed
//! (A + 2B)-bit value, and one A × (A + 2B) multiply gives
//! P = a · w1 · 2^S + a · w0. Every a · w0 lies in (−2^(S−1), 2^(S−1)], so
//! the low S bits of P name it exactly: it is negative when bit S − 1 is set
//! and some bit below it is too. Then a · w0 is those S bits with that sign
//! bit on top, and a · w1 = ⌊P / 2^S⌋ + sign. Plain IR, no FPGA primitive:
//! a synthesis tool maps the one multiply to one DSP block where it fits.

use crate::ir::{BuildError, ModuleBuilder, ReduceOp, SignalId, Ty};

/// Widest packed weight operand, bits: one 16 × 16 multiplier (iCE40
/// SB_MAC16; ECP5's 18 × 18 and xc7's 25 × 18 take it too).
pub const MAX_PACKED_BITS: u32 = 16;

/// Where the two weights sit in the packed operand of an A-bit × B-bit pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackLayout {
    /// Activation bits (A).
    pub act_bits: u32,
    /// Weight bits (B).
    pub w_bits: u32,
    /// Bit position of the second weight, S = A + B − 1.
    pub shift: u32,
}

impl PackLayout {
    /// The layout for A-bit activations and B-bit weights (both ≥ 2).
    pub fn new(act_bits: u32, w_bits: u32) -> PackLayout {
        PackLayout {
            act_bits,
            w_bits,
            shift: act_bits + w_bits - 1,
        }
    }

    /// Bits of the packed weight operand, A + 2B.
    pub fn packed_bits(&self) -> u32 {
        self.shift + self.w_bits + 1
    }

    /// Bits of the full product, 2A + 2B.
    pub fn product_bits(&self) -> u32 {
        self.act_bits + self.packed_bits()
    }

    /// Bits of each unpacked product, A + B (signed).
    pub fn pair_bits(&self) -> u32 {
        self.act_bits + self.w_bits
    }

    /// Whether the packed multiply fits one [`MAX_PACKED_BITS`]-wide multiplier.
    pub fn fits(&self) -> bool {
        self.act_bits <= MAX_PACKED_BITS && self.packed_bits() <= MAX_PACKED_BITS
    }

    /// The arithmetic the logic performs, on plain integers: `(a·w0, a·w1)`
    /// from one multiply (the reference the tests hold the IR to).
    pub fn model(&self, a: i64, w0: i64, w1: i64) -> (i64, i64) {
        let s = self.shift;
        let p = a * ((w1 << s) + w0);
        let low = p & ((1 << s) - 1);
        let sign = i64::from(low >> (s - 1) == 1 && low & ((1 << (s - 1)) - 1) != 0);
        (low - (sign << s), (p >> s) + sign)
    }
}

/// `a · w0` and `a · w1` (signed `layout.pair_bits()` each) from one
/// multiply of `a` by the packed weight; every name starts with `name`.
pub fn packed_mul(
    b: &mut ModuleBuilder,
    name: &str,
    layout: PackLayout,
    a: SignalId,
    w0: SignalId,
    w1: SignalId,
) -> Result<(SignalId, SignalId), BuildError> {
    let packed = packed_weight(b, name, layout, w0, w1)?;
    let p = b.mul(
        &format!("{name}_p"),
        Ty::signed(layout.product_bits()),
        a,
        packed,
    )?;
    unpack(b, name, layout, p)
}

/// W = w1 · 2^S + w0: w0's low S bits under w1 − [w0 < 0] (B + 1 bits).
fn packed_weight(
    b: &mut ModuleBuilder,
    name: &str,
    layout: PackLayout,
    w0: SignalId,
    w1: SignalId,
) -> Result<SignalId, BuildError> {
    let bb = layout.w_bits;
    let low = b.sext(&format!("{name}_wlo"), w0, layout.shift)?;
    let borrow = b.slice(&format!("{name}_wneg"), w0, bb - 1, 1, true)?;
    let high = b.add(&format!("{name}_whi"), Ty::signed(bb + 1), w1, borrow)?;
    let low_bits = b.slice(&format!("{name}_wlo_u"), low, 0, layout.shift, false)?;
    b.concat(&format!("{name}_w"), &[low_bits, high], true)
}

/// Splits P = a · w1 · 2^S + a · w0 into its two products.
fn unpack(
    b: &mut ModuleBuilder,
    name: &str,
    layout: PackLayout,
    p: SignalId,
) -> Result<(SignalId, SignalId), BuildError> {
    let s = layout.shift;
    let low = b.slice(&format!("{name}_lo"), p, 0, s, false)?;
    let top = b.slice(&format!("{name}_lo_top"), p, s - 1, 1, false)?;
    let below = b.slice(&format!("{name}_lo_rest"), p, 0, s - 1, false)?;
    let any = b.reduce(&format!("{name}_lo_any"), ReduceOp::Or, below)?;
    let sign = b.and(&format!("{name}_lo_neg"), Ty::BIT, top, any)?;
    let p0 = b.concat(&format!("{name}_p0"), &[low, sign], true)?;
    let high = b.slice(&format!("{name}_hi"), p, s, layout.pair_bits(), true)?;
    let p1 = b.add(
        &format!("{name}_p1"),
        Ty::signed(layout.pair_bits()),
        high,
        sign,
    )?;
    Ok((p0, p1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_is_exact_for_every_small_operand() {
        for a_bits in 2..=8u32 {
            for w_bits in 2..=4u32 {
                let l = PackLayout::new(a_bits, w_bits);
                let (amin, amax) = (-(1i64 << (a_bits - 1)), (1i64 << (a_bits - 1)) - 1);
                let (wmin, wmax) = (-(1i64 << (w_bits - 1)), (1i64 << (w_bits - 1)) - 1);
                for a in amin..=amax {
                    for w0 in wmin..=wmax {
                        for w1 in wmin..=wmax {
                            assert_eq!(l.model(a, w0, w1), (a * w0, a * w1), "{l:?} {a} {w0} {w1}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn widths_fit_one_16_by_16_multiplier_up_to_int8_by_int4() {
        let l = PackLayout::new(8, 4);
        assert_eq!((l.shift, l.packed_bits(), l.pair_bits()), (11, 16, 12));
        assert!(l.fits());
        assert!(!PackLayout::new(8, 5).fits());
    }
}
