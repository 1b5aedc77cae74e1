//! Results: the core's tile results are collected into one of two banks of
//! N_total results, and a full bank is drained as ⌈N_total/Q⌉ y-words
//! while the other collects the next vector. Rows past N_total of the last
//! tile are dropped; y elements past N_total are 0.
//!
//! In registers (`--buffer-memory registers`) each result is a register
//! read through multiplexers. In block RAM (`bram`) the banks are N/Q
//! memories side by side, each Q·ACC bits wide: tile t is row t of every
//! memory, and y-word w is memory w mod N/Q at row w div N/Q (the rows of
//! the last tile past N_total written as 0). The read prefetches ([`bufmem`]).

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::ParamError;
use super::super::blocks::mux_tree;
use super::bufmem::{self, Reader};
use super::layout::Geometry;
use super::logic::{self, PingPong, Wrap};
use super::params::BufferMemory;

/// The result side's outputs.
#[derive(Debug, Clone)]
pub struct Drain {
    /// `out_ready` of the core.
    pub core_ready: SignalId,
    /// `y_valid`.
    pub valid: SignalId,
    /// `y_last`.
    pub last: SignalId,
    /// `y_data` elements.
    pub data: Vec<SignalId>,
    /// The last y-word of a vector is taken on this edge.
    pub done: SignalId,
    banks: PingPong,
    tile: Wrap,
    mems: Vec<SignalId>,
}

/// Checks that a block-RAM buffer suits the geometry.
pub fn check(g: &Geometry) -> Result<(), ParamError> {
    if !g.n.is_multiple_of(g.q) {
        return Err(ParamError::new(
            "y-lanes",
            g.q,
            format!(
                "--buffer-memory bram needs Q to divide the tile's N ({}): use a divisor of N",
                g.n
            ),
        ));
    }
    bufmem::check("out-features", "tiles", g.tiles)
}

/// Declares the banks and the drain; `y_ready` is the consumer's ready.
/// The registers (none in block RAM) are given to [`Drain::finish`].
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    acc: Ty,
    y_ready: SignalId,
    memory: BufferMemory,
) -> Result<(Drain, Vec<[SignalId; 2]>), BuildError> {
    let banks = PingPong::new(b, "yb", rst)?;
    let tile = Wrap::new(b, "yb_tile", g.tiles, rst)?;
    let word = Wrap::new(b, "yb_word", g.y_words, rst)?;
    let core_ready = logic::not(b, "yb_core_ready", banks.write_full)?;
    let (data, regs, mems, take) = match memory {
        BufferMemory::Registers => {
            let (data, regs) = registers(b, g, &banks, acc, &word)?;
            let take = logic::and(b, "yb_take", banks.read_full, y_ready)?;
            (data, regs, Vec::new(), take)
        }
        BufferMemory::Bram => {
            let take = logic::and(b, "yb_take", banks.read_full, y_ready)?;
            let (data, mems) = bram(b, g, rst, &banks, acc, (&word, take))?;
            (data, Vec::new(), mems, take)
        }
    };
    let done = logic::and(b, "yb_done", take, word.last)?;
    word.step(b, take)?;
    let drain = Drain {
        core_ready,
        valid: banks.read_full,
        last: word.last,
        data,
        done,
        banks,
        tile,
        mems,
    };
    Ok((drain, regs))
}

type Words = (Vec<SignalId>, Vec<[SignalId; 2]>);

/// One register per result of each bank; y-words through multiplexers.
fn registers(
    b: &mut ModuleBuilder,
    g: &Geometry,
    banks: &PingPong,
    acc: Ty,
    word: &Wrap,
) -> Result<Words, BuildError> {
    let regs: Vec<[SignalId; 2]> = (0..g.n_total)
        .map(|n| {
            Ok([
                b.reg(&format!("yb0_y{n}"), acc, None)?,
                b.reg(&format!("yb1_y{n}"), acc, None)?,
            ])
        })
        .collect::<Result<_, BuildError>>()?;
    let zero = b.constant("yb_zero", acc, 0)?;
    let data = (0..g.q)
        .map(|e| {
            let mut pick = [zero; 2];
            for (bank, p) in pick.iter_mut().enumerate() {
                let items: Vec<SignalId> = (0..g.y_words)
                    .map(|w| regs.get(w * g.q + e).map_or(zero, |r| r[bank]))
                    .collect();
                *p = mux_tree(
                    b,
                    &format!("yb{bank}_rd{e}"),
                    ("s", "m"),
                    word.value,
                    &items,
                )?;
            }
            b.mux(&format!("yb_y{e}"), acc, banks.read, pick[1], pick[0])
        })
        .collect::<Result<_, BuildError>>()?;
    Ok((data, regs))
}

/// N/Q block memories read a row at a time, the y-word picked from the row.
fn bram(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    banks: &PingPong,
    acc: Ty,
    (word, take): (&Wrap, SignalId),
) -> Result<(Vec<SignalId>, Vec<SignalId>), BuildError> {
    let cols = g.n / g.q;
    let bits = bufmem::addr_bits(g.tiles);
    let col = bufmem::counter(b, "yb_col", cols, rst)?;
    let row = bufmem::counter(b, "yb_row", g.tiles, rst)?;
    let col_last = logic::eq_const(b, "yb_col_is_last", col, cols as i128 - 1)?;
    let done = logic::and(b, "yb_rdone", take, word.last)?;
    let row_up = logic::and(b, "yb_row_up", take, col_last)?;
    let col_wrap = logic::or(b, "yb_col_wrap", col_last, word.last)?;
    let col_clear = logic::and(b, "yb_col_clear", take, col_wrap)?;
    bufmem::step(b, col, take, col_clear)?;
    bufmem::step(b, row, row_up, done)?;
    let current = bufmem::addr(b, "yb_rcur", banks.read, row, bits)?;
    let rty = b.ty(row);
    let up = bufmem::inc(b, "yb_rrow_inc", row)?;
    let stay = b.mux("yb_rrow_step", rty, col_last, up, row)?;
    let zero = b.constant("yb_rrow_zero", rty, 0)?;
    let next_row = b.mux("yb_rrow_next", rty, word.last, zero, stay)?;
    let bank = b.xor("yb_rbank_next", Ty::BIT, banks.read, word.last)?;
    let next = bufmem::addr(b, "yb_rnext", bank, next_row, bits)?;
    let reader = Reader::new(b, "yb", rst, banks.read_full, (current, next))?;
    let en = logic::bit(b, "yb_ren", true)?;
    let groups = bufmem::lane_groups(g.q, acc.width);
    let mut mems = Vec::with_capacity(cols * groups.len());
    let mut data = Vec::with_capacity(g.q);
    for (i, lanes) in groups.iter().enumerate() {
        let width = acc.width * lanes.len() as u32;
        let mut rows = Vec::with_capacity(cols);
        for c in 0..cols {
            let mem = bufmem::memory(b, &format!("yb_m{c}_{i}"), width, g.tiles)?;
            rows.push(b.block_read(&format!("yb_m{c}_{i}_rd"), mem, reader.raddr, en)?);
            mems.push(mem);
        }
        let picked = mux_tree(b, &format!("yb_pick{i}"), ("s", "m"), col, &rows)?;
        let held = reader.hold(b, &format!("yb_word{i}"), picked)?;
        for (l, e) in lanes.clone().enumerate() {
            let lo = l as u32 * acc.width;
            data.push(b.slice(&format!("yb_y{e}"), held, lo, acc.width, acc.signed)?);
        }
    }
    reader.finish(b, "yb", take, banks.read_full)?;
    Ok((data, mems))
}

impl Drain {
    /// Collects the core's results: `out_valid`, `out_y` (N elements) into `regs` or the block RAM.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        out_valid: SignalId,
        out_y: &[SignalId],
        regs: &[[SignalId; 2]],
    ) -> Result<(), BuildError> {
        let take = logic::and(b, "yb_collect", out_valid, self.core_ready)?;
        if self.mems.is_empty() {
            self.collect_registers(b, g, take, out_y, regs)?;
        } else {
            self.collect_bram(b, g, take, out_y)?;
        }
        let vector = logic::and(b, "yb_vector", take, self.tile.last)?;
        self.tile.step(b, take)?;
        self.banks.finish(b, "yb", vector, self.done)
    }

    fn collect_registers(
        &self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        take: SignalId,
        out_y: &[SignalId],
        regs: &[[SignalId; 2]],
    ) -> Result<(), BuildError> {
        let per_bank = self
            .banks
            .on_bank(b, "yb_collect_bank", self.banks.write, take)?;
        for t in 0..g.tiles {
            let at = logic::eq_const(b, &format!("yb_at{t}"), self.tile.value, t as i128)?;
            for (bank, &en_bank) in per_bank.iter().enumerate() {
                let en = logic::and(b, &format!("yb{bank}_we{t}"), en_bank, at)?;
                for i in 0..g.n.min(g.n_total - t * g.n) {
                    b.drive(regs[t * g.n + i][bank], out_y[i], Some(en))?;
                }
            }
        }
        Ok(())
    }

    /// Tile t into row t of the bank being collected, rows past N_total as 0.
    fn collect_bram(
        &self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        take: SignalId,
        out_y: &[SignalId],
    ) -> Result<(), BuildError> {
        let bits = bufmem::addr_bits(g.tiles);
        let waddr = bufmem::addr(b, "yb_waddr", self.banks.write, self.tile.value, bits)?;
        let ty = b.ty(out_y[0]);
        let zero = b.constant("yb_wzero", ty, 0)?;
        let groups = bufmem::lane_groups(g.q, b.ty(out_y[0]).width);
        let cols = g.n / g.q;
        for (i, lanes) in groups.iter().enumerate() {
            for c in 0..cols {
                let parts = lanes
                    .clone()
                    .map(|e| {
                        let r = c * g.q + e;
                        if r < g.last_tile_rows {
                            return Ok(out_y[r]);
                        }
                        let name = format!("yb_m{c}_{i}_y{e}");
                        b.mux(&name, ty, self.tile.last, zero, out_y[r])
                    })
                    .collect::<Result<Vec<_>, BuildError>>()?;
                let d = b.concat(&format!("yb_m{c}_{i}_d"), &parts, false)?;
                b.block_write_port(self.mems[i * cols + c], take, waddr, d)?;
            }
        }
        Ok(())
    }
}
