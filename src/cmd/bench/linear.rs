//! `lutforge bench sim --linear`: cycles per second of a `linear` engine on
//! the Rust simulator (one lane, and many lanes at once) and in Verilator,
//! on the same weights and vectors, every y-word checked against the golden
//! GEMV and Verilator's run cycle-exact against the Rust simulator's.

use std::path::Path;

use anyhow::{Result, bail};
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::linear::{GeneratedLinear, LinearParams};
use lutforge_testbench::backend::verilog::Simulator;
use lutforge_testbench::linear::verilog::trace_difference;
use lutforge_testbench::linear::{
    BenchRun, Idle, LinearBench, random_run, run_lanes, run_rust_sim_with,
};
use lutforge_testbench::traffic::TrafficKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::BenchSimArgs;
use crate::params::CoreFlags;
use crate::table::Table;

/// One measured back end: cycles simulated (lane-cycles for many lanes) in `seconds`.
struct Measured {
    backend: String,
    cycles: u64,
    seconds: f64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.cycles as f64 / self.seconds.max(1e-9)
    }
}

/// Builds the engine, runs it on both back ends and prints the table.
pub fn bench_linear(
    a: &BenchSimArgs,
    registry: &Registry,
    flags: &CoreFlags,
    work: &Path,
) -> Result<()> {
    if !(1..=1000).contains(&a.vectors) {
        bail!("--vectors {} is invalid: give 1..=1000", a.vectors);
    }
    let values = flags.values(registry, &a.datapath)?;
    let p = a.engine.params(
        registry,
        a.datapath.clone(),
        values,
        a.in_features,
        a.out_features,
    )?;
    let g = lutforge_hdl::datapath::linear::generate(&p, registry)?;
    println!("{}", crate::cmd::linear::describe(&p, &g));
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let mut one = random_run(&g, a.vectors, TrafficKind::Full, &mut rng).run;
    one.second.vectors.clear();
    let run = BenchRun::new(one, &mut rng);
    let rows = vec![
        rust_lanes(&g, &run, 1, &mut rng)?,
        rust_lanes(&g, &run, a.lanes, &mut rng)?,
        verilator(&g, &p, &run, work, &mut rng)?,
    ];
    let vl = rows[2].rate();
    let ops = g.module.op_count();
    let mut t = Table::new(&["back end", "cycles", "seconds", "cycles/s", "÷ verilator"]);
    for r in &rows {
        t.row(vec![
            r.backend.clone(),
            r.cycles.to_string(),
            format!("{:.3}", r.seconds),
            format!("{:.3e}", r.rate()),
            format!("{:.2}×", r.rate() / vl),
        ]);
    }
    print!("{}", t.render());
    println!(
        "{ops} ops; cycles: from reset to the last y-word of {} vectors (weight load included), lane-cycles for many lanes; every y-word checked against the golden GEMV; Verilator's time is its run only, not its build, cycle-exact with the Rust simulator.",
        a.vectors
    );
    Ok(())
}

/// The Rust simulator in `lanes` lanes: lane 0 runs `run`'s vectors, the others vectors of their own.
fn rust_lanes(
    g: &GeneratedLinear,
    run: &BenchRun,
    lanes: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Measured> {
    let geo = &g.geometry;
    let (lo, hi) = (
        -(1i64 << (geo.act_bits - 1)),
        (1i64 << (geo.act_bits - 1)) - 1,
    );
    let others: Vec<Vec<Vec<i64>>> = (1..lanes)
        .map(|_| {
            (0..run.run.first.vectors.len())
                .map(|_| {
                    (0..geo.k_total)
                        .map(|_| rng.random_range(lo..=hi))
                        .collect()
                })
                .collect()
        })
        .collect();
    eprintln!("running the Rust simulator in {lanes} lane(s) …");
    let rep = run_lanes(&g.module, &run.run, &others).map_err(|e| {
        anyhow::anyhow!(
            "bench: the engine disagrees with the golden GEMV on the Rust simulator: {e}"
        )
    })?;
    Ok(Measured {
        backend: format!(
            "rust sim, {lanes} lane{}",
            if lanes == 1 { "" } else { "s" }
        ),
        cycles: (rep.cycles * lanes) as u64,
        seconds: rep.seconds,
    })
}

/// The same run in Verilator, checked against the golden GEMV and, cycle by cycle, against the Rust simulator.
fn verilator(
    g: &GeneratedLinear,
    p: &LinearParams,
    run: &BenchRun,
    work: &Path,
    rng: &mut ChaCha8Rng,
) -> Result<Measured> {
    let header = lutforge_gen::Header {
        command: crate::cmd::linear::command_line(p),
        params: Vec::new(),
    };
    let verilog = lutforge_gen::render_verilog(&g.module, &header)?;
    eprintln!("building the Verilator bench of the engine …");
    let bench = LinearBench::build(
        Simulator::Verilator,
        &g.module,
        &verilog,
        std::slice::from_ref(run),
        work,
    )?;
    let v = bench.run(run, 0)?;
    if let Some(e) = v.errors.first() {
        bail!("bench: Verilator disagrees with the golden GEMV: {e}");
    }
    let rust = run_rust_sim_with(&g.module, &run.run, &run.sched, Idle::Complement, rng);
    if let Some(e) = rust.errors.first() {
        bail!("bench: the Rust simulator's checked run failed: {e}");
    }
    if let Some(d) = trace_difference(&rust.trace, &v.trace) {
        bail!("bench: Verilator and the Rust simulator disagree: {d}");
    }
    let cycles = v.trace.y.last().map_or(0, |y| y.0 + 1);
    Ok(Measured {
        backend: "verilator".into(),
        cycles: cycles as u64,
        seconds: v.run_time.as_secs_f64(),
    })
}
