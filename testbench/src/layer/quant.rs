//! The BitNet b1.58 quantization maths of docs/spec/algorithms.md §2: absmean ternary
//! weights (one scale per tensor), per-token absmax int8 activations, the
//! dequantized output `y = acc · mean|W| · max|x| / 127`, the float
//! reference `X · Wᵀ`, and error metrics between the two.
//!
//! Quotients are computed in f64 from the f32 inputs and rounded half away
//! from zero (`f64::round`). Non-finite inputs never panic: a NaN code
//! becomes 0.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::tensor_io::Matrix;

/// Ternary weights of a matrix, the BitNet b1.58 way: scale = mean|W| over
/// the whole tensor; W_q = clamp(round(W / scale), −1, 1) (round half away
/// from zero, as Rust's `f32::round`); an all-zero (or empty) matrix gets
/// scale 0 and all-zero weights (no NaN).
#[derive(Debug, Clone, PartialEq)]
pub struct TernaryWeights {
    /// Rows (N, outputs) of the weight matrix.
    pub rows: usize,
    /// Columns (K, inputs) of the weight matrix.
    pub cols: usize,
    /// The codes −1, 0 or 1, element (n, k) at index `n * cols + k`.
    pub q: Vec<i8>,
    /// mean|W| over the whole tensor; the weight (n, k) stands for `q · scale`.
    pub scale: f32,
}

/// Quantizes a weight matrix to ternary codes with one absmean scale
/// (docs/spec/algorithms.md §2): scale = mean|W| (summed in f64, stored as f32),
/// W_q = clamp(round(W / scale), −1, 1).
pub fn quantize_weights_absmean(w: &Matrix) -> TernaryWeights {
    let n = w.data.len();
    let sum: f64 = w.data.iter().map(|v| f64::from(v.abs())).sum();
    let scale = if n == 0 { 0.0 } else { (sum / n as f64) as f32 };
    let q = if scale == 0.0 {
        vec![0; n]
    } else {
        let s = f64::from(scale);
        w.data
            .iter()
            // `as i8` maps NaN to 0; the clamp keeps the value in range.
            .map(|&v| (f64::from(v) / s).round().clamp(-1.0, 1.0) as i8)
            .collect()
    };
    TernaryWeights {
        rows: w.rows,
        cols: w.cols,
        q,
        scale,
    }
}

/// Int8 activations, per token (per row): x_q = clamp(round(x · 127 /
/// max|x|), −128, 127); holds the codes and, per row, max|x| (a zero row gets
/// max 0 and all-zero codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Activations {
    /// Tokens (rows, M).
    pub rows: usize,
    /// Terms per token (columns, K).
    pub cols: usize,
    /// The codes, element (t, k) at index `t * cols + k`.
    pub q: Vec<i8>,
    /// max|x| of each row; the activation (t, k) stands for `q · absmax[t] / 127`.
    pub absmax: Vec<f32>,
}

/// Quantizes activations to int8 per token (per row) with the absmax scale
/// (docs/spec/algorithms.md §2): x_q = clamp(round(x · 127 / max|x|), −128, 127),
/// the quotient computed in f64. NaN entries are ignored for the maximum and
/// get code 0.
pub fn quantize_activations_absmax(x: &Matrix) -> Int8Activations {
    let mut q = Vec::with_capacity(x.rows * x.cols);
    let mut absmax = Vec::with_capacity(x.rows);
    for r in 0..x.rows {
        let row = x.row(r);
        let m = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        absmax.push(m);
        if m == 0.0 {
            q.extend(std::iter::repeat_n(0i8, row.len()));
        } else {
            let m = f64::from(m);
            q.extend(
                row.iter()
                    .map(|&v| (f64::from(v) * 127.0 / m).round().clamp(-128.0, 127.0) as i8),
            );
        }
    }
    Int8Activations {
        rows: x.rows,
        cols: x.cols,
        q,
        absmax,
    }
}

/// Dequantizes integer accumulators: y[t][n] = acc[t][n] · scale_w ·
/// absmax[t] / 127, as f64; `acc` is tokens × outputs, row-major. Panics when
/// the sizes disagree (`acc.len() != tokens · outputs`, `x.rows != tokens`,
/// `w.rows != outputs`).
pub fn dequantize(
    acc: &[i64],
    tokens: usize,
    outputs: usize,
    w: &TernaryWeights,
    x: &Int8Activations,
) -> Vec<f64> {
    assert_eq!(
        acc.len(),
        tokens * outputs,
        "dequantize: {} accumulators for {tokens} tokens × {outputs} outputs",
        acc.len()
    );
    assert_eq!(
        x.rows, tokens,
        "dequantize: activations have {} rows, not {tokens}",
        x.rows
    );
    assert_eq!(
        w.rows, outputs,
        "dequantize: weights have {} rows, not {outputs}",
        w.rows
    );
    let sw = f64::from(w.scale);
    acc.iter()
        .enumerate()
        .map(|(i, &a)| a as f64 * sw * f64::from(x.absmax[i / outputs.max(1)]) / 127.0)
        .collect()
}

/// The float reference: y = X · Wᵀ in f64 (X: tokens × K, W: N × K), row-major
/// tokens × N. Panics when the K of X and W differ.
pub fn float_matmul(x: &Matrix, w: &Matrix) -> Vec<f64> {
    assert_eq!(
        x.cols, w.cols,
        "float_matmul: X has {} columns but W has {}",
        x.cols, w.cols
    );
    let mut y = Vec::with_capacity(x.rows * w.rows);
    for t in 0..x.rows {
        let xr = x.row(t);
        for n in 0..w.rows {
            let wr = w.row(n);
            y.push(
                xr.iter()
                    .zip(wr)
                    .map(|(&a, &b)| f64::from(a) * f64::from(b))
                    .sum(),
            );
        }
    }
    y
}

/// Error of an approximation against a reference: max |d|, mean |d|, and
/// relative = ‖d‖₂ / ‖ref‖₂ (0 when both are 0, +inf when only the
/// reference is 0), where d = approx − reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorStats {
    /// The largest absolute difference.
    pub max_abs: f64,
    /// The mean absolute difference (0 for empty inputs).
    pub mean_abs: f64,
    /// ‖approx − reference‖₂ / ‖reference‖₂.
    pub relative: f64,
}

/// Compares `approx` with `reference` element by element (panics when their
/// lengths differ).
pub fn error_stats(approx: &[f64], reference: &[f64]) -> ErrorStats {
    assert_eq!(
        approx.len(),
        reference.len(),
        "error_stats: {} values against a reference of {}",
        approx.len(),
        reference.len()
    );
    let (mut max_abs, mut sum_abs, mut d2, mut r2) = (0.0f64, 0.0, 0.0, 0.0);
    for (&a, &r) in approx.iter().zip(reference) {
        let d = (a - r).abs();
        max_abs = max_abs.max(d);
        sum_abs += d;
        d2 += d * d;
        r2 += r * r;
    }
    let mean_abs = if approx.is_empty() {
        0.0
    } else {
        sum_abs / approx.len() as f64
    };
    let relative = match (d2 == 0.0, r2 == 0.0) {
        (true, _) => 0.0,
        (false, true) => f64::INFINITY,
        (false, false) => (d2 / r2).sqrt(),
    };
    ErrorStats {
        max_abs,
        mean_abs,
        relative,
    }
}

/// Seeded random activations, tokens × k: standard normal values via
/// Box–Muller from a `ChaCha8Rng` seeded with `seed` (`seed_from_u64`); each
/// pair of uniforms gives two values, filled in row-major order.
pub fn random_activations(tokens: usize, k: usize, seed: u64) -> Matrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = tokens * k;
    let mut data = Vec::with_capacity(n + 1);
    while data.len() < n {
        let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        data.push((r * theta.cos()) as f32);
        data.push((r * theta.sin()) as f32);
    }
    data.truncate(n);
    Matrix {
        rows: tokens,
        cols: k,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: usize, cols: usize, data: &[f32]) -> Matrix {
        assert_eq!(data.len(), rows * cols);
        Matrix {
            rows,
            cols,
            data: data.to_vec(),
        }
    }

    /// The exact integer product the core computes: acc = X_q · W_qᵀ.
    fn int_matmul(x: &Int8Activations, w: &TernaryWeights) -> Vec<i64> {
        assert_eq!(x.cols, w.cols);
        let k = x.cols;
        let mut acc = Vec::new();
        for t in 0..x.rows {
            for n in 0..w.rows {
                acc.push(
                    (0..k)
                        .map(|i| i64::from(x.q[t * k + i]) * i64::from(w.q[n * k + i]))
                        .sum(),
                );
            }
        }
        acc
    }

    #[test]
    fn weights_by_hand() {
        let t = quantize_weights_absmean(&m(1, 4, &[0.5, -1.5, 0.0, 2.0]));
        assert_eq!(t.scale, 1.0);
        // 0.5 rounds half away from zero to 1; −1.5 and 2.0 are clamped.
        assert_eq!(t.q, vec![1, -1, 0, 1]);
        assert_eq!((t.rows, t.cols), (1, 4));

        // scale = (0.1 + 0.2 + 0.3 + 0.4 + 0.0 + 1.4) / 6 = 0.4: q = round(w / 0.4).
        let t = quantize_weights_absmean(&m(2, 3, &[0.1, -0.2, 0.3, -0.4, 0.0, 1.4]));
        assert!((t.scale - 0.4).abs() < 1e-7, "{}", t.scale);
        assert_eq!(t.q, vec![0, -1, 1, -1, 0, 1]);

        // -0.5 · scale rounds away from zero to −1.
        let t = quantize_weights_absmean(&m(1, 2, &[-1.0, 3.0]));
        assert_eq!(t.scale, 2.0);
        assert_eq!(t.q, vec![-1, 1]);
    }

    #[test]
    fn weights_all_zero_and_empty() {
        let t = quantize_weights_absmean(&m(2, 2, &[0.0, -0.0, 0.0, 0.0]));
        assert_eq!(t.scale, 0.0);
        assert_eq!(t.q, vec![0; 4]);
        let t = quantize_weights_absmean(&m(0, 3, &[]));
        assert_eq!(t.scale, 0.0);
        assert!(t.q.is_empty());
        // A NaN does not panic.
        let t = quantize_weights_absmean(&m(1, 2, &[f32::NAN, 1.0]));
        assert!(t.q.iter().all(|&q| (-1..=1).contains(&q)));
    }

    #[test]
    fn activations_by_hand_with_zero_row() {
        let x = m(3, 3, &[1.0, -0.5, 0.25, 0.0, 0.0, -0.0, -4.0, 2.0, 0.0313]);
        let a = quantize_activations_absmax(&x);
        assert_eq!((a.rows, a.cols), (3, 3));
        assert_eq!(a.absmax, vec![1.0, 0.0, 4.0]);
        // 127 · 0.5 = 63.5 → 64 (half away from zero); 127 · 0.25 = 31.75 → 32.
        // 0.0313 · 127 / 4 = 0.99… → 1.
        assert_eq!(a.q, vec![127, -64, 32, 0, 0, 0, -127, 64, 1]);
    }

    #[test]
    fn dequantize_exact_product_equals_float_matmul() {
        // W entries in {−s, s}: mean|W| = s, so q · scale = W exactly.
        let s = 0.25f32;
        let w = m(3, 4, &[s, -s, s, s, -s, -s, s, -s, s, s, s, -s]);
        // Rows k · c with max |k| = 127, so x · 127 / max = k exactly.
        let c = 1.0 / 64.0;
        let ks: [[f32; 4]; 2] = [[127.0, -3.0, 50.0, 0.0], [-10.0, -127.0, 1.0, 99.0]];
        let x = m(2, 4, &ks.concat().iter().map(|k| k * c).collect::<Vec<_>>());
        let tw = quantize_weights_absmean(&w);
        assert_eq!(tw.scale, s);
        let xa = quantize_activations_absmax(&x);
        assert_eq!(
            xa.q,
            ks.concat().iter().map(|&k| k as i8).collect::<Vec<_>>()
        );
        let acc = int_matmul(&xa, &tw);
        let y = dequantize(&acc, 2, 3, &tw, &xa);
        let reference = float_matmul(&x, &w);
        assert_eq!(y, reference);
        let e = error_stats(&y, &reference);
        assert_eq!((e.max_abs, e.mean_abs, e.relative), (0.0, 0.0, 0.0));
        // By hand: token 0 · weight row 0 = (127 + 3 + 50 + 0) · c · s.
        assert_eq!(reference[0], 180.0 * f64::from(c * s));
    }

    #[test]
    fn dequantize_formula() {
        let w = TernaryWeights {
            rows: 2,
            cols: 1,
            q: vec![1, -1],
            scale: 0.5,
        };
        let x = Int8Activations {
            rows: 2,
            cols: 1,
            q: vec![127, 10],
            absmax: vec![2.54, 0.0],
        };
        let y = dequantize(&[254, -127, 7, 1], 2, 2, &w, &x);
        let f = |a: f64, m: f32| a * 0.5 * f64::from(m) / 127.0;
        assert_eq!(y, vec![f(254.0, 2.54), f(-127.0, 2.54), 0.0, 0.0]);
    }

    #[test]
    fn quantized_layer_errors() {
        let x = random_activations(4, 256, 2);
        let xa = quantize_activations_absmax(&x);

        // Gaussian (latent) weights: the int8 activations alone cost about
        // half a per cent; the ternary weights cost far more.
        let w = random_activations(16, 256, 1);
        let tw = quantize_weights_absmean(&w);
        let y = dequantize(&int_matmul(&xa, &tw), 4, 16, &tw, &xa);
        let w_deq = Matrix {
            rows: 16,
            cols: 256,
            data: tw.q.iter().map(|&q| f32::from(q) * tw.scale).collect(),
        };
        let act_only = error_stats(&y, &float_matmul(&x, &w_deq));
        assert!(
            act_only.relative > 0.0 && act_only.relative < 0.01,
            "{act_only:?}"
        );
        let total = error_stats(&y, &float_matmul(&x, &w));
        assert!(total.relative > 0.2 && total.relative < 0.7, "{total:?}");
        assert!(total.max_abs >= total.mean_abs);

        // Weights that are already ternary (t · 0.02, half of them zero):
        // absmean finds the right codes but a scale of 0.02 · density, so the
        // output shrinks by the density — an absmean property, not a bug.
        let t = random_activations(16, 256, 3);
        let w = Matrix {
            rows: 16,
            cols: 256,
            data: t
                .data
                .iter()
                .map(|v| (v * 0.8).round().clamp(-1.0, 1.0) * 0.02)
                .collect(),
        };
        let tw = quantize_weights_absmean(&w);
        let codes: Vec<i8> = w.data.iter().map(|&v| (v / 0.02) as i8).collect();
        assert_eq!(tw.q, codes);
        let density = codes.iter().filter(|&&q| q != 0).count() as f64 / codes.len() as f64;
        assert!((f64::from(tw.scale) - 0.02 * density).abs() < 1e-9);
        let y = dequantize(&int_matmul(&xa, &tw), 4, 16, &tw, &xa);
        let rescaled: Vec<f64> = y.iter().map(|v| v / density).collect();
        let e = error_stats(&rescaled, &float_matmul(&x, &w));
        assert!(e.relative < 0.01, "{e:?}");
    }

    #[test]
    fn float_matmul_by_hand() {
        let x = m(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        let w = m(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, -1.0]);
        assert_eq!(float_matmul(&x, &w), vec![1.0, 2.0, -1.0, 3.0, 4.0, -1.0]);
    }

    #[test]
    fn error_stats_basics() {
        let e = error_stats(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!((e.max_abs, e.mean_abs, e.relative), (0.0, 0.0, 0.0));
        let e = error_stats(&[0.0, 0.0], &[0.0, 0.0]);
        assert_eq!(e.relative, 0.0);
        let e = error_stats(&[], &[]);
        assert_eq!((e.max_abs, e.mean_abs, e.relative), (0.0, 0.0, 0.0));
        // d = (1, −3, 0, 0) against ref (3, 4, 0, 0): ‖d‖ = √10, ‖ref‖ = 5.
        let e = error_stats(&[4.0, 1.0, 0.0, 0.0], &[3.0, 4.0, 0.0, 0.0]);
        assert_eq!(e.max_abs, 3.0);
        assert_eq!(e.mean_abs, 1.0);
        assert!((e.relative - 10f64.sqrt() / 5.0).abs() < 1e-15);
        let e = error_stats(&[1.0], &[0.0]);
        assert_eq!(e.relative, f64::INFINITY);
    }

    #[test]
    fn random_activations_are_seeded_standard_normal() {
        let a = random_activations(8, 1001, 42);
        assert_eq!((a.rows, a.cols, a.data.len()), (8, 1001, 8008));
        assert_eq!(a, random_activations(8, 1001, 42));
        assert_ne!(a, random_activations(8, 1001, 43));
        assert!(a.data.iter().all(|v| v.is_finite()));
        let n = a.data.len() as f64;
        let mean = a.data.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = a
            .data
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var - 1.0).abs() < 0.06, "variance {var}");
        let within_1 = a.data.iter().filter(|v| v.abs() < 1.0).count() as f64 / n;
        assert!((within_1 - 0.6827).abs() < 0.02, "{within_1}");
        assert_eq!(random_activations(0, 5, 1).data.len(), 0);
    }
}
