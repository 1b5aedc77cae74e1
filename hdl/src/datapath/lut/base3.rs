//! Base-3 ternary tables (T-MAC / bitnet.cpp TL1, in TL2's symmetric
//! form): one lookup per group of g ternary weights, g = 2 or 3, instead of
//! one per bit-plane.
//!
//! For weights w_i ∈ {−1, 0, +1} of a group, the base-3 index is
//! `idx = Σ (w_i + 1)·3^i ∈ [0, 3^g)` and the table `T[idx] = Σ w_i·a_i`.
//! Writing `c = (3^g − 1)/2` (the index of the all-zero group),
//!
//! ```text
//! v = idx − c = Σ w_i·3^i ∈ [−c, c]        (balanced ternary)
//! −w  ↦  idx' = 3^g − 1 − idx,  v' = −v,   T[idx'] = −T[idx]
//! ```
//!
//! so the table folds about its centre: it keeps the `c + 1 = ⌈3^g/2⌉`
//! sums `h[r] = Σ w_i·a_i` for the groups whose signed index is `r ≥ 0`
//! (those whose top non-zero weight is +1, and the all-zero group), and a
//! lookup reads `sign(v)·h[|v|]`: the sign bit is `v < 0`, the mirrored
//! index is `|v|`. 5 entries for g = 2, 14 for g = 3; `h[0] = 0`.
//!
//! The precompute builds the entries level by level: with `h_i` the table
//! of the first i activations (entries 0..=c_i), `h_{i+1}[u] = h_i[u]` for
//! `u ≤ c_i` and `a_i ± h_i[|u − 3^i|]` above (the sign of `u − 3^i`): one
//! adder or subtractor per new entry but the one that is `a_i` itself,
//! 2 adders for g = 2 and 10 for g = 3.
//!
//! The index fold (sign bit and |v|) is a constant table of the g decoded
//! weights, 2g address bits: one small ROM per column and group.

use std::sync::Arc;

use crate::ir::{BuildError, Module, ModuleBuilder, SignalId, Ty};

use crate::datapath::ternary::Trit;

/// Port names of the base-3 table module.
pub mod ports {
    /// Input vector of the g activations.
    pub const ACT: &str = "a";
    /// Output vector of the non-zero entries h[1..=c] (h[0] = 0 is left out).
    pub const ENTRIES: &str = "h";
}

/// Entries of one table, ⌈3^g/2⌉ (h[0] = 0 included).
pub fn entries(group: u32) -> u32 {
    3u32.pow(group).div_ceil(2)
}

/// Bits of the mirrored index |v|.
pub fn index_bits(group: u32) -> u32 {
    u32::BITS - (entries(group) - 1).leading_zeros()
}

/// The value range of an entry: a sum of at most g activations, each with either sign.
pub fn entry_range(group: u32, act: Ty) -> (i128, i128) {
    let (amin, amax) = (act.min_value(), act.max_value());
    let g = i128::from(group);
    (g * amin.min(-amax), g * amax.max(-amin))
}

/// The type every entry is carried in.
pub fn entry_type(group: u32, act: Ty) -> Ty {
    let (lo, hi) = entry_range(group, act);
    Ty::signed_for_range(lo, hi)
}

/// One entry under construction: its signal (`None` for h[0] = 0) and range.
#[derive(Debug, Clone, Copy)]
struct Entry {
    sig: Option<SignalId>,
    lo: i128,
    hi: i128,
}

/// Builds the table module `name` for groups of `group` activations of type `act`.
pub fn table_module(name: &str, group: u32, act: Ty) -> Result<Arc<Module>, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    let a = b.input_vec(ports::ACT, group as usize, act)?;
    let mut h = vec![Entry {
        sig: None,
        lo: 0,
        hi: 0,
    }];
    for (i, &ai) in a.iter().enumerate() {
        h = next_level(&mut b, &h, ai, i, act)?;
    }
    let ty = entry_type(group, act);
    let out = h[1..]
        .iter()
        .enumerate()
        .map(|(r, e)| {
            let sig = e.sig.ok_or_else(|| BuildError::Invalid {
                module: name.into(),
                message: "a non-zero entry without a signal".into(),
            })?;
            b.resize(&format!("h{}", r + 1), sig, ty)
        })
        .collect::<Result<Vec<_>, _>>()?;
    b.output_vec(ports::ENTRIES, &out)?;
    Ok(Arc::new(b.finish()?))
}

/// The table of the first i + 1 activations from that of the first i (`h`)
/// and activation `ai`: the entries 3^i + v for v ∈ [−c_i, c_i] are added.
fn next_level(
    b: &mut ModuleBuilder,
    h: &[Entry],
    ai: SignalId,
    i: usize,
    act: Ty,
) -> Result<Vec<Entry>, BuildError> {
    let (amin, amax) = (act.min_value(), act.max_value());
    let ci = h.len() as i64 - 1;
    let mut out = h.to_vec();
    for v in -ci..=ci {
        let u = 2 * ci + 1 + v;
        let below = h[v.unsigned_abs() as usize];
        let entry = match below.sig {
            None => Entry {
                sig: Some(ai),
                lo: amin,
                hi: amax,
            },
            Some(t) if v > 0 => {
                let (lo, hi) = (amin + below.lo, amax + below.hi);
                let sig = b.add(&format!("t{i}_{u}"), Ty::signed_for_range(lo, hi), ai, t)?;
                Entry {
                    sig: Some(sig),
                    lo,
                    hi,
                }
            }
            Some(t) => {
                let (lo, hi) = (amin - below.hi, amax - below.lo);
                let sig = b.sub(&format!("t{i}_{u}"), Ty::signed_for_range(lo, hi), ai, t)?;
                Entry {
                    sig: Some(sig),
                    lo,
                    hi,
                }
            }
        };
        out.push(entry);
    }
    Ok(out)
}

/// The signed index v = Σ w_i·3^i of the weights a fold-table address
/// stands for: bit 2i = weight i is non-zero, bit 2i + 1 = weight i is −1.
pub fn signed_index(group: u32, address: u32) -> i64 {
    (0..group)
        .map(|i| {
            let (nz, neg) = (address >> (2 * i) & 1, address >> (2 * i + 1) & 1);
            let w = match (nz, neg) {
                (0, _) => 0,
                (_, 1) => -1,
                _ => 1,
            };
            w * 3i64.pow(i)
        })
        .sum()
}

/// The fold table: per address (as [`signed_index`] reads it), |v| in the
/// low [`index_bits`] bits and the sign bit v < 0 above.
pub fn fold_table(group: u32) -> Vec<i128> {
    let sign = 1i128 << index_bits(group);
    (0..1u32 << (2 * group))
        .map(|a| {
            let v = signed_index(group, a);
            i128::from(v.unsigned_abs()) | if v < 0 { sign } else { 0 }
        })
        .collect()
}

/// The folded lookup of one group of decoded weights: the mirrored index
/// |v| and the sign bit, from one ROM (unregistered).
pub(crate) fn fold(
    b: &mut ModuleBuilder,
    name: &str,
    trits: &[Trit],
) -> Result<(SignalId, SignalId), BuildError> {
    let group = trits.len() as u32;
    let bits: Vec<SignalId> = trits.iter().flat_map(|t| [t.nz, t.neg]).collect();
    let address = b.concat(&format!("{name}_w"), &bits, false)?;
    let rbits = index_bits(group);
    let rom = b.rom(
        &format!("{name}_rom"),
        Ty::unsigned(rbits + 1),
        address,
        &fold_table(group),
    )?;
    let index = b.slice(name, rom, 0, rbits, false)?;
    let negate = b.slice(&format!("{name}_neg"), rom, rbits, 1, false)?;
    Ok((index, negate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    /// Σ w_i·a_i for the balanced-ternary digits of r, straight from the definition.
    fn t(r: i64, a: &[i128]) -> i128 {
        let mut v = r;
        let mut sum = 0;
        for &ai in a {
            let d = (v + 1).rem_euclid(3) - 1;
            sum += i128::from(d) * ai;
            v = (v - d) / 3;
        }
        assert_eq!(v, 0, "r fits the group");
        sum
    }

    fn eval(m: &Module, a: &[i128]) -> Vec<i128> {
        let mut sim = Sim::new(m, 1).unwrap();
        let (input, h) = (sim.input("a").unwrap(), sim.output("h").unwrap());
        for (i, &v) in a.iter().enumerate() {
            sim.set_value(&input, i, 0, v as i64);
        }
        sim.eval();
        (0..h.len())
            .map(|r| sim.get_value(&h, r, 0) as i128)
            .collect()
    }

    #[test]
    fn table_sizes_are_half_of_three_to_the_g() {
        assert_eq!((entries(2), index_bits(2)), (5, 3));
        assert_eq!((entries(3), index_bits(3)), (14, 4));
    }

    #[test]
    fn every_entry_matches_the_definition_at_the_extremes() {
        for g in 2..=3u32 {
            let act = Ty::signed(8);
            let m = table_module("tbl", g, act).unwrap();
            let (lo, hi) = entry_range(g, act);
            for a in super::super::table::int8_groups(g) {
                let got = eval(&m, &a);
                assert_eq!(got.len() as u32, entries(g) - 1);
                for (r, &v) in got.iter().enumerate() {
                    assert_eq!(v, t(r as i64 + 1, &a), "g={g} h[{}] a={a:?}", r + 1);
                    assert!((lo..=hi).contains(&v));
                }
            }
        }
    }

    #[test]
    fn the_fold_is_the_base3_index_mirrored_about_its_centre() {
        for g in 2..=3u32 {
            let c = i64::from((3u32.pow(g) - 1) / 2);
            let rbits = index_bits(g);
            for (a, &e) in fold_table(g).iter().enumerate() {
                let a = a as u32;
                if (0..g).any(|i| a >> (2 * i) & 3 == 0b10) {
                    continue;
                }
                let idx: i64 = (0..g)
                    .map(|i| {
                        let w = signed_index(1, a >> (2 * i) & 3);
                        (w + 1) * 3i64.pow(i)
                    })
                    .sum();
                let (r, neg) = (e & ((1 << rbits) - 1), e >> rbits == 1);
                let mirrored = if neg { 2 * c - idx } else { idx };
                assert_eq!(i128::from(mirrored - c), r, "g={g} address {a:b}");
                assert_eq!(neg, idx < c);
            }
        }
    }
}
