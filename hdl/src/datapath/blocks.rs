//! Small building blocks every generator can use, each a few builder calls
//! that name their signals after one `name`: selection trees, delay lines,
//! exact shifts and halvings of ranged values, replicated bits and a
//! wrapping counter.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

use super::tree::Ranged;

/// `items[sel]` as a tree of 2:1 multiplexers, one level per bit of `sel`
/// from bit 0 (combinational, latency 0). Select bit k is the slice
/// `{name}_{bit_tag}{k}` and the i-th multiplexer of level k is
/// `{name}_{mux_tag}{k}_{i}`; an odd item out passes a level unchanged.
/// Indices past the last item read one of the items (callers never use them).
pub fn mux_tree(
    b: &mut ModuleBuilder,
    name: &str,
    (bit_tag, mux_tag): (&str, &str),
    sel: SignalId,
    items: &[SignalId],
) -> Result<SignalId, BuildError> {
    let Some(&first) = items.first() else {
        return Err(BuildError::Invalid {
            module: b.module_name().into(),
            message: format!("multiplexer tree `{name}` has no items"),
        });
    };
    let ty = b.ty(first);
    let mut level = items.to_vec();
    let mut bit = 0;
    while level.len() > 1 {
        let s = b.slice(&format!("{name}_{bit_tag}{bit}"), sel, bit, 1, false)?;
        level = level
            .chunks(2)
            .enumerate()
            .map(|(i, pair)| match pair {
                [lo, hi] => b.mux(&format!("{name}_{mux_tag}{bit}_{i}"), ty, s, *hi, *lo),
                [only] => Ok(*only),
                _ => unreachable!("chunks of at most two"),
            })
            .collect::<Result<_, _>>()?;
        bit += 1;
    }
    Ok(level[0])
}

/// `s` through `stages` registers `{name}1` … `{name}{stages}`, each loading
/// when `en` is 1: latency `stages` enabled cycles (0 is `s` itself).
pub fn delay(
    b: &mut ModuleBuilder,
    name: &str,
    s: SignalId,
    stages: u32,
    en: SignalId,
) -> Result<SignalId, BuildError> {
    let mut v = s;
    for i in 1..=stages {
        v = b.register(&format!("{name}{i}"), v, Some(en), None)?;
    }
    Ok(v)
}

/// `v` · 2^k with its range, as the signal `name` sized to that range
/// (combinational; k = 0 is `v` itself and makes nothing).
pub fn shifted(b: &mut ModuleBuilder, name: &str, v: Ranged, k: u32) -> Result<Ranged, BuildError> {
    if k == 0 {
        return Ok(v);
    }
    let (lo, hi) = (v.lo << k, v.hi << k);
    let sig = b.shl(name, Ty::signed_for_range(lo, hi), v.sig, k)?;
    Ok(Ranged { sig, lo, hi })
}

/// v / 2 of an even, signed `v` as the signal `name`: its bits above bit 0
/// (combinational, no logic).
pub fn halve(b: &mut ModuleBuilder, name: &str, v: Ranged) -> Result<Ranged, BuildError> {
    let width = b.ty(v.sig).width;
    let sig = b.slice(name, v.sig, 1, width - 1, true)?;
    Ok(Ranged {
        sig,
        lo: v.lo.div_euclid(2),
        hi: v.hi.div_euclid(2),
    })
}

/// The one-bit `bit` copied into every bit of `ty` as the signal `name`:
/// all ones when `bit` is 1, zero otherwise (a mask for XOR or AND).
pub fn fill(
    b: &mut ModuleBuilder,
    name: &str,
    bit: SignalId,
    ty: Ty,
) -> Result<SignalId, BuildError> {
    b.extend(name, bit, ty, true)
}

/// A counter register `name` of ⌈log2 period⌉ bits, reset to 0 by `rst`,
/// that steps through 0 … period − 1: made in two steps, [`Counter::new`]
/// (the register) and [`Counter::advance`] (its next value), so that the
/// logic that decides whether it counts on can read it in between.
#[derive(Debug, Clone)]
pub struct Counter {
    /// The count, 0 … period − 1.
    pub value: SignalId,
    /// Its type.
    pub ty: Ty,
    name: String,
    period: u32,
}

impl Counter {
    /// Declares the counter register of a count of `period` ≥ 2 values.
    pub fn new(
        b: &mut ModuleBuilder,
        name: &str,
        period: u32,
        rst: SignalId,
    ) -> Result<Counter, BuildError> {
        let ty = Ty::unsigned(32 - (period - 1).leading_zeros());
        let value = b.reg(name, ty, Some((rst, 0)))?;
        Ok(Counter {
            value,
            ty,
            name: name.into(),
            period,
        })
    }

    /// One bit, `{name}_is_last`: the count is period − 1 (combinational).
    pub fn at_last(&self, b: &mut ModuleBuilder) -> Result<SignalId, BuildError> {
        let last = b.constant(
            &format!("{}_last_value", self.name),
            self.ty,
            i128::from(self.period - 1),
        )?;
        b.compare(
            &format!("{}_is_last", self.name),
            CmpOp::Eq,
            self.value,
            last,
        )
    }

    /// Drives the counter: on an edge where `en` is 1 it counts up by one
    /// when `more` is 1 and returns to 0 when it is 0 (latency 1).
    pub fn advance(
        self,
        b: &mut ModuleBuilder,
        more: SignalId,
        en: SignalId,
    ) -> Result<(), BuildError> {
        let name = &self.name;
        let one = b.constant(&format!("{name}_one"), self.ty, 1)?;
        let inc = b.add(&format!("{name}_inc"), self.ty, self.value, one)?;
        let zero = b.constant(&format!("{name}_zero"), self.ty, 0)?;
        let next = b.mux(&format!("{name}_next"), self.ty, more, inc, zero)?;
        b.drive(self.value, next, Some(en))
    }
}
