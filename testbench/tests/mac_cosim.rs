//! `mac-gemv` in all three back ends (Rust simulator, Icarus, Verilator) on
//! several shapes: K not a power of two, W bits 2..8, A bits 4..8, M > 1,
//! every stimulus kind (exhaustive for a tiny tile) under every traffic
//! pattern. Both Verilog simulators must match the golden model and the
//! Rust simulator cycle by cycle.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::mac::{MacGemvParams, generate};
use lutforge_hdl::datapath::{CommonParams, WeightFormat};
use lutforge_testbench::backend::verilog::Simulator;
use lutforge_testbench::cosim::cosim;
use lutforge_testbench::stimulus::StimulusKind;
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
        },
        stage_levels,
        mul_pack: 1,
        mul_pack_count: 0,
    }
}

fn cosim_all(p: &MacGemvParams, runs: usize) {
    let core = generate(p).expect("generates");
    let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
    let plan = Plan::full(spec_for(&p.common), 1, runs, 11);
    let cases = cases(&plan).expect("stimulus");
    if spec_for(&p.common).shape.k <= 2 {
        assert!(
            cases.iter().any(|c| c.stimulus == StimulusKind::Exhaustive),
            "tiny tiles are tested exhaustively"
        );
    }
    for sim in [Simulator::Icarus, Simulator::Verilator] {
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
