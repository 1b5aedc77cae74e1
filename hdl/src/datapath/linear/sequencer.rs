//! The sequencer: offers the core its beats, tile-outer and chunk-inner.
//! For each output tile the C chunks of the vector are one run (`in_last`
//! on the last chunk); the weight read address steps once a beat through
//! the words in use (T·C, or 2·C staging words in stream mode).

use crate::ir::{BuildError, ModuleBuilder, SignalId};

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
    /// The address as the store's address type.
    pub raddr: SignalId,
}

/// What the sequencer did on an edge.
#[derive(Debug, Clone, Copy)]
pub struct SeqEvents {
    /// The core took a beat that ended a tile's run.
    pub tile_used: SignalId,
    /// The core took the last beat of a vector.
    pub vector_used: SignalId,
}

/// Declares the counters; a beat is offered while `act_valid` and `weights_ok` are 1.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    act_valid: SignalId,
    weights_ok: SignalId,
    depth: usize,
) -> Result<Sequencer, BuildError> {
    let valid = logic::and(b, "sq_valid", act_valid, weights_ok)?;
    let chunk = Wrap::new(b, "sq_chunk", g.chunks, rst)?;
    let tile = Wrap::new(b, "sq_tile", g.tiles, rst)?;
    let addr = Wrap::new(b, "sq_addr", g.depth_used, rst)?;
    let raddr = b.resize("sq_raddr", addr.value, addr_ty(depth))?;
    Ok(Sequencer {
        valid,
        chunk,
        tile,
        addr,
        raddr,
    })
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
        Ok(SeqEvents {
            tile_used,
            vector_used,
        })
    }
}
