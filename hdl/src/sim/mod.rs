//! The cycle simulator: it flattens a module once, compiles it into an
//! ordered list of word operations over slots, and runs `lanes` independent
//! copies of the design at once (one value per lane per slot, stored
//! contiguously), so thousands of random vectors run as a few hundred cycles.
//!
//! Every IR signal is at most 64 bits wide, so every value takes the fast
//! path (one `u64` per lane); wider buses exist only as vector ports, whose
//! elements are set and read one by one. Registers, memory words without
//! initial contents, block read ports and SPRAM words and outputs start at
//! 0 in every lane (Verilog starts them at X; cores reset or write them
//! before use).

mod exec;
mod flatten;
mod program;
mod vcd_dump;

use std::io::Write;

use crate::ir::{BuildError, Def, Dir, Module, SPRAM_ADDR_BITS, Ty, mask};

use exec::{Lanes, run_block_reads, run_comb, run_mem_writes, run_regs, run_sprams, store_rows};
use program::{MemWrite, Program};
use vcd_dump::VcdDump;

/// Why a design cannot be simulated, or a port misused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// Combinational ops feed back on themselves.
    #[error("combinational loop through `{signal}`; break it with a register")]
    CombinationalLoop {
        /// A signal on the loop.
        signal: String,
    },
    /// The design breaks a rule of [`crate::ir::verify`] (a module not
    /// made, or changed after, by the builder).
    #[error("the design cannot be simulated: {0}")]
    InvalidIr(#[from] BuildError),
    /// A port name that the top module does not have (in that direction).
    #[error("the design has no {dir} port `{name}`")]
    NoSuchPort {
        /// "input" or "output".
        dir: &'static str,
        /// The name asked for.
        name: String,
    },
    /// Zero lanes asked for.
    #[error("a simulation needs at least one lane")]
    NoLanes,
    /// Writing a VCD file failed.
    #[error("writing the VCD dump failed: {0}")]
    Vcd(String),
}

/// A top-level port of the simulated design: its element type and one slot per element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortHandle {
    /// Port name.
    pub name: String,
    /// Type of one element.
    pub elem: Ty,
    slots: Vec<u32>,
}

impl PortHandle {
    /// Number of elements (1 for a scalar port).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True for a port without elements (never produced by the builder).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// A running simulation of one design in `lanes` independent copies.
pub struct Sim {
    program: Program,
    ports: Vec<(String, Dir, Ty, Vec<u32>)>,
    /// The slots a VCD dump shows (every signal but memories), with their names.
    names: Vec<(usize, String, Ty)>,
    lanes: usize,
    values: Vec<u64>,
    reg_next: Vec<u64>,
    mems: Vec<Vec<u64>>,
    /// Next values of the block read ports, then of the SPRAM outputs.
    read_next: Vec<u64>,
    spram_words: Vec<Vec<u64>>,
    dirty: bool,
    cycle: u64,
    vcd: Option<VcdDump>,
}

impl Sim {
    /// Verifies ([`Module::verify`]), flattens and compiles `top` for
    /// `lanes` parallel copies.
    pub fn new(top: &Module, lanes: usize) -> Result<Sim, SimError> {
        if lanes == 0 {
            return Err(SimError::NoLanes);
        }
        top.verify()?;
        let flat = flatten::flatten(top)?;
        let program = program::compile(&flat)?;
        let mut values = vec![0u64; flat.slots.len() * lanes];
        for &(slot, v) in &program.consts {
            values[slot as usize * lanes..][..lanes].fill(v);
        }
        let reg_next = vec![0u64; program.regs.len() * lanes];
        let mems = program
            .mems
            .iter()
            .map(|w| initial_words(w, lanes))
            .collect();
        let read_next = vec![0u64; (program.block_reads.len() + program.sprams.len()) * lanes];
        let spram_words = program
            .sprams
            .iter()
            .map(|_| vec![0u64; (1usize << SPRAM_ADDR_BITS) * lanes])
            .collect();
        Ok(Sim {
            mems,
            read_next,
            spram_words,
            names: flat
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| !matches!(s.def, Def::Memory { .. } | Def::BlockMemory { .. }))
                .map(|(i, s)| (i, s.name.clone(), s.ty))
                .collect(),
            ports: flat.ports,
            program,
            lanes,
            values,
            reg_next,
            dirty: true,
            cycle: 0,
            vcd: None,
        })
    }

    /// Number of parallel copies.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// Clock edges taken so far.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Number of combinational word operations run per cycle.
    pub fn op_count(&self) -> usize {
        self.program.comb.len()
            + self.program.regs.len()
            + self.program.block_reads.len()
            + self.program.sprams.len()
    }

    /// The input port `name`.
    pub fn input(&self, name: &str) -> Result<PortHandle, SimError> {
        self.port(name, Dir::Input, "input")
    }

    /// The output port `name`.
    pub fn output(&self, name: &str) -> Result<PortHandle, SimError> {
        self.port(name, Dir::Output, "output")
    }

    fn port(&self, name: &str, dir: Dir, word: &'static str) -> Result<PortHandle, SimError> {
        self.ports
            .iter()
            .find(|(n, d, _, _)| n == name && *d == dir)
            .map(|(n, _, ty, slots)| PortHandle {
                name: n.clone(),
                elem: *ty,
                slots: slots.clone(),
            })
            .ok_or_else(|| SimError::NoSuchPort {
                dir: word,
                name: name.into(),
            })
    }

    /// Sets element `elem` of an input port in one lane to a bit pattern (masked to the width).
    pub fn set(&mut self, port: &PortHandle, elem: usize, lane: usize, bits: u64) {
        self.values[port.slots[elem] as usize * self.lanes + lane] = bits & mask(port.elem.width);
        self.dirty = true;
    }

    /// Sets element `elem` of an input port in one lane to an integer value (wrapped to the width).
    pub fn set_value(&mut self, port: &PortHandle, elem: usize, lane: usize, value: i64) {
        self.set(port, elem, lane, value as u64);
    }

    /// Sets element `elem` of an input port in every lane at once (`bits[lane]`).
    pub fn set_lanes(&mut self, port: &PortHandle, elem: usize, bits: &[u64]) {
        let m = mask(port.elem.width);
        let row = &mut self.values[port.slots[elem] as usize * self.lanes..][..self.lanes];
        for (o, &b) in row.iter_mut().zip(bits) {
            *o = b & m;
        }
        self.dirty = true;
    }

    /// The bit pattern of element `elem` of a port in one lane (after settling).
    pub fn get(&mut self, port: &PortHandle, elem: usize, lane: usize) -> u64 {
        self.eval();
        self.values[port.slots[elem] as usize * self.lanes + lane]
    }

    /// The integer value of element `elem` of a port in one lane, by its signedness.
    pub fn get_value(&mut self, port: &PortHandle, elem: usize, lane: usize) -> i64 {
        let bits = self.get(port, elem, lane);
        port.elem.decode(bits) as i64
    }

    /// Element `elem` of a port in every lane (after settling).
    pub fn get_lanes(&mut self, port: &PortHandle, elem: usize) -> &[u64] {
        self.eval();
        &self.values[port.slots[elem] as usize * self.lanes..][..self.lanes]
    }

    /// Settles the combinational logic for the current inputs and register values.
    pub fn eval(&mut self) {
        if self.dirty {
            run_comb(
                &Lanes::new(&mut self.values, self.lanes),
                &self.program.comb,
                &self.mems,
            );
            self.dirty = false;
        }
    }

    /// One rising clock edge: settle, record the VCD sample, load every
    /// block read port and SPRAM output from the words before the edge,
    /// store every memory and SPRAM write, update every register.
    pub fn tick(&mut self) -> Result<(), SimError> {
        self.eval();
        if let Some(vcd) = &mut self.vcd {
            vcd.sample(self.cycle, &self.values, self.lanes)
                .map_err(|e| SimError::Vcd(e.to_string()))?;
        }
        let lanes = Lanes::new(&mut self.values, self.lanes);
        let p = &self.program;
        let (reads, sprams) = self
            .read_next
            .split_at_mut(p.block_reads.len() * self.lanes);
        run_block_reads(&lanes, &p.block_reads, &self.mems, reads);
        run_sprams(&lanes, &p.sprams, &mut self.spram_words, sprams);
        run_mem_writes(&lanes, &p.mems, &mut self.mems);
        run_regs(&lanes, &p.regs, &mut self.reg_next);
        let read_slots = p.block_reads.iter().map(|r| r.q);
        let spram_slots = p.sprams.iter().map(|s| s.q);
        store_rows(&lanes, read_slots.chain(spram_slots), &self.read_next);
        self.cycle += 1;
        self.dirty = true;
        Ok(())
    }

    /// Starts a VCD dump of every signal of one lane, sampled at each `tick`.
    pub fn dump_vcd(&mut self, lane: usize, out: Box<dyn Write + Send>) -> Result<(), SimError> {
        let lane = lane.min(self.lanes - 1);
        let dump =
            VcdDump::new(out, &self.names, lane).map_err(|e| SimError::Vcd(e.to_string()))?;
        self.vcd = Some(dump);
        Ok(())
    }

    /// Ends the VCD dump, flushing it.
    pub fn finish_vcd(&mut self) -> Result<(), SimError> {
        match self.vcd.take() {
            Some(v) => v
                .finish(self.cycle)
                .map_err(|e| SimError::Vcd(e.to_string())),
            None => Ok(()),
        }
    }
}

/// The words of one memory store at the start: its initial words in every
/// lane (word `w` of lane `l` at `w * lanes + l`), 0 past them.
fn initial_words(w: &MemWrite, lanes: usize) -> Vec<u64> {
    let mut words = vec![0u64; w.depth * lanes];
    for (row, &v) in words
        .chunks_exact_mut(lanes)
        .zip(w.init.iter().flat_map(|i| i.iter()))
    {
        row.fill(v);
    }
    words
}
