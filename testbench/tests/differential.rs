//! The proof that the emitter means what the IR means: random IR circuits
//! (every op, widths 1..64, mixed signedness, registers, ROMs, an instance;
//! and in a second set the vendor primitives: ECP5 select-adds in `CCU2C`
//! cells, run with Yosys' cell models, block memories and SPRAMs) run on the Rust
//! simulator, Icarus and Verilator with the same inputs, and all three
//! agree on every output of every cycle.
//!
//! 300 circuits and 100 with memories per run; `LUTFORGE_NIGHTLY=1` runs
//! ten times as many. Each simulator builds all circuits of a batch at once.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::ir::{Def, Dir, Module, mask};
use lutforge_testbench::backend::rust_sim::run_cycles;
use lutforge_testbench::backend::verilog::{CycleCircuit, Simulator, run_cycle_bench};
use lutforge_testbench::random_circuit::{CircuitSize, random_circuit, random_memory_circuit};
use lutforge_tools::for_test;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CYCLES: usize = 40;

/// `per_run` circuits, ten times as many under `LUTFORGE_NIGHTLY=1`.
fn circuit_count(per_run: usize) -> usize {
    if std::env::var("LUTFORGE_NIGHTLY").is_ok_and(|v| v == "1") {
        10 * per_run
    } else {
        per_run
    }
}

/// Inputs per cycle for each non-clock input port: `rst` high in cycle 0
/// and now and then later; data inputs random, extremes often.
fn stimulus(m: &Module, rng: &mut impl Rng) -> Vec<Vec<u64>> {
    (0..CYCLES)
        .map(|c| {
            m.ports
                .iter()
                .filter(|p| p.dir == Dir::Input && p.name != "clk")
                .map(|p| {
                    let w = p.elem.width;
                    if p.name == "rst" {
                        return (c == 0 || rng.random_bool(0.05)) as u64;
                    }
                    match rng.random_range(0..6) {
                        0 => 0,
                        1 => mask(w),
                        2 => 1u64 << (w - 1),
                        3 => mask(w) >> 1,
                        _ => rng.random::<u64>() & mask(w),
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn rust_sim_icarus_and_verilator_agree_on_random_circuits() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x1f0_46e);
    let modules: Vec<Module> = (0..circuit_count(300))
        .map(|i| {
            random_circuit(&format!("rc{i}"), CircuitSize::SMALL, &mut rng)
                .expect("random circuit builds")
        })
        .collect();
    agree("circuits", &modules, &mut rng);
}

#[test]
fn rust_sim_icarus_and_verilator_agree_on_random_memory_circuits() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xb2a_3e3);
    let modules: Vec<Module> = (0..circuit_count(100))
        .map(|i| {
            random_memory_circuit(&format!("rm{i}"), CircuitSize::SMALL, &mut rng)
                .expect("random memory circuit builds")
        })
        .collect();
    let select_adds = modules
        .iter()
        .flat_map(|m| &m.signals)
        .filter(|s| matches!(s.def, Def::SelectAdd { .. }))
        .count();
    assert!(select_adds >= modules.len(), "{select_adds} select-adds");
    agree("memory circuits", &modules, &mut rng);
}

/// Runs `modules` on every simulator found and checks that each agrees
/// with the Rust simulator on every output of every cycle after the first.
fn agree(what: &str, modules: &[Module], rng: &mut impl Rng) {
    let sims: Vec<Simulator> = [Simulator::Icarus, Simulator::Verilator]
        .into_iter()
        .filter(|s| {
            s.tools()
                .iter()
                .all(|&t| for_test(t, "differential").is_some())
        })
        .collect();
    let count = modules.len();
    let ops: usize = modules.iter().map(Module::op_count).sum();
    let inputs: Vec<Vec<Vec<u64>>> = modules.iter().map(|m| stimulus(m, rng)).collect();
    let expected: Vec<Vec<Vec<u64>>> = modules
        .iter()
        .zip(&inputs)
        .map(|(m, i)| run_cycles(m, i).expect("simulates"))
        .collect();
    let header = Header {
        command: "differential test".into(),
        params: vec![],
    };
    let work = tempfile::tempdir().unwrap();
    for sim in sims {
        for (batch, chunk) in modules.chunks(150).enumerate() {
            let base = batch * 150;
            let circuits: Vec<CycleCircuit> = chunk
                .iter()
                .enumerate()
                .map(|(j, m)| CycleCircuit {
                    module: m,
                    verilog: render_verilog(m, &header).expect("renders"),
                    inputs: inputs[base + j].clone(),
                })
                .collect();
            let dir = work.path().join(format!("{}_{batch}", sim.name()));
            let got = match run_cycle_bench(sim, &circuits, CYCLES, &dir) {
                Ok(g) => g.outputs,
                Err(e) => panic!(
                    "{}: {e}; files kept in {}",
                    sim.name(),
                    work.keep().display()
                ),
            };
            for (j, (g, want)) in got.iter().zip(&expected[base..]).enumerate() {
                // Cycle 0 is the reset cycle (not reported): Verilog registers are X until its edge.
                for (c, (grow, wrow)) in g.iter().zip(&want[1..]).enumerate() {
                    let c = c + 1;
                    if grow != wrow {
                        let keep = work.keep();
                        panic!(
                            "{}: circuit {} cycle {c}: Verilog gives {grow:x?}, Rust simulator {wrow:x?}; files kept in {}",
                            sim.name(),
                            modules[base + j].name,
                            keep.display()
                        );
                    }
                }
            }
        }
        eprintln!(
            "{}: {count} {what} ({ops} ops) × {CYCLES} cycles agree with the Rust simulator",
            sim.name()
        );
    }
}
