//! `ternary-gemv` against the golden model: every negation form, tree shape,
//! weight packing and pipelining choice on the Rust simulator over many
//! shapes (K not a multiple of the tree width or of 5, N > 1, M > 1, A from
//! 2 to 16), and a representative set in Icarus and Verilator, all under
//! every stimulus and traffic pattern, reserved codes included; the same
//! under `credit` flow control (free-running pipeline, result queue); the
//! ECP5 carry mapping (`--map ecp5`) in all three back ends, the −1 count
//! through the adders' carry ins (the default) and as a popcount, its `CCU2C`
//! cells simulated by Yosys' models; `--hierarchy modules` (one column
//! module instantiated N times) cycle for cycle against the flat form on the
//! Rust simulator, and against the golden model in all three back ends;
//! registered terms (`--input-register terms`) in every negation, count,
//! packing, tree, flow control and hierarchy, in all three back ends.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::hierarchy::Hierarchy;
use lutforge_hdl::datapath::ternary::{
    CarryMap, InputRegister, NegCount, Negation, TernaryGemvParams, WeightPacking, generate,
};
use lutforge_hdl::datapath::tree::TreeShape;
use lutforge_hdl::datapath::{CommonParams, FlowControl, WeightFormat};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::cosim::{cosim_every_simulator, failures};
use lutforge_testbench::verify::{Plan, cases, golden_packing, spec_for};

#[derive(Clone, Copy)]
struct Knobs {
    negation: Negation,
    tree: TreeShape,
    packing: WeightPacking,
    stage_levels: u32,
    map: CarryMap,
    neg_count: NegCount,
}

/// N_neg, two-input adders, 2-bit codes, a register after every level,
/// generic Verilog, the −1 count in the carry ins.
const NNEG_ADD2: Knobs = Knobs {
    negation: Negation::Nneg,
    tree: TreeShape::Add2,
    packing: WeightPacking::Codes,
    stage_levels: 1,
    map: CarryMap::Generic,
    neg_count: NegCount::Carry,
};

fn params(
    name: &str,
    (m, n, k): (usize, usize, usize),
    a: u32,
    beats: u64,
    kn: &Knobs,
) -> TernaryGemvParams {
    TernaryGemvParams {
        common: CommonParams {
            name: name.into(),
            m,
            n,
            k,
            act_bits: a,
            w_format: WeightFormat::Ternary,
            w_bits: 2,
            max_beats: beats,
            flow_control: Default::default(),
        },
        stage_levels: kn.stage_levels,
        negation: kn.negation,
        tree: kn.tree,
        w_packing: kn.packing,
        map: kn.map,
        neg_count: kn.neg_count,
        input_register: InputRegister::default(),
        hierarchy: Hierarchy::default(),
    }
}

fn plan(p: &TernaryGemvParams, streams: usize, runs: usize) -> Plan {
    Plan::full(spec_for(&p.common), streams, runs, 5).packed(golden_packing(p.w_packing))
}

const SHAPES: [((usize, usize, usize), u32, u64); 6] = [
    ((1, 1, 7), 8, 4),
    ((1, 3, 16), 8, 3),
    ((2, 2, 11), 4, 5),
    ((1, 2, 13), 16, 2),
    ((3, 1, 5), 2, 6),
    ((1, 1, 1), 8, 3),
];

#[test]
fn every_knob_on_the_rust_simulator() {
    let mut checked = 0;
    for negation in [Negation::Nneg, Negation::Negate] {
        for tree in [TreeShape::Add2, TreeShape::Add3] {
            for packing in [
                WeightPacking::Codes,
                WeightPacking::Base3,
                WeightPacking::I2s,
            ] {
                for (stage_levels, map, neg_count) in [1, 2, 3].into_iter().flat_map(|s| {
                    [CarryMap::Generic, CarryMap::Ecp5]
                        .into_iter()
                        .flat_map(move |m| [(s, m, NegCount::Carry), (s, m, NegCount::Popcount)])
                }) {
                    // The carry mapping fuses the N_neg select into two-input
                    // adders only, and only those have a count to fold.
                    let nneg_add2 = negation == Negation::Nneg && tree == TreeShape::Add2;
                    if !nneg_add2 && (map == CarryMap::Ecp5 || neg_count == NegCount::Popcount) {
                        continue;
                    }
                    let kn = Knobs {
                        negation,
                        tree,
                        packing,
                        stage_levels,
                        map,
                        neg_count,
                    };
                    for (shape, a, beats) in SHAPES {
                        let p = params("tern", shape, a, beats, &kn);
                        let core = generate(&p).expect("generates");
                        for case in cases(&plan(&p, 4, 6)).expect("stimulus") {
                            let outcomes =
                                run_streams(&core.module, &case.streams).expect("simulates");
                            let r = check_core_case(&core, &case, &outcomes);
                            assert!(
                                r.passed(),
                                "{:?} {:?} {:?} s{} {:?} {:?} {:?}: {:?}/{:?}: {}",
                                negation,
                                tree,
                                packing,
                                stage_levels,
                                map,
                                neg_count,
                                shape,
                                case.stimulus,
                                case.traffic,
                                r.summary_with_cols(shape.1)
                            );
                            checked += r.compared_elements;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 100_000, "{checked} elements compared");
}

fn cosim_both(p: &TernaryGemvParams) {
    let core = generate(p).expect("generates");
    let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
    let cases = cases(&plan(p, 1, 6)).expect("stimulus");
    let runs = cosim_every_simulator(&core.module, &verilog, &cases, &p.common.name)
        .expect("co-simulates");
    let bad = failures(&cases, &runs);
    assert!(bad.is_empty(), "{}: {}", p.common.name, bad.join("\n"));
}

#[test]
fn cosim_nneg_codes_add2() {
    let kn = Knobs {
        stage_levels: 2,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_a", (1, 3, 13), 8, 4, &kn));
}

#[test]
fn cosim_popcount_neg_count_generic_and_ecp5() {
    // The popcount form beside the default carry fold: generic and mapped.
    let kn = Knobs {
        neg_count: NegCount::Popcount,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_pop", (2, 2, 9), 8, 4, &kn));
    let mapped = Knobs {
        map: CarryMap::Ecp5,
        stage_levels: 2,
        ..kn
    };
    cosim_both(&params("tern_pop_ccu", (1, 2, 7), 6, 3, &mapped));
}

#[test]
fn cosim_negate_base3_add3() {
    let kn = Knobs {
        negation: Negation::Negate,
        tree: TreeShape::Add3,
        packing: WeightPacking::Base3,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_b", (2, 2, 7), 6, 3, &kn));
}

#[test]
fn cosim_nneg_i2s_add3_wide_acts() {
    let kn = Knobs {
        tree: TreeShape::Add3,
        packing: WeightPacking::I2s,
        stage_levels: 3,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_c", (1, 2, 9), 16, 5, &kn));
}

#[test]
fn cosim_exhaustive_tiny_tile() {
    // 1·2·2 + 1·2·2 = 8 input bits: every activation and every code, reserved 10 included.
    let kn = NNEG_ADD2;
    cosim_both(&params("tern_tiny", (1, 1, 2), 2, 2, &kn));
}

#[test]
fn cosim_base3_k64() {
    let kn = Knobs {
        packing: WeightPacking::Base3,
        stage_levels: 2,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_k64", (1, 1, 64), 8, 8, &kn));
}

#[test]
fn credit_flow_control_on_the_rust_simulator_and_in_both_verilog_simulators() {
    let mut checked = 0;
    for (packing, stage_levels, tree) in [
        (WeightPacking::Codes, 1, TreeShape::Add2),
        (WeightPacking::Base3, 3, TreeShape::Add3),
    ] {
        let kn = Knobs {
            negation: Negation::Nneg,
            tree,
            packing,
            stage_levels,
            map: CarryMap::Generic,
            neg_count: NegCount::Carry,
        };
        for (shape, a, beats) in SHAPES {
            let mut p = params("tern_cr", shape, a, beats, &kn);
            p.common.flow_control = FlowControl::Credit;
            let core = generate(&p).expect("generates");
            for case in cases(&plan(&p, 4, 6)).expect("stimulus") {
                let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
                let r = check_core_case(&core, &case, &outcomes);
                assert!(
                    r.passed(),
                    "credit {packing:?} s{stage_levels} {shape:?}: {:?}/{:?}: {}",
                    case.stimulus,
                    case.traffic,
                    r.summary_with_cols(shape.1)
                );
                checked += r.compared_elements;
            }
        }
    }
    assert!(checked > 10_000, "{checked} elements compared");
    let kn = Knobs {
        negation: Negation::Negate,
        ..NNEG_ADD2
    };
    // Every activation and code of two columns (1·2·2 + 2·2·2 = 12 input bits).
    let mut p = params("tern_cr", (1, 2, 2), 2, 3, &kn);
    p.common.flow_control = FlowControl::Credit;
    cosim_both(&p);
}

#[test]
fn cosim_ecp5_carry_map_with_yosys_cells() {
    // Every activation and code of a K = 2 tile (one select-add), then odd K
    // with a term alone, N > 1 and M > 1: Icarus and Verilator run the
    // CCU2C cells with Yosys' ecp5/cells_sim.v.
    let tiny = Knobs {
        map: CarryMap::Ecp5,
        ..NNEG_ADD2
    };
    cosim_both(&params("tern_ccu_tiny", (1, 1, 2), 2, 2, &tiny));
    let kn = Knobs {
        packing: WeightPacking::I2s,
        stage_levels: 2,
        ..tiny
    };
    cosim_both(&params("tern_ccu", (2, 2, 7), 8, 4, &kn));
    // Verilator's -Wall lint passes on the mapped core of an odd sum width
    // (a spare CCU2C half), Yosys' cell models beside it.
    if lutforge_tools::for_test(lutforge_tools::Tool::Verilator, "lint of the mapped core")
        .is_some()
    {
        let p = params("tern_ccu_lint", (1, 2, 5), 4, 2, &kn);
        let core = generate(&p).expect("generates");
        let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tern_ccu_lint.v"), verilog).unwrap();
        let lines =
            lutforge_tools::checks::verilator_lint(dir.path(), "tern_ccu_lint.v", "tern_ccu_lint")
                .expect("verilator runs");
        assert!(lines.is_empty(), "lint: {lines:?}");
    }
}

#[test]
fn hierarchical_columns_equal_the_flat_core_in_every_back_end() {
    let base = NNEG_ADD2;
    // M > 1, N > 1, odd K, base-3 and I2_S packing, both negations, the
    // ECP5 carry mapping, three-input trees and credit flow control.
    let configs = [
        (base, (2, 3, 7), 4, FlowControl::Stall),
        (
            Knobs {
                packing: WeightPacking::Base3,
                stage_levels: 2,
                ..base
            },
            (2, 2, 11),
            6,
            FlowControl::Stall,
        ),
        (
            Knobs {
                negation: Negation::Negate,
                tree: TreeShape::Add3,
                packing: WeightPacking::I2s,
                ..base
            },
            (3, 2, 5),
            5,
            FlowControl::Stall,
        ),
        (
            Knobs {
                map: CarryMap::Ecp5,
                neg_count: NegCount::Carry,
                stage_levels: 2,
                ..base
            },
            (2, 2, 9),
            8,
            FlowControl::Stall,
        ),
        (
            Knobs {
                packing: WeightPacking::Base3,
                ..base
            },
            (1, 4, 6),
            3,
            FlowControl::Credit,
        ),
    ];
    let mut checked = 0;
    for (i, (kn, shape, a, flow)) in configs.into_iter().enumerate() {
        let mut flat = params("tern_h", shape, a, 3, &kn);
        flat.hierarchy = Hierarchy::Flat;
        flat.common.flow_control = flow;
        let hier = TernaryGemvParams {
            hierarchy: Hierarchy::Modules,
            ..flat.clone()
        };
        let (fc, hc) = (
            generate(&flat).expect("flat generates"),
            generate(&hier).expect("hierarchical generates"),
        );
        let names = |c: &lutforge_hdl::datapath::GeneratedCore| -> Vec<String> {
            let h = c.module.hierarchy().expect("hierarchy");
            h.iter().map(|m| m.name.clone()).collect()
        };
        assert_eq!(names(&fc), ["tern_h"]);
        assert_eq!(names(&hc), ["tern_h_column", "tern_h"]);
        assert_eq!(
            hc.module.instances.len(),
            shape.1,
            "one column instance per output"
        );
        assert_eq!(
            (hc.latency, hc.acc_bits),
            (fc.latency, fc.acc_bits),
            "same metadata"
        );
        for case in cases(&plan(&hier, 4, 6)).expect("stimulus") {
            let h = run_streams(&hc.module, &case.streams).expect("simulates");
            let f = run_streams(&fc.module, &case.streams).expect("simulates");
            assert_eq!(
                h, f,
                "config {i}: the two forms differ on {:?}/{:?}",
                case.stimulus, case.traffic
            );
            let r = check_core_case(&hc, &case, &h);
            assert!(
                r.passed(),
                "config {i} {shape:?}: {:?}/{:?}: {}",
                case.stimulus,
                case.traffic,
                r.summary_with_cols(shape.1)
            );
            checked += r.compared_elements;
        }
        // Icarus and Verilator on the emitted column modules of the carry
        // mapping (the cosim tests above run the other knobs, in the
        // default form, which is this one).
        if kn.map == CarryMap::Ecp5 {
            cosim_both(&hier);
        }
    }
    assert!(checked > 5_000, "{checked} elements compared");
}

#[test]
fn registered_terms_in_every_form_and_back_end() {
    // The select in front of the input register: every negation and count,
    // every packing, both trees, both flow controls and both hierarchies on
    // the Rust simulator over every shape.
    let forms = [
        NNEG_ADD2,
        Knobs {
            neg_count: NegCount::Popcount,
            packing: WeightPacking::Base3,
            stage_levels: 2,
            ..NNEG_ADD2
        },
        Knobs {
            negation: Negation::Negate,
            tree: TreeShape::Add3,
            packing: WeightPacking::I2s,
            ..NNEG_ADD2
        },
        Knobs {
            tree: TreeShape::Add3,
            stage_levels: 3,
            ..NNEG_ADD2
        },
    ];
    let mut checked = 0;
    for (f, kn) in forms.iter().enumerate() {
        for (flow, hierarchy) in [
            (FlowControl::Stall, Hierarchy::Modules),
            (FlowControl::Credit, Hierarchy::Flat),
        ] {
            for (shape, a, beats) in SHAPES {
                let mut p = params("tern_rt", shape, a, beats, kn);
                p.input_register = InputRegister::Terms;
                p.common.flow_control = flow;
                p.hierarchy = hierarchy;
                let core = generate(&p).expect("generates");
                let operands = generate(&TernaryGemvParams {
                    input_register: InputRegister::Operands,
                    ..p.clone()
                })
                .expect("generates");
                assert_eq!(
                    (core.latency, core.throughput, core.acc_bits),
                    (operands.latency, operands.throughput, operands.acc_bits),
                    "form {f} {shape:?}: the same timing facts as registered operands"
                );
                for case in cases(&plan(&p, 4, 6)).expect("stimulus") {
                    let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
                    let r = check_core_case(&core, &case, &outcomes);
                    assert!(
                        r.passed(),
                        "terms form {f} {flow:?} {hierarchy:?} {shape:?}: {:?}/{:?}: {}",
                        case.stimulus,
                        case.traffic,
                        r.summary_with_cols(shape.1)
                    );
                    checked += r.compared_elements;
                }
            }
        }
    }
    assert!(checked > 20_000, "{checked} elements compared");
    // Icarus and Verilator: every activation and code of a tiny tile, then
    // column modules with M > 1 and N > 1, then credit with a popcount.
    let terms = |name: &str, shape, a, beats, kn: &Knobs, flow| {
        let mut p = params(name, shape, a, beats, kn);
        p.input_register = InputRegister::Terms;
        p.common.flow_control = flow;
        p
    };
    cosim_both(&terms(
        "tern_rt_tiny",
        (1, 1, 2),
        2,
        2,
        &NNEG_ADD2,
        FlowControl::Stall,
    ));
    cosim_both(&terms(
        "tern_rt_cols",
        (2, 3, 9),
        8,
        4,
        &forms[2],
        FlowControl::Stall,
    ));
    cosim_both(&terms(
        "tern_rt_cr",
        (1, 2, 11),
        6,
        3,
        &forms[1],
        FlowControl::Credit,
    ));
}

#[test]
fn registered_terms_and_the_ecp5_carry_map_are_refused_together() {
    let mut p = params("tern_rt_ccu", (1, 1, 8), 8, 2, &NNEG_ADD2);
    p.map = CarryMap::Ecp5;
    p.input_register = InputRegister::Terms;
    let Err(e) = generate(&p) else {
        panic!("registered terms with the ECP5 carry map must be refused")
    };
    let e = e.to_string();
    assert!(
        e.contains("input-register") && e.contains("--map generic"),
        "{e}"
    );
}
