//! The linear-layer engine's test bench (docs/spec/linear-contract.md): an
//! exact golden GEMV, the weight stream's packing from the contract's text,
//! stimulus, a Rust-simulator driver of the three streams that checks
//! every y-word and the AXI-stream rules, and a Verilog bench (Icarus,
//! Verilator) held cycle-exact against it.

pub mod cosim;
pub mod driver;
pub mod golden;
pub mod lanes;
pub mod mx;
pub mod packing;
pub mod stimulus;
pub mod verilog;

pub use cosim::{cosim_engine, packing_of, random_run};
pub use driver::{
    Idle, LinearRun, RunReport, Schedules, Trace, run_rust_sim, run_rust_sim_preloaded,
    run_rust_sim_preloaded_with, run_rust_sim_with, schedules,
};
pub use golden::{decode, gemv};
pub use lanes::{LanesReport, run_lanes};
pub use mx::MxPacking;
pub use packing::{Packing, row_units, weight_words};
pub use stimulus::{Layer, random_layer};
pub use verilog::{BenchRun, Cosim, LinearBench, VerilogReport, cosim, cosim_preloaded};
