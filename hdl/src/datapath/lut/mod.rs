//! `lut-gemm`: the LUT Tensor Core datapath (docs/spec/algorithms.md §4). No
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
//!
//! A LUT-RAM core built with [`TableLoad::Caller`] ([`generate_with`], for
//! the `linear` engine's activation-stationary order) leaves the writing to
//! its caller: two extra inputs, [`caller_ports::WRITE`] and
//! [`caller_ports::ENTRY`], write entry r of every table from `in_act` on
//! an edge, and every beat is looked up against the tables as they stand
//! (a beat every cycle bit-parallel, every B cycles bit-serial), so one
//! written table serves any number of beats.
//!
//! Base-3 ternary tables ([`TernaryTable::Base3`], ternary weights, g = 2
//! or 3, [`base3`]) replace the two ternary bit-planes by one lookup per
//! group: the table holds the ⌈3^g/2⌉ signed sums Σ w_i·a_i whose
//! balanced-ternary index v = Σ w_i·3^i is ≥ 0, and each column and group
//! reads `sign(v)·h[|v|]` (a ⌈3^g/2⌉:1 selection, the one's complement and
//! the popcount as above). One adder tree per output and no Σa correction
//! or halving: the sums are signed already. `in_w` carries the contract's
//! codes or any `ternary-gemv` packing ([`WeightPacking`]); the core
//! decodes the weights and forms each group's index itself.

pub mod base3;
pub mod planes;
pub mod table;
pub mod writer;

use serde::{Deserialize, Serialize};

use crate::ir::{BuildError, CmpOp, ModuleBuilder, ReduceOp, SignalId, Ty};

use super::blocks::{delay, fill, halve, mux_tree, shifted};
use super::core::{
    Axis, Choice, CoreParams, Lit, ParamDefault, ParamKind, ParamMap, ParamSpec, WeightPacking,
    common_specs, stage_levels_spec,
};
use super::params::{CommonParams, ParamError, WeightFormat, validate_stage_levels};
use super::stream::{BeatHold, BeatSequencer, StreamShell, WeightBus};
use super::tree::{Ranged, SignedTerm, TreeShape, TreeSum, adder_tree, signed_tree};
use super::{CoreError, GeneratedCore};
use planes::{Correction, PlaneFormat};

/// Limits of the `lut-gemm` parameters.
pub mod limits {
    /// Activations per table, g.
    pub const GROUP: (u32, u32) = (2, 6);
    /// Bits of an `int` weight (read as that many bit-planes).
    pub const INT_W_BITS: (u32, u32) = (2, 4);
    /// Weights per base-3 table, g.
    pub const BASE3_GROUP: (u32, u32) = (2, 3);
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

/// Who writes a LUT-RAM core's tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableLoad {
    /// The core, from every beat's activations, before it looks the beat up
    /// (the streaming contract; the only mode with register tables).
    #[default]
    PerBeat,
    /// The caller, through [`caller_ports`]: the core looks every beat up
    /// against the tables as written and ignores the beat's `in_act`.
    Caller,
}

/// The extra inputs of a core built with [`TableLoad::Caller`].
pub mod caller_ports {
    /// One bit: write entry [`ENTRY`] of every table from `in_act` on an
    /// edge where it and `in_ready` are 1. The caller raises it only after
    /// the last beat that reads the old tables was taken (on such an edge
    /// that beat's lookups are past the tables) and offers no beat meanwhile.
    pub const WRITE: &str = "tbl_we";
    /// g−1 bits: the entry number r written.
    pub const ENTRY: &str = "tbl_r";
}

/// How ternary weights index the tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TernaryTable {
    /// Two bit-planes of q = w + 1, each looked up in the ±1 table.
    #[default]
    Planes,
    /// One lookup per group in the table of the ⌈3^g/2⌉ signed sums ([`base3`]).
    Base3,
}

impl TernaryTable {
    /// The name the command line and the metadata use.
    pub fn as_str(self) -> &'static str {
        match self {
            TernaryTable::Planes => "planes",
            TernaryTable::Base3 => "base3",
        }
    }
}

fn codes_packing() -> WeightPacking {
    WeightPacking::Codes
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
    /// How ternary weights index the tables: bit-planes (the default) or base 3.
    #[serde(default)]
    pub ternary_table: TernaryTable,
    /// How weights arrive on `in_w` (anything but the codes needs base-3 tables).
    #[serde(default = "codes_packing")]
    pub w_packing: WeightPacking,
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
        self.validate_base3()?;
        validate_stage_levels(self.stage_levels)
    }

    /// Checks what base-3 tables and weight packings need.
    fn validate_base3(&self) -> Result<(), ParamError> {
        let err = |param: &'static str, value: &str, reason: &str| {
            Err(ParamError {
                param,
                value: value.into(),
                reason: reason.into(),
            })
        };
        if self.ternary_table == TernaryTable::Planes {
            if self.w_packing != WeightPacking::Codes {
                return err(
                    "w-packing",
                    self.w_packing.name(),
                    "lut-gemm reads packed weights only with base-3 tables; use --ternary-table base3 --w-format ternary",
                );
            }
            return Ok(());
        }
        let (lo, hi) = limits::BASE3_GROUP;
        if self.common.w_format != WeightFormat::Ternary {
            err(
                "w-format",
                self.common.w_format.name(),
                "--ternary-table base3 indexes ternary weights; use --w-format ternary",
            )
        } else if !(lo..=hi).contains(&self.group) {
            err(
                "group",
                &self.group.to_string(),
                "a base-3 table has ⌈3^g/2⌉ entries; use --group 2 or 3",
            )
        } else if self.table_storage != TableStorage::Registers {
            err(
                "table-storage",
                self.table_storage.as_str(),
                "base-3 tables live in registers; use --table-storage registers",
            )
        } else if self.bit_serial {
            err(
                "bit-serial",
                "true",
                "base-3 tables look every weight up once, there are no planes to serialise; drop --bit-serial",
            )
        } else {
            Ok(())
        }
    }

    /// True with base-3 ternary tables.
    pub fn is_base3(&self) -> bool {
        self.ternary_table == TernaryTable::Base3
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

    /// Entries of one table: 2^(g−1), or ⌈3^g/2⌉ in base 3.
    pub fn table_entries(&self) -> u32 {
        if self.is_base3() {
            base3::entries(self.group)
        } else {
            1 << (self.group - 1)
        }
    }

    /// Cycles a beat's planes take: B bit-serial, else 1.
    pub fn issue_cycles(&self) -> u32 {
        if self.is_serial() {
            self.plane_format().planes()
        } else {
            1
        }
    }

    /// How long the core holds a beat: in LUT RAM the table is written
    /// first, one entry a cycle; then one cycle per issued plane group.
    pub fn beat_hold(&self) -> BeatHold {
        let issues = self.issue_cycles();
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

/// The lookups of one cycle: per column and group (index n·groups + j),
/// the folded index of each plane looked up at once.
struct Issued {
    folded: Vec<Vec<Folded>>,
    /// Planes looked up at once: B bit-parallel, 1 bit-serial.
    planes_at_once: usize,
}

impl Issued {
    /// The folded index of column `n`, group `j` and issued plane `l`.
    fn at(&self, groups: usize, n: usize, j: usize, l: usize) -> Folded {
        self.folded[n * groups + j][l]
    }
}

/// The per-column popcounts of negated lookups (index n·planes_at_once + l)
/// and the register stages of their trees.
struct Popcounts {
    counts: Vec<Ranged>,
    stages: u32,
}

/// A serial core's plane number where the datapath needs it.
struct PlaneClock {
    /// The plane, delayed to meet the per-plane sums.
    at_sums: SignalId,
    /// All ones while the sums are plane 0's (only with a Σa correction).
    first_mask: Option<SignalId>,
    /// The plane, delayed further to meet the combined dot products (made
    /// with the first one).
    at_dot: Option<SignalId>,
}

/// The parameters of the core being built and the types they give.
struct Shape<'a> {
    p: &'a LutGemmParams,
    c: &'a CommonParams,
    g: usize,
    groups: usize,
    pf: PlaneFormat,
    act_ty: Ty,
    entry_ty: Ty,
    entry_range: (i128, i128),
}

impl Shape<'_> {
    /// The activations of row `m`, group `j` from `source` (index m·K + k),
    /// the padded terms of the last group read as `pad`.
    fn group_acts(
        &self,
        pad: Option<SignalId>,
        m: usize,
        j: usize,
        source: &[SignalId],
    ) -> Result<Vec<SignalId>, CoreError> {
        let c = self.c;
        (0..self.g)
            .map(|i| {
                let k = j * self.g + i;
                if k < c.k {
                    Ok(source[m * c.k + k])
                } else {
                    pad.ok_or_else(|| internal(c, "padding without a pad constant"))
                }
            })
            .collect()
    }

    /// The range of a looked-up entry after its conditional one's complement.
    fn lookup_range(&self) -> (i128, i128) {
        let (lo, hi) = self.entry_range;
        (lo.min(-hi - 1), hi.max(-lo - 1))
    }

    /// The Σa correction is part of the reconstruction.
    fn needs_sum(&self) -> bool {
        self.correction() != Correction::None
    }

    /// The reconstruction's correction: the format's, none in base 3.
    fn correction(&self) -> Correction {
        if self.p.is_base3() {
            Correction::None
        } else {
            self.pf.correction()
        }
    }
}

/// A `lut-gemm` core under construction: the shell and the builder.
struct LutCore<'a> {
    s: Shape<'a>,
    b: ModuleBuilder,
    shell: StreamShell,
    /// The enable of the registers that take the beat's tables and indices.
    load: SignalId,
    /// Who writes the tables.
    mode: TableLoad,
}

/// Builds the `lut-gemm` core, block by block as the module doc draws it.
pub fn generate(p: &LutGemmParams) -> Result<GeneratedCore, CoreError> {
    generate_with(p, TableLoad::PerBeat)
}

/// Builds the `lut-gemm` core with its tables written as `mode` says
/// ([`TableLoad::Caller`] needs `table_storage = lutram` and plane tables).
pub fn generate_with(p: &LutGemmParams, mode: TableLoad) -> Result<GeneratedCore, CoreError> {
    p.validate()?;
    if mode == TableLoad::Caller && (p.table_storage != TableStorage::Lutram || p.is_base3()) {
        return Err(ParamError {
            param: "table-storage",
            value: p.table_storage.as_str().into(),
            reason: "tables written by the caller live in LUT RAM with bit-plane indices; use --table-storage lutram --ternary-table planes".into(),
        }
        .into());
    }
    let mut core = LutCore::new(p, mode)?;
    let (tables, plane_now) = core.tables()?;
    let folded = core.fold_indices()?;
    let issued = core.issue_planes(folded, plane_now)?;
    let pops = core.popcounts(&issued)?;
    let row_sums = core.row_sums(&tables)?;
    let masks = core.negation_masks(&issued)?;
    let mut clock = core.plane_clock(plane_now, pops.stages, &row_sums)?;
    let (sums, combine_stages) =
        core.outputs(&tables, &issued, &masks, &pops, &row_sums, clock.as_mut())?;
    let stages = 1 + pops.stages + combine_stages + 1;
    let LutCore { s, b, shell, .. } = core;
    shell.finish_core(b, s.c, "lut-gemm", &sums, stages)
}

impl<'a> LutCore<'a> {
    /// Ports and stream shell: the contract's ports, the beat hold of
    /// [`LutGemmParams::beat_hold`] and the load enable of the beat's registers.
    fn new(p: &'a LutGemmParams, mode: TableLoad) -> Result<Self, CoreError> {
        let c = &p.common;
        let mut b = ModuleBuilder::new(&c.name)?;
        let bus = if p.w_packing == WeightPacking::Codes {
            WeightBus::codes(c)
        } else {
            p.w_packing.bus(c.n, c.k)
        };
        let hold = match mode {
            TableLoad::PerBeat => p.beat_hold(),
            TableLoad::Caller => BeatHold {
                period: p.issue_cycles(),
                first_issue: 0,
            },
        };
        let shell = StreamShell::with_hold(&mut b, c, bus, hold)?;
        // A core that takes a beat every cycle loads every cycle the pipeline
        // moves; one that holds its beats loads the beat it takes.
        let load = if shell.serial.is_some() {
            shell.accept
        } else {
            shell.en
        };
        let act_ty = Ty::signed(c.act_bits);
        let g = p.group as usize;
        let (entry_ty, entry_range) = if p.is_base3() {
            (
                base3::entry_type(p.group, act_ty),
                base3::entry_range(p.group, act_ty),
            )
        } else {
            (
                table::entry_type(p.group, act_ty),
                table::entry_range(p.group, act_ty),
            )
        };
        let s = Shape {
            p,
            c,
            g,
            groups: p.k_padded() / g,
            pf: p.plane_format(),
            act_ty,
            entry_ty,
            entry_range,
        };
        Ok(LutCore {
            s,
            b,
            shell,
            load,
            mode,
        })
    }

    /// Tables: per row and group (index m·groups + j), the table storage,
    /// and the plane a serial core issues this cycle, 0 … B−1.
    fn tables(&mut self) -> Result<(Vec<Table>, Option<SignalId>), CoreError> {
        let (c, act_ty) = (self.s.c, self.s.act_ty);
        // The activations of the last group are padded with zeros.
        let pad = if self.s.p.k_padded() > c.k {
            Some(self.b.constant("act_pad", act_ty, 0)?)
        } else {
            None
        };
        if self.mode == TableLoad::Caller {
            let plane_now = self.shell.serial.filter(|_| self.s.p.is_serial());
            return Ok((self.caller_tables(pad)?, plane_now.map(|q| q.phase)));
        }
        match (self.s.p.table_storage, self.shell.serial) {
            (TableStorage::Registers, seq) => {
                let plane_now = seq.filter(|_| self.s.p.is_serial()).map(|q| q.phase);
                Ok((self.register_tables(pad)?, plane_now))
            }
            (TableStorage::Lutram, Some(seq)) => self.ram_tables(pad, seq),
            (TableStorage::Lutram, None) => Err(internal(c, "a LUT-RAM core must hold its beats")),
        }
    }

    /// Register tables: one precompute instance per row and group, its
    /// entries registered with the load enable.
    fn register_tables(&mut self, pad: Option<SignalId>) -> Result<Vec<Table>, CoreError> {
        let (s, b) = (&self.s, &mut self.b);
        let name = s.p.table_module_name();
        let (table_mod, zero) = if s.p.is_base3() {
            let zero = b.constant("h_zero", s.entry_ty, 0)?;
            (base3::table_module(&name, s.p.group, s.act_ty)?, Some(zero))
        } else {
            (table::table_module(&name, s.p.group, s.act_ty)?, None)
        };
        let mut tables = Vec::with_capacity(s.c.m * s.groups);
        for m in 0..s.c.m {
            for j in 0..s.groups {
                let acts = s.group_acts(pad, m, j, &self.shell.act)?;
                let outs = b.instance(
                    &format!("table_m{m}_g{j}"),
                    table_mod.clone(),
                    &[(table::ports::ACT, &acts)],
                )?;
                let h = outs
                    .vector(table::ports::ENTRIES)
                    .ok_or_else(|| internal(s.c, "the table module has no entry port"))?
                    .to_vec();
                // A base-3 table's h[0] = 0 is a constant, not a module output.
                let first = usize::from(zero.is_some());
                let stored = h
                    .iter()
                    .enumerate()
                    .map(|(r, &e)| {
                        let name = format!("h_m{m}_g{j}_{}_q", r + first);
                        b.register(&name, e, Some(self.load), None)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                tables.push(Table::Registers(zero.into_iter().chain(stored).collect()));
            }
        }
        Ok(tables)
    }

    /// LUT-RAM tables: the held activations, the write controls, one writer
    /// instance and one memory per row and group (with the all-plus entry
    /// kept aside when Σa is needed).
    fn ram_tables(
        &mut self,
        pad: Option<SignalId>,
        seq: BeatSequencer,
    ) -> Result<(Vec<Table>, Option<SignalId>), CoreError> {
        let held = self.hold_activations()?;
        let plane_now = self.ram_plane_now(seq)?;
        let (we, r, sum_we) = self.write_controls(seq)?;
        let tables = self.ram_table_set(pad, &held, [we, r, sum_we])?;
        Ok((tables, plane_now))
    }

    /// One LUT-RAM table per row and group: a writer instance fed by
    /// `source` (index m·K + k) and a memory written through `[we, r]`,
    /// with the all-plus entry kept aside (loaded on `sum_we`) when Σa is needed.
    fn ram_table_set(
        &mut self,
        pad: Option<SignalId>,
        source: &[SignalId],
        [we, r, sum_we]: [SignalId; 3],
    ) -> Result<Vec<Table>, CoreError> {
        let (s, b) = (&self.s, &mut self.b);
        let writer_mod = writer::writer_module(&s.p.table_module_name(), s.p.group, s.act_ty)?;
        let mut tables = Vec::with_capacity(s.c.m * s.groups);
        for m in 0..s.c.m {
            for j in 0..s.groups {
                let acts = s.group_acts(pad, m, j, source)?;
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
                    .ok_or_else(|| internal(s.c, "the writer module has no entry port"))?;
                let mem = b.memory(&format!("h_m{m}_g{j}"), s.entry_ty, s.p.table_entries())?;
                b.write_port(mem, we, r, h)?;
                let all_plus = if s.needs_sum() {
                    let name = format!("h_m{m}_g{j}_all_plus_q");
                    Some(b.register(&name, h, Some(sum_we), None)?)
                } else {
                    None
                };
                tables.push(Table::Ram { mem, all_plus });
            }
        }
        Ok(tables)
    }

    /// LUT-RAM tables written by the caller: the write port's inputs and
    /// the tables, their writers fed by `in_act`.
    fn caller_tables(&mut self, pad: Option<SignalId>) -> Result<Vec<Table>, CoreError> {
        let ready = self.in_ready()?;
        let (s, b) = (&self.s, &mut self.b);
        let write = b.input(caller_ports::WRITE, Ty::BIT)?;
        let r = b.input(caller_ports::ENTRY, Ty::unsigned(s.p.group - 1))?;
        let we = b.and("table_we", Ty::BIT, write, ready)?;
        let last_entry = b.reduce("table_waddr_all_plus", ReduceOp::And, r)?;
        let sum_we = b.and("table_we_all_plus", Ty::BIT, we, last_entry)?;
        let act = self.shell.act.clone();
        self.ram_table_set(pad, &act, [we, r, sum_we])
    }

    /// The core's `in_ready`: the shell has room and no beat is held past this cycle.
    fn in_ready(&mut self) -> Result<SignalId, BuildError> {
        let Some(seq) = self.shell.serial else {
            return Ok(self.shell.room);
        };
        let b = &mut self.b;
        let ph_ty = b.ty(seq.phase);
        let last = b.constant("tbl_hold_last_value", ph_ty, i128::from(seq.period - 1))?;
        let on_last = b.compare("tbl_hold_last", CmpOp::Eq, seq.phase, last)?;
        let not_held = b.not("tbl_not_held", Ty::BIT, seq.held)?;
        let free = b.or("tbl_free", Ty::BIT, not_held, on_last)?;
        b.and("tbl_ready", Ty::BIT, self.shell.room, free)
    }

    /// The beat's activations, held while the writer steps through the entries.
    fn hold_activations(&mut self) -> Result<Vec<SignalId>, BuildError> {
        let k = self.s.c.k;
        self.shell
            .act
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                let name = format!("act_m{}_k{}_q", i / k, i % k);
                self.b.register(&name, a, Some(self.load), None)
            })
            .collect()
    }

    /// The plane a serial LUT-RAM core issues: the hold's phase less the
    /// write cycles (`None` bit-parallel).
    fn ram_plane_now(&mut self, seq: BeatSequencer) -> Result<Option<SignalId>, BuildError> {
        if !self.s.p.is_serial() {
            return Ok(None);
        }
        let b = &mut self.b;
        let ph_ty = b.ty(seq.phase);
        let entries = b.constant("table_entries", ph_ty, i128::from(self.s.p.table_entries()))?;
        Ok(Some(b.sub("plane_issued", ph_ty, seq.phase, entries)?))
    }

    /// The shared write port of the LUT-RAM tables: the write enable, the
    /// entry number and the enable of the all-plus registers.
    fn write_controls(
        &mut self,
        seq: BeatSequencer,
    ) -> Result<(SignalId, SignalId, SignalId), CoreError> {
        // The cycles before the first issue are the table's write cycles.
        let writing = seq
            .preparing
            .ok_or_else(|| internal(self.s.c, "a LUT-RAM core's hold has no write cycles"))?;
        let b = &mut self.b;
        let we = b.and("table_we", Ty::BIT, writing, self.shell.en)?;
        let r = b.slice("table_waddr", seq.phase, 0, self.s.p.group - 1, false)?;
        let last_entry = b.reduce("table_waddr_all_plus", ReduceOp::And, r)?;
        let sum_we = b.and("table_we_all_plus", Ty::BIT, we, last_entry)?;
        Ok((we, r, sum_we))
    }

    /// Index fold: per column, group and plane (index n·groups + j, then
    /// the plane), the folded index of the beat's weight bits, registered
    /// beside the tables; padded terms read as plane bit 1.
    fn fold_indices(&mut self) -> Result<Vec<Vec<Folded>>, BuildError> {
        if self.s.p.is_base3() {
            return self.fold_base3();
        }
        let (s, b) = (&self.s, &mut self.b);
        let (c, g) = (s.c, s.g);
        let one = b.constant("q_pad", Ty::BIT, 1)?;
        let mut folded = Vec::with_capacity(c.n * s.groups);
        for n in 0..c.n {
            for j in 0..s.groups {
                let per_plane = (0..s.pf.planes())
                    .map(|pl| {
                        let bits = (0..g)
                            .map(|i| {
                                let k = j * g + i;
                                if k < c.k {
                                    let name = format!("q_n{n}_k{k}_p{pl}");
                                    s.pf.plane_bit(b, &name, self.shell.w[n * c.k + k], pl)
                                } else {
                                    Ok(one)
                                }
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        fold(b, &format!("idx_n{n}_g{j}_p{pl}"), &bits, self.load)
                    })
                    .collect::<Result<Vec<_>, BuildError>>()?;
                folded.push(per_plane);
            }
        }
        Ok(folded)
    }

    /// Base-3 index fold: per column and group (index n·groups + j), the
    /// one folded index of the decoded weights, registered beside the
    /// tables; padded terms read as weight 0.
    fn fold_base3(&mut self) -> Result<Vec<Vec<Folded>>, BuildError> {
        let (s, b) = (&self.s, &mut self.b);
        let (c, g) = (s.c, s.g);
        let decoded = super::ternary::decode(b, c, s.p.w_packing, &self.shell.w)?;
        let zero = b.constant("w_pad", Ty::BIT, 0)?;
        let pad = super::ternary::Trit {
            nz: zero,
            neg: zero,
        };
        let mut folded = Vec::with_capacity(c.n * s.groups);
        for n in 0..c.n {
            for j in 0..s.groups {
                let trits: Vec<_> = (j * g..(j + 1) * g)
                    .map(|k| if k < c.k { decoded[n * c.k + k] } else { pad })
                    .collect();
                let name = format!("idx_n{n}_g{j}");
                let (index, negate) = base3::fold(b, &name, &trits)?;
                folded.push(vec![Folded {
                    index: b.register(&format!("{name}_q"), index, Some(self.load), None)?,
                    negate: b.register(&format!("{name}_neg_q"), negate, Some(self.load), None)?,
                }]);
            }
        }
        Ok(folded)
    }

    /// Plane issue: bit-parallel looks every plane up at once; a serial
    /// core picks the plane of this cycle from the held ones.
    fn issue_planes(
        &mut self,
        folded: Vec<Vec<Folded>>,
        plane_now: Option<SignalId>,
    ) -> Result<Issued, BuildError> {
        let folded = match plane_now {
            Some(plane) => self.pick_plane(&folded, plane)?,
            None => folded,
        };
        let planes_at_once = folded.first().map_or(0, Vec::len);
        Ok(Issued {
            folded,
            planes_at_once,
        })
    }

    /// The folded index of plane `plane` of every column and group.
    fn pick_plane(
        &mut self,
        folded: &[Vec<Folded>],
        plane: SignalId,
    ) -> Result<Vec<Vec<Folded>>, BuildError> {
        let (groups, b) = (self.s.groups, &mut self.b);
        folded
            .iter()
            .enumerate()
            .map(|(i, per_plane)| {
                let name = format!("idx_n{}_g{}", i / groups, i % groups);
                let mut pick = |what: &str, sigs: Vec<SignalId>| {
                    by_phase(b, &format!("{name}_{what}"), plane, &sigs)
                };
                Ok(vec![Folded {
                    index: pick("r", per_plane.iter().map(|f| f.index).collect())?,
                    negate: pick("s", per_plane.iter().map(|f| f.negate).collect())?,
                }])
            })
            .collect()
    }

    /// Popcounts: per column and issued plane, the count of negated lookups
    /// (the +1 of each one's complement), shared by all rows.
    fn popcounts(&mut self, issued: &Issued) -> Result<Popcounts, BuildError> {
        let (s, b) = (&self.s, &mut self.b);
        let mut counts = Vec::with_capacity(s.c.n * issued.planes_at_once);
        let mut stages = 0;
        for n in 0..s.c.n {
            for l in 0..issued.planes_at_once {
                let bits = (0..s.groups)
                    .map(|j| Ranged {
                        sig: issued.at(s.groups, n, j, l).negate,
                        lo: 0,
                        hi: 1,
                    })
                    .collect();
                let t = adder_tree(
                    b,
                    &format!("pop_n{n}_p{l}"),
                    bits,
                    self.shell.en,
                    s.p.stage_levels,
                    TreeShape::Add2,
                )?;
                stages = t.stages;
                counts.push(t.sum);
            }
        }
        Ok(Popcounts { counts, stages })
    }

    /// Σa per row, from the all-plus entry of each group's table, shared by
    /// all columns (none without a correction).
    fn row_sums(&mut self, tables: &[Table]) -> Result<Vec<Ranged>, CoreError> {
        let (s, b) = (&self.s, &mut self.b);
        if !s.needs_sum() {
            return Ok(Vec::new());
        }
        let (lo, hi) = s.entry_range;
        (0..s.c.m)
            .map(|m| {
                let terms = (0..s.groups)
                    .map(|j| {
                        let sig = tables[m * s.groups + j]
                            .all_plus()
                            .ok_or_else(|| internal(s.c, "a table without its all-plus entry"))?;
                        Ok(Ranged { sig, lo, hi })
                    })
                    .collect::<Result<_, CoreError>>()?;
                let t = adder_tree(
                    b,
                    &format!("asum_m{m}"),
                    terms,
                    self.shell.en,
                    s.p.stage_levels,
                    TreeShape::Add2,
                )?;
                Ok(t.sum)
            })
            .collect()
    }

    /// Negation masks: per column, group and issued plane, the sign bit
    /// filled to an entry's width, shared by the rows.
    fn negation_masks(&mut self, issued: &Issued) -> Result<Vec<Vec<SignalId>>, BuildError> {
        let (s, b) = (&self.s, &mut self.b);
        issued
            .folded
            .iter()
            .enumerate()
            .map(|(i, per_plane)| {
                per_plane
                    .iter()
                    .enumerate()
                    .map(|(l, f)| {
                        let name = format!("negmask_n{}_g{}_p{l}", i / s.groups, i % s.groups);
                        fill(b, &name, f.negate, s.entry_ty)
                    })
                    .collect()
            })
            .collect()
    }

    /// A serial core's plane number delayed to the per-plane sums, and the
    /// mask that lets the Σa correction into plane 0's share only.
    fn plane_clock(
        &mut self,
        plane_now: Option<SignalId>,
        tree_stages: u32,
        row_sums: &[Ranged],
    ) -> Result<Option<PlaneClock>, BuildError> {
        let Some(plane) = plane_now else {
            return Ok(None);
        };
        let b = &mut self.b;
        let at_sums = delay(b, "plane_d", plane, tree_stages, self.shell.en)?;
        let first_mask = match row_sums.first() {
            Some(sum) => {
                let zero = b.constant("plane_first_value", b.ty(at_sums), 0)?;
                let is0 = b.compare("plane_d_is_first", CmpOp::Eq, at_sums, zero)?;
                let ty = b.ty(sum.sig);
                Some(fill(b, "plane_d_first_mask", is0, ty)?)
            }
            None => None,
        };
        Ok(Some(PlaneClock {
            at_sums,
            first_mask,
            at_dot: None,
        }))
    }

    /// The registered dot products of every output (index m·N + n) and the
    /// register stages of their combining trees.
    fn outputs(
        &mut self,
        tables: &[Table],
        issued: &Issued,
        masks: &[Vec<SignalId>],
        pops: &Popcounts,
        row_sums: &[Ranged],
        mut clock: Option<&mut PlaneClock>,
    ) -> Result<(Vec<Ranged>, u32), CoreError> {
        let c = self.s.c;
        let mut sums = Vec::with_capacity(c.m * c.n);
        let mut combine_stages = 0;
        for m in 0..c.m {
            for n in 0..c.n {
                let mut terms = self.plane_terms(m, n, tables, issued, masks, pops)?;
                if let Some(&sum) = row_sums.get(m) {
                    terms.push(self.correction_term(m, n, sum, clock.as_deref())?);
                }
                let name = format!("dot2_m{m}_n{n}");
                let p = self.s.p;
                let total = signed_tree(&mut self.b, &name, terms, self.shell.en, p.stage_levels)?;
                combine_stages = total.stages;
                let mut dot = self.reconstruct(m, n, total, clock.as_deref_mut())?;
                if self.s.p.is_base3() {
                    dot = self.k_term_range(m, n, dot)?;
                }
                let name = format!("dot_m{m}_n{n}_q");
                let sig = self.b.register(&name, dot.sig, Some(self.shell.en), None)?;
                sums.push(Ranged { sig, ..dot });
            }
        }
        Ok((sums, combine_stages))
    }

    /// A base-3 dot product narrowed to the range of K signed terms: the
    /// trees' ranges count the padded terms and the complements' −1s, the
    /// value never leaves ±K·max|a|, so the truncation is exact.
    fn k_term_range(&mut self, m: usize, n: usize, dot: Ranged) -> Result<Ranged, BuildError> {
        let (amin, amax) = (self.s.act_ty.min_value(), self.s.act_ty.max_value());
        let k = self.s.c.k as i128;
        let (lo, hi) = (k * amin.min(-amax), k * amax.max(-amin));
        let ty = Ty::signed_for_range(lo, hi);
        if ty.width >= self.b.ty(dot.sig).width {
            return Ok(dot);
        }
        let sig = self.b.resize(&format!("dot_m{m}_n{n}_k"), dot.sig, ty)?;
        Ok(Ranged { sig, lo, hi })
    }

    /// Lookups, plane trees and shift-add of output (m, n): per issued
    /// plane, the g-group adder tree of the looked-up, conditionally
    /// complemented entries and its popcount, each weighted 2^plane
    /// bit-parallel (a serial core shifts after the sum).
    fn plane_terms(
        &mut self,
        m: usize,
        n: usize,
        tables: &[Table],
        issued: &Issued,
        masks: &[Vec<SignalId>],
        pops: &Popcounts,
    ) -> Result<Vec<SignedTerm>, CoreError> {
        let (s, b) = (&self.s, &mut self.b);
        let (x_lo, x_hi) = s.lookup_range();
        let mut terms = Vec::with_capacity(2 * issued.planes_at_once + 1);
        #[allow(clippy::needless_range_loop)] // `l` numbers the plane in names too
        for l in 0..issued.planes_at_once {
            let lookups = (0..s.groups)
                .map(|j| {
                    let name = format!("x_m{m}_n{n}_g{j}_p{l}");
                    let f = issued.at(s.groups, n, j, l);
                    let e = tables[m * s.groups + j].lookup(b, &name, f.index)?;
                    let sig = b.xor(&name, s.entry_ty, e, masks[n * s.groups + j][l])?;
                    Ok(Ranged {
                        sig,
                        lo: x_lo,
                        hi: x_hi,
                    })
                })
                .collect::<Result<Vec<_>, BuildError>>()?;
            let t = adder_tree(
                b,
                &format!("sum_m{m}_n{n}_p{l}"),
                lookups,
                self.shell.en,
                s.p.stage_levels,
                TreeShape::Add2,
            )?;
            if t.stages != pops.stages {
                return Err(internal(
                    s.c,
                    "the lookup and popcount trees are not aligned",
                ));
            }
            let shift = if s.p.is_serial() { 0 } else { l as u32 };
            let pop = pops.counts[n * issued.planes_at_once + l];
            for (what, v) in [("s", t.sum), ("c", pop)] {
                terms.push(SignedTerm {
                    value: shifted(b, &format!("{what}_m{m}_n{n}_p{l}_w"), v, shift)?,
                    subtract: false,
                });
            }
        }
        Ok(terms)
    }

    /// The Σa correction of output (m, n): the row's sum, added or
    /// subtracted as the format says, in a serial core only with plane 0.
    fn correction_term(
        &mut self,
        m: usize,
        n: usize,
        sum: Ranged,
        clock: Option<&PlaneClock>,
    ) -> Result<SignedTerm, BuildError> {
        let value = match clock.and_then(|k| k.first_mask) {
            Some(mask) => {
                let ty = self.b.ty(sum.sig);
                let name = format!("asum_m{m}_n{n}_first");
                let sig = self.b.and(&name, ty, sum.sig, mask)?;
                Ranged {
                    sig,
                    lo: sum.lo.min(0),
                    hi: sum.hi.max(0),
                }
            }
            None => sum,
        };
        Ok(SignedTerm {
            value,
            subtract: self.s.correction() == Correction::SubtractSum,
        })
    }

    /// Correction by halving: y = total / 2 bit-parallel, a serial core's
    /// plane share of it, or the total itself when there is no correction.
    fn reconstruct(
        &mut self,
        m: usize,
        n: usize,
        total: TreeSum,
        clock: Option<&mut PlaneClock>,
    ) -> Result<Ranged, BuildError> {
        let b = &mut self.b;
        let name = format!("dot_m{m}_n{n}");
        match (clock, self.s.correction()) {
            (_, Correction::None) => Ok(total.sum),
            (None, _) => halve(b, &name, total.sum),
            (Some(k), _) => {
                let ph = match k.at_dot {
                    Some(d) => d,
                    None => *k.at_dot.insert(delay(
                        b,
                        "plane_dd",
                        k.at_sums,
                        total.stages,
                        self.shell.en,
                    )?),
                };
                plane_share(b, &name, total.sum, ph, self.s.pf.planes())
            }
        }
    }
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

const TERNARY_TABLES: &[Choice] = &[
    Choice {
        value: "planes",
        help: "two bit-planes of q = w + 1, each looked up in the ±1 table",
    },
    Choice {
        value: "base3",
        help: "one lookup per group in a table of ⌈3^g/2⌉ signed sums (g = 2 or 3)",
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
            ParamSpec {
                key: "ternary_table",
                help: "How ternary weights index the tables",
                kind: ParamKind::Choice(TERNARY_TABLES),
                default: ParamDefault::Quiet(Lit::Str("planes")),
                axis: Some(Axis::Named),
            },
            ParamSpec {
                key: "w_packing",
                help: "How weights arrive on in_w (packed weights need base-3 tables)",
                kind: ParamKind::Choice(super::ternary::PACKINGS),
                default: ParamDefault::Quiet(Lit::Str("codes")),
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
    fn weight_packing(&self) -> WeightPacking {
        self.w_packing
    }
    fn notes(&self) -> Vec<String> {
        let hold = self.beat_hold();
        let mut v = vec![format!("g={}", self.group)];
        if self.is_base3() {
            v.push(format!("base-3 tables of {} entries", self.table_entries()));
        }
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
                "ternary_table": self.ternary_table.as_str(),
                "index_fold": if self.is_base3() {
                    "base 3: v = Σ w_i·3^i, entry |v|, sign v < 0"
                } else {
                    "online: top index bit = sign, other bits XOR its inverse"
                },
            }),
        );
        m
    }
}
