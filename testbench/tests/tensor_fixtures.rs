//! Files that numpy and the safetensors library wrote themselves
//! (testbench/tests/data/, made by scripts/make_tensor_fixtures.py) read
//! with their exact values, shapes and tensor names.

use std::path::PathBuf;

use lutforge_testbench::layer::{Matrix, read_matrix};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str, tensor: Option<&str>) -> Matrix {
    read_matrix(&fixture(name), tensor).unwrap_or_else(|e| panic!("{e}"))
}

fn err(name: &str, tensor: Option<&str>) -> String {
    let msg = read_matrix(&fixture(name), tensor)
        .expect_err("reading should fail")
        .to_string();
    assert!(!msg.contains('\n'), "multi-line message: {msg}");
    assert!(msg.contains(name), "message does not name the file: {msg}");
    msg
}

/// `(i + offset) * scale` for i in 0..n, computed in f64 as numpy does, as f32.
fn arange(n: usize, offset: f64, scale: f64) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as f64 + offset) * scale) as f32)
        .collect()
}

#[test]
fn numpy_float64_rounds_to_f32() {
    let m = read("f64_3x4.npy", None);
    assert_eq!((m.rows, m.cols), (3, 4));
    assert_eq!(m.data, arange(12, -5.0, 0.1));
    assert_eq!(m.get(0, 0), -0.5);
}

#[test]
fn numpy_float16() {
    let m = read("f16_2x3.npy", None);
    assert_eq!((m.rows, m.cols), (2, 3));
    assert_eq!(m.data, vec![-0.5, -0.25, 0.0, 0.25, 0.5, 0.75]);
}

#[test]
fn numpy_fortran_order_is_transposed() {
    let m = read("f32_fortran_2x3.npy", None);
    assert_eq!((m.rows, m.cols), (2, 3));
    assert_eq!(m.row(0), &[0.0, 1.0, 2.0]);
    assert_eq!(m.row(1), &[3.0, 4.0, 5.0]);
}

#[test]
fn numpy_big_endian() {
    let m = read("f32_big_endian_2x2.npy", None);
    assert_eq!((m.rows, m.cols), (2, 2));
    assert_eq!(m.data, vec![0.5, 1.5, 2.5, 3.5]);
}

#[test]
fn numpy_1d_is_one_row_and_3d_is_refused() {
    let m = read("f32_1d_5.npy", None);
    assert_eq!((m.rows, m.cols), (1, 5));
    assert_eq!(m.data, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
    let msg = err("f32_3d_2x3x4.npy", None);
    assert!(
        msg.contains("the tensor is 3-D; lutforge reads 2-D weight matrices (reshape it"),
        "{msg}"
    );
    let msg = err("f32_1d_5.npy", Some("w"));
    assert!(msg.contains("give no tensor name"), "{msg}");
}

#[test]
fn safetensors_several_tensors_with_metadata() {
    let w = read("multi.safetensors", Some("layer.weight"));
    assert_eq!((w.rows, w.cols), (3, 4));
    assert_eq!(w.data, arange(12, -6.0, 1.0));
    let b = read("multi.safetensors", Some("layer.bias"));
    assert_eq!((b.rows, b.cols), (1, 4));
    assert_eq!(b.data, vec![0.0, 0.5, 1.0, 1.5]);
    let s = read("multi.safetensors", Some("layer.scale"));
    assert_eq!((s.rows, s.cols), (2, 2));
    assert_eq!(s.data, vec![0.125, 0.25, 0.375, 0.5]);

    let msg = err("multi.safetensors", None);
    assert!(
        msg.contains(
            "the file holds 3 tensors ('layer.bias', 'layer.scale', 'layer.weight'); name the one to read"
        ),
        "{msg}"
    );
    let msg = err("multi.safetensors", Some("layer.weights"));
    assert!(
        msg.contains("no tensor named 'layer.weights'; the file holds 'layer.bias', 'layer.scale', 'layer.weight'"),
        "{msg}"
    );
    let msg = err("multi.safetensors", Some("__metadata__"));
    assert!(msg.contains("no tensor named '__metadata__'"), "{msg}");
}

#[test]
fn safetensors_bf16() {
    let m = read("bf16_2x4.safetensors", None);
    assert_eq!((m.rows, m.cols), (2, 4));
    assert_eq!(m.data, arange(8, -3.0, 0.375));
    assert_eq!(m, read("bf16_2x4.safetensors", Some("w")));
}
