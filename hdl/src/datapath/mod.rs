//! Datapath generators: each turns validated parameters into an IR module
//! that obeys the streaming core contract.

pub mod blocks;
pub mod contract;
pub mod core;
pub mod credit;
pub mod hierarchy;
pub mod linear;
pub mod lut;
pub mod mac;
pub mod mx;
pub mod params;
pub mod stream;
pub mod ternary;
pub mod tree;

use crate::ir::{BuildError, Module};

pub use params::{CommonParams, FlowControl, ParamError, WeightFormat};

/// A generated core and the facts its metadata states.
#[derive(Debug, Clone)]
pub struct GeneratedCore {
    /// The top module.
    pub module: Module,
    /// Core kind, as the CLI names it.
    pub kind: &'static str,
    /// Accumulator (and `out_y` element) width.
    pub acc_bits: u32,
    /// Edges from the one that takes a run's last beat to the one that offers its result.
    pub latency: u32,
    /// Beats taken per cycle with `out_ready` held at 1.
    pub throughput: f64,
    /// Multiply-accumulates per cycle at full throughput.
    pub macs_per_cycle: f64,
}

/// Why a core could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// A parameter outside its limits.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The generator misused the builder (a bug in lutforge).
    #[error("internal generator error: {0}")]
    Build(#[from] BuildError),
}
