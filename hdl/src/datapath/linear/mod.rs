//! `linear`: a whole layer, y = W·x, on the chip (docs/spec/linear-contract.md).
//!
//! One inner GEMV core (any registered core with M = 1) runs over the
//! tiles of W: for each output tile of N rows the ⌈K_total/K⌉ chunks of the
//! vector are one run, and the tile's N results are collected and drained
//! as y-words. The parts: [`params`] (the parameters), [`layout`] (the
//! geometry and the weight memory's layout), [`store`] (the memory behind
//! one interface; [`packed`] for bram and spram, read at full width),
//! [`loader`] (weight words into the banks), [`actbuf`] (the
//! double-buffered activations), [`sequencer`] (the beats),
//! [`drain`] (results out) and [`facts`] (the metadata's facts).
//!
//! A `lut-gemm` core with its tables in LUT RAM (`table_storage = lutram`)
//! runs activation-stationary instead, as T-MAC does on CPUs
//! ([`stationary`]): chunk-outer and tile-inner, the tables of a chunk
//! written once by the engine and looked up by every tile, the partial sums
//! of all N_total outputs kept in an accumulator memory ([`accum`]).
//!
//! K_total and N_total need not be multiples of the tile: the last chunk is
//! padded with zero activations (and zero weights) and the rows past
//! N_total of the last tile are computed and dropped.

pub mod accum;
pub mod actbuf;
pub mod bufmem;
pub mod drain;
pub mod facts;
pub mod layout;
pub mod loader;
pub mod logic;
pub mod mx;
pub mod packed;
pub mod params;
pub mod per_bank;
pub mod sequencer;
pub mod stationary;
pub mod store;

use std::sync::Arc;

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::contract::{CORE_ACT, CORE_IN, CORE_LAST, CORE_OUT, CORE_W, CORE_Y, LINEAR};
use super::core::{CoreParams, Registry};
use super::lut::{LutGemmParams, TableLoad, TableStorage, caller_ports};
use super::{CoreError, GeneratedCore, ParamError};

pub use facts::{Bound, LinearFacts};
pub use layout::Geometry;
pub use packed::{InitialWeights, Plan};
pub use params::{BufferMemory, LinearParams, WeightMemory};

/// A generated engine: its top module (the inner core is an instance of its own module) and its facts.
#[derive(Debug, Clone)]
pub struct GeneratedLinear {
    /// The top module.
    pub module: crate::ir::Module,
    /// The facts its metadata states.
    pub facts: LinearFacts,
    /// The geometry it was built for.
    pub geometry: Geometry,
}

/// The engine's input ports.
struct Inputs {
    rst: SignalId,
    w_valid: SignalId,
    w_data: Vec<SignalId>,
    x_valid: SignalId,
    x_data: Vec<SignalId>,
    y_ready: SignalId,
}

fn inputs(b: &mut ModuleBuilder, g: &Geometry) -> Result<Inputs, BuildError> {
    b.clock()?;
    let rst = b.input(LINEAR.reset, Ty::BIT)?;
    let [w, x, y] = [LINEAR.streams[0], LINEAR.streams[1], LINEAR.streams[2]];
    let w_valid = b.input(w.valid, Ty::BIT)?;
    let w_last = b.input(w.last.unwrap_or("w_last"), Ty::BIT)?;
    let w_data = b.input_vec(w.payload[0], g.word_units, Ty::unsigned(g.unit_bits))?;
    let x_valid = b.input(x.valid, Ty::BIT)?;
    let x_last = b.input(x.last.unwrap_or("x_last"), Ty::BIT)?;
    let x_data = b.input_vec(x.payload[0], g.p, Ty::signed(g.act_bits))?;
    let y_ready = b.input(y.ready, Ty::BIT)?;
    let _ = (w_last, x_last);
    Ok(Inputs {
        rst,
        w_valid,
        w_data,
        x_valid,
        x_data,
        y_ready,
    })
}

/// The loop order the engine runs its core in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopOrder {
    /// Tile-outer, chunk-inner: the core accumulates a tile's chunks as one run.
    TileOuter,
    /// Chunk-outer, tile-inner, a lut-gemm core's tables written once a
    /// chunk (`entries` write edges) and the partial sums in the accumulator.
    Stationary {
        /// Entries of one table, 2^(g−1).
        entries: u32,
    },
}

impl LoopOrder {
    /// What the metadata says.
    pub fn describe(self) -> &'static str {
        match self {
            LoopOrder::TileOuter => "tile-outer, chunk-inner",
            LoopOrder::Stationary { .. } => {
                "activation-stationary: chunk-outer, tile-inner; each chunk's tables written once into LUT RAM (2^(g-1) cycles) and looked up by every tile; partial sums of all outputs in an accumulator LUT RAM"
            }
        }
    }
}

/// The loop order for `c`, and the lut-gemm parameters when it is activation-stationary.
fn loop_order(c: &params::Checked) -> Result<(LoopOrder, Option<LutGemmParams>), CoreError> {
    if c.inner.core() != LutGemmParams::NAME {
        return Ok((LoopOrder::TileOuter, None));
    }
    let lp: LutGemmParams = serde_json::from_value(serde_json::Value::Object(c.inner.params()))
        .map_err(|e| {
            ParamError::new(
                "parameters",
                LutGemmParams::NAME,
                format!("do not read: {e}"),
            )
        })?;
    if lp.table_storage != TableStorage::Lutram {
        return Ok((LoopOrder::TileOuter, None));
    }
    if c.params.weight_memory == WeightMemory::Stream {
        return Err(ParamError::new(
            "weight-memory",
            "stream",
            "lut-gemm with --table-storage lutram runs activation-stationary (every tile of a chunk in turn), which needs the matrix stored: use bram, spram, lutram or registers",
        )
        .into());
    }
    let entries = lp.table_entries();
    Ok((LoopOrder::Stationary { entries }, Some(lp)))
}

/// Generates the engine for `p`, building its inner core through `registry`.
pub fn generate(p: &LinearParams, registry: &Registry) -> Result<GeneratedLinear, CoreError> {
    generate_with(p, registry, None)
}

/// Generates the engine for `p` holding `init` from configuration when given (see [`facts::check_initial`]).
pub fn generate_with(
    p: &LinearParams,
    registry: &Registry,
    init: Option<&InitialWeights>,
) -> Result<GeneratedLinear, CoreError> {
    let checked = p.check(registry)?;
    let g = Geometry::of(&checked);
    let (order, lut) = loop_order(&checked)?;
    let stationary = matches!(order, LoopOrder::Stationary { .. });
    if let Some(w) = init {
        if stationary {
            return Err(ParamError::new(
                "weights",
                "activation-stationary",
                "initial weights are not yet supported for lut-gemm with --table-storage lutram: load the weights on the w stream, or use --table-storage registers",
            )
            .into());
        }
        facts::check_initial(&g, p.weight_memory, w)?;
    }
    let (plan, store) = if stationary {
        (None, per_bank::store_for(p.weight_memory, g.depth_used)?)
    } else {
        (
            Plan::of(p.weight_memory, &g)?,
            store::store_for(p.weight_memory, g.depth_used)?,
        )
    };
    if p.buffer_memory == BufferMemory::Bram {
        actbuf::check(&g)?;
        drain::check(&g)?;
    }
    let core = match &lut {
        Some(lp) => {
            accum::check(&g)?;
            super::lut::generate_with(lp, TableLoad::Caller)?
        }
        None => mx::inner_core(&checked)?,
    };
    let module = build(p, &g, (store.as_ref(), plan.as_ref(), init), &core, order)?;
    let per_beat = facts::cycles_per_beat(&core);
    let (bound, latency) = match order {
        LoopOrder::TileOuter => (
            facts::bound(&g, plan.as_ref(), p.weight_memory, per_beat),
            facts::latency(
                &g,
                per_beat.max(plan.as_ref().map_or(1, |pl| pl.reads as u64)),
                core.latency,
            ),
        ),
        LoopOrder::Stationary { entries } => (
            stationary::bound(&g, u64::from(entries), per_beat),
            stationary::latency(&g, u64::from(entries), per_beat, core.latency),
        ),
    };
    let mut core_metadata = checked.inner.metadata();
    if let (Some(lut), LoopOrder::Stationary { entries }) = (core_metadata.get_mut("lut"), order) {
        lut["cycles_per_beat"] = per_beat.into();
        lut["table_write_cycles"] = 0.into();
        lut["table_load"] = format!("by the engine, {entries} cycles once per chunk").into();
    }
    let facts = LinearFacts {
        acc_bits: core.acc_bits,
        weight_packing: packing_name(&checked),
        weight_word_bits: p.weight_word_bits,
        weight_words: g.weight_words as u64,
        x_lanes: g.p,
        y_lanes: g.q,
        weight_memory: p.weight_memory.name(),
        weight_banks: facts::banks(&g, plan.as_ref(), store.depth()),
        spram_blocks: match plan {
            Some(ref pl) => facts::spram_blocks(Some(pl)),
            None => per_bank::spram_blocks(&g, p.weight_memory),
        },
        weight_reads_per_beat: plan.as_ref().map_or(1, |pl| pl.reads),
        weight_bits_per_cycle: facts::bits_per_cycle(&g, plan.as_ref()),
        weight_lane_bits: plan.as_ref().map_or(g.unit_bits, |pl| pl.lane_bits),
        initial_weights: init.is_some(),
        cycles_per_vector: bound.cycles(),
        bound,
        latency,
        tiles: g.tiles,
        chunks: g.chunks,
        loop_order: order.describe(),
        double_buffered: true,
        buffer_memory: p.buffer_memory.name(),
        core: checked.inner.core(),
        core_params: checked.inner.params(),
        core_latency: core.latency,
        core_cycles_per_beat: per_beat,
        core_metadata,
    };
    Ok(GeneratedLinear {
        module,
        facts,
        geometry: g,
    })
}

fn packing_name(c: &params::Checked) -> &'static str {
    use super::core::WeightPacking;
    match c.inner.weight_packing() {
        _ if mx::units(c).is_some() => "mx",
        WeightPacking::Codes => c.inner.common().w_format.name(),
        other => other.name(),
    }
}

/// Mode-dependent control: whether weights are ready for a beat, and the loader's permissions.
struct Control {
    loaded: Option<SignalId>,
    avail: Option<SignalId>,
    in_flight: SignalId,
    weights_ok: SignalId,
    permit: SignalId,
    take_ok: SignalId,
}

fn control(
    b: &mut ModuleBuilder,
    rst: SignalId,
    stream: bool,
    preloaded: bool,
) -> Result<Control, BuildError> {
    let in_flight = b.reg("vectors_in_flight", Ty::unsigned(4), Some((rst, 0)))?;
    let busy = logic::eq_const(b, "no_vector", in_flight, 0)?;
    let busy = logic::not(b, "vector_busy", busy)?;
    if stream {
        let avail = b.reg("slots_full", Ty::unsigned(2), Some((rst, 0)))?;
        let none = logic::eq_const(b, "slots_none", avail, 0)?;
        let weights_ok = logic::not(b, "slots_some", none)?;
        let both = logic::eq_const(b, "slots_both", avail, 2)?;
        let permit = logic::not(b, "slot_free", both)?;
        return Ok(Control {
            loaded: None,
            avail: Some(avail),
            in_flight,
            weights_ok,
            permit,
            take_ok: permit,
        });
    }
    let loaded = logic::flag(b, "weights_loaded", rst, preloaded)?;
    let permit = logic::bit(b, "load_permit", true)?;
    let take_ok = logic::not(b, "load_take_ok", busy)?;
    Ok(Control {
        loaded: Some(loaded),
        avail: None,
        in_flight,
        weights_ok: loaded,
        permit,
        take_ok,
    })
}

/// `x_ready`'s gate: in memory modes, weights loaded, no word held and no load starting.
///
/// With no word held the loader takes a word exactly when it may take one
/// and one is offered, so "no load starting" is formed from those two
/// inputs rather than from the loader's `take`, whose piece arithmetic
/// would otherwise lie on the path from the loader's counters to the
/// activation buffer's write (the same function, a shorter path).
fn x_gate(
    b: &mut ModuleBuilder,
    ctl: &Control,
    ld: &loader::Loader,
    w_valid: SignalId,
) -> Result<SignalId, BuildError> {
    let Some(loaded) = ctl.loaded else {
        return logic::bit(b, "x_gate", true);
    };
    let idle = logic::not(b, "x_gate_idle", ld.holding)?;
    let offered = logic::and(b, "x_gate_offered", ctl.take_ok, w_valid)?;
    let starting = logic::not(b, "x_gate_nostart", offered)?;
    logic::all(b, "x_gate", &[loaded, idle, starting])
}

/// What the core's side of the engine gives the rest: its events and the drain.
struct Middle {
    ev: sequencer::SeqEvents,
    dr: drain::Drain,
    regs: Vec<[SignalId; 2]>,
    out_valid: SignalId,
    out_y: Vec<SignalId>,
}

/// The parts every loop order shares around the core.
struct Around<'a> {
    g: &'a Geometry,
    memory: BufferMemory,
    store: &'a dyn store::WeightStore,
    mem: Option<&'a packed::Packed>,
    ld: &'a loader::Loader,
    xb: &'a mut actbuf::ActBuffer,
    rst: SignalId,
    weights_ok: SignalId,
    y_ready: SignalId,
    core: &'a GeneratedCore,
    module: &'a str,
}

type Memory<'a> = (
    &'a dyn store::WeightStore,
    Option<&'a Plan>,
    Option<&'a InitialWeights>,
);

fn build(
    p: &LinearParams,
    g: &Geometry,
    (store, plan, init): Memory,
    core: &GeneratedCore,
    order: LoopOrder,
) -> Result<crate::ir::Module, CoreError> {
    let mut b = ModuleBuilder::new(&p.name)?;
    let io = inputs(&mut b, g)?;
    let stream = p.weight_memory == WeightMemory::Stream;
    let ctl = control(&mut b, io.rst, stream, init.is_some())?;
    let aty = store::addr_ty(store.depth());
    let pk = plan.map(|_| packed::declare(&mut b, io.rst)).transpose()?;
    let ld = loader::build(
        &mut b,
        g,
        loader::LoaderInputs {
            rst: io.rst,
            valid: io.w_valid,
            permit: pk.map_or(ctl.permit, |d| d.permit),
            take_ok: ctl.take_ok,
            staging: stream,
        },
        &io.w_data,
        aty,
    )?;
    let gate = x_gate(&mut b, &ctl, &ld, io.w_valid)?;
    let mut xb = actbuf::build(
        &mut b,
        g,
        io.rst,
        (io.x_valid, gate),
        &io.x_data,
        p.buffer_memory,
    )?;
    let mem = match (plan, pk) {
        (Some(pl), Some(d)) => Some(packed::build(
            &mut b,
            pl,
            g,
            d,
            (io.rst, ctl.weights_ok),
            &ld,
            init,
        )?),
        _ => None,
    };
    let mut around = Around {
        g,
        memory: p.buffer_memory,
        store,
        mem: mem.as_ref(),
        ld: &ld,
        xb: &mut xb,
        rst: io.rst,
        weights_ok: ctl.weights_ok,
        y_ready: io.y_ready,
        core,
        module: &p.name,
    };
    let mid = match order {
        LoopOrder::TileOuter => tile_outer(&mut b, &mut around)?,
        LoopOrder::Stationary { entries } => activation_stationary(&mut b, &mut around, entries)?,
    };
    xb.finish(&mut b, mid.ev.vector_used, mid.ev.chunk_moved)?;
    mid.dr
        .finish(&mut b, g, mid.out_valid, &mid.out_y, &mid.regs)?;
    drive_control(&mut b, &ctl, &ld, xb.first, mid.dr.done, mid.ev.tile_used)?;
    outputs(&mut b, &ld, &xb, &mid.dr)?;
    b.order_ports(&LINEAR.port_order());
    Ok(b.finish()?)
}

/// The core's outputs the engine reads, or which one it lacks.
fn core_outputs(
    outs: &crate::ir::InstanceOutputs,
    module: &str,
) -> Result<(SignalId, SignalId, Vec<SignalId>), BuildError> {
    let missing = |port: &str| BuildError::Invalid {
        module: module.into(),
        message: format!("the inner core has no output `{port}`"),
    };
    let in_ready = outs
        .scalar(CORE_IN.ready)
        .ok_or_else(|| missing(CORE_IN.ready))?;
    let out_valid = outs
        .scalar(CORE_OUT.valid)
        .ok_or_else(|| missing(CORE_OUT.valid))?;
    let out_y = outs.vector(CORE_Y).ok_or_else(|| missing(CORE_Y))?.to_vec();
    Ok((in_ready, out_valid, out_y))
}

/// Tile-outer, chunk-inner: the sequencer's beats, the core accumulating each tile's run.
fn tile_outer(b: &mut ModuleBuilder, a: &mut Around) -> Result<Middle, CoreError> {
    let g = a.g;
    let sq = sequencer::build(
        b,
        g,
        a.rst,
        a.xb.valid,
        a.mem.map_or(a.weights_ok, |m| m.valid),
        (a.store.depth(), a.store.read_latency()),
    )?;
    let act = a.xb.chunk(b, g, a.rst, &sq.chunk, Some(sq.tile.last))?;
    let w = match a.mem {
        Some(m) => m.bus.clone(),
        None => {
            let fresh = sq.prefetch.map(|pf| pf.fresh);
            weight_bus(b, g, a.store, a.ld, sq.raddr, fresh)?
        }
    };
    let acc = Ty::signed(a.core.acc_bits);
    let (dr, regs) = drain::build(b, g, a.rst, acc, a.y_ready, a.memory)?;
    let inner = Arc::new(a.core.module.clone());
    let outs = b.instance(
        "core",
        inner,
        &[
            (LINEAR.reset, &[a.rst]),
            (CORE_IN.valid, &[sq.valid]),
            (CORE_LAST, &[sq.chunk.last]),
            (CORE_ACT, &act),
            (CORE_W, &w),
            (CORE_OUT.ready, &[dr.core_ready]),
        ],
    )?;
    let (in_ready, out_valid, out_y) = core_outputs(&outs, a.module)?;
    let ev = sq.finish(b, in_ready)?;
    if let Some(m) = a.mem {
        let take = logic::and(b, "pk_take", sq.valid, in_ready)?;
        m.finish(b, take)?;
    }
    Ok(Middle {
        ev,
        dr,
        regs,
        out_valid,
        out_y,
    })
}

/// Activation-stationary: the tables written once a chunk, every tile looked
/// up against them, each beat a run of its own summed in the accumulator.
fn activation_stationary(
    b: &mut ModuleBuilder,
    a: &mut Around,
    entries: u32,
) -> Result<Middle, CoreError> {
    let g = a.g;
    let st = stationary::build(
        b,
        g,
        a.rst,
        (a.xb.valid, a.weights_ok),
        (a.store.depth(), a.store.read_latency()),
        entries as usize,
    )?;
    let act = a.xb.chunk(b, g, a.rst, &st.chunk, None)?;
    let fresh = st.prefetch.map(|pf| pf.fresh);
    let w = weight_bus(b, g, a.store, a.ld, st.raddr, fresh)?;
    let acc = Ty::signed(a.core.acc_bits);
    let (dr, regs) = drain::build(b, g, a.rst, acc, a.y_ready, a.memory)?;
    let ac = accum::build(b, g, a.rst, dr.core_ready)?;
    let each = logic::bit(b, "st_in_last", true)?;
    let inner = Arc::new(a.core.module.clone());
    let outs = b.instance(
        "core",
        inner,
        &[
            (LINEAR.reset, &[a.rst]),
            (CORE_IN.valid, &[st.valid]),
            (CORE_LAST, &[each]),
            (CORE_ACT, &act),
            (CORE_W, &w),
            (CORE_OUT.ready, &[ac.core_ready]),
            (caller_ports::WRITE, &[st.table_we]),
            (caller_ports::ENTRY, &[st.entry.value]),
        ],
    )?;
    let (in_ready, out_valid, out_y) = core_outputs(&outs, a.module)?;
    let ev = st.finish(b, in_ready)?;
    let (out_valid, out_y) = ac.finish(b, acc, out_valid, &out_y)?;
    Ok(Middle {
        ev,
        dr,
        regs,
        out_valid,
        out_y,
    })
}

/// The core's `in_w`: every bank's word at `raddr`, row-major, as the core's
/// element type (held while `fresh` is 0, for a synchronous read).
fn weight_bus(
    b: &mut ModuleBuilder,
    g: &Geometry,
    store: &dyn store::WeightStore,
    ld: &loader::Loader,
    raddr: SignalId,
    fresh: Option<SignalId>,
) -> Result<Vec<SignalId>, BuildError> {
    let mut bus = Vec::with_capacity(g.n * g.seg_units);
    for (r, row) in ld.writes.iter().enumerate() {
        for (j, &w) in row.iter().enumerate() {
            let name = format!("wm_r{r}_u{j}");
            let read = store.bank(b, &name, w, raddr)?;
            let word = match fresh {
                Some(fresh) => held_word(b, &name, read, fresh)?,
                None => read,
            };
            let typed = b.slice(
                &format!("wm_w{r}_{j}"),
                word,
                0,
                g.unit_bits,
                g.unit_ty.signed,
            )?;
            bus.push(typed);
        }
    }
    Ok(bus)
}

/// The read port's word on an edge where it is `fresh`, else the word of the edge before.
fn held_word(
    b: &mut ModuleBuilder,
    name: &str,
    read: SignalId,
    fresh: SignalId,
) -> Result<SignalId, BuildError> {
    let ty = b.ty(read);
    let hold = b.reg(&format!("{name}_hold"), ty, None)?;
    let word = b.mux(&format!("{name}_cur"), ty, fresh, read, hold)?;
    b.drive(hold, word, None)?;
    Ok(word)
}

fn drive_control(
    b: &mut ModuleBuilder,
    ctl: &Control,
    ld: &loader::Loader,
    x_first: SignalId,
    y_done: SignalId,
    tile_used: SignalId,
) -> Result<(), BuildError> {
    let ty = Ty::unsigned(4);
    let one = b.constant("flight_one", ty, 1)?;
    let up = b.add("flight_up", ty, ctl.in_flight, one)?;
    let down = b.sub("flight_down", ty, ctl.in_flight, one)?;
    let after_up = b.mux("flight_after_up", ty, x_first, up, ctl.in_flight)?;
    let down_up = b.mux("flight_down_up", ty, x_first, ctl.in_flight, down)?;
    let next = b.mux("flight_next", ty, y_done, down_up, after_up)?;
    b.drive(ctl.in_flight, next, None)?;
    if let Some(loaded) = ctl.loaded {
        let keep = logic::not(b, "loaded_keep", ld.take)?;
        let held = logic::and(b, "loaded_held", loaded, keep)?;
        let next = logic::or(b, "loaded_next", held, ld.matrix_done)?;
        let fresh = logic::and(b, "loaded_fresh", next, keep)?;
        b.drive(loaded, fresh, None)?;
    }
    if let Some(avail) = ctl.avail {
        let ty = b.ty(avail);
        let one = b.constant("slots_one", ty, 1)?;
        let up = b.add("slots_up", ty, avail, one)?;
        let down = b.sub("slots_down", ty, avail, one)?;
        let after_up = b.mux("slots_after_up", ty, ld.tile_done, up, avail)?;
        let down_up = b.mux("slots_down_up", ty, ld.tile_done, avail, down)?;
        let next = b.mux("slots_next", ty, tile_used, down_up, after_up)?;
        b.drive(avail, next, None)?;
    }
    Ok(())
}

fn outputs(
    b: &mut ModuleBuilder,
    ld: &loader::Loader,
    xb: &actbuf::ActBuffer,
    dr: &drain::Drain,
) -> Result<(), BuildError> {
    let [w, x, y] = [LINEAR.streams[0], LINEAR.streams[1], LINEAR.streams[2]];
    b.output(w.ready, ld.ready)?;
    b.output(x.ready, xb.ready)?;
    b.output(y.valid, dr.valid)?;
    b.output(y.last.unwrap_or("y_last"), dr.last)?;
    b.output_vec(y.payload[0], &dr.data)?;
    Ok(())
}

#[cfg(test)]
mod tests;
