//! Co-simulation: the same streams through the Rust simulator and a Verilog
//! simulator, each checked against the golden model and against each other
//! cycle by cycle.

use std::path::Path;

use lutforge_hdl::ir::Module;

use crate::backend::rust_sim::run_streams;
use crate::backend::verilog::{BackendError, Simulator, StreamBench};
use crate::check::CheckReport;
use crate::vectors::Outcome;
use crate::verify::{Case, check_case};

/// What co-simulation found for one case.
#[derive(Debug, Clone)]
pub struct CosimResult {
    /// The Rust simulator against the golden model.
    pub rust: CheckReport,
    /// The Verilog simulator against the golden model.
    pub verilog: CheckReport,
    /// Places where the two simulators saw different cycles, one sentence each.
    pub disagreements: Vec<String>,
}

impl CosimResult {
    /// True when both match the golden model and each other.
    pub fn passed(&self) -> bool {
        self.rust.passed() && self.verilog.passed() && self.disagreements.is_empty()
    }
}

/// The first difference between two back ends' outcomes of one stream.
pub fn first_difference(a: &Outcome, b: &Outcome) -> Option<String> {
    if a.accept_cycles != b.accept_cycles {
        let i = a
            .accept_cycles
            .iter()
            .zip(&b.accept_cycles)
            .position(|(x, y)| x != y);
        return Some(format!(
            "beats taken in different cycles (first at beat {})",
            i.unwrap_or(a.accept_cycles.len().min(b.accept_cycles.len()))
        ));
    }
    if a.offer_cycles != b.offer_cycles {
        return Some("results offered in different cycles".into());
    }
    if a.observed != b.observed {
        let i = a.observed.iter().zip(&b.observed).position(|(x, y)| x != y);
        return Some(format!(
            "results differ (first at result {})",
            i.unwrap_or(a.observed.len().min(b.observed.len()))
        ));
    }
    if a.cycles != b.cycles {
        return Some(format!("ran {} vs {} cycles", a.cycles, b.cycles));
    }
    None
}

/// Builds one bench for every stream of every case, runs each stream on the
/// Verilog simulator and on the Rust simulator, and checks both.
/// `progress` is called once per stream simulated.
pub fn cosim(
    module: &Module,
    verilog: &str,
    cases: &[Case],
    simulator: Simulator,
    work: &Path,
    mut progress: impl FnMut(),
) -> Result<Vec<CosimResult>, BackendError> {
    let all: Vec<_> = cases
        .iter()
        .flat_map(|c| c.streams.iter().cloned())
        .collect();
    let bench = StreamBench::build(simulator, module, verilog, &all, work)?;
    let mut results = Vec::with_capacity(cases.len());
    let mut index = 0;
    for case in cases {
        let rust =
            run_streams(module, &case.streams).map_err(|e| BackendError::Design(e.to_string()))?;
        let mut hdl = Vec::with_capacity(case.streams.len());
        for s in &case.streams {
            hdl.push(bench.run(s, index)?);
            index += 1;
            progress();
        }
        let disagreements = rust
            .iter()
            .zip(&hdl)
            .enumerate()
            .filter_map(|(i, (r, v))| first_difference(r, v).map(|d| format!("stream {i}: {d}")))
            .collect();
        results.push(CosimResult {
            rust: check_case(case, &rust),
            verilog: check_case(case, &hdl),
            disagreements,
        });
    }
    Ok(results)
}

/// Co-simulates `cases` in every Verilog simulator found on PATH (a missing
/// one is skipped loudly, or fails under `LUTFORGE_REQUIRE_TOOLS=1`; see
/// [`lutforge_tools::for_test`]), each in a fresh temporary folder.
/// Returns, per simulator run, its results; `label` names the core in the
/// skip message.
pub fn cosim_every_simulator(
    module: &Module,
    verilog: &str,
    cases: &[Case],
    label: &str,
) -> Result<Vec<(Simulator, Vec<CosimResult>)>, BackendError> {
    let mut out = Vec::new();
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        if !sim
            .tools()
            .iter()
            .all(|&t| lutforge_tools::for_test(t, &format!("cosim {label}")).is_some())
        {
            continue;
        }
        let work = tempfile::tempdir().map_err(|e| BackendError::Io {
            dir: std::env::temp_dir().display().to_string(),
            message: e.to_string(),
        })?;
        out.push((sim, cosim(module, verilog, cases, sim, work.path(), || {})?));
    }
    Ok(out)
}

/// One line per case that failed in any run of [`cosim_every_simulator`]:
/// simulator, stimulus and traffic, both back ends' summaries and where they disagreed.
pub fn failures(cases: &[Case], runs: &[(Simulator, Vec<CosimResult>)]) -> Vec<String> {
    runs.iter()
        .flat_map(|(sim, results)| {
            cases
                .iter()
                .zip(results)
                .filter(|(_, r)| !r.passed())
                .map(move |(case, r)| {
                    format!(
                        "{}: {:?}/{:?}: rust {} | hdl {} | {:?}",
                        sim.name(),
                        case.stimulus,
                        case.traffic,
                        r.rust.summary(),
                        r.verilog.summary(),
                        r.disagreements
                    )
                })
        })
        .collect()
}
