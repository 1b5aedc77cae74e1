//! A real layer in MX: weights and activations quantized with this crate's
//! quantizer, tiled into `mx-dot` runs (one run per token group and weight
//! tile, `K_total / K` beats each), the golden result of every run, and the
//! results turned back into numbers.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::cases::{MxBeat, MxCore, run_result};
use super::error::MxError;
use super::quant::quantize;
use super::tensor::MxTensor;
use crate::layer::Matrix;

/// A layer quantized for an `mx-dot` core, as runs of beats.
#[derive(Debug, Clone)]
pub struct MxLayer {
    /// Runs in order: token group g, weight tile t at index g·tiles + t.
    pub runs: Vec<Vec<MxBeat>>,
    /// The golden result of each run (M·N values then M·N flags).
    pub expected: Vec<Vec<BigInt>>,
    /// Lowest and highest activation scale code the quantizer gave.
    pub act_scales: (u8, u8),
    /// Lowest and highest weight scale code.
    pub w_scales: (u8, u8),
}

/// Quantizes `w` (N_total × K_total) and `x` (tokens × K_total) to the
/// core's formats (block = the core's) and tiles them: K_total must be a
/// multiple of K and N_total of N (tokens are padded to M with zeros).
pub fn tile_layer(core: &MxCore, w: &Matrix, x: &Matrix) -> Result<MxLayer, MxError> {
    let spec = &core.accum;
    let quant_rows = |m: &Matrix, fmt| {
        (0..m.rows)
            .map(|r| quantize(fmt, spec.block, m.row(r)))
            .collect::<Result<Vec<MxTensor>, _>>()
    };
    let wq = quant_rows(w, spec.b_fmt)?;
    let xq = quant_rows(x, spec.a_fmt)?;
    let (k, g) = (core.k, core.groups());
    let beats = w.cols / k;
    let tiles = w.rows / core.n;
    let zero_act = MxTensor {
        format: spec.a_fmt,
        block: spec.block,
        len: w.cols,
        scales: vec![spec.a_window.min; w.cols / spec.block],
        codes: vec![0; w.cols],
    };
    let range = |ts: &[MxTensor]| {
        ts.iter()
            .flat_map(|t| t.scales.iter().copied())
            .fold((u8::MAX, 0u8), |(lo, hi), s| (lo.min(s), hi.max(s)))
    };
    let mut runs = Vec::new();
    for group in 0..x.rows.div_ceil(core.m) {
        let rows: Vec<&MxTensor> = (0..core.m)
            .map(|i| xq.get(group * core.m + i).unwrap_or(&zero_act))
            .collect();
        for tile in 0..tiles {
            let run = (0..beats)
                .map(|b| {
                    let codes = |t: &MxTensor| t.codes[b * k..(b + 1) * k].to_vec();
                    let scales = |t: &MxTensor| t.scales[b * g..(b + 1) * g].to_vec();
                    let ws = &wq[tile * core.n..(tile + 1) * core.n];
                    MxBeat {
                        act: rows.iter().flat_map(|t| codes(t)).collect(),
                        act_scale: rows.iter().flat_map(|t| scales(t)).collect(),
                        w: ws.iter().flat_map(codes).collect(),
                        w_scale: ws.iter().flat_map(scales).collect(),
                    }
                })
                .collect::<Vec<_>>();
            runs.push(run);
        }
    }
    let expected = runs
        .iter()
        .map(|r| run_result(core, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MxLayer {
        runs,
        expected,
        act_scales: range(&xq),
        w_scales: range(&wq),
    })
}

/// The number a result element stands for: `acc · 2^lsb_exp` (fixed) or the
/// binary32 bits (fp32); NaN when flagged.
pub fn result_value(core: &MxCore, y: i64, flag: bool) -> f64 {
    if flag {
        return f64::NAN;
    }
    if core.fp32 {
        f64::from(f32::from_bits(y as u32))
    } else {
        let lsb = core.accum.lsb_exp();
        BigInt::from(y).to_f64().unwrap_or(f64::NAN) * 2f64.powi(lsb as i32)
    }
}
