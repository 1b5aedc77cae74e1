//! lutforge's FPGA side: finding the external tools (simulators, Yosys,
//! nextpnr, packers) and, as the flow grows, driving them.

#![warn(missing_docs)]

pub mod checks;
pub mod flow;
pub mod harness;
pub mod parse;
pub mod process;
pub mod report;
pub mod sweep;
pub mod targets;
pub mod tools;
