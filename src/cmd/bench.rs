//! `lutforge bench sim`: results per second of the Rust simulator and of
//! Verilator on the same designs and vectors, both checked, with the ratio;
//! with `--linear`, cycles per second on a layer engine ([`linear`]).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use lutforge_gen::render_verilog;
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::ir::{Dir, Module, mask};
use lutforge_hdl::sim::Sim;
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::backend::verilog::{CycleCircuit, Simulator, StreamBench, run_cycle_bench};
use lutforge_testbench::check::check_stream;
use lutforge_testbench::packing::{WeightPacking, repack_run, run_result_encoded};
use lutforge_testbench::random_circuit::{CircuitSize, random_circuit};
use lutforge_testbench::stimulus::{StimulusKind, runs};
use lutforge_testbench::traffic::{Schedule, TrafficKind, schedule};
use lutforge_testbench::vectors::Stream;
use lutforge_testbench::verify::{encoding_for, spec_for};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod linear;

use crate::cores::header;
use crate::params::CoreFlags;
use crate::table::Table;

/// Arguments of `lutforge bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// What to benchmark.
#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Rust simulator vs Verilator: results per second on a core (mac-gemv by default) and a random 500-op circuit, or (--linear) cycles per second on a linear engine
    Sim(BenchSimArgs),
}

/// Arguments of `lutforge bench sim`.
#[derive(Debug, Args)]
pub struct BenchSimArgs {
    /// The core to measure; its flags (or --config) set its parameters, defaults as `lutforge gen KIND`
    #[arg(long, default_value = "mac-gemv", value_name = "KIND")]
    pub datapath: String,
    /// Lanes of the Rust simulator (independent copies simulated at once)
    #[arg(long, default_value_t = 256)]
    pub lanes: usize,
    /// Runs per lane for mac-gemv (Verilator runs all lanes' runs back to back)
    #[arg(long, default_value_t = 64)]
    pub runs: usize,
    /// Cycles of the random circuit
    #[arg(long, default_value_t = 20000)]
    pub cycles: usize,
    /// Operations in the random circuit
    #[arg(long, default_value_t = 500)]
    pub ops: usize,
    /// Seed of the stimulus and the random circuit
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Measure the `linear` engine around --datapath instead (a layer of --in-features × --out-features, --vectors vectors back to back): cycles per second of each back end
    #[arg(long)]
    pub linear: bool,
    /// linear: input features, K_total
    #[arg(long, default_value_t = 384, value_name = "K_TOTAL")]
    pub in_features: u64,
    /// linear: output features, N_total
    #[arg(long, default_value_t = 384, value_name = "N_TOTAL")]
    pub out_features: u64,
    /// linear: vectors through the engine, back to back, in each lane and in Verilator
    #[arg(long, default_value_t = 8)]
    pub vectors: usize,
    #[command(flatten)]
    pub engine: crate::cmd::linear::EngineArgs,
}

/// One measured row.
struct Row {
    design: String,
    ops: usize,
    backend: String,
    results: u64,
    seconds: f64,
}

impl Row {
    fn rate(&self) -> f64 {
        self.results as f64 / self.seconds.max(1e-9)
    }
}

/// Runs the benchmark and prints the table.
pub fn run(args: &BenchArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    match &args.what {
        BenchWhat::Sim(a) => bench_sim(a, registry, flags),
    }
}

fn bench_sim(a: &BenchSimArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    if !(1..=4096).contains(&a.lanes) || !(1..=10_000).contains(&a.runs) {
        bail!("--lanes must be in 1..=4096 and --runs in 1..=10000");
    }
    if !(2..=1_000_000).contains(&a.cycles) || !(1..=100_000).contains(&a.ops) {
        bail!("--cycles must be in 2..=1000000 and --ops in 1..=100000");
    }
    if !a.linear
        && let Some(flag) = a.engine.first_given()
    {
        bail!("{flag} sets the `linear` engine; add --linear");
    }
    lutforge_tools::find(lutforge_tools::Tool::Verilator)?;
    let work = tempfile::tempdir().context("cannot create a temporary folder")?;
    if a.linear {
        return linear::bench_linear(a, registry, flags, work.path());
    }
    let mut rows = bench_core(a, registry, flags, work.path())?;
    rows.extend(bench_random(a, work.path())?);
    let mut t = Table::new(&[
        "design",
        "ops",
        "back end",
        "results",
        "seconds",
        "results/s",
        "rust ÷ verilator",
    ]);
    for pair in rows.chunks(2) {
        let ratio = pair[0].rate() / pair[1].rate();
        for (i, r) in pair.iter().enumerate() {
            t.row(vec![
                r.design.clone(),
                r.ops.to_string(),
                r.backend.clone(),
                r.results.to_string(),
                format!("{:.3}", r.seconds),
                format!("{:.3e}", r.rate()),
                if i == 0 {
                    format!("{ratio:.1}×")
                } else {
                    String::new()
                },
            ]);
        }
    }
    print!("{}", t.render());
    println!(
        "results: checked outputs (mac-gemv: results against the golden model; random circuit: lane-cycles, lane 0 compared with Verilator). Verilator time is its run only, not its build."
    );
    Ok(())
}

fn bench_core(
    a: &BenchSimArgs,
    registry: &Registry,
    flags: &CoreFlags,
    work: &std::path::Path,
) -> Result<Vec<Row>> {
    let design = flags.design(registry, &a.datapath)?;
    let core = design.generate()?;
    let sspec = spec_for(design.common());
    let enc = encoding_for(design.as_ref());
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let mut streams = Vec::with_capacity(a.lanes);
    let mut expected = Vec::with_capacity(a.lanes);
    for _ in 0..a.lanes {
        let mut rs = runs(&sspec, StimulusKind::Random, a.runs, &mut rng)?;
        if enc.packing != WeightPacking::Codes {
            rs = rs
                .iter()
                .map(|r| repack_run(sspec.shape, enc, r))
                .collect::<Result<_, _>>()
                .context("packing the bench's weights")?;
        }
        expected.push(
            rs.iter()
                .map(|r| run_result_encoded(sspec.shape, enc, r))
                .collect::<Vec<_>>(),
        );
        streams.push(Stream::new(&rs, schedule(TrafficKind::Full, 1, &mut rng)));
    }
    let start = Instant::now();
    let outcomes = run_streams(&core.module, &streams)?;
    let mut results = 0;
    for (o, e) in outcomes.iter().zip(&expected) {
        let r = check_stream(e, &o.observed);
        if !r.passed() {
            bail!(
                "bench: the Rust simulator disagrees with the golden model: {}",
                r.summary()
            );
        }
        results += r.seen_results as u64;
    }
    let rust_secs = start.elapsed().as_secs_f64();

    let all_runs: Vec<_> = streams.iter().flat_map(split_runs).collect();
    let long = Stream::new(
        &all_runs,
        Schedule {
            offer: vec![true],
            ready: vec![true],
        },
    );
    let long_expected: Vec<_> = expected.concat();
    let verilog = render_verilog(&core.module, &header(design.as_ref()))?;
    eprintln!(
        "building the Verilator bench for {} …",
        design.common().name
    );
    let bench = StreamBench::build(
        Simulator::Verilator,
        &core.module,
        &verilog,
        std::slice::from_ref(&long),
        work,
    )?;
    let (outcome, took) = bench.run_timed(&long, 0)?;
    let check_start = Instant::now();
    let r = check_stream(&long_expected, &outcome.observed);
    if !r.passed() {
        bail!(
            "bench: Verilator disagrees with the golden model: {}",
            r.summary()
        );
    }
    let vl_secs = took.as_secs_f64() + check_start.elapsed().as_secs_f64();
    let label = format!("{} {}", design.core(), design.common().name);
    let ops = core.module.op_count();
    Ok(vec![
        Row {
            design: label.clone(),
            ops,
            backend: format!("rust sim, {} lanes", a.lanes),
            results,
            seconds: rust_secs,
        },
        Row {
            design: label,
            ops,
            backend: "verilator".into(),
            results: r.seen_results as u64,
            seconds: vl_secs,
        },
    ])
}

/// The runs a stream was made of, for re-streaming them elsewhere.
fn split_runs(s: &Stream) -> Vec<lutforge_testbench::golden::Run> {
    let mut out = Vec::new();
    let mut start = 0;
    for &end in &s.run_ends {
        out.push(lutforge_testbench::golden::Run {
            beats: s.beats[start..=end].to_vec(),
        });
        start = end + 1;
    }
    out
}

fn bench_random(a: &BenchSimArgs, work: &std::path::Path) -> Result<Vec<Row>> {
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ 0x5eed);
    let size = CircuitSize {
        inputs: 8,
        ops: a.ops,
        regs: 16,
        outputs: 16,
    };
    let module = random_circuit("bench_random", size, &mut rng)?;
    let inputs: Vec<_> = module
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Input && p.name != "clk")
        .collect();
    // stim[cycle][input][lane]
    let stim: Vec<Vec<Vec<u64>>> = (0..a.cycles)
        .map(|c| {
            inputs
                .iter()
                .map(|p| {
                    (0..a.lanes)
                        .map(|_| {
                            if p.name == "rst" {
                                (c == 0) as u64
                            } else {
                                rng.random::<u64>() & mask(p.elem.width)
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let (rust_secs, lane0) = simulate_lanes(&module, &stim, a.lanes)?;
    let circuit = CycleCircuit {
        module: &module,
        verilog: render_verilog(&module, &lutforge_gen::Header::default())?,
        inputs: stim
            .iter()
            .map(|c| c.iter().map(|lanes| lanes[0]).collect())
            .collect(),
    };
    eprintln!(
        "building the Verilator bench for a random {}-op circuit …",
        a.ops
    );
    let out = run_cycle_bench(
        Simulator::Verilator,
        std::slice::from_ref(&circuit),
        a.cycles,
        &work.join("random"),
    )?;
    if out.outputs[0].as_slice() != &lane0[1..] {
        bail!("bench: Verilator and the Rust simulator disagree on the random circuit");
    }
    let ops = module.op_count();
    let design = format!("random circuit ({} ops)", a.ops);
    Ok(vec![
        Row {
            design: design.clone(),
            ops,
            backend: format!("rust sim, {} lanes", a.lanes),
            results: (a.lanes * a.cycles) as u64,
            seconds: rust_secs,
        },
        Row {
            design,
            ops,
            backend: "verilator".into(),
            results: (a.cycles - 1) as u64,
            seconds: out.run_time.as_secs_f64(),
        },
    ])
}

/// Simulates every lane for every cycle; returns the time and lane 0's outputs per cycle.
fn simulate_lanes(
    module: &Module,
    stim: &[Vec<Vec<u64>>],
    lanes: usize,
) -> Result<(f64, Vec<Vec<u64>>)> {
    let mut sim = Sim::new(module, lanes)?;
    let ins: Vec<_> = module
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Input && p.name != "clk")
        .map(|p| sim.input(&p.name))
        .collect::<Result<_, _>>()?;
    let outs: Vec<_> = module
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Output)
        .map(|p| sim.output(&p.name))
        .collect::<Result<_, _>>()?;
    let mut lane0 = Vec::with_capacity(stim.len());
    let start = Instant::now();
    for cycle in stim {
        for (h, values) in ins.iter().zip(cycle) {
            sim.set_lanes(h, 0, values);
        }
        sim.eval();
        lane0.push(outs.iter().map(|h| sim.get(h, 0, 0)).collect());
        sim.tick()?;
    }
    Ok((start.elapsed().as_secs_f64(), lane0))
}
