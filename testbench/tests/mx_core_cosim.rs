//! `mx-dot` in Icarus and Verilator, cycle by cycle against the Rust
//! simulator and both against the exact MX golden model, for a spread of
//! format pairs (one under `credit` flow control); and the lint gate
//! (Verilator `--lint-only -Wall`).

use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_testbench::cosim::{cosim_every_simulator, failures};
use lutforge_testbench::verify::{cases, plan_for};

fn params(pairs: &[(&str, serde_json::Value)]) -> ParamMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn cosim(values: ParamMap) {
    let reg = Registry::builtin();
    let design = reg.get("mx-dot").unwrap().design(&values).unwrap();
    let core = design.generate().unwrap();
    let verilog =
        lutforge_gen::render_verilog(&core.module, &lutforge_gen::Header::default()).unwrap();
    let plan = plan_for(design.as_ref(), 2, 3, 11);
    let cs = cases(&plan).unwrap();
    let runs = cosim_every_simulator(&core.module, &verilog, &cs, "mx-dot").unwrap();
    let bad = failures(&cs, &runs);
    assert!(bad.is_empty(), "{values:?}: {bad:#?}");
}

#[test]
fn a_spread_of_pairs_in_icarus_and_verilator() {
    // MXFP4 × MXFP4 with the exhaustive pair case; MXINT8 × MXFP8 E5M2 (Inf/NaN codes) with fp32 out.
    cosim(params(&[
        ("act_format", "mxfp4-e2m1".into()),
        ("w_format", "mxfp4-e2m1".into()),
        ("k", 8.into()),
        ("block", 8.into()),
        ("n", 2.into()),
        ("max_beats", 4.into()),
    ]));
    cosim(params(&[
        ("act_format", "mxint8".into()),
        ("w_format", "mxfp8-e5m2".into()),
        ("k", 8.into()),
        ("block", 8.into()),
        ("n", 1.into()),
        ("max_beats", 2.into()),
        ("out_format", "fp32".into()),
    ]));
}

#[test]
fn credit_flow_control_in_icarus_and_verilator() {
    // Results and their sticky flags go through the result queue.
    cosim(params(&[
        ("act_format", "mxfp4-e2m1".into()),
        ("w_format", "mxfp4-e2m1".into()),
        ("k", 8.into()),
        ("block", 8.into()),
        ("n", 2.into()),
        ("max_beats", 3.into()),
        ("out_format", "fp32".into()),
        ("flow_control", "credit".into()),
    ]));
}

#[test]
fn lint_and_yosys_gates_are_clean() {
    use lutforge_tools::checks::{verilator_lint, yosys_synth};
    use lutforge_tools::{Tool, for_test};
    // Small enough for a quick gate: MXFP4 × MXFP6 E3M2, one row, fp32 out.
    let values = params(&[
        ("act_format", "mxfp4-e2m1".into()),
        ("w_format", "mxfp6-e3m2".into()),
        ("k", 8.into()),
        ("block", 8.into()),
        ("n", 1.into()),
        ("out_format", "fp32".into()),
    ]);
    let reg = Registry::builtin();
    let design = reg.get("mx-dot").unwrap().design(&values).unwrap();
    let core = design.generate().unwrap();
    let verilog =
        lutforge_gen::render_verilog(&core.module, &lutforge_gen::Header::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mx_dot.v"), verilog).unwrap();
    if for_test(Tool::Verilator, "mx-dot lint").is_some() {
        let lines = verilator_lint(dir.path(), "mx_dot.v", "mx_dot").expect("lint runs");
        assert!(lines.is_empty(), "{lines:#?}");
    }
    if for_test(Tool::Yosys, "mx-dot synth").is_some() {
        for synth in ["synth_ice40", "synth_ecp5"] {
            let check = yosys_synth(dir.path(), "mx_dot.v", "mx_dot", synth).expect("yosys runs");
            assert!(check.warnings.is_empty(), "{synth}: {:?}", check.warnings);
            assert_eq!(check.latches, 0, "{synth}: latches");
        }
    }
}
