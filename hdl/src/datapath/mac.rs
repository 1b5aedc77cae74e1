//! `mac-gemv`: the multiplier baseline. Y = A·Wᵀ by plain multiplies of
//! signed A-bit activations and signed B-bit weights, an adder tree per
//! output, and the run accumulator of the stream shell.
//!
//! Pipeline: products are registered on the edge that takes the beat, the
//! tree is registered every `stage_levels` levels, and the accumulator feeds
//! the output register.

use serde::{Deserialize, Serialize};

use crate::ir::{BuildError, ModuleBuilder, Ty};

use super::core::{CoreParams, ParamSpec, common_specs, stage_levels_spec};
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
        validate_stage_levels(self.stage_levels)
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
    let mut sums = Vec::with_capacity(c.m * c.n);
    let mut stages = 0;
    for m in 0..c.m {
        for n in 0..c.n {
            let terms = (0..c.k)
                .map(|k| {
                    let prod = b.mul(
                        &format!("prod_m{m}_n{n}_k{k}"),
                        prod_ty,
                        shell.act[m * c.k + k],
                        shell.w[n * c.k + k],
                    )?;
                    let sig = b.register(
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
