//! The UART's emitted Verilog in Icarus and Verilator against the Rust
//! simulator, cycle by cycle: the transmitter with random offers, the
//! receiver fed with 8N1 frames at a skewed rate, a framing error and a glitch.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::board::uart::{uart_rx_module, uart_tx_module};
use lutforge_testbench::backend::rust_sim::run_cycles;
use lutforge_testbench::backend::verilog::{CycleCircuit, Simulator, run_cycle_bench};
use lutforge_tools::for_test;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CYCLES: usize = 8000;

fn rx_line(rng: &mut ChaCha8Rng, cpb: f64) -> Vec<u64> {
    let mut line = vec![1u64; 20];
    while line.len() < CYCLES - 20 * cpb as usize {
        let byte: u8 = rng.random();
        let stop = rng.random_bool(0.9);
        let mut levels = vec![0u64];
        levels.extend((0..8).map(|i| u64::from(byte >> i & 1)));
        levels.push(u64::from(stop));
        let start = line.len() as f64;
        for (i, &l) in levels.iter().enumerate() {
            line.resize((start + (i + 1) as f64 * cpb).round() as usize, l);
        }
        let gap = rng.random_range(0..30);
        line.extend(std::iter::repeat_n(1, gap));
        if rng.random_bool(0.1) {
            line.extend([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        }
    }
    line.resize(CYCLES, 1);
    line
}

#[test]
fn uart_in_icarus_and_verilator_equals_the_rust_simulator() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let tx = uart_tx_module("u", 12).unwrap();
    let rx = uart_rx_module("u", 12).unwrap();
    let tx_in: Vec<Vec<u64>> = (0..CYCLES)
        .map(|c| {
            vec![
                u64::from(c < 2),
                rng.random_range(0..2),
                rng.random_range(0..256),
            ]
        })
        .collect();
    let rx_in: Vec<Vec<u64>> = rx_line(&mut rng, 12.0 * 1.015)
        .into_iter()
        .enumerate()
        .map(|(c, l)| vec![u64::from(c < 2), l])
        .collect();
    let header = Header::default();
    let cases = [(&tx, tx_in), (&rx, rx_in)];
    let expected: Vec<_> = cases
        .iter()
        .map(|(m, i)| run_cycles(m, i).expect("simulates"))
        .collect();
    let valid_seen: u64 = expected[1].iter().map(|row| row[0]).sum();
    assert!(valid_seen > 30, "the receiver took {valid_seen} bytes");
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        if !sim
            .tools()
            .iter()
            .all(|&t| for_test(t, "UART co-simulation").is_some())
        {
            continue;
        }
        let circuits: Vec<CycleCircuit> = cases
            .iter()
            .map(|(m, i)| CycleCircuit {
                module: m,
                verilog: render_verilog(m, &header).unwrap(),
                inputs: i.clone(),
            })
            .collect();
        let work = tempfile::tempdir().unwrap();
        let got = run_cycle_bench(sim, &circuits, CYCLES, work.path()).unwrap();
        for (k, (g, want)) in got.outputs.iter().zip(&expected).enumerate() {
            for (c, (grow, wrow)) in g.iter().zip(&want[1..]).enumerate() {
                assert_eq!(grow, wrow, "{} circuit {k} cycle {}", sim.name(), c + 1);
            }
        }
    }
}
