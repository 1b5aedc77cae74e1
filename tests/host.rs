//! `lutforge host` against the protocol's reference model of the board: a
//! layer loaded and run exactly, with and without bit errors on the line,
//! the results written, and the bad inputs refused in one line.

mod common;

use common::{assert_one_line_error, lutforge};
use lutforge_testbench::layer::{Matrix, random_activations, read_matrix, write_npy_f32};

fn weights(rows: usize, cols: usize) -> Matrix {
    let mut m = random_activations(rows, cols, 5);
    for v in &mut m.data {
        *v *= 0.02;
    }
    m
}

#[test]
fn a_layer_runs_exactly_on_the_board_model_even_on_a_noisy_line() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.npy");
    write_npy_f32(&wf, &weights(24, 40)).unwrap();
    let out = dir.path().join("out");
    let r = lutforge(&[
        "host",
        "--model",
        "--weights",
        wf.to_str().unwrap(),
        "--tokens",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("every one of 120 integers equal to the golden GEMV"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("0 retries"), "{}", r.stdout);
    let y = read_matrix(&out.join("y.npy"), None).unwrap();
    assert_eq!((y.rows, y.cols), (5, 24));
    for packing in ["codes", "i2s"] {
        let r = lutforge(&[
            "host",
            "--model",
            "--weights",
            wf.to_str().unwrap(),
            "--packing",
            packing,
        ]);
        assert_eq!(r.code, 0, "{packing}: {}", r.stderr);
    }
    let r = lutforge(&[
        "host",
        "--model",
        "--weights",
        wf.to_str().unwrap(),
        "--tokens",
        "6",
        "--line-errors",
        "2e-3",
        "--seed",
        "3",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("every one of 144 integers"),
        "{}",
        r.stdout
    );
    let retries: u64 = r
        .stdout
        .split(" retries")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a retry count");
    assert!(retries > 0, "bit errors make the host retry: {}", r.stdout);
}

#[test]
fn bad_host_inputs_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.npy");
    write_npy_f32(&wf, &weights(4, 10)).unwrap();
    let w = wf.to_str().unwrap();
    assert_one_line_error(
        &lutforge(&["host", "--port", "/dev/ttyLUTFORGE_NONE", "--weights", w]),
        "serial port /dev/ttyLUTFORGE_NONE does not exist",
    );
    assert_one_line_error(
        &lutforge(&["host", "--model", "--weights", w, "--line-errors", "0.5"]),
        "--line-errors 0.5 is invalid",
    );
    assert_one_line_error(&lutforge(&["host", "--weights", w]), "--port");
    let x = dir.path().join("x.npy");
    write_npy_f32(&x, &random_activations(2, 9, 1)).unwrap();
    assert_one_line_error(
        &lutforge(&[
            "host",
            "--model",
            "--weights",
            w,
            "--acts",
            x.to_str().unwrap(),
        ]),
        "must match",
    );
}
