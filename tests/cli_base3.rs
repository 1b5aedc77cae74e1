//! `lut-gemm --ternary-table base3` on the command line: bad combinations
//! get one clear error line and no file; a good one generates, says so in
//! its notes, and keeps the new flags in its header while a default design's
//! header leaves them out.

mod common;

use common::{assert_one_line_error, files_in, lutforge};

#[test]
fn base3_bad_combinations_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (flags, needle) in [
        (
            &["--ternary-table", "base3", "--w-format", "int"][..],
            "--w-format ternary",
        ),
        (
            &[
                "--ternary-table",
                "base3",
                "--w-format",
                "ternary",
                "--group",
                "4",
            ][..],
            "--group 2 or 3",
        ),
        (
            &[
                "--ternary-table",
                "base3",
                "--w-format",
                "ternary",
                "--group",
                "2",
                "--table-storage",
                "lutram",
            ][..],
            "--table-storage registers",
        ),
        (
            &[
                "--ternary-table",
                "base3",
                "--w-format",
                "ternary",
                "--group",
                "2",
                "--bit-serial",
            ][..],
            "drop --bit-serial",
        ),
        (
            &[
                "--w-format",
                "ternary",
                "--group",
                "2",
                "--w-packing",
                "base3",
            ][..],
            "--ternary-table base3",
        ),
        (&["--ternary-table", "base4"][..], "base4"),
    ] {
        let mut args = vec!["gen", "lut-gemm", "--out", out.to_str().unwrap()];
        args.extend_from_slice(flags);
        let r = lutforge(&args);
        assert_one_line_error(&r, needle);
        assert!(files_in(&out).is_empty(), "no file written for {flags:?}");
    }
}

#[test]
fn base3_generates_and_its_header_names_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let (b3, planes) = (dir.path().join("b3"), dir.path().join("planes"));
    let r = lutforge(&[
        "gen",
        "lut-gemm",
        "--w-format",
        "ternary",
        "--group",
        "3",
        "--k",
        "12",
        "--ternary-table",
        "base3",
        "--out",
        b3.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("base-3 tables of 14 entries"),
        "{}",
        r.stdout
    );
    let v = std::fs::read_to_string(b3.join("lut_gemm.v")).unwrap();
    assert!(
        v.contains("--ternary-table base3"),
        "header names the table"
    );
    let r = lutforge(&[
        "gen",
        "lut-gemm",
        "--w-format",
        "ternary",
        "--out",
        planes.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = std::fs::read_to_string(planes.join("lut_gemm.v")).unwrap();
    assert!(
        !v.contains("ternary-table") && !v.contains("w-packing"),
        "quiet defaults stay out"
    );
}
