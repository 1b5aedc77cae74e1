//! The sequencer: offers the core its beats, tile-outer and chunk-inner.
//! For each output tile the C chunks of the vector are one run (`in_last`
//! on the last chunk); the weight read address steps once a beat through
//! the words in use (T·C, or 2·C staging words in stream mode).
//!
//! For a store with a synchronous read the sequencer prefetches: it reads
//! the word after the current one on every edge, and the core's weight bus
//! takes the memory's word on the edge after a beat is taken and holds the
//! current word otherwise ([`Prefetch`]), so a beat can still be taken
//! every cycle. One edge after weights are loaded reads the first word.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::layout::Geometry;
use super::logic::{self, Wrap};
use super::store::addr_ty;

/// The sequencer's counters and the beat it offers.
#[derive(Debug, Clone)]
pub struct Sequencer {
    /// `in_valid` of the core.
    pub valid: SignalId,
    /// The chunk of the offered beat; `in_last` is `chunk.last`.
    pub chunk: Wrap,
    /// The tile of the offered beat.
    pub tile: Wrap,
    /// The weight word of the offered beat.
    pub addr: Wrap,
    /// The store's read address (the next beat's word when prefetching).
    pub raddr: SignalId,
    /// The prefetch state, for a store with a synchronous read.
    pub prefetch: Option<Prefetch>,
}

/// The prefetch state of a synchronous-read store.
#[derive(Debug, Clone, Copy)]
pub struct Prefetch {
    /// The read address has been the current word's for an edge (weights loaded an edge ago).
    pub primed: SignalId,
    /// The memory's read port holds the current beat's word (else the bus holds it).
    pub fresh: SignalId,
    loaded: SignalId,
}

/// What the sequencer did on an edge.
#[derive(Debug, Clone, Copy)]
pub struct SeqEvents {
    /// The core took a beat that ended a tile's run.
    pub tile_used: SignalId,
    /// The core took the last beat of a vector.
    pub vector_used: SignalId,
    /// The activations moved on to the next chunk.
    pub chunk_moved: SignalId,
}

/// Declares the counters; a beat is offered while `act_valid` and `weights_ok` are 1
/// (and, for a store of `read_latency` 1, the first word has been read).
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    act_valid: SignalId,
    weights_ok: SignalId,
    (depth, read_latency): (usize, u32),
) -> Result<Sequencer, BuildError> {
    if read_latency == 0 {
        let valid = logic::and(b, "sq_valid", act_valid, weights_ok)?;
        let (chunk, tile, addr) = counters(b, g, rst)?;
        let raddr = b.resize("sq_raddr", addr.value, addr_ty(depth))?;
        return Ok(Sequencer {
            valid,
            chunk,
            tile,
            addr,
            raddr,
            prefetch: None,
        });
    }
    let (chunk, tile, addr) = counters(b, g, rst)?;
    let aty = addr_ty(depth);
    let current = b.resize("sq_raddr_now", addr.value, aty)?;
    let pf = Prefetch::new(b, rst, weights_ok)?;
    let ok = logic::and(b, "sq_weights_ok", weights_ok, pf.primed)?;
    let valid = logic::and(b, "sq_valid", act_valid, ok)?;
    let next = following(b, &addr, aty)?;
    let raddr = b.mux("sq_raddr", aty, pf.primed, next, current)?;
    let prefetch = Some(pf);
    Ok(Sequencer {
        valid,
        chunk,
        tile,
        addr,
        raddr,
        prefetch,
    })
}

/// The chunk, tile and word-address counters.
fn counters(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
) -> Result<(Wrap, Wrap, Wrap), BuildError> {
    let chunk = Wrap::new(b, "sq_chunk", g.chunks, rst)?;
    let tile = Wrap::new(b, "sq_tile", g.tiles, rst)?;
    let addr = Wrap::new(b, "sq_addr", g.depth_used, rst)?;
    Ok((chunk, tile, addr))
}

/// The address after `addr`'s, wrapping, as `aty`.
fn following(b: &mut ModuleBuilder, addr: &Wrap, aty: Ty) -> Result<SignalId, BuildError> {
    let ty = b.ty(addr.value);
    let one = b.constant("sq_pf_one", ty, 1)?;
    let inc = b.add("sq_pf_inc", ty, addr.value, one)?;
    let zero = b.constant("sq_pf_zero", ty, 0)?;
    let next = b.mux("sq_pf_next", ty, addr.last, zero, inc)?;
    b.resize("sq_pf_addr", next, aty)
}

impl Prefetch {
    /// Declares the flags; `loaded` is 1 while the store holds the weights.
    pub(super) fn new(
        b: &mut ModuleBuilder,
        rst: SignalId,
        loaded: SignalId,
    ) -> Result<Prefetch, BuildError> {
        let primed = logic::flag(b, "sq_pf_primed", rst, false)?;
        let fresh = logic::flag(b, "sq_pf_fresh", rst, false)?;
        Ok(Prefetch {
            primed,
            fresh,
            loaded,
        })
    }

    /// Drives the flags: primed an edge after `loaded`, fresh after a take or an unprimed edge.
    pub(super) fn finish(&self, b: &mut ModuleBuilder, take: SignalId) -> Result<(), BuildError> {
        b.drive(self.primed, self.loaded, None)?;
        let unprimed = logic::not(b, "sq_pf_unprimed", self.primed)?;
        let fresh = logic::or(b, "sq_pf_fresh_next", take, unprimed)?;
        b.drive(self.fresh, fresh, None)
    }
}

impl Sequencer {
    /// Steps the counters on the edges where the core takes a beat (`in_ready`).
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        in_ready: SignalId,
    ) -> Result<SeqEvents, BuildError> {
        let take = logic::and(b, "sq_take", self.valid, in_ready)?;
        let tile_used = logic::and(b, "sq_tile_used", take, self.chunk.last)?;
        let vector_used = logic::and(b, "sq_vector_used", tile_used, self.tile.last)?;
        self.chunk.step(b, take)?;
        self.tile.step(b, tile_used)?;
        self.addr.step(b, take)?;
        if let Some(pf) = &self.prefetch {
            pf.finish(b, take)?;
        }
        Ok(SeqEvents {
            tile_used,
            vector_used,
            chunk_moved: take,
        })
    }
}
