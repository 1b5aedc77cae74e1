//! `lutforge run-layer --linear --cosim`: a small real layer (written by the
//! test as .npy, K_total and N_total not multiples of the tile) through the
//! engine on the Rust simulator and in Verilator, every integer checked,
//! the two cycle-exact; and the one-line error when Verilator is absent.

mod common;

use common::{assert_one_line_error, lutforge, lutforge_with};
use lutforge_testbench::layer::{random_activations, write_npy_f32};
use lutforge_tools::{Tool, for_test};

fn layer_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut w = random_activations(10, 45, 21);
    for v in &mut w.data {
        *v *= 0.02;
    }
    let path = dir.join("w.npy");
    write_npy_f32(&path, &w).unwrap();
    path
}

/// The number before `label` in `line`, e.g. 123 in "… 123 in Verilator …".
fn count_before(line: &str, label: &str) -> u64 {
    let head = &line[..line
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in `{line}`"))];
    head.split_whitespace()
        .last()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count before `{label}` in `{line}`"))
}

#[test]
fn run_layer_linear_cosim_is_cycle_exact_in_verilator() {
    if for_test(Tool::Verilator, "run-layer --linear --cosim").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = layer_file(dir.path());
    let out = dir.path().join("out");
    let r = lutforge(&[
        "run-layer",
        "--weights",
        w.to_str().unwrap(),
        "--linear",
        "--k",
        "16",
        "--n",
        "4",
        "--x-lanes",
        "3",
        "--y-lanes",
        "2",
        "--weight-memory",
        "spram",
        "--tokens",
        "4",
        "--cosim",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "Verilator: 20 y-words (40 integers), 0 mismatches against the golden GEMV, cycle-exact with the Rust simulator"
        ),
        "{}",
        r.stdout
    );
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("cycles to the last y-word"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let (rust, verilator) = (
        count_before(line, "in the Rust simulator"),
        count_before(line, "in Verilator"),
    );
    assert!(rust > 0 && rust == verilator, "{line}");
    assert!(out.join("acc.npy").is_file() && out.join("y.npy").is_file());
}

#[test]
fn run_layer_linear_cosim_without_verilator_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let w = layer_file(dir.path());
    let empty = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = lutforge_with(
        &[
            "run-layer",
            "--weights",
            w.to_str().unwrap(),
            "--linear",
            "--k",
            "16",
            "--n",
            "4",
            "--cosim",
            "--out",
            out.to_str().unwrap(),
        ],
        |c| {
            c.env("PATH", empty.path());
        },
    );
    assert_one_line_error(&r, "apt-get install -y verilator");
    assert!(r.stderr.contains("--cosim"), "{}", r.stderr);
    assert!(!out.exists(), "nothing written");
}

#[test]
fn bench_sim_linear_checks_both_back_ends() {
    if for_test(Tool::Verilator, "bench sim --linear").is_none() {
        return;
    }
    let r = lutforge(&[
        "bench",
        "sim",
        "--linear",
        "--datapath",
        "ternary-gemv",
        "--k",
        "16",
        "--n",
        "4",
        "--in-features",
        "45",
        "--out-features",
        "10",
        "--weight-memory",
        "lutram",
        "--vectors",
        "3",
        "--lanes",
        "4",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("rust sim") || l.starts_with("verilator"))
        .collect();
    assert_eq!(rows.len(), 3, "{}", r.stdout);
    let cycles = |row: &str, skip: usize| -> u64 {
        row.split_whitespace()
            .nth(skip)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("`{row}`"))
    };
    let one_lane = cycles(rows[0], 4);
    assert!(one_lane > 0, "{}", r.stdout);
    assert_eq!(cycles(rows[1], 4), 4 * one_lane, "4 lanes: {}", r.stdout);
    assert_eq!(cycles(rows[2], 1), one_lane, "Verilator: {}", r.stdout);
    let r = lutforge(&["bench", "sim", "--x-lanes", "2"]);
    assert_one_line_error(&r, "add --linear");
}
