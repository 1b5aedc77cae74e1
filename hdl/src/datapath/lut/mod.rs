//! `lut-gemm`: the LUT Tensor Core datapath (algorithms.md §4). No
//! multiplier: for every group of g activations of a row a table of the
//! 2^(g−1) signed partial sums is precomputed once and broadcast to all N
//! columns; each weight bit-plane indexes it.
//!
//! Structure, per beat:
//! - per activation row and group, one table precompute (its own module,
//!   [`table::table_module`]) whose entries are registered: the table
//!   storage (or a LUT RAM, below);
//! - per column, group and bit-plane, the online index fold: the top index
//!   bit chooses the sign, the other g−1 bits are XORed with its inverse,
//!   registered beside the table;
//! - per output, group and plane, a 2^(g−1):1 selection of the entry and a
//!   conditional one's-complement (entry XOR sign); the +1 of every negation
//!   is the count of negated lookups, a popcount per column and plane shared
//!   by all rows;
//! - per output, an adder tree over the groups for each plane, then the
//!   bit-plane shift-add with the Σa correction (one tree per row, from the
//!   tables' all-plus entries, shared by all columns), then the exact
//!   halving: `y = (Σ_b 2^b·S_b + c·Σa) / 2`;
//! - the stream shell's run accumulator.
//!
//! Bit-parallel (the default) looks every plane up at once and takes a beat
//! every cycle. Bit-serial holds the beat for B cycles and looks up one
//! plane a cycle; each plane's share is added to the run accumulator (plane
//! 0 with the correction, halved; plane b shifted by b − 1), so one lookup
//! array serves every weight width at a B-th of the throughput.
//!
//! Table storage in LUT RAM ([`TableStorage::Lutram`]) replaces each
//! table's registers and the per-lookup multiplexers by a memory with one
//! write port and an asynchronous read port per lookup (synthesis gives
//! every read port its own copy of the RAM). The core holds the beat's
//! activations while a table writer ([`writer::writer_module`], g adders)
//! writes one entry a cycle, 2^(g−1) cycles, then issues its planes (all
//! at once, or one a cycle): a beat every 2^(g−1) + 1 cycles bit-parallel,
//! 2^(g−1) + B bit-serial. Under the streaming contract every beat brings
//! new activations, so the table is rewritten every beat: LUT RAM buys
//! smaller lookups at that cost in throughput.

pub mod planes;
pub mod table;
pub mod writer;

use serde::{Deserialize, Serialize};

use crate::ir::{BuildError, CmpOp, ModuleBuilder, ReduceOp, SignalId, Ty};

use super::core::{
    Axis, Choice, CoreParams, Lit, ParamDefault, ParamKind, ParamMap, ParamSpec, common_specs,
    stage_levels_spec,
};
use super::params::{CommonParams, ParamError, WeightFormat, validate_stage_levels};
use super::stream::{BeatHold, StreamShell, WeightBus};
use super::tree::{Ranged, SignedTerm, TreeShape, adder_tree, signed_tree};
use super::{CoreError, GeneratedCore};
use planes::{Correction, PlaneFormat};

/// Limits of the `lut-gemm` parameters.
pub mod limits {
    /// Activations per table, g.
    pub const GROUP: (u32, u32) = (2, 6);
    /// Bits of an `int` weight (read as that many bit-planes).
    pub const INT_W_BITS: (u32, u32) = (2, 4);
}

/// Default group size g: the known sweet spot.
pub const DEFAULT_GROUP: u32 = 4;

/// Where the tables live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableStorage {
    /// Flip-flops, all 2^(g−1) entries written at once from the beat's
    /// activations: a beat every cycle (bit-parallel).
    #[default]
    Registers,
    /// Distributed (LUT) RAM, one entry written a cycle by a table writer,
    /// then read by every column through its own asynchronous read port:
    /// a beat every 2^(g−1) + (planes issued one a cycle) cycles.
    Lutram,
}

impl TableStorage {
    /// The name the command line and the metadata use.
    pub fn as_str(self) -> &'static str {
        match self {
            TableStorage::Registers => "registers",
            TableStorage::Lutram => "lutram",
        }
    }
}

/// Parameters of `lut-gemm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LutGemmParams {
    /// Shape, formats, run length and name. Formats: `binary` (B = 1),
    /// `ternary` (B = 2, planes of q = w + 1) or `int` (B = 2..=4, offset binary).
    #[serde(flatten)]
    pub common: CommonParams,
    /// Activations per table, g, 2..=6: a table has 2^(g−1) entries.
    pub group: u32,
    /// Allow K that is not a multiple of g: the last group is padded with
    /// zero activations (the metadata's `k_padded` says how far).
    pub pad_k: bool,
    /// One weight bit-plane a cycle (a beat every B cycles) instead of all at once.
    pub bit_serial: bool,
    /// Table storage: registers (the default) or LUT RAM.
    #[serde(default)]
    pub table_storage: TableStorage,
    /// A register stage after every this many adder-tree levels, 1..=8.
    pub stage_levels: u32,
}

impl LutGemmParams {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), ParamError> {
        let c = &self.common;
        if c.w_format == WeightFormat::Int
            && !(limits::INT_W_BITS.0..=limits::INT_W_BITS.1).contains(&c.w_bits)
        {
            return Err(ParamError {
                param: "w-bits",
                value: c.w_bits.to_string(),
                reason: format!(
                    "lut-gemm reads int weights as {}..={} bit-planes; use --w-bits 2, 3 or 4",
                    limits::INT_W_BITS.0,
                    limits::INT_W_BITS.1
                ),
            });
        }
        c.validate()?;
        if !(limits::GROUP.0..=limits::GROUP.1).contains(&self.group) {
            return Err(ParamError {
                param: "group",
                value: self.group.to_string(),
                reason: format!(
                    "activations per table must be in {}..={} (a table has 2^(g−1) entries; 4 is the usual choice)",
                    limits::GROUP.0,
                    limits::GROUP.1
                ),
            });
        }
        if !c.k.is_multiple_of(self.group as usize) && !self.pad_k {
            return Err(ParamError {
                param: "k",
                value: c.k.to_string(),
                reason: format!(
                    "it is not a multiple of the group size {g}; use a multiple of {g} or --pad-k to pad the last group with zero activations",
                    g = self.group
                ),
            });
        }
        validate_stage_levels(self.stage_levels)
    }

    /// K rounded up to a multiple of g: the terms the tables cover.
    pub fn k_padded(&self) -> usize {
        self.common.k.next_multiple_of(self.group as usize)
    }

    /// The bit-plane reading of the weight format.
    pub fn plane_format(&self) -> PlaneFormat {
        PlaneFormat {
            format: self.common.w_format,
            bits: self.common.w_bits,
        }
    }

    /// Verilog name of the table module: the precompute (registers) or the writer (LUT RAM).
    pub fn table_module_name(&self) -> String {
        format!("{}_table", self.common.name)
    }

    /// True when the weight bit-planes are issued one a cycle.
    pub fn is_serial(&self) -> bool {
        self.bit_serial && self.plane_format().planes() > 1
    }

    /// Entries of one table, 2^(g−1).
    pub fn table_entries(&self) -> u32 {
        1 << (self.group - 1)
    }

    /// How long the core holds a beat: in LUT RAM the table is written
    /// first, one entry a cycle; then one cycle per issued plane group.
    pub fn beat_hold(&self) -> BeatHold {
        let issues = if self.is_serial() {
            self.plane_format().planes()
        } else {
            1
        };
        match self.table_storage {
            TableStorage::Registers => BeatHold {
                period: issues,
                first_issue: 0,
            },
            TableStorage::Lutram => BeatHold {
                period: self.table_entries() + issues,
                first_issue: self.table_entries(),
            },
        }
    }
}

/// The folded index of one lookup: g−1 index bits and the sign.
#[derive(Debug, Clone, Copy)]
struct Folded {
    index: SignalId,
    negate: SignalId,
}

/// One table of a row and group, as the lookups see it.
enum Table {
    /// Every entry in its own register.
    Registers(Vec<SignalId>),
    /// A LUT RAM, and the register that keeps its all-plus entry (for Σa).
    Ram {
        mem: SignalId,
        all_plus: Option<SignalId>,
    },
}

impl Table {
    /// The entry at the folded `index`: a multiplexer tree over the
    /// registers, or a read port of the RAM.
    fn lookup(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        index: SignalId,
    ) -> Result<SignalId, BuildError> {
        match self {
            Table::Registers(entries) => mux_tree(b, name, ("i", "m"), index, entries),
            Table::Ram { mem, .. } => b.mem_read(&format!("{name}_rd"), *mem, index),
        }
    }

    /// The all-plus entry h[2^(g−1) − 1] = Σ of the group's activations.
    fn all_plus(&self) -> Option<SignalId> {
        match self {
            Table::Registers(entries) => entries.last().copied(),
            Table::Ram { all_plus, .. } => *all_plus,
        }
    }
}

/// Builds the `lut-gemm` core.
pub fn generate(p: &LutGemmParams) -> Result<GeneratedCore, CoreError> {
    p.validate()?;
    let c = &p.common;
    let g = p.group as usize;
    let groups = p.k_padded() / g;
    let pf = p.plane_format();
    let planes = pf.planes();
    let serial = p.is_serial();
    let mut b = ModuleBuilder::new(&c.name)?;
    let shell = StreamShell::with_hold(&mut b, c, WeightBus::codes(c), p.beat_hold())?;
    // A core that takes a beat every cycle loads every cycle the pipeline
    // moves; one that holds its beats loads the beat it takes.
    let load = if shell.serial.is_some() {
        shell.accept
    } else {
        shell.en
    };
    let act_ty = Ty::signed(c.act_bits);
    let entry_ty = table::entry_type(p.group, act_ty);
    let (entry_lo, entry_hi) = table::entry_range(p.group, act_ty);
    let needs_sum = pf.correction() != Correction::None;

    // The activations of each group (the last group padded with zeros).
    let pad_act = if p.k_padded() > c.k {
        Some(b.constant("act_pad", act_ty, 0)?)
    } else {
        None
    };
    let group_acts =
        |m: usize, j: usize, source: &[SignalId]| -> Result<Vec<SignalId>, CoreError> {
            (0..g)
                .map(|i| {
                    let k = j * g + i;
                    if k < c.k {
                        Ok(source[m * c.k + k])
                    } else {
                        pad_act.ok_or_else(|| internal(c, "padding without a pad constant"))
                    }
                })
                .collect()
        };

    // Tables: per row and group, the table storage.
    let mut tables: Vec<Table> = Vec::with_capacity(c.m * groups);
    // The plane a serial core issues this cycle, 0 … B−1.
    let mut plane_now = None;
    match (p.table_storage, shell.serial) {
        (TableStorage::Registers, seq) => {
            plane_now = seq.filter(|_| serial).map(|q| q.phase);
            let table_mod = table::table_module(&p.table_module_name(), p.group, act_ty)?;
            for m in 0..c.m {
                for j in 0..groups {
                    let acts = group_acts(m, j, &shell.act)?;
                    let outs = b.instance(
                        &format!("table_m{m}_g{j}"),
                        table_mod.clone(),
                        &[(table::ports::ACT, &acts)],
                    )?;
                    let h = outs
                        .vector(table::ports::ENTRIES)
                        .ok_or_else(|| internal(c, "the table module has no entry port"))?
                        .to_vec();
                    let stored = h
                        .iter()
                        .enumerate()
                        .map(|(r, &e)| {
                            b.register(&format!("h_m{m}_g{j}_{r}_q"), e, Some(load), None)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    tables.push(Table::Registers(stored));
                }
            }
        }
        (TableStorage::Lutram, Some(seq)) => {
            // The beat's activations are held while the writer steps through the entries.
            let held: Vec<SignalId> = shell
                .act
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    let name = format!("act_m{}_k{}_q", i / c.k, i % c.k);
                    b.register(&name, a, Some(load), None)
                })
                .collect::<Result<_, _>>()?;
            let ph_ty = b.ty(seq.phase);
            if serial {
                let entries = b.constant("table_entries", ph_ty, i128::from(p.table_entries()))?;
                plane_now = Some(b.sub("plane_issued", ph_ty, seq.phase, entries)?);
            }
            // The cycles before the first issue are the table's write cycles.
            let writing = seq
                .preparing
                .ok_or_else(|| internal(c, "a LUT-RAM core's hold has no write cycles"))?;
            let we = b.and("table_we", Ty::BIT, writing, shell.en)?;
            let r = b.slice("table_waddr", seq.phase, 0, p.group - 1, false)?;
            let last_entry = b.reduce("table_waddr_all_plus", ReduceOp::And, r)?;
            let sum_we = b.and("table_we_all_plus", Ty::BIT, we, last_entry)?;
            let writer_mod = writer::writer_module(&p.table_module_name(), p.group, act_ty)?;
            for m in 0..c.m {
                for j in 0..groups {
                    let acts = group_acts(m, j, &held)?;
                    let outs = b.instance(
                        &format!("table_m{m}_g{j}"),
                        writer_mod.clone(),
                        &[
                            (writer::ports::ACT, &acts),
                            (writer::ports::ENTRY_NUMBER, &[r]),
                        ],
                    )?;
                    let h = outs
                        .scalar(writer::ports::ENTRY)
                        .ok_or_else(|| internal(c, "the writer module has no entry port"))?;
                    let mem = b.memory(&format!("h_m{m}_g{j}"), entry_ty, p.table_entries())?;
                    b.write_port(mem, we, r, h)?;
                    let all_plus = if needs_sum {
                        Some(b.register(
                            &format!("h_m{m}_g{j}_all_plus_q"),
                            h,
                            Some(sum_we),
                            None,
                        )?)
                    } else {
                        None
                    };
                    tables.push(Table::Ram { mem, all_plus });
                }
            }
        }
        (TableStorage::Lutram, None) => {
            return Err(internal(c, "a LUT-RAM core must hold its beats"));
        }
    }

    // Folded indices: per column, group and plane, registered beside the tables.
    let one = b.constant("q_pad", Ty::BIT, 1)?;
    let mut folded: Vec<Vec<Folded>> = Vec::with_capacity(c.n * groups);
    for n in 0..c.n {
        for j in 0..groups {
            let per_plane = (0..planes)
                .map(|pl| {
                    let bits = (0..g)
                        .map(|i| {
                            let k = j * g + i;
                            if k < c.k {
                                pf.plane_bit(
                                    &mut b,
                                    &format!("q_n{n}_k{k}_p{pl}"),
                                    shell.w[n * c.k + k],
                                    pl,
                                )
                            } else {
                                Ok(one)
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    fold(&mut b, &format!("idx_n{n}_g{j}_p{pl}"), &bits, load)
                })
                .collect::<Result<Vec<_>, BuildError>>()?;
            folded.push(per_plane);
        }
    }

    // In a serial core the plane of this cycle is picked from the held ones.
    let looked_up: Vec<Vec<Folded>> = match plane_now {
        Some(plane) => folded
            .iter()
            .enumerate()
            .map(|(i, per_plane)| {
                let name = format!("idx_n{}_g{}", i / groups, i % groups);
                let pick = |b: &mut ModuleBuilder, what: &str, sigs: Vec<SignalId>| {
                    by_phase(b, &format!("{name}_{what}"), plane, &sigs)
                };
                Ok(vec![Folded {
                    index: pick(&mut b, "r", per_plane.iter().map(|f| f.index).collect())?,
                    negate: pick(&mut b, "s", per_plane.iter().map(|f| f.negate).collect())?,
                }])
            })
            .collect::<Result<_, BuildError>>()?,
        None => folded,
    };
    let lanes = looked_up.first().map_or(0, Vec::len);

    // Per column and plane: the count of negated lookups (the +1 of each one's complement).
    let mut pops: Vec<Ranged> = Vec::with_capacity(c.n * lanes);
    let mut tree_stages = None;
    for n in 0..c.n {
        #[allow(clippy::needless_range_loop)] // `l` numbers the plane in names too
        for l in 0..lanes {
            let bits = (0..groups)
                .map(|j| Ranged {
                    sig: looked_up[n * groups + j][l].negate,
                    lo: 0,
                    hi: 1,
                })
                .collect();
            let t = adder_tree(
                &mut b,
                &format!("pop_n{n}_p{l}"),
                bits,
                shell.en,
                p.stage_levels,
                TreeShape::Add2,
            )?;
            tree_stages = Some(t.stages);
            pops.push(t.sum);
        }
    }
    // Per row: Σa, from the all-plus entry of each group's table.
    let mut row_sums = Vec::with_capacity(c.m);
    if needs_sum {
        for m in 0..c.m {
            let terms = (0..groups)
                .map(|j| {
                    let sig = tables[m * groups + j]
                        .all_plus()
                        .ok_or_else(|| internal(c, "a table without its all-plus entry"))?;
                    Ok(Ranged {
                        sig,
                        lo: entry_lo,
                        hi: entry_hi,
                    })
                })
                .collect::<Result<_, CoreError>>()?;
            let t = adder_tree(
                &mut b,
                &format!("asum_m{m}"),
                terms,
                shell.en,
                p.stage_levels,
                TreeShape::Add2,
            )?;
            row_sums.push(t.sum);
        }
    }
    // Negation masks, shared by the rows.
    let masks: Vec<Vec<SignalId>> = looked_up
        .iter()
        .enumerate()
        .map(|(i, ls)| {
            ls.iter()
                .enumerate()
                .map(|(l, f)| {
                    b.extend(
                        &format!("negmask_n{}_g{}_p{l}", i / groups, i % groups),
                        f.negate,
                        entry_ty,
                        true,
                    )
                })
                .collect()
        })
        .collect::<Result<_, BuildError>>()?;
    let (x_lo, x_hi) = (entry_lo.min(-entry_hi - 1), entry_hi.max(-entry_lo - 1));

    // The delayed plane number of a serial core, aligned with the tree outputs.
    let tree_stages = tree_stages.unwrap_or(0);
    let phase_at_sums = match plane_now {
        Some(plane) => Some(delay(&mut b, "plane_d", plane, tree_stages, shell.en)?),
        None => None,
    };
    let first_plane_mask = match (phase_at_sums, row_sums.first()) {
        (Some(ph), Some(sum)) => {
            let zero = b.constant("plane_first_value", b.ty(ph), 0)?;
            let is0 = b.compare("plane_d_is_first", CmpOp::Eq, ph, zero)?;
            let ty = b.ty(sum.sig);
            Some(b.extend("plane_d_first_mask", is0, ty, true)?)
        }
        _ => None,
    };

    let mut sums = Vec::with_capacity(c.m * c.n);
    let mut combine_stages = 0;
    let mut phase_at_dot = None;
    for m in 0..c.m {
        for n in 0..c.n {
            let mut terms = Vec::with_capacity(2 * lanes + 1);
            for l in 0..lanes {
                let lookups = (0..groups)
                    .map(|j| {
                        let name = format!("x_m{m}_n{n}_g{j}_p{l}");
                        let f = looked_up[n * groups + j][l];
                        let e = tables[m * groups + j].lookup(&mut b, &name, f.index)?;
                        let sig = b.xor(&name, entry_ty, e, masks[n * groups + j][l])?;
                        Ok(Ranged {
                            sig,
                            lo: x_lo,
                            hi: x_hi,
                        })
                    })
                    .collect::<Result<Vec<_>, BuildError>>()?;
                let t = adder_tree(
                    &mut b,
                    &format!("sum_m{m}_n{n}_p{l}"),
                    lookups,
                    shell.en,
                    p.stage_levels,
                    TreeShape::Add2,
                )?;
                if t.stages != tree_stages {
                    return Err(internal(c, "the lookup and popcount trees are not aligned"));
                }
                // Bit-parallel: plane l weighs 2^l; serial shifts after the sum.
                let shift = if serial { 0 } else { l as u32 };
                for (what, v) in [("s", t.sum), ("c", pops[n * lanes + l])] {
                    terms.push(SignedTerm {
                        value: shifted(&mut b, &format!("{what}_m{m}_n{n}_p{l}_w"), v, shift)?,
                        subtract: false,
                    });
                }
            }
            if let Some(&sum) = row_sums.get(m) {
                let value = match first_plane_mask {
                    Some(mask) => {
                        let ty = b.ty(sum.sig);
                        let sig = b.and(&format!("asum_m{m}_n{n}_first"), ty, sum.sig, mask)?;
                        Ranged {
                            sig,
                            lo: sum.lo.min(0),
                            hi: sum.hi.max(0),
                        }
                    }
                    None => sum,
                };
                terms.push(SignedTerm {
                    value,
                    subtract: pf.correction() == Correction::SubtractSum,
                });
            }
            let total = signed_tree(
                &mut b,
                &format!("dot2_m{m}_n{n}"),
                terms,
                shell.en,
                p.stage_levels,
            )?;
            combine_stages = total.stages;
            let dot = match (phase_at_sums, pf.correction()) {
                (_, Correction::None) => total.sum,
                (None, _) => halve(&mut b, &format!("dot_m{m}_n{n}"), total.sum)?,
                (Some(ph), _) => {
                    let ph = match phase_at_dot {
                        Some(d) => d,
                        None => {
                            let d = delay(&mut b, "plane_dd", ph, total.stages, shell.en)?;
                            phase_at_dot = Some(d);
                            d
                        }
                    };
                    plane_share(&mut b, &format!("dot_m{m}_n{n}"), total.sum, ph, planes)?
                }
            };
            let sig = b.register(&format!("dot_m{m}_n{n}_q"), dot.sig, Some(shell.en), None)?;
            sums.push(Ranged { sig, ..dot });
        }
    }
    let stages = 1 + tree_stages + combine_stages + 1;
    shell.finish_core(b, c, "lut-gemm", &sums, stages)
}

fn internal(c: &CommonParams, message: &str) -> CoreError {
    CoreError::Build(BuildError::Invalid {
        module: c.name.clone(),
        message: message.into(),
    })
}

/// The online index fold of g plane bits (top bit last): negate when the
/// top bit is 0, and then read the other bits inverted. Registered with `load`.
fn fold(
    b: &mut ModuleBuilder,
    name: &str,
    bits: &[SignalId],
    load: SignalId,
) -> Result<Folded, BuildError> {
    let (&top, low) = bits.split_last().ok_or_else(|| BuildError::Invalid {
        module: b.module_name().into(),
        message: format!("index `{name}` has no bits"),
    })?;
    let negate = b.not(&format!("{name}_neg"), Ty::BIT, top)?;
    let flipped = low
        .iter()
        .enumerate()
        .map(|(i, &q)| b.xor(&format!("{name}_b{i}"), Ty::BIT, q, negate))
        .collect::<Result<Vec<_>, _>>()?;
    let index = b.concat(name, &flipped, false)?;
    Ok(Folded {
        index: b.register(&format!("{name}_q"), index, Some(load), None)?,
        negate: b.register(&format!("{name}_neg_q"), negate, Some(load), None)?,
    })
}

/// The element of `items` numbered by `phase` (phases beyond the items never occur).
fn by_phase(
    b: &mut ModuleBuilder,
    name: &str,
    phase: SignalId,
    items: &[SignalId],
) -> Result<SignalId, BuildError> {
    mux_tree(b, name, ("ph", "sel"), phase, items)
}

/// `items[sel]` as a tree of 2:1 multiplexers, one level per bit of `sel`
/// from bit 0; `tags` name the select bits and the multiplexers.
fn mux_tree(
    b: &mut ModuleBuilder,
    name: &str,
    (bit_tag, mux_tag): (&str, &str),
    sel: SignalId,
    items: &[SignalId],
) -> Result<SignalId, BuildError> {
    let ty = b.ty(items[0]);
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

/// `v` · 2^k with its range (k = 0 is `v` itself).
fn shifted(b: &mut ModuleBuilder, name: &str, v: Ranged, k: u32) -> Result<Ranged, BuildError> {
    if k == 0 {
        return Ok(v);
    }
    let (lo, hi) = (v.lo << k, v.hi << k);
    let sig = b.shl(name, Ty::signed_for_range(lo, hi), v.sig, k)?;
    Ok(Ranged { sig, lo, hi })
}

/// v / 2 for an even v: its bits above bit 0.
fn halve(b: &mut ModuleBuilder, name: &str, v: Ranged) -> Result<Ranged, BuildError> {
    let width = b.ty(v.sig).width;
    let sig = b.slice(name, v.sig, 1, width - 1, true)?;
    Ok(Ranged {
        sig,
        lo: v.lo.div_euclid(2),
        hi: v.hi.div_euclid(2),
    })
}

/// A serial core's share of one plane in y: plane 0 (with the correction)
/// halved, plane b ≥ 1 shifted by b − 1.
fn plane_share(
    b: &mut ModuleBuilder,
    name: &str,
    v: Ranged,
    phase: SignalId,
    planes: u32,
) -> Result<Ranged, BuildError> {
    let mut shares = vec![halve(b, &format!("{name}_p0"), v)?];
    for pl in 1..planes {
        shares.push(shifted(b, &format!("{name}_p{pl}"), v, pl - 1)?);
    }
    let lo = shares.iter().map(|s| s.lo).min().unwrap_or(0);
    let hi = shares.iter().map(|s| s.hi).max().unwrap_or(0);
    let ty = Ty::signed_for_range(lo, hi);
    let sized = shares
        .iter()
        .enumerate()
        .map(|(pl, s)| b.resize(&format!("{name}_p{pl}_x"), s.sig, ty))
        .collect::<Result<Vec<_>, _>>()?;
    let sig = by_phase(b, name, phase, &sized)?;
    Ok(Ranged { sig, lo, hi })
}

/// `s` through `stages` registers enabled by `en`.
fn delay(
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

const STORAGES: &[Choice] = &[
    Choice {
        value: "registers",
        help: "flip-flops: every entry written at once, a beat every cycle",
    },
    Choice {
        value: "lutram",
        help: "distributed (LUT) RAM: one entry written a cycle, a beat every 2^(g−1) + planes cycles",
    },
];

impl CoreParams for LutGemmParams {
    const NAME: &'static str = "lut-gemm";
    const DESCRIPTION: &'static str = "LUT Tensor Core: a shared table of ±1 partial sums per g activations, indexed by weight bit-planes";

    fn specs() -> Vec<ParamSpec> {
        let mut v = common_specs(WeightFormat::Int);
        v.push(stage_levels_spec(super::mac::DEFAULT_STAGE_LEVELS));
        v.extend([
            ParamSpec {
                key: "group",
                help: "Activations per table, g (a table has 2^(g−1) entries)",
                kind: ParamKind::Int {
                    min: limits::GROUP.0 as u64,
                    max: limits::GROUP.1 as u64,
                },
                default: ParamDefault::Fixed(Lit::Int(DEFAULT_GROUP as u64)),
                axis: Some(Axis::Tagged("g")),
            },
            ParamSpec {
                key: "pad_k",
                help: "Allow K that is not a multiple of g by padding the last group with zero activations",
                kind: ParamKind::Bool,
                default: ParamDefault::Fixed(Lit::Bool(false)),
                axis: Some(Axis::Flag("padk", "nopadk")),
            },
            ParamSpec {
                key: "bit_serial",
                help: "One weight bit-plane a cycle (a beat every B cycles) instead of all planes at once",
                kind: ParamKind::Bool,
                default: ParamDefault::Fixed(Lit::Bool(false)),
                axis: Some(Axis::Flag("serial", "parallel")),
            },
            ParamSpec {
                key: "table_storage",
                help: "Where the tables live",
                kind: ParamKind::Choice(STORAGES),
                default: ParamDefault::Fixed(Lit::Str("registers")),
                axis: Some(Axis::Named),
            },
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
    fn notes(&self) -> Vec<String> {
        let hold = self.beat_hold();
        let mut v = vec![format!("g={}", self.group)];
        if self.table_storage == TableStorage::Lutram {
            v.push(format!(
                "tables in LUT RAM: {} write cycles",
                hold.first_issue
            ));
        }
        if self.is_serial() {
            v.push(format!(
                "bit-serial: {} planes",
                self.plane_format().planes()
            ));
        }
        if hold.period > 1 {
            v.push(format!("a beat every {} cycles", hold.period));
        }
        if self.k_padded() != self.common.k {
            v.push(format!(
                "K padded to {} with zero activations",
                self.k_padded()
            ));
        }
        v
    }
    fn metadata(&self) -> ParamMap {
        let hold = self.beat_hold();
        let mut m = ParamMap::new();
        m.insert(
            "lut".into(),
            serde_json::json!({
                "k_padded": self.k_padded(),
                "planes": self.plane_format().planes(),
                "cycles_per_beat": hold.period,
                "table_storage": self.table_storage.as_str(),
                "table_write_cycles": hold.first_issue,
                "table_module": self.table_module_name(),
                "tables": self.common.m * self.k_padded() / self.group as usize,
                "table_entries": self.table_entries(),
                "index_fold": "online: top index bit = sign, other bits XOR its inverse",
            }),
        );
        m
    }
}
