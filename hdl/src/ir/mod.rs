//! The hardware IR: a small word-level netlist that is the one source of
//! truth for the simulator, the Verilog emitter and the FPGA flow.
//!
//! Semantics, exactly (the emitter and the simulator both follow this):
//! - Every signal has a width (1..=[`MAX_WIDTH`] bits) and a signedness. Its
//!   *value* is the integer its bits mean under that signedness.
//! - Arithmetic (`add`, `add3`, `sub`, `mul`, `neg`) and bitwise ops (`and`, `or`,
//!   `xor`, `not`) take the operands' values, extend each by its own
//!   signedness to the result width, compute, and keep the low result-width
//!   bits. Operands are never wider than the result: narrowing is an explicit
//!   [`Def::Slice`].
//! - `shl(k)` is value·2^k and `shr(k)` is ⌊value / 2^k⌋, both wrapped to the
//!   result width (so `shr` of a signed value is arithmetic).
//! - A select-add ([`Def::SelectAdd`]) is `((a XOR {W{neg}}) AND {W{nz}}) + b
//!   + cin` with `a` and `b` extended to the result width and `cin` (one
//!   bit, 0 when absent) in the carry chain, wrapped; the emitter builds it
//!   from ECP5 `CCU2C` carry cells.
//! - Comparisons compare the operands' exact values (mixed signedness is
//!   fine) and give one unsigned bit.
//! - Registers update on the rising edge of the module's `clk`; a
//!   synchronous reset has priority over the enable.
//! - A ROM gives `table[addr]`, or 0 where `addr` is past the table's end.
//! - A memory (LUT RAM) has `depth` = 2^(address bits) words of its signal's
//!   type and one write port: on the rising edge of `clk` where `en` is 1 it
//!   stores `data` at `addr`. A read port gives the word at its address
//!   combinationally (an asynchronous read), so a read in the cycle of a
//!   write sees the old word. Words start undefined (X in Verilog, 0 in the
//!   simulator): a design writes a word before it relies on reading it.
//! - A block memory (EBR, block RAM) has `depth` = 2^(address bits) words
//!   (up to 2^[`MAX_BLOCK_MEMORY_ADDR_BITS`]) and one write port like a
//!   memory's, and is read only through synchronous read ports
//!   ([`Def::BlockRead`]): a register that loads the word at its address on
//!   the rising edge where its enable is 1 and holds otherwise (0 in the
//!   simulator before its first load, X in Verilog). Its [`Collision`] rule
//!   says what a read gets on an edge that also writes its address:
//!   [`Collision::ReadFirst`] the old word; [`Collision::DontCare`] an
//!   undefined word (the simulator, Icarus and Verilator give the old word;
//!   the FPGA may not). Initial contents, when given, are the first words
//!   (the rest 0); without them words start undefined (X in Verilog, 0 in
//!   the simulator).
//! - An SPRAM ([`Def::Spram`]) is one iCE40 UltraPlus `SB_SPRAM256KA`:
//!   16 K words of 16 bits, one port, with STANDBY and SLEEP at 0 and
//!   POWEROFF at 1. On a rising edge where `chip_select` is 1: with `wren`
//!   at 0 the output register loads the word at `addr`; with `wren` at 1
//!   each nibble `i` whose `mask_wren[i]` is 1 is written from `data_in`
//!   and the output becomes undefined (X in Verilog, 0 in the simulator).
//!   With `chip_select` at 0 nothing changes. Words and the output start
//!   undefined (X in Verilog, 0 in the simulator).

mod builder;
mod error;
pub mod ident;
pub mod verify;

pub use builder::{InstanceOutputs, ModuleBuilder, SpramPorts};
pub use error::BuildError;

use std::sync::Arc;

/// Widest signal the IR carries; wider buses are vector ports of narrower elements.
pub const MAX_WIDTH: u32 = 64;

/// Most address bits of a memory (a LUT RAM is a few dozen words deep).
pub const MAX_MEMORY_ADDR_BITS: u32 = 10;

/// Most address bits of a block memory (64 K words).
pub const MAX_BLOCK_MEMORY_ADDR_BITS: u32 = 16;

/// Address bits of an SPRAM (16 K words).
pub const SPRAM_ADDR_BITS: u32 = 14;

/// Bits of an SPRAM word.
pub const SPRAM_WORD_BITS: u32 = 16;

/// Bits of an SPRAM write mask (one per nibble of a word).
pub const SPRAM_MASK_BITS: u32 = 4;

/// The type of every address of a block memory of `depth` words (unsigned,
/// log2(depth) bits), or `None` when `depth` is not a power of two from 2
/// to 2^[`MAX_BLOCK_MEMORY_ADDR_BITS`].
pub fn block_memory_address(depth: u32) -> Option<Ty> {
    (depth.is_power_of_two() && (2..=1 << MAX_BLOCK_MEMORY_ADDR_BITS).contains(&depth))
        .then(|| Ty::unsigned(depth.trailing_zeros()))
}

/// What a block memory's read gets on a clock edge that also writes its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collision {
    /// The word before the write (Yosys adds bypass logic where the RAM
    /// block cannot do it).
    ReadFirst,
    /// An undefined word: the design never relies on it, and Yosys maps the
    /// memory with no collision logic (`(* no_rw_check *)`).
    DontCare,
}

/// The type of every address of a memory of `depth` words (unsigned,
/// log2(depth) bits), or `None` when `depth` is not a power of two from 2
/// to 2^[`MAX_MEMORY_ADDR_BITS`].
pub fn memory_address(depth: u32) -> Option<Ty> {
    (depth.is_power_of_two() && (2..=1 << MAX_MEMORY_ADDR_BITS).contains(&depth))
        .then(|| Ty::unsigned(depth.trailing_zeros()))
}

/// Width and signedness of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ty {
    /// Number of bits, 1..=[`MAX_WIDTH`].
    pub width: u32,
    /// Two's complement when true, unsigned when false.
    pub signed: bool,
}

impl Ty {
    /// An unsigned type of `width` bits.
    pub const fn unsigned(width: u32) -> Ty {
        Ty {
            width,
            signed: false,
        }
    }

    /// A two's-complement type of `width` bits.
    pub const fn signed(width: u32) -> Ty {
        Ty {
            width,
            signed: true,
        }
    }

    /// One unsigned bit.
    pub const BIT: Ty = Ty::unsigned(1);

    /// Smallest value of the type.
    pub fn min_value(self) -> i128 {
        if self.signed {
            -(1i128 << (self.width - 1))
        } else {
            0
        }
    }

    /// Largest value of the type.
    pub fn max_value(self) -> i128 {
        if self.signed {
            (1i128 << (self.width - 1)) - 1
        } else {
            (1i128 << self.width) - 1
        }
    }

    /// The smallest signed type that holds every value in `lo..=hi`.
    pub fn signed_for_range(lo: i128, hi: i128) -> Ty {
        let mut w = 1;
        while !(Ty::signed(w).min_value() <= lo && hi <= Ty::signed(w).max_value()) {
            w += 1;
        }
        Ty::signed(w)
    }

    /// The bit pattern of `value` in this type, or `None` when it does not fit.
    pub fn encode(self, value: i128) -> Option<u64> {
        (self.min_value() <= value && value <= self.max_value())
            .then(|| (value as u64) & mask(self.width))
    }

    /// The value a bit pattern means in this type.
    pub fn decode(self, bits: u64) -> i128 {
        let bits = bits & mask(self.width);
        if self.signed && self.width < 128 && (bits >> (self.width - 1)) & 1 == 1 {
            bits as i128 - (1i128 << self.width)
        } else {
            bits as i128
        }
    }
}

/// Low `width` bits set (`width` ≤ 64).
pub fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Index of a signal within its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalId(pub u32);

/// Index of an instance within its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstId(pub u32);

/// Two-operand arithmetic and bitwise operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// bitwise AND
    And,
    /// bitwise OR
    Or,
    /// bitwise XOR
    Xor,
}

/// One-operand operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// −a
    Neg,
    /// bitwise NOT
    Not,
}

/// Comparisons of exact values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// a = b
    Eq,
    /// a ≠ b
    Ne,
    /// a < b
    Lt,
    /// a ≤ b
    Le,
    /// a > b
    Gt,
    /// a ≥ b
    Ge,
}

/// Reductions of all bits of one operand to one bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// all bits set
    And,
    /// any bit set
    Or,
    /// odd number of bits set
    Xor,
}

/// What drives a signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    /// Element `elem` of input port `port`.
    Input {
        /// Index into [`Module::ports`].
        port: usize,
        /// Element within a vector port (0 for a scalar port).
        elem: usize,
    },
    /// A constant bit pattern.
    Const(u64),
    /// A one-operand op.
    Unary(UnOp, SignalId),
    /// A two-operand op.
    Binary(BinOp, SignalId, SignalId),
    /// a + b + c as one three-input adder (for LUT6 fabrics), wrapped.
    Add3(SignalId, SignalId, SignalId),
    /// `((a XOR {W{neg}}) AND {W{nz}}) + b`, wrapped: one operand's ternary
    /// select (activation `a`, weight bits `nz` and `neg`) fused into an
    /// adder, as ECP5 builds it: one `CCU2C` half per result bit, whose LUT4
    /// forms the propagate from (b, a, nz, neg) and whose generate is b's
    /// bit. `a` and `b` are extended by their own signedness to the result
    /// width W; `nz` and `neg` are one bit each. The emitter always
    /// instantiates `CCU2C` cells (simulate with Yosys' `ecp5/cells_sim.v`).
    SelectAdd {
        /// The selected operand (an activation).
        a: SignalId,
        /// One bit: the weight is non-zero (0 selects 0).
        nz: SignalId,
        /// One bit: the weight is −1 (selects NOT a, that is −a−1).
        neg: SignalId,
        /// The other addend.
        b: SignalId,
        /// One bit added through the chain's carry in, if any.
        cin: Option<SignalId>,
    },
    /// A comparison; the signal is one unsigned bit.
    Compare(CmpOp, SignalId, SignalId),
    /// A reduction; the signal is one unsigned bit.
    Reduce(ReduceOp, SignalId),
    /// value · 2^k, wrapped.
    Shl(SignalId, u32),
    /// ⌊value / 2^k⌋, wrapped.
    Shr(SignalId, u32),
    /// Bits `lo .. lo + width` of the source.
    Slice {
        /// Source signal.
        src: SignalId,
        /// Lowest bit taken.
        lo: u32,
    },
    /// Parts side by side, the first part in the lowest bits.
    Concat(Vec<SignalId>),
    /// The source extended to the signal's width: by copies of its top bit
    /// when `sign` is true, by zeros when false.
    Extend {
        /// Source signal.
        src: SignalId,
        /// Sign extension when true, zero extension when false.
        sign: bool,
    },
    /// `sel` = 1 chooses `then`, 0 chooses `otherwise` (each extended by its own signedness).
    Mux {
        /// One-bit selector.
        sel: SignalId,
        /// Chosen when `sel` is 1.
        then: SignalId,
        /// Chosen when `sel` is 0.
        otherwise: SignalId,
    },
    /// A constant table read combinationally.
    Rom {
        /// Unsigned address.
        addr: SignalId,
        /// Entries as bit patterns of the signal's type.
        table: Arc<Vec<u64>>,
    },
    /// A rising-edge register on the module's `clk`.
    Reg {
        /// Next value (same width as the register).
        d: SignalId,
        /// Loads `d` only when this bit is 1; always loads when absent.
        en: Option<SignalId>,
        /// Synchronous reset to `init` when this bit is 1 (priority over `en`).
        rst: Option<SignalId>,
        /// Reset value as a bit pattern.
        init: u64,
    },
    /// A memory of `depth` words of the signal's type with one synchronous
    /// write port; read it with [`Def::MemRead`].
    Memory {
        /// Number of words, a power of two (2^(address bits)).
        depth: u32,
        /// Word stored on the clock edge when `en` is 1.
        data: SignalId,
        /// One-bit write enable.
        en: SignalId,
        /// Unsigned word address of the write.
        addr: SignalId,
    },
    /// The word of memory `mem` at `addr`, read combinationally.
    MemRead {
        /// The [`Def::Memory`] signal.
        mem: SignalId,
        /// Unsigned word address.
        addr: SignalId,
    },
    /// A block memory of `depth` words of the signal's type with one
    /// synchronous write port; read it with [`Def::BlockRead`].
    BlockMemory {
        /// Number of words, a power of two (2^(address bits)).
        depth: u32,
        /// Word stored on the clock edge when `en` is 1.
        data: SignalId,
        /// One-bit write enable.
        en: SignalId,
        /// Unsigned word address of the write.
        addr: SignalId,
        /// What a read of the written address gets on the same edge.
        collision: Collision,
        /// The first words' initial bit patterns (the rest start at 0);
        /// `None`: words start undefined.
        init: Option<Arc<Vec<u64>>>,
    },
    /// A synchronous read port of block memory `mem`: a register of the
    /// memory's word type that loads the word at `addr` on the clock edge
    /// where `en` is 1.
    BlockRead {
        /// The [`Def::BlockMemory`] signal.
        mem: SignalId,
        /// Unsigned word address.
        addr: SignalId,
        /// One-bit read enable.
        en: SignalId,
    },
    /// One `SB_SPRAM256KA` (see the module docs); the signal is its
    /// registered 16-bit unsigned DATAOUT.
    Spram {
        /// Unsigned 14-bit word address.
        addr: SignalId,
        /// 16-bit write data.
        data_in: SignalId,
        /// 4-bit write mask, bit `i` for bits `[4i +: 4]`.
        mask_wren: SignalId,
        /// One bit: write (1) or read (0).
        wren: SignalId,
        /// One bit: the port acts on this edge only when it is 1.
        chip_select: SignalId,
    },
    /// Element `elem` of output port `port` of instance `inst`.
    InstOut {
        /// The instance.
        inst: InstId,
        /// Index into the child module's ports.
        port: usize,
        /// Element within a vector port.
        elem: usize,
    },
}

impl Def {
    /// The signals this definition reads, in a fixed order (for a register:
    /// `d`, then `en`, then `rst`; for a select-add: `a`, `nz`, `neg`, `b`; for a memory or block memory: `data`,
    /// `en`, `addr`; for a memory read: the memory, then `addr`; for a
    /// block read: the memory, `addr`, `en`; for an SPRAM: `addr`,
    /// `data_in`, `mask_wren`, `wren`, `chip_select`).
    pub fn operands(&self) -> Vec<SignalId> {
        match self {
            Def::Input { .. } | Def::Const(_) | Def::InstOut { .. } => vec![],
            Def::Unary(_, a) | Def::Reduce(_, a) | Def::Shl(a, _) | Def::Shr(a, _) => vec![*a],
            Def::Slice { src, .. } | Def::Extend { src, .. } => vec![*src],
            Def::Binary(_, a, b) | Def::Compare(_, a, b) => vec![*a, *b],
            Def::Add3(a, b, c) => vec![*a, *b, *c],
            Def::SelectAdd { a, nz, neg, b, cin } => {
                let mut v = vec![*a, *nz, *neg, *b];
                v.extend(*cin);
                v
            }
            Def::Concat(parts) => parts.clone(),
            Def::Mux {
                sel,
                then,
                otherwise,
            } => vec![*sel, *then, *otherwise],
            Def::Rom { addr, .. } => vec![*addr],
            Def::Memory { data, en, addr, .. } => vec![*data, *en, *addr],
            Def::MemRead { mem, addr } => vec![*mem, *addr],
            Def::BlockMemory { data, en, addr, .. } => vec![*data, *en, *addr],
            Def::BlockRead { mem, addr, en } => vec![*mem, *addr, *en],
            Def::Spram {
                addr,
                data_in,
                mask_wren,
                wren,
                chip_select,
            } => vec![*addr, *data_in, *mask_wren, *wren, *chip_select],
            Def::Reg { d, en, rst, .. } => {
                let mut v = vec![*d];
                v.extend(*en);
                v.extend(*rst);
                v
            }
        }
    }

    /// The same definition reading `f(s)` wherever it read `s`, visited in
    /// the order of [`Def::operands`].
    pub fn map_operands(&self, mut f: impl FnMut(SignalId) -> SignalId) -> Def {
        match self {
            Def::Input { .. } | Def::Const(_) | Def::InstOut { .. } => self.clone(),
            Def::Unary(op, a) => Def::Unary(*op, f(*a)),
            Def::Reduce(op, a) => Def::Reduce(*op, f(*a)),
            Def::Shl(a, k) => Def::Shl(f(*a), *k),
            Def::Shr(a, k) => Def::Shr(f(*a), *k),
            Def::Slice { src, lo } => Def::Slice {
                src: f(*src),
                lo: *lo,
            },
            Def::Extend { src, sign } => Def::Extend {
                src: f(*src),
                sign: *sign,
            },
            Def::Binary(op, a, b) => {
                let a = f(*a);
                Def::Binary(*op, a, f(*b))
            }
            Def::Compare(op, a, b) => {
                let a = f(*a);
                Def::Compare(*op, a, f(*b))
            }
            Def::Add3(a, b, c) => {
                let a = f(*a);
                let b = f(*b);
                Def::Add3(a, b, f(*c))
            }
            Def::SelectAdd { a, nz, neg, b, cin } => {
                let a = f(*a);
                let nz = f(*nz);
                let neg = f(*neg);
                let b = f(*b);
                Def::SelectAdd {
                    a,
                    nz,
                    neg,
                    b,
                    cin: cin.map(&mut f),
                }
            }
            Def::Concat(parts) => Def::Concat(parts.iter().map(|&p| f(p)).collect()),
            Def::Mux {
                sel,
                then,
                otherwise,
            } => {
                let sel = f(*sel);
                let then = f(*then);
                Def::Mux {
                    sel,
                    then,
                    otherwise: f(*otherwise),
                }
            }
            Def::Rom { addr, table } => Def::Rom {
                addr: f(*addr),
                table: table.clone(),
            },
            Def::Memory {
                depth,
                data,
                en,
                addr,
            } => {
                let data = f(*data);
                let en = f(*en);
                Def::Memory {
                    depth: *depth,
                    data,
                    en,
                    addr: f(*addr),
                }
            }
            Def::MemRead { mem, addr } => {
                let mem = f(*mem);
                Def::MemRead {
                    mem,
                    addr: f(*addr),
                }
            }
            Def::BlockMemory {
                depth,
                data,
                en,
                addr,
                collision,
                init,
            } => {
                let data = f(*data);
                let en = f(*en);
                Def::BlockMemory {
                    depth: *depth,
                    data,
                    en,
                    addr: f(*addr),
                    collision: *collision,
                    init: init.clone(),
                }
            }
            Def::BlockRead { mem, addr, en } => {
                let mem = f(*mem);
                let addr = f(*addr);
                Def::BlockRead {
                    mem,
                    addr,
                    en: f(*en),
                }
            }
            Def::Spram {
                addr,
                data_in,
                mask_wren,
                wren,
                chip_select,
            } => {
                let addr = f(*addr);
                let data_in = f(*data_in);
                let mask_wren = f(*mask_wren);
                let wren = f(*wren);
                Def::Spram {
                    addr,
                    data_in,
                    mask_wren,
                    wren,
                    chip_select: f(*chip_select),
                }
            }
            Def::Reg { d, en, rst, init } => {
                let d = f(*d);
                let en = en.map(&mut f);
                Def::Reg {
                    d,
                    en,
                    rst: rst.map(&mut f),
                    init: *init,
                }
            }
        }
    }
}

/// A named, typed signal and what drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// Unique Verilog identifier within the module.
    pub name: String,
    /// Width and signedness.
    pub ty: Ty,
    /// Its driver.
    pub def: Def,
}

/// Direction of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// Into the module.
    Input,
    /// Out of the module.
    Output,
}

/// A module port: a scalar, or a vector of `count` elements emitted as one
/// packed bus with element `i` at bits `[i*width +: width]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Verilog identifier.
    pub name: String,
    /// Direction.
    pub dir: Dir,
    /// Type of one element.
    pub elem: Ty,
    /// True for a vector port (even of one element).
    pub vector: bool,
    /// One signal per element: for inputs the signals the port defines, for
    /// outputs the signals that drive it.
    pub signals: Vec<SignalId>,
}

impl Port {
    /// Total width of the packed bus in bits.
    pub fn total_width(&self) -> u64 {
        self.elem.width as u64 * self.signals.len() as u64
    }
}

/// An instance of another module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Verilog instance name.
    pub name: String,
    /// The module instantiated.
    pub module: Arc<Module>,
    /// Per port of the child, in its order: the parent's driving signals for
    /// an input, the parent's [`Def::InstOut`] signals for an output.
    pub connections: Vec<Vec<SignalId>>,
}

/// A finished, checked hardware module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Verilog module name.
    pub name: String,
    /// Ports in declaration order.
    pub ports: Vec<Port>,
    /// Every signal, each defined once; operands of combinational ops always
    /// come earlier in this list.
    pub signals: Vec<Signal>,
    /// Child instances.
    pub instances: Vec<Instance>,
    /// The `clk` input, present whenever the module has registers, memories, SPRAMs or instances that need it.
    pub clock: Option<SignalId>,
}

impl Module {
    /// The signal with this id.
    pub fn signal(&self, id: SignalId) -> &Signal {
        &self.signals[id.0 as usize]
    }

    /// The port with this name.
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// Index of the port with this name.
    pub fn port_index(&self, name: &str) -> Option<usize> {
        self.ports.iter().position(|p| p.name == name)
    }

    /// This module and every module below it, each distinct module once,
    /// children before parents (the order a Verilog file declares them in).
    /// Two different modules with one name are an error.
    pub fn hierarchy(&self) -> Result<Vec<&Module>, BuildError> {
        fn visit<'a>(m: &'a Module, out: &mut Vec<&'a Module>) -> Result<(), BuildError> {
            for inst in &m.instances {
                visit(&inst.module, out)?;
            }
            match out.iter().find(|seen| seen.name == m.name) {
                None => out.push(m),
                Some(seen) if *seen == m => {}
                Some(_) => {
                    return Err(BuildError::ModuleNameClash {
                        name: m.name.clone(),
                    });
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        visit(self, &mut out)?;
        Ok(out)
    }

    /// Register bits (flip-flops) over the whole hierarchy, counting each instance.
    pub fn register_bits(&self) -> usize {
        let own: usize = self
            .signals
            .iter()
            .filter(|s| matches!(s.def, Def::Reg { .. }))
            .map(|s| s.ty.width as usize)
            .sum();
        own + self
            .instances
            .iter()
            .map(|i| i.module.register_bits())
            .sum::<usize>()
    }

    /// Number of operations (signals that are not ports' inputs or constants), over the whole hierarchy, counting each instance.
    pub fn op_count(&self) -> usize {
        let own = self
            .signals
            .iter()
            .filter(|s| {
                !matches!(
                    s.def,
                    Def::Input { .. } | Def::Const(_) | Def::InstOut { .. }
                )
            })
            .count();
        own + self
            .instances
            .iter()
            .map(|i| i.module.op_count())
            .sum::<usize>()
    }
}
