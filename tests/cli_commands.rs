//! Every subcommand end to end on a shipped example.

mod common;

use common::{files_in, lutforge};
use lutforge_tools::{Tool, for_test};

#[test]
fn gen_writes_the_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("core");
    let r = lutforge(&[
        "gen",
        "mac-gemv",
        "--config",
        "examples/mac_gemv.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        files_in(&out),
        ["mac_gemv.core", "mac_gemv.json", "mac_gemv.v"]
    );
    assert!(r.stdout.contains("ACC=19 bits"), "{}", r.stdout);
    let v = std::fs::read_to_string(out.join("mac_gemv.v")).unwrap();
    assert!(
        v.contains("// Command: lutforge gen mac-gemv --name mac_gemv --m 1 --n 4 --k 16"),
        "header names the command"
    );
}

#[test]
fn flags_override_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "gen",
        "mac-gemv",
        "--config",
        "examples/mac_gemv.toml",
        "--k",
        "9",
        "--name",
        "other",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("other.json")).unwrap())
            .unwrap();
    assert_eq!(meta["params"]["k"], 9);
    assert_eq!(meta["params"]["n"], 4, "the rest comes from the file");
}

#[test]
fn sim_passes_and_prints_a_table() {
    let r = lutforge(&[
        "sim",
        "mac-gemv",
        "--config",
        "examples/mac_gemm_m2.toml",
        "--streams",
        "4",
        "--runs",
        "6",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.matches("PASS").count(),
        13,
        "12 cases and the verdict: {}",
        r.stdout
    );
    assert!(r.stdout.contains(" 0 mismatches"), "{}", r.stdout);
}

#[test]
fn sim_writes_a_vcd() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("w.vcd");
    let r = lutforge(&[
        "sim",
        "mac-gemv",
        "--streams",
        "1",
        "--runs",
        "2",
        "--vcd",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(vcd).unwrap();
    assert!(
        text.contains("$var wire") && text.contains("out_valid_q"),
        "VCD has the design's signals"
    );
}

#[test]
fn cosim_in_both_simulators() {
    for (sim, tool) in [("iverilog", Tool::Iverilog), ("verilator", Tool::Verilator)] {
        if for_test(tool, "cosim command").is_none() {
            continue;
        }
        let r = lutforge(&[
            "cosim",
            "mac-gemv",
            "--config",
            "examples/mac_gemv.toml",
            "--simulator",
            sim,
            "--runs",
            "4",
        ]);
        assert_eq!(r.code, 0, "{sim}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains(&format!("Rust simulator and {sim} agree")),
            "{}",
            r.stdout
        );
        assert!(!r.stdout.contains("FAIL"));
    }
}

#[test]
fn tools_lists_every_tool() {
    let r = lutforge(&["tools"]);
    assert_eq!(r.code, 0);
    for t in [
        "iverilog",
        "verilator",
        "yosys",
        "nextpnr-ice40",
        "icepack",
        "nextpnr-ecp5",
        "ecppack",
    ] {
        assert!(r.stdout.contains(t), "{t} listed");
    }
}

#[test]
fn bench_sim_measures_both_simulators() {
    if for_test(Tool::Verilator, "bench sim").is_none() {
        return;
    }
    let r = lutforge(&[
        "bench", "sim", "--lanes", "8", "--runs", "4", "--cycles", "200", "--ops", "60",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.matches("verilator").count(),
        3,
        "two Verilator rows and the note: {}",
        r.stdout
    );
    assert!(r.stdout.contains("×"), "ratio printed: {}", r.stdout);
}

#[test]
fn cores_lists_every_registered_core_with_its_parameters() {
    let r = lutforge(&["cores"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for core in ["mac-gemv", "ternary-gemv", "lut-gemm"] {
        assert!(r.stdout.contains(&format!("{core}: ")), "{}", r.stdout);
    }
    assert!(r.stdout.contains("--table-storage") && r.stdout.contains("registers|lutram"));
    let r = lutforge(&["cores", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let lut = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lut-gemm")
        .expect("lut-gemm listed");
    let group = lut["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "group")
        .expect("lut-gemm has group");
    assert_eq!(group["default"], "4");
    assert_eq!(group["limits"]["min"], 2);
    assert_eq!(group["limits"]["max"], 6);
    assert_eq!(group["sweep_axis"], true);
    let ternary = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ternary-gemv")
        .unwrap();
    assert!(
        ternary["params"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["key"] != "group"),
        "a core lists only its own parameters"
    );
}

#[test]
fn metadata_params_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let r = lutforge(&[
        "gen", "lut-gemm", "--name", "true", "--k", "8", "--pad-k", "--out", out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("true.json")).unwrap())
            .unwrap();
    let p = &meta["params"];
    assert_eq!(p["name"], "true", "a name is a string, whatever it spells");
    assert_eq!(p["pad_k"], true);
    assert_eq!(p["k"], 8);
    assert_eq!(p["table_storage"], "registers");
    assert_eq!(meta["contract"]["streams"][0]["valid"], "in_valid");
}

#[test]
fn every_parameter_is_a_sweep_axis_including_pad_k() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let r = lutforge(&[
        "sweep",
        "--core",
        "lut-gemm,mac-gemv",
        "--target",
        "ice40-up5k",
        "--k",
        "6",
        "--group",
        "4",
        "--pad-k",
        "true",
        "--emit",
        "make",
        "--out",
        out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let make = std::fs::read_to_string(dir.path().join("Makefile")).unwrap();
    assert!(make.contains("--group 4 --pad-k true"), "{make}");
    assert!(
        make.contains("flow mac-gemv --name mac_gemv_k6 --k 6 --target"),
        "lut-gemm's axes leave mac-gemv alone: {make}"
    );
}
