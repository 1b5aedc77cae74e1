//! The `mx-dot` datapath (docs/spec/mx-contract.md): decode every element
//! code to its integer through a ROM, multiply, sum each block exactly in
//! an adder tree, shift each block dot left by its scales' offsets in the
//! windows, add the blocks of a beat, and accumulate the run in the stream
//! shell with a sticky `out_flag`.
//!
//! Pipeline: products are registered on the edge that takes the beat, each
//! block's tree every `stage_levels` levels; the scale facts travel beside
//! them; the shift, the beat's block sum and the accumulator come after.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, ReduceOp, SignalId, Ty};

use super::super::stream::{FlaggedResults, StreamShell, WeightBus};
use super::super::tree::{Ranged, TreeShape, adder_tree};
use super::super::{CoreError, GeneratedCore};
use super::format::{Element, ElementFormat};
use super::fp32::to_fp32;
use super::params::{MxDotParams, OutFormat};
use super::{ACT_SCALE_PORT, FLAG_PORT, NAME, W_SCALE_PORT};

/// One decoded element: its integer and, for formats with NaN/Inf, whether it is one.
#[derive(Debug, Clone, Copy)]
struct Decoded {
    int: SignalId,
    special: Option<SignalId>,
}

/// One block's scale facts: its offset in the window (`None` when the
/// window is one code) and whether the block flags the result.
#[derive(Debug, Clone, Copy)]
struct BlockFacts {
    offset: Option<SignalId>,
    bad: SignalId,
}

/// Builds the `mx-dot` core.
pub fn generate(p: &MxDotParams) -> Result<GeneratedCore, CoreError> {
    p.validate()?;
    let s = &p.spec;
    let acc = p.accumulator();
    let acc_bits = acc.bits.unwrap_or(64);
    let groups = p.groups();
    let mut b = ModuleBuilder::new(&s.name)?;
    let w_bus = WeightBus {
        elems: s.n * s.k,
        ty: Ty::unsigned(s.w_format.bits()),
    };
    let shell = StreamShell::new(&mut b, p.common(), w_bus)?;
    let act_scale = b.input_vec(ACT_SCALE_PORT, s.m * groups, Ty::unsigned(8))?;
    let w_scale = b.input_vec(W_SCALE_PORT, s.n * groups, Ty::unsigned(8))?;

    let act = decode_all(&mut b, "act", s.act_format, &shell.act)?;
    let w = decode_all(&mut b, "w", s.w_format, &shell.w)?;
    let a_win = (s.act_scale_min, s.act_scale_max);
    let w_win = (s.w_scale_min, s.w_scale_max);
    let a_facts = block_facts(&mut b, "act", &act_scale, a_win, &act, s.block)?;
    let w_facts = block_facts(&mut b, "w", &w_scale, w_win, &w, s.block)?;

    let (lo_a, hi_a) = s.act_format.int_range();
    let (lo_w, hi_w) = s.w_format.int_range();
    let corners = [lo_a * lo_w, lo_a * hi_w, hi_a * lo_w, hi_a * hi_w];
    let (lo, hi) = (
        i128::from(*corners.iter().min().unwrap_or(&0)),
        i128::from(*corners.iter().max().unwrap_or(&0)),
    );
    let prod_ty = Ty::signed_for_range(lo, hi);
    let shift_span = acc.span_act + acc.span_w;
    // Every block's exact integer dot, registered products then a tree.
    let mut dots = Vec::with_capacity(s.m * s.n * groups);
    let mut stages = 1;
    for m in 0..s.m {
        for n in 0..s.n {
            for g in 0..groups {
                let tag = format!("m{m}_n{n}_g{g}");
                let prods = (0..s.block)
                    .map(|i| {
                        let k = g * s.block + i;
                        let a = act[m * s.k + k].int;
                        let x = w[n * s.k + k].int;
                        let prod = b.mul(&format!("prod_{tag}_{i}"), prod_ty, a, x)?;
                        let sig =
                            b.register(&format!("prod_{tag}_{i}_q"), prod, Some(shell.en), None)?;
                        Ok(Ranged { sig, lo, hi })
                    })
                    .collect::<Result<Vec<_>, BuildError>>()?;
                let tree = adder_tree(
                    &mut b,
                    &format!("bdot_{tag}"),
                    prods,
                    shell.en,
                    s.stage_levels,
                    TreeShape::Add2,
                )?;
                stages = 1 + tree.stages;
                dots.push(tree.sum);
            }
        }
    }
    // The scale facts, delayed to meet the block dots.
    let a_facts = a_facts
        .into_iter()
        .enumerate()
        .map(|(j, f)| delay(&mut b, &format!("act_blk{j}"), f, stages, shell.en))
        .collect::<Result<Vec<_>, _>>()?;
    let w_facts = w_facts
        .into_iter()
        .enumerate()
        .map(|(j, f)| delay(&mut b, &format!("w_blk{j}"), f, stages, shell.en))
        .collect::<Result<Vec<_>, _>>()?;
    // Each block dot aligned, a beat's blocks summed, the beat's flag.
    let mut sums = Vec::with_capacity(s.m * s.n);
    let mut flags = Vec::with_capacity(s.m * s.n);
    for m in 0..s.m {
        for n in 0..s.n {
            let mut terms = Vec::with_capacity(groups);
            let mut bad = Vec::with_capacity(groups);
            for g in 0..groups {
                let tag = format!("m{m}_n{n}_g{g}");
                let (fa, fw) = (a_facts[m * groups + g], w_facts[n * groups + g]);
                bad.push(b.or(&format!("bad_{tag}"), Ty::BIT, fa.bad, fw.bad)?);
                let offset = add_offsets(&mut b, &tag, fa.offset, fw.offset, shift_span)?;
                let dot = dots[(m * s.n + n) * groups + g];
                terms.push(shift_block(
                    &mut b, &tag, dot, offset, acc_bits, shift_span,
                )?);
            }
            let sum = adder_tree(
                &mut b,
                &format!("beat_m{m}_n{n}"),
                terms,
                shell.en,
                0,
                TreeShape::Add2,
            )?;
            sums.push(sum.sum);
            flags.push(any(&mut b, &format!("bad_m{m}_n{n}"), &bad)?);
        }
    }
    let out = s.out_format;
    let lsb_exp = acc.lsb_exp;
    let acc_ty = Ty::signed(acc_bits);
    let zero = b.constant("y_flagged", acc_ty, 0)?;
    let mut result = |b: &mut ModuleBuilder, i: usize, next: SignalId, flag: SignalId| match out {
        OutFormat::Fixed => b.mux(&format!("y_in_{i}"), acc_ty, flag, zero, next),
        OutFormat::Fp32 => to_fp32(b, &format!("f32_{i}"), next, flag, lsb_exp),
    };
    let timing = shell.finish_flagged(
        &mut b,
        &sums,
        stages,
        acc_bits,
        Some(FlaggedResults {
            port: FLAG_PORT,
            flags: &flags,
            result: &mut result,
        }),
    )?;
    let macs = (s.m * s.n * s.k) as f64;
    Ok(GeneratedCore {
        module: b.finish()?,
        kind: NAME,
        acc_bits: match out {
            OutFormat::Fixed => acc_bits,
            OutFormat::Fp32 => 32,
        },
        latency: timing.latency,
        throughput: 1.0,
        macs_per_cycle: macs,
    })
}

/// Each code decoded through a ROM to its integer, and a NaN/Inf bit for formats that have them.
fn decode_all(
    b: &mut ModuleBuilder,
    prefix: &str,
    fmt: ElementFormat,
    codes: &[SignalId],
) -> Result<Vec<Decoded>, BuildError> {
    let bits = fmt.bits();
    let table: Vec<Element> = (0..1u32 << bits).map(|c| fmt.element(c)).collect();
    let ints: Vec<i128> = table
        .iter()
        .map(|e| match e {
            Element::Finite(v) => i128::from(*v),
            Element::Special => 0,
        })
        .collect();
    let specials: Vec<i128> = table
        .iter()
        .map(|e| i128::from(*e == Element::Special))
        .collect();
    let (lo, hi) = fmt.int_range();
    let int_ty = Ty::signed_for_range(i128::from(lo), i128::from(hi));
    codes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let addr = b.slice(&format!("{prefix}_code_{i}"), c, 0, bits, false)?;
            let int = b.rom(&format!("{prefix}_int_{i}"), int_ty, addr, &ints)?;
            let special = if fmt.has_specials() {
                Some(b.rom(&format!("{prefix}_special_{i}"), Ty::BIT, addr, &specials)?)
            } else {
                None
            };
            Ok(Decoded { int, special })
        })
        .collect()
}

/// For each (row, block): the scale's offset from the window's bottom and
/// the flag (scale outside the window, or a NaN/Inf element in the block).
fn block_facts(
    b: &mut ModuleBuilder,
    prefix: &str,
    scales: &[SignalId],
    (min, max): (u8, u8),
    elems: &[Decoded],
    block: usize,
) -> Result<Vec<BlockFacts>, BuildError> {
    let span = u32::from(max - min);
    let off_bits = bitlen(span);
    let lo = b.constant(
        &format!("{prefix}_scale_min"),
        Ty::unsigned(8),
        i128::from(min),
    )?;
    let hi = b.constant(
        &format!("{prefix}_scale_max"),
        Ty::unsigned(8),
        i128::from(max),
    )?;
    scales
        .iter()
        .enumerate()
        .map(|(j, &e)| {
            let tag = format!("{prefix}_blk{j}");
            let above = b.compare(&format!("{tag}_above_max"), CmpOp::Gt, e, hi)?;
            let mut out = above;
            if min > 0 {
                let below = b.compare(&format!("{tag}_below_min"), CmpOp::Lt, e, lo)?;
                out = b.or(&format!("{tag}_outside"), Ty::BIT, above, below)?;
            }
            let specials: Vec<SignalId> = elems[j * block..(j + 1) * block]
                .iter()
                .filter_map(|d| d.special)
                .collect();
            let bad = if specials.is_empty() {
                out
            } else {
                let any_special = any(b, &format!("{tag}_special"), &specials)?;
                b.or(&format!("{tag}_bad"), Ty::BIT, out, any_special)?
            };
            let offset = if span == 0 {
                None
            } else {
                let diff = b.sub(&format!("{tag}_offset_full"), Ty::unsigned(8), e, lo)?;
                Some(b.slice(&format!("{tag}_offset"), diff, 0, off_bits, false)?)
            };
            Ok(BlockFacts { offset, bad })
        })
        .collect()
}

/// `facts` registered `stages` times with enable `en`, to meet the block dot.
fn delay(
    b: &mut ModuleBuilder,
    prefix: &str,
    mut facts: BlockFacts,
    stages: u32,
    en: SignalId,
) -> Result<BlockFacts, BuildError> {
    for s in 1..=stages {
        facts.bad = b.register(&format!("{prefix}_bad_s{s}"), facts.bad, Some(en), None)?;
        if let Some(o) = facts.offset {
            facts.offset = Some(b.register(&format!("{prefix}_offset_s{s}"), o, Some(en), None)?);
        }
    }
    Ok(facts)
}

/// The block's total shift, `offset_act + offset_w`, in bitlen(span) bits.
fn add_offsets(
    b: &mut ModuleBuilder,
    tag: &str,
    a: Option<SignalId>,
    w: Option<SignalId>,
    span: u32,
) -> Result<Option<SignalId>, BuildError> {
    Ok(match (a, w) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some(x), Some(y)) => {
            Some(b.add(&format!("shift_{tag}"), Ty::unsigned(bitlen(span)), x, y)?)
        }
    })
}

/// The block dot shifted left by `offset` (a barrel of one stage per
/// offset bit), as a term of the beat's sum.
fn shift_block(
    b: &mut ModuleBuilder,
    tag: &str,
    dot: Ranged,
    offset: Option<SignalId>,
    acc_bits: u32,
    span: u32,
) -> Result<Ranged, BuildError> {
    let Some(offset) = offset else {
        return Ok(dot);
    };
    let (lo, hi) = (dot.lo.min(0) << span, dot.hi.max(0) << span);
    let ty = Ty::signed_for_range(lo, hi);
    debug_assert!(ty.width <= acc_bits);
    let mut x = b.resize(&format!("aligned_{tag}_0"), dot.sig, ty)?;
    for j in 0..b.ty(offset).width {
        let bit = b.slice(&format!("shift_{tag}_b{j}"), offset, j, 1, false)?;
        let moved = b.shl(&format!("aligned_{tag}_{j}_moved"), ty, x, 1 << j)?;
        x = b.mux(&format!("aligned_{tag}_{}", j + 1), ty, bit, moved, x)?;
    }
    Ok(Ranged { sig: x, lo, hi })
}

/// OR of one-bit signals.
fn any(b: &mut ModuleBuilder, name: &str, bits: &[SignalId]) -> Result<SignalId, BuildError> {
    match bits {
        [one] => Ok(*one),
        _ => {
            let all = b.concat(&format!("{name}_bits"), bits, false)?;
            b.reduce(name, ReduceOp::Or, all)
        }
    }
}

/// Bits of an unsigned value (`bitlen(0) = 0`).
fn bitlen(x: u32) -> u32 {
    32 - x.leading_zeros()
}
