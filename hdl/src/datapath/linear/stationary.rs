//! The activation-stationary sequencer (T-MAC's loop order), for a
//! `lut-gemm` core whose tables live in LUT RAM and are written by the
//! engine ([`TableLoad::Caller`](super::super::lut::TableLoad)): chunk-outer,
//! tile-inner. For each chunk c of the vector the core's tables are written
//! once from the chunk's K activations, one entry an edge (2^(g−1) edges),
//! then the T tiles' beats of that chunk are offered, each a run of its own
//! (`in_last` = 1), tile t reading weight word t·C + c. The partial sums of
//! every tile meet in the accumulator memory ([`super::accum`]).
//!
//! The tables of chunk c + 1 are written only after the last beat of chunk c
//! was taken, on edges where the core is ready (its lookups of that beat are
//! then past the tables), and no beat is offered while they are written.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::facts::Bound;
use super::layout::Geometry;
use super::logic::{self, Wrap};
use super::sequencer::{Prefetch, SeqEvents};
use super::store::addr_ty;

/// The sequencer's state and the beat and table writes it offers.
#[derive(Debug, Clone)]
pub struct Stationary {
    /// `in_valid` of the core.
    pub valid: SignalId,
    /// The chunk whose tables are written or looked up.
    pub chunk: Wrap,
    /// The tile of the offered beat.
    pub tile: Wrap,
    /// The table entry offered for writing (the core's `tbl_r`).
    pub entry: Wrap,
    /// The core's `tbl_we`: a table entry is offered for writing.
    pub table_we: SignalId,
    /// The store's read address (the next beat's word when prefetching).
    pub raddr: SignalId,
    /// The prefetch state, for a store with a synchronous read.
    pub prefetch: Option<Prefetch>,
    writing: SignalId,
    addr: SignalId,
    next_addr: SignalId,
}

/// Declares the sequencer for tables of `entries` entries; beats and table
/// writes need `act_valid` (a whole vector in the buffer), beats also
/// `weights_ok` (and, for a store of `read_latency` 1, the first word read).
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    (act_valid, weights_ok): (SignalId, SignalId),
    (depth, read_latency): (usize, u32),
    entries: usize,
) -> Result<Stationary, BuildError> {
    let writing = logic::flag(b, "st_writing", rst, true)?;
    let chunk = Wrap::new(b, "sq_chunk", g.chunks, rst)?;
    let tile = Wrap::new(b, "sq_tile", g.tiles, rst)?;
    let entry = Wrap::new(b, "st_entry", entries, rst)?;
    let aty = addr_ty(depth);
    let addr = b.reg("sq_addr", aty, Some((rst, 0)))?;
    let next_addr = following(b, g, &chunk, &tile, addr)?;
    let table_we = logic::and(b, "st_table_we", writing, act_valid)?;
    let looking = logic::not(b, "st_looking", writing)?;
    let offer = logic::and(b, "st_offer", looking, act_valid)?;
    let (valid, raddr, prefetch) = if read_latency == 0 {
        (logic::and(b, "sq_valid", offer, weights_ok)?, addr, None)
    } else {
        let pf = Prefetch::new(b, rst, weights_ok)?;
        let ok = logic::and(b, "sq_weights_ok", weights_ok, pf.primed)?;
        let valid = logic::and(b, "sq_valid", offer, ok)?;
        let raddr = b.mux("sq_raddr", aty, pf.primed, next_addr, addr)?;
        (valid, raddr, Some(pf))
    };
    Ok(Stationary {
        valid,
        chunk,
        tile,
        entry,
        table_we,
        raddr,
        prefetch,
        writing,
        addr,
        next_addr,
    })
}

/// The word of the beat after the current one: t·C + c + C within a chunk,
/// the next chunk's first tile (word c + 1, or 0 after the last) after its last tile.
fn following(
    b: &mut ModuleBuilder,
    g: &Geometry,
    chunk: &Wrap,
    tile: &Wrap,
    addr: SignalId,
) -> Result<SignalId, BuildError> {
    let aty = b.ty(addr);
    let cty = b.ty(chunk.value);
    let wide = Ty::unsigned(cty.width + 1);
    let c = b.resize("st_chunk_wide", chunk.value, wide)?;
    let one = b.constant("st_chunk_one", wide, 1)?;
    let inc = b.add("st_chunk_inc", wide, c, one)?;
    let zero = b.constant("st_chunk_zero", wide, 0)?;
    let next_chunk = b.mux("st_chunk_next", wide, chunk.last, zero, inc)?;
    let first_of_next = b.resize("st_addr_chunk", next_chunk, aty)?;
    if g.tiles == 1 {
        return Ok(first_of_next);
    }
    // T ≥ 2: the memory holds at least 2·C words, so C fits the address.
    let stride = b.constant("st_addr_stride", aty, g.chunks as i128)?;
    let down = b.add("st_addr_down", aty, addr, stride)?;
    b.mux("st_addr_next", aty, tile.last, first_of_next, down)
}

impl Stationary {
    /// Steps the state on the core's `in_ready`: a beat taken, a table entry written.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        in_ready: SignalId,
    ) -> Result<SeqEvents, BuildError> {
        let take = logic::and(b, "sq_take", self.valid, in_ready)?;
        let wrote = logic::and(b, "st_wrote", self.table_we, in_ready)?;
        let chunk_done = logic::and(b, "st_chunk_done", take, self.tile.last)?;
        let vector_used = logic::and(b, "sq_vector_used", chunk_done, self.chunk.last)?;
        let tables_done = logic::and(b, "st_tables_done", wrote, self.entry.last)?;
        self.tile.step(b, take)?;
        self.chunk.step(b, chunk_done)?;
        self.entry.step(b, wrote)?;
        b.drive(self.addr, self.next_addr, Some(take))?;
        logic::drive_flag(b, self.writing, chunk_done, tables_done)?;
        if let Some(pf) = &self.prefetch {
            pf.finish(b, take)?;
        }
        Ok(SeqEvents {
            tile_used: take,
            vector_used,
            chunk_moved: chunk_done,
        })
    }
}

/// The limits on the vector rate in this order: per chunk, `entries` table
/// writes and T beats of `per_beat` cycles; one weight word a beat.
pub fn bound(g: &Geometry, entries: u64, per_beat: u64) -> Bound {
    let compute = g.chunks as u64 * (entries + g.tiles as u64 * per_beat);
    let mut bound = super::facts::bound(g, None, super::params::WeightMemory::Bram, per_beat);
    bound.compute = compute;
    let all = [
        ("compute", bound.compute),
        ("weight_memory", bound.weight_memory),
        ("activation_load", bound.activation_load),
        ("result_drain", bound.result_drain),
    ];
    bound.limit = all
        .iter()
        .fold(all[0], |a, &l| if l.1 > a.1 { l } else { a })
        .0;
    bound
}

/// Latency of an idle engine: the vector's C·(entries + T·per_beat) cycles
/// but the last beat's trailing ones, the core's latency, and one edge to
/// collect the last tile.
pub fn latency(g: &Geometry, entries: u64, per_beat: u64, core_latency: u32) -> u64 {
    let chunk = entries + g.tiles as u64 * per_beat;
    g.chunks as u64 * chunk - per_beat + 1 + u64::from(core_latency) + 1
}
