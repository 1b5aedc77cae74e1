//! `lutforge host` against the protocol's reference model of the board: a
//! layer loaded and run exactly, with and without bit errors on the line,
//! the results written, and the bad inputs refused in one line.

mod common;

use common::{assert_one_line_error, lutforge};
use lutforge_testbench::layer::{
    Matrix, error_stats, float_matmul, quantize_weights_absmean, random_activations, read_matrix,
    write_npy_f32,
};

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

/// An engine with int4 activations (`--act-bits 4` on the board model): the
/// host quantizes to 4 bits, every integer matches the golden GEMV, and
/// y.npy is dequantized with the 4-bit scale (max|x| / 7): against the float
/// product with the ternary weights it is off by the 4-bit rounding only,
/// and unbiased, where a 127 scale would shrink it 18-fold.
#[test]
fn int4_activations_run_exactly_and_dequantize_with_their_scale() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, xf) = (dir.path().join("w.npy"), dir.path().join("x.npy"));
    let (w, x) = (weights(24, 40), random_activations(6, 40, 9));
    write_npy_f32(&wf, &w).unwrap();
    write_npy_f32(&xf, &x).unwrap();
    let wq = quantize_weights_absmean(&w);
    let w_deq = Matrix {
        rows: 24,
        cols: 40,
        data: wq.q.iter().map(|&q| f32::from(q) * wq.scale).collect(),
    };
    let reference = float_matmul(&x, &w_deq);
    for (bits, worst) in [("4", 0.2), ("8", 0.02)] {
        let out = dir.path().join(format!("out{bits}"));
        let r = lutforge(&[
            "host",
            "--model",
            "--act-bits",
            bits,
            "--weights",
            wf.to_str().unwrap(),
            "--acts",
            xf.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains(&format!(
                "int{bits} activations, every one of 144 integers equal to the golden GEMV"
            )),
            "{}",
            r.stdout
        );
        let y = read_matrix(&out.join("y.npy"), None).unwrap();
        let y: Vec<f64> = y.data.iter().map(|&v| f64::from(v)).collect();
        let e = error_stats(&y, &reference);
        assert!(e.relative > 0.0 && e.relative < worst, "int{bits}: {e:?}");
        let gain = y.iter().zip(&reference).map(|(a, b)| a * b).sum::<f64>()
            / reference.iter().map(|b| b * b).sum::<f64>();
        assert!(
            (gain - 1.0).abs() < worst,
            "int{bits}: y = {gain} × the reference"
        );
    }
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
    assert_one_line_error(
        &lutforge(&["host", "--model", "--weights", w, "--act-bits", "1"]),
        "--act-bits 1 is invalid",
    );
}
