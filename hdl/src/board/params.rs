//! The board core's parameters ([`BoardCoreParams`]), their limits, the
//! buffer sizes they imply ([`Sizes`]) and the HELLO record the bitstream
//! answers with ([`BoardInfo`], docs/spec/host-protocol.md).

use serde::{Deserialize, Serialize};

use crate::datapath::ParamError;
use crate::datapath::linear::{GeneratedLinear, LinearParams, WeightMemory};
use crate::ir::ident::identifier_problem;

use super::uart::MIN_CLOCKS_PER_BIT;

/// The protocol version the board speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// The largest payload a frame carries, in bytes (one iCE40 EBR).
pub const MAX_PAYLOAD: u32 = 512;

/// Results the board aims to hold for one batch: ⌊this / N⌋ vectors (at least one).
pub const RESULT_SLOTS: u32 = 512;

/// Bytes of the HELLO record.
pub const INFO_LEN: usize = 40;

/// The quiet line that drops a partial frame: 1/`QUIET_PER_SECOND` s (10 ms).
pub const QUIET_PER_SECOND: u64 = 100;

/// The generation parameters of a board core: the engine and the UART's rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardCoreParams {
    /// Base name: the module is `NAME_board`, the engine `NAME` is built from `linear` with this name.
    pub name: String,
    /// The engine; its `name` is replaced by `name`. `weight_memory` must not be `stream`.
    pub linear: LinearParams,
    /// Board clocks per UART bit (8..=1048576), clock_hz / baud.
    pub clocks_per_bit: u32,
    /// The board clock in Hz; sets the quiet-line timeout (10 ms), which must be at least 20 bit times.
    pub clock_hz: u64,
}

/// The sizes the protocol logic is built for, all from the engine's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    /// K_total.
    pub k: u32,
    /// N_total.
    pub n: u32,
    /// WW, bits of a weight word.
    pub ww: u32,
    /// A, activation bits.
    pub act: u32,
    /// ACC, result bits.
    pub acc: u32,
    /// P, x lanes.
    pub p: u32,
    /// Q, y lanes.
    pub q: u32,
    /// Words of a weight load.
    pub words: u32,
    /// Bytes of a weight word on the wire.
    pub wb: u32,
    /// Bytes of an activation on the wire.
    pub xb: u32,
    /// Bytes of a result on the wire.
    pub rb: u32,
    /// Results held for one batch (a multiple of N).
    pub results: u32,
    /// Activations one batch may hold (results ÷ N × K).
    pub acts: u32,
    /// The largest READ_RESULTS count.
    pub most: u32,
    /// Clocks of quiet line that drop a partial frame.
    pub quiet: u64,
    /// Elements of the engine's `w_data` port.
    pub word_units: u32,
    /// Bits of one `w_data` element.
    pub unit_bits: u32,
}

impl BoardCoreParams {
    /// Checks the board's own limits (the engine's are checked when it is generated).
    pub fn validate(&self) -> Result<(), ParamError> {
        if let Some(problem) = identifier_problem(&self.name) {
            return Err(ParamError::new(
                "name",
                format!("`{}`", self.name),
                format!("it {problem}; the name becomes the Verilog module and file name"),
            ));
        }
        if !(MIN_CLOCKS_PER_BIT..=1 << 20).contains(&self.clocks_per_bit) {
            return Err(ParamError::new(
                "clocks_per_bit",
                self.clocks_per_bit,
                format!(
                    "a UART bit needs {MIN_CLOCKS_PER_BIT}..=1048576 clocks: lower the baud rate or raise the clock"
                ),
            ));
        }
        let quiet = self.clock_hz / QUIET_PER_SECOND;
        if quiet < 20 * u64::from(self.clocks_per_bit) || quiet > u64::from(u32::MAX) {
            return Err(ParamError::new(
                "clock_hz",
                self.clock_hz,
                format!(
                    "the 10 ms quiet-line timeout must be 20 bit times ({} clocks) to 2^32 clocks",
                    20 * self.clocks_per_bit
                ),
            ));
        }
        if self.linear.weight_memory == WeightMemory::Stream {
            return Err(ParamError::new(
                "weight_memory",
                "stream",
                "a board keeps the weights it is sent: choose registers, lutram, bram or spram",
            ));
        }
        Ok(())
    }

    /// The engine's parameters under the board's name.
    pub fn engine(&self) -> LinearParams {
        LinearParams {
            name: self.name.clone(),
            ..self.linear.clone()
        }
    }
}

/// A bit count read from the engine's core parameters.
fn core_bits(g: &GeneratedLinear, key: &str, default: u64) -> u32 {
    g.facts
        .core_params
        .get(key)
        .and_then(|v| v.as_u64())
        .unwrap_or(default) as u32
}

impl Sizes {
    /// The sizes for engine `g` at the board's clock.
    pub fn of(p: &BoardCoreParams, g: &GeneratedLinear) -> Result<Sizes, ParamError> {
        let k = g.geometry.k_total as u32;
        let n = g.geometry.n_total as u32;
        let act = core_bits(g, "act_bits", 8);
        let acc = g.facts.acc_bits;
        if !(1..=16).contains(&act) || !(1..=64).contains(&acc) {
            return Err(ParamError::new(
                "act_bits",
                act,
                format!(
                    "the host protocol carries 1..=16-bit activations and 1..=64-bit results (these are {acc})"
                ),
            ));
        }
        let ww = g.facts.weight_word_bits;
        let (wb, xb, rb) = (ww.div_ceil(8), act.div_ceil(8), acc.div_ceil(8));
        let batch = (RESULT_SLOTS / n).max(1);
        let acts = u64::from(batch) * u64::from(k);
        if acts > u64::from(u32::MAX) {
            return Err(ParamError::new(
                "in_features",
                k,
                "a batch's activations must count in 32 bits",
            ));
        }
        Ok(Sizes {
            k,
            n,
            ww,
            act,
            acc,
            p: g.geometry.p as u32,
            q: g.geometry.q as u32,
            words: g.facts.weight_words as u32,
            wb,
            xb,
            rb,
            results: batch * n,
            acts: acts as u32,
            most: MAX_PAYLOAD / rb,
            quiet: p.clock_hz / QUIET_PER_SECOND,
            word_units: g.geometry.word_units as u32,
            unit_bits: g.geometry.unit_bits,
        })
    }
}

/// What the board answers HELLO with (the fields of the host's `EngineInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardInfo {
    /// Protocol version (1).
    pub version: u8,
    /// Weight packing code: 0 ternary codes, 1 base3, 2 i2s, 3 binary codes, 4 int.
    pub packing_code: u8,
    /// Weight bits B of the packing.
    pub weight_bits: u8,
    /// A.
    pub act_bits: u8,
    /// ACC.
    pub acc_bits: u8,
    /// WW.
    pub word_bits: u16,
    /// P.
    pub x_lanes: u16,
    /// Q.
    pub y_lanes: u16,
    /// The largest payload the board takes and sends.
    pub max_payload: u16,
    /// K_total.
    pub k: u32,
    /// N_total.
    pub n: u32,
    /// Words of a weight load.
    pub weight_words: u32,
    /// Engine cycles a vector, back to back.
    pub cycles_per_vector: u32,
    /// Results the board holds for one batch.
    pub result_capacity: u32,
    /// FNV-1a of the engine's NAME.json, 0 when not stated.
    pub metadata_hash: u32,
}

impl BoardInfo {
    /// The record for engine `g` with board sizes `s`.
    pub fn of(g: &GeneratedLinear, s: &Sizes, metadata_hash: u32) -> BoardInfo {
        let (packing_code, weight_bits) = match g.facts.weight_packing {
            "ternary" => (0, 2),
            "base3" => (1, 8),
            "i2s" => (2, 2),
            "binary" => (3, 1),
            _ => (4, core_bits(g, "w_bits", 8) as u8),
        };
        BoardInfo {
            version: PROTOCOL_VERSION,
            packing_code,
            weight_bits,
            act_bits: s.act as u8,
            acc_bits: s.acc as u8,
            word_bits: s.ww as u16,
            x_lanes: s.p as u16,
            y_lanes: s.q as u16,
            max_payload: MAX_PAYLOAD as u16,
            k: s.k,
            n: s.n,
            weight_words: s.words,
            cycles_per_vector: g.facts.cycles_per_vector.min(u64::from(u32::MAX)) as u32,
            result_capacity: s.results,
            metadata_hash,
        }
    }

    /// The 40 bytes of the HELLO payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![
            self.version,
            self.packing_code,
            self.weight_bits,
            self.act_bits,
            self.acc_bits,
            0,
        ];
        for v in [
            self.word_bits,
            self.x_lanes,
            self.y_lanes,
            self.max_payload,
            0,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [
            self.k,
            self.n,
            self.weight_words,
            self.cycles_per_vector,
            self.result_capacity,
            self.metadata_hash,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }
}
