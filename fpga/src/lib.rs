//! lutforge's FPGA side: finding the external tools (simulators, Yosys,
//! nextpnr, packers) and, as the flow grows, driving them.

#![warn(missing_docs)]

pub mod checks;
pub mod process;
pub mod tools;
