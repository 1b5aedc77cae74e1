//! Yosys' vendor cell models, for simulating and linting a design that
//! instantiates a family's primitives (lutforge's ECP5 carry mapping
//! instantiates `CCU2C`).

use std::path::{Path, PathBuf};

use crate::discovery::{Tool, find};

/// The text every instance of an ECP5 `CCU2C` begins with in lutforge's Verilog.
const CCU2C_INSTANCE: &str = "CCU2C #(";

/// The define that keeps `cells_sim.v` from including its flip-flop and
/// I/O headers (lutforge designs use neither).
pub const NO_INCLUDES_DEFINE: &str = "NO_INCLUDES";

/// True when `verilog` instantiates an ECP5 primitive that needs
/// [`ecp5_cells_sim`] to simulate.
pub fn needs_ecp5_cells(verilog: &str) -> bool {
    verilog.contains(CCU2C_INSTANCE)
}

/// Yosys' ECP5 simulation models (`share/yosys/ecp5/cells_sim.v` beside the
/// `yosys` binary, or under /usr/share), or `None` when not installed.
pub fn ecp5_cells_sim() -> Option<PathBuf> {
    let beside = find(Tool::Yosys).ok().and_then(|y| {
        Some(
            y.path
                .parent()?
                .parent()?
                .join("share/yosys/ecp5/cells_sim.v"),
        )
    });
    beside
        .into_iter()
        .chain([PathBuf::from("/usr/share/yosys/ecp5/cells_sim.v")])
        .find(|p| p.is_file())
}

/// A Verilator configuration (`.vlt`) that waives every lint warning in
/// the cell library at `library` (Yosys' models are not lint-clean), so
/// `-Wall` judges only lutforge's own file.
pub fn verilator_library_waiver(library: &Path) -> String {
    format!(
        "`verilator_config\nlint_off -file \"{}\"\n",
        library.display()
    )
}
