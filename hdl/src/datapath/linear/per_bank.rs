//! Block-RAM and SPRAM weight banks one unit wide, a bank per unit of a
//! beat, read at any beat address: the store of an activation-stationary
//! engine, whose tiles of a chunk are read out of address order (the packed
//! store, [`super::packed`], reads beats in address order only).

use crate::ir::{
    BuildError, Collision, ModuleBuilder, SPRAM_ADDR_BITS, SPRAM_MASK_BITS, SPRAM_WORD_BITS,
    SignalId, SpramPorts, Ty,
};

use super::super::ParamError;
use super::layout::Geometry;
use super::logic;
use super::params::WeightMemory;
use super::store::{self, BankWrite, WeightStore};

/// SB_SPRAM256KA blocks side by side in one bank `unit_bits` wide.
pub fn spram_per_bank(unit_bits: u32) -> usize {
    unit_bits.div_ceil(SPRAM_WORD_BITS) as usize
}

/// The SPRAM blocks of a per-bank store for `g` (0 unless `memory` is spram).
pub fn spram_blocks(g: &Geometry, memory: WeightMemory) -> usize {
    if memory != WeightMemory::Spram {
        return 0;
    }
    g.n * g.seg_units * spram_per_bank(g.unit_bits)
}

/// The per-bank store of `kind` for `used` words a bank: block RAM and
/// SPRAM here, the other kinds as [`store::store_for`] makes them.
pub fn store_for(kind: WeightMemory, used: usize) -> Result<Box<dyn WeightStore>, ParamError> {
    let checked = store::store_for(kind, used)?;
    let depth = checked.depth();
    match kind {
        WeightMemory::Bram => Ok(Box::new(BlockRam { depth })),
        WeightMemory::Spram => Ok(Box::new(Spram { depth })),
        _ => Ok(checked),
    }
}

/// Block-RAM banks: the IR block memory, registered read every edge.
///
/// `Collision::DontCare` holds because the engine reads only words written
/// on earlier edges: every write is during a load, while no beat is offered,
/// and the first beat after a load is at least two edges after its last write.
#[derive(Debug, Clone, Copy)]
pub struct BlockRam {
    depth: usize,
}

impl WeightStore for BlockRam {
    fn read_latency(&self) -> u32 {
        1
    }
    fn depth(&self) -> usize {
        self.depth
    }
    fn bank(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        w: BankWrite,
        raddr: SignalId,
    ) -> Result<SignalId, BuildError> {
        let ty = b.ty(w.data);
        let mem = b.block_memory(name, ty, self.depth as u32, Collision::DontCare, None)?;
        b.block_write_port(mem, w.en, w.addr, w.data)?;
        let en = logic::bit(b, &format!("{name}_ren"), true)?;
        b.block_read(&format!("{name}_rd"), mem, raddr, en)
    }
}

/// SPRAM banks: one SB_SPRAM256KA per 16 bits of the unit, side by side.
/// The SPRAM has one address: it takes the write address on an edge that
/// writes and the read address otherwise (its DATAOUT is then undefined,
/// and the engine does not use it: writes happen only during a load).
#[derive(Debug, Clone, Copy)]
pub struct Spram {
    depth: usize,
}

impl WeightStore for Spram {
    fn read_latency(&self) -> u32 {
        1
    }
    fn depth(&self) -> usize {
        self.depth
    }
    fn bank(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        w: BankWrite,
        raddr: SignalId,
    ) -> Result<SignalId, BuildError> {
        let bits = b.ty(w.data).width;
        let aty = Ty::unsigned(SPRAM_ADDR_BITS);
        let aty_in = b.ty(raddr);
        let at = b.mux(&format!("{name}_at"), aty_in, w.en, w.addr, raddr)?;
        let addr = b.resize(&format!("{name}_addr"), at, aty)?;
        let mask = b.constant(
            &format!("{name}_mask"),
            Ty::unsigned(SPRAM_MASK_BITS),
            (1 << SPRAM_MASK_BITS) - 1,
        )?;
        let cs = logic::bit(b, &format!("{name}_cs"), true)?;
        let mut parts = Vec::new();
        for i in 0..spram_per_bank(bits) as u32 {
            let lo = i * SPRAM_WORD_BITS;
            let width = SPRAM_WORD_BITS.min(bits - lo);
            let piece = b.slice(&format!("{name}_din{i}_s"), w.data, lo, width, false)?;
            let data_in = b.resize(
                &format!("{name}_din{i}"),
                piece,
                Ty::unsigned(SPRAM_WORD_BITS),
            )?;
            let out = b.spram(
                &format!("{name}_sp{i}"),
                SpramPorts {
                    addr,
                    data_in,
                    mask_wren: mask,
                    wren: w.en,
                    chip_select: cs,
                },
            )?;
            parts.push(b.slice(&format!("{name}_dout{i}"), out, 0, width, false)?);
        }
        join(b, name, &parts)
    }
}

/// The pieces of a word, lowest first, as one unsigned word.
fn join(b: &mut ModuleBuilder, name: &str, parts: &[SignalId]) -> Result<SignalId, BuildError> {
    if let [one] = parts {
        return Ok(*one);
    }
    b.concat(&format!("{name}_rd"), parts, false)
}
