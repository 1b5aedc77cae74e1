//! What `lutforge gen` writes: the three files, metadata that matches the
//! golden model's accumulator width, Verilog that passes Verilator's -Wall
//! lint and synthesizes in Yosys for iCE40 and ECP5 with no warning and no
//! latch, and byte-identical output when generated twice.

mod common;

use common::{files_in, lutforge};
use lutforge_tools::checks::{verilator_lint, yosys_synth};
use lutforge_tools::{Tool, for_test};

const EXAMPLES: [&str; 8] = [
    "examples/mac_gemv.toml",
    "examples/mac_gemv_k64_int8.toml",
    "examples/mac_gemm_m2.toml",
    "examples/ternary_gemv.toml",
    "examples/ternary_gemv_base3.toml",
    "examples/lut_gemm.toml",
    "examples/lut_gemm_serial.toml",
    "examples/lut_gemm_lutram.toml",
];

/// The core kind an example is for: its config's `core` key.
fn kind(example: &str) -> String {
    let text = std::fs::read_to_string(example).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["core"]
        .as_str()
        .expect("every example names its core")
        .to_string()
}

fn gen_example(example: &str, out: &std::path::Path) -> serde_json::Value {
    let r = lutforge(&[
        "gen",
        &kind(example),
        "--config",
        example,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let name = std::path::Path::new(example)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap();
    let json = files_in(out)
        .into_iter()
        .find(|f| f.ends_with(".json"))
        .expect("metadata written");
    assert!(
        files_in(out).len() == 3,
        "NAME.v, NAME.json, NAME.core for {name}: {:?}",
        files_in(out)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join(json)).unwrap()).unwrap()
}

#[test]
fn metadata_states_what_the_contract_asks() {
    for ex in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let meta = gen_example(ex, dir.path());
        for key in [
            "top",
            "kind",
            "params",
            "acc_bits",
            "latency",
            "throughput",
            "ports",
        ] {
            assert!(meta.get(key).is_some(), "{ex}: metadata has `{key}`");
        }
        let p = &meta["params"];
        let (k, a, b, beats) = (
            p["k"].as_u64().unwrap(),
            p["act_bits"].as_u64().unwrap() as u32,
            p["w_bits"].as_u64().unwrap() as u32,
            p["max_beats"].as_u64().unwrap(),
        );
        let max_w = if kind(ex) == "ternary-gemv" || p["w_format"] != "int" {
            1
        } else {
            1 << (b - 1)
        };
        let golden = lutforge_testbench::golden::acc_bits(beats, k, a, max_w);
        assert_eq!(
            meta["acc_bits"].as_u64().unwrap() as u32,
            golden,
            "{ex}: ACC from the golden formula"
        );
        let names: Vec<&str> = meta["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            lutforge_hdl::datapath::contract::CORE.port_order(),
            "{ex}: the contract's ports in order"
        );
        let top = meta["top"].as_str().unwrap();
        let core = std::fs::read_to_string(dir.path().join(format!("{top}.core"))).unwrap();
        assert!(core.starts_with("CAPI=2:") && core.contains(&format!("toplevel: {top}")));
    }
}

#[test]
fn generating_twice_is_byte_identical() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    gen_example(EXAMPLES[2], a.path());
    gen_example(EXAMPLES[2], b.path());
    for f in files_in(a.path()) {
        assert_eq!(
            std::fs::read(a.path().join(&f)).unwrap(),
            std::fs::read(b.path().join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn verilator_lint_wall_is_silent() {
    if for_test(Tool::Verilator, "verilator lint").is_none() {
        return;
    }
    for ex in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let meta = gen_example(ex, dir.path());
        let top = meta["top"].as_str().unwrap();
        let lines = verilator_lint(dir.path(), &format!("{top}.v"), top).expect("verilator runs");
        assert!(lines.is_empty(), "{ex}: verilator -Wall says {lines:?}");
    }
}

fn yosys_clean(synth: &str) {
    if for_test(Tool::Yosys, synth).is_none() {
        return;
    }
    for ex in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let meta = gen_example(ex, dir.path());
        let top = meta["top"].as_str().unwrap();
        let check = yosys_synth(dir.path(), &format!("{top}.v"), top, synth).expect("yosys runs");
        assert!(
            check.warnings.is_empty(),
            "{ex} {synth}: {:?}",
            check.warnings
        );
        assert_eq!(check.latches, 0, "{ex} {synth}: latches");
        assert!(
            check.stat.contains("Number of cells"),
            "{ex} {synth}: stat report"
        );
    }
}

#[test]
fn yosys_synth_ice40_is_clean() {
    yosys_clean("synth_ice40");
}

#[test]
fn yosys_synth_ecp5_is_clean() {
    yosys_clean("synth_ecp5");
}
