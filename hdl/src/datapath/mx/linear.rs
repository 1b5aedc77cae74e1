//! `mx-dot` as the datapath of a `linear` engine (docs/spec/mx-contract.md,
//! "In a linear engine"): a wrapper that gives the engine a core with the
//! plain core-contract ports, its E8M0 scales carried as *scale units*
//! beside the element codes of the same operand, and each result's
//! `out_flag` carried in bit 0 of its `out_y` element.
//!
//! A chunk of activations is, block after block, `S_a` units holding the
//! block's scale (low unit first, the scale in the low 8 bits) and then the
//! block's `block` codes; a weight segment is the same with `S_w` units. A
//! unit is one code wide (A or B bits) and `S = ⌈8 / code bits⌉`. On the
//! run's last beat the blocks past K_total (padding, zero codes) take the
//! lowest scale of their window, so that padding never flags a result.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::contract::{CORE, CORE_ACT, CORE_IN, CORE_LAST, CORE_OUT, CORE_W, CORE_Y};
use super::super::{CoreError, GeneratedCore, ParamError};
use super::params::MxDotParams;
use super::{ACT_SCALE_PORT, FLAG_PORT, W_SCALE_PORT};

/// Units of one code's width that hold an E8M0 scale: ⌈8 / bits⌉.
pub fn scale_units(code_bits: u32) -> usize {
    8usize.div_ceil(code_bits.max(1) as usize)
}

/// The unit layout of an `mx-dot` tile inside an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MxUnits {
    /// Elements per E8M0 scale.
    pub block: usize,
    /// Blocks per row per beat, G = K / block.
    pub groups: usize,
    /// Units holding an activation scale, S_a.
    pub act_scale_units: usize,
    /// Units holding a weight scale, S_w.
    pub w_scale_units: usize,
}

impl MxUnits {
    /// The layout of the core `p`.
    pub fn of(p: &MxDotParams) -> MxUnits {
        MxUnits {
            block: p.spec.block,
            groups: p.groups(),
            act_scale_units: scale_units(p.spec.act_format.bits()),
            w_scale_units: scale_units(p.spec.w_format.bits()),
        }
    }

    /// Activation units of one chunk, G·(S_a + block).
    pub fn act_chunk(&self) -> usize {
        self.groups * (self.act_scale_units + self.block)
    }

    /// Weight units of one row segment, G·(S_w + block).
    pub fn w_segment(&self) -> usize {
        self.groups * (self.w_scale_units + self.block)
    }

    /// Blocks of a row of `k_total` elements, ⌈k_total / block⌉.
    pub fn blocks(&self, k_total: usize) -> usize {
        k_total.div_ceil(self.block)
    }

    /// Activation units of a vector of `k_total` elements.
    pub fn act_total(&self, k_total: usize) -> usize {
        self.blocks(k_total) * self.act_scale_units + k_total
    }

    /// Weight units of a row of `k_total` elements.
    pub fn w_row(&self, k_total: usize) -> usize {
        self.blocks(k_total) * self.w_scale_units + k_total
    }
}

/// The wrapper's inputs, split into the inner core's buses.
struct Split {
    codes: Vec<SignalId>,
    scales: Vec<SignalId>,
}

/// Splits `units` (rows of G blocks of `s` scale units then `block` codes) into codes and scales;
/// the scales of blocks at or past `present` take `floor` while `last` is 1.
#[allow(clippy::too_many_arguments)]
fn split(
    b: &mut ModuleBuilder,
    tag: &str,
    units: &[SignalId],
    (s, block, groups): (usize, usize, usize),
    code_bits: u32,
    signed: bool,
    (last, present, floor): (SignalId, usize, u8),
) -> Result<Split, BuildError> {
    let per_block = s + block;
    let rows = units.len() / (groups * per_block);
    let mut out = Split {
        codes: Vec::with_capacity(rows * groups * block),
        scales: Vec::with_capacity(rows * groups),
    };
    let floor_sig = b.constant(&format!("{tag}_scale_floor"), Ty::unsigned(8), floor.into())?;
    for r in 0..rows {
        for g in 0..groups {
            let base = (r * groups + g) * per_block;
            let name = format!("{tag}_r{r}_g{g}");
            let parts = &units[base..base + s];
            let field = if s == 1 {
                parts[0]
            } else {
                b.concat(&format!("{name}_scale_units"), parts, false)?
            };
            let scale = b.slice(&format!("{name}_scale"), field, 0, 8, false)?;
            let scale = if g >= present {
                let ty = Ty::unsigned(8);
                b.mux(&format!("{name}_scale_kept"), ty, last, floor_sig, scale)?
            } else {
                scale
            };
            out.scales.push(scale);
            for i in 0..block {
                let u = units[base + s + i];
                out.codes
                    .push(b.slice(&format!("{name}_c{i}"), u, 0, code_bits, signed)?);
            }
        }
    }
    Ok(out)
}

/// The `mx-dot` core `p` wrapped for an engine of `k_total` columns: plain
/// core-contract ports with scale units in `in_act` and `in_w`, and
/// `out_y` element n = `(y_n << 1) | flag_n`, signed, `acc_bits + 1` bits.
pub fn engine_core(p: &MxDotParams, k_total: usize) -> Result<GeneratedCore, CoreError> {
    let inner = super::generate::generate(p)?;
    if inner.acc_bits + 1 > super::params::MAX_ACC_BITS {
        return Err(ParamError::new(
            "act-scale-min",
            p.spec.act_scale_min,
            format!(
                "in a linear engine a result is its {}-bit accumulator and a flag bit, more than {} bits: narrow --act-scale-min/max or --w-scale-min/max by a code",
                inner.acc_bits,
                super::params::MAX_ACC_BITS
            ),
        )
        .into());
    }
    let s = &p.spec;
    let u = MxUnits::of(p);
    let chunks = k_total.div_ceil(s.k).max(1);
    let present = u.blocks(k_total) - (chunks - 1) * u.groups;
    let mut b = ModuleBuilder::new(&format!("{}_units", s.name))?;
    b.clock()?;
    let rst = b.input(CORE.reset, Ty::BIT)?;
    let in_valid = b.input(CORE_IN.valid, Ty::BIT)?;
    let last = b.input(CORE_LAST, Ty::BIT)?;
    let a_bits = s.act_format.bits();
    let w_bits = s.w_format.bits();
    let act = b.input_vec(CORE_ACT, u.act_chunk(), Ty::signed(a_bits))?;
    let w = b.input_vec(CORE_W, s.n * u.w_segment(), Ty::signed(w_bits))?;
    let out_ready = b.input(CORE_OUT.ready, Ty::BIT)?;
    let a = split(
        &mut b,
        "act",
        &act,
        (u.act_scale_units, u.block, u.groups),
        a_bits,
        true,
        (last, present, s.act_scale_min),
    )?;
    let wt = split(
        &mut b,
        "w",
        &w,
        (u.w_scale_units, u.block, u.groups),
        w_bits,
        false,
        (last, present, s.w_scale_min),
    )?;
    let outs = b.instance(
        "mx",
        std::sync::Arc::new(inner.module.clone()),
        &[
            (CORE.reset, &[rst]),
            (CORE_IN.valid, &[in_valid]),
            (CORE_LAST, &[last]),
            (CORE_ACT, &a.codes),
            (CORE_W, &wt.codes),
            (ACT_SCALE_PORT, &a.scales),
            (W_SCALE_PORT, &wt.scales),
            (CORE_OUT.ready, &[out_ready]),
        ],
    )?;
    let missing = |port: &str| BuildError::Invalid {
        module: s.name.clone(),
        message: format!("the mx-dot core has no output `{port}`"),
    };
    let in_ready = outs
        .scalar(CORE_IN.ready)
        .ok_or_else(|| missing(CORE_IN.ready))?;
    let out_valid = outs
        .scalar(CORE_OUT.valid)
        .ok_or_else(|| missing(CORE_OUT.valid))?;
    let ys = outs.vector(CORE_Y).ok_or_else(|| missing(CORE_Y))?.to_vec();
    let flags = outs
        .vector(FLAG_PORT)
        .ok_or_else(|| missing(FLAG_PORT))?
        .to_vec();
    let y = ys
        .iter()
        .zip(&flags)
        .enumerate()
        .map(|(n, (&y, &f))| b.concat(&format!("y_flag_{n}"), &[f, y], true))
        .collect::<Result<Vec<_>, _>>()?;
    b.output(CORE_IN.ready, in_ready)?;
    b.output(CORE_OUT.valid, out_valid)?;
    b.output_vec(CORE_Y, &y)?;
    b.order_ports(&CORE.port_order());
    Ok(GeneratedCore {
        module: b.finish()?,
        kind: inner.kind,
        acc_bits: inner.acc_bits + 1,
        latency: inner.latency,
        throughput: inner.throughput,
        macs_per_cycle: inner.macs_per_cycle,
    })
}

#[cfg(test)]
mod tests {
    use super::super::format::ElementFormat;
    use super::super::params::{MxDotSpec, OutFormat, default_windows};
    use super::*;

    fn spec(a: ElementFormat, w: ElementFormat, block: usize, k: usize) -> MxDotParams {
        let ((a0, a1), (w0, w1)) = default_windows(a, w, block, 4 * (k / block) as u64);
        MxDotParams::from(MxDotSpec {
            name: "mx".into(),
            m: 1,
            n: 2,
            k,
            act_format: a,
            w_format: w,
            block,
            max_beats: 4,
            act_scale_min: a0,
            act_scale_max: a1,
            w_scale_min: w0,
            w_scale_max: w1,
            out_format: OutFormat::Fixed,
            stage_levels: 2,
            flow_control: Default::default(),
        })
    }

    #[test]
    fn scale_units_and_unit_counts() {
        assert_eq!([8, 6, 4].map(scale_units), [1, 2, 2]);
        let u = MxUnits::of(&spec(ElementFormat::Int8, ElementFormat::Fp4E2m1, 32, 64));
        assert_eq!((u.act_chunk(), u.w_segment()), (66, 68));
        assert_eq!((u.act_total(40), u.w_row(40)), (42, 44));
    }

    #[test]
    fn wraps_with_a_flag_bit_and_refuses_a_full_accumulator() {
        let p = spec(ElementFormat::Int8, ElementFormat::Fp4E2m1, 8, 16);
        let g = engine_core(&p, 27).expect("wraps");
        assert_eq!(g.acc_bits, p.accumulator().bits.unwrap_or(0) + 1);
        let y = g.module.port(CORE_Y).expect("out_y");
        assert_eq!((y.signals.len(), y.elem.width), (2, g.acc_bits));
        // E4M3 × E4M3 with its default windows fills all 64 bits (docs/results.md).
        let wide = spec(ElementFormat::Fp8E4m3, ElementFormat::Fp8E4m3, 32, 32);
        assert_eq!(wide.accumulator().bits, Some(64));
        let e = engine_core(&wide, 32).expect_err("a 64-bit accumulator leaves no room");
        assert!(e.to_string().contains("flag bit"), "{e}");
    }
}
