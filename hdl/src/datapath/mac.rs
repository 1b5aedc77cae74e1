//! `mac-gemv`: the multiplier baseline. Y = A·Wᵀ by plain multiplies of
//! signed A-bit activations and signed B-bit weights, an adder tree per
//! output, and the run accumulator of the stream shell.
//!
//! Pipeline: products are registered on the edge that takes the beat, the
//! tree is registered every `stage_levels` levels, and the accumulator feeds
//! the output register.
//!
//! With `mul_pack` 2, weight columns 2j and 2j + 1 share each activation's
//! multiplier: one A × (A + 2B) multiply gives both products (see
//! [`pack`]), for as many multipliers as `mul_pack_count` asks.

pub mod pack;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use self::pack::{MAX_PACKED_BITS, PackLayout, packed_mul};
use super::core::{
    CoreParams, Lit, ParamDefault, ParamKind, ParamSpec, common_specs, stage_levels_spec,
};
use super::params::{CommonParams, ParamError, WeightFormat, validate_stage_levels};
use super::stream::{StreamShell, WeightBus};
use super::tree::{Ranged, TreeShape, adder_tree};
use super::{CoreError, GeneratedCore};

/// Parameters of `mac-gemv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacGemvParams {
    /// Shape, formats, run length and name (`w_format` must be `int`).
    #[serde(flatten)]
    pub common: CommonParams,
    /// A register stage after every this many adder-tree levels, 1..=8
    /// (fewer registers, lower Fmax, shorter latency as it grows).
    pub stage_levels: u32,
    /// Products per multiplier, 1 or 2: with 2, weight columns 2j and
    /// 2j + 1 share one multiplier per activation (needs N ≥ 2 and
    /// A + 2B ≤ 16, one 16 × 16 multiply).
    #[serde(default = "one")]
    pub mul_pack: u32,
    /// With `mul_pack` 2, how many packed multipliers to build (0: every
    /// column pair, at most M · ⌊N/2⌋ · K), taken in (m, pair, k) order;
    /// the other products keep a multiplier each.
    #[serde(default)]
    pub mul_pack_count: u32,
}

fn one() -> u32 {
    1
}

/// Default for [`MacGemvParams::stage_levels`].
pub const DEFAULT_STAGE_LEVELS: u32 = 2;

impl MacGemvParams {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.common.w_format != WeightFormat::Int {
            return Err(ParamError {
                param: "w-format",
                value: self.common.w_format.name().into(),
                reason: "mac-gemv multiplies two's-complement weights; use --w-format int".into(),
            });
        }
        self.common.validate()?;
        validate_stage_levels(self.stage_levels)?;
        self.validate_pack()
    }

    fn validate_pack(&self) -> Result<(), ParamError> {
        let c = &self.common;
        if !(1..=2).contains(&self.mul_pack) {
            return Err(ParamError::new(
                "mul-pack",
                self.mul_pack,
                "give 1 (a multiplier per product) or 2 (two weight columns share one)",
            ));
        }
        if self.mul_pack == 1 {
            if self.mul_pack_count != 0 {
                return Err(ParamError::new(
                    "mul-pack-count",
                    self.mul_pack_count,
                    "counts packed multipliers; add --mul-pack 2 or leave it out",
                ));
            }
            return Ok(());
        }
        let l = PackLayout::new(c.act_bits, c.w_bits);
        if !l.fits() {
            return Err(ParamError::new(
                "mul-pack",
                2,
                format!(
                    "two products need an A × (A + 2B) = {} × {}-bit multiply, wider than {MAX_PACKED_BITS} × {MAX_PACKED_BITS}; use --mul-pack 1, or A + 2B ≤ {MAX_PACKED_BITS}",
                    c.act_bits,
                    l.packed_bits()
                ),
            ));
        }
        if c.n < 2 {
            return Err(ParamError::new(
                "mul-pack",
                2,
                "pairs weight columns and N = 1 has none to pair; use --mul-pack 1 or --n 2 or more",
            ));
        }
        let pairs = self.packable();
        if u64::from(self.mul_pack_count) > pairs {
            return Err(ParamError::new(
                "mul-pack-count",
                self.mul_pack_count,
                format!(
                    "this tile has {pairs} column pairs to pack (M · ⌊N/2⌋ · K); give at most that, or 0 for all"
                ),
            ));
        }
        Ok(())
    }

    /// Multipliers that could take two products: M · ⌊N/2⌋ · K.
    pub fn packable(&self) -> u64 {
        let c = &self.common;
        (c.m * (c.n / 2) * c.k) as u64
    }

    /// Whether the products of columns `n` and `n + 1` (n even) at
    /// `(m, k)` share a multiplier.
    fn packed(&self, m: usize, n: usize, k: usize) -> bool {
        let c = &self.common;
        if self.mul_pack != 2 || n % 2 == 1 || n + 1 >= c.n {
            return false;
        }
        let index = ((m * (c.n / 2) + n / 2) * c.k + k) as u64;
        self.mul_pack_count == 0 || index < u64::from(self.mul_pack_count)
    }
}

/// Builds the `mac-gemv` core.
pub fn generate(p: &MacGemvParams) -> Result<GeneratedCore, CoreError> {
    p.validate()?;
    let c = &p.common;
    let mut b = ModuleBuilder::new(&c.name)?;
    let shell = StreamShell::new(&mut b, c, WeightBus::codes(c))?;
    let a_ty = Ty::signed(c.act_bits);
    let w_ty = Ty::signed(c.w_bits);
    let corners = [
        a_ty.min_value() * w_ty.min_value(),
        a_ty.min_value() * w_ty.max_value(),
        a_ty.max_value() * w_ty.min_value(),
        a_ty.max_value() * w_ty.max_value(),
    ];
    let (lo, hi) = (
        *corners.iter().min().unwrap_or(&0),
        *corners.iter().max().unwrap_or(&0),
    );
    let prod_ty = Ty::signed_for_range(lo, hi);
    let layout = PackLayout::new(c.act_bits, c.w_bits);
    let mut second = HashMap::new();
    let mut sums = Vec::with_capacity(c.m * c.n);
    let mut stages = 0;
    for m in 0..c.m {
        for n in 0..c.n {
            let terms = (0..c.k)
                .map(|k| {
                    let (act, w) = (shell.act[m * c.k + k], &shell.w);
                    let prod = if let Some(p1) = second.remove(&(m, n, k)) {
                        p1
                    } else if p.packed(m, n, k) {
                        let (p0, p1) = packed_mul(
                            &mut b,
                            &format!("pmul_m{m}_n{n}_k{k}"),
                            layout,
                            act,
                            w[n * c.k + k],
                            w[(n + 1) * c.k + k],
                        )?;
                        let p1 = b.resize(&format!("prod_m{m}_n{}_k{k}", n + 1), p1, prod_ty)?;
                        second.insert((m, n + 1, k), p1);
                        b.resize(&format!("prod_m{m}_n{n}_k{k}"), p0, prod_ty)?
                    } else {
                        b.mul(
                            &format!("prod_m{m}_n{n}_k{k}"),
                            prod_ty,
                            act,
                            w[n * c.k + k],
                        )?
                    };
                    let sig: SignalId = b.register(
                        &format!("prod_m{m}_n{n}_k{k}_q"),
                        prod,
                        Some(shell.en),
                        None,
                    )?;
                    Ok(Ranged { sig, lo, hi })
                })
                .collect::<Result<Vec<_>, BuildError>>()?;
            let tree = adder_tree(
                &mut b,
                &format!("sum_m{m}_n{n}"),
                terms,
                shell.en,
                p.stage_levels,
                TreeShape::Add2,
            )?;
            stages = 1 + tree.stages;
            sums.push(tree.sum);
        }
    }
    shell.finish_core(b, c, "mac-gemv", &sums, stages)
}

impl CoreParams for MacGemvParams {
    const NAME: &'static str = "mac-gemv";
    const DESCRIPTION: &'static str =
        "Multiplier baseline: int A-bit activations × int B-bit weights by plain multiplies";

    fn specs() -> Vec<ParamSpec> {
        let mut v = common_specs(WeightFormat::Int);
        v.push(stage_levels_spec(DEFAULT_STAGE_LEVELS));
        v.push(ParamSpec {
            key: "mul_pack",
            help: "Products per multiplier: 2 makes weight columns 2j and 2j+1 share one A × (A+2B)-bit multiply (A + 2B ≤ 16)",
            kind: ParamKind::Int { min: 1, max: 2 },
            default: ParamDefault::Quiet(Lit::Int(1)),
            axis: None,
        });
        v.push(ParamSpec {
            key: "mul_pack_count",
            help: "With --mul-pack 2, packed multipliers to build in (m, pair, k) order, 0 for every pair",
            kind: ParamKind::Int {
                min: 0,
                max: 1 << 20,
            },
            default: ParamDefault::Quiet(Lit::Int(0)),
            axis: None,
        });
        v
    }
    fn check(&self) -> Result<(), ParamError> {
        self.validate()
    }
    fn build(&self) -> Result<GeneratedCore, CoreError> {
        generate(self)
    }
    fn common(&self) -> &CommonParams {
        &self.common
    }
}
