//! `lut-gemm` against the plain mpGEMM golden model (docs/spec/algorithms.md §1, not
//! a table method): every group size, weight format and width, bit-serial
//! and bit-parallel, padded K, M > 1 and N up to 64 on the Rust simulator,
//! a representative set in Icarus and Verilator, and an exhaustive sweep
//! over every weight code of small tiles, all under every stimulus and
//! traffic pattern (bubbles and back-pressure); each with the tables in
//! registers and in LUT RAM; and a spread of the same under `credit` flow
//! control (free-running pipeline, result queue), beat holds and LUT-RAM
//! table writes included.

use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::lut::{LutGemmParams, TableStorage, generate};
use lutforge_hdl::datapath::{CommonParams, FlowControl, WeightFormat};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::cosim::{cosim_every_simulator, failures};
use lutforge_testbench::stimulus::StimulusKind;
use lutforge_testbench::traffic::TrafficKind;
use lutforge_testbench::verify::{Plan, cases, spec_for};

/// Both table storages.
const STORAGES: [TableStorage; 2] = [TableStorage::Registers, TableStorage::Lutram];

/// A core: shape (m, n, k), A, format and B, max beats, g, serial, stage levels.
#[derive(Clone, Copy)]
struct Cfg {
    shape: (usize, usize, usize),
    act_bits: u32,
    format: WeightFormat,
    w_bits: u32,
    beats: u64,
    group: u32,
    serial: bool,
    stage_levels: u32,
}

fn params(name: &str, c: Cfg) -> LutGemmParams {
    params_in(name, c, TableStorage::Registers)
}

fn params_in(name: &str, c: Cfg, table_storage: TableStorage) -> LutGemmParams {
    let (m, n, k) = c.shape;
    LutGemmParams {
        common: CommonParams {
            name: name.into(),
            m,
            n,
            k,
            act_bits: c.act_bits,
            w_format: c.format,
            w_bits: c.w_bits,
            max_beats: c.beats,
            flow_control: Default::default(),
        },
        group: c.group,
        pad_k: !k.is_multiple_of(c.group as usize),
        bit_serial: c.serial,
        table_storage,
        stage_levels: c.stage_levels,
        ternary_table: Default::default(),
        w_packing: lutforge_hdl::datapath::core::WeightPacking::Codes,
    }
}

const FORMATS: [(WeightFormat, u32); 5] = [
    (WeightFormat::Binary, 1),
    (WeightFormat::Ternary, 2),
    (WeightFormat::Int, 2),
    (WeightFormat::Int, 3),
    (WeightFormat::Int, 4),
];

/// Runs every case of `plan` on the Rust simulator; returns the elements compared.
fn check_rust(p: &LutGemmParams, plan: &Plan) -> usize {
    let core = generate(p).expect("generates");
    let mut checked = 0;
    for case in cases(plan).expect("stimulus") {
        let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
        let r = check_core_case(&core, &case, &outcomes);
        assert!(
            r.passed(),
            "g{} {:?}{} serial={} {:?} s{} {:?}: {:?}/{:?}: {}",
            p.group,
            p.common.w_format,
            p.common.w_bits,
            p.bit_serial,
            p.table_storage,
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
fn every_group_format_and_mode_on_the_rust_simulator() {
    for storage in STORAGES {
        let mut checked = 0;
        for group in 2..=6 {
            for (format, w_bits) in FORMATS {
                for serial in [false, true] {
                    for (shape, act_bits, beats, stage_levels) in [
                        ((1, 3, 2 * group as usize), 8, 4, 1),
                        ((2, 2, 3 * group as usize - 1), 5, 3, 2),
                    ] {
                        let c = Cfg {
                            shape,
                            act_bits,
                            format,
                            w_bits,
                            beats,
                            group,
                            serial,
                            stage_levels,
                        };
                        let p = params_in("lut", c, storage);
                        checked += check_rust(&p, &Plan::full(spec_for(&p.common), 2, 5, 11));
                    }
                }
            }
        }
        assert!(checked > 30_000, "{storage:?}: {checked} elements compared");
    }
}

#[test]
fn wide_tiles_long_runs_and_extremes_on_the_rust_simulator() {
    for (shape, act_bits, format, w_bits, serial) in [
        ((1, 64, 16), 8, WeightFormat::Int, 4, true),
        ((1, 64, 16), 8, WeightFormat::Ternary, 2, false),
        ((2, 16, 64), 8, WeightFormat::Binary, 1, false),
        ((1, 4, 64), 16, WeightFormat::Int, 3, false),
        ((4, 8, 12), 2, WeightFormat::Int, 2, true),
    ] {
        let c = Cfg {
            shape,
            act_bits,
            format,
            w_bits,
            beats: 64,
            group: 4,
            serial,
            stage_levels: 1,
        };
        for storage in STORAGES {
            let p = params_in("lut_wide", c, storage);
            check_rust(&p, &Plan::full(spec_for(&p.common), 1, 4, 3));
        }
    }
}

#[test]
fn every_weight_code_of_small_tiles() {
    // One column of K = 4 with one activation pattern per stream: the
    // exhaustive stimulus walks every weight code of the tile (2^(B·K)).
    for (format, w_bits) in FORMATS {
        for serial in [false, true] {
            let c = Cfg {
                shape: (1, 1, 4),
                act_bits: 2,
                format,
                w_bits,
                beats: 2,
                group: 4,
                serial,
                stage_levels: 1,
            };
            for storage in STORAGES {
                let p = params_in("lut_exh", c, storage);
                let mut plan = Plan::full(spec_for(&p.common), 1, 4, 1);
                if !plan.stimulus.contains(&StimulusKind::Exhaustive) {
                    continue;
                }
                plan.stimulus = vec![StimulusKind::Exhaustive];
                plan.traffic = vec![TrafficKind::Full, TrafficKind::Both];
                let checked = check_rust(&p, &plan);
                assert!(checked > 0);
            }
        }
    }
}

fn cosim_both(p: &LutGemmParams) {
    let core = generate(p).expect("generates");
    let verilog = render_verilog(&core.module, &Header::default()).expect("renders");
    let cases = cases(&Plan::full(spec_for(&p.common), 1, 6, 9)).expect("stimulus");
    let runs = cosim_every_simulator(&core.module, &verilog, &cases, &p.common.name)
        .expect("co-simulates");
    let bad = failures(&cases, &runs);
    assert!(bad.is_empty(), "{}: {}", p.common.name, bad.join("\n"));
}

#[test]
fn cosim_int4_bit_serial_m2() {
    cosim_both(&params(
        "lut_int4_serial",
        Cfg {
            shape: (2, 3, 8),
            act_bits: 8,
            format: WeightFormat::Int,
            w_bits: 4,
            beats: 5,
            group: 4,
            serial: true,
            stage_levels: 1,
        },
    ));
}

#[test]
fn cosim_ternary_parallel_padded() {
    cosim_both(&params(
        "lut_tern_pad",
        Cfg {
            shape: (1, 4, 10),
            act_bits: 8,
            format: WeightFormat::Ternary,
            w_bits: 2,
            beats: 4,
            group: 3,
            serial: false,
            stage_levels: 2,
        },
    ));
}

#[test]
fn cosim_binary_g6_and_int3_serial_g2() {
    cosim_both(&params(
        "lut_bin_g6",
        Cfg {
            shape: (1, 2, 12),
            act_bits: 8,
            format: WeightFormat::Binary,
            w_bits: 1,
            beats: 3,
            group: 6,
            serial: false,
            stage_levels: 1,
        },
    ));
    cosim_both(&params(
        "lut_int3_g2",
        Cfg {
            shape: (1, 2, 6),
            act_bits: 4,
            format: WeightFormat::Int,
            w_bits: 3,
            beats: 6,
            group: 2,
            serial: true,
            stage_levels: 3,
        },
    ));
}

#[test]
fn cosim_n64() {
    cosim_both(&params(
        "lut_n64",
        Cfg {
            shape: (1, 64, 16),
            act_bits: 8,
            format: WeightFormat::Int,
            w_bits: 2,
            beats: 8,
            group: 4,
            serial: false,
            stage_levels: 1,
        },
    ));
}

#[test]
fn cosim_every_weight_code_of_one_tile() {
    // K = 4, int2: 8 weight bits and 8 activation bits, every code and value.
    let p = params(
        "lut_exh_cosim",
        Cfg {
            shape: (1, 1, 4),
            act_bits: 2,
            format: WeightFormat::Int,
            w_bits: 2,
            beats: 2,
            group: 4,
            serial: true,
            stage_levels: 1,
        },
    );
    cosim_both(&p);
}

/// Every weight code of a 1×4 column (2^(4·B) of them, up to 65 536 for
/// int4) against fixed extreme activations, each code its own one-beat run,
/// under full-rate and random traffic.
#[test]
fn every_weight_code_against_extreme_activations() {
    use lutforge_testbench::formats::WeightFormat as Golden;
    use lutforge_testbench::golden::{Beat, Run, Shape, run_result};
    use lutforge_testbench::traffic::schedule;
    use lutforge_testbench::vectors::Stream;
    use rand::SeedableRng;

    let acts: [[i64; 4]; 4] = [
        [-128, -128, -128, -128],
        [127, 127, 127, 127],
        [-128, 127, -1, 0],
        [1, -2, 3, -128],
    ];
    for (format, w_bits, golden) in [
        (WeightFormat::Binary, 1, Golden::Binary),
        (WeightFormat::Ternary, 2, Golden::Ternary),
        (WeightFormat::Int, 3, Golden::Int),
        (WeightFormat::Int, 4, Golden::Int),
    ] {
        for (serial, storage) in [false, true]
            .into_iter()
            .flat_map(|s| STORAGES.map(|t| (s, t)))
        {
            let p = params_in(
                "lut_codes",
                Cfg {
                    shape: (1, 1, 4),
                    act_bits: 8,
                    format,
                    w_bits,
                    beats: 1,
                    group: 4,
                    serial,
                    stage_levels: 1,
                },
                storage,
            );
            let core = generate(&p).expect("generates");
            let shape = Shape { m: 1, n: 1, k: 4 };
            let codes = 1u64 << (4 * w_bits);
            for (ti, traffic) in [TrafficKind::Full, TrafficKind::Both]
                .into_iter()
                .enumerate()
            {
                let runs: Vec<Run> = (0..codes)
                    .map(|c| Run {
                        beats: vec![Beat {
                            act: acts[(c as usize + ti) % acts.len()].to_vec(),
                            w: (0..4)
                                .map(|k| (c >> (k * w_bits)) & ((1 << w_bits) - 1))
                                .collect(),
                            last: true,
                        }],
                    })
                    .collect();
                let expected: Vec<_> = runs
                    .iter()
                    .map(|r| run_result(shape, golden, w_bits, r))
                    .collect();
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(ti as u64);
                let period = (1.0 / core.throughput).round() as usize;
                let sched = schedule(traffic, 2 * period * runs.len() + 16, &mut rng);
                let stream = Stream::new(&runs, sched);
                let outcomes = run_streams(&core.module, &[stream]).expect("simulates");
                let r = lutforge_testbench::check::check_stream(&expected, &outcomes[0].observed);
                assert!(
                    r.passed() && outcomes[0].protocol_errors.is_empty(),
                    "{format:?}{w_bits} serial={serial} {storage:?} {traffic:?}: {} {:?}",
                    r.summary(),
                    outcomes[0].protocol_errors
                );
                assert_eq!(r.compared_elements as u64, codes);
            }
        }
    }
}

#[test]
fn cosim_lutram_int4_serial_m2_and_ternary_padded() {
    cosim_both(&params_in(
        "lut_ram_int4_serial",
        Cfg {
            shape: (2, 3, 9),
            act_bits: 8,
            format: WeightFormat::Int,
            w_bits: 4,
            beats: 5,
            group: 3,
            serial: true,
            stage_levels: 1,
        },
        TableStorage::Lutram,
    ));
    cosim_both(&params_in(
        "lut_ram_tern_pad",
        Cfg {
            shape: (1, 4, 10),
            act_bits: 8,
            format: WeightFormat::Ternary,
            w_bits: 2,
            beats: 4,
            group: 4,
            serial: false,
            stage_levels: 2,
        },
        TableStorage::Lutram,
    ));
}

#[test]
fn cosim_lutram_binary_g2_and_n64() {
    cosim_both(&params_in(
        "lut_ram_bin_g2",
        Cfg {
            shape: (1, 2, 6),
            act_bits: 8,
            format: WeightFormat::Binary,
            w_bits: 1,
            beats: 3,
            group: 2,
            serial: false,
            stage_levels: 1,
        },
        TableStorage::Lutram,
    ));
    cosim_both(&params_in(
        "lut_ram_n64",
        Cfg {
            shape: (1, 64, 16),
            act_bits: 8,
            format: WeightFormat::Int,
            w_bits: 2,
            beats: 8,
            group: 4,
            serial: false,
            stage_levels: 1,
        },
        TableStorage::Lutram,
    ));
}

#[test]
fn credit_flow_control_every_mode_and_both_verilog_simulators() {
    let mut checked = 0;
    for storage in STORAGES {
        for (format, w_bits) in [FORMATS[0], FORMATS[4]] {
            for serial in [false, true] {
                for (shape, group, stage_levels) in [((1, 3, 8), 4, 1), ((2, 2, 5), 2, 2)] {
                    let c = Cfg {
                        shape,
                        act_bits: 6,
                        format,
                        w_bits,
                        beats: 3,
                        group,
                        serial,
                        stage_levels,
                    };
                    let mut p = params_in("lut_cr", c, storage);
                    p.common.flow_control = FlowControl::Credit;
                    checked += check_rust(&p, &Plan::full(spec_for(&p.common), 2, 5, 13));
                }
            }
        }
        // Every weight code of a K = 4 column, bit-serial.
        let c = Cfg {
            shape: (1, 1, 4),
            act_bits: 2,
            format: WeightFormat::Int,
            w_bits: 2,
            beats: 2,
            group: 4,
            serial: true,
            stage_levels: 1,
        };
        let mut p = params_in("lut_cr_exh", c, storage);
        p.common.flow_control = FlowControl::Credit;
        let mut plan = Plan::full(spec_for(&p.common), 1, 4, 1);
        assert!(plan.stimulus.contains(&StimulusKind::Exhaustive));
        plan.stimulus = vec![StimulusKind::Exhaustive];
        checked += check_rust(&p, &plan);
    }
    assert!(checked > 10_000, "{checked} elements compared");
    // A core that holds its beats and writes its tables into LUT RAM.
    let c = Cfg {
        shape: (1, 2, 6),
        act_bits: 5,
        format: WeightFormat::Int,
        w_bits: 3,
        beats: 4,
        group: 3,
        serial: true,
        stage_levels: 1,
    };
    let mut p = params_in("lut_cr_cosim", c, TableStorage::Lutram);
    p.common.flow_control = FlowControl::Credit;
    cosim_both(&p);
}
