//! The board core's emitted Verilog in Icarus and Verilator: a recorded
//! session (HELLO, a weight load, one vector, its results) replayed cycle
//! by cycle against the Rust simulator, after the session's replies were
//! checked byte for byte against the host crate's reference model.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::board::{self, BoardCoreParams};
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{LinearParams, WeightMemory};
use lutforge_host::{BoardModel, EngineInfo, WeightWords, encode, pack};
use lutforge_testbench::backend::rust_sim::run_cycles;
use lutforge_testbench::backend::verilog::{CycleCircuit, Simulator, run_cycle_bench};
use lutforge_testbench::board::BoardLine;
use lutforge_tools::for_test;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CPB: u32 = 8;
const K: usize = 21;
const N: usize = 10;

fn params() -> BoardCoreParams {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), 8u64.into());
    cp.insert("n".into(), 4u64.into());
    BoardCoreParams {
        name: "bv".into(),
        linear: LinearParams {
            name: "bv".into(),
            in_features: K,
            out_features: N,
            core: "ternary-gemv".into(),
            core_params: cp,
            x_lanes: 4,
            y_lanes: 2,
            weight_word_bits: 16,
            weight_memory: WeightMemory::Bram,
            buffer_memory: Default::default(),
        },
        clocks_per_bit: CPB,
        clock_hz: 320_000,
    }
}

fn with_offset(offset: u32, data: &[u8]) -> Vec<u8> {
    let mut p = offset.to_le_bytes().to_vec();
    p.extend_from_slice(data);
    p
}

#[test]
fn a_board_session_in_icarus_and_verilator_equals_the_rust_simulator() {
    let g = board::generate(&params(), &Registry::builtin()).expect("generates");
    let info = EngineInfo::decode(&g.hello()).expect("the HELLO record decodes");
    let mut model = BoardModel::new(info.clone()).expect("model");
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let w: Vec<i64> = (0..N * K).map(|_| rng.random_range(-1..=1)).collect();
    let bits = pack(info.packing, N, K, &w).expect("packs");
    let words = WeightWords::from_bits(&bits, u32::from(info.word_bits)).expect("words");
    let x: Vec<u8> = (0..K).map(|_| rng.random::<u8>()).collect();
    let frames = [
        encode(1, 1, &[]).unwrap(),
        encode(4, 2, &with_offset(0, words.wire_bytes())).unwrap(),
        encode(5, 3, &with_offset(0, &x)).unwrap(),
        encode(6, 4, &[0, 0, 0, 0, N as u8, 0]).unwrap(),
    ];
    let mut line = BoardLine::with_record(&g.module, CPB, true).expect("simulates");
    for f in &frames {
        let want: Vec<u8> = f.iter().filter_map(|&b| model.feed(b)).flatten().collect();
        let got = line.exchange(f, 1500).expect("simulates");
        assert_eq!(got, want, "kind {:#04x}: board and model differ", f[1]);
    }
    let inputs = line.recorded();
    let cycles = inputs.len();
    let expected = run_cycles(&g.module, &inputs).expect("simulates");
    let tx_edges = expected.windows(2).filter(|p| p[0][0] != p[1][0]).count();
    assert!(tx_edges > 100, "uart_tx toggled {tx_edges} times");
    let verilog = render_verilog(&g.module, &Header::default()).expect("renders");
    let mut ran = 0;
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        if !sim
            .tools()
            .iter()
            .all(|&t| for_test(t, "board core co-simulation").is_some())
        {
            continue;
        }
        let circuit = CycleCircuit {
            module: &g.module,
            verilog: verilog.clone(),
            inputs: inputs.clone(),
        };
        let work = tempfile::tempdir().unwrap();
        let got = run_cycle_bench(sim, &[circuit], cycles, work.path()).expect("runs");
        for (c, (grow, wrow)) in got.outputs[0].iter().zip(&expected[1..]).enumerate() {
            assert_eq!(grow, wrow, "{} cycle {}", sim.name(), c + 1);
        }
        eprintln!(
            "{}: {cycles} cycles equal to the Rust simulator, in {:?}",
            sim.name(),
            got.run_time
        );
        ran += 1;
    }
    eprintln!("{ran} Verilog simulators ran the session");
}
