//! `lutforge cosim`: the emitted Verilog in Icarus or Verilator and the
//! Rust simulator on the same vectors, both against the golden model.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use lutforge_testbench::backend::verilog::Simulator;
use lutforge_testbench::cosim::cosim;
use lutforge_testbench::verify::cases;

use lutforge_hdl::datapath::core::Registry;

use crate::cmd::sim::check_counts;
use crate::cores::{describe, header, plan};
use crate::params::CoreFlags;
use crate::progress::bar;
use crate::table::Table;

/// Verilog simulators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulatorArg {
    /// Icarus Verilog (slow, exact Verilog-2005 event semantics)
    Iverilog,
    /// Verilator (fast, compiled)
    Verilator,
}

/// Arguments of `lutforge cosim`.
#[derive(Debug, Args)]
pub struct CosimArgs {
    /// Core to co-simulate
    pub core: String,
    /// Verilog simulator to run the emitted core in
    #[arg(long, value_enum, default_value = "verilator")]
    pub simulator: SimulatorArg,
    /// Streams per (stimulus, traffic) case
    #[arg(long, default_value_t = 1)]
    pub streams: usize,
    /// Runs (results) per stream
    #[arg(long, default_value_t = 8)]
    pub runs: usize,
    /// Seed of the stimulus and traffic
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the bench, the core and the simulator's files in this folder [default: a temporary folder]
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,
}

/// Runs the co-simulation and prints a table; fails on any mismatch or disagreement.
pub fn run(args: &CosimArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    check_counts(args.streams, args.runs)?;
    let simulator = match args.simulator {
        SimulatorArg::Iverilog => Simulator::Icarus,
        SimulatorArg::Verilator => Simulator::Verilator,
    };
    for &tool in simulator.tools() {
        lutforge_tools::find(tool)?;
    }
    let design = flags.design(registry, &args.core)?;
    let core = design.generate()?;
    println!("{}", describe(design.as_ref(), &core));
    let verilog = lutforge_gen::render_verilog(&core.module, &header(design.as_ref()))?;
    let plan = plan(design.as_ref(), args.streams, args.runs, args.seed);
    let cases = cases(&plan)?;
    let temp;
    let work = match &args.work {
        Some(dir) => {
            if dir.is_file() {
                bail!("--work `{}` is a file; give a folder path", dir.display());
            }
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let streams: u64 = cases.iter().map(|c| c.streams.len() as u64).sum();
    eprintln!(
        "building the {} bench in {} …",
        simulator.name(),
        work.display()
    );
    let progress = bar(streams, simulator.name());
    let results = cosim(&core.module, &verilog, &cases, simulator, &work, || {
        progress.inc(1)
    })?;
    progress.finish_and_clear();
    let mut table = Table::new(&[
        "stimulus",
        "traffic",
        "results",
        "rust sim",
        simulator.name(),
        "cycle-exact",
        "status",
    ]);
    let mut failed = 0;
    for (case, r) in cases.iter().zip(&results) {
        let verdict = |rep: &lutforge_testbench::check::CheckReport| {
            if rep.passed() {
                "0 mismatches".to_string()
            } else {
                format!(
                    "{} mismatches, {} protocol",
                    rep.mismatches.len(),
                    rep.protocol_errors.len()
                )
            }
        };
        table.row(vec![
            case.stimulus.name().into(),
            case.traffic.name().into(),
            format!("{}/{}", r.verilog.seen_results, r.verilog.expected_results),
            verdict(&r.rust),
            verdict(&r.verilog),
            if r.disagreements.is_empty() {
                "yes".into()
            } else {
                "NO".into()
            },
            if r.passed() {
                "PASS".into()
            } else {
                "FAIL".into()
            },
        ]);
        if !r.passed() {
            failed += 1;
            let n = design.common().n;
            for line in [r.rust.summary_with_cols(n), r.verilog.summary_with_cols(n)]
                .iter()
                .chain(&r.disagreements)
            {
                eprintln!("{} / {}: {line}", case.stimulus.name(), case.traffic.name());
            }
        }
    }
    print!("{}", table.render());
    if failed > 0 {
        bail!("co-simulation FAILED in {failed} of {} cases", cases.len());
    }
    println!(
        "PASS: {} streams, Rust simulator and {} agree with the golden model and cycle by cycle",
        streams,
        simulator.name()
    );
    Ok(())
}
