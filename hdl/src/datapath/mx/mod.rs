//! `mx-dot`: OCP Microscaling (MX v1.0) block dot products, exact, for
//! MXINT8, MXFP8 (E4M3, E5M2), MXFP6 (E3M2, E2M3) and MXFP4 (E2M1) in any
//! mix, with E8M0 scales per block and a sticky `out_flag`
//! (docs/spec/mx-contract.md; the numerics are docs/spec/mx-numerics.md).
//!
//! The exact accumulator is one IR signal of at most 64 bits: the scale
//! windows are restricted (mx-numerics.md §4.4's width proof) so that it
//! fits; there are no limbs, so a pair whose single block dot needs more
//! (MXFP8 E5M2 × E5M2: 70 bits) is refused.

pub mod format;
pub mod fp32;
pub mod generate;
pub mod linear;
pub mod params;

use super::core::{Axis, Choice, CoreParams, Lit, ParamDefault, ParamKind, ParamMap, ParamSpec};
use super::params::{CommonParams, ParamError, limits};
use super::{CoreError, GeneratedCore};

pub use format::{Element, ElementFormat};
pub use params::{Accumulator, MxDotParams, MxDotSpec, OutFormat, default_windows};

/// The core's name.
pub const NAME: &str = "mx-dot";
/// Activation scales: M·(K/block) E8M0 codes, (m, g) at bits `[(m*G+g)*8 +: 8]`.
pub const ACT_SCALE_PORT: &str = "in_act_scale";
/// Weight scales: N·(K/block) E8M0 codes, (n, g) at bits `[(n*G+g)*8 +: 8]`.
pub const W_SCALE_PORT: &str = "in_w_scale";
/// One flag bit per result, (m, n) at bit `m*N+n`: NaN/Inf element or scale outside its window.
pub const FLAG_PORT: &str = "out_flag";

const FORMATS: &[Choice] = &[
    Choice {
        value: "mxint8",
        help: "8-bit two's complement, 1.6 fixed point",
    },
    Choice {
        value: "mxfp8-e4m3",
        help: "FP8 E4M3, max 448, NaN S.1111.111",
    },
    Choice {
        value: "mxfp8-e5m2",
        help: "FP8 E5M2, max 57344, Inf and NaN",
    },
    Choice {
        value: "mxfp6-e3m2",
        help: "FP6 E3M2, max 28",
    },
    Choice {
        value: "mxfp6-e2m3",
        help: "FP6 E2M3, max 7.5",
    },
    Choice {
        value: "mxfp4-e2m1",
        help: "FP4 E2M1, max 6",
    },
];

const OUT_FORMATS: &[Choice] = &[
    Choice {
        value: "fixed",
        help: "the exact accumulator, LSB weight 2^L (metadata `mx.lsb_exp`)",
    },
    Choice {
        value: "fp32",
        help: "binary32 bits, round to nearest even, subnormals kept",
    },
];

fn default_name(core: &str, _: &ParamMap) -> serde_json::Value {
    core.replace('-', "_").into()
}

/// The windows the table's defaults derive from the parameters before them.
fn windows_so_far(so_far: &ParamMap) -> ((u8, u8), (u8, u8)) {
    let fmt = |key: &str, dflt: ElementFormat| {
        so_far
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or(dflt)
    };
    let int = |key: &str, dflt: u64| so_far.get(key).and_then(|v| v.as_u64()).unwrap_or(dflt);
    let block = int("block", params::DEFAULT_BLOCK as u64).max(1);
    let blocks = int("max_beats", 1).saturating_mul(int("k", block) / block);
    default_windows(
        fmt("act_format", ElementFormat::Int8),
        fmt("w_format", ElementFormat::Fp4E2m1),
        block as usize,
        blocks,
    )
}

fn act_min(_: &str, m: &ParamMap) -> serde_json::Value {
    windows_so_far(m).0.0.into()
}
fn act_max(_: &str, m: &ParamMap) -> serde_json::Value {
    windows_so_far(m).0.1.into()
}
fn w_min(_: &str, m: &ParamMap) -> serde_json::Value {
    windows_so_far(m).1.0.into()
}
fn w_max(_: &str, m: &ParamMap) -> serde_json::Value {
    windows_so_far(m).1.1.into()
}

const WINDOW_RULE: &str = "[117 − emax, 132 − emax], narrowed to fit 64 bits";

fn int(min: u64, max: u64) -> ParamKind {
    ParamKind::Int { min, max }
}

fn spec(
    key: &'static str,
    help: &'static str,
    kind: ParamKind,
    default: ParamDefault,
    axis: Option<Axis>,
) -> ParamSpec {
    ParamSpec {
        key,
        help,
        kind,
        default,
        axis,
    }
}

impl CoreParams for MxDotParams {
    const NAME: &'static str = NAME;
    const DESCRIPTION: &'static str =
        "OCP MX block dots (MXINT8/FP8/FP6/FP4, any mix), exact fixed-point accumulator or fp32";

    fn specs() -> Vec<ParamSpec> {
        use ParamDefault::{Derived, Fixed};
        let window = |key, help, rule| {
            spec(
                key,
                help,
                int(0, 254),
                Derived {
                    text: WINDOW_RULE,
                    rule,
                },
                None,
            )
        };
        vec![
            spec(
                "name",
                "Core name: the Verilog module and file base name",
                ParamKind::Text,
                Derived {
                    text: "the core's name with `_` for `-`",
                    rule: default_name,
                },
                None,
            ),
            spec(
                "m",
                "Activation rows per beat, M",
                int(1, limits::M.1 as u64),
                Fixed(Lit::Int(1)),
                Some(Axis::Tagged("m")),
            ),
            spec(
                "n",
                "Weight rows, N (one result per row and activation row)",
                int(1, limits::N.1 as u64),
                Fixed(Lit::Int(4)),
                Some(Axis::Tagged("n")),
            ),
            spec(
                "k",
                "Elements per row per beat, K (a multiple of --block)",
                int(8, limits::K.1 as u64),
                Fixed(Lit::Int(32)),
                Some(Axis::Tagged("k")),
            ),
            spec(
                "act_format",
                "Activation element format",
                ParamKind::Choice(FORMATS),
                Fixed(Lit::Str("mxint8")),
                Some(Axis::Named),
            ),
            spec(
                "w_format",
                "Weight element format",
                ParamKind::Choice(FORMATS),
                Fixed(Lit::Str("mxfp4-e2m1")),
                Some(Axis::Named),
            ),
            spec(
                "block",
                "Elements per E8M0 scale: 32 (OCP), 8 or 16 (non-OCP)",
                int(8, 32),
                Fixed(Lit::Int(params::DEFAULT_BLOCK as u64)),
                Some(Axis::Tagged("blk")),
            ),
            spec(
                "max_beats",
                "Longest run of beats a result accumulates; sets the accumulator width",
                int(limits::MAX_BEATS.0, limits::MAX_BEATS.1),
                Fixed(Lit::Int(128)),
                Some(Axis::Tagged("b")),
            ),
            window(
                "act_scale_min",
                "Lowest activation scale code (E8M0) accepted; below flags the result",
                act_min as fn(&str, &ParamMap) -> serde_json::Value,
            ),
            window(
                "act_scale_max",
                "Highest activation scale code accepted (≤ 254); above flags the result",
                act_max,
            ),
            window("w_scale_min", "Lowest weight scale code accepted", w_min),
            window(
                "w_scale_max",
                "Highest weight scale code accepted (≤ 254)",
                w_max,
            ),
            spec(
                "out_format",
                "What out_y carries",
                ParamKind::Choice(OUT_FORMATS),
                Fixed(Lit::Str("fixed")),
                Some(Axis::Named),
            ),
            spec(
                "stage_levels",
                "Adder-tree levels per register stage",
                int(1, 8),
                Fixed(Lit::Int(2)),
                Some(Axis::Tagged("s")),
            ),
            super::core::flow_control_spec(),
        ]
    }
    fn check(&self) -> Result<(), ParamError> {
        self.validate()
    }
    fn build(&self) -> Result<GeneratedCore, CoreError> {
        generate::generate(self)
    }
    fn common(&self) -> &CommonParams {
        MxDotParams::common(self)
    }
    fn notes(&self) -> Vec<String> {
        let s = &self.spec;
        let acc = self.accumulator();
        vec![
            format!("{} × {}", s.act_format.name(), s.w_format.name()),
            format!(
                "block {}{}",
                s.block,
                if s.block == 32 { "" } else { " (non-OCP)" }
            ),
            format!(
                "scales act {}..={} w {}..={}",
                s.act_scale_min, s.act_scale_max, s.w_scale_min, s.w_scale_max
            ),
            format!(
                "accumulator {} bits, LSB 2^{}",
                acc.bits.unwrap_or(0),
                acc.lsb_exp
            ),
            format!("out {}", s.out_format.name()),
        ]
    }
    fn metadata(&self) -> ParamMap {
        let s = &self.spec;
        let acc = self.accumulator();
        let groups = self.groups();
        let mx = serde_json::json!({
            "act_format": s.act_format.name(),
            "w_format": s.w_format.name(),
            "block": s.block,
            "ocp_block": s.block == 32,
            "blocks_per_beat": groups,
            "max_blocks": acc.max_blocks,
            "act_window": [s.act_scale_min, s.act_scale_max],
            "w_window": [s.w_scale_min, s.w_scale_max],
            "acc_bits": acc.bits,
            "lsb_exp": acc.lsb_exp,
            "out_format": s.out_format.name(),
            "wide_accumulator": "restricted: the windows keep the exact accumulator within the IR's 64 bits (no limbs)",
            "act_scale_port": ACT_SCALE_PORT,
            "w_scale_port": W_SCALE_PORT,
            "flag_port": FLAG_PORT,
            "flag_value": match s.out_format {
                OutFormat::Fixed => "out_y = 0",
                OutFormat::Fp32 => "out_y = 0x7FC00000",
            },
        });
        let mut m = ParamMap::new();
        m.insert("mx".into(), mx);
        m
    }
}
