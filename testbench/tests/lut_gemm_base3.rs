//! `lut-gemm` with base-3 ternary tables (`--ternary-table base3`) against
//! the plain mpGEMM golden model (docs/spec/algorithms.md §1, not a table
//! method): g = 2 and 3, M > 1, N > 1, padded K and every weight packing on
//! the Rust simulator under every stimulus and traffic pattern, every weight
//! code of a small tile (reserved codes included) against extreme
//! activations, and two configurations in Icarus and Verilator.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::core::WeightPacking;
use lutforge_hdl::datapath::lut::{LutGemmParams, TableStorage, TernaryTable, generate};
use lutforge_hdl::datapath::{CommonParams, WeightFormat};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::cosim::{cosim_every_simulator, failures};
use lutforge_testbench::verify::{Plan, cases, golden_packing, spec_for};

/// A base-3 core: shape (m, n, k), A, g, stage levels, packing.
fn params(
    name: &str,
    (m, n, k): (usize, usize, usize),
    act_bits: u32,
    group: u32,
    stage_levels: u32,
    w_packing: WeightPacking,
) -> LutGemmParams {
    LutGemmParams {
        common: CommonParams {
            name: name.into(),
            m,
            n,
            k,
            act_bits,
            w_format: WeightFormat::Ternary,
            w_bits: 2,
            max_beats: 4,
            flow_control: Default::default(),
        },
        group,
        pad_k: !k.is_multiple_of(group as usize),
        bit_serial: false,
        table_storage: TableStorage::Registers,
        stage_levels,
        ternary_table: TernaryTable::Base3,
        w_packing,
    }
}

fn plan(p: &LutGemmParams, streams: usize, runs: usize, seed: u64) -> Plan {
    Plan::full(spec_for(&p.common), streams, runs, seed).packed(golden_packing(p.w_packing))
}

/// Runs every case of `plan` on the Rust simulator; returns the elements compared.
fn check_rust(p: &LutGemmParams, plan: &Plan) -> usize {
    let core = generate(p).expect("generates");
    let mut checked = 0;
    for case in cases(plan).expect("stimulus") {
        let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
        let r = check_core_case(&core, &case, &outcomes);
        assert!(
            r.passed(),
            "g{} {:?} s{} {:?}: {:?}/{:?}: {}",
            p.group,
            p.w_packing,
            p.stage_levels,
            (p.common.m, p.common.n, p.common.k),
            case.stimulus,
            case.traffic,
            r.summary_with_cols(p.common.n)
        );
        checked += r.compared_elements;
    }
    checked
}

#[test]
fn base3_every_group_shape_and_packing_on_the_rust_simulator() {
    let mut checked = 0;
    for group in 2..=3u32 {
        let g = group as usize;
        for (shape, act_bits, stage_levels) in [
            ((1, 1, g), 8, 1),
            ((1, 3, 4 * g), 8, 1),
            ((2, 2, 3 * g - 1), 5, 2),
            ((3, 4, 2 * g + 1), 8, 1),
            ((1, 2, 7), 16, 3),
        ] {
            for packing in [
                WeightPacking::Codes,
                WeightPacking::Base3,
                WeightPacking::I2s,
            ] {
                let p = params("lut_b3", shape, act_bits, group, stage_levels, packing);
                checked += check_rust(&p, &plan(&p, 2, 5, 17));
            }
        }
    }
    assert!(checked > 10_000, "{checked} elements compared");
}

#[test]
fn base3_wide_tile_on_the_rust_simulator() {
    for group in 2..=3 {
        let p = params(
            "lut_b3_wide",
            (2, 16, 64),
            8,
            group,
            1,
            WeightPacking::Codes,
        );
        check_rust(&p, &plan(&p, 1, 4, 3));
    }
}

/// Every weight code of a 1×K column, K = 3 and 4 (4^K of them, the
/// reserved code 10 included), against fixed extreme activations, each
/// code its own one-beat run, under full-rate and random traffic.
#[test]
fn base3_every_weight_code_against_extreme_activations() {
    use lutforge_testbench::formats::WeightFormat as Golden;
    use lutforge_testbench::golden::{Beat, Run, Shape, run_result};
    use lutforge_testbench::traffic::{TrafficKind, schedule};
    use lutforge_testbench::vectors::Stream;
    use rand::SeedableRng;

    let acts: [[i64; 4]; 5] = [
        [-128, -128, -128, -128],
        [127, 127, 127, 127],
        [-128, 127, -128, 127],
        [127, -128, -1, 0],
        [1, -2, 3, -128],
    ];
    for (group, k) in [(2u32, 3usize), (3, 3), (2, 4), (3, 4)] {
        let p = params("lut_b3_codes", (1, 1, k), 8, group, 1, WeightPacking::Codes);
        let p = LutGemmParams {
            common: CommonParams {
                max_beats: 1,
                flow_control: Default::default(),
                ..p.common
            },
            ..p
        };
        let core = generate(&p).expect("generates");
        let shape = Shape { m: 1, n: 1, k };
        let codes = 1u64 << (2 * k);
        for (ti, traffic) in [TrafficKind::Full, TrafficKind::Both]
            .into_iter()
            .enumerate()
        {
            let runs: Vec<Run> = (0..codes)
                .flat_map(|c| {
                    acts.iter().map(move |a| Run {
                        beats: vec![Beat {
                            act: a[..k].to_vec(),
                            w: (0..k).map(|i| (c >> (2 * i)) & 3).collect(),
                            last: true,
                        }],
                    })
                })
                .collect();
            let expected: Vec<_> = runs
                .iter()
                .map(|r| run_result(shape, Golden::Ternary, 2, r))
                .collect();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(ti as u64);
            let sched = schedule(traffic, 2 * runs.len() + 16, &mut rng);
            let stream = Stream::new(&runs, sched);
            let outcomes = run_streams(&core.module, &[stream]).expect("simulates");
            let r = lutforge_testbench::check::check_stream(&expected, &outcomes[0].observed);
            assert!(
                r.passed() && outcomes[0].protocol_errors.is_empty(),
                "g{group} K={k} {traffic:?}: {} {:?}",
                r.summary(),
                outcomes[0].protocol_errors
            );
            assert_eq!(r.compared_elements as u64, codes * acts.len() as u64);
        }
    }
}

fn cosim_both(p: &LutGemmParams) {
    let core = generate(p).expect("generates");
    let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
    let cases = cases(&plan(p, 1, 6, 9)).expect("stimulus");
    let runs = cosim_every_simulator(&core.module, &verilog, &cases, &p.common.name)
        .expect("co-simulates");
    let bad = failures(&cases, &runs);
    assert!(bad.is_empty(), "{}: {}", p.common.name, bad.join("\n"));
}

#[test]
fn base3_cosim_g2_m2_padded() {
    cosim_both(&params(
        "lut_b3_g2",
        (2, 3, 7),
        8,
        2,
        1,
        WeightPacking::Codes,
    ));
}

#[test]
fn base3_cosim_g3_packed_bytes() {
    cosim_both(&params(
        "lut_b3_g3",
        (1, 4, 12),
        8,
        3,
        2,
        WeightPacking::Base3,
    ));
}

#[test]
fn base3_refuses_what_it_cannot_build() {
    let ok = params("b3", (1, 2, 6), 8, 3, 1, WeightPacking::Codes);
    let bad = [
        LutGemmParams {
            common: CommonParams {
                w_format: WeightFormat::Int,
                w_bits: 4,
                ..ok.common.clone()
            },
            ..ok.clone()
        },
        LutGemmParams {
            group: 4,
            pad_k: true,
            ..ok.clone()
        },
        LutGemmParams {
            table_storage: TableStorage::Lutram,
            ..ok.clone()
        },
        LutGemmParams {
            bit_serial: true,
            ..ok.clone()
        },
        LutGemmParams {
            ternary_table: TernaryTable::Planes,
            w_packing: WeightPacking::Base3,
            ..ok.clone()
        },
    ];
    for (p, param) in bad.iter().zip([
        "w-format",
        "group",
        "table-storage",
        "bit-serial",
        "w-packing",
    ]) {
        let e = p.validate().expect_err(param);
        assert_eq!(e.param, param, "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }
    ok.validate().expect("valid");
}
