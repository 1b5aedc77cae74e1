//! The table writer of a LUT core whose tables live in LUT RAM: a module of
//! its own (like [`super::table`]) that computes one entry of the symmetric
//! half-table a cycle, the one the write counter `r` names:
//!
//! ```text
//! h[r] = a[g−1] + Σ_{i<g−1} (2·bit_i(r) − 1)·a[i]
//!      = a[g−1] + Σ_{i<g−1} (a[i] XOR ¬bit_i(r)) + zeros(r)
//! ```
//!
//! where `zeros(r)` counts the zero bits of r: each −a is written as the
//! one's complement ~a = −a − 1, and the +1s are added once. That is g
//! adders for any g (3 XOR-fed adders and one for the count at g = 4),
//! against the 2^g − 4 of the all-at-once table: a LUT-RAM table is written
//! over 2^(g−1) cycles anyway.

use std::sync::Arc;

use crate::datapath::blocks::fill;
use crate::datapath::tree::{Ranged, TreeShape, sum_tree};
use crate::ir::{BuildError, Module, ModuleBuilder, Ty};

use super::table::entry_type;

/// Port names of the writer module.
pub mod ports {
    /// Input vector of the g activations.
    pub const ACT: &str = "a";
    /// Input: the entry number r, g−1 bits.
    pub const ENTRY_NUMBER: &str = "r";
    /// Output: the entry h[r].
    pub const ENTRY: &str = "h";
}

/// Builds the writer module `name` for groups of `group` activations of type `act`.
pub fn writer_module(name: &str, group: u32, act: Ty) -> Result<Arc<Module>, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    let g = group as usize;
    let a = b.input_vec(ports::ACT, g, act)?;
    let r = b.input(ports::ENTRY_NUMBER, Ty::unsigned(group - 1))?;
    // a[g−1] with sign +, then a[i] or its one's complement (both in the act range).
    let (lo, hi) = (act.min_value(), act.max_value());
    let mut terms = vec![Ranged {
        sig: a[g - 1],
        lo,
        hi,
    }];
    for (i, &ai) in a.iter().enumerate().take(g - 1) {
        let bit = b.slice(&format!("r{i}"), r, i as u32, 1, false)?;
        let minus = b.not(&format!("minus{i}"), Ty::BIT, bit)?;
        let mask = fill(&mut b, &format!("mask{i}"), minus, act)?;
        let sig = b.xor(&format!("x{i}"), act, ai, mask)?;
        terms.push(Ranged { sig, lo, hi });
    }
    let zeros: Vec<i128> = (0..1u32 << (group - 1))
        .map(|v| i128::from(group - 1 - v.count_ones()))
        .collect();
    let count = b.rom(
        "zeros",
        Ty::unsigned(32 - (group - 1).leading_zeros()),
        r,
        &zeros,
    )?;
    terms.push(Ranged {
        sig: count,
        lo: 0,
        hi: i128::from(group - 1),
    });
    let sum = sum_tree(&mut b, "s", terms, TreeShape::Add2)?;
    // The exact entry is within the entry range, so dropping top bits keeps it.
    let h = b.resize("entry", sum.sig, entry_type(group, act))?;
    b.output(ports::ENTRY, h)?;
    Ok(Arc::new(b.finish()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datapath::lut::table::{entry_range, int8_groups};
    use crate::sim::Sim;

    /// h[r] straight from the definition.
    fn h(r: usize, a: &[i128]) -> i128 {
        let g = a.len();
        a[g - 1]
            + (0..g - 1)
                .map(|i| if r >> i & 1 == 1 { a[i] } else { -a[i] })
                .sum::<i128>()
    }

    #[test]
    fn every_entry_of_every_group_size_matches_the_definition() {
        for g in 2..=6u32 {
            let act = Ty::signed(8);
            let m = writer_module("wr", g, act).unwrap();
            let mut sim = Sim::new(&m, 1).unwrap();
            let (pa, pr, ph) = (
                sim.input("a").unwrap(),
                sim.input("r").unwrap(),
                sim.output("h").unwrap(),
            );
            let (lo, hi) = entry_range(g, act);
            for a in int8_groups(g) {
                for (i, &v) in a.iter().enumerate() {
                    sim.set_value(&pa, i, 0, v as i64);
                }
                for r in 0..1usize << (g - 1) {
                    sim.set(&pr, 0, 0, r as u64);
                    let got = i128::from(sim.get_value(&ph, 0, 0));
                    assert_eq!(got, h(r, &a), "g={g} r={r} a={a:?}");
                    assert!((lo..=hi).contains(&got));
                }
            }
        }
    }

    #[test]
    fn exhaustive_over_small_activations() {
        let act = Ty::signed(3);
        let m = writer_module("wr", 3, act).unwrap();
        let mut sim = Sim::new(&m, 1).unwrap();
        let (pa, pr, ph) = (
            sim.input("a").unwrap(),
            sim.input("r").unwrap(),
            sim.output("h").unwrap(),
        );
        for code in 0..512u32 {
            let a: Vec<i128> = (0..3)
                .map(|i| act.decode(u64::from(code >> (3 * i))))
                .collect();
            for (i, &v) in a.iter().enumerate() {
                sim.set_value(&pa, i, 0, v as i64);
            }
            for r in 0..4usize {
                sim.set(&pr, 0, 0, r as u64);
                assert_eq!(
                    i128::from(sim.get_value(&ph, 0, 0)),
                    h(r, &a),
                    "a={a:?} r={r}"
                );
            }
        }
    }
}
