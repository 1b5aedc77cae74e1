//! lutforge's FPGA side: the characterisation harness, the Yosys → nextpnr
//! → pack flow, reading what the tools report, and writing reports and sweep
//! tables. Finding and running the tools is `lutforge-tools`' job.

#![warn(missing_docs)]

pub mod boards;
pub mod dsp;
pub mod flow;
pub mod harness;
pub mod parse;
pub mod report;
pub mod sweep;
pub mod targets;
