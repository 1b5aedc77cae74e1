//! Back ends that run a core on a stream: the Rust simulator, Icarus
//! Verilog and Verilator, all with the driver rules of [`crate::vectors`].

pub mod hex;
pub mod rust_sim;
pub mod verilog;
