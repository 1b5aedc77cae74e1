//! `lutforge sim`: the core on the Rust simulator against the golden model,
//! every stimulus kind under every traffic pattern.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use lutforge_testbench::backend::rust_sim::run_streams_traced;
use lutforge_testbench::check::CheckReport;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::verify::cases;

use lutforge_hdl::datapath::core::Registry;

use crate::cores::{describe, plan};
use crate::params::CoreFlags;
use crate::progress::bar;
use crate::table::Table;

/// Arguments of `lutforge sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Core to simulate, or `linear` for the layer engine around one (`--datapath`)
    pub core: String,
    #[command(flatten)]
    pub linear: crate::cmd::linear::LinearArgs,
    /// linear: vectors per layer and traffic pattern
    #[arg(long, default_value_t = 6)]
    pub vectors: usize,
    /// Streams per (stimulus, traffic) case; each runs on its own simulator lane
    #[arg(long, default_value_t = 16)]
    pub streams: usize,
    /// Random runs (results) per stream
    #[arg(long, default_value_t = 16)]
    pub runs: usize,
    /// Seed of the stimulus and traffic
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write a VCD waveform of the first stream of the first case to this file
    #[arg(long, value_name = "FILE")]
    pub vcd: Option<PathBuf>,
}

/// Checks the stream counts a user asked for.
pub fn check_counts(streams: usize, runs: usize) -> Result<()> {
    if !(1..=4096).contains(&streams) {
        bail!("--streams {streams} is invalid: streams per case must be in 1..=4096");
    }
    if !(1..=100_000).contains(&runs) {
        bail!("--runs {runs} is invalid: runs per stream must be in 1..=100000");
    }
    Ok(())
}

/// Runs the plan and prints a pass/fail table; fails when anything mismatched.
pub fn run(args: &SimArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    if args.core == crate::cmd::linear::LINEAR_KIND {
        if !(2..=1000).contains(&args.vectors) {
            bail!(
                "--vectors {} is invalid: give 2..=1000 vectors",
                args.vectors
            );
        }
        return crate::cmd::linear::simulate_engine(
            &args.linear,
            args.vectors,
            args.seed,
            registry,
            flags,
        );
    }
    if let Some(flag) = args.linear.first_given() {
        bail!(
            "{flag} is a flag of `lutforge sim linear`, not of a core; use `lutforge sim linear --datapath {} …`",
            args.core
        );
    }
    check_counts(args.streams, args.runs)?;
    let design = flags.design(registry, &args.core)?;
    let core = design.generate()?;
    println!("{}", describe(design.as_ref(), &core));
    let plan = plan(design.as_ref(), args.streams, args.runs, args.seed);
    let cases = cases(&plan)?;
    let mut table = Table::new(&[
        "stimulus",
        "traffic",
        "streams",
        "results",
        "elements",
        "mismatches",
        "protocol",
        "status",
    ]);
    let mut total = CheckReport::default();
    let progress = bar(cases.len() as u64, "simulating");
    let start = Instant::now();
    let mut lane_cycles = 0u64;
    for (i, case) in cases.iter().enumerate() {
        let vcd = match (&args.vcd, i) {
            (Some(path), 0) => Some(Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create VCD file `{}`", path.display()))?,
            )) as Box<dyn std::io::Write + Send>),
            _ => None,
        };
        let outcomes = run_streams_traced(&core.module, &case.streams, vcd)?;
        lane_cycles += outcomes.iter().map(|o| o.cycles).sum::<u64>();
        let report = check_core_case(&core, case, &outcomes);
        table.row(vec![
            case.stimulus.name().into(),
            case.traffic.name().into(),
            case.streams.len().to_string(),
            format!("{}/{}", report.seen_results, report.expected_results),
            report.compared_elements.to_string(),
            report.mismatches.len().to_string(),
            report.protocol_errors.len().to_string(),
            if report.passed() {
                "PASS".into()
            } else {
                "FAIL".into()
            },
        ]);
        if !report.passed() {
            eprintln!(
                "{} / {}: {}",
                case.stimulus.name(),
                case.traffic.name(),
                report.summary_with_cols(design.common().n)
            );
        }
        total.merge(report);
        progress.inc(1);
    }
    progress.finish_and_clear();
    print!("{}", table.render());
    let secs = start.elapsed().as_secs_f64();
    println!(
        "total: {} results, {} elements compared, {} mismatches, {} protocol errors ({} lane-cycles in {:.2} s)",
        total.seen_results,
        total.compared_elements,
        total.mismatches.len(),
        total.protocol_errors.len(),
        lane_cycles,
        secs
    );
    if let Some(path) = &args.vcd {
        println!("wrote {}", path.display());
    }
    if !total.passed() {
        bail!(
            "simulation FAILED: {}",
            total.summary_with_cols(design.common().n)
        );
    }
    println!("PASS");
    Ok(())
}
