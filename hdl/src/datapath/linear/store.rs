//! The weight memory behind one small interface, [`WeightStore`]: a bank
//! is one unit wide and `depth` words deep, with one write port and one
//! read port. LUT RAM and registers read asynchronously (latency 0); block
//! RAM and SPRAM read synchronously (`read_latency` 1: the word of the
//! address given on one edge is on the read port after it).

use crate::ir::{
    BuildError, CmpOp, Collision, MAX_BLOCK_MEMORY_ADDR_BITS, MAX_MEMORY_ADDR_BITS, ModuleBuilder,
    SPRAM_ADDR_BITS, SPRAM_MASK_BITS, SPRAM_WORD_BITS, SignalId, SpramPorts, Ty,
};

use super::super::ParamError;
use super::super::blocks::mux_tree;
use super::logic;
use super::params::WeightMemory;

/// One bank's write port for one edge.
#[derive(Debug, Clone, Copy)]
pub struct BankWrite {
    /// Store `data` at `addr` on this edge.
    pub en: SignalId,
    /// Word address.
    pub addr: SignalId,
    /// The unit to store (unsigned, a unit wide).
    pub data: SignalId,
}

/// A kind of weight memory.
pub trait WeightStore {
    /// Cycles from an address to its word on the read port (0: asynchronous).
    fn read_latency(&self) -> u32;
    /// Words per bank (a power of two at least the words used).
    fn depth(&self) -> usize;
    /// Makes one bank `name` one unit wide, writes it through `w`, and returns the word at `raddr`.
    fn bank(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        w: BankWrite,
        raddr: SignalId,
    ) -> Result<SignalId, BuildError>;
}

/// Most words a LUT RAM or register bank holds in this version (the IR memory's address limit).
pub const MAX_DEPTH: usize = 1 << MAX_MEMORY_ADDR_BITS;

/// Most words a block-RAM bank holds (the IR block memory's address limit).
pub const MAX_BRAM_DEPTH: usize = 1 << MAX_BLOCK_MEMORY_ADDR_BITS;

/// Most words an SPRAM bank holds (one SB_SPRAM256KA's depth).
pub const MAX_SPRAM_DEPTH: usize = 1 << SPRAM_ADDR_BITS;

/// The most words a bank of `kind` holds.
pub fn max_depth(kind: WeightMemory) -> usize {
    match kind {
        WeightMemory::Bram => MAX_BRAM_DEPTH,
        WeightMemory::Spram => MAX_SPRAM_DEPTH,
        _ => MAX_DEPTH,
    }
}

/// SB_SPRAM256KA blocks side by side in one bank `unit_bits` wide.
pub fn spram_per_bank(unit_bits: u32) -> usize {
    unit_bits.div_ceil(SPRAM_WORD_BITS) as usize
}

/// The address type of a store `depth` words deep.
pub fn addr_ty(depth: usize) -> Ty {
    Ty::unsigned(depth.trailing_zeros().max(1))
}

/// The store for `kind` holding `used` words per bank, or why it cannot.
pub fn store_for(kind: WeightMemory, used: usize) -> Result<Box<dyn WeightStore>, ParamError> {
    let depth = used.next_power_of_two().max(2);
    let max = max_depth(kind);
    if depth > max {
        return Err(ParamError::new(
            "weight-memory",
            kind.name(),
            format!(
                "needs {used} words per bank (tiles × chunks; 2 × chunks in stream mode), at most {max} in this version: use a larger tile"
            ),
        ));
    }
    match kind {
        WeightMemory::Registers => Ok(Box::new(Registers { depth, used })),
        WeightMemory::Lutram | WeightMemory::Stream => Ok(Box::new(LutRam { depth })),
        WeightMemory::Bram => Ok(Box::new(BlockRam { depth })),
        WeightMemory::Spram => Ok(Box::new(Spram { depth })),
    }
}

/// LUT RAM banks (the IR memory, asynchronous read).
#[derive(Debug, Clone, Copy)]
pub struct LutRam {
    depth: usize,
}

impl WeightStore for LutRam {
    fn read_latency(&self) -> u32 {
        0
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
        let mem = b.memory(name, ty, self.depth as u32)?;
        b.write_port(mem, w.en, w.addr, w.data)?;
        b.mem_read(&format!("{name}_rd"), mem, raddr)
    }
}

/// Register banks: one register per word, read through a multiplexer tree.
#[derive(Debug, Clone, Copy)]
pub struct Registers {
    depth: usize,
    used: usize,
}

impl WeightStore for Registers {
    fn read_latency(&self) -> u32 {
        0
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
        let aty = b.ty(w.addr);
        let mut words = Vec::with_capacity(self.used);
        for a in 0..self.used {
            let at = b.constant(&format!("{name}_a{a}"), aty, a as i128)?;
            let hit = b.compare(&format!("{name}_hit{a}"), CmpOp::Eq, w.addr, at)?;
            let en = logic::and(b, &format!("{name}_we{a}"), w.en, hit)?;
            let r = b.reg(&format!("{name}_w{a}"), ty, None)?;
            b.drive(r, w.data, Some(en))?;
            words.push(r);
        }
        mux_tree(b, &format!("{name}_rd"), ("s", "m"), raddr, &words)
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
