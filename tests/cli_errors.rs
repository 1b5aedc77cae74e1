//! Bad input gets one clear error line, a non-zero exit, no panic and no
//! partial file.

mod common;

use common::{assert_one_line_error, files_in, lutforge, lutforge_with};

fn gen_into(dir: &std::path::Path, extra: &[&str]) -> common::Run {
    let out = dir.join("out");
    let mut args = vec!["gen", "mac-gemv", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    lutforge(&args)
}

#[test]
fn zero_negative_and_absurd_parameters() {
    let dir = tempfile::tempdir().unwrap();
    for (flags, needle) in [
        (&["--k", "0"][..], "k = 0 is invalid"),
        (&["--n", "0"][..], "n = 0 is invalid"),
        (&["--m", "100000"][..], "m = 100000 is invalid"),
        (&["--act-bits", "99"][..], "act-bits = 99 is invalid"),
        (&["--act-bits", "1"][..], "act-bits = 1 is invalid"),
        (&["--max-beats", "0"][..], "max-beats = 0 is invalid"),
        (&["--w-bits", "9"][..], "w-bits = 9 is invalid"),
        (&["--stage-levels", "0"][..], "stage-levels = 0 is invalid"),
        (&["--k", "4096", "--n", "1024"][..], "m·n·k"),
        (&["--w-format", "ternary"][..], "w-format"),
    ] {
        let r = gen_into(dir.path(), flags);
        assert_one_line_error(&r, needle);
        assert!(
            files_in(&dir.path().join("out")).is_empty(),
            "no file written for {flags:?}"
        );
    }
}

#[test]
fn negative_numbers_are_refused_by_the_parser() {
    let r = lutforge(&["gen", "mac-gemv", "--k", "-3"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("invalid value '-3'") && !r.stderr.contains("panicked"),
        "{}",
        r.stderr
    );
}

#[test]
fn names_that_are_not_verilog_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    for (name, needle) in [
        ("module", "keyword"),
        ("logic", "keyword"),
        ("9lives", "starts with"),
        ("a-b", "`-`"),
        ("../evil", "`.`"),
        ("", "empty"),
    ] {
        let r = gen_into(dir.path(), &["--name", name]);
        assert_one_line_error(&r, needle);
    }
    assert!(!dir.path().join("evil.v").exists());
}

#[test]
fn malformed_and_unknown_key_configs() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("k = \"sixteen\"\n", "invalid type"),
        ("k = 16\nbogus = 3\n", "(line 2): unknown field `bogus`"),
        ("k = [1,\n", "line"),
        ("core = \"fft-core\"\n", "unknown variant"),
        (
            "core = \"ternary-gemv\"\n",
            "is for ternary-gemv, not mac-gemv",
        ),
    ];
    for (text, needle) in cases {
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, text).unwrap();
        let r = gen_into(dir.path(), &["--config", cfg.to_str().unwrap()]);
        assert_one_line_error(&r, needle);
    }
    let r = gen_into(dir.path(), &["--config", "/nonexistent/x.toml"]);
    assert_one_line_error(&r, "cannot read config");
}

#[test]
fn output_path_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let r = lutforge(&["gen", "mac-gemv", "--out", file.to_str().unwrap()]);
    assert_one_line_error(&r, "is a file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn missing_simulator_says_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    for (sim, hint) in [
        ("verilator", "apt-get install -y verilator"),
        ("iverilog", "apt-get install -y iverilog"),
    ] {
        let r = lutforge_with(&["cosim", "mac-gemv", "--simulator", sim], |c| {
            c.env("PATH", empty.path());
        });
        assert_one_line_error(&r, hint);
    }
}

#[test]
fn sim_and_cosim_counts_are_checked() {
    assert_one_line_error(
        &lutforge(&["sim", "mac-gemv", "--streams", "0"]),
        "--streams 0 is invalid",
    );
    assert_one_line_error(
        &lutforge(&["sim", "mac-gemv", "--runs", "0"]),
        "--runs 0 is invalid",
    );
}

#[test]
fn lut_gemm_parameters_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (flags, needle) in [
        (&["--group", "1"][..], "group = 1 is invalid"),
        (&["--group", "7"][..], "group = 7 is invalid"),
        (&["--group", "0"][..], "group = 0 is invalid"),
        (&["--k", "10"][..], "--pad-k"),
        (
            &["--k", "10", "--group", "3"][..],
            "not a multiple of the group size 3",
        ),
        (&["--w-bits", "5"][..], "w-bits = 5 is invalid"),
        (&["--w-bits", "1"][..], "w-bits = 1 is invalid"),
        (
            &["--w-format", "binary", "--w-bits", "2"][..],
            "1-bit codes",
        ),
        (
            &["--w-format", "ternary", "--w-bits", "4"][..],
            "2-bit codes",
        ),
        (&["--negation", "nneg"][..], "ternary-gemv option"),
        (&["--name", "module"][..], "keyword"),
        (&["--bit-serial", "maybe"][..], "maybe"),
        (&["--table-storage", "bram"][..], "bram"),
    ] {
        let mut args = vec!["gen", "lut-gemm", "--out", out.to_str().unwrap()];
        args.extend_from_slice(flags);
        let r = lutforge(&args);
        assert_one_line_error(&r, needle);
        assert!(files_in(&out).is_empty(), "no file written for {flags:?}");
    }
    // The lut-gemm knobs belong to it alone.
    for kind in ["mac-gemv", "ternary-gemv"] {
        let r = lutforge(&["gen", kind, "--bit-serial", "--out", out.to_str().unwrap()]);
        assert_one_line_error(&r, "lut-gemm option");
        let r = lutforge(&[
            "gen",
            kind,
            "--table-storage",
            "lutram",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_one_line_error(&r, "--table-storage does not apply");
    }
    // Padding allowed: generated, and said so.
    let r = lutforge(&[
        "gen",
        "lut-gemm",
        "--k",
        "10",
        "--pad-k",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("K padded to 12"), "{}", r.stdout);
}

#[test]
fn dsp_use_is_auto_on_or_off() {
    let r = lutforge(&[
        "synth",
        "mac-gemv",
        "--target",
        "ice40-up5k",
        "--dsp",
        "maybe",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown DSP use `maybe`; use auto") && !r.stderr.contains("panicked"),
        "{}",
        r.stderr
    );
    let r = lutforge(&[
        "flow",
        "mac-gemv",
        "--target",
        "ice40-up5k",
        "--dsp",
        "on",
        "--no-dsp",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot be used with") && r.stderr.contains("--dsp"),
        "{}",
        r.stderr
    );
    let r = lutforge(&["sweep", "--help"]);
    assert!(r.stdout.contains("--dsp <auto|on|off>"), "{}", r.stdout);
    assert!(!r.stdout.contains("--no-dsp"), "the alias stays hidden");
}
