//! The engine's parameters ([`LinearParams`]), their limits and the inner
//! core they name.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ir::ident::identifier_problem;

use super::super::core::{Design, ParamMap, Registry, WeightPacking};
use super::super::{CoreError, ParamError};

/// Largest `in_features` and `out_features`.
pub const MAX_FEATURES: usize = 65536;
/// Widest weight word, in bits.
pub const MAX_WEIGHT_WORD_BITS: u32 = 1024;

/// Where the engine keeps the weight matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightMemory {
    /// Flip-flops: one register per stored weight unit.
    Registers,
    /// LUT RAM with asynchronous reads (the IR memory).
    Lutram,
    /// Block RAM with synchronous reads (SB_RAM40_4K, DP16KD).
    Bram,
    /// iCE40 UltraPlus SPRAM (SB_SPRAM256KA) with synchronous reads.
    Spram,
    /// No matrix memory: the matrix is offered again on the weight stream for every vector.
    Stream,
}

impl WeightMemory {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            WeightMemory::Registers => "registers",
            WeightMemory::Lutram => "lutram",
            WeightMemory::Bram => "bram",
            WeightMemory::Spram => "spram",
            WeightMemory::Stream => "stream",
        }
    }
}

/// Where the engine keeps its double-buffered activations and results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BufferMemory {
    /// Flip-flops: every activation and result of both banks a register, read through multiplexers.
    #[default]
    Registers,
    /// Block RAM with synchronous reads: one read gives a chunk (K·A bits) or a y-word's row;
    /// needs P to divide K, Q to divide N, and at least 2 chunks and 2 tiles.
    Bram,
}

impl BufferMemory {
    /// The name the CLI and metadata use.
    pub fn name(self) -> &'static str {
        match self {
            BufferMemory::Registers => "registers",
            BufferMemory::Bram => "bram",
        }
    }
}

/// The generation parameters of a `linear` engine (linear-contract.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// Verilog name of the engine's top module and the base name of its files.
    pub name: String,
    /// Columns of W and elements of x, K_total (1..=65536).
    pub in_features: usize,
    /// Rows of W and elements of y, N_total (1..=65536).
    pub out_features: usize,
    /// The inner core's registered name (`ternary-gemv`, `mac-gemv`, `lut-gemm`); its M must be 1.
    pub core: String,
    /// The inner core's parameters as the registry reads them; its N and K are the tile.
    /// `max_beats` is set by the engine to the chunks per row and `name` defaults to `{name}_core`.
    pub core_params: ParamMap,
    /// Activations per x-word, P (1..=K of the tile).
    pub x_lanes: usize,
    /// Results per y-word, Q (1..=N of the tile).
    pub y_lanes: usize,
    /// Bits of a weight-stream word, WW: a multiple of the weight unit (B bits, or a byte for base3), at most 1024.
    pub weight_word_bits: u32,
    /// Where the weight matrix is kept.
    pub weight_memory: WeightMemory,
    /// Where the activation and result buffers are kept (default `registers`).
    #[serde(default)]
    pub buffer_memory: BufferMemory,
}

/// The parameters checked, with the inner core built from the registry.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parameters as given.
    pub params: LinearParams,
    /// The inner core, with the engine's `max_beats` and name.
    pub inner: Arc<dyn Design>,
}

fn range(param: &'static str, v: usize, max: usize, what: &str) -> Result<(), ParamError> {
    if v == 0 || v > max {
        return Err(ParamError::new(
            param,
            v,
            format!("{what} must be 1..={max}"),
        ));
    }
    Ok(())
}

impl LinearParams {
    /// Checks every limit and builds the inner core's design through `registry`.
    pub fn check(&self, registry: &Registry) -> Result<Checked, CoreError> {
        if let Some(problem) = identifier_problem(&self.name) {
            return Err(ParamError::new(
                "name",
                format!("`{}`", self.name),
                format!("it {problem}; the name becomes the Verilog module and file name"),
            )
            .into());
        }
        range("in-features", self.in_features, MAX_FEATURES, "K_total")?;
        range("out-features", self.out_features, MAX_FEATURES, "N_total")?;
        let inner = self.inner_design(registry)?;
        let c = inner.common();
        if c.m != 1 {
            return Err(ParamError::new(
                "m",
                c.m,
                "the inner core of a linear engine is a GEMV: m must be 1",
            )
            .into());
        }
        range(
            "x-lanes",
            self.x_lanes,
            super::mx::chunk_lanes(inner.as_ref()),
            "x_lanes must not exceed the tile's K; it",
        )?;
        range(
            "y-lanes",
            self.y_lanes,
            c.n,
            "y_lanes must not exceed the tile's N; it",
        )?;
        let packing = inner.weight_packing();
        if packing == WeightPacking::Base3 && c.k % 5 != 0 {
            return Err(ParamError::new(
                "k",
                c.k,
                "base3 packing needs the tile's K a multiple of 5 so that a chunk is whole bytes",
            )
            .into());
        }
        let unit = if packing == WeightPacking::Base3 {
            8
        } else {
            c.w_bits
        };
        let ww = self.weight_word_bits;
        if ww == 0 || ww > MAX_WEIGHT_WORD_BITS || !ww.is_multiple_of(unit) {
            return Err(ParamError::new(
                "weight-word-bits",
                ww,
                format!(
                    "must be a multiple of the {unit}-bit weight unit, at most {MAX_WEIGHT_WORD_BITS}"
                ),
            )
            .into());
        }
        Ok(Checked {
            params: self.clone(),
            inner,
        })
    }

    /// Chunks of K per row: ⌈K_total / K⌉ for a tile of K terms.
    pub fn chunks(&self, k: usize) -> usize {
        self.in_features.div_ceil(k)
    }

    fn inner_design(&self, registry: &Registry) -> Result<Arc<dyn Design>, CoreError> {
        let core = registry.get(&self.core).ok_or_else(|| {
            ParamError::new(
                "core",
                format!("`{}`", self.core),
                format!("no such core (registered: {})", registry.names()),
            )
        })?;
        let mut values = self.core_params.clone();
        values
            .entry("name".to_string())
            .or_insert_with(|| format!("{}_core", self.name).into());
        let k = match values.get("k").and_then(|v| v.as_u64()) {
            Some(k) => k as usize,
            None => core.design(&values)?.common().k,
        };
        values.insert("max_beats".into(), (self.chunks(k.max(1)) as u64).into());
        core.design(&values)
    }
}
