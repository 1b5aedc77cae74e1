//! `ternary-gemv`: the BitNet b1.58 datapath (docs/spec/algorithms.md §3). Each
//! ternary weight selects +a, −a or 0 for its activation and a tree of
//! adders sums the K terms of each output; no multiplier anywhere.
//!
//! Pipeline: the edge that takes a beat registers the activations and the
//! decoded weights (two bits each: non-zero, negative), or with
//! `input_register = terms` each selected term and the −1 bits; the tree is
//! registered every `stage_levels` levels; the dot product (with N_neg added) is registered; the stream
//! shell accumulates runs in front of the output register.
//!
//! Negation, by default, uses the exact N_neg form: a term is
//! `(a XOR {A{neg}}) AND {A{nz}}` (that is −a−1 for a −1 weight) and the
//! count of −1 weights is added back: by default one −1 bit through the
//! carry in of each two-input adder of the tree (`a + b + c` is one carry
//! chain; the one bit left over is added to the dot), or as a popcount tree
//! beside the main tree (`neg_count = popcount`, and always with three-input
//! adders). The `negate` option builds `nz ? (neg ? −a : a) : 0` instead.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ir::{BuildError, Module, ModuleBuilder, SignalId, Ty};

use super::blocks::fill;
use super::core::{
    Axis, Choice, CoreParams, Lit, ParamDefault, ParamKind, ParamSpec, common_specs,
    stage_levels_spec,
};
use super::hierarchy::{Hierarchy, hierarchy_spec};
use super::params::{CommonParams, ParamError, WeightFormat, validate_stage_levels};
use super::stream::{StreamShell, WeightBus};
use super::tree::{
    CarryFeed, Ranged, TreeShape, TreeSum, adder_tree, adder_tree_fed, adder_tree_from, sum_tree,
};
use super::{CoreError, GeneratedCore};

/// How a −1 weight negates its activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Negation {
    /// XOR/AND select and one popcount of the −1 weights added per output (no +1 per term).
    Nneg,
    /// A two's-complement negate and a mux per term.
    Negate,
}

impl Negation {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            Negation::Nneg => "nneg",
            Negation::Negate => "negate",
        }
    }
}

/// How the N_neg form adds back its count of −1 weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NegCount {
    /// One −1 bit through the carry in of each two-input adder (no popcount
    /// tree; a `--tree add3` core keeps the popcount).
    #[default]
    Carry,
    /// A popcount tree of the −1 bits beside the main tree, added once.
    Popcount,
}

impl NegCount {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            NegCount::Carry => "carry",
            NegCount::Popcount => "popcount",
        }
    }
}

/// How ternary weights arrive on `in_w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightPacking {
    /// The contract's 2-bit codes, N·K of them (00→0, 01→+1, 11→−1, 10→0).
    Codes,
    /// Five weights per byte, byte = Σ_{i<5} (w_i + 1)·3^i; N·⌈K/5⌉ bytes (1.6 bits a weight).
    Base3,
    /// bitnet.cpp's I2_S code: 2 bits, code = w + 1 (code 3 reads as 0).
    I2s,
}

impl WeightPacking {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            WeightPacking::Codes => "codes",
            WeightPacking::Base3 => "base3",
            WeightPacking::I2s => "i2s",
        }
    }

    /// The `in_w` bus of an N×K tile.
    pub fn bus(self, n: usize, k: usize) -> WeightBus {
        match self {
            WeightPacking::Codes | WeightPacking::I2s => WeightBus {
                elems: n * k,
                ty: Ty::unsigned(2),
            },
            WeightPacking::Base3 => WeightBus {
                elems: n * k.div_ceil(5),
                ty: Ty::unsigned(8),
            },
        }
    }
}

/// How the first adder level is built for a target's fabric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CarryMap {
    /// Generic Verilog: every term is its own select, every adder a `+`.
    #[default]
    Generic,
    /// ECP5: the first level adds pairs of terms with one term's select
    /// fused into the `CCU2C` carry cells ([`crate::ir::Def::SelectAdd`]),
    /// one LUT4 per bit for the other term (N_neg negation only).
    Ecp5,
}

impl CarryMap {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            CarryMap::Generic => "generic",
            CarryMap::Ecp5 => "ecp5",
        }
    }
}

/// Where the edge that takes a beat registers the datapath's inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputRegister {
    /// The activations (shared by the N columns) and the decoded weights;
    /// each term's select follows the registers.
    #[default]
    Operands,
    /// Each term a·w (M·N·K of them) and the −1 bits: the select sits in
    /// front of its register, so on an iCE40 the two share one logic cell
    /// and the operands need none (generic map only).
    Terms,
}

impl InputRegister {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            InputRegister::Operands => "operands",
            InputRegister::Terms => "terms",
        }
    }
}

/// Parameters of `ternary-gemv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TernaryGemvParams {
    /// Shape, run length and name (`w_format` must be `ternary`, `w_bits` 2).
    #[serde(flatten)]
    pub common: CommonParams,
    /// A register stage after every this many adder-tree levels, 1..=8.
    pub stage_levels: u32,
    /// How −1 weights negate.
    pub negation: Negation,
    /// How the N_neg form adds its count of −1 weights.
    #[serde(default)]
    pub neg_count: NegCount,
    /// Two- or three-input adders.
    pub tree: TreeShape,
    /// How weights arrive on `in_w`.
    pub w_packing: WeightPacking,
    /// Target-specific mapping of the first adder level.
    #[serde(default)]
    pub map: CarryMap,
    /// What the input edge registers: the operands or the selected terms.
    #[serde(default)]
    pub input_register: InputRegister,
    /// One module per output column instantiated N times, or all flat.
    #[serde(default)]
    pub hierarchy: Hierarchy,
}

impl TernaryGemvParams {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.common.w_format != WeightFormat::Ternary {
            let what = if self.w_packing == WeightPacking::Codes {
                "ternary-gemv takes ternary weights; use --w-format ternary".to_string()
            } else {
                format!(
                    "--w-packing {} packs ternary weights; use --w-format ternary",
                    self.w_packing.name()
                )
            };
            return Err(ParamError {
                param: "w-format",
                value: self.common.w_format.name().into(),
                reason: what,
            });
        }
        self.common.validate()?;
        if self.map == CarryMap::Ecp5
            && (self.negation != Negation::Nneg || self.tree != TreeShape::Add2)
        {
            return Err(ParamError::new(
                "map",
                self.map.name(),
                "the ECP5 carry mapping fuses the N_neg select into two-input adders; use --negation nneg --tree add2, or --map generic",
            ));
        }
        if self.map == CarryMap::Ecp5 && self.input_register == InputRegister::Terms {
            return Err(ParamError::new(
                "input-register",
                self.input_register.name(),
                "the ECP5 carry mapping fuses each select into its adder, after the operands' registers; use --input-register operands, or --map generic",
            ));
        }
        validate_stage_levels(self.stage_levels)
    }

    /// True when the −1 weights' count goes through the tree's carry ins
    /// (N_neg form, `neg_count = carry`, two-input adders).
    pub fn folds_carry(&self) -> bool {
        self.negation == Negation::Nneg
            && self.neg_count == NegCount::Carry
            && self.tree == TreeShape::Add2
    }
}

/// The two bits a ternary weight is decoded into.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trit {
    /// The weight is non-zero.
    pub(crate) nz: SignalId,
    /// The weight is −1.
    pub(crate) neg: SignalId,
}

/// Decodes every weight of the bus into (non-zero, negative) bits, index n·K + k.
pub(crate) fn decode(
    b: &mut ModuleBuilder,
    c: &CommonParams,
    packing: WeightPacking,
    w: &[SignalId],
) -> Result<Vec<Trit>, BuildError> {
    decode_tile(b, c.n, c.k, packing, w)
}

/// Decodes the weights of `cols` columns of `k` weights each, index n·k + k.
fn decode_tile(
    b: &mut ModuleBuilder,
    cols: usize,
    k_len: usize,
    packing: WeightPacking,
    w: &[SignalId],
) -> Result<Vec<Trit>, BuildError> {
    let mut out = Vec::with_capacity(cols * k_len);
    match packing {
        WeightPacking::Codes | WeightPacking::I2s => {
            for (i, &code) in w.iter().enumerate() {
                let (n, k) = (i / k_len, i % k_len);
                let lo = b.slice(&format!("w_n{n}_k{k}_b0"), code, 0, 1, false)?;
                let hi = b.slice(&format!("w_n{n}_k{k}_b1"), code, 1, 1, false)?;
                let trit = if packing == WeightPacking::Codes {
                    // 01 → +1, 11 → −1, 00 and 10 → 0
                    let neg = b.and(&format!("neg_n{n}_k{k}"), Ty::BIT, hi, lo)?;
                    Trit { nz: lo, neg }
                } else {
                    // code = w + 1: 00 → −1, 01 → 0, 10 → +1, 11 → 0
                    let nz = b.not(&format!("nz_n{n}_k{k}"), Ty::BIT, lo)?;
                    let hi_n = b.not(&format!("w_n{n}_k{k}_b1n"), Ty::BIT, hi)?;
                    let neg = b.and(&format!("neg_n{n}_k{k}"), Ty::BIT, nz, hi_n)?;
                    Trit { nz, neg }
                };
                out.push(trit);
            }
        }
        WeightPacking::Base3 => {
            // One ROM per byte: bit 2i = weight i is non-zero, bit 2i+1 = weight i is −1.
            let table: Vec<i128> = (0..256u32)
                .map(|byte| {
                    (0..5).fold(0i128, |acc, i| {
                        let digit = (byte / 3u32.pow(i)) % 3;
                        let bits = match digit {
                            0 => 0b11,
                            1 => 0b00,
                            _ => 0b01,
                        };
                        acc | (bits << (2 * i))
                    })
                })
                .collect();
            let groups = k_len.div_ceil(5);
            for n in 0..cols {
                for j in 0..groups {
                    let rom = b.rom(
                        &format!("trits_n{n}_g{j}"),
                        Ty::unsigned(10),
                        w[n * groups + j],
                        &table,
                    )?;
                    for i in 0..5 {
                        let k = 5 * j + i;
                        if k >= k_len {
                            break;
                        }
                        let nz = b.slice(&format!("nz_n{n}_k{k}"), rom, 2 * i as u32, 1, false)?;
                        let neg =
                            b.slice(&format!("neg_n{n}_k{k}"), rom, 2 * i as u32 + 1, 1, false)?;
                        out.push(Trit { nz, neg });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// One term a·w of the dot product, with its value range.
fn term(
    b: &mut ModuleBuilder,
    name: &str,
    neg_form: Negation,
    a: SignalId,
    t: Trit,
    a_ty: Ty,
) -> Result<Ranged, BuildError> {
    let (lo, hi) = (a_ty.min_value(), a_ty.max_value());
    match neg_form {
        Negation::Nneg => {
            let negmask = fill(b, &format!("{name}_negmask"), t.neg, a_ty)?;
            let flipped = b.xor(&format!("{name}_x"), a_ty, a, negmask)?;
            let nzmask = fill(b, &format!("{name}_nzmask"), t.nz, a_ty)?;
            let sig = b.and(name, a_ty, flipped, nzmask)?;
            Ok(Ranged { sig, lo, hi })
        }
        Negation::Negate => {
            let wide = Ty::signed(a_ty.width + 1);
            let minus = b.neg(&format!("{name}_neg"), wide, a)?;
            let signed = b.mux(&format!("{name}_s"), wide, t.neg, minus, a)?;
            let zero = b.constant(&format!("{name}_zero"), wide, 0)?;
            let sig = b.mux(name, wide, t.nz, signed, zero)?;
            Ok(Ranged { sig, lo, hi: -lo })
        }
    }
}

/// The first adder level with the select fused into the carry cells: terms
/// k = 2i and 2i + 1 become one [`crate::ir::Def::SelectAdd`] of activation
/// 2i's select onto term 2i + 1 (an odd last term passes through alone),
/// each with the next bit of `feed` in its carry in.
fn select_add_level(
    b: &mut ModuleBuilder,
    prefix: &str,
    acts: &[SignalId],
    weights: &[Trit],
    a_ty: Ty,
    mut feed: Option<&mut NegFeed<'_>>,
) -> Result<Vec<Ranged>, BuildError> {
    let (lo, hi) = (a_ty.min_value(), a_ty.max_value());
    (0..acts.len().div_ceil(2))
        .map(|i| {
            let (k, j) = (2 * i, (2 * i + 1).min(acts.len() - 1));
            let other = term(
                b,
                &format!("{prefix}_k{j}"),
                Negation::Nneg,
                acts[j],
                weights[j],
                a_ty,
            )?;
            if j == k {
                return Ok(other);
            }
            let cin = match feed.as_deref_mut() {
                Some(f) => f.next_bit(b, 0)?,
                None => None,
            };
            let (lo, hi) = (2 * lo, 2 * hi + i128::from(cin.is_some()));
            let ty = Ty::signed_for_range(lo, hi);
            let t = weights[k];
            let name = format!("{prefix}_k{k}_sa");
            let sig = b.select_add(&name, ty, [acts[k], t.nz, t.neg], other.sig, cin)?;
            Ok(Ranged { sig, lo, hi })
        })
        .collect()
}

/// Builds the `ternary-gemv` core.
pub fn generate(p: &TernaryGemvParams) -> Result<GeneratedCore, CoreError> {
    p.validate()?;
    let c = &p.common;
    let mut b = ModuleBuilder::new(&c.name)?;
    let shell = StreamShell::new(&mut b, c, p.w_packing.bus(c.n, c.k))?;
    let act = match p.input_register {
        InputRegister::Operands => register_activations(&mut b, c, &shell)?,
        InputRegister::Terms => shell.act.clone(),
    };
    let (sums, stages) = match p.hierarchy {
        Hierarchy::Flat => flat_dots(&mut b, p, &shell, &act)?,
        Hierarchy::Modules => column_dots(&mut b, p, &shell, &act)?,
    };
    shell.finish_core(b, c, "ternary-gemv", &sums, stages)
}

/// The edge that takes a beat registers the activations, index m·K + k
/// (`input_register = operands`).
fn register_activations(
    b: &mut ModuleBuilder,
    c: &CommonParams,
    shell: &StreamShell,
) -> Result<Vec<SignalId>, BuildError> {
    shell
        .act
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            b.register(
                &format!("act_m{}_k{}_q", i / c.k, i % c.k),
                a,
                Some(shell.en),
                None,
            )
        })
        .collect()
}

/// The registered dot products of the whole tile, index m·N + n, built in
/// the top module, and the stages from the input edge to them.
fn flat_dots(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    shell: &StreamShell,
    act: &[SignalId],
) -> Result<(Vec<Ranged>, u32), CoreError> {
    let c = &p.common;
    let decoded = decode(b, c, p.w_packing, &shell.w)?;
    let (trits, neg_bits) = register_weights(b, p, c.k, &decoded, shell.en)?;
    let mut negs = (0..c.n)
        .map(|n| column_neg(b, p, n, &neg_bits[n * c.k..(n + 1) * c.k], shell.en))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sums = Vec::with_capacity(c.m * c.n);
    let mut stages = 1;
    for m in 0..c.m {
        for (n, neg) in negs.iter_mut().enumerate() {
            let acts = &act[m * c.k..(m + 1) * c.k];
            let weights = &trits[n * c.k..(n + 1) * c.k];
            let (dot, s) = dot(b, p, (m, n), acts, weights, neg, shell.en)?;
            sums.push(dot);
            stages = s;
        }
    }
    Ok((sums, stages))
}

/// Port names of the column module.
mod column_ports {
    /// Input: the pipeline enable.
    pub const EN: &str = "en";
    /// Input vector: the activations, index m·K + k (registered in the top
    /// unless `input_register = terms`).
    pub const ACT: &str = "act";
    /// Input vector: the column's slice of `in_w`.
    pub const W: &str = "w";
    /// Output vector: the M registered dot products.
    pub const DOT: &str = "dot";
}

/// The registered dot products of the whole tile, index m·N + n, from N
/// instances of one column module, and the stages from the input edge to them.
fn column_dots(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    shell: &StreamShell,
    act: &[SignalId],
) -> Result<(Vec<Ranged>, u32), CoreError> {
    let c = &p.common;
    let Column {
        module,
        range,
        stages,
    } = column_module(p)?;
    let per_column = p.w_packing.bus(1, c.k).elems;
    let mut cols = Vec::with_capacity(c.n);
    for n in 0..c.n {
        let outs = b.instance(
            &format!("col_n{n}"),
            module.clone(),
            &[
                (column_ports::EN, &[shell.en]),
                (column_ports::ACT, act),
                (
                    column_ports::W,
                    &shell.w[n * per_column..(n + 1) * per_column],
                ),
            ],
        )?;
        let dots = outs
            .vector(column_ports::DOT)
            .ok_or_else(|| BuildError::Invalid {
                module: c.name.clone(),
                message: "the column module has no dot output".into(),
            })?;
        cols.push(dots.to_vec());
    }
    let sums = (0..c.m)
        .flat_map(|m| cols.iter().map(move |col| col[m]))
        .map(|sig| Ranged {
            sig,
            lo: range.0,
            hi: range.1,
        })
        .collect();
    Ok((sums, stages))
}

/// The column module with the value range of its dots and the stages from
/// the input edge to them.
struct Column {
    module: Arc<Module>,
    range: (i128, i128),
    stages: u32,
}

/// The module of one output column, named `<core name>_column`: its
/// weights' decode and registers, its N_neg popcount, its M dot trees and
/// dot registers; also the dots' value range and the stages from the input
/// edge to them.
fn column_module(p: &TernaryGemvParams) -> Result<Column, CoreError> {
    let c = &p.common;
    let a_ty = Ty::signed(c.act_bits);
    let bus = p.w_packing.bus(1, c.k);
    let mut b = ModuleBuilder::new(&format!("{}_column", c.name))?;
    let en = b.input(column_ports::EN, Ty::BIT)?;
    let act = b.input_vec(column_ports::ACT, c.m * c.k, a_ty)?;
    let w = b.input_vec(column_ports::W, bus.elems, bus.ty)?;
    let decoded = decode_tile(&mut b, 1, c.k, p.w_packing, &w)?;
    let (trits, neg_bits) = register_weights(&mut b, p, c.k, &decoded, en)?;
    let mut neg = column_neg(&mut b, p, 0, &neg_bits, en)?;
    let mut dots = Vec::with_capacity(c.m);
    let (mut range, mut stages) = ((0, 0), 1);
    for m in 0..c.m {
        let acts = &act[m * c.k..(m + 1) * c.k];
        let (dot, s) = dot(&mut b, p, (m, 0), acts, &trits, &mut neg, en)?;
        dots.push(dot.sig);
        (range, stages) = ((dot.lo, dot.hi), s);
    }
    b.output_vec(column_ports::DOT, &dots)?;
    Ok(Column {
        module: Arc::new(b.finish()?),
        range,
        stages,
    })
}

/// What the edge that takes a beat registers of the decoded weights, index
/// n·K + k: the weights the selects read (registered for `input_register =
/// operands`, the decoded bus's for `terms`) and the registered −1 bits.
fn register_weights(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    k_len: usize,
    decoded: &[Trit],
    en: SignalId,
) -> Result<(Vec<Trit>, Vec<SignalId>), BuildError> {
    let mut select = Vec::with_capacity(decoded.len());
    let mut negs = Vec::with_capacity(decoded.len());
    for (i, t) in decoded.iter().enumerate() {
        let (n, k) = (i / k_len, i % k_len);
        let nz = match p.input_register {
            InputRegister::Operands => {
                b.register(&format!("nz_n{n}_k{k}_q"), t.nz, Some(en), None)?
            }
            InputRegister::Terms => t.nz,
        };
        let neg = b.register(&format!("neg_n{n}_k{k}_q"), t.neg, Some(en), None)?;
        select.push(match p.input_register {
            InputRegister::Operands => Trit { nz, neg },
            InputRegister::Terms => *t,
        });
        negs.push(neg);
    }
    Ok((select, negs))
}

/// What a column adds back for its −1 weights.
enum ColumnNeg {
    /// Nothing (`negate`: every term is exact).
    Nothing,
    /// Its popcount tree, added to each dot.
    Popcount(TreeSum),
    /// Its −1 bits, fed into the carry ins of each dot's tree.
    Carry(NegBits),
}

/// How column n (registered −1 bits `negs`) adds back its −1 weights.
fn column_neg(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    n: usize,
    negs: &[SignalId],
    en: SignalId,
) -> Result<ColumnNeg, BuildError> {
    Ok(match p.negation {
        Negation::Negate => ColumnNeg::Nothing,
        Negation::Nneg if p.folds_carry() => ColumnNeg::Carry(NegBits {
            prefix: format!("neg_n{n}"),
            bits: negs.to_vec(),
            en,
            delayed: HashMap::new(),
        }),
        Negation::Nneg => ColumnNeg::Popcount(popcount(b, p, n, negs, en)?),
    })
}

/// A column's −1 bits and their delayed copies: each of its M trees takes
/// the bits in the same order at the same stages, so they share the copies.
struct NegBits {
    /// Name prefix of the copies, `neg_n<n>`.
    prefix: String,
    /// The registered −1 bits, index k.
    bits: Vec<SignalId>,
    /// The pipeline enable.
    en: SignalId,
    /// Bit k delayed by d stages, keyed (k, d).
    delayed: HashMap<(usize, u32), SignalId>,
}

impl NegBits {
    /// Bit k as it stands `stage` register stages after the tree's terms.
    fn at(&mut self, b: &mut ModuleBuilder, k: usize, stage: u32) -> Result<SignalId, BuildError> {
        let mut sig = self.bits[k];
        for d in 1..=stage {
            sig = match self.delayed.get(&(k, d)) {
                Some(&copy) => copy,
                None => {
                    let name = format!("{}_k{k}_d{d}", self.prefix);
                    let copy = b.register(&name, sig, Some(self.en), None)?;
                    self.delayed.insert((k, d), copy);
                    copy
                }
            };
        }
        Ok(sig)
    }
}

/// The −1 bits of one column handed out in order to one tree's carry ins.
struct NegFeed<'a> {
    /// The column's bits.
    bits: &'a mut NegBits,
    /// The next bit to hand out.
    next: usize,
}

impl CarryFeed for NegFeed<'_> {
    fn next_bit(
        &mut self,
        b: &mut ModuleBuilder,
        stage: u32,
    ) -> Result<Option<SignalId>, BuildError> {
        if self.next == self.bits.bits.len() {
            return Ok(None);
        }
        self.next += 1;
        self.bits.at(b, self.next - 1, stage).map(Some)
    }
}

impl NegFeed<'_> {
    /// The sum of the bits not handed out, as they stand `stage` register
    /// stages after the terms (a tree of K terms has K − 1 adders, so one
    /// bit is left), or `None` when there are none.
    fn rest(
        self,
        b: &mut ModuleBuilder,
        prefix: &str,
        stage: u32,
    ) -> Result<Option<Ranged>, BuildError> {
        let terms = (self.next..self.bits.bits.len())
            .map(|k| {
                let sig = self.bits.at(b, k, stage)?;
                Ok(Ranged { sig, lo: 0, hi: 1 })
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        if terms.is_empty() {
            return Ok(None);
        }
        sum_tree(b, prefix, terms, TreeShape::Add2).map(Some)
    }
}

/// The count of column n's −1 weights (N_neg form), a popcount tree.
fn popcount(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    n: usize,
    negs: &[SignalId],
    en: SignalId,
) -> Result<TreeSum, BuildError> {
    let bits = negs
        .iter()
        .map(|&sig| Ranged { sig, lo: 0, hi: 1 })
        .collect();
    adder_tree(b, &format!("nneg_n{n}"), bits, en, p.stage_levels, p.tree)
}

/// The adder tree of row m and column n, with the select fused into the
/// first level on ECP5 and the bits of `feed` in its adders' carry ins.
fn dot_tree(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    (m, n): (usize, usize),
    acts: &[SignalId],
    weights: &[Trit],
    mut feed: Option<&mut NegFeed<'_>>,
    en: SignalId,
) -> Result<TreeSum, BuildError> {
    let c = &p.common;
    let a_ty = Ty::signed(c.act_bits);
    let prefix = format!("sum_m{m}_n{n}");
    let levels = (p.stage_levels, p.tree);
    // One term alone has no adder to fuse its select into.
    if p.map == CarryMap::Ecp5 && c.k >= 2 {
        let first = format!("t_m{m}_n{n}");
        let pairs = select_add_level(b, &first, acts, weights, a_ty, feed.as_deref_mut())?;
        let feed = feed.map(|f| f as &mut dyn CarryFeed);
        return adder_tree_from(b, &prefix, pairs, en, levels, feed);
    }
    let terms = (0..c.k)
        .map(|k| {
            let name = format!("t_m{m}_n{n}_k{k}");
            let t = term(b, &name, p.negation, acts[k], weights[k], a_ty)?;
            match p.input_register {
                InputRegister::Operands => Ok(t),
                InputRegister::Terms => Ok(Ranged {
                    sig: b.register(&format!("{name}_q"), t.sig, Some(en), None)?,
                    ..t
                }),
            }
        })
        .collect::<Result<Vec<_>, BuildError>>()?;
    let feed = feed.map(|f| f as &mut dyn CarryFeed);
    adder_tree_fed(b, &prefix, terms, en, levels, feed)
}

/// The registered dot product of row m and column n (with the column's −1
/// weights added back as `neg` says), and the stages from the input edge
/// to it.
fn dot(
    b: &mut ModuleBuilder,
    p: &TernaryGemvParams,
    (m, n): (usize, usize),
    acts: &[SignalId],
    weights: &[Trit],
    neg: &mut ColumnNeg,
    en: SignalId,
) -> Result<(Ranged, u32), CoreError> {
    let (tree, count) = match neg {
        ColumnNeg::Nothing => (dot_tree(b, p, (m, n), acts, weights, None, en)?, None),
        ColumnNeg::Popcount(count) => {
            let tree = dot_tree(b, p, (m, n), acts, weights, None, en)?;
            if count.stages != tree.stages {
                return Err(CoreError::Build(BuildError::Invalid {
                    module: p.common.name.clone(),
                    message: "the popcount tree and the adder tree have different register stages"
                        .into(),
                }));
            }
            (tree, Some(count.sum))
        }
        ColumnNeg::Carry(bits) => {
            let mut feed = NegFeed { bits, next: 0 };
            let tree = dot_tree(b, p, (m, n), acts, weights, Some(&mut feed), en)?;
            let rest = feed.rest(b, &format!("nneg_m{m}_n{n}_rest"), tree.stages)?;
            (tree, rest)
        }
    };
    let stages = 2 + tree.stages;
    let sum = match count {
        Some(count) => {
            let (lo, hi) = (tree.sum.lo + count.lo, tree.sum.hi + count.hi);
            let ty = Ty::signed_for_range(lo, hi);
            let sig = b.add(&format!("dot_m{m}_n{n}"), ty, tree.sum.sig, count.sig)?;
            Ranged { sig, lo, hi }
        }
        None => tree.sum,
    };
    // The dot product is registered before the accumulator adds it.
    let sig = b.register(&format!("dot_m{m}_n{n}_q"), sum.sig, Some(en), None)?;
    Ok((Ranged { sig, ..sum }, stages))
}

const NEGATIONS: &[Choice] = &[
    Choice {
        value: "nneg",
        help: "(a XOR neg) AND nz per term, plus the count of −1 weights per output (see neg-count)",
    },
    Choice {
        value: "negate",
        help: "nz ? (neg ? −a : a) : 0 per term",
    },
];

const NEG_COUNTS: &[Choice] = &[
    Choice {
        value: "carry",
        help: "one −1 bit through the carry in of each two-input adder (add3 trees keep the popcount)",
    },
    Choice {
        value: "popcount",
        help: "a popcount tree of the −1 weights beside the main tree, added once",
    },
];

const TREES: &[Choice] = &[
    Choice {
        value: "add2",
        help: "two-input adders (LUT4 fabrics)",
    },
    Choice {
        value: "add3",
        help: "three-input adders (LUT6 fabrics)",
    },
];

const MAPS: &[Choice] = &[
    Choice {
        value: "generic",
        help: "generic Verilog: a select per term, a `+` per adder",
    },
    Choice {
        value: "ecp5",
        help: "ECP5 CCU2C carry cells with one term's select fused into each first-level adder",
    },
];

const INPUT_REGISTERS: &[Choice] = &[
    Choice {
        value: "operands",
        help: "the activations and decoded weights, each term's select after them",
    },
    Choice {
        value: "terms",
        help: "each term after its select (and the −1 bits): one logic cell per bit on an iCE40",
    },
];

/// The `w_packing` choices (shared with `lut-gemm`'s base-3 tables).
pub(crate) const PACKINGS: &[Choice] = &[
    Choice {
        value: "codes",
        help: "the contract's 2-bit ternary codes",
    },
    Choice {
        value: "base3",
        help: "five weights per byte, Σ (w_i + 1)·3^i (1.6 bits a weight)",
    },
    Choice {
        value: "i2s",
        help: "bitnet.cpp I2_S: 2 bits, code = w + 1",
    },
];

impl CoreParams for TernaryGemvParams {
    const NAME: &'static str = "ternary-gemv";
    const DESCRIPTION: &'static str =
        "BitNet b1.58 adder tree: each ternary weight selects +a, −a or 0, a tree adds";

    fn specs() -> Vec<ParamSpec> {
        let mut v = common_specs(WeightFormat::Ternary);
        v.push(stage_levels_spec(super::mac::DEFAULT_STAGE_LEVELS));
        v.extend([
            ParamSpec {
                key: "negation",
                help: "How −1 weights negate",
                kind: ParamKind::Choice(NEGATIONS),
                default: ParamDefault::Fixed(Lit::Str("nneg")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "neg_count",
                help: "How the N_neg form adds its count of −1 weights",
                kind: ParamKind::Choice(NEG_COUNTS),
                default: ParamDefault::Quiet(Lit::Str("carry")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "tree",
                help: "Adder-tree shape",
                kind: ParamKind::Choice(TREES),
                default: ParamDefault::Fixed(Lit::Str("add2")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "w_packing",
                help: "How weights arrive on in_w",
                kind: ParamKind::Choice(PACKINGS),
                default: ParamDefault::Fixed(Lit::Str("codes")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "input_register",
                help: "What the input edge registers (`flow --target ice40-*` picks terms)",
                kind: ParamKind::Choice(INPUT_REGISTERS),
                default: ParamDefault::Quiet(Lit::Str("operands")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "map",
                help: "Target-specific mapping of the first adder level (`flow --target ecp5-*` picks ecp5)",
                kind: ParamKind::Choice(MAPS),
                default: ParamDefault::Quiet(Lit::Str("generic")),
                axis: Some(Axis::Named),
            },
            hierarchy_spec(),
        ]);
        v
    }
    fn check(&self) -> Result<(), ParamError> {
        self.validate()
    }
    fn build(&self) -> Result<GeneratedCore, CoreError> {
        generate(self)
    }
    fn common(&self) -> &CommonParams {
        &self.common
    }
    fn weight_packing(&self) -> WeightPacking {
        self.w_packing
    }
}
