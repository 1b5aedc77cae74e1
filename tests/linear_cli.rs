//! `lutforge gen linear`: the layer engine around every core, with the
//! metadata the linear contract asks for, byte-identical when generated
//! twice, and the bad inputs refused in one line with no file written.

mod common;

use common::{assert_one_line_error, files_in, lutforge};

fn gen_linear(out: &std::path::Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["gen", "linear", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    lutforge(&args)
}

#[test]
fn gen_linear_writes_the_engine_and_the_contract_s_metadata_for_every_core() {
    let dir = tempfile::tempdir().unwrap();
    for (core, extra) in [
        ("ternary-gemv", &["--w-packing", "base3", "--k", "10"][..]),
        ("mac-gemv", &["--w-bits", "4", "--k", "8"][..]),
        (
            "lut-gemm",
            &["--w-format", "ternary", "--group", "4", "--k", "8"][..],
        ),
    ] {
        let out = dir.path().join(core);
        let mut args = vec![
            "--datapath",
            core,
            "--in-features",
            "37",
            "--out-features",
            "11",
            "--n",
            "4",
            "--x-lanes",
            "2",
            "--y-lanes",
            "3",
            "--weight-word-bits",
            "16",
            "--weight-memory",
            "lutram",
            "--name",
            "layer",
        ];
        args.extend_from_slice(extra);
        let r = gen_linear(&out, &args);
        assert_eq!(r.code, 0, "{core}: {}", r.stderr);
        assert!(
            r.stdout.starts_with("linear `layer`: 11 × 37"),
            "{}",
            r.stdout
        );
        assert_eq!(files_in(&out), ["layer.core", "layer.json", "layer.v"]);
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("layer.json")).unwrap())
                .unwrap();
        for key in [
            "top",
            "kind",
            "params",
            "core",
            "acc_bits",
            "weight_packing",
            "weight_word_bits",
            "weight_words",
            "x_lanes",
            "y_lanes",
            "weight_memory",
            "cycles_per_vector",
            "bound",
            "latency",
            "ports",
        ] {
            assert!(meta.get(key).is_some(), "{core}: the metadata has `{key}`");
        }
        assert_eq!(meta["kind"], "linear");
        assert_eq!(meta["core"]["kind"], core);
        assert_eq!(meta["x_lanes"], 2);
        assert_eq!(meta["y_lanes"], 3);
        assert_eq!(meta["weight_memory"], "lutram");
        assert_eq!(meta["params"]["in_features"], 37);
        let names: Vec<&str> = meta["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, lutforge_hdl::datapath::contract::LINEAR.port_order());
        let v = std::fs::read_to_string(out.join("layer.v")).unwrap();
        assert!(
            v.contains("module layer (") && v.contains("module layer_core"),
            "{core}"
        );
        let again = dir.path().join(format!("{core}_again"));
        assert_eq!(gen_linear(&again, &args).code, 0);
        assert_eq!(
            std::fs::read(again.join("layer.v")).unwrap(),
            v.as_bytes(),
            "{core}: generated twice, byte-identical"
        );
    }
}

#[test]
fn bad_engines_are_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (flags, needle) in [
        (&["--in-features", "0", "--out-features", "4"][..], "in"),
        (
            &["--in-features", "65537", "--out-features", "4"][..],
            "65537",
        ),
        (
            &[
                "--in-features",
                "64",
                "--out-features",
                "4",
                "--k",
                "8",
                "--x-lanes",
                "9",
            ][..],
            "9",
        ),
        (
            &[
                "--in-features",
                "64",
                "--out-features",
                "4",
                "--n",
                "2",
                "--y-lanes",
                "3",
            ][..],
            "3",
        ),
        (&["--out-features", "4"][..], "--in-features"),
        (
            &["--in-features", "8", "--out-features", "4", "--group", "4"][..],
            "lut-gemm option",
        ),
        (
            &[
                "--in-features",
                "8",
                "--out-features",
                "4",
                "--datapath",
                "fft",
            ][..],
            "fft",
        ),
    ] {
        let r = gen_linear(&out, flags);
        assert_one_line_error(&r, needle);
        assert!(files_in(&out).is_empty(), "no file for {flags:?}");
    }
    assert_one_line_error(
        &lutforge(&["gen", "mac-gemv", "--weight-memory", "bram"]),
        "`lutforge gen linear`",
    );
}

#[test]
fn sim_linear_checks_the_engine_and_its_stated_cycles() {
    let r = lutforge(&[
        "sim",
        "linear",
        "--datapath",
        "ternary-gemv",
        "--in-features",
        "37",
        "--out-features",
        "11",
        "--k",
        "8",
        "--n",
        "4",
        "--x-lanes",
        "3",
        "--y-lanes",
        "2",
        "--weight-word-bits",
        "16",
        "--weight-memory",
        "stream",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("PASS"), "{}", r.stdout);
    assert!(r.stdout.contains("bound weight_memory"), "{}", r.stdout);
    for traffic in ["full", "bubbles", "backpressure", "both"] {
        assert!(r.stdout.contains(traffic), "{traffic}: {}", r.stdout);
    }
    assert_one_line_error(
        &lutforge(&["sim", "mac-gemv", "--in-features", "8"]),
        "`lutforge sim linear`",
    );
}

#[test]
fn block_ram_is_the_default_and_spram_counts_its_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    let r = gen_linear(
        &out,
        &[
            "--in-features",
            "40",
            "--out-features",
            "8",
            "--k",
            "8",
            "--n",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("linear.json")).unwrap()).unwrap();
    assert_eq!(meta["weight_memory"], "bram");
    let v = std::fs::read_to_string(out.join("linear.v")).unwrap();
    assert!(
        v.contains("(* no_rw_check *)"),
        "an inferred block RAM without collision logic"
    );
    let out = dir.path().join("s");
    let r = gen_linear(
        &out,
        &[
            "--in-features",
            "40",
            "--out-features",
            "8",
            "--k",
            "8",
            "--n",
            "2",
            "--weight-memory",
            "spram",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("linear.json")).unwrap()).unwrap();
    assert!(
        meta["spram_blocks"].as_u64().unwrap() > 0,
        "{}",
        meta["spram_blocks"]
    );
    assert!(
        std::fs::read_to_string(out.join("linear.v"))
            .unwrap()
            .contains("SB_SPRAM256KA")
    );
}

/// Writes a float32 .npy matrix of `rows` × `cols` with values −1.5 … 1.5 in a fixed pattern.
fn npy(path: &std::path::Path, rows: usize, cols: usize) {
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let pad = 64 - (10 + header.len() + 1) % 64;
    let header = format!("{header}{}\n", " ".repeat(pad));
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for i in 0..rows * cols {
        let v = ((i * 7 + i / 3) % 7) as f32 * 0.5 - 1.5;
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn gen_linear_weights_become_initial_contents_and_sim_answers_with_no_load() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.npy");
    npy(&w, 11, 37);
    let tile = ["--k", "10", "--n", "4", "--w-packing", "base3"];
    let out = dir.path().join("g");
    let mut args = vec!["--weights", w.to_str().unwrap()];
    args.extend_from_slice(&tile);
    let r = gen_linear(&out, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("linear.json")).unwrap()).unwrap();
    assert_eq!(meta["initial_weights"], true);
    assert_eq!(meta["params"]["in_features"], 37);
    assert!(meta["command"].as_str().unwrap().contains("--weights"));
    let v = std::fs::read_to_string(out.join("linear.v")).unwrap();
    assert!(v.contains("initial begin"), "no initial contents");
    let mut sim = vec!["sim", "linear", "--weights", w.to_str().unwrap()];
    sim.extend_from_slice(&tile);
    sim.extend_from_slice(&["--x-lanes", "3", "--vectors", "4"]);
    let r = lutforge(&sim);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no load"), "{}", r.stdout);
    assert!(r.stdout.contains("PASS"), "{}", r.stdout);
}

#[test]
fn gen_linear_mx_dot_weights_become_initial_contents_and_sim_answers_with_no_load() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.npy");
    npy(&w, 7, 27);
    let wp = w.to_str().unwrap();
    let tile = [
        "--datapath",
        "mx-dot",
        "--act-format",
        "mxint8",
        "--w-format",
        "mxfp4-e2m1",
        "--block",
        "8",
        "--k",
        "16",
        "--n",
        "3",
    ];
    let out = dir.path().join("g");
    let mut args = vec!["--weights", wp];
    args.extend_from_slice(&tile);
    let r = gen_linear(&out, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("linear.json")).unwrap()).unwrap();
    assert_eq!(meta["initial_weights"], true);
    assert_eq!(meta["weight_packing"], "mx");
    assert!(meta["command"].as_str().unwrap().contains("--weights"));
    let v = std::fs::read_to_string(out.join("linear.v")).unwrap();
    assert!(v.contains("initial begin"), "no initial contents");
    let mut sim = vec!["sim", "linear", "--weights", wp];
    sim.extend_from_slice(&tile);
    sim.extend_from_slice(&["--x-lanes", "5", "--vectors", "3"]);
    let r = lutforge(&sim);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no load"), "{}", r.stdout);
    assert!(r.stdout.contains("PASS"), "{}", r.stdout);
    // Bad input: the one line the integer engines give, nothing written.
    let bad = dir.path().join("bad");
    for (extra, needle) in [
        (
            vec!["--weight-memory", "spram"],
            "--weights needs --weight-memory bram",
        ),
        (
            vec!["--weight-memory", "stream"],
            "--weights needs --weight-memory bram",
        ),
        (
            vec!["--in-features", "7", "--out-features", "27"],
            "out_features × in_features = 27 × 7",
        ),
    ] {
        let mut args = vec!["gen", "linear", "--weights", wp];
        args.extend_from_slice(&tile);
        args.extend_from_slice(&extra);
        args.extend_from_slice(&["--out", bad.to_str().unwrap()]);
        assert_one_line_error(&lutforge(&args), needle);
        assert!(!bad.exists(), "{args:?} wrote {}", bad.display());
    }
}

#[test]
fn bad_weights_and_memories_for_the_target_are_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.npy");
    npy(&w, 37, 11);
    let wp = w.to_str().unwrap();
    let out = dir.path().join("x");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "gen",
                "linear",
                "--weights",
                wp,
                "--in-features",
                "37",
                "--out-features",
                "11",
            ],
            "out_features × in_features = 11 × 37",
        ),
        (
            vec!["gen", "linear", "--weights", wp, "--weight-memory", "spram"],
            "--weights needs --weight-memory bram",
        ),
        (
            vec![
                "gen",
                "linear",
                "--in-features",
                "384",
                "--out-features",
                "2048",
                "--k",
                "40",
                "--n",
                "1",
                "--w-packing",
                "base3",
                "--weight-memory",
                "spram",
            ],
            "8 SB_SPRAM256KA; the UP5K has 4",
        ),
        (
            vec![
                "synth",
                "linear",
                "--target",
                "ecp5-25k",
                "--in-features",
                "40",
                "--out-features",
                "8",
                "--weight-memory",
                "spram",
            ],
            "ecp5-25k has none",
        ),
        (
            vec![
                "synth",
                "linear",
                "--target",
                "ice40-up5k",
                "--in-features",
                "4096",
                "--out-features",
                "384",
                "--k",
                "80",
                "--n",
                "8",
                "--w-packing",
                "base3",
            ],
            "SB_RAM40_4K",
        ),
    ];
    for (mut args, needle) in cases {
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let r = lutforge(&args);
        assert_one_line_error(&r, needle);
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn flow_linear_reports_the_layer_rate_and_its_memory_blocks() {
    use lutforge_tools::{Tool, for_test};
    if [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack]
        .iter()
        .any(|&t| for_test(t, "flow linear ice40").is_none())
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.npy");
    npy(&w, 16, 64);
    // Place and route for SPRAM; synthesis only for block RAM with initial
    // weights (256 words a lane, deep enough for an EBR).
    for (memory, cell, command, shape) in [
        ("spram", "SB_SPRAM256KA", "flow", ["32", "8", "8", "2"]),
        ("bram", "SB_RAM40_4K", "synth", ["64", "16", "2", "2"]),
    ] {
        let out = dir.path().join(memory);
        let [k_total, n_total, k, n] = shape;
        let mut args = vec![
            command,
            "linear",
            "--target",
            "ice40-up5k",
            "--in-features",
            k_total,
            "--out-features",
            n_total,
            "--k",
            k,
            "--n",
            n,
            "--x-lanes",
            "2",
            "--y-lanes",
            "2",
            "--weight-memory",
            memory,
            "--name",
            "lin",
            "--out",
            out.to_str().unwrap(),
        ];
        if memory == "bram" {
            args.extend_from_slice(&["--weights", w.to_str().unwrap()]);
        }
        let r = lutforge(&args);
        assert_eq!(r.code, 0, "{memory}: {}", r.stderr);
        assert!(r.stdout.contains("GEMV per second"), "{}", r.stdout);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap())
                .unwrap();
        let lin = &report["linear"];
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("lin.json")).unwrap()).unwrap();
        assert_eq!(lin["cycles_per_vector"], meta["cycles_per_vector"]);
        assert_eq!(lin["bound"], meta["bound"]["limit"]);
        let blocks = lin["memory_blocks"][cell].as_u64().unwrap_or(0);
        assert!(blocks > 0, "{memory}: {lin}");
        if memory == "spram" {
            let cycles = lin["cycles_per_vector"].as_f64().unwrap();
            let fmax = report["fmax_mhz"].as_f64().unwrap();
            let rate = lin["gemv_per_s"].as_f64().unwrap();
            assert!(
                (rate - fmax * 1e6 / cycles).abs() <= 1.0,
                "{rate} {fmax} {cycles}"
            );
            assert_eq!(blocks, meta["spram_blocks"].as_u64().unwrap());
        } else {
            assert!(
                lin["gemv_per_s"].is_null(),
                "no Fmax without place and route"
            );
            // The weights stay in the EBR's initial contents through synthesis.
            let net = std::fs::read_to_string(out.join("work/harness.json")).unwrap();
            let nonzero = net
                .split("\"INIT_")
                .skip(1)
                .any(|s| s.split('"').nth(2).is_some_and(|v| v.contains('1')));
            assert!(nonzero, "no EBR initial contents in the netlist");
        }
    }
}
