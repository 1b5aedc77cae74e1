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
