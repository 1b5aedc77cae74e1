//! The flags every core shares, readable from the command line and from a
//! TOML file (`--config`); a flag given on the command line wins.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde::Deserialize;

/// The cores lutforge generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoreKind {
    /// Multiplier baseline: int A-bit activations × int B-bit weights by plain multiplies.
    MacGemv,
    /// BitNet b1.58 adder tree: each ternary weight selects +a, −a or 0, a tree adds.
    TernaryGemv,
    /// LUT Tensor Core: a shared table of ±1 partial sums per g activations, indexed by weight bit-planes.
    LutGemm,
}

impl CoreKind {
    /// The name the CLI uses.
    pub fn name(self) -> &'static str {
        match self {
            CoreKind::MacGemv => "mac-gemv",
            CoreKind::TernaryGemv => "ternary-gemv",
            CoreKind::LutGemm => "lut-gemm",
        }
    }
}

/// Weight formats of the core contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WFormatArg {
    /// 2-bit codes 00→0, 01→+1, 11→−1, 10→0.
    Ternary,
    /// 1-bit codes 1→+1, 0→−1.
    Binary,
    /// B-bit two's complement.
    Int,
}

/// How −1 weights negate in ternary-gemv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NegationArg {
    /// (a XOR neg) AND nz per term, plus one popcount of the −1 weights per output.
    Nneg,
    /// nz ? (neg ? −a : a) : 0 per term.
    Negate,
}

/// Where lut-gemm keeps its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableStorageArg {
    /// Flip-flops: every entry written at once, a beat every cycle.
    Registers,
    /// Distributed (LUT) RAM: one entry written a cycle, a beat every 2^(g−1) + planes cycles.
    Lutram,
}

/// Adder-tree shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeArg {
    /// Two-input adders.
    Add2,
    /// Three-input adders.
    Add3,
}

/// Ternary weight packings on in_w.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackingArg {
    /// The contract's 2-bit ternary codes.
    Codes,
    /// Five weights per byte, Σ (w_i + 1)·3^i.
    Base3,
    /// bitnet.cpp I2_S: 2 bits, code = w + 1.
    I2s,
}

/// Core parameters as flags (all optional; unset ones come from `--config`, then defaults).
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreArgs {
    /// TOML file holding any of these settings (snake_case keys, e.g. `act_bits = 8`)
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Core name: the Verilog module and file base name [default: the kind, e.g. mac_gemv]
    #[arg(long)]
    pub name: Option<String>,
    /// Activation rows per beat, M (1 for a GEMV) [default: 1]
    #[arg(long, allow_hyphen_values = true)]
    pub m: Option<u64>,
    /// Output columns, N [default: 4]
    #[arg(long, allow_hyphen_values = true)]
    pub n: Option<u64>,
    /// Dot-product terms per beat, K [default: 16]
    #[arg(long, allow_hyphen_values = true)]
    pub k: Option<u64>,
    /// Activation bits, A (signed) [default: 8]
    #[arg(long, allow_hyphen_values = true)]
    pub act_bits: Option<u64>,
    /// Weight format [default: int for mac-gemv and lut-gemm, ternary for ternary-gemv]
    #[arg(long, value_enum)]
    pub w_format: Option<WFormatArg>,
    /// Weight bits, B (int: 2..8; fixed by ternary and binary) [default: 4]
    #[arg(long, allow_hyphen_values = true)]
    pub w_bits: Option<u64>,
    /// Longest run of beats a result accumulates; sets the accumulator width [default: 8]
    #[arg(long, allow_hyphen_values = true)]
    pub max_beats: Option<u64>,
    /// Adder-tree levels per register stage, 1..8 [default: 2]
    #[arg(long, allow_hyphen_values = true)]
    pub stage_levels: Option<u64>,
    /// ternary-gemv: how −1 weights negate: nneg (XOR/AND and one popcount per output) or negate [default: nneg]
    #[arg(long, value_enum)]
    pub negation: Option<NegationArg>,
    /// ternary-gemv: adders of two inputs (LUT4 fabrics) or three (LUT6 fabrics) [default: add2]
    #[arg(long, value_enum)]
    pub tree: Option<TreeArg>,
    /// ternary-gemv: how weights arrive on in_w: codes (2 bits), base3 (5 per byte, 1.6 bits) or i2s (2 bits, w+1) [default: codes]
    #[arg(long, value_enum)]
    pub w_packing: Option<PackingArg>,
    /// lut-gemm: activations per table, g, 2..6 (a table has 2^(g−1) entries) [default: 4]
    #[arg(long, allow_hyphen_values = true)]
    pub group: Option<u64>,
    /// lut-gemm: allow K that is not a multiple of g by padding the last group with zero activations
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub pad_k: Option<bool>,
    /// lut-gemm: one weight bit-plane a cycle (a beat every B cycles) instead of all planes at once [default: false]
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub bit_serial: Option<bool>,
    /// lut-gemm: table storage, registers or lutram (distributed RAM, written one entry a cycle) [default: registers]
    #[arg(long, value_enum)]
    pub table_storage: Option<TableStorageArg>,
    /// In a TOML file only: the core kind the file is for (checked against the command's).
    #[arg(skip)]
    pub core: Option<CoreKind>,
}

impl CoreArgs {
    /// These flags over the `--config` file's values.
    pub fn merged(&self) -> Result<CoreArgs> {
        let Some(path) = &self.config else {
            return Ok(self.clone());
        };
        let file = read_config(path)?;
        Ok(CoreArgs {
            config: self.config.clone(),
            name: self.name.clone().or(file.name),
            m: self.m.or(file.m),
            n: self.n.or(file.n),
            k: self.k.or(file.k),
            act_bits: self.act_bits.or(file.act_bits),
            w_format: self.w_format.or(file.w_format),
            w_bits: self.w_bits.or(file.w_bits),
            max_beats: self.max_beats.or(file.max_beats),
            stage_levels: self.stage_levels.or(file.stage_levels),
            negation: self.negation.or(file.negation),
            tree: self.tree.or(file.tree),
            w_packing: self.w_packing.or(file.w_packing),
            group: self.group.or(file.group),
            pad_k: self.pad_k.or(file.pad_k),
            bit_serial: self.bit_serial.or(file.bit_serial),
            table_storage: self.table_storage.or(file.table_storage),
            core: file.core,
        })
    }
}

fn read_config(path: &Path) -> Result<CoreArgs> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config `{}`; check the path", path.display()))?;
    toml::from_str::<CoreArgs>(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let msg = e
            .message()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        anyhow::anyhow!("config `{}`{at}: {msg}", path.display())
    })
}

/// A count from the command line as `usize`, refusing values no machine can hold.
pub fn to_usize(name: &str, v: u64) -> Result<usize> {
    match usize::try_from(v) {
        Ok(x) => Ok(x),
        Err(_) => bail!("{name} = {v} is invalid: too large"),
    }
}

/// A width from the command line as `u32`.
pub fn to_u32(name: &str, v: u64) -> Result<u32> {
    match u32::try_from(v) {
        Ok(x) => Ok(x),
        Err(_) => bail!("{name} = {v} is invalid: too large"),
    }
}
