//! `lutforge run-layer`: real weight matrices (written by the test as .npy
//! and .safetensors in float32, float16 and bfloat16) through ternary cores
//! in every packing, every integer checked, and the bad inputs refused.

mod common;

use common::{assert_one_line_error, lutforge};
use lutforge_testbench::layer::{Matrix, random_activations, write_npy_f32, write_safetensors};
use lutforge_tools::{Tool, for_test};

fn weights(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut m = random_activations(rows, cols, seed);
    for v in &mut m.data {
        *v *= 0.02;
    }
    m
}

fn layer(args: &[&str]) -> common::Run {
    let mut v = vec!["run-layer"];
    v.extend_from_slice(args);
    lutforge(&v)
}

#[test]
fn npy_and_safetensors_in_every_packing() {
    let dir = tempfile::tempdir().unwrap();
    let w = weights(8, 96, 3);
    let npy = dir.path().join("w.npy");
    write_npy_f32(&npy, &w).unwrap();
    let st = dir.path().join("w.safetensors");
    let other = weights(4, 96, 4);
    for dtype in ["F32", "F16", "BF16"] {
        write_safetensors(&st, &[("proj.weight", &w), ("other", &other)], dtype).unwrap();
        let r = layer(&[
            "--weights",
            st.to_str().unwrap(),
            "--tensor",
            "proj.weight",
            "--k",
            "32",
            "--n",
            "2",
            "--tokens",
            "3",
        ]);
        assert_eq!(r.code, 0, "{dtype}: {}", r.stderr);
        assert!(
            r.stdout.contains("12 results (24 integers), 0 mismatches"),
            "{dtype}: {}",
            r.stdout
        );
    }
    for packing in ["codes", "base3", "i2s"] {
        let r = layer(&[
            "--weights",
            npy.to_str().unwrap(),
            "--k",
            "32",
            "--n",
            "4",
            "--m",
            "2",
            "--tokens",
            "5",
            "--w-packing",
            packing,
        ]);
        assert_eq!(r.code, 0, "{packing}: {}", r.stderr);
        // 5 tokens in groups of 2 → 3 groups × 2 column tiles = 6 runs.
        assert!(
            r.stdout.contains("6 results (48 integers), 0 mismatches"),
            "{packing}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("relative"), "error figures printed");
    }
    let acts = dir.path().join("x.npy");
    write_npy_f32(&acts, &random_activations(2, 96, 9)).unwrap();
    let r = layer(&[
        "--weights",
        npy.to_str().unwrap(),
        "--acts",
        acts.to_str().unwrap(),
        "--k",
        "96",
        "--n",
        "8",
        "--fmax",
        "150",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("at 150.0 MHz"), "{}", r.stdout);
}

#[test]
fn the_shipped_example_through_verilator() {
    if for_test(Tool::Verilator, "run-layer --cosim").is_none() {
        return;
    }
    let r = layer(&[
        "--weights",
        "examples/layer_64x256.npy",
        "--k",
        "64",
        "--n",
        "4",
        "--tokens",
        "2",
        "--w-packing",
        "base3",
        "--cosim",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Verilator: 32 results, 0 mismatches, cycle-exact"),
        "{}",
        r.stdout
    );
}

#[test]
fn bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("w.npy");
    write_npy_f32(&npy, &weights(10, 100, 1)).unwrap();
    let w = npy.to_str().unwrap();
    assert_one_line_error(
        &layer(&["--weights", w, "--k", "64"]),
        "K_total = 100 columns, which --k 64 does not divide",
    );
    assert_one_line_error(
        &layer(&["--weights", w, "--k", "50", "--n", "4"]),
        "N_total = 10 rows, which --n 4 does not divide",
    );
    assert_one_line_error(
        &layer(&["--weights", w, "--k", "50", "--n", "5", "--max-beats", "1"]),
        "--max-beats must be at least 2",
    );
    assert_one_line_error(
        &layer(&["--weights", w, "--k", "50", "--n", "5", "--act-bits", "4"]),
        "--act-bits must be 8",
    );
    assert_one_line_error(
        &layer(&[
            "--weights",
            w,
            "--k",
            "50",
            "--n",
            "5",
            "--w-packing",
            "base3",
            "--w-format",
            "int",
        ]),
        "--w-packing base3 packs ternary weights",
    );
    let acts = dir.path().join("x.npy");
    write_npy_f32(&acts, &random_activations(2, 99, 1)).unwrap();
    assert_one_line_error(
        &layer(&[
            "--weights",
            w,
            "--acts",
            acts.to_str().unwrap(),
            "--k",
            "50",
            "--n",
            "5",
        ]),
        "activations have 99 columns but the weights have K_total = 100",
    );
    assert_one_line_error(&layer(&["--weights", "/nonexistent/w.npy"]), "w.npy");
    let junk = dir.path().join("junk.npy");
    std::fs::write(&junk, b"\x93NUMPY\x01\x00garbage").unwrap();
    assert_one_line_error(&layer(&["--weights", junk.to_str().unwrap()]), "junk.npy");
}

/// The integers of a `<i8` .npy file, with its shape.
fn read_i64_npy(path: &std::path::Path) -> (Vec<u64>, Vec<i64>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<i64>().unwrap())
}

#[test]
fn out_writes_the_hardware_integers_and_the_dequantized_layer_on_every_core() {
    use lutforge_testbench::layer::{
        quantize_activations_absmax, quantize_weights_absmean, read_matrix,
    };
    let dir = tempfile::tempdir().unwrap();
    let w = weights(6, 48, 9);
    let x = random_activations(3, 48, 10);
    let (wf, xf) = (dir.path().join("w.npy"), dir.path().join("x.npy"));
    write_npy_f32(&wf, &w).unwrap();
    write_npy_f32(&xf, &x).unwrap();
    // The integer GEMV of the quantized layer, computed here from the quantizer alone.
    let (wq, xq) = (
        quantize_weights_absmean(&w),
        quantize_activations_absmax(&x),
    );
    let want: Vec<i64> = (0..3)
        .flat_map(|t| {
            let (wq, xq) = (&wq, &xq);
            (0..6).map(move |n| {
                (0..48)
                    .map(|k| i64::from(xq.q[t * 48 + k]) * i64::from(wq.q[n * 48 + k]))
                    .sum()
            })
        })
        .collect();
    for (datapath, extra) in [
        ("ternary-gemv", &["--w-packing", "base3"][..]),
        ("lut-gemm", &["--w-format", "ternary", "--group", "4"][..]),
        ("mac-gemv", &["--w-bits", "2"][..]),
        ("ternary-gemv", &["--linear", "--weight-memory", "bram"][..]),
        (
            "mac-gemv",
            &["--linear", "--w-bits", "2", "--x-lanes", "3"][..],
        ),
        (
            "lut-gemm",
            &[
                "--linear",
                "--w-format",
                "ternary",
                "--weight-memory",
                "stream",
            ][..],
        ),
    ] {
        let out = dir.path().join(format!("{datapath}{}", extra.len()));
        let mut args = vec![
            "--datapath",
            datapath,
            "--weights",
            wf.to_str().unwrap(),
            "--acts",
            xf.to_str().unwrap(),
            "--k",
            "16",
            "--n",
            "2",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let r = layer(&args);
        assert_eq!(r.code, 0, "{datapath}: {}", r.stderr);
        let first = if extra.contains(&"--linear") {
            "linear"
        } else {
            datapath
        };
        assert!(r.stdout.starts_with(first), "{}", r.stdout);
        let (shape, acc) = read_i64_npy(&out.join("acc.npy"));
        assert_eq!(shape, [3, 6], "{datapath}: tokens × out_features");
        assert_eq!(acc, want, "{datapath}: the hardware's integers");
        let y = read_matrix(&out.join("y.npy"), None).unwrap();
        assert_eq!((y.rows, y.cols), (3, 6));
        for t in 0..3 {
            for n in 0..6 {
                let expect =
                    want[t * 6 + n] as f64 * f64::from(wq.scale) * f64::from(xq.absmax[t]) / 127.0;
                assert!(
                    (f64::from(y.get(t, n)) - expect).abs() <= 1e-6 * expect.abs().max(1e-3),
                    "{datapath}: y[{t}][{n}] = {} against {expect}",
                    y.get(t, n)
                );
            }
        }
    }
    let r = layer(&[
        "--datapath",
        "lut-gemm",
        "--w-format",
        "binary",
        "--weights",
        wf.to_str().unwrap(),
        "--k",
        "16",
        "--n",
        "2",
    ]);
    assert_one_line_error(&r, "cannot carry");
    let r = layer(&[
        "--weights",
        wf.to_str().unwrap(),
        "--k",
        "16",
        "--n",
        "2",
        "--x-lanes",
        "2",
    ]);
    assert_one_line_error(&r, "add --linear");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let r = layer(&[
        "--weights",
        wf.to_str().unwrap(),
        "--k",
        "16",
        "--n",
        "2",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_one_line_error(&r, "is a file");
}

/// The shipped 64 × 256 layer in MX (MXINT8 × MXFP4) through the `linear`
/// engine: every result checked by the CLI against the MX golden model, and
/// y.npy bit for bit the binary32 rounding of the exact dot of the quantized
/// tensors, computed here from the quantizer and `mx::dot` alone.
#[test]
fn mx_dot_layer_through_the_engine() {
    use lutforge_testbench::layer::read_matrix;
    use lutforge_testbench::mx::{MxFormat, dot, quantize, to_f32_rne};
    let dir = tempfile::tempdir().unwrap();
    let x = random_activations(3, 256, 21);
    let xf = dir.path().join("x.npy");
    write_npy_f32(&xf, &x).unwrap();
    let out = dir.path().join("out");
    let r = layer(&[
        "--linear",
        "--datapath",
        "mx-dot",
        "--weights",
        "examples/layer_64x256.npy",
        "--acts",
        xf.to_str().unwrap(),
        "--x-lanes",
        "11",
        "--y-lanes",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("0 mismatches (values and flags) against the exact MX golden model"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("0 flagged results"), "{}", r.stdout);
    let w = read_matrix(std::path::Path::new("examples/layer_64x256.npy"), None).unwrap();
    let bytes = std::fs::read(out.join("y.npy")).unwrap();
    let y = npyz::NpyFile::new(&bytes[..])
        .unwrap()
        .into_vec::<f32>()
        .unwrap();
    assert_eq!(y.len(), 3 * 64);
    for t in 0..3 {
        let xq = quantize(MxFormat::Int8, 32, x.row(t)).unwrap();
        for n in 0..64 {
            let wq = quantize(MxFormat::Fp4E2M1, 32, w.row(n)).unwrap();
            let want = to_f32_rne(&dot(&xq, &wq).unwrap());
            assert_eq!(y[t * 64 + n].to_bits(), want, "token {t} output {n}");
        }
    }
    assert_one_line_error(
        &layer(&[
            "--linear",
            "--datapath",
            "mx-dot",
            "--weights",
            "examples/layer_64x256.npy",
            "--x-lanes",
            "34",
        ]),
        "x_lanes",
    );
}

/// `--w-quant absmax`: per-tensor int4 weights (scale max|W|/7) through
/// mac-gemv; the hardware's integers equal the GEMV of codes computed here
/// from the definition, and a non-int format is refused in one line.
#[test]
fn int4_per_tensor_weights_through_mac_gemv() {
    use lutforge_testbench::layer::quantize_activations_absmax;
    let dir = tempfile::tempdir().unwrap();
    let w = weights(4, 32, 3);
    let x = random_activations(2, 32, 4);
    let (wf, xf) = (dir.path().join("w.npy"), dir.path().join("x.npy"));
    write_npy_f32(&wf, &w).unwrap();
    write_npy_f32(&xf, &x).unwrap();
    let max = w.data.iter().fold(0f64, |m, &v| m.max(f64::from(v.abs())));
    let q: Vec<i64> = w
        .data
        .iter()
        .map(|&v| (f64::from(v) * 7.0 / max).round().clamp(-7.0, 7.0) as i64)
        .collect();
    assert!(q.iter().any(|&c| c.abs() == 7) && q.iter().any(|&c| c.abs() > 1 && c.abs() < 7));
    let xq = quantize_activations_absmax(&x);
    let want: Vec<i64> = (0..2)
        .flat_map(|t| {
            let (q, xq) = (&q, &xq);
            (0..4).map(move |n| {
                (0..32)
                    .map(|k| i64::from(xq.q[t * 32 + k]) * q[n * 32 + k])
                    .sum()
            })
        })
        .collect();
    let out = dir.path().join("out");
    let (wp, xp, op) = (
        wf.to_str().unwrap(),
        xf.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let base = [
        "--datapath",
        "mac-gemv",
        "--weights",
        wp,
        "--acts",
        xp,
        "--k",
        "16",
        "--n",
        "2",
    ];
    let mut args = base.to_vec();
    args.extend_from_slice(&[
        "--w-format",
        "int",
        "--w-bits",
        "4",
        "--w-quant",
        "absmax",
        "--out",
        op,
    ]);
    let r = layer(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("max|W|/(2^(B−1)−1)"), "{}", r.stdout);
    let (shape, acc) = read_i64_npy(&out.join("acc.npy"));
    assert_eq!(shape, [2, 4]);
    assert_eq!(acc, want, "the hardware's integers");
    let mut bad = base.to_vec();
    bad.extend_from_slice(&["--w-quant", "absmax"]);
    assert_one_line_error(&layer(&bad), "--w-quant absmax");
}
