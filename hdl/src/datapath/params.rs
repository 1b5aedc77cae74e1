//! Parameters every streaming core shares, with their limits and the one
//! place they are checked.

use serde::{Deserialize, Serialize};

use crate::ir::ident::identifier_problem;

/// How weight codes are read (docs/spec/core-contract.md, "Weight formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightFormat {
    /// 2-bit codes: 00→0, 01→+1, 11→−1, 10→0 (reserved).
    Ternary,
    /// 1-bit codes: 1→+1, 0→−1.
    Binary,
    /// B-bit two's complement, B = 2..8.
    Int,
}

impl WeightFormat {
    /// The format's name as the CLI and metadata spell it.
    pub fn name(self) -> &'static str {
        match self {
            WeightFormat::Ternary => "ternary",
            WeightFormat::Binary => "binary",
            WeightFormat::Int => "int",
        }
    }

    /// Largest |w| of the format at `bits`.
    pub fn max_abs(self, bits: u32) -> u64 {
        match self {
            WeightFormat::Ternary | WeightFormat::Binary => 1,
            WeightFormat::Int => 1 << (bits - 1),
        }
    }
}

/// How a core's pipeline answers back-pressure (docs/spec/architecture.md,
/// "Flow control"). Both keep the contract's handshakes, latency and
/// throughput; they differ in what drives the data registers' enables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    /// One pipeline enable, `!out_valid | out_ready`, on every data register:
    /// the whole pipeline stops while a result waits (the smallest core; the
    /// enable's fan-out, one net to every flip-flop, limits Fmax at size).
    Stall,
    /// The pipeline runs freely (no data-register enable); results queue in
    /// a LUT-RAM FIFO of `next_pow2(latency + 2)` entries and `in_ready` is a
    /// flip-flop that stays 1 while a credit count of results taken but not
    /// yet read leaves a free entry for the next run.
    Credit,
}

/// The flow control a core gets when none is given: the one line to change
/// to flip the default.
pub const DEFAULT_FLOW_CONTROL: FlowControl = FlowControl::Stall;

impl FlowControl {
    /// The name the CLI and metadata use.
    pub const fn name(self) -> &'static str {
        match self {
            FlowControl::Stall => "stall",
            FlowControl::Credit => "credit",
        }
    }
}

impl Default for FlowControl {
    fn default() -> Self {
        DEFAULT_FLOW_CONTROL
    }
}

/// A parameter outside its limits: which, its value, the limit and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param} = {value} is invalid: {reason}")]
pub struct ParamError {
    /// The parameter's CLI / TOML name.
    pub param: &'static str,
    /// The value given.
    pub value: String,
    /// The limit and the reason.
    pub reason: String,
}

impl ParamError {
    /// An error for `param` at `value`, with the limit and reason.
    pub fn new(param: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        ParamError {
            param,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Limits of the common parameters.
pub mod limits {
    /// Rows of activations (M).
    pub const M: (usize, usize) = (1, 64);
    /// Output columns (N).
    pub const N: (usize, usize) = (1, 1024);
    /// Dot-product terms per beat (K).
    pub const K: (usize, usize) = (1, 4096);
    /// Multiply-accumulates per beat, M·N·K: beyond this no FPGA fits the core.
    pub const MACS: usize = 1 << 18;
    /// Activation bits (A).
    pub const ACT_BITS: (u32, u32) = (2, 16);
    /// Weight bits of the `int` format (B).
    pub const INT_W_BITS: (u32, u32) = (2, 8);
    /// Beats in one dot-product run.
    pub const MAX_BEATS: (u64, u64) = (1, 1 << 24);
    /// Accumulator bits the IR carries.
    pub const ACC_BITS: u32 = 64;
}

/// The parameters every core shares: tile shape, number formats, run length and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonParams {
    /// Verilog name of the top module and the base name of every file.
    pub name: String,
    /// Activation rows per beat (M; 1 for a GEMV).
    pub m: usize,
    /// Output columns (N).
    pub n: usize,
    /// Terms per dot product per beat (K).
    pub k: usize,
    /// Activation width A in bits (signed two's complement).
    pub act_bits: u32,
    /// Weight format.
    pub w_format: WeightFormat,
    /// Weight code width B in bits.
    pub w_bits: u32,
    /// Longest run of beats one result may accumulate; sets the accumulator width.
    pub max_beats: u64,
    /// How the pipeline answers back-pressure: `stall` or `credit`.
    #[serde(default)]
    pub flow_control: FlowControl,
}

impl CommonParams {
    /// Checks every limit; errors name the parameter, the value and the limit.
    pub fn validate(&self) -> Result<(), ParamError> {
        if let Some(problem) = identifier_problem(&self.name) {
            return Err(ParamError::new(
                "name",
                format!("`{}`", self.name),
                format!("it {problem}; the name becomes the Verilog module and file name"),
            ));
        }
        range("m", self.m, limits::M, "activation rows per beat")?;
        range("n", self.n, limits::N, "output columns")?;
        range("k", self.k, limits::K, "terms per beat")?;
        let macs = self.m * self.n * self.k;
        if macs > limits::MACS {
            return Err(ParamError::new(
                "m·n·k",
                macs,
                format!(
                    "at most {} multiply-accumulates per beat are supported",
                    limits::MACS
                ),
            ));
        }
        range(
            "act-bits",
            self.act_bits,
            limits::ACT_BITS,
            "activation bits",
        )?;
        let fixed = match self.w_format {
            WeightFormat::Ternary => Some(2),
            WeightFormat::Binary => Some(1),
            WeightFormat::Int => None,
        };
        match fixed {
            Some(b) if self.w_bits != b => {
                return Err(ParamError::new(
                    "w-bits",
                    self.w_bits,
                    format!("the {} format has {b}-bit codes", self.w_format.name()),
                ));
            }
            None => range(
                "w-bits",
                self.w_bits,
                limits::INT_W_BITS,
                "bits of an int weight",
            )?,
            _ => {}
        }
        range(
            "max-beats",
            self.max_beats,
            limits::MAX_BEATS,
            "beats per run",
        )?;
        let acc = self.acc_bits();
        if acc > limits::ACC_BITS {
            return Err(ParamError::new(
                "max-beats",
                self.max_beats,
                format!(
                    "the accumulator would need {acc} bits and at most {} are supported; lower max-beats, k or act-bits",
                    limits::ACC_BITS
                ),
            ));
        }
        Ok(())
    }

    /// Accumulator width that no run of up to `max_beats` beats can
    /// overflow: bitlen(max_beats · K · 2^(A−1) · max|w|) + 1.
    pub fn acc_bits(&self) -> u32 {
        let bound = (self.max_beats as u128)
            .saturating_mul(self.k as u128)
            .saturating_mul(1u128 << (self.act_bits.min(64) - 1))
            .saturating_mul(self.w_format.max_abs(self.w_bits.clamp(1, 8)) as u128);
        (128 - bound.leading_zeros()) + 1
    }

    /// Multiply-accumulates per beat, M·N·K.
    pub fn macs_per_beat(&self) -> u64 {
        (self.m * self.n * self.k) as u64
    }
}

/// Checks adder-tree levels per register stage (1..=8), a knob every tree core has.
pub fn validate_stage_levels(stage_levels: u32) -> Result<(), ParamError> {
    range(
        "stage-levels",
        stage_levels,
        (1, 8),
        "adder-tree levels per register stage",
    )
}

/// Ok when `value` is in `lo..=hi`; else the error for `param`, naming
/// `what` and the bounds.
pub(crate) fn range<T: PartialOrd + std::fmt::Display + Copy>(
    param: &'static str,
    value: T,
    (lo, hi): (T, T),
    what: &str,
) -> Result<(), ParamError> {
    if value < lo || value > hi {
        return Err(ParamError::new(
            param,
            value,
            format!("{what} must be in {lo}..={hi}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> CommonParams {
        CommonParams {
            name: "core".into(),
            m: 1,
            n: 4,
            k: 16,
            act_bits: 8,
            w_format: WeightFormat::Int,
            w_bits: 4,
            max_beats: 8,
            flow_control: FlowControl::Stall,
        }
    }

    #[test]
    fn acc_bits_follow_the_formula() {
        // 8 · 16 · 128 · 8 = 2^17 → bitlen 18, +1 = 19
        assert_eq!(base().acc_bits(), 19);
        let t = CommonParams {
            w_format: WeightFormat::Ternary,
            w_bits: 2,
            max_beats: 1,
            k: 64,
            ..base()
        };
        // 64 · 128 = 2^13 → 14 + 1
        assert_eq!(t.acc_bits(), 15);
    }

    #[test]
    fn limits_are_named() {
        let e = CommonParams { k: 0, ..base() }
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("k = 0 is invalid") && e.contains("1..=4096"),
            "{e}"
        );
        let e = CommonParams {
            act_bits: 99,
            ..base()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("act-bits = 99"), "{e}");
        let e = CommonParams {
            max_beats: 0,
            ..base()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("max-beats = 0"), "{e}");
        let e = CommonParams {
            name: "wire".into(),
            ..base()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("keyword"), "{e}");
        let e = CommonParams {
            w_format: WeightFormat::Ternary,
            w_bits: 4,
            ..base()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("2-bit codes"), "{e}");
        assert!(base().validate().is_ok());
    }
}
