//! lutforge's external tools: finding them on PATH (native or YoWASP
//! builds) with their install commands, running them with a time limit,
//! and the quality gates (Verilator lint, Yosys synthesis) on emitted
//! Verilog.

#![warn(missing_docs)]

pub mod cells;
pub mod checks;
mod discovery;
pub mod process;

pub use discovery::{FoundTool, MissingTool, REQUIRE_TOOLS_ENV, Tool, find, for_test, which};
