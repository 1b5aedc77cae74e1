//! Test benches for lutforge cores: an exact golden mpGEMM model, stimulus and
//! traffic patterns, one stream checker, and the back ends that run the same
//! vectors on the Rust simulator, Icarus Verilog and Verilator.

#![warn(missing_docs)]

pub mod backend;
pub mod board;
pub mod check;
pub mod contract;
pub mod cosim;
pub mod formats;
pub mod golden;
pub mod layer;
pub mod linear;
pub mod mx;
pub mod packing;
pub mod random_circuit;
pub mod stimulus;
pub mod traffic;
pub mod vectors;
pub mod verify;
