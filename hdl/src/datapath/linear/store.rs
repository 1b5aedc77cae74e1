//! The weight memory behind one small interface, [`WeightStore`]: a bank
//! is one unit wide and `depth` words deep, with one write port and one
//! read port, read asynchronously (LUT RAM and registers). Block RAM and
//! SPRAM are packed into wide lanes instead ([`super::packed`]); their
//! store here is [`Beats`], the beat addresses only.

use crate::ir::{
    BuildError, CmpOp, MAX_BLOCK_MEMORY_ADDR_BITS, MAX_MEMORY_ADDR_BITS, ModuleBuilder,
    SPRAM_ADDR_BITS, SignalId, Ty,
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
        WeightMemory::Bram | WeightMemory::Spram => Ok(Box::new(Beats { depth })),
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

/// The beat addresses of a packed store (`bram`, `spram`): the packed
/// memory itself is [`super::packed`]; this only types the loader's beat
/// address and tells the sequencer that the beat's weights come with its
/// `valid` (no prefetch of its own).
#[derive(Debug, Clone, Copy)]
pub struct Beats {
    depth: usize,
}

impl WeightStore for Beats {
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
        _w: BankWrite,
        _raddr: SignalId,
    ) -> Result<SignalId, BuildError> {
        Err(BuildError::Invalid {
            module: b.module_name().into(),
            message: format!("`{name}`: a packed store has no per-unit banks"),
        })
    }
}
