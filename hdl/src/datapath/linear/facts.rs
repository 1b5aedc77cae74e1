//! What a generated engine states about itself (the NAME.json facts).

use serde::Serialize;

use super::super::core::ParamMap;
use super::super::{GeneratedCore, ParamError};
use super::layout::Geometry;
use super::packed::{InitialWeights, Plan};
use super::params::WeightMemory;

/// The cycle count of each limit on the vector rate, steady state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bound {
    /// Which limit sets `cycles_per_vector`: `compute`, `weight_memory`, `activation_load` or `result_drain`.
    pub limit: &'static str,
    /// Cycles the core needs for a vector's T·C beats.
    pub compute: u64,
    /// Cycles the weight memory (or, in stream mode, the weight stream) needs per vector.
    pub weight_memory: u64,
    /// Cycles to take a vector's x-words, one a cycle.
    pub activation_load: u64,
    /// Cycles to give a vector's y-words, one a cycle.
    pub result_drain: u64,
}

/// The facts of a generated engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinearFacts {
    /// Bits of each `y_data` element (the inner core's accumulator).
    pub acc_bits: u32,
    /// The weight stream's packing (`codes`, `int`, `binary`, `base3`, `i2s`).
    pub weight_packing: &'static str,
    /// WW.
    pub weight_word_bits: u32,
    /// Words of one weight load.
    pub weight_words: u64,
    /// P.
    pub x_lanes: usize,
    /// Q.
    pub y_lanes: usize,
    /// Where the weights are kept.
    pub weight_memory: &'static str,
    /// Words per weight bank and the banks: for `bram` and `spram` the packed
    /// lanes (words per lane, lanes side by side); else one bank per unit of a
    /// beat (tiles × chunks, or 2 × chunks staging in stream mode, words each).
    pub weight_banks: (usize, usize),
    /// SB_SPRAM256KA blocks the weight memory uses (0 unless it is `spram`; a UP5K has 4).
    pub spram_blocks: usize,
    /// Memory words read for one core beat (`spram` with a beat wider than the
    /// memory: more than 1, and the core takes a beat every that many cycles).
    pub weight_reads_per_beat: usize,
    /// Weight bits the memory gives per cycle (every lane or bank at once).
    pub weight_bits_per_cycle: u64,
    /// Bits of one lane or bank.
    pub weight_lane_bits: u32,
    /// The matrix is in the memory's initial contents (`--weights`): no load needed after `rst`.
    pub initial_weights: bool,
    /// Cycles between vectors, back to back with every ready held at 1.
    pub cycles_per_vector: u64,
    /// The limits on it.
    pub bound: Bound,
    /// Edges from the one that takes a vector's last x-word to the one that offers its first y-word, idle engine.
    pub latency: u64,
    /// Output tiles T and chunks per row C.
    pub tiles: usize,
    /// Chunks per row C.
    pub chunks: usize,
    /// The loop order (tile-outer, chunk-inner; activation-stationary for lut-gemm with LUT-RAM tables).
    pub loop_order: &'static str,
    /// Activations double-buffered (the next vector loads while one computes).
    pub double_buffered: bool,
    /// Where the activation and result buffers are (`registers`, `bram`).
    pub buffer_memory: &'static str,
    /// The inner core's name.
    pub core: &'static str,
    /// The inner core's parameters.
    pub core_params: ParamMap,
    /// The inner core's latency.
    pub core_latency: u32,
    /// The inner core's cycles per beat.
    pub core_cycles_per_beat: u64,
    /// The inner core's extra metadata.
    pub core_metadata: ParamMap,
}

/// The inner core's cycles per beat, from its throughput.
pub fn cycles_per_beat(core: &GeneratedCore) -> u64 {
    if core.throughput > 0.0 {
        (1.0 / core.throughput).round().max(1.0) as u64
    } else {
        1
    }
}

/// SB_SPRAM256KA blocks of an `spram` weight memory: its lanes.
pub fn spram_blocks(plan: Option<&Plan>) -> usize {
    match plan {
        Some(p) if p.kind == WeightMemory::Spram => p.lanes,
        _ => 0,
    }
}

/// (words per bank, banks): the packed lanes, or one bank per unit of a beat `depth` words deep.
pub fn banks(g: &Geometry, plan: Option<&Plan>, depth: usize) -> (usize, usize) {
    match plan {
        Some(p) => (p.depth, p.lanes),
        None => (depth, g.n * g.seg_units),
    }
}

/// Weight bits the memory gives per cycle.
pub fn bits_per_cycle(g: &Geometry, plan: Option<&Plan>) -> u64 {
    plan.map_or(
        (g.n * g.seg_units) as u64 * u64::from(g.unit_bits),
        Plan::bits_per_cycle,
    )
}

/// Refuses initial weights that `memory` cannot hold or whose shape is not the layer's.
pub fn check_initial(
    g: &Geometry,
    memory: WeightMemory,
    w: &InitialWeights,
) -> Result<(), ParamError> {
    if memory != WeightMemory::Bram {
        return Err(ParamError::new(
            "weights",
            memory.name(),
            "initial weights need --weight-memory bram (spram has no initial contents, stream no memory; lutram and registers take a load)",
        ));
    }
    let rows = w.units.len();
    let bad = w.units.iter().find(|r| r.len() != g.row_units);
    if rows != g.n_total || bad.is_some() {
        return Err(ParamError::new(
            "weights",
            format!("{rows} rows"),
            format!(
                "the initial weights must be out_features × in_features = {} × {} ({} units a row)",
                g.n_total, g.k_total, g.row_units
            ),
        ));
    }
    Ok(())
}

/// The limits on the vector rate and the one that sets it.
pub fn bound(g: &Geometry, plan: Option<&Plan>, memory: WeightMemory, per_beat: u64) -> Bound {
    let compute = g.beats() as u64 * per_beat;
    let weight_memory = if memory == WeightMemory::Stream {
        g.load_cycles()
    } else {
        (g.beats() * plan.map_or(1, |p| p.reads)) as u64
    };
    let activation_load = g.x_words as u64;
    let result_drain = g.y_words as u64;
    let all = [
        ("compute", compute),
        ("weight_memory", weight_memory),
        ("activation_load", activation_load),
        ("result_drain", result_drain),
    ];
    let mut limit = all[0];
    for l in all {
        if l.1 > limit.1 {
            limit = l;
        }
    }
    let limit = limit.0;
    Bound {
        limit,
        compute,
        weight_memory,
        activation_load,
        result_drain,
    }
}

impl Bound {
    /// The slowest limit's cycles.
    pub fn cycles(&self) -> u64 {
        self.compute
            .max(self.weight_memory)
            .max(self.activation_load)
            .max(self.result_drain)
    }
}

/// Latency of an idle engine: the first beat on the next edge, a beat every
/// `per_beat` cycles, the core's latency, and one edge to collect the last tile.
pub fn latency(g: &Geometry, per_beat: u64, core_latency: u32) -> u64 {
    1 + (g.beats() as u64 - 1) * per_beat + u64::from(core_latency) + 1
}
