//! Reading and writing `.npy` and `.safetensors` files through the public
//! API: round trips, hand-made files of every kind, one-line errors for bad
//! ones, and no panic on damaged ones.

use std::path::Path;

use lutforge_testbench::layer::{
    Matrix, TensorError, read_matrix, write_npy_f32, write_safetensors,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

fn m(rows: usize, cols: usize, data: &[f32]) -> Matrix {
    assert_eq!(data.len(), rows * cols);
    Matrix {
        rows,
        cols,
        data: data.to_vec(),
    }
}

fn bits(m: &Matrix) -> Vec<u32> {
    m.data.iter().map(|v| v.to_bits()).collect()
}

/// A hand-made .npy file (version 1.0) with the given header dict and data bytes.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = NPY_MAGIC.to_vec();
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// A hand-made .safetensors file with the given JSON header and data buffer.
fn st_bytes(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn put(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The error message, checked to be one line starting with the file name.
fn err_msg(path: &Path, tensor: Option<&str>) -> String {
    let e = read_matrix(path, tensor).expect_err("reading should fail");
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "multi-line message: {msg}");
    assert!(
        msg.starts_with(&path.display().to_string()),
        "message does not name the file: {msg}"
    );
    msg
}

fn sample() -> Matrix {
    m(
        3,
        4,
        &[
            1.0,
            -2.0,
            0.5,
            -0.0,
            3.25,
            1e-40,
            f32::INFINITY,
            -7.5e30,
            123.456,
            -0.001,
            65504.0,
            f32::MIN_POSITIVE,
        ],
    )
}

#[test]
fn matrix_get_and_row() {
    let a = m(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(a.get(1, 0), 4.0);
    assert_eq!(a.get(0, 2), 3.0);
    assert_eq!(a.row(1), &[4.0, 5.0, 6.0]);
}

#[test]
fn npy_f32_round_trip() {
    let dir = TempDir::new().unwrap();
    let p = dir.path().join("w.npy");
    let a = sample();
    write_npy_f32(&p, &a).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + header_len) % 64, 0);
    assert_eq!(bytes.len(), 10 + header_len + 48);
    let b = read_matrix(&p, None).unwrap();
    assert_eq!((b.rows, b.cols), (3, 4));
    assert_eq!(bits(&b), bits(&a));
    // NaN survives bit for bit too.
    let n = m(1, 2, &[f32::NAN, -1.0]);
    write_npy_f32(&p, &n).unwrap();
    assert_eq!(bits(&read_matrix(&p, None).unwrap()), bits(&n));
    // An empty matrix.
    let e = m(0, 5, &[]);
    write_npy_f32(&p, &e).unwrap();
    assert_eq!(read_matrix(&p, None).unwrap(), e);
}

#[test]
fn npy_hand_made_f2_and_1d() {
    let dir = TempDir::new().unwrap();
    let halves: [u16; 6] = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000];
    let data: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
    let p = put(
        &dir,
        "h.npy",
        &npy_bytes(
            "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
            &data,
        ),
    );
    let a = read_matrix(&p, None).unwrap();
    assert_eq!((a.rows, a.cols), (2, 3));
    assert_eq!(a.row(0), &[1.0, -2.0, 0.5]);
    assert_eq!(a.get(1, 0), 65504.0);
    assert_eq!(a.get(1, 1), 2f32.powi(-24));
    assert_eq!(a.get(1, 2).to_bits(), (-0.0f32).to_bits());

    // 1-D reads as one row; Python 2 style "L" sizes and key order do not matter.
    let p = put(
        &dir,
        "v.npy",
        &npy_bytes(
            "{'shape': (3L,), 'fortran_order': False, 'descr': '<f4'}",
            &f32_bytes(&[1.5, 2.5, -3.5]),
        ),
    );
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 3, &[1.5, 2.5, -3.5]));
}

#[test]
fn npy_version_2_header() {
    let dir = TempDir::new().unwrap();
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }\n";
    let mut bytes = NPY_MAGIC.to_vec();
    bytes.extend_from_slice(&[2, 0]);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&f32_bytes(&[7.0, -8.0]));
    let p = put(&dir, "v2.npy", &bytes);
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[7.0, -8.0]));
}

#[test]
fn npy_hand_made_f8_big_endian_and_fortran() {
    let dir = TempDir::new().unwrap();
    // float64 rounds to the nearest f32.
    let vals = [0.1f64, -2.5, 1e300, 3.0];
    let data: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = put(
        &dir,
        "d.npy",
        &npy_bytes(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
            &data,
        ),
    );
    let expect: Vec<f32> = vals.iter().map(|&v| v as f32).collect();
    assert_eq!(read_matrix(&p, None).unwrap(), m(2, 2, &expect));
    assert_eq!(expect[2], f32::INFINITY);

    // Big-endian.
    let data: Vec<u8> = [1.5f32, -3.0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let p = put(
        &dir,
        "be.npy",
        &npy_bytes(
            "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }",
            &data,
        ),
    );
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[1.5, -3.0]));

    // Fortran order: [[1, 2, 3], [4, 5, 6]] stored column by column.
    let p = put(
        &dir,
        "f.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
            &f32_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
        ),
    );
    assert_eq!(
        read_matrix(&p, None).unwrap(),
        m(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    );
    let p = put(
        &dir,
        "f1.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }",
            &f32_bytes(&[1.0, 2.0, 3.0]),
        ),
    );
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 3, &[1.0, 2.0, 3.0]));
}

#[test]
fn npy_headers_the_parser_would_choke_on() {
    let dir = TempDir::new().unwrap();
    let p = put(
        &dir,
        "huge.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999), }",
            &[],
        ),
    );
    assert!(err_msg(&p, None).contains("shape too large"));
    let deep = format!("{{'descr': {}'<f4'{}}}", "[".repeat(5000), "]".repeat(5000));
    let p = put(&dir, "deep.npy", &npy_bytes(&deep, &[]));
    assert!(err_msg(&p, None).contains("nested too deeply"));
    // A version-2 header length past the end of the file is not allocated.
    let mut bytes = NPY_MAGIC.to_vec();
    bytes.extend_from_slice(&[2, 0]);
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    let p = put(&dir, "long.npy", &bytes);
    assert!(err_msg(&p, None).contains("beyond the end"));
}

#[test]
fn safetensors_f64_and_half_rounding() {
    let dir = TempDir::new().unwrap();
    let p = dir.path().join("t.safetensors");
    let a = sample();
    write_safetensors(&p, &[("w", &a)], "F64").unwrap();
    assert_eq!(bits(&read_matrix(&p, None).unwrap()), bits(&a));

    // Narrowing rounds to nearest, ties to even; overflow becomes inf.
    let p16 = 2f32.powi(-24);
    let cases = [
        (65519.0, 65504.0),
        (65520.0, f32::INFINITY),
        (p16 / 2.0, 0.0),
        (1.5 * p16 / 2.0, p16),
        (1.0 + 2f32.powi(-11), 1.0),
        (1.0 + 3.0 * 2f32.powi(-11), 1.0 + 2f32.powi(-9)),
    ];
    let (from, to): (Vec<f32>, Vec<f32>) = cases.into_iter().unzip();
    write_safetensors(&p, &[("w", &m(1, from.len(), &from))], "F16").unwrap();
    assert_eq!(read_matrix(&p, None).unwrap().data, to);
    let cases = [
        (1.0 + 2f32.powi(-8), 1.0),
        (1.0 + 3.0 * 2f32.powi(-8), 1.0 + 2f32.powi(-6)),
        (1.0 + 2f32.powi(-8) + 2f32.powi(-20), 1.0 + 2f32.powi(-7)),
        (f32::MAX, f32::INFINITY),
        (f32::MIN_POSITIVE, f32::MIN_POSITIVE),
    ];
    let (from, to): (Vec<f32>, Vec<f32>) = cases.into_iter().unzip();
    write_safetensors(&p, &[("w", &m(1, from.len(), &from))], "BF16").unwrap();
    assert_eq!(read_matrix(&p, None).unwrap().data, to);
    let nan = m(1, 2, &[f32::NAN, f32::from_bits(0x7f80_0001)]);
    for dtype in ["F16", "BF16"] {
        write_safetensors(&p, &[("w", &nan)], dtype).unwrap();
        let back = read_matrix(&p, None).unwrap();
        assert!(back.data.iter().all(|v| v.is_nan()), "{dtype}: {back:?}");
    }
}

#[test]
fn safetensors_round_trips() {
    let dir = TempDir::new().unwrap();
    let a = sample();
    let b = m(1, 3, &[0.1, 0.2, 0.3]);
    let p = dir.path().join("t.safetensors");

    write_safetensors(&p, &[("layer.w", &a), ("layer.b", &b)], "F32").unwrap();
    assert_eq!(bits(&read_matrix(&p, Some("layer.w")).unwrap()), bits(&a));
    assert_eq!(read_matrix(&p, Some("layer.b")).unwrap(), b);
    let bytes = std::fs::read(&p).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0);
    assert_eq!(bytes.len(), 8 + n + 48 + 12);

    // Exactly representable in both halves: exact.
    let exact = m(2, 4, &[1.0, -2.0, 0.5, 0.0, -0.25, 3.0, 96.0, -1024.0]);
    for dtype in ["F16", "BF16"] {
        write_safetensors(&p, &[("w", &exact)], dtype).unwrap();
        assert_eq!(read_matrix(&p, None).unwrap(), exact, "{dtype}");
    }
    // Otherwise within half an ulp: 2^-11 relative for F16, 2^-8 for BF16.
    let vals: Vec<f32> = (0..200)
        .map(|i| ((i as f32) * 0.731).sin() * 10f32.powi(i % 5 - 2))
        .collect();
    let rough = m(10, 20, &vals);
    for (dtype, rel) in [("F16", 2f32.powi(-11)), ("BF16", 2f32.powi(-8))] {
        write_safetensors(&p, &[("w", &rough)], dtype).unwrap();
        let back = read_matrix(&p, Some("w")).unwrap();
        assert_eq!((back.rows, back.cols), (10, 20));
        for (x, y) in rough.data.iter().zip(&back.data) {
            assert!(
                (x - y).abs() <= x.abs() * rel,
                "{dtype}: {x} read back as {y}"
            );
        }
    }
    // F16 overflow becomes inf; values agree with the bit-level conversion.
    write_safetensors(&p, &[("w", &m(1, 2, &[70000.0, -1e-9]))], "F16").unwrap();
    let back = read_matrix(&p, None).unwrap();
    assert_eq!(back.data[0], f32::INFINITY);
    assert_eq!(back.data[1].to_bits(), (-0.0f32).to_bits());
}

#[test]
fn safetensors_hand_made_with_metadata_and_unknown_extension() {
    let dir = TempDir::new().unwrap();
    let header = r#"{"__metadata__":{"format":"pt"},"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}  "#;
    let data: Vec<u8> = [0x3f80u16, 0xc040]
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .collect();
    let bytes = st_bytes(header, &data);
    let p = put(&dir, "x.safetensors", &bytes);
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[1.0, -3.0]));
    // Sniffed without the extension, too.
    let p = put(&dir, "x.bin", &bytes);
    assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[1.0, -3.0]));
}

#[test]
fn errors_truncated() {
    let dir = TempDir::new().unwrap();
    let p = dir.path().join("w.npy");
    write_npy_f32(&p, &sample()).unwrap();
    let full = std::fs::read(&p).unwrap();

    // Data cut short.
    let q = put(&dir, "cut.npy", &full[..full.len() - 5]);
    let msg = err_msg(&q, None);
    assert!(
        msg.contains("needs 48 bytes") && msg.contains("holds 43"),
        "{msg}"
    );
    // Header cut short.
    let q = put(&dir, "cuthead.npy", &full[..40]);
    let msg = err_msg(&q, None);
    assert!(
        msg.contains("truncated") && msg.contains("beyond the end"),
        "{msg}"
    );
    // Preamble cut short, magic cut short, empty file.
    for (name, len) in [("pre.npy", 8), ("magic.npy", 3), ("empty.npy", 0)] {
        let q = put(&dir, name, &full[..len]);
        let msg = err_msg(&q, None);
        assert!(msg.contains("truncated"), "{msg}");
    }
    // Extra data after the array.
    let mut long = full.clone();
    long.extend_from_slice(&[0; 4]);
    let q = put(&dir, "long.npy", &long);
    assert!(err_msg(&q, None).contains("holds 52"));

    let p = dir.path().join("t.safetensors");
    write_safetensors(&p, &[("w", &sample())], "F32").unwrap();
    let full = std::fs::read(&p).unwrap();
    let q = put(&dir, "cut.safetensors", &full[..full.len() - 1]);
    let msg = err_msg(&q, None);
    assert!(
        msg.contains("truncated") && msg.contains("tensor 'w'"),
        "{msg}"
    );
    let q = put(&dir, "head.safetensors", &full[..20]);
    let msg = err_msg(&q, None);
    assert!(
        msg.contains("header length") && msg.contains("beyond"),
        "{msg}"
    );
    let q = put(&dir, "short.safetensors", &full[..5]);
    assert!(err_msg(&q, None).contains("truncated"));
    // A huge header length must not overflow or allocate.
    let mut huge = u64::MAX.to_le_bytes().to_vec();
    huge.extend_from_slice(b"{}");
    let q = put(&dir, "huge.safetensors", &huge);
    assert!(err_msg(&q, None).contains("beyond the end"));
}

#[test]
fn errors_dtype_rank_shape() {
    let dir = TempDir::new().unwrap();
    let p = put(
        &dir,
        "weights.npy",
        &npy_bytes(
            "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }",
            &[0; 8],
        ),
    );
    assert_eq!(
        err_msg(&p, None),
        format!(
            "{}: dtype '<i4' is not supported; save float32, float64 or float16",
            p.display()
        )
    );
    let p = put(
        &dir,
        "u8.npy",
        &npy_bytes(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1), }",
            &[0; 1],
        ),
    );
    assert!(err_msg(&p, None).contains("dtype '|u1' is not supported"));
    let p = put(
        &dir,
        "rec.npy",
        &npy_bytes(
            "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1, 1), }",
            &[0; 8],
        ),
    );
    assert!(err_msg(&p, None).contains("dtype 'structured' is not supported"));
    let p = put(
        &dir,
        "cube.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }",
            &[0; 32],
        ),
    );
    assert!(err_msg(&p, None).contains("is 3-D; lutforge reads 2-D weight matrices"));
    let p = put(
        &dir,
        "scalar.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
            &[0; 4],
        ),
    );
    assert!(err_msg(&p, None).contains("is 0-D"));
    let p = put(
        &dir,
        "v9.npy",
        &[NPY_MAGIC, &[9, 0, 0, 0, b'{', b'}']].concat(),
    );
    assert!(err_msg(&p, None).contains("version 9.0 is not supported"));
    let p = put(
        &dir,
        "v11.npy",
        &[NPY_MAGIC, &[1, 1, 2, 0, b'{', b'}']].concat(),
    );
    assert!(err_msg(&p, None).contains("version 1.1 is not supported"));
    let p = put(
        &dir,
        "latin.npy",
        &[NPY_MAGIC, &[1, 0, 2, 0, b'{', 0xff]].concat(),
    );
    assert!(err_msg(&p, None).contains("the .npy header is not text"));
    let p = put(
        &dir,
        "junk.npy",
        &npy_bytes("{'descr': '<f4', 'shape': (2", &[]),
    );
    assert!(err_msg(&p, None).contains("the .npy header cannot be read"));
    let p = put(&dir, "notnpy.npy", b"hello world, not numpy");
    assert!(err_msg(&p, None).contains("does not start with"));
    let p = put(
        &dir,
        "ok.npy",
        &npy_bytes(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
            &[0; 4],
        ),
    );
    assert!(err_msg(&p, Some("w")).contains("give no tensor name"));

    // safetensors: unknown dtype, 3-D, shape/data disagreement, bad JSON.
    let p = put(
        &dir,
        "i.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"I32","shape":[1,2],"data_offsets":[0,8]}}"#,
            &[0; 8],
        ),
    );
    assert_eq!(
        err_msg(&p, None),
        format!(
            "{}: tensor 'w': dtype 'I32' is not supported; save F32, F64, F16 or BF16",
            p.display()
        )
    );
    let p = put(
        &dir,
        "f9.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"F9","shape":[1,2],"data_offsets":[0,8]}}"#,
            &[0; 8],
        ),
    );
    assert!(
        err_msg(&p, Some("w"))
            .ends_with("tensor 'w': dtype 'F9' is not supported; save F32, F64, F16 or BF16")
    );
    let p = put(
        &dir,
        "cube.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"F32","shape":[1,2,2],"data_offsets":[0,16]}}"#,
            &[0; 16],
        ),
    );
    assert!(
        err_msg(&p, None)
            .contains("tensor 'w': the tensor is 3-D; lutforge reads 2-D weight matrices")
    );
    let p = put(
        &dir,
        "shape.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"F16","shape":[3,3],"data_offsets":[0,16]}}"#,
            &[0; 16],
        ),
    );
    let msg = err_msg(&p, None);
    assert!(
        msg.contains("needs 18 bytes") && msg.contains("holds 16"),
        "{msg}"
    );
    let p = put(
        &dir,
        "json.safetensors",
        &st_bytes(r#"{"w": {"dtype": "F32",,}}"#, &[]),
    );
    assert!(err_msg(&p, None).contains("not valid JSON"));
    let p = put(&dir, "arr.safetensors", &st_bytes("[1, 2]", &[]));
    assert!(err_msg(&p, None).contains("not a JSON object"));
    let p = put(
        &dir,
        "offs.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"F32","shape":[1,1],"data_offsets":[4]}}"#,
            &[0; 4],
        ),
    );
    let msg = err_msg(&p, None);
    assert!(msg.contains("'w' has a bad entry"), "{msg}");
    let p = put(
        &dir,
        "gap.safetensors",
        &st_bytes(
            r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
            &[0; 12],
        ),
    );
    let msg = err_msg(&p, Some("a"));
    assert!(msg.contains("inconsistent") && msg.contains("`b`"), "{msg}");
    let p = put(
        &dir,
        "tail.safetensors",
        &st_bytes(
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            &[0; 6],
        ),
    );
    let msg = err_msg(&p, None);
    assert!(
        msg.contains("holds 6 bytes but the tensors end at byte 4"),
        "{msg}"
    );
    let p = put(&dir, "what.bin", b"just some bytes that are no tensor");
    assert!(err_msg(&p, None).contains("neither a .npy nor a .safetensors"));
    let missing = dir.path().join("nope.npy");
    assert!(err_msg(&missing, None).contains("cannot open it"));
}

#[test]
fn errors_tensor_names() {
    let dir = TempDir::new().unwrap();
    let p = dir.path().join("model.safetensors");
    let a = m(1, 1, &[1.0]);
    write_safetensors(
        &p,
        &[("q_proj", &a), ("k_proj", &a), ("v_proj", &a)],
        "BF16",
    )
    .unwrap();
    let msg = err_msg(&p, Some("o_proj"));
    assert!(msg.contains("no tensor named 'o_proj'"), "{msg}");
    for name in ["'q_proj'", "'k_proj'", "'v_proj'"] {
        assert!(msg.contains(name), "{msg}");
    }
    let msg = err_msg(&p, None);
    assert!(
        msg.contains("holds 3 tensors") && msg.contains("'k_proj'"),
        "{msg}"
    );
    assert_eq!(read_matrix(&p, Some("k_proj")).unwrap(), a);

    let p = put(&dir, "none.safetensors", &st_bytes("{}", &[]));
    assert!(err_msg(&p, None).contains("no tensors"));

    // Long name lists are cut short.
    let names: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
    let tensors: Vec<(&str, &Matrix)> = names.iter().map(|n| (n.as_str(), &a)).collect();
    let p = dir.path().join("many.safetensors");
    write_safetensors(&p, &tensors, "F32").unwrap();
    assert!(err_msg(&p, None).contains("and 8 more"));
}

#[test]
fn write_errors() {
    let dir = TempDir::new().unwrap();
    let bad = Matrix {
        rows: 2,
        cols: 2,
        data: vec![1.0; 3],
    };
    let p = dir.path().join("w.npy");
    assert!(matches!(
        write_npy_f32(&p, &bad),
        Err(TensorError::InvalidInput { .. })
    ));
    let p = dir.path().join("w.safetensors");
    let good = m(1, 1, &[1.0]);
    let msg = write_safetensors(&p, &[("w", &good)], "I32")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("use F32, F64, F16 or BF16"), "{msg}");
    let msg = write_safetensors(&p, &[("w", &good), ("w", &good)], "F32")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("given twice"), "{msg}");
    assert!(write_safetensors(&p, &[("w", &bad)], "F32").is_err());
    assert!(write_safetensors(&p, &[("__metadata__", &good)], "F32").is_err());
}

/// Every prefix and many byte-flipped copies of valid files, ours and those
/// numpy and safetensors wrote (tests/data/), read without panicking.
#[test]
fn damaged_files_never_panic() {
    let dir = tempfile::TempDir::new().unwrap();
    let a = Matrix {
        rows: 2,
        cols: 3,
        data: vec![1.0, -2.0, 0.5, 3.0, 0.0, -1.0],
    };
    let npy = dir.path().join("a.npy");
    write_npy_f32(&npy, &a).unwrap();
    let st = dir.path().join("a.safetensors");
    write_safetensors(&st, &[("a", &a), ("b", &a)], "BF16").unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut sources = vec![(npy, None), (st, Some("a"))];
    for name in ["f64_3x4.npy", "f16_2x3.npy", "f32_fortran_2x3.npy"] {
        sources.push((data.join(name), None));
    }
    sources.push((data.join("multi.safetensors"), Some("layer.bias")));
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for (src, tensor) in &sources {
        let full = std::fs::read(src).unwrap();
        let name = src.file_name().unwrap();
        let p = dir
            .path()
            .join("damaged")
            .with_extension(src.extension().unwrap());
        for len in 0..full.len() {
            std::fs::write(&p, &full[..len]).unwrap();
            let e = read_matrix(&p, *tensor);
            assert!(e.is_err(), "{name:?}: prefix of {len} bytes read as {e:?}");
        }
        for _ in 0..400 {
            let mut bytes = full.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..bytes.len().min(300));
                bytes[i] = rng.random();
            }
            std::fs::write(&p, &bytes).unwrap();
            if let Err(e) = read_matrix(&p, *tensor) {
                assert!(!e.to_string().contains('\n'), "{name:?}: {e}");
            }
        }
    }
}
