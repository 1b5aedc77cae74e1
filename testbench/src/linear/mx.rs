//! The linear engine with an `mx-dot` datapath (docs/spec/mx-contract.md,
//! "In a linear engine"): the activation and weight unit strings written
//! from the doc's layout (each block's E8M0 scale in ⌈8/bits⌉ units, then
//! its codes), their reading back into MX tensors, the golden results
//! (`golden_accumulate`, `to_f32_rne`: value·2 + flag per y element), and
//! random layers with NaN codes, 0xFF scales and scales outside the windows.

use rand::Rng;

use lutforge_hdl::datapath::linear::GeneratedLinear;

use crate::layer::Matrix;
use crate::mx::accum::{ScaleWindow, golden_accumulate};
use crate::mx::cases::MxCore;
use crate::mx::fp32::to_f32_rne;
use crate::mx::quant::quantize;
use crate::mx::scale::SCALE_NAN;
use crate::mx::tensor::MxTensor;
use crate::mx::{Decoded, MxError, MxFormat};

use super::stimulus::Layer;

/// What the streams of an MX engine carry: the tile's MX facts and K_total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MxPacking {
    /// The inner core's MX facts (formats, block, windows, fp32).
    pub core: MxCore,
    /// Elements per row, K_total.
    pub k_total: usize,
}

/// Units of `bits` that hold one E8M0 scale.
fn scale_units(bits: u32) -> usize {
    8usize.div_ceil(bits as usize)
}

impl MxPacking {
    /// The MX facts of an engine, `None` when its datapath is not `mx-dot`.
    pub fn of(g: &GeneratedLinear) -> Option<Result<MxPacking, MxError>> {
        let f = &g.facts;
        let mx = f.core_metadata.get("mx")?;
        let int = |k: &str| f.core_params.get(k).and_then(|v| v.as_u64()).unwrap_or(1);
        Some(
            MxCore::read(
                mx,
                int("m") as usize,
                int("n") as usize,
                int("k") as usize,
                int("max_beats"),
            )
            .map(|core| MxPacking {
                core,
                k_total: k_total_of(&core, g.geometry.k_total),
            }),
        )
    }

    /// Bits of a weight unit (the weight code width).
    pub fn w_bits(&self) -> u32 {
        self.core.accum.b_fmt.bits()
    }

    /// Bits of an activation unit.
    pub fn act_bits(&self) -> u32 {
        self.core.accum.a_fmt.bits()
    }

    fn blocks(&self) -> usize {
        self.k_total.div_ceil(self.core.accum.block)
    }

    /// One tensor as units: block after block, the scale in ⌈8/bits⌉ units (low first), then the block's codes up to K_total.
    fn units(&self, t: &MxTensor, bits: u32) -> Vec<u64> {
        let (s, block) = (scale_units(bits), self.core.accum.block);
        let mask = (1u64 << bits) - 1;
        let mut out = Vec::with_capacity(self.blocks() * s + self.k_total);
        for (i, &scale) in t.scales.iter().enumerate() {
            out.extend((0..s).map(|j| (u64::from(scale) >> (j as u32 * bits)) & mask));
            let end = ((i + 1) * block).min(self.k_total);
            out.extend(t.codes[i * block..end].iter().map(|&c| u64::from(c)));
        }
        out
    }

    /// A weight row as the stream's units.
    pub fn weight_units(&self, row: &MxTensor) -> Vec<u64> {
        self.units(row, self.w_bits())
    }

    /// The rows of a float matrix (N_total × K_total) quantized to the
    /// weight format with `crate::mx::quantize`, each as its unit string:
    /// what `gen linear --datapath mx-dot --weights` bakes into the memory.
    pub fn quantized_rows(&self, w: &Matrix) -> Result<Vec<Vec<u64>>, MxError> {
        let a = &self.core.accum;
        (0..w.rows)
            .map(|r| quantize(a.b_fmt, a.block, w.row(r)).map(|t| self.weight_units(&t)))
            .collect()
    }

    /// An activation vector as the x-lanes' values (A-bit units read as two's complement).
    pub fn act_units(&self, x: &MxTensor) -> Vec<i64> {
        let a = self.act_bits();
        self.units(x, a)
            .into_iter()
            .map(|u| ((u << (64 - a)) as i64) >> (64 - a))
            .collect()
    }

    /// Units read back into a tensor of `fmt` (the inverse of the layout).
    fn tensor(&self, units: &[u64], fmt: MxFormat) -> MxTensor {
        let bits = fmt.bits();
        let (s, block) = (scale_units(bits), self.core.accum.block);
        let mask = (1u64 << bits) - 1;
        let mut t = MxTensor {
            format: fmt,
            block,
            len: self.k_total,
            scales: Vec::new(),
            codes: Vec::new(),
        };
        let mut at = 0;
        for i in 0..self.blocks() {
            let scale = (0..s).fold(0u64, |acc, j| {
                acc | ((units.get(at + j).copied().unwrap_or(0) & mask) << (j as u32 * bits))
            });
            t.scales.push((scale & 0xFF) as u8);
            at += s;
            let n = block.min(self.k_total - i * block);
            for j in 0..block {
                let c = if j < n { units[at + j] & mask } else { 0 };
                t.codes.push(c as u8);
            }
            at += n;
        }
        t
    }

    /// The golden y elements of one vector (x-lane values) through weight rows of units:
    /// `2·y + flag`, y the accumulator or the binary32 bits as a signed 32-bit integer.
    pub fn golden(&self, rows: &[Vec<u64>], x: &[i64]) -> Result<Vec<i128>, MxError> {
        let amask = (1u64 << self.act_bits()) - 1;
        let xu: Vec<u64> = x.iter().map(|&v| v as u64 & amask).collect();
        let a = self.tensor(&xu, self.core.accum.a_fmt);
        rows.iter()
            .map(|r| {
                let w = self.tensor(r, self.core.accum.b_fmt);
                let res = golden_accumulate(&self.core.accum, &a, &w)?;
                let y: i128 = if self.core.fp32 {
                    i128::from(to_f32_rne(&res.value(&self.core.accum)) as i32)
                } else {
                    i128::try_from(&res.acc).unwrap_or(i128::MAX)
                };
                Ok(2 * y + i128::from(res.flag))
            })
            .collect()
    }
}

/// K_total from the vector's activation units, `units = ⌈K/block⌉·S_a + K` (increasing in K, so one K fits).
fn k_total_of(core: &MxCore, units: usize) -> usize {
    let (block, s) = (core.accum.block, scale_units(core.accum.a_fmt.bits()));
    (1..=units.div_ceil(block + s) + 1)
        .map(|nb| units.saturating_sub(nb * s))
        .find(|&k| k.div_ceil(block) * s + k == units)
        .unwrap_or(units)
}

/// A random finite code of `fmt`, or one of largest magnitude when `extreme`.
fn finite_code(fmt: MxFormat, extreme: bool, rng: &mut impl Rng) -> u8 {
    let finite = |c: u8| match fmt.decode(c) {
        Decoded::Finite { int } => Some(int),
        _ => None,
    };
    let count = fmt.code_count();
    if extreme {
        let max = (0..count)
            .filter_map(|c| finite(c as u8).map(i64::abs))
            .max()
            .unwrap_or(0);
        let tops: Vec<u8> = (0..count)
            .map(|c| c as u8)
            .filter(|&c| finite(c).map(i64::abs) == Some(max))
            .collect();
        return tops[rng.random_range(0..tops.len())];
    }
    loop {
        let c = rng.random_range(0..count) as u8;
        if finite(c).is_some() {
            return c;
        }
    }
}

/// A code of `fmt` that is NaN or Inf, if it has one.
fn special_code(fmt: MxFormat) -> Option<u8> {
    (0..fmt.code_count())
        .map(|c| c as u8)
        .find(|&c| !matches!(fmt.decode(c), Decoded::Finite { .. }))
}

/// How one random tensor is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Random finite codes, random scales in the window.
    Random,
    /// Largest-magnitude codes, scales at the window's top and bottom.
    Extreme,
    /// As random, one block's scale outside the window (0xFF, or just past an edge).
    OutOfWindow,
    /// As random, one NaN/Inf element (or, for a format without, a 0xFF scale).
    Special,
}

fn random_tensor(
    fmt: MxFormat,
    window: ScaleWindow,
    (block, k_total): (usize, usize),
    kind: Kind,
    rng: &mut impl Rng,
) -> MxTensor {
    let blocks = k_total.div_ceil(block);
    let mut t = MxTensor {
        format: fmt,
        block,
        len: k_total,
        scales: (0..blocks)
            .map(|i| match kind {
                Kind::Extreme => [window.min, window.max][i % 2],
                _ => rng.random_range(window.min..=window.max),
            })
            .collect(),
        codes: (0..blocks * block)
            .map(|i| {
                if i < k_total {
                    finite_code(fmt, kind == Kind::Extreme, rng)
                } else {
                    0
                }
            })
            .collect(),
    };
    let at = rng.random_range(0..blocks);
    match kind {
        Kind::OutOfWindow => {
            let past = [
                Some(SCALE_NAN),
                window.min.checked_sub(1),
                (window.max < 254).then_some(window.max + 1),
            ];
            let choices: Vec<u8> = past.into_iter().flatten().collect();
            t.scales[at] = choices[rng.random_range(0..choices.len())];
        }
        Kind::Special => match special_code(fmt) {
            Some(c) => t.codes[rng.random_range(0..k_total)] = c,
            None => t.scales[at] = SCALE_NAN,
        },
        _ => {}
    }
    t
}

impl MxPacking {
    /// A random layer of `n_total` rows and `vectors` vectors, as units: row
    /// 0 and vector 0 extremes, row 1 with a scale outside the window, row 2
    /// with a NaN/Inf element, vector 2 with a scale outside the window, the
    /// rest random and finite.
    pub fn random_layer(&self, n_total: usize, vectors: usize, rng: &mut impl Rng) -> Layer {
        let a = &self.core.accum;
        let shape = (a.block, self.k_total);
        let row_kind = |r: usize| match r {
            0 => Kind::Extreme,
            1 if n_total > 2 => Kind::OutOfWindow,
            2 if n_total > 3 => Kind::Special,
            _ => Kind::Random,
        };
        let vec_kind = |v: usize| match v {
            0 => Kind::Extreme,
            2 => Kind::OutOfWindow,
            4 => Kind::Special,
            _ => Kind::Random,
        };
        let codes = (0..n_total)
            .map(|r| {
                let t = random_tensor(a.b_fmt, a.b_window, shape, row_kind(r), rng);
                self.weight_units(&t)
            })
            .collect();
        let vectors = (0..vectors)
            .map(|v| {
                let t = random_tensor(a.a_fmt, a.a_window, shape, vec_kind(v), rng);
                self.act_units(&t)
            })
            .collect();
        Layer { codes, vectors }
    }

    /// Every (activation code, weight code) pair: vector i holds activation
    /// code i in every element and row j weight code j, all scales at the
    /// windows' lowest codes, so result (i, j) is K_total·a_i·w_j exactly.
    pub fn exhaustive_layer(&self) -> Layer {
        let a = &self.core.accum;
        let full = |fmt: MxFormat, code: usize, scale: u8| {
            let blocks = self.blocks();
            MxTensor {
                format: fmt,
                block: a.block,
                len: self.k_total,
                scales: vec![scale; blocks],
                codes: (0..blocks * a.block)
                    .map(|i| if i < self.k_total { code as u8 } else { 0 })
                    .collect(),
            }
        };
        Layer {
            codes: (0..a.b_fmt.code_count())
                .map(|j| self.weight_units(&full(a.b_fmt, j, a.b_window.min)))
                .collect(),
            vectors: (0..a.a_fmt.code_count())
                .map(|i| self.act_units(&full(a.a_fmt, i, a.a_window.min)))
                .collect(),
        }
    }
}
