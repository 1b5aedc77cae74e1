//! `mac-gemv` on the Rust simulator against the golden model: several
//! shapes, every stimulus kind, every traffic kind, and the metadata latency,
//! under both flow controls (`stall`, `credit`).

use lutforge_hdl::datapath::mac::{MacGemvParams, generate};
use lutforge_hdl::datapath::{CommonParams, FlowControl, WeightFormat};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
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
