//! The table precompute of a LUT core (docs/spec/algorithms.md §4), a module of its
//! own so that its cost shows apart from the lookups: for g activations it
//! outputs the symmetric half of the table of every ±1 partial sum,
//!
//! ```text
//! h[r] = T[r | 2^(g−1)] = a[g−1] + Σ_{i<g−1} (2·bit_i(r) − 1)·a[i]
//! ```
//!
//! 2^(g−1) entries. Every entry is built with one adder or subtractor from
//! two smaller signed-sum sets (the sums over the first and second half of
//! the activations), 2^(g−1) adders at the last level and fewer below: 12
//! adders for g = 4.

use std::sync::Arc;

use crate::ir::{BuildError, Module, ModuleBuilder, SignalId, Ty};

/// Port names of the table module.
pub mod ports {
    /// Input vector of the g activations.
    pub const ACT: &str = "a";
    /// Output vector of the 2^(g−1) entries.
    pub const ENTRIES: &str = "h";
}

/// One signed sum: Σ sign_i·a_i over some activations, with the signs as a
/// bit mask (bit i set: +a_i) and the value range.
#[derive(Debug, Clone, Copy)]
struct SignedSum {
    sig: SignalId,
    plus: u32,
    lo: i128,
    hi: i128,
}

/// The value range of one entry (every entry is a sum of g signed
/// activations), the same for every entry but built exactly.
pub fn entry_range(group: u32, act: Ty) -> (i128, i128) {
    let (amin, amax) = (act.min_value(), act.max_value());
    // The fixed +a[g−1], then g−1 terms that are either +a or −a.
    let lo = amin + (group as i128 - 1) * amin.min(-amax);
    let hi = amax + (group as i128 - 1) * amax.max(-amin);
    (lo, hi)
}

/// The type every entry is carried in.
pub fn entry_type(group: u32, act: Ty) -> Ty {
    let (lo, hi) = entry_range(group, act);
    Ty::signed_for_range(lo, hi)
}

/// Builds the table module `name` for groups of `group` activations of type `act`.
pub fn table_module(name: &str, group: u32, act: Ty) -> Result<Arc<Module>, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    let a = b.input_vec(ports::ACT, group as usize, act)?;
    let leaves: Vec<(SignalId, u32)> = (0..group as usize).map(|i| (a[i], i as u32)).collect();
    // The top activation first: it is the one whose sign is fixed at +.
    let mut order = leaves.clone();
    order.rotate_right(1);
    let sums = half_sums(&mut b, &order, act)?;
    let ty = entry_type(group, act);
    let mask = (1u32 << (group - 1)) - 1;
    let mut entries = vec![None; 1 << (group - 1)];
    for s in sums {
        let r = (s.plus & mask) as usize;
        let sig = b.resize(&format!("h{r}"), s.sig, ty)?;
        entries[r] = Some(sig);
    }
    let entries: Vec<SignalId> =
        entries
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| BuildError::Invalid {
                module: name.into(),
                message: "the table misses an entry".into(),
            })?;
    b.output_vec(ports::ENTRIES, &entries)?;
    Ok(Arc::new(b.finish()?))
}

/// Every signed sum of `elems` whose first element has sign +: 2^(n−1) of
/// them. Built from the two halves' sets: x + y and x − y.
fn half_sums(
    b: &mut ModuleBuilder,
    elems: &[(SignalId, u32)],
    act: Ty,
) -> Result<Vec<SignedSum>, BuildError> {
    if let [(sig, i)] = elems {
        return Ok(vec![SignedSum {
            sig: *sig,
            plus: 1 << i,
            lo: act.min_value(),
            hi: act.max_value(),
        }]);
    }
    let (left, right) = elems.split_at(elems.len() / 2);
    let xs = half_sums(b, left, act)?;
    let ys = half_sums(b, right, act)?;
    let right_bits: u32 = right.iter().map(|&(_, i)| 1 << i).sum();
    let mut out = Vec::with_capacity(xs.len() * ys.len() * 2);
    for x in &xs {
        for y in &ys {
            let plus = x.plus | y.plus;
            let (lo, hi) = (x.lo + y.lo, x.hi + y.hi);
            let sig = b.add(
                &format!("s{plus:x}_{}", right_bits),
                Ty::signed_for_range(lo, hi),
                x.sig,
                y.sig,
            )?;
            out.push(SignedSum { sig, plus, lo, hi });
            // x − y flips every sign of y.
            let plus = x.plus | (right_bits & !y.plus);
            let (lo, hi) = (x.lo - y.hi, x.hi - y.lo);
            let sig = b.sub(
                &format!("s{plus:x}_{}", right_bits),
                Ty::signed_for_range(lo, hi),
                x.sig,
                y.sig,
            )?;
            out.push(SignedSum { sig, plus, lo, hi });
        }
    }
    Ok(out)
}

/// Groups of g int8 activations that reach the extremes of every entry,
/// for the tests of the table modules.
#[cfg(test)]
pub(crate) fn int8_groups(g: u32) -> Vec<Vec<i128>> {
    vec![
        vec![-128; g as usize],
        vec![127; g as usize],
        (0..g as i128)
            .map(|i| if i % 2 == 0 { -128 } else { 127 })
            .collect(),
        (0..g as i128).map(|i| 37 * i - 90).collect(),
        vec![3, -1, 2, 5, -7, 11][..g as usize].to_vec(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    /// T[idx] of docs/spec/algorithms.md §4, straight from the definition.
    fn t(idx: usize, a: &[i128]) -> i128 {
        a.iter()
            .enumerate()
            .map(|(i, &v)| if idx >> i & 1 == 1 { v } else { -v })
            .sum()
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
    fn the_worked_example_of_the_spec() {
        let a = [3, -1, 2, 5];
        assert_eq!(t(0b1111, &a), 9);
        assert_eq!(t(0b0110, &a), -7);
        assert_eq!(t(0b1001, &a), 7);
        let m = table_module("tbl", 4, Ty::signed(8)).unwrap();
        let got = eval(&m, &a);
        for (r, &v) in got.iter().enumerate() {
            assert_eq!(v, t(r | 8, &a), "h[{r}]");
        }
        // The symmetric half: T[~idx] = −T[idx].
        assert_eq!(got[0b001], -t(0b0110, &a));
    }

    #[test]
    fn every_group_size_matches_the_definition_at_the_extremes() {
        for g in 2..=6u32 {
            let act = Ty::signed(8);
            let m = table_module("tbl", g, act).unwrap();
            let (lo, hi) = entry_range(g, act);
            for a in int8_groups(g) {
                let got = eval(&m, &a);
                assert_eq!(got.len(), 1 << (g - 1));
                for (r, &v) in got.iter().enumerate() {
                    assert_eq!(v, t(r | 1 << (g - 1), &a), "g={g} h[{r}] a={a:?}");
                    assert!((lo..=hi).contains(&v));
                }
            }
        }
    }
}
