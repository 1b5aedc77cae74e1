//! The activation buffer: two banks of K_total activations, so the next
//! vector loads while the current one computes. x-word w writes elements
//! w·P … w·P+P−1 of the bank being loaded; a chunk read gives elements
//! c·K … c·K+K−1 of the bank being computed, 0 past K_total.
//!
//! In registers (`--buffer-memory registers`) each activation is a
//! register and a chunk is read through multiplexers. In block RAM
//! (`bram`) the banks are K/P memories side by side, each P·A bits wide:
//! x-word w goes to memory w mod K/P at row w div K/P, so one read of row
//! c in every memory is chunk c. The last x-word writes zeros past K_total
//! and into the memories after it. The read prefetches ([`bufmem`]).

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::ParamError;
use super::super::blocks::mux_tree;
use super::bufmem::{self, Reader};
use super::layout::Geometry;
use super::logic::{self, PingPong, Wrap};
use super::params::BufferMemory;

/// The activation buffer's signals.
#[derive(Debug, Clone)]
pub struct ActBuffer {
    /// `x_ready`.
    pub ready: SignalId,
    /// The first x-word of a vector is taken on this edge.
    pub first: SignalId,
    /// The bank being computed holds a whole vector.
    pub valid: SignalId,
    banks: PingPong,
    last: SignalId,
    store: Store,
}

/// Where the banks are.
#[derive(Debug, Clone)]
enum Store {
    Registers([Vec<SignalId>; 2]),
    Bram(Bram),
}

/// The block-RAM banks and their read side.
#[derive(Debug, Clone)]
struct Bram {
    mems: Vec<(SignalId, usize)>,
    reader: Option<Reader>,
}

/// Checks that a block-RAM buffer suits the geometry.
pub fn check(g: &Geometry) -> Result<(), ParamError> {
    if !g.k.is_multiple_of(g.p) {
        return Err(ParamError::new(
            "x-lanes",
            g.p,
            format!(
                "--buffer-memory bram needs P to divide the tile's K ({}): use a divisor of K",
                g.k
            ),
        ));
    }
    bufmem::check("in-features", "chunks", g.chunks)
}

/// Declares the buffer; `gate` is 1 when the engine may take x-words.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    (valid, gate): (SignalId, SignalId),
    data: &[SignalId],
    memory: BufferMemory,
) -> Result<ActBuffer, BuildError> {
    let banks = PingPong::new(b, "xb", rst)?;
    let word = Wrap::new(b, "xb_word", g.x_words, rst)?;
    let free = logic::not(b, "xb_free", banks.write_full)?;
    let ready = logic::and(b, "x_ready_int", free, gate)?;
    let take = logic::and(b, "xb_take", ready, valid)?;
    let first = logic::eq_const(b, "xb_at_first", word.value, 0)?;
    let first = logic::and(b, "xb_first", take, first)?;
    let last = logic::and(b, "xb_last", take, word.last)?;
    word.step(b, take)?;
    let store = match memory {
        BufferMemory::Registers => Store::Registers(registers(b, g, &banks, take, &word, data)?),
        BufferMemory::Bram => Store::Bram(bram(b, g, rst, &banks, (take, last), data)?),
    };
    Ok(ActBuffer {
        ready,
        first,
        valid: banks.read_full,
        banks,
        last,
        store,
    })
}

/// One register per activation of each bank.
fn registers(
    b: &mut ModuleBuilder,
    g: &Geometry,
    banks: &PingPong,
    take: SignalId,
    word: &Wrap,
    data: &[SignalId],
) -> Result<[Vec<SignalId>; 2], BuildError> {
    let per_bank = banks.on_bank(b, "xb_take_bank", banks.write, take)?;
    let mut elems: [Vec<SignalId>; 2] = [Vec::new(), Vec::new()];
    for (bank, &en_bank) in per_bank.iter().enumerate() {
        for w in 0..g.x_words {
            let at = logic::eq_const(b, &format!("xb_at{w}"), word.value, w as i128)?;
            let en = logic::and(b, &format!("xb{bank}_we{w}"), en_bank, at)?;
            for (lane, &d) in data.iter().enumerate().take(g.k_total - w * g.p) {
                let k = w * g.p + lane;
                let r = b.register(&format!("xb{bank}_a{k}"), d, Some(en), None)?;
                elems[bank].push(r);
            }
        }
    }
    Ok(elems)
}

/// K/P block memories, written an x-word at a time.
fn bram(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    banks: &PingPong,
    (take, last): (SignalId, SignalId),
    data: &[SignalId],
) -> Result<Bram, BuildError> {
    let cols = g.k / g.p;
    let bits = bufmem::addr_bits(g.chunks);
    let col = bufmem::counter(b, "xb_col", cols, rst)?;
    let row = bufmem::counter(b, "xb_row", g.chunks, rst)?;
    let col_last = logic::eq_const(b, "xb_col_is_last", col, cols as i128 - 1)?;
    let row_up = logic::and(b, "xb_row_up", take, col_last)?;
    let col_wrap = logic::or(b, "xb_col_wrap", col_last, last)?;
    let col_clear = logic::and(b, "xb_col_clear", take, col_wrap)?;
    bufmem::step(b, col, take, col_clear)?;
    bufmem::step(b, row, row_up, last)?;
    let waddr = bufmem::addr(b, "xb_waddr", banks.write, row, bits)?;
    let lane_zero = b.constant("xb_lane_zero", Ty::signed(g.act_bits), 0)?;
    let live = g.k_total - (g.x_words - 1) * g.p;
    let last_col = (g.x_words - 1) % cols;
    let groups = bufmem::lane_groups(g.p, g.act_bits);
    let mut mems = Vec::with_capacity(cols * groups.len());
    for c in 0..cols {
        let at = logic::eq_const(b, &format!("xb_col_at{c}"), col, c as i128)?;
        let hit = if c > last_col {
            logic::or(b, &format!("xb_m{c}_pad"), at, last)?
        } else {
            at
        };
        let we = logic::and(b, &format!("xb_m{c}_we"), take, hit)?;
        for (i, lanes) in groups.iter().enumerate() {
            let name = format!("xb_m{c}_{i}");
            let word = b.concat(&format!("{name}_w"), &data[lanes.clone()], false)?;
            let ty = b.ty(word);
            let tail: Vec<SignalId> = lanes
                .clone()
                .map(|l| {
                    if c == last_col && l < live {
                        data[l]
                    } else {
                        lane_zero
                    }
                })
                .collect();
            let d = if c < last_col || (c == last_col && lanes.end <= live) {
                word
            } else {
                let tail = b.concat(&format!("{name}_tail"), &tail, false)?;
                b.mux(&format!("{name}_d"), ty, last, tail, word)?
            };
            let mem = bufmem::memory(b, &name, ty.width, g.chunks)?;
            b.block_write_port(mem, we, waddr, d)?;
            mems.push((mem, lanes.len()));
        }
    }
    Ok(Bram { mems, reader: None })
}

impl ActBuffer {
    /// The K activations of the current chunk of the bank being computed.
    /// `chunk` is the chunk counter; a move to the next chunk ends the
    /// vector when `chunk` is last and `tile_last` (if given) is 1.
    pub fn chunk(
        &mut self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        rst: SignalId,
        chunk: &Wrap,
        tile_last: Option<SignalId>,
    ) -> Result<Vec<SignalId>, BuildError> {
        let aty = Ty::signed(g.act_bits);
        match &mut self.store {
            Store::Registers(elems) => {
                let zero = b.constant("xb_zero", aty, 0)?;
                (0..g.k)
                    .map(|j| {
                        let mut pick = [zero; 2];
                        for (bank, elems) in elems.iter().enumerate() {
                            let items: Vec<SignalId> = (0..g.chunks)
                                .map(|c| elems.get(c * g.k + j).copied().unwrap_or(zero))
                                .collect();
                            pick[bank] = mux_tree(
                                b,
                                &format!("xb{bank}_rd{j}"),
                                ("s", "m"),
                                chunk.value,
                                &items,
                            )?;
                        }
                        b.mux(
                            &format!("xb_act{j}"),
                            aty,
                            self.banks.read,
                            pick[1],
                            pick[0],
                        )
                    })
                    .collect()
            }
            Store::Bram(bram) => {
                let bits = bufmem::addr_bits(g.chunks);
                let current = bufmem::addr(b, "xb_rcur", self.banks.read, chunk.value, bits)?;
                let ends = match tile_last {
                    Some(t) => logic::and(b, "xb_ends", chunk.last, t)?,
                    None => chunk.last,
                };
                let bank = b.xor("xb_rbank_next", Ty::BIT, self.banks.read, ends)?;
                let up = bufmem::inc(b, "xb_rchunk_inc", chunk.value)?;
                let ty = b.ty(chunk.value);
                let zero = b.constant("xb_rchunk_zero", ty, 0)?;
                let row = b.mux("xb_rchunk_next", ty, chunk.last, zero, up)?;
                let next = bufmem::addr(b, "xb_rnext", bank, row, bits)?;
                let reader = Reader::new(b, "xb", rst, self.banks.read_full, (current, next))?;
                bram.reader = Some(reader);
                let mut act = Vec::with_capacity(g.k);
                for (m, &(mem, lanes)) in bram.mems.iter().enumerate() {
                    let word = reader.read(b, &format!("xb_r{m}"), mem)?;
                    for l in 0..lanes {
                        let lo = l as u32 * g.act_bits;
                        let name = format!("xb_act{}", act.len());
                        act.push(b.slice(&name, word, lo, g.act_bits, true)?);
                    }
                }
                Ok(act)
            }
        }
    }

    /// Drives the bank flags: `release` ends the computation of the bank
    /// being computed, `moved` moves it to its next chunk.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        release: SignalId,
        moved: SignalId,
    ) -> Result<(), BuildError> {
        if let Store::Bram(Bram {
            reader: Some(reader),
            ..
        }) = &self.store
        {
            reader.finish(b, "xb", moved, self.banks.read_full)?;
        }
        self.banks.finish(b, "xb", self.last, release)
    }
}
