//! lutforge-gen renders any [`lutforge_hdl::ir::Module`] to one
//! self-contained Verilog-2005 file through tera templates kept in
//! `gen/templates/` (embedded in the binary), and writes the core's
//! metadata JSON and FuseSoC CAPI2 `.core` file next to it.
//!
//! The Verilog means exactly what the IR means: every operand is extended
//! to its use's width explicitly, so nothing depends on Verilog's
//! context-determined sizing or signedness rules. It passes
//! `verilator --lint-only -Wall` without warnings (unread bits get a
//! targeted, commented waiver) and synthesises in Yosys without latches.

#![warn(missing_docs)]

mod error;
mod fusesoc;
mod metadata;
mod templates;
mod verilog;
mod write;

pub use error::GenError;
pub use fusesoc::render_fusesoc;
pub use metadata::{CoreMetadata, PortInfo, port_info, render_metadata};
pub use templates::render_template;
pub use verilog::render_verilog;
pub use write::{write_atomic, write_atomic_bytes, write_core};

/// Version of lutforge printed in every generated file.
pub const LUTFORGE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the streaming core contract (docs/spec/core-contract.md) that
/// generated cores follow.
pub const CONTRACT_VERSION: u32 = 1;

/// Header information printed at the top of the Verilog file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The command line that generated the file.
    pub command: String,
    /// Generation parameters, printed one `//   key = value` line each, in this order.
    pub params: Vec<(String, String)>,
}
