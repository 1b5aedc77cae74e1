//! The accumulator memory of the activation-stationary order: the partial
//! sums of all N_total outputs between chunks, one LUT-RAM bank per row of
//! the tile, T words deep (word t: tile t's row), asynchronous read.
//!
//! The core gives one result per beat, in beat order (chunk-outer,
//! tile-inner). A result of chunk 0 is stored as it is, of chunks 1 … C−2
//! added to the stored one (read, add and write on one edge), and of the
//! last chunk added and passed on to the drain instead of stored, so only
//! the last chunk's results wait for a free drain bank.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::ParamError;
use super::layout::Geometry;
use super::logic::{self, Wrap};
use super::store::MAX_DEPTH;

/// The accumulator's counters and the core's `out_ready`.
#[derive(Debug, Clone)]
pub struct Accumulator {
    /// `out_ready` of the core.
    pub core_ready: SignalId,
    /// The tile and chunk of the result at the core's output (none with one chunk).
    at: Option<(Wrap, Wrap)>,
}

/// Most tiles the accumulator holds (one LUT-RAM word a tile).
pub const MAX_TILES: usize = MAX_DEPTH;

/// Checks that the accumulator holds the layer's tiles.
pub fn check(g: &Geometry) -> Result<(), ParamError> {
    if g.chunks > 1 && g.tiles > MAX_TILES {
        return Err(ParamError::new(
            "out-features",
            g.n_total,
            format!(
                "the activation-stationary accumulator holds at most {MAX_TILES} tiles of N rows, and {} are needed: use a larger --n",
                g.tiles
            ),
        ));
    }
    Ok(())
}

/// Declares the counters; `drain_ready` is 1 when the drain takes a tile's results.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    drain_ready: SignalId,
) -> Result<Accumulator, BuildError> {
    if g.chunks == 1 {
        return Ok(Accumulator {
            core_ready: drain_ready,
            at: None,
        });
    }
    let tile = Wrap::new(b, "ac_tile", g.tiles, rst)?;
    let chunk = Wrap::new(b, "ac_chunk", g.chunks, rst)?;
    let partial = logic::not(b, "ac_partial", chunk.last)?;
    let core_ready = logic::or(b, "ac_core_ready", partial, drain_ready)?;
    Ok(Accumulator {
        core_ready,
        at: Some((tile, chunk)),
    })
}

impl Accumulator {
    /// Takes the core's `out_valid` and `out_y` (N results of type `acc`) and
    /// returns what the drain collects: a valid on the last chunk's results, and their sums.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        acc: Ty,
        out_valid: SignalId,
        out_y: &[SignalId],
    ) -> Result<(SignalId, Vec<SignalId>), BuildError> {
        let Some((tile, chunk)) = &self.at else {
            return Ok((out_valid, out_y.to_vec()));
        };
        let take = logic::and(b, "ac_take", out_valid, self.core_ready)?;
        let partial = logic::not(b, "ac_store", chunk.last)?;
        let we = logic::and(b, "ac_we", take, partial)?;
        let depth = b.ty(tile.value).width.max(1);
        let addr = b.resize("ac_addr", tile.value, Ty::unsigned(depth))?;
        let first = logic::eq_const(b, "ac_first", chunk.value, 0)?;
        let zero = b.constant("ac_zero", acc, 0)?;
        let mut sums = Vec::with_capacity(out_y.len());
        for (i, &y) in out_y.iter().enumerate() {
            let mem = b.memory(&format!("ac_r{i}"), acc, 1 << depth)?;
            let stored = b.mem_read(&format!("ac_r{i}_rd"), mem, addr)?;
            let base = b.mux(&format!("ac_base{i}"), acc, first, zero, stored)?;
            let sum = b.add(&format!("ac_sum{i}"), acc, base, y)?;
            b.write_port(mem, we, addr, sum)?;
            sums.push(sum);
        }
        let chunk_end = logic::and(b, "ac_chunk_end", take, tile.last)?;
        tile.step(b, take)?;
        chunk.step(b, chunk_end)?;
        let valid = logic::and(b, "ac_valid", out_valid, chunk.last)?;
        Ok((valid, sums))
    }
}
