//! `mx-dot` through the registry on the Rust simulator against the exact MX
//! golden model (`lutforge_testbench::mx`): every element format as
//! activation and as weight, random, corner and exhaustive-small inputs,
//! under every traffic pattern, with the shared contract check.

use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::verify::{cases, plan_for};

const FORMATS: [&str; 6] = [
    "mxint8",
    "mxfp8-e4m3",
    "mxfp8-e5m2",
    "mxfp6-e3m2",
    "mxfp6-e2m3",
    "mxfp4-e2m1",
];

fn params(pairs: &[(&str, serde_json::Value)]) -> ParamMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Runs the registry's plan of `mx-dot` with `values` on the Rust simulator; returns results checked.
fn verify(values: ParamMap, streams: usize, runs: usize) -> usize {
    let reg = Registry::builtin();
    let design = reg
        .get("mx-dot")
        .expect("mx-dot is registered")
        .design(&values)
        .unwrap_or_else(|e| panic!("{values:?}: {e}"));
    let core = design.generate().expect("generates");
    let plan = plan_for(design.as_ref(), streams, runs, 7);
    assert!(plan.mx.is_some(), "the plan reads the MX metadata");
    let mut checked = 0;
    let all = cases(&plan).expect("cases");
    // Not vacuous: some results are flagged and some are not.
    let mn = design.common().m * design.common().n;
    let flags: Vec<bool> = all
        .iter()
        .flat_map(|c| c.expected.iter().flatten())
        .flat_map(|r| r[mn..].iter().map(|f| *f != 0.into()))
        .collect();
    assert!(
        flags.iter().any(|&f| f) && flags.iter().any(|&f| !f),
        "{values:?}"
    );
    for case in all {
        let outcomes = run_streams(&core.module, &case.streams).expect("simulates");
        let report = check_core_case(&core, &case, &outcomes);
        assert!(
            report.passed(),
            "{values:?} {:?}/{:?}: {}",
            case.stimulus,
            case.traffic,
            report.summary()
        );
        checked += report.compared_elements;
    }
    checked
}

#[test]
fn every_format_pair_matches_the_golden_model() {
    let mut checked = 0;
    for a in FORMATS {
        for w in FORMATS {
            if a == "mxfp8-e5m2" && w == "mxfp8-e5m2" {
                continue; // refused: one block dot needs 70 bits (see refusals below)
            }
            checked += verify(
                params(&[
                    ("act_format", a.into()),
                    ("w_format", w.into()),
                    ("block", 8.into()),
                    ("k", 8.into()),
                    ("n", 2.into()),
                    ("max_beats", 4.into()),
                ]),
                2,
                3,
            );
        }
    }
    assert!(checked > 35 * 100, "{checked}");
}

#[test]
fn blocks_per_beat_rows_windows_and_fp32() {
    let cfgs = [
        // Two blocks per beat, two activation rows, MXINT8 × MXFP4.
        params(&[
            ("m", 2.into()),
            ("k", 16.into()),
            ("block", 8.into()),
            ("n", 2.into()),
        ]),
        // The OCP block and one-code windows (no shifter).
        params(&[
            ("act_format", "mxfp6-e2m3".into()),
            ("act_scale_min", 120.into()),
            ("act_scale_max", 120.into()),
            ("w_scale_min", 0.into()),
            ("w_scale_max", 0.into()),
            ("max_beats", 2.into()),
        ]),
        // Windows at the ends of the E8M0 range.
        params(&[
            ("act_format", "mxfp4-e2m1".into()),
            ("k", 8.into()),
            ("block", 8.into()),
            ("act_scale_min", 0.into()),
            ("act_scale_max", 7.into()),
            ("w_scale_min", 247.into()),
            ("w_scale_max", 254.into()),
        ]),
        // fp32 output, normal range.
        params(&[
            ("k", 8.into()),
            ("block", 8.into()),
            ("out_format", "fp32".into()),
        ]),
        // fp32 output with subnormal results (scales near 0).
        params(&[
            ("act_format", "mxfp4-e2m1".into()),
            ("k", 8.into()),
            ("block", 8.into()),
            ("out_format", "fp32".into()),
            ("act_scale_min", 0.into()),
            ("act_scale_max", 15.into()),
            ("w_scale_min", 0.into()),
            ("w_scale_max", 15.into()),
        ]),
        // fp32 output overflowing to Inf (scales near 254).
        params(&[
            ("act_format", "mxfp8-e4m3".into()),
            ("w_format", "mxfp8-e4m3".into()),
            ("k", 8.into()),
            ("block", 8.into()),
            ("out_format", "fp32".into()),
            ("act_scale_min", 240.into()),
            ("act_scale_max", 254.into()),
            ("w_scale_min", 246.into()),
            ("w_scale_max", 254.into()),
            ("max_beats", 2.into()),
        ]),
    ];
    for values in cfgs {
        assert!(verify(values, 2, 4) > 0);
    }
}

#[test]
fn bad_parameters_are_refused_in_one_line() {
    let reg = Registry::builtin();
    let core = reg.get("mx-dot").unwrap();
    let refuse = |values: ParamMap, needle: &str| {
        let e = core.design(&values).unwrap_err().to_string();
        assert!(e.contains(needle) && !e.contains('\n'), "{e}");
    };
    refuse(
        params(&[("k", 12.into()), ("block", 8.into())]),
        "multiple of the block",
    );
    refuse(params(&[("act_format", "mxfp9".into())]), "do not read");
    refuse(
        params(&[
            ("act_format", "mxfp8-e5m2".into()),
            ("w_format", "mxfp8-e5m2".into()),
        ]),
        "70 bits",
    );
    refuse(
        params(&[("act_scale_min", 0.into()), ("act_scale_max", 200.into())]),
        "narrow the windows",
    );
    refuse(
        params(&[("w_scale_max", 255.into()), ("w_scale_min", 0.into())]),
        "NaN",
    );
    refuse(
        params(&[("block", 12.into()), ("k", 24.into())]),
        "block size",
    );
}

/// fp32 rounding corners made by hand: ties to even, a carry into the
/// exponent, a sticky bit, a negative tie and an exact zero, each checked
/// against the golden model and against binary64 → binary32 rounding
/// (exact here: every accumulator fits 53 bits).
#[test]
fn fp32_rounding_corners_by_hand() {
    use lutforge_testbench::backend::rust_sim::run_streams;
    use lutforge_testbench::check::check_stream;
    use lutforge_testbench::golden::Run;
    use lutforge_testbench::mx::cases::{MxBeat, MxCore, run_result};
    use lutforge_testbench::traffic::{TrafficKind, schedule};
    use lutforge_testbench::vectors::Stream;
    use num_bigint::BigInt;
    use rand::SeedableRng;

    let values = params(&[
        ("act_format", "mxint8".into()),
        ("w_format", "mxint8".into()),
        ("k", 8.into()),
        ("block", 8.into()),
        ("n", 1.into()),
        ("max_beats", 4.into()),
        ("out_format", "fp32".into()),
    ]);
    let reg = Registry::builtin();
    let design = reg.get("mx-dot").unwrap().design(&values).unwrap();
    let core = design.generate().unwrap();
    let mx = MxCore::of(design.as_ref()).unwrap().unwrap();
    let (min_a, min_b) = (mx.accum.a_window.min, mx.accum.b_window.min);
    assert_eq!((min_a, min_b, mx.accum.lsb_exp()), (117, 117, -32));
    // One beat whose block dot is a·b, shifted by s (0..=30).
    let beat = |a: i8, b: i8, s: u8| MxBeat {
        act: [vec![a as u8], vec![0; 7]].concat(),
        act_scale: vec![min_a + s.min(15)],
        w: [vec![b as u8], vec![0; 7]].concat(),
        w_scale: vec![min_b + s.saturating_sub(15)],
    };
    let runs: Vec<(Vec<MxBeat>, i64)> = vec![
        (vec![beat(1, 1, 0), beat(32, 32, 14)], (1 << 24) + 1),
        (vec![beat(3, 1, 0), beat(32, 32, 14)], (1 << 24) + 3),
        (vec![beat(-128, -128, 11), beat(-1, 1, 0)], (1 << 25) - 1),
        (vec![beat(-1, 1, 0), beat(-32, 32, 14)], -(1 << 24) - 1),
        (
            vec![beat(-128, -128, 26), beat(1, 1, 16), beat(1, 1, 0)],
            (1 << 40) + (1 << 16) + 1,
        ),
        (vec![beat(0, 5, 3)], 0),
    ];
    let mut expected = Vec::new();
    let mut golden_runs = Vec::new();
    for (beats, acc) in &runs {
        let want = ((*acc as f64) * 2f64.powi(-32)) as f32;
        let golden = run_result(&mx, beats).unwrap();
        assert_eq!(golden[0], (want.to_bits() as i32).into(), "acc {acc}");
        assert_eq!(golden[1], 0.into());
        expected.push(golden);
        let n = beats.len();
        golden_runs.push(Run {
            beats: beats
                .iter()
                .enumerate()
                .map(|(i, b)| b.to_beat(i + 1 == n))
                .collect(),
        });
    }
    // By hand: the ties go to even, 2^25 − 1 carries into the exponent.
    let bits = |x: f32| BigInt::from(x.to_bits() as i32);
    assert_eq!(expected[0][0], bits(2f32.powi(-8)));
    assert_eq!(expected[1][0], bits(2f32.powi(-8) + 4.0 * 2f32.powi(-32)));
    assert_eq!(expected[2][0], bits(2f32.powi(-7)));
    assert_eq!(expected[3][0], bits(-(2f32.powi(-8))));
    assert_eq!(expected[5][0], bits(0.0));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let sched = schedule(TrafficKind::Both, 64, &mut rng);
    let stream = Stream::new(&golden_runs, sched);
    let out = run_streams(&core.module, std::slice::from_ref(&stream)).unwrap();
    let report = check_stream(&expected, &out[0].observed);
    assert!(
        report.passed() && out[0].protocol_errors.is_empty(),
        "{}",
        report.summary()
    );
}

/// A small layer quantized to MX, tiled, run through the core: every result
/// equals the golden model, none is flagged, and the values are near the
/// float matmul.
#[test]
fn a_small_layer_in_mx() {
    use lutforge_testbench::backend::rust_sim::run_streams;
    use lutforge_testbench::check::check_stream;
    use lutforge_testbench::golden::Run;
    use lutforge_testbench::layer::{Matrix, error_stats, float_matmul, random_activations};
    use lutforge_testbench::mx::cases::MxCore;
    use lutforge_testbench::mx::layer::{result_value, tile_layer};
    use lutforge_testbench::traffic::Schedule;
    use lutforge_testbench::vectors::Stream;

    let values = params(&[
        ("act_format", "mxint8".into()),
        ("w_format", "mxfp6-e2m3".into()),
        ("k", 32.into()),
        ("n", 4.into()),
        ("max_beats", 2.into()),
    ]);
    let reg = Registry::builtin();
    let design = reg.get("mx-dot").unwrap().design(&values).unwrap();
    let core = design.generate().unwrap();
    let mx = MxCore::of(design.as_ref()).unwrap().unwrap();
    let x = random_activations(3, 64, 5);
    let w = Matrix {
        rows: 8,
        cols: 64,
        data: random_activations(8, 64, 9)
            .data
            .iter()
            .map(|v| v * 0.05)
            .collect(),
    };
    let layer = tile_layer(&mx, &w, &x).unwrap();
    assert_eq!(layer.runs.len(), 3 * 2, "3 tokens × 2 tiles of 4 rows");
    let runs: Vec<Run> = layer
        .runs
        .iter()
        .map(|r| Run {
            beats: r
                .iter()
                .enumerate()
                .map(|(i, b)| b.to_beat(i + 1 == r.len()))
                .collect(),
        })
        .collect();
    let sched = Schedule {
        offer: vec![true],
        ready: vec![true],
    };
    let stream = Stream::new(&runs, sched);
    let out = run_streams(&core.module, std::slice::from_ref(&stream)).unwrap();
    let report = check_stream(&layer.expected, &out[0].observed);
    assert!(report.passed(), "{}", report.summary());
    let mut y = vec![0.0; 3 * 8];
    for (r, o) in out[0].observed.iter().enumerate() {
        let (t, tile) = (r / 2, r % 2);
        for e in 0..4 {
            assert_eq!(o.y[4 + e], 0, "no result is flagged");
            y[t * 8 + tile * 4 + e] = result_value(&mx, o.y[e], false);
        }
    }
    let err = error_stats(&y, &float_matmul(&x, &w));
    assert!(err.relative < 0.1, "{err:?}");
}
