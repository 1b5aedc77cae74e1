//! `mac-gemv` in all three back ends (Rust simulator, Icarus, Verilator) on
//! several shapes: K not a power of two, W bits 2..8, A bits 4..8, M > 1,
//! every stimulus kind (exhaustive for a tiny tile) under every traffic
//! pattern. Both Verilog simulators must match the golden model and the
//! Rust simulator cycle by cycle; `credit` flow control included.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::mac::{MacGemvParams, generate};
use lutforge_hdl::datapath::{CommonParams, FlowControl, WeightFormat};
use lutforge_testbench::backend::verilog::Simulator;
use lutforge_testbench::cosim::cosim;
use lutforge_testbench::stimulus::StimulusKind;
use lutforge_testbench::traffic::TrafficKind;
use lutforge_testbench::verify::{Plan, cases, spec_for};
use lutforge_tools::for_test;

/// A mac-gemv config: `(m, n, k)` tile, `(a, b)` activation and weight bits.
fn mac(
    name: &str,
    (m, n, k): (usize, usize, usize),
    (a, b): (u32, u32),
    beats: u64,
    stage_levels: u32,
) -> MacGemvParams {
    MacGemvParams {
        common: CommonParams {
            name: name.into(),
            m,
            n,
            k,
            act_bits: a,
            w_format: WeightFormat::Int,
            w_bits: b,
            max_beats: beats,
            flow_control: Default::default(),
        },
        stage_levels,
        mul_pack: 1,
        mul_pack_count: 0,
    }
}

fn cosim_all(p: &MacGemvParams, runs: usize) {
    cosim_plan(
        p,
        &Plan::full(spec_for(&p.common), 1, runs, 11),
        &[Simulator::Icarus, Simulator::Verilator],
    );
}

/// Every case of `plan` in each of `sims` against the golden model and the Rust simulator.
fn cosim_plan(p: &MacGemvParams, plan: &Plan, sims: &[Simulator]) {
    let runs = plan.runs;
    let core = generate(p).expect("generates");
    let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
    let cases = cases(plan).expect("stimulus");
    if spec_for(&p.common).shape.k <= 2 {
        assert!(
            cases.iter().any(|c| c.stimulus == StimulusKind::Exhaustive),
            "tiny tiles are tested exhaustively"
        );
    }
    for &sim in sims {
        if !sim
            .tools()
            .iter()
            .all(|&t| for_test(t, &format!("mac-gemv cosim {}", p.common.name)).is_some())
        {
            continue;
        }
        let work = tempfile::tempdir().unwrap();
        let results =
            cosim(&core.module, &verilog, &cases, sim, work.path(), || {}).expect("co-simulates");
        let mut results_checked = 0;
        for (case, r) in cases.iter().zip(&results) {
            assert!(
                r.passed(),
                "{} {}: {:?}/{:?}: rust {} | {} {} | {:?}",
                p.common.name,
                sim.name(),
                case.stimulus,
                case.traffic,
                r.rust.summary_with_cols(p.common.n),
                sim.name(),
                r.verilog.summary_with_cols(p.common.n),
                r.disagreements
            );
            results_checked += r.verilog.seen_results;
        }
        assert!(results_checked >= cases.len() * runs.min(4));
        eprintln!(
            "{} on {}: {results_checked} results, 0 mismatches",
            p.common.name,
            sim.name()
        );
    }
}

#[test]
fn gemv_k16_int4() {
    cosim_all(&mac("mac_k16", (1, 4, 16), (8, 4), 8, 2), 8);
}

#[test]
fn k_not_power_of_two_int8() {
    cosim_all(&mac("mac_k7", (1, 3, 7), (8, 8), 5, 1), 8);
}

#[test]
fn m_greater_than_one_narrow() {
    cosim_all(&mac("mac_m3", (3, 2, 5), (4, 2), 3, 3), 8);
}

#[test]
fn wide_weights_odd_act_bits() {
    cosim_all(&mac("mac_a6w7", (2, 1, 9), (6, 7), 4, 2), 8);
}

#[test]
fn exhaustive_tiny_tile() {
    // M·K·A + N·K·B = 1·2·4 + 1·2·2 = 12 bits: every activation and weight code.
    cosim_all(&mac("mac_tiny", (1, 1, 2), (4, 2), 2, 1), 6);
}

#[test]
fn exhaustive_single_term() {
    // 1·1·5 + 2·1·3 = 11 bits.
    cosim_all(&mac("mac_k1", (1, 2, 1), (5, 3), 3, 1), 6);
}

#[test]
fn credit_flow_control_m_greater_than_one() {
    let mut p = mac("mac_cr_m2", (2, 3, 5), (6, 3), 4, 2);
    p.common.flow_control = FlowControl::Credit;
    cosim_all(&p, 6);
}

/// `p` with weight columns packed two to a multiplier (`count` 0: all pairs).
fn packed(mut p: MacGemvParams, count: u32) -> MacGemvParams {
    p.mul_pack = 2;
    p.mul_pack_count = count;
    p
}

#[test]
fn packed_multiply_exhaustive_in_icarus() {
    // N = 2, K = 1: every (a, w0, w1) through one shared multiplier, A = 4..8, B = 2..4.
    for a in 4..=8 {
        for b in 2..=4 {
            let p = packed(
                mac(&format!("mac_pack_a{a}w{b}"), (1, 2, 1), (a, b), 1, 1),
                0,
            );
            let plan = Plan {
                stimulus: vec![StimulusKind::Exhaustive],
                traffic: vec![TrafficKind::Full],
                ..Plan::full(spec_for(&p.common), 1, 1, 3)
            };
            cosim_plan(&p, &plan, &[Simulator::Icarus]);
        }
    }
}

#[test]
fn packed_core_under_every_traffic() {
    // The flow's UP5K pick (8 packed multipliers of the default tile) and an
    // odd-N, M > 1 tile with every pair packed.
    cosim_all(&packed(mac("mac_pack_k16", (1, 4, 16), (8, 4), 8, 2), 8), 6);
    cosim_all(&packed(mac("mac_pack_m2", (2, 3, 5), (6, 3), 4, 1), 0), 6);
}
