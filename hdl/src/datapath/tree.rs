//! A balanced tree of two-input adders, each a separate cell, sized from the
//! exact value range of its inputs and pipelined every few levels.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

/// A signal together with the range of values it can take.
#[derive(Debug, Clone, Copy)]
pub struct Ranged {
    /// The signal.
    pub sig: SignalId,
    /// Smallest value it can take.
    pub lo: i128,
    /// Largest value it can take.
    pub hi: i128,
}

/// The result of an adder tree: the sum and the register stages it passed.
#[derive(Debug, Clone, Copy)]
pub struct TreeSum {
    /// The sum with its range.
    pub sum: Ranged,
    /// Register stages between the terms and the sum.
    pub stages: u32,
}

/// How many values one adder of a tree takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeShape {
    /// Two-input adders (best on LUT4 fabrics with carry chains).
    Add2,
    /// Three-input adders, one cell each (for LUT6 fabrics).
    Add3,
}

impl TreeShape {
    /// Values per adder.
    pub fn arity(self) -> usize {
        match self {
            TreeShape::Add2 => 2,
            TreeShape::Add3 => 3,
        }
    }

    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            TreeShape::Add2 => "add2",
            TreeShape::Add3 => "add3",
        }
    }
}

/// One-bit addends that a tree of two-input adders folds into its adders'
/// carry ins, one per adder (`a + b + c` maps to one carry chain).
pub trait CarryFeed {
    /// The next bit to add, as it stands `stage` register stages after the
    /// tree's terms, or `None` when every bit has been handed out.
    fn next_bit(
        &mut self,
        b: &mut ModuleBuilder,
        stage: u32,
    ) -> Result<Option<SignalId>, BuildError>;
}

/// Adds `terms` level by level with adders of `shape`; after every
/// `stage_levels` levels (0 = never) every value of that level is
/// registered with enable `en`. Adders are sized to the exact range of
/// their sums.
pub fn adder_tree(
    b: &mut ModuleBuilder,
    prefix: &str,
    terms: Vec<Ranged>,
    en: SignalId,
    stage_levels: u32,
    shape: TreeShape,
) -> Result<TreeSum, BuildError> {
    adder_tree_fed(b, prefix, terms, en, (stage_levels, shape), None)
}

/// [`adder_tree`] that adds one bit of `feed` (while it has any) through
/// the carry in of each two-input adder.
pub fn adder_tree_fed(
    b: &mut ModuleBuilder,
    prefix: &str,
    terms: Vec<Ranged>,
    en: SignalId,
    (stage_levels, shape): (u32, TreeShape),
    feed: Option<&mut dyn CarryFeed>,
) -> Result<TreeSum, BuildError> {
    let start = Partial {
        values: terms,
        level: 0,
        stages: 0,
    };
    finish_tree(b, prefix, start, en, (stage_levels, shape), feed)
}

/// [`adder_tree_fed`] over values that are already the sums of its first
/// level (level 1, built by the caller and not yet registered): they are
/// registered as that level would be, and the tree goes on from level 2.
pub fn adder_tree_from(
    b: &mut ModuleBuilder,
    prefix: &str,
    first_level: Vec<Ranged>,
    en: SignalId,
    (stage_levels, shape): (u32, TreeShape),
    feed: Option<&mut dyn CarryFeed>,
) -> Result<TreeSum, BuildError> {
    let (values, staged) = stage_level(b, prefix, 1, first_level, en, stage_levels)?;
    let start = Partial {
        values,
        level: 1,
        stages: u32::from(staged),
    };
    finish_tree(b, prefix, start, en, (stage_levels, shape), feed)
}

/// Where a pipelined tree stands: the values of `level` (registered when
/// that level is a stage) and the register stages passed so far.
struct Partial {
    values: Vec<Ranged>,
    level: u32,
    stages: u32,
}

/// The levels of a pipelined tree above `start`, each level of adders of
/// `shape` registered with enable `en` after every `stage_levels` levels
/// (0 = never), down to the one sum.
fn finish_tree(
    b: &mut ModuleBuilder,
    prefix: &str,
    start: Partial,
    en: SignalId,
    (stage_levels, shape): (u32, TreeShape),
    mut feed: Option<&mut dyn CarryFeed>,
) -> Result<TreeSum, BuildError> {
    let Partial {
        values: mut level_vals,
        mut level,
        mut stages,
    } = start;
    while level_vals.len() > 1 {
        level += 1;
        let fed = feed
            .as_mut()
            .map(|f| (&mut **f as &mut dyn CarryFeed, stages));
        let next = add_level(b, prefix, level, &level_vals, shape, fed)?;
        let (next, staged) = stage_level(b, prefix, level, next, en, stage_levels)?;
        stages += u32::from(staged);
        level_vals = next;
    }
    let sum = only_sum(b, prefix, level_vals)?;
    Ok(TreeSum { sum, stages })
}

/// The values of tree level `level`, registered with enable `en` when the
/// level ends a stage of `stage_levels` levels (0 = never); true when it did.
fn stage_level(
    b: &mut ModuleBuilder,
    prefix: &str,
    level: u32,
    values: Vec<Ranged>,
    en: SignalId,
    stage_levels: u32,
) -> Result<(Vec<Ranged>, bool), BuildError> {
    if stage_levels > 0 && level.is_multiple_of(stage_levels) {
        Ok((register_level(b, prefix, level, &values, en)?, true))
    } else {
        Ok((values, false))
    }
}

/// The sum of `terms` through a tree of adders of `shape` with no
/// registers (combinational), each adder sized to the exact range of its sum.
pub fn sum_tree(
    b: &mut ModuleBuilder,
    prefix: &str,
    terms: Vec<Ranged>,
    shape: TreeShape,
) -> Result<Ranged, BuildError> {
    let mut level_vals = terms;
    let mut level = 0u32;
    while level_vals.len() > 1 {
        level += 1;
        level_vals = add_level(b, prefix, level, &level_vals, shape, None)?;
    }
    only_sum(b, prefix, level_vals)
}

/// One level of a tree: the values added in groups of the shape's arity
/// (a group of one passes through); each pair also adds the next bit of
/// `feed` (taken at the given stage) while it has any.
fn add_level(
    b: &mut ModuleBuilder,
    prefix: &str,
    level: u32,
    values: &[Ranged],
    shape: TreeShape,
    mut feed: Option<(&mut dyn CarryFeed, u32)>,
) -> Result<Vec<Ranged>, BuildError> {
    values
        .chunks(shape.arity())
        .enumerate()
        .map(|(i, group)| {
            let name = format!("{prefix}_l{level}_{i}");
            let carry = match (&mut feed, group) {
                (Some((f, stage)), [_, _]) => f.next_bit(b, *stage)?,
                _ => None,
            };
            Ok(match (group, carry) {
                ([x, y, z], _) => {
                    let (lo, hi) = (x.lo + y.lo + z.lo, x.hi + y.hi + z.hi);
                    let ty = Ty::signed_for_range(lo, hi);
                    let sig = b.add3(&name, ty, x.sig, y.sig, z.sig)?;
                    Ranged { sig, lo, hi }
                }
                ([x, y], Some(c)) => {
                    let (lo, hi) = (x.lo + y.lo, x.hi + y.hi + 1);
                    let ty = Ty::signed_for_range(lo, hi);
                    let sig = b.add3(&name, ty, x.sig, y.sig, c)?;
                    Ranged { sig, lo, hi }
                }
                ([x, y], None) => {
                    let (lo, hi) = (x.lo + y.lo, x.hi + y.hi);
                    let ty = Ty::signed_for_range(lo, hi);
                    let sig = b.add(&name, ty, x.sig, y.sig)?;
                    Ranged { sig, lo, hi }
                }
                ([x], _) => *x,
                _ => unreachable!("chunks of at most three"),
            })
        })
        .collect()
}

/// The one value a finished tree level holds.
fn only_sum(
    b: &ModuleBuilder,
    prefix: &str,
    level_vals: Vec<Ranged>,
) -> Result<Ranged, BuildError> {
    level_vals
        .into_iter()
        .next()
        .ok_or_else(|| BuildError::Invalid {
            module: b.module_name().into(),
            message: format!("adder tree `{prefix}` has no terms"),
        })
}

/// The values of one tree level, each through a register enabled by `en`.
fn register_level(
    b: &mut ModuleBuilder,
    prefix: &str,
    level: u32,
    values: &[Ranged],
    en: SignalId,
) -> Result<Vec<Ranged>, BuildError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let sig = b.register(&format!("{prefix}_l{level}_{i}_q"), v.sig, Some(en), None)?;
            Ok(Ranged { sig, ..*v })
        })
        .collect()
}

/// One value of a [`signed_tree`]: added, or subtracted when `subtract` is set.
#[derive(Debug, Clone, Copy)]
pub struct SignedTerm {
    /// The value with its range.
    pub value: Ranged,
    /// Subtract the value instead of adding it.
    pub subtract: bool,
}

/// Adds and subtracts `terms` pairwise, level by level, one adder or
/// subtractor cell per pair, registered as in [`adder_tree`]. At least one
/// term must be added.
pub fn signed_tree(
    b: &mut ModuleBuilder,
    prefix: &str,
    terms: Vec<SignedTerm>,
    en: SignalId,
    stage_levels: u32,
) -> Result<TreeSum, BuildError> {
    if terms.iter().all(|t| t.subtract) {
        return Err(BuildError::Invalid {
            module: b.module_name().into(),
            message: format!("signed tree `{prefix}` adds no term"),
        });
    }
    let mut level_vals = terms;
    let mut level = 0u32;
    let mut stages = 0u32;
    while level_vals.len() > 1 {
        level += 1;
        let mut next = Vec::with_capacity(level_vals.len().div_ceil(2));
        for (i, pair) in level_vals.chunks(2).enumerate() {
            let name = format!("{prefix}_l{level}_{i}");
            next.push(match pair {
                [x, y] => {
                    let (xv, yv) = (x.value, y.value);
                    match (x.subtract, y.subtract) {
                        (false, true) | (true, false) => {
                            let (p, m) = if y.subtract { (xv, yv) } else { (yv, xv) };
                            let (lo, hi) = (p.lo - m.hi, p.hi - m.lo);
                            let ty = Ty::signed_for_range(lo, hi);
                            let sig = b.sub(&name, ty, p.sig, m.sig)?;
                            SignedTerm {
                                value: Ranged { sig, lo, hi },
                                subtract: false,
                            }
                        }
                        (s, _) => {
                            let (lo, hi) = (xv.lo + yv.lo, xv.hi + yv.hi);
                            let ty = Ty::signed_for_range(lo, hi);
                            let sig = b.add(&name, ty, xv.sig, yv.sig)?;
                            SignedTerm {
                                value: Ranged { sig, lo, hi },
                                subtract: s,
                            }
                        }
                    }
                }
                [x] => *x,
                _ => unreachable!("chunks of at most two"),
            });
        }
        if stage_levels > 0 && level.is_multiple_of(stage_levels) {
            stages += 1;
            let values: Vec<Ranged> = next.iter().map(|t| t.value).collect();
            let stored = register_level(b, prefix, level, &values, en)?;
            for (t, value) in next.iter_mut().zip(stored) {
                t.value = value;
            }
        }
        level_vals = next;
    }
    match level_vals.first() {
        Some(t) if !t.subtract => Ok(TreeSum {
            sum: t.value,
            stages,
        }),
        _ => Err(BuildError::Invalid {
            module: b.module_name().into(),
            message: format!("signed tree `{prefix}` ends negated; put an added term first"),
        }),
    }
}
