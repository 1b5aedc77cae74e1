//! Block-RAM pieces the activation and result buffers share: two banks
//! side by side in one address space (the bank is the address's top bit,
//! the row below it), counters that clear, and a prefetching read port
//! whose word is held while the consumer waits.
//!
//! A buffer reads, on every edge, the row its consumer needs after the edge
//! if it takes the current one (`next`) while its bank is full, else the
//! current row; `fresh` (a register) says the read port holds the current
//! row, otherwise the word of the edge before is held. So a word is offered
//! on the edge after its bank fills and every edge after a take, like the
//! registers it replaces, and no cycle is added.

use std::ops::Range;

use crate::ir::{
    BuildError, Collision, MAX_BLOCK_MEMORY_ADDR_BITS, MAX_WIDTH, ModuleBuilder, SignalId, Ty,
};

use super::super::ParamError;
use super::logic;

/// The address width of a memory of two banks of `rows` rows.
pub fn addr_bits(rows: usize) -> u32 {
    rows.next_power_of_two().max(2).trailing_zeros() + 1
}

/// Checks that two banks of `rows` rows fit a block memory and that the
/// first row differs from the last (so the edge that fills a bank never
/// writes the row read on it).
pub fn check(param: &'static str, what: &str, rows: usize) -> Result<(), ParamError> {
    if rows < 2 {
        return Err(ParamError::new(
            "buffer-memory",
            "bram",
            format!(
                "needs at least 2 {what} per vector, and this layer has {rows}: use --buffer-memory registers or a smaller tile"
            ),
        ));
    }
    if addr_bits(rows) > MAX_BLOCK_MEMORY_ADDR_BITS {
        return Err(ParamError::new(
            param,
            rows,
            format!(
                "two banks of {rows} {what} exceed the block memory's depth: use a larger tile"
            ),
        ));
    }
    Ok(())
}

/// `lanes` lanes of `bits` bits in groups of at most [`MAX_WIDTH`] bits, one block memory each.
pub fn lane_groups(lanes: usize, bits: u32) -> Vec<Range<usize>> {
    let per = (MAX_WIDTH / bits).max(1) as usize;
    (0..lanes)
        .step_by(per)
        .map(|lo| lo..(lo + per).min(lanes))
        .collect()
}

/// `{bank, row}`: the bank the top bit, the row (resized) below it.
pub fn addr(
    b: &mut ModuleBuilder,
    name: &str,
    bank: SignalId,
    row: SignalId,
    bits: u32,
) -> Result<SignalId, BuildError> {
    let row = b.resize(&format!("{name}_row"), row, Ty::unsigned(bits - 1))?;
    b.concat(name, &[row, bank], false)
}

/// A counter reset to 0, stepped by [`step`].
pub fn counter(
    b: &mut ModuleBuilder,
    name: &str,
    period: usize,
    rst: SignalId,
) -> Result<SignalId, BuildError> {
    let width = (usize::BITS - period.saturating_sub(1).leading_zeros()).max(1);
    b.reg(name, Ty::unsigned(width), Some((rst, 0)))
}

/// `value + 1`, in its own type.
pub fn inc(b: &mut ModuleBuilder, name: &str, value: SignalId) -> Result<SignalId, BuildError> {
    let ty = b.ty(value);
    let one = b.constant(&format!("{name}_one"), ty, 1)?;
    b.add(name, ty, value, one)
}

/// Drives `reg` to 0 on an edge where `clear` is 1, else one up where `en` is 1.
pub fn step(
    b: &mut ModuleBuilder,
    reg: SignalId,
    en: SignalId,
    clear: SignalId,
) -> Result<(), BuildError> {
    let name = b.name_of(reg).to_string();
    let ty = b.ty(reg);
    let up = inc(b, &format!("{name}_inc"), reg)?;
    let zero = b.constant(&format!("{name}_zero"), ty, 0)?;
    let next = b.mux(&format!("{name}_next"), ty, clear, zero, up)?;
    let any = logic::or(b, &format!("{name}_en"), en, clear)?;
    b.drive(reg, next, Some(any))
}

/// One block memory `name` of `width` bits, two banks of `rows` rows.
pub fn memory(
    b: &mut ModuleBuilder,
    name: &str,
    width: u32,
    rows: usize,
) -> Result<SignalId, BuildError> {
    let depth = 1u32 << addr_bits(rows);
    b.block_memory(name, Ty::unsigned(width), depth, Collision::DontCare, None)
}

/// The read side of a prefetching buffer.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// The address read on this edge.
    pub raddr: SignalId,
    /// The read port holds the current row.
    pub fresh: SignalId,
}

impl Reader {
    /// Reads `next` while `full`, else `current`.
    pub fn new(
        b: &mut ModuleBuilder,
        name: &str,
        rst: SignalId,
        full: SignalId,
        (current, next): (SignalId, SignalId),
    ) -> Result<Reader, BuildError> {
        let ty = b.ty(current);
        let raddr = b.mux(&format!("{name}_raddr"), ty, full, next, current)?;
        let fresh = logic::flag(b, &format!("{name}_fresh"), rst, false)?;
        Ok(Reader { raddr, fresh })
    }

    /// The word of `mem` at the current row (the port's, or the one held).
    pub fn read(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        mem: SignalId,
    ) -> Result<SignalId, BuildError> {
        let en = logic::bit(b, &format!("{name}_ren"), true)?;
        let rd = b.block_read(&format!("{name}_rd"), mem, self.raddr, en)?;
        self.hold(b, name, rd)
    }

    /// `word` when fresh, else the value of the edge before.
    pub fn hold(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        word: SignalId,
    ) -> Result<SignalId, BuildError> {
        let ty = b.ty(word);
        let held = b.reg(&format!("{name}_hold"), ty, None)?;
        let out = b.mux(&format!("{name}_cur"), ty, self.fresh, word, held)?;
        b.drive(held, out, None)?;
        Ok(out)
    }

    /// Drives `fresh`: 1 after an edge that `moved` the consumer on or where the bank was not `full`.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        moved: SignalId,
        full: SignalId,
    ) -> Result<(), BuildError> {
        let idle = logic::not(b, &format!("{name}_idle"), full)?;
        let fresh = logic::or(b, &format!("{name}_fresh_next"), moved, idle)?;
        b.drive(self.fresh, fresh, None)
    }
}
