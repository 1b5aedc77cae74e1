//! `mac-gemv` on the Rust simulator against the golden model: several
//! shapes, every stimulus kind, every traffic kind, and the metadata latency,
//! under both flow controls (`stall`, `credit`).

use lutforge_hdl::datapath::mac::{MacGemvParams, generate};
use lutforge_hdl::datapath::{CommonParams, FlowControl, WeightFormat};
use lutforge_hdl::ir::{BinOp, Def, Module};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::stimulus::StimulusKind;
use lutforge_testbench::traffic::TrafficKind;
use lutforge_testbench::verify::{Plan, cases, spec_for};

fn params(
    m: usize,
    n: usize,
    k: usize,
    a: u32,
    b: u32,
    beats: u64,
    stage_levels: u32,
) -> MacGemvParams {
    MacGemvParams {
        common: CommonParams {
            name: "mac_test".into(),
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

#[test]
fn mac_gemv_matches_golden_on_rust_sim() {
    check_shapes(FlowControl::Stall);
}

#[test]
fn mac_gemv_with_credit_flow_control_matches_golden_on_rust_sim() {
    check_shapes(FlowControl::Credit);
}

fn check_shapes(flow: FlowControl) {
    let mut shapes = [
        params(1, 4, 16, 8, 4, 8, 2),
        params(1, 3, 7, 8, 8, 5, 1),
        params(2, 2, 5, 4, 2, 3, 3),
        params(3, 1, 9, 6, 3, 4, 2),
        params(1, 1, 1, 5, 2, 2, 1),
        params(1, 2, 2, 2, 2, 2, 1),
    ];
    for p in &mut shapes {
        p.common.flow_control = flow;
    }
    for p in &shapes {
        let core = generate(p).expect("generates");
        let plan = Plan::full(spec_for(&p.common), 8, 12, 7);
        for case in cases(&plan).expect("stimulus") {
            let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
            let report = check_core_case(&core, &case, &outcomes);
            assert!(
                report.passed(),
                "{:?} {:?} {:?}: {}",
                p.common,
                case.stimulus,
                case.traffic,
                report.summary_with_cols(p.common.n)
            );
            assert!(report.compared_elements > 0);
            if case.traffic == TrafficKind::Full {
                let lat = outcomes
                    .iter()
                    .zip(&case.streams)
                    .flat_map(|(o, s)| o.latencies(s))
                    .min();
                assert_eq!(
                    lat,
                    Some(core.latency as u64),
                    "metadata latency of {:?}",
                    p.common
                );
            }
        }
    }
}

#[test]
fn full_traffic_takes_a_beat_every_cycle() {
    for flow in [FlowControl::Stall, FlowControl::Credit] {
        let mut p = params(1, 2, 8, 8, 4, 4, 2);
        p.common.flow_control = flow;
        full_traffic(&p);
    }
}

fn full_traffic(p: &MacGemvParams) {
    let core = generate(p).unwrap();
    let plan = Plan {
        traffic: vec![TrafficKind::Full],
        ..Plan::full(spec_for(&p.common), 1, 20, 3)
    };
    let case = &cases(&plan).unwrap()[0];
    let out = &run_streams(&core.module, &case.streams).unwrap()[0];
    let beats = case.streams[0].beats.len() as u64;
    assert_eq!(out.accept_cycles, (0..beats).collect::<Vec<_>>());
}

/// `p` with weight columns packed two to a multiplier (`count` 0: all pairs).
fn packed(mut p: MacGemvParams, count: u32) -> MacGemvParams {
    p.mul_pack = 2;
    p.mul_pack_count = count;
    p
}

fn multipliers(m: &Module) -> usize {
    m.signals
        .iter()
        .filter(|s| matches!(s.def, Def::Binary(BinOp::Mul, _, _)))
        .count()
}

/// Runs every case of `plan` on the Rust simulator against the golden model.
fn check(p: &MacGemvParams, plan: &Plan) {
    let core = generate(p).expect("generates");
    for case in cases(plan).expect("stimulus") {
        let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
        let report = check_core_case(&core, &case, &outcomes);
        assert!(
            report.passed() && report.compared_elements > 0,
            "{:?} pack {} count {} {:?} {:?}: {}",
            p.common,
            p.mul_pack,
            p.mul_pack_count,
            case.stimulus,
            case.traffic,
            report.summary_with_cols(p.common.n)
        );
    }
}

#[test]
fn packed_multiply_is_exact_for_every_activation_and_weight_pair() {
    // N = 2, K = 1: one multiplier takes a · w0 and a · w1; the exhaustive
    // stimulus walks every (a, w0, w1) for A = 4..8, B = 2..4.
    for a in 4..=8 {
        for b in 2..=4 {
            let p = packed(params(1, 2, 1, a, b, 1, 1), 0);
            assert_eq!(multipliers(&generate(&p).unwrap().module), 1);
            let plan = Plan {
                stimulus: vec![StimulusKind::Exhaustive],
                traffic: vec![TrafficKind::Full],
                ..Plan::full(spec_for(&p.common), 1, 1, 5)
            };
            check(&p, &plan);
        }
    }
}

#[test]
fn packed_core_matches_golden_under_bubbles_and_back_pressure() {
    let shapes = [
        // The default tile, every pair packed, and the flow's UP5K pick (8).
        packed(params(1, 4, 16, 8, 4, 8, 2), 0),
        packed(params(1, 4, 16, 8, 4, 8, 2), 8),
        // Odd N (the last column unpaired), M > 1, part of the pairs.
        packed(params(2, 3, 5, 6, 3, 4, 1), 7),
        packed(params(1, 2, 3, 4, 2, 3, 3), 0),
    ];
    for p in &shapes {
        let plain = generate(&MacGemvParams {
            mul_pack: 1,
            mul_pack_count: 0,
            ..p.clone()
        })
        .unwrap();
        let core = generate(p).unwrap();
        let c = &p.common;
        let pairs = if p.mul_pack_count == 0 {
            c.m * (c.n / 2) * c.k
        } else {
            p.mul_pack_count as usize
        };
        assert_eq!(multipliers(&core.module), c.m * c.n * c.k - pairs);
        assert_eq!(core.latency, plain.latency, "packing keeps the latency");
        check(p, &Plan::full(spec_for(c), 6, 10, 17));
    }
}

#[test]
fn packing_is_refused_where_it_does_not_fit() {
    let too_wide = packed(params(1, 2, 4, 8, 5, 2, 1), 0);
    let e = generate(&too_wide).unwrap_err().to_string();
    assert!(e.contains("mul-pack") && e.contains("16"), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
    let one_column = packed(params(1, 1, 4, 8, 4, 2, 1), 0);
    let e = generate(&one_column).unwrap_err().to_string();
    assert!(e.contains("N = 1"), "{e}");
    let too_many = packed(params(1, 2, 4, 8, 4, 2, 1), 5);
    let e = generate(&too_many).unwrap_err().to_string();
    assert!(e.contains("mul-pack-count") && e.contains('4'), "{e}");
    let count_alone = MacGemvParams {
        mul_pack_count: 3,
        ..params(1, 2, 4, 8, 4, 2, 1)
    };
    assert!(generate(&count_alone).is_err());
}
