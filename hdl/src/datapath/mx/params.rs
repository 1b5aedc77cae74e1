//! Parameters of `mx-dot`: element formats, block size, tile shape, run
//! length, scale windows and output format, their limits, and the
//! accumulator they imply (docs/spec/mx-numerics.md §4).

use serde::{Deserialize, Serialize};

use crate::ir::ident::identifier_problem;

use super::super::params::{CommonParams, FlowControl, ParamError, WeightFormat, limits, range};
use super::format::ElementFormat;

/// Block sizes the core accepts: 32 is OCP MX; 8 and 16 are for exploration (non-OCP).
pub const BLOCK_SIZES: [usize; 3] = [8, 16, 32];
/// The OCP block size and the default.
pub const DEFAULT_BLOCK: usize = 32;
/// Largest E8M0 scale code a window may hold (0xFF is NaN).
pub const SCALE_MAX: u8 = 254;
/// The E8M0 bias.
pub const SCALE_BIAS: i32 = 127;
/// Widest accumulator the IR carries (restricted windows, no limbs).
pub const MAX_ACC_BITS: u32 = limits::ACC_BITS;
/// The lowest and highest block-amax octave of the default window
/// (mx-numerics.md §4.6): blocks with amax in [2^−10, 2^6).
pub const DEFAULT_OCTAVES: (i32, i32) = (-10, 5);

/// What `out_y` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutFormat {
    /// The exact fixed-point accumulator, two's complement, LSB weight 2^L.
    Fixed,
    /// IEEE binary32 bits of the exact result, rounded to nearest even.
    Fp32,
}

impl OutFormat {
    /// The name the CLI uses.
    pub fn name(self) -> &'static str {
        match self {
            OutFormat::Fixed => "fixed",
            OutFormat::Fp32 => "fp32",
        }
    }
}

/// The parameters of `mx-dot` as the command line, TOML and metadata spell them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxDotSpec {
    /// Verilog name of the top module and the base name of every file.
    pub name: String,
    /// Activation rows per beat (M).
    pub m: usize,
    /// Weight rows, one result each per activation row (N).
    pub n: usize,
    /// Elements per row per beat (K), a multiple of `block`.
    pub k: usize,
    /// Element format of the activations.
    pub act_format: ElementFormat,
    /// Element format of the weights.
    pub w_format: ElementFormat,
    /// Elements sharing one E8M0 scale: 32 (OCP), or 8 or 16 (non-OCP).
    pub block: usize,
    /// Longest run of beats one result accumulates.
    pub max_beats: u64,
    /// Lowest activation scale code (E8M0) the accumulator admits.
    pub act_scale_min: u8,
    /// Highest activation scale code admitted (at most 254).
    pub act_scale_max: u8,
    /// Lowest weight scale code admitted.
    pub w_scale_min: u8,
    /// Highest weight scale code admitted (at most 254).
    pub w_scale_max: u8,
    /// What `out_y` carries: the exact accumulator or its binary32 rounding.
    pub out_format: OutFormat,
    /// Adder-tree levels per register stage in each block's tree, 1..=8.
    pub stage_levels: u32,
    /// How the pipeline answers back-pressure (the common parameter).
    #[serde(default)]
    pub flow_control: FlowControl,
}

/// Validated-shape parameters of `mx-dot`: the spec and the common view
/// (shape, code widths, run length) the shared commands read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MxDotSpec", into = "MxDotSpec")]
pub struct MxDotParams {
    /// The parameters.
    pub spec: MxDotSpec,
    common: CommonParams,
}

impl From<MxDotSpec> for MxDotParams {
    fn from(spec: MxDotSpec) -> Self {
        let common = CommonParams {
            name: spec.name.clone(),
            m: spec.m,
            n: spec.n,
            k: spec.k,
            act_bits: spec.act_format.bits(),
            w_format: WeightFormat::Int,
            w_bits: spec.w_format.bits(),
            max_beats: spec.max_beats,
            flow_control: spec.flow_control,
        };
        MxDotParams { spec, common }
    }
}

impl From<MxDotParams> for MxDotSpec {
    fn from(p: MxDotParams) -> Self {
        p.spec
    }
}

/// The accumulator a parameter set implies (mx-numerics.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accumulator {
    /// Signed width W; `None` when it exceeds 127 bits.
    pub bits: Option<u32>,
    /// Exponent L of the LSB's weight.
    pub lsb_exp: i32,
    /// Most blocks one result sums: `max_beats · k / block`.
    pub max_blocks: u64,
    /// Activation scale span (max − min).
    pub span_act: u32,
    /// Weight scale span.
    pub span_w: u32,
}

impl Accumulator {
    /// The accumulator of these formats, block, blocks and windows:
    /// `W = bitlen(max_blocks · block · Ma · Mb) + span_a + span_b + 1`.
    pub fn of(
        act: ElementFormat,
        w: ElementFormat,
        block: usize,
        max_blocks: u64,
        act_window: (u8, u8),
        w_window: (u8, u8),
    ) -> Accumulator {
        let span_act = u32::from(act_window.1.saturating_sub(act_window.0));
        let span_w = u32::from(w_window.1.saturating_sub(w_window.0));
        let base = u128::from(act.max_magnitude())
            .checked_mul(u128::from(w.max_magnitude()))
            .and_then(|x| x.checked_mul(block as u128))
            .and_then(|x| x.checked_mul(u128::from(max_blocks)));
        let bits = base
            .map(|x| 128 - x.leading_zeros() + span_act + span_w + 1)
            .filter(|&b| b <= 127);
        let lsb_exp =
            act.lsb() + w.lsb() + i32::from(act_window.0) + i32::from(w_window.0) - 2 * SCALE_BIAS;
        Accumulator {
            bits,
            lsb_exp,
            max_blocks,
            span_act,
            span_w,
        }
    }
}

/// The default windows (activations, weights) for these formats and run:
/// mx-numerics.md §4.6's 16 codes per operand, `[117 − emax, 132 − emax]`,
/// narrowed evenly about their middle until the accumulator fits
/// [`MAX_ACC_BITS`] (the activation window keeps the odd code).
pub fn default_windows(
    act: ElementFormat,
    w: ElementFormat,
    block: usize,
    max_blocks: u64,
) -> ((u8, u8), (u8, u8)) {
    let full = |f: ElementFormat| {
        let code = |octave: i32| (octave - f.emax() + SCALE_BIAS).clamp(0, 254) as u8;
        (code(DEFAULT_OCTAVES.0), code(DEFAULT_OCTAVES.1))
    };
    let narrow = |(lo, hi): (u8, u8), span: u32| {
        let cut = u32::from(hi - lo).saturating_sub(span);
        let lo = lo + (cut / 2) as u8;
        (lo, lo + span.min(u32::from(hi - lo)) as u8)
    };
    let (fa, fw) = (full(act), full(w));
    let base = Accumulator::of(act, w, block, max_blocks, (0, 0), (0, 0));
    let room = base.bits.map_or(0, |b| MAX_ACC_BITS.saturating_sub(b));
    let span_a = u32::from(fa.1 - fa.0).min(room.div_ceil(2));
    let span_w = u32::from(fw.1 - fw.0).min(room - span_a.min(room));
    (narrow(fa, span_a), narrow(fw, span_w))
}

impl MxDotParams {
    /// The common view: shape, code widths (A = activation code bits,
    /// B = weight code bits, read as `int`) and run length.
    pub fn common(&self) -> &CommonParams {
        &self.common
    }

    /// Blocks per row per beat, `k / block`.
    pub fn groups(&self) -> usize {
        self.spec.k / self.spec.block.max(1)
    }

    /// The accumulator the parameters imply.
    pub fn accumulator(&self) -> Accumulator {
        let s = &self.spec;
        Accumulator::of(
            s.act_format,
            s.w_format,
            s.block,
            s.max_beats.saturating_mul(self.groups() as u64),
            (s.act_scale_min, s.act_scale_max),
            (s.w_scale_min, s.w_scale_max),
        )
    }

    /// Checks every limit; errors name the parameter, the value and the fix.
    pub fn validate(&self) -> Result<(), ParamError> {
        let s = &self.spec;
        if let Some(problem) = identifier_problem(&s.name) {
            return Err(ParamError::new(
                "name",
                format!("`{}`", s.name),
                format!("it {problem}; the name becomes the Verilog module and file name"),
            ));
        }
        range("m", s.m, limits::M, "activation rows per beat")?;
        range("n", s.n, limits::N, "weight rows")?;
        range("k", s.k, limits::K, "elements per row per beat")?;
        if !BLOCK_SIZES.contains(&s.block) {
            return Err(ParamError::new(
                "block",
                s.block,
                "the block size must be 32 (OCP MX) or 8 or 16 (non-OCP, for exploration)",
            ));
        }
        if !s.k.is_multiple_of(s.block) {
            return Err(ParamError::new(
                "k",
                s.k,
                format!(
                    "k must be a multiple of the block size {}; use --k {}",
                    s.block,
                    s.k.div_ceil(s.block) * s.block
                ),
            ));
        }
        let macs = s.m * s.n * s.k;
        if macs > limits::MACS {
            return Err(ParamError::new(
                "m·n·k",
                macs,
                format!("at most {} multiplies per beat are supported", limits::MACS),
            ));
        }
        range("max-beats", s.max_beats, limits::MAX_BEATS, "beats per run")?;
        window("act-scale", s.act_scale_min, s.act_scale_max)?;
        window("w-scale", s.w_scale_min, s.w_scale_max)?;
        range(
            "stage-levels",
            s.stage_levels,
            (1, 8),
            "adder-tree levels per register stage",
        )?;
        let one = Accumulator::of(s.act_format, s.w_format, s.block, 1, (0, 0), (0, 0));
        if one.bits.is_none_or(|b| b > MAX_ACC_BITS) {
            return Err(ParamError::new(
                "act-format × w-format",
                format!("{} × {}", s.act_format.name(), s.w_format.name()),
                format!(
                    "one exact block dot needs {} bits and the accumulator is limited to {MAX_ACC_BITS} (no limbs in this version); choose a narrower pair (e.g. mxfp8-e4m3 for one operand) or a smaller --block",
                    one.bits.map_or("over 127".into(), |b| b.to_string())
                ),
            ));
        }
        let acc = self.accumulator();
        if acc.bits.is_none_or(|b| b > MAX_ACC_BITS) {
            return Err(ParamError::new(
                "scale windows",
                format!(
                    "act {}..={}, w {}..={}",
                    s.act_scale_min, s.act_scale_max, s.w_scale_min, s.w_scale_max
                ),
                format!(
                    "the exact accumulator would need {} bits and at most {MAX_ACC_BITS} are supported; narrow the windows (--act-scale-min/max, --w-scale-min/max: one bit per code) or lower --max-beats or --k",
                    acc.bits.map_or("over 127".into(), |b| b.to_string())
                ),
            ));
        }
        Ok(())
    }
}

fn window(param: &'static str, min: u8, max: u8) -> Result<(), ParamError> {
    if max > SCALE_MAX {
        return Err(ParamError::new(
            param,
            format!("max {max}"),
            "E8M0 code 255 is NaN; a window ends at 254 at most",
        ));
    }
    if min > max {
        return Err(ParamError::new(
            param,
            format!("{min}..={max}"),
            "the window is empty; give min ≤ max",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ElementFormat::*;

    #[test]
    fn widths_of_the_worked_examples() {
        // mx-numerics.md §4.5.
        let one = Accumulator::of(Int8, Int8, 32, 1, (127, 127), (127, 127));
        assert_eq!(one.bits, Some(21));
        let dflt = Accumulator::of(Int8, Int8, 32, 128, (117, 132), (117, 132));
        assert_eq!((dflt.bits, dflt.lsb_exp), (Some(58), -32));
        let e5 = Accumulator::of(Fp8E5m2, Fp8E5m2, 32, 1, (0, 0), (0, 0));
        assert_eq!(e5.bits, Some(70));
        let fp4 = Accumulator::of(Fp4E2m1, Fp4E2m1, 32, 1, (5, 5), (9, 9));
        assert_eq!(fp4.bits, Some(14));
    }

    #[test]
    fn default_windows_fit_and_keep_sixteen_codes_when_they_can() {
        assert_eq!(
            default_windows(Int8, Int8, 32, 128),
            ((117, 132), (117, 132))
        );
        for a in ElementFormat::ALL {
            for w in ElementFormat::ALL {
                let (wa, ww) = default_windows(a, w, 32, 128);
                let acc = Accumulator::of(a, w, 32, 128, wa, ww);
                let fits = Accumulator::of(a, w, 32, 128, (0, 0), (0, 0))
                    .bits
                    .is_some_and(|b| b <= MAX_ACC_BITS);
                if fits {
                    assert!(acc.bits.unwrap() <= MAX_ACC_BITS, "{a:?} {w:?}");
                }
            }
        }
    }
}
