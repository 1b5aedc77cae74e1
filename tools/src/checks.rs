//! Quality gates on emitted Verilog: Verilator's `-Wall` lint, and Yosys
//! synthesis for a family with no warning and no latch.

use std::path::Path;
use std::time::Duration;

use crate::cells;
use crate::discovery::{MissingTool, Tool, find};
use crate::process::{ToolError, run};

/// Why a check could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The tool is not installed.
    #[error(transparent)]
    Missing(#[from] MissingTool),
    /// The tool failed (for lint: errors, not warnings).
    #[error(transparent)]
    Tool(#[from] ToolError),
}

const LIMIT: Duration = Duration::from_secs(600);

/// Lines of `verilator --lint-only -Wall` on `file` (in `dir`) with top `top`: empty when clean.
/// A file that instantiates ECP5 `CCU2C` cells is linted with Yosys' ECP5
/// models beside it, their own warnings waived.
pub fn verilator_lint(dir: &Path, file: &str, top: &str) -> Result<Vec<String>, CheckError> {
    let verilator = find(Tool::Verilator)?;
    let mut args = vec!["--lint-only", "-Wall", "--top-module", top];
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    let library = cells::needs_ecp5_cells(&text)
        .then(cells::ecp5_cells_sim)
        .flatten()
        .map(|p| p.display().to_string());
    let define = format!("-D{}", cells::NO_INCLUDES_DEFINE);
    if let Some(lib) = &library {
        let waiver = cells::verilator_library_waiver(Path::new(lib));
        let vlt = dir.join("lutforge_cells.vlt");
        std::fs::write(&vlt, waiver).map_err(|e| ToolError::Spawn {
            tool: "verilator".into(),
            path: vlt.display().to_string(),
            message: format!("writing the cell-library waiver: {e}"),
        })?;
        args.extend([define.as_str(), "lutforge_cells.vlt"]);
    }
    args.push(file);
    if let Some(lib) = &library {
        args.push(lib);
    }
    match run(&verilator, &args, dir, LIMIT, "linting") {
        Ok(out) => Ok(lines(&out.stdout, &out.stderr)),
        Err(ToolError::Failed { excerpt, .. }) => Ok(vec![excerpt]),
        Err(e) => Err(e.into()),
    }
}

/// What Yosys said while synthesizing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthCheck {
    /// Warning lines (empty when clean).
    pub warnings: Vec<String>,
    /// Latch cells found after `proc` (0 when clean).
    pub latches: usize,
    /// The `stat` report after synthesis.
    pub stat: String,
}

/// Synthesizes `file` (in `dir`) with Yosys' `synth` command (`synth_ice40`,
/// `synth_ecp5`, …) and collects warnings and latches.
pub fn yosys_synth(
    dir: &Path,
    file: &str,
    top: &str,
    synth: &str,
) -> Result<SynthCheck, CheckError> {
    let yosys = find(Tool::Yosys)?;
    let cells = cell_library(synth);
    let script = format!(
        "{cells}read_verilog {file}; hierarchy -check -top {top}; proc; tee -q -o latches.txt select -count t:$dlatch t:$adlatch t:$dlatchsr t:$sr; {synth} -top {top}; tee -q -o stat.txt stat"
    );
    let out = run(&yosys, &["-q", "-p", &script], dir, LIMIT, synth)?;
    let warnings = lines(&out.stdout, &out.stderr)
        .into_iter()
        .filter(|l| l.contains("Warning"))
        .collect();
    let latch_text = std::fs::read_to_string(dir.join("latches.txt")).unwrap_or_default();
    let latches = latch_text
        .split_whitespace()
        .filter_map(|w| w.parse::<usize>().ok())
        .next()
        .unwrap_or(0);
    let stat = std::fs::read_to_string(dir.join("stat.txt")).unwrap_or_default();
    Ok(SynthCheck {
        warnings,
        latches,
        stat,
    })
}

/// The vendor cell library `hierarchy -check` needs for the primitives a family's
/// designs may instantiate (the iCE40 SB_SPRAM256KA, the ECP5 CCU2C), as script commands.
fn cell_library(synth: &str) -> &'static str {
    if synth.starts_with("synth_ice40") {
        "read_verilog -lib +/ice40/cells_sim.v; "
    } else if synth.starts_with("synth_ecp5") {
        "read_verilog -lib +/ecp5/cells_sim.v; "
    } else {
        ""
    }
}

fn lines(stdout: &[u8], stderr: &[u8]) -> Vec<String> {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    );
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}
