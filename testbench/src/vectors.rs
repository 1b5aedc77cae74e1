//! What every back end runs: a core's port layout, and a stream of beats
//! with its handshake schedule, driven by one set of rules.
//!
//! The driver rules (the Rust back end and the generated Verilog bench both
//! follow them, so all back ends see the same cycles):
//! 1. Reset: `rst` = 1 for [`RESET_CYCLES`] cycles with `in_valid` = 0 and
//!    `out_ready` = 0. Cycle 0 is the first cycle after reset.
//! 2. In cycle c the driver offers the next beat when one is left and
//!    `schedule.offer_at(c)`; otherwise `in_valid` = 0 and the data inputs
//!    carry the bitwise NOT of the next (or last) beat, as garbage.
//! 3. `out_ready` = `schedule.ready_at(c)`.
//! 4. After the logic settles: a beat is taken when `in_valid && in_ready`;
//!    a result is taken when `out_valid && out_ready`, recorded with c.
//! 5. Once every beat is taken and every expected result seen, the bench
//!    runs [`DRAIN_CYCLES`] more cycles (catching extra results) and stops;
//!    at `max_cycles` it stops with a time-out.

use lutforge_hdl::datapath::contract::{CORE, CORE_ACT, CORE_W, CORE_Y};
use lutforge_hdl::ir::Module;

use crate::golden::{Beat, Run};
use crate::traffic::Schedule;

/// Cycles of reset before cycle 0.
pub const RESET_CYCLES: usize = 2;
/// The longest a core may hold one beat before the bench calls it stuck
/// (a lut-gemm core with tables in LUT RAM, g = 6, int4 bit-serial: 36).
pub const MAX_BEAT_PERIOD: usize = 64;
/// Cycles run after the last expected result, to catch extra ones.
pub const DRAIN_CYCLES: usize = 32;

/// Widths and element counts of a core's contract ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreLayout {
    /// Elements of `in_act` (M·K).
    pub act_elems: usize,
    /// Bits per activation (A).
    pub act_bits: u32,
    /// Elements of `in_w` (N·K).
    pub w_elems: usize,
    /// Bits per weight code (B).
    pub w_bits: u32,
    /// Elements of `out_y` (M·N).
    pub y_elems: usize,
    /// Bits per result (ACC).
    pub acc_bits: u32,
    /// The per-beat bus beside `in_act` (MX: `in_act_scale`), carried in
    /// [`Beat::act`] after the `act_elems` activations; empty when absent.
    pub act_side: SideBus,
    /// The per-beat bus beside `in_w` (MX: `in_w_scale`), carried in
    /// [`Beat::w`] after the `w_elems` weights; empty when absent.
    pub w_side: SideBus,
    /// Bits of the per-result flag port (MX: `out_flag`), one per result,
    /// observed after the `y_elems` results; 0 when absent.
    pub flag_elems: usize,
}

/// A bus of `elems` elements of `bits` bits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SideBus {
    /// Elements (0: no such port).
    pub elems: usize,
    /// Bits per element.
    pub bits: u32,
}

/// The bus beside `in_act` a core may have.
pub const SIDE_ACT: &str = lutforge_hdl::datapath::mx::ACT_SCALE_PORT;
/// The bus beside `in_w` a core may have.
pub const SIDE_W: &str = lutforge_hdl::datapath::mx::W_SCALE_PORT;
/// The per-result flag port a core may have.
pub const SIDE_FLAG: &str = lutforge_hdl::datapath::mx::FLAG_PORT;

impl CoreLayout {
    /// Reads the layout off a module's ports, checking it has the contract's ports.
    pub fn from_module(m: &Module) -> Result<CoreLayout, String> {
        CORE.check(m)?;
        let port = |name: &str| {
            m.port(name)
                .ok_or_else(|| format!("module `{}` has no port `{name}`", m.name))
        };
        let (act, w, y) = (port(CORE_ACT)?, port(CORE_W)?, port(CORE_Y)?);
        let side = |name: &str| {
            m.port(name).map_or(SideBus::default(), |p| SideBus {
                elems: p.signals.len(),
                bits: p.elem.width,
            })
        };
        Ok(CoreLayout {
            act_side: side(SIDE_ACT),
            w_side: side(SIDE_W),
            flag_elems: side(SIDE_FLAG).elems,
            act_elems: act.signals.len(),
            act_bits: act.elem.width,
            w_elems: w.signals.len(),
            w_bits: w.elem.width,
            y_elems: y.signals.len(),
            acc_bits: y.elem.width,
        })
    }
}

/// One stream of runs and the schedule it is driven with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// Every beat of every run, in order.
    pub beats: Vec<Beat>,
    /// Bubbles and back-pressure.
    pub schedule: Schedule,
    /// Results the core must emit (one per run).
    pub expected_results: usize,
    /// Index of the last beat of each run within `beats`.
    pub run_ends: Vec<usize>,
}

impl Stream {
    /// Concatenates runs into one stream.
    pub fn new(runs: &[Run], schedule: Schedule) -> Stream {
        let mut beats = Vec::new();
        let mut run_ends = Vec::new();
        for r in runs {
            beats.extend(r.beats.iter().cloned());
            run_ends.push(beats.len() - 1);
        }
        Stream {
            beats,
            schedule,
            expected_results: runs.len(),
            run_ends,
        }
    }

    /// Cycles after which the bench gives up: time for every beat and result
    /// through the schedule, plus a generous margin for any pipeline depth
    /// and for cores that hold a beat up to [`MAX_BEAT_PERIOD`] cycles. Only
    /// a failing core runs that long.
    pub fn max_cycles(&self) -> usize {
        self.schedule.len()
            + MAX_BEAT_PERIOD * (self.beats.len() + self.expected_results)
            + 256
            + DRAIN_CYCLES
    }
}

/// What a back end saw while running one stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Results taken, in order, with their cycles.
    pub observed: Vec<crate::check::Observed>,
    /// Breaches of the handshake rules, one sentence each.
    pub protocol_errors: Vec<String>,
    /// Cycles run after reset.
    pub cycles: u64,
    /// Cycle in which each beat was taken.
    pub accept_cycles: Vec<u64>,
    /// First cycle each result was offered.
    pub offer_cycles: Vec<u64>,
}

impl Outcome {
    /// Latency of each run in edges (contract definition): from the edge
    /// that takes its last beat to the edge after which its result is offered.
    pub fn latencies(&self, stream: &Stream) -> Vec<u64> {
        stream
            .run_ends
            .iter()
            .zip(&self.offer_cycles)
            .filter_map(|(&end, &offered)| {
                let taken = *self.accept_cycles.get(end)?;
                offered.checked_sub(1)?.checked_sub(taken)
            })
            .collect()
    }
}

/// Bits of activation element `i` of a beat as driven on the bus.
pub fn act_bits(beat: &Beat, i: usize, width: u32) -> u64 {
    (beat.act[i] as u64) & lutforge_hdl::ir::mask(width)
}
