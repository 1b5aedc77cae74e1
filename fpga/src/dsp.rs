//! How a flow run shares a core's multipliers between the device's DSP
//! blocks and LUTs (`--dsp auto|on|off`), and the Yosys commands that keep
//! the LUT share out of the DSP mapper.
//!
//! Yosys 0.23 honours no attribute that keeps one multiplier out of
//! `synth_ice40 -dsp`, `synth_ecp5` or `synth_xilinx`: their DSP step
//! (`techmap -map +/mul2dsp.v`, then `ice40_dsp` / `xilinx_dsp`) takes every
//! `$mul` cell. So before synthesis the flow turns the LUT share into `$macc`
//! cells (`alumacc` on those `$mul` cells alone), which the DSP step does not
//! match and which synthesis builds from LUTs and carry chains exactly as it
//! builds every multiplier with `-nodsp`. The generated Verilog is untouched.

use std::collections::BTreeMap;
use std::str::FromStr;

use lutforge_hdl::ir::{BinOp, Def, Module, Ty};
use serde::{Deserialize, Serialize};

use crate::targets::{Family, Target};

/// Which of a core's multipliers go to DSP blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DspMode {
    /// As many as the device has DSP blocks for, the rest from LUTs.
    #[default]
    Auto,
    /// Every one (the flow refuses a core that needs more than the device has).
    On,
    /// None: every multiplier from LUTs.
    Off,
}

impl DspMode {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DspMode::Auto => "auto",
            DspMode::On => "on",
            DspMode::Off => "off",
        }
    }
}

impl FromStr for DspMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(DspMode::Auto),
            "on" => Ok(DspMode::On),
            "off" => Ok(DspMode::Off),
            _ => Err(format!(
                "unknown DSP use `{s}`; use auto (DSP blocks while they fit, then LUTs), on or off"
            )),
        }
    }
}

/// A family's DSP block as Yosys 0.23 maps `$mul` to it (mul2dsp's limits).
#[derive(Debug, Clone, Copy)]
struct DspBlock {
    /// Cell type Yosys makes.
    cell: &'static str,
    /// Widest A and B operands one block multiplies.
    a_max: u32,
    b_max: u32,
    /// Narrower operands or products stay in LUTs whatever the mode.
    min_ab: u32,
    min_y: u32,
}

fn block_of(family: Family) -> DspBlock {
    match family {
        Family::Ice40 => DspBlock {
            cell: "SB_MAC16",
            a_max: 16,
            b_max: 16,
            min_ab: 2,
            min_y: 11,
        },
        Family::Ecp5 => DspBlock {
            cell: "MULT18X18D",
            a_max: 18,
            b_max: 18,
            min_ab: 2,
            min_y: 0,
        },
        Family::Xc7 => DspBlock {
            cell: "DSP48E1",
            a_max: 25,
            b_max: 18,
            min_ab: 2,
            min_y: 9,
        },
    }
}

/// The DSP cell type of a target's family.
pub fn dsp_cell(target: &Target) -> &'static str {
    block_of(target.family).cell
}

/// The DSP blocks the target has (`None`: no limit, as for a synthesis-only family).
fn dsp_available(target: &Target) -> Option<u64> {
    let cell = dsp_cell(target);
    if target.capacity.is_empty() {
        return None;
    }
    Some(
        target
            .capacity
            .iter()
            .find(|(c, _)| *c == cell)
            .map_or(0, |&(_, n)| n),
    )
}

/// One multiplier of a core: its product signal in a module of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multiplier {
    /// Module it is in.
    pub module: String,
    /// Name of its product (the wire the emitter assigns it to).
    pub product: String,
    /// Instances of that module in the core.
    pub instances: u64,
    /// DSP blocks one instance of it takes (0: too narrow for the mapper).
    pub blocks: u64,
    /// Operand bits multiplied, A × B: about what building it from LUTs
    /// costs; `--dsp auto` gives the blocks to the largest first.
    pub area: u64,
}

/// Blocks for `x` bits of an operand on a block `max` wide: one when it
/// fits, else chunks of `max − 1` bits (mul2dsp's signed split), an estimate.
fn chunks(x: u32, max: u32) -> u64 {
    if x <= max {
        1
    } else {
        u64::from(x.div_ceil(max - 1))
    }
}

/// The DSP blocks one multiply of `a` by `b` into `y` takes, with the
/// operand widths the emitter gives Yosys (see `gen`'s narrow multiply).
fn blocks_for(block: &DspBlock, a: Ty, b: Ty, y: Ty) -> u64 {
    let signed_width = |t: Ty| t.width + u32::from(!t.signed);
    let (sa, sb) = (signed_width(a), signed_width(b));
    let w = y.width;
    let (wa, wb) = if sa <= w && sb <= w && (sa < w || sb < w) {
        (sa, sb)
    } else if !a.signed && !b.signed {
        (a.width, b.width)
    } else {
        (w, w)
    };
    if wa < block.min_ab || wb < block.min_ab || w < block.min_y {
        return 0;
    }
    let one = |p: u32, q: u32| chunks(p, block.a_max) * chunks(q, block.b_max);
    one(wa, wb).min(one(wb, wa))
}

/// Every multiplier of `top` and the modules below it, top first, then
/// the submodules by name; each with its instance count.
pub fn multipliers(top: &Module, target: &Target) -> Vec<Multiplier> {
    fn visit<'a>(m: &'a Module, times: u64, out: &mut BTreeMap<&'a str, (&'a Module, u64)>) {
        for inst in &m.instances {
            let e = out
                .entry(inst.module.name.as_str())
                .or_insert((&inst.module, 0));
            e.1 += times;
            visit(&inst.module, times, out);
        }
    }
    let block = block_of(target.family);
    let mut subs = BTreeMap::new();
    visit(top, 1, &mut subs);
    let modules = std::iter::once((top, 1)).chain(subs.into_values());
    let mut out = Vec::new();
    for (m, instances) in modules {
        for s in &m.signals {
            if let Def::Binary(BinOp::Mul, a, b) = s.def {
                out.push(Multiplier {
                    module: m.name.clone(),
                    product: s.name.clone(),
                    instances,
                    blocks: blocks_for(&block, m.signal(a).ty, m.signal(b).ty, s.ty),
                    area: u64::from(m.signal(a).ty.width) * u64::from(m.signal(b).ty.width),
                });
            }
        }
    }
    out
}

/// The split a flow run used, as its report states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DspSplit {
    /// The mode asked for.
    pub mode: DspMode,
    /// The device's DSP cell.
    pub cell: String,
    /// DSP blocks on the device (`None`: no limit, synthesis only).
    pub available: Option<u64>,
    /// Multipliers in the core (every instance counted).
    pub multipliers: u64,
    /// Multipliers left to the DSP mapper.
    pub in_dsp: u64,
    /// Multipliers built from LUTs (kept out of the mapper, or too narrow for it).
    pub in_luts: u64,
    /// DSP blocks the DSP share should take (the cell counts show what Yosys made).
    pub dsp_blocks: u64,
    /// What the mode picked, in words.
    pub picked: String,
}

/// The split and the Yosys commands that make it.
#[derive(Debug, Clone, PartialEq)]
pub struct DspPlan {
    /// What the report states.
    pub split: DspSplit,
    /// Whether synthesis may use DSP blocks at all.
    pub use_dsp: bool,
    /// Multipliers kept out of the DSP mapper.
    pub in_luts: Vec<Multiplier>,
}

impl DspPlan {
    /// Shares the multipliers of `top` on `target` as `mode` says.
    pub fn new(mode: DspMode, target: &Target, top: &Module) -> DspPlan {
        let mut muls = multipliers(top, target);
        // The widest first (a stable sort: equal ones keep the core's order),
        // so that the DSP share saves the most LUTs.
        muls.sort_by_key(|m| std::cmp::Reverse(m.area));
        let cell = dsp_cell(target);
        let available = dsp_available(target);
        let total: u64 = muls.iter().map(|m| m.instances).sum();
        let need: u64 = muls.iter().map(|m| m.instances * m.blocks).sum();
        let use_dsp = mode != DspMode::Off && available != Some(0);
        let mut in_luts = Vec::new();
        let mut blocks = 0;
        let mut in_dsp = 0;
        for m in &muls {
            let cost = m.instances * m.blocks;
            let fits = available.is_none_or(|have| blocks + cost <= have);
            if !use_dsp || m.blocks == 0 {
                continue;
            }
            if mode == DspMode::On || fits {
                blocks += cost;
                in_dsp += m.instances;
            } else {
                in_luts.push(m.clone());
            }
        }
        let have = available.map_or("no limit of".to_string(), |h| h.to_string());
        let picked = match mode {
            DspMode::Off => "off: every multiplier from LUTs".to_string(),
            _ if available == Some(0) => {
                format!(
                    "{}: the device has no {cell}, every multiplier from LUTs",
                    mode.name()
                )
            }
            DspMode::On => {
                format!("on: every multiplier to {cell} ({need} needed, {have} on the device)")
            }
            DspMode::Auto if in_luts.is_empty() => {
                format!("auto: all fit ({need} {cell} needed, {have} on the device)")
            }
            DspMode::Auto => format!(
                "auto: {need} {cell} needed, {have} on the device: {in_dsp} multipliers in {cell}, the other {} from LUTs",
                total - in_dsp
            ),
        };
        DspPlan {
            split: DspSplit {
                mode,
                cell: cell.into(),
                available,
                multipliers: total,
                in_dsp,
                in_luts: total - in_dsp,
                dsp_blocks: blocks,
                picked,
            },
            use_dsp,
            in_luts,
        }
    }

    /// Yosys commands, run before synthesis, that turn the LUT share's
    /// `$mul` cells into `$macc` cells the DSP mapper leaves alone; `None`
    /// when no multiplier is kept out (the script is then as without `--dsp`).
    pub fn yosys_commands(&self) -> Option<String> {
        if self.in_luts.is_empty() {
            return None;
        }
        let mut s = String::from("proc\nopt_clean\nwreduce t:$mul\n");
        for (i, chunk) in self.in_luts.chunks(64).enumerate() {
            s.push_str("select -set lutforge_lut_products");
            if i > 0 {
                s.push_str(" @lutforge_lut_products");
            }
            for m in chunk {
                s.push_str(&format!(" {}/w:{}", m.module, m.product));
            }
            s.push('\n');
        }
        s.push_str("alumacc @lutforge_lut_products %ci1:+$mul[Y] t:$mul %i\nselect -clear");
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Target;

    #[test]
    fn modes_parse_and_refuse_others() {
        for m in [DspMode::Auto, DspMode::On, DspMode::Off] {
            assert_eq!(m.name().parse::<DspMode>(), Ok(m));
        }
        let e = "yes".parse::<DspMode>().unwrap_err();
        assert!(e.contains("`yes`") && e.contains("auto"), "{e}");
    }

    #[test]
    fn auto_gives_the_blocks_to_the_widest_multipliers_first() {
        use lutforge_hdl::ir::ModuleBuilder;
        let mut b = ModuleBuilder::new("mix").unwrap();
        let a = b.input("a", Ty::signed(8)).unwrap();
        let w = b.input("w", Ty::signed(4)).unwrap();
        let wide = b.input("wide", Ty::signed(16)).unwrap();
        for i in 0..8 {
            let p = b.mul(&format!("narrow{i}"), Ty::signed(12), a, w).unwrap();
            b.output(&format!("y{i}"), p).unwrap();
        }
        let p = b.mul("packed", Ty::signed(24), a, wide).unwrap();
        b.output("y8", p).unwrap();
        let m = b.finish().unwrap();
        let plan = DspPlan::new(DspMode::Auto, &Target::by_name("ice40-up5k").unwrap(), &m);
        assert_eq!((plan.split.in_dsp, plan.split.in_luts), (8, 1));
        let out: Vec<&str> = plan.in_luts.iter().map(|m| m.product.as_str()).collect();
        assert_eq!(out, ["narrow7"], "the 8 × 16 one takes a block");
    }

    #[test]
    fn block_counts_follow_the_mappers_limits() {
        let b = block_of(Family::Ice40);
        assert_eq!(
            blocks_for(&b, Ty::signed(8), Ty::signed(4), Ty::signed(12)),
            1
        );
        // A product narrower than 11 bits stays in LUTs on iCE40.
        assert_eq!(
            blocks_for(&b, Ty::signed(4), Ty::signed(4), Ty::signed(8)),
            0
        );
        // 24 × 16 splits into chunks.
        assert_eq!(
            blocks_for(&b, Ty::signed(24), Ty::signed(16), Ty::signed(40)),
            2
        );
        let e = block_of(Family::Ecp5);
        assert_eq!(
            blocks_for(&e, Ty::signed(4), Ty::signed(4), Ty::signed(8)),
            1
        );
        assert_eq!(
            Target::by_name("xc7-synth").map(|t| dsp_available(&t)),
            Ok(None)
        );
        assert_eq!(
            Target::by_name("ice40-hx8k").map(|t| dsp_available(&t)),
            Ok(Some(0))
        );
    }
}
