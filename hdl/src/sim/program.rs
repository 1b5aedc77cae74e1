//! Compilation of the flat netlist into an ordered list of word operations.

use std::sync::Arc;

use crate::ir::{BinOp, CmpOp, Def, ReduceOp, UnOp, mask};

use super::SimError;
use super::flatten::Flat;

/// A slot read as an operand, with what it takes to sign-extend it to 64
/// bits: `ext(v) = (v ^ sign) - sign`, where `sign` is the operand's top bit
/// for a signed read and 0 for an unsigned one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operand {
    pub slot: u32,
    pub sign: u64,
}

impl Operand {
    fn new(slot: u32, width: u32, signed: bool) -> Self {
        Operand {
            slot,
            sign: if signed { 1u64 << (width - 1) } else { 0 },
        }
    }
}

/// One combinational word operation over all lanes.
#[derive(Debug, Clone)]
pub(crate) enum Instr {
    Bin {
        op: BinOp,
        dst: u32,
        a: Operand,
        b: Operand,
        mask: u64,
    },
    Add3 {
        dst: u32,
        a: Operand,
        b: Operand,
        c: Operand,
        mask: u64,
    },
    SelectAdd {
        dst: u32,
        a: Operand,
        nz: u32,
        neg: u32,
        b: Operand,
        /// The carry-in bit's slot, if any.
        cin: Option<u32>,
        mask: u64,
    },
    Un {
        op: UnOp,
        dst: u32,
        a: Operand,
        mask: u64,
    },
    Cmp {
        op: CmpOp,
        dst: u32,
        a: Operand,
        b: Operand,
    },
    Reduce {
        op: ReduceOp,
        dst: u32,
        a: u32,
        full: u64,
    },
    Shl {
        dst: u32,
        a: Operand,
        k: u32,
        mask: u64,
    },
    Shr {
        dst: u32,
        a: Operand,
        k: u32,
        mask: u64,
    },
    Slice {
        dst: u32,
        a: u32,
        lo: u32,
        mask: u64,
    },
    Concat {
        dst: u32,
        parts: Box<[(u32, u32)]>,
    },
    Extend {
        dst: u32,
        a: Operand,
        mask: u64,
    },
    Mux {
        dst: u32,
        sel: u32,
        t: Operand,
        f: Operand,
        mask: u64,
    },
    Rom {
        dst: u32,
        addr: u32,
        table: Arc<Vec<u64>>,
    },
    MemRead {
        dst: u32,
        addr: u32,
        /// Index into [`Program::mems`] and the simulator's memory stores.
        mem: usize,
    },
}

/// One register's update at the clock edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RegUpdate {
    pub q: u32,
    pub d: u32,
    pub en: Option<u32>,
    pub rst: Option<u32>,
    pub init: u64,
}

/// One memory's (or block memory's) write port at the clock edge, and its
/// initial words.
#[derive(Debug, Clone)]
pub(crate) struct MemWrite {
    pub depth: usize,
    pub data: u32,
    pub en: u32,
    pub addr: u32,
    pub init: Option<Arc<Vec<u64>>>,
}

/// One block memory read port's load at the clock edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockReadUpdate {
    pub q: u32,
    /// Index into [`Program::mems`] and the simulator's memory stores.
    pub mem: usize,
    pub addr: u32,
    pub en: u32,
}

/// One SPRAM's access at the clock edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpramUpdate {
    pub q: u32,
    pub addr: u32,
    pub data_in: u32,
    pub mask_wren: u32,
    pub wren: u32,
    pub chip_select: u32,
}

/// The compiled design.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub comb: Vec<Instr>,
    pub regs: Vec<RegUpdate>,
    pub mems: Vec<MemWrite>,
    pub block_reads: Vec<BlockReadUpdate>,
    pub sprams: Vec<SpramUpdate>,
    pub consts: Vec<(u32, u64)>,
}

/// True for a definition the compiler orders as a combinational op.
fn is_comb(d: &Def) -> bool {
    !matches!(
        d,
        Def::Input { .. }
            | Def::Const(_)
            | Def::Reg { .. }
            | Def::Memory { .. }
            | Def::BlockMemory { .. }
            | Def::BlockRead { .. }
            | Def::Spram { .. }
    )
}

/// Orders the combinational ops so each runs after its operands.
pub(crate) fn compile(flat: &Flat) -> Result<Program, SimError> {
    let n = flat.slots.len();
    // Memories and block memories in slot order: the n-th is store n.
    let mem_slots: Vec<u32> = (0..n as u32)
        .filter(|&i| {
            matches!(
                flat.slots[i as usize].def,
                Def::Memory { .. } | Def::BlockMemory { .. }
            )
        })
        .collect();
    let mut users: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut pending = vec![0usize; n];
    for (i, s) in flat.slots.iter().enumerate() {
        if !is_comb(&s.def) {
            continue;
        }
        for op in s.def.operands().into_iter().map(|o| o.0) {
            if is_comb(&flat.slots[op as usize].def) {
                users[op as usize].push(i as u32);
                pending[i] += 1;
            }
        }
    }
    let mut ready: Vec<u32> = (0..n as u32)
        .filter(|&i| is_comb(&flat.slots[i as usize].def) && pending[i as usize] == 0)
        .collect();
    ready.reverse();
    let mut order = Vec::new();
    while let Some(i) = ready.pop() {
        order.push(i);
        for &u in users[i as usize].iter().rev() {
            pending[u as usize] -= 1;
            if pending[u as usize] == 0 {
                ready.push(u);
            }
        }
    }
    let comb_count = flat.slots.iter().filter(|s| is_comb(&s.def)).count();
    if order.len() != comb_count {
        let stuck = (0..n)
            .find(|&i| is_comb(&flat.slots[i].def) && pending[i] > 0)
            .unwrap_or(0);
        return Err(SimError::CombinationalLoop {
            signal: flat.slots[stuck].name.clone(),
        });
    }

    let opnd = |slot: SignalSlot, signed: bool| {
        let ty = flat.slots[slot as usize].ty;
        Operand::new(slot, ty.width, signed)
    };
    let own = |slot: SignalSlot| opnd(slot, flat.slots[slot as usize].ty.signed);
    let comb = order
        .iter()
        .map(|&dst| {
            let s = &flat.slots[dst as usize];
            let m = mask(s.ty.width);
            match &s.def {
                Def::Binary(op, a, b) => Instr::Bin {
                    op: *op,
                    dst,
                    a: own(a.0),
                    b: own(b.0),
                    mask: m,
                },
                Def::Add3(a, b, c) => Instr::Add3 {
                    dst,
                    a: own(a.0),
                    b: own(b.0),
                    c: own(c.0),
                    mask: m,
                },
                Def::SelectAdd { a, nz, neg, b, cin } => Instr::SelectAdd {
                    dst,
                    a: own(a.0),
                    nz: nz.0,
                    neg: neg.0,
                    b: own(b.0),
                    cin: cin.map(|c| c.0),
                    mask: m,
                },
                Def::Unary(op, a) => Instr::Un {
                    op: *op,
                    dst,
                    a: own(a.0),
                    mask: m,
                },
                Def::Compare(op, a, b) => Instr::Cmp {
                    op: *op,
                    dst,
                    a: own(a.0),
                    b: own(b.0),
                },
                Def::Reduce(op, a) => Instr::Reduce {
                    op: *op,
                    dst,
                    a: a.0,
                    full: mask(flat.slots[a.0 as usize].ty.width),
                },
                Def::Shl(a, k) => Instr::Shl {
                    dst,
                    a: own(a.0),
                    k: *k,
                    mask: m,
                },
                Def::Shr(a, k) => Instr::Shr {
                    dst,
                    a: own(a.0),
                    k: *k,
                    mask: m,
                },
                Def::Slice { src, lo } => Instr::Slice {
                    dst,
                    a: src.0,
                    lo: *lo,
                    mask: m,
                },
                Def::Concat(parts) => {
                    let mut off = 0;
                    let parts = parts
                        .iter()
                        .map(|p| {
                            let at = off;
                            off += flat.slots[p.0 as usize].ty.width;
                            (p.0, at)
                        })
                        .collect();
                    Instr::Concat { dst, parts }
                }
                Def::Extend { src, sign } => Instr::Extend {
                    dst,
                    a: opnd(src.0, *sign),
                    mask: m,
                },
                Def::Mux {
                    sel,
                    then,
                    otherwise,
                } => Instr::Mux {
                    dst,
                    sel: sel.0,
                    t: own(then.0),
                    f: own(otherwise.0),
                    mask: m,
                },
                Def::Rom { addr, table } => Instr::Rom {
                    dst,
                    addr: addr.0,
                    table: table.clone(),
                },
                Def::MemRead { mem, addr } => Instr::MemRead {
                    dst,
                    addr: addr.0,
                    mem: mem_slots
                        .binary_search(&mem.0)
                        .expect("a verified design reads only memories"),
                },
                Def::Input { .. }
                | Def::Const(_)
                | Def::Reg { .. }
                | Def::Memory { .. }
                | Def::BlockMemory { .. }
                | Def::BlockRead { .. }
                | Def::Spram { .. }
                | Def::InstOut { .. } => {
                    unreachable!("only combinational ops are ordered")
                }
            }
        })
        .collect();
    let mems = mem_slots
        .iter()
        .map(|&i| match &flat.slots[i as usize].def {
            &Def::Memory {
                depth,
                data,
                en,
                addr,
            } => MemWrite {
                depth: depth as usize,
                data: data.0,
                en: en.0,
                addr: addr.0,
                init: None,
            },
            Def::BlockMemory {
                depth,
                data,
                en,
                addr,
                init,
                ..
            } => MemWrite {
                depth: *depth as usize,
                data: data.0,
                en: en.0,
                addr: addr.0,
                init: init.clone(),
            },
            _ => unreachable!("memory slots hold memories"),
        })
        .collect();
    let block_reads = flat
        .slots
        .iter()
        .enumerate()
        .filter_map(|(q, s)| match s.def {
            Def::BlockRead { mem, addr, en } => Some(BlockReadUpdate {
                q: q as u32,
                mem: mem_slots
                    .binary_search(&mem.0)
                    .expect("a verified design reads only block memories"),
                addr: addr.0,
                en: en.0,
            }),
            _ => None,
        })
        .collect();
    let sprams = flat
        .slots
        .iter()
        .enumerate()
        .filter_map(|(q, s)| match s.def {
            Def::Spram {
                addr,
                data_in,
                mask_wren,
                wren,
                chip_select,
            } => Some(SpramUpdate {
                q: q as u32,
                addr: addr.0,
                data_in: data_in.0,
                mask_wren: mask_wren.0,
                wren: wren.0,
                chip_select: chip_select.0,
            }),
            _ => None,
        })
        .collect();
    let regs = flat
        .slots
        .iter()
        .enumerate()
        .filter_map(|(q, s)| match s.def {
            Def::Reg { d, en, rst, init } => Some(RegUpdate {
                q: q as u32,
                d: d.0,
                en: en.map(|e| e.0),
                rst: rst.map(|r| r.0),
                init,
            }),
            _ => None,
        })
        .collect();
    let consts = flat
        .slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.def {
            Def::Const(v) => Some((i as u32, v)),
            _ => None,
        })
        .collect();
    Ok(Program {
        comb,
        regs,
        mems,
        block_reads,
        sprams,
        consts,
    })
}

type SignalSlot = u32;
