//! The linear-layer engine's test bench (docs/spec/linear-contract.md): an
//! exact golden GEMV, the weight stream's packing from the contract's text,
//! stimulus, and a Rust-simulator driver of the three streams that checks
//! every y-word and the AXI-stream rules.

pub mod driver;
pub mod golden;
pub mod packing;
pub mod stimulus;

pub use driver::{LinearRun, RunReport, run_rust_sim, run_rust_sim_preloaded};
pub use golden::{decode, gemv};
pub use packing::{Packing, row_units, weight_words};
pub use stimulus::{Layer, random_layer};
