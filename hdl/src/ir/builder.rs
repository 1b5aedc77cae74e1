//! The builder: generators describe hardware through it, and every rule of
//! the IR ([`super::verify`]) is checked as each signal, port and instance
//! is made. Its methods are `#[track_caller]`: an error names the line of
//! the generator that made the call.

use std::collections::{BTreeMap, HashSet};
use std::panic::Location;
use std::sync::Arc;

use super::ident::{identifier_problem, sanitize};
use super::verify::{Parts, check_block_depth, check_depth, check_width};
use super::{
    BinOp, BuildError, CmpOp, Collision, Def, Dir, InstId, Instance, Module, Port, ReduceOp,
    SPRAM_WORD_BITS, Signal, SignalId, Ty, UnOp,
};

/// Builds one [`Module`], checking widths and names as it goes.
#[derive(Debug)]
pub struct ModuleBuilder {
    name: String,
    ports: Vec<Port>,
    signals: Vec<Signal>,
    instances: Vec<Instance>,
    names: HashSet<String>,
    clock: Option<SignalId>,
    undriven_regs: Vec<SignalId>,
    unwritten_memories: Vec<SignalId>,
}

/// The inputs of an SPRAM ([`ModuleBuilder::spram`]), named as the
/// `SB_SPRAM256KA` ports they drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpramPorts {
    /// ADDRESS: unsigned, 14 bits.
    pub addr: SignalId,
    /// DATAIN: 16 bits.
    pub data_in: SignalId,
    /// MASKWREN: 4 bits, bit `i` enables the write of bits `[4i +: 4]`.
    pub mask_wren: SignalId,
    /// WREN: one bit, 1 writes and 0 reads.
    pub wren: SignalId,
    /// CHIPSELECT: one bit, the SPRAM acts on an edge only when it is 1.
    pub chip_select: SignalId,
}

/// The output signals of an instance, by the child's port names.
#[derive(Debug, Clone, Default)]
pub struct InstanceOutputs {
    ports: BTreeMap<String, Vec<SignalId>>,
}

impl InstanceOutputs {
    /// The signal of a scalar output port.
    pub fn scalar(&self, port: &str) -> Option<SignalId> {
        self.ports.get(port).and_then(|s| s.first().copied())
    }

    /// The element signals of a vector output port.
    pub fn vector(&self, port: &str) -> Option<&[SignalId]> {
        self.ports.get(port).map(Vec::as_slice)
    }
}

impl ModuleBuilder {
    /// Starts a module; `name` must be a Verilog identifier and no keyword.
    #[track_caller]
    pub fn new(name: &str) -> Result<Self, BuildError> {
        if let Some(problem) = identifier_problem(name) {
            return Err(BuildError::BadName {
                module: name.into(),
                name: name.into(),
                problem,
            }
            .at(Location::caller()));
        }
        Ok(ModuleBuilder {
            name: name.into(),
            ports: Vec::new(),
            signals: Vec::new(),
            instances: Vec::new(),
            names: HashSet::new(),
            clock: None,
            undriven_regs: Vec::new(),
            unwritten_memories: Vec::new(),
        })
    }

    /// Name of the module being built.
    pub fn module_name(&self) -> &str {
        &self.name
    }

    /// Type of a signal.
    pub fn ty(&self, s: SignalId) -> Ty {
        self.signals[s.0 as usize].ty
    }

    /// Name of a signal.
    pub fn name_of(&self, s: SignalId) -> &str {
        &self.signals[s.0 as usize].name
    }

    // ---- ports ---------------------------------------------------------

    /// The module's `clk` input (declared on first use).
    #[track_caller]
    pub fn clock(&mut self) -> Result<SignalId, BuildError> {
        if let Some(c) = self.clock {
            return Ok(c);
        }
        let c = self.input("clk", Ty::BIT)?;
        self.clock = Some(c);
        Ok(c)
    }

    /// A scalar input port; its signal has the port's name.
    #[track_caller]
    pub fn input(&mut self, name: &str, ty: Ty) -> Result<SignalId, BuildError> {
        self.check_port_name(name)?;
        self.check_width(name, ty.width)?;
        let port = self.ports.len();
        self.reserve_port_name(name);
        let s = self.push(name.to_string(), ty, Def::Input { port, elem: 0 });
        self.ports.push(Port {
            name: name.into(),
            dir: Dir::Input,
            elem: ty,
            vector: false,
            signals: vec![s],
        });
        Ok(s)
    }

    /// A vector input port of `count` elements of type `elem`; element `i`
    /// becomes signal `NAME_i`.
    #[track_caller]
    pub fn input_vec(
        &mut self,
        name: &str,
        count: usize,
        elem: Ty,
    ) -> Result<Vec<SignalId>, BuildError> {
        self.check_port_name(name)?;
        self.check_width(name, elem.width)?;
        if count == 0 {
            return Err(self.invalid(format!("vector port `{name}` has no elements")));
        }
        let port = self.ports.len();
        self.reserve_port_name(name);
        let signals = (0..count)
            .map(|i| {
                let n = self.fresh(&format!("{name}_{i}"));
                self.push(n, elem, Def::Input { port, elem: i })
            })
            .collect();
        self.ports.push(Port {
            name: name.into(),
            dir: Dir::Input,
            elem,
            vector: false,
            signals,
        });
        self.ports[port].vector = true;
        Ok(self.ports[port].signals.clone())
    }

    /// A scalar output port driven by `s` (same width as the port).
    #[track_caller]
    pub fn output(&mut self, name: &str, s: SignalId) -> Result<(), BuildError> {
        let ty = self.ty(s);
        self.add_output(name, ty, false, vec![s])
    }

    /// A vector output port driven by `elems`, all of one type.
    #[track_caller]
    pub fn output_vec(&mut self, name: &str, elems: &[SignalId]) -> Result<(), BuildError> {
        let Some(&first) = elems.first() else {
            return Err(self.invalid(format!("vector port `{name}` has no elements")));
        };
        let ty = self.ty(first);
        self.add_output(name, ty, true, elems.to_vec())
    }

    #[track_caller]
    fn add_output(
        &mut self,
        name: &str,
        elem: Ty,
        vector: bool,
        signals: Vec<SignalId>,
    ) -> Result<(), BuildError> {
        self.check_port_name(name)?;
        let port = Port {
            name: name.into(),
            dir: Dir::Output,
            elem,
            vector,
            signals,
        };
        self.checked(self.parts().check_port(&port))?;
        self.reserve_port_name(name);
        self.ports.push(port);
        Ok(())
    }

    // ---- constants and combinational ops -------------------------------

    /// A constant of type `ty`.
    #[track_caller]
    pub fn constant(&mut self, name: &str, ty: Ty, value: i128) -> Result<SignalId, BuildError> {
        self.check_width(name, ty.width)?;
        let bits = self.encode(name, ty, value)?;
        self.push_checked(name, ty, Def::Const(bits))
    }

    /// A two-operand op; operands may be narrower than `ty`, never wider.
    #[track_caller]
    pub fn binary(
        &mut self,
        name: &str,
        op: BinOp,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Binary(op, a, b))
    }

    /// a + b, wrapped to `ty`.
    #[track_caller]
    pub fn add(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::Add, ty, a, b)
    }

    /// a + b + c as one three-input adder, wrapped to `ty` (operands no wider than `ty`).
    #[track_caller]
    pub fn add3(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
        c: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Add3(a, b, c))
    }

    /// `((a XOR {W{neg}}) AND {W{nz}}) + b + cin` as one ECP5 carry-chain
    /// adder with the select `[a, nz, neg]` fused into its LUTs
    /// ([`Def::SelectAdd`]), wrapped to `ty` (`a`, `b` no wider than `ty`;
    /// `nz`, `neg` and `cin` one bit each, `cin` 0 when `None`).
    #[track_caller]
    pub fn select_add(
        &mut self,
        name: &str,
        ty: Ty,
        [a, nz, neg]: [SignalId; 3],
        b: SignalId,
        cin: Option<SignalId>,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::SelectAdd { a, nz, neg, b, cin })
    }

    /// a − b, wrapped to `ty`.
    #[track_caller]
    pub fn sub(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::Sub, ty, a, b)
    }

    /// a · b, wrapped to `ty`.
    #[track_caller]
    pub fn mul(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::Mul, ty, a, b)
    }

    /// Bitwise AND of the extended operands.
    #[track_caller]
    pub fn and(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::And, ty, a, b)
    }

    /// Bitwise OR of the extended operands.
    #[track_caller]
    pub fn or(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::Or, ty, a, b)
    }

    /// Bitwise XOR of the extended operands.
    #[track_caller]
    pub fn xor(
        &mut self,
        name: &str,
        ty: Ty,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.binary(name, BinOp::Xor, ty, a, b)
    }

    /// A one-operand op; the operand may be narrower than `ty`, never wider.
    #[track_caller]
    pub fn unary(
        &mut self,
        name: &str,
        op: UnOp,
        ty: Ty,
        a: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Unary(op, a))
    }

    /// −a, wrapped to `ty`.
    #[track_caller]
    pub fn neg(&mut self, name: &str, ty: Ty, a: SignalId) -> Result<SignalId, BuildError> {
        self.unary(name, UnOp::Neg, ty, a)
    }

    /// Bitwise NOT of the extended operand.
    #[track_caller]
    pub fn not(&mut self, name: &str, ty: Ty, a: SignalId) -> Result<SignalId, BuildError> {
        self.unary(name, UnOp::Not, ty, a)
    }

    /// A comparison of exact values: one unsigned bit.
    #[track_caller]
    pub fn compare(
        &mut self,
        name: &str,
        op: CmpOp,
        a: SignalId,
        b: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, Ty::BIT, Def::Compare(op, a, b))
    }

    /// A reduction of every bit of `a` to one unsigned bit.
    #[track_caller]
    pub fn reduce(
        &mut self,
        name: &str,
        op: ReduceOp,
        a: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, Ty::BIT, Def::Reduce(op, a))
    }

    /// a · 2^k wrapped to `ty` (a no wider than `ty`).
    #[track_caller]
    pub fn shl(&mut self, name: &str, ty: Ty, a: SignalId, k: u32) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Shl(a, k))
    }

    /// ⌊a / 2^k⌋ wrapped to `ty` (a no wider than `ty`): arithmetic for a signed `a`.
    #[track_caller]
    pub fn shr(&mut self, name: &str, ty: Ty, a: SignalId, k: u32) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Shr(a, k))
    }

    /// Bits `lo .. lo + width` of `a`, read with the given signedness.
    #[track_caller]
    pub fn slice(
        &mut self,
        name: &str,
        a: SignalId,
        lo: u32,
        width: u32,
        signed: bool,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, Ty { width, signed }, Def::Slice { src: a, lo })
    }

    /// The low `width` bits of `a`, keeping its signedness.
    #[track_caller]
    pub fn trunc(&mut self, name: &str, a: SignalId, width: u32) -> Result<SignalId, BuildError> {
        let signed = self.ty(a).signed;
        self.slice(name, a, 0, width, signed)
    }

    /// `a` sign-extended to a signed `width` (its bits read as two's complement).
    #[track_caller]
    pub fn sext(&mut self, name: &str, a: SignalId, width: u32) -> Result<SignalId, BuildError> {
        self.extend(name, a, Ty::signed(width), true)
    }

    /// `a` zero-extended to an unsigned `width`.
    #[track_caller]
    pub fn zext(&mut self, name: &str, a: SignalId, width: u32) -> Result<SignalId, BuildError> {
        self.extend(name, a, Ty::unsigned(width), false)
    }

    /// `a` extended to `ty` (no narrower than `a`) by sign copies or zeros.
    #[track_caller]
    pub fn extend(
        &mut self,
        name: &str,
        a: SignalId,
        ty: Ty,
        sign: bool,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(name, ty, Def::Extend { src: a, sign })
    }

    /// `a`'s value carried into `ty`: extended by `a`'s own signedness when
    /// `ty` is wider, its low bits when narrower.
    #[track_caller]
    pub fn resize(&mut self, name: &str, a: SignalId, ty: Ty) -> Result<SignalId, BuildError> {
        let from = self.ty(a);
        if ty.width >= from.width {
            self.extend(name, a, ty, from.signed)
        } else {
            self.slice(name, a, 0, ty.width, ty.signed)
        }
    }

    /// Parts side by side, `parts[0]` in the lowest bits.
    #[track_caller]
    pub fn concat(
        &mut self,
        name: &str,
        parts: &[SignalId],
        signed: bool,
    ) -> Result<SignalId, BuildError> {
        if parts.is_empty() {
            return Err(self.invalid(format!("concatenation `{name}` has no parts")));
        }
        let width: u32 = parts.iter().map(|&p| self.ty(p).width).sum();
        self.push_checked(name, Ty { width, signed }, Def::Concat(parts.to_vec()))
    }

    /// `sel` ? `then` : `otherwise`, each extended by its own signedness to `ty`.
    #[track_caller]
    pub fn mux(
        &mut self,
        name: &str,
        ty: Ty,
        sel: SignalId,
        then: SignalId,
        otherwise: SignalId,
    ) -> Result<SignalId, BuildError> {
        self.push_checked(
            name,
            ty,
            Def::Mux {
                sel,
                then,
                otherwise,
            },
        )
    }

    /// A constant table of values of `ty`, read at unsigned `addr`; 0 past its end.
    #[track_caller]
    pub fn rom(
        &mut self,
        name: &str,
        ty: Ty,
        addr: SignalId,
        table: &[i128],
    ) -> Result<SignalId, BuildError> {
        self.check_width(name, ty.width)?;
        let mut bits = Vec::with_capacity(table.len());
        for &v in table {
            bits.push(self.encode(name, ty, v)?);
        }
        self.push_checked(
            name,
            ty,
            Def::Rom {
                addr,
                table: Arc::new(bits),
            },
        )
    }

    // ---- registers -------------------------------------------------------

    /// A register of type `ty`, optionally reset synchronously by the one-bit
    /// `reset.0` to the value `reset.1`; give it its input with [`Self::drive`].
    #[track_caller]
    pub fn reg(
        &mut self,
        name: &str,
        ty: Ty,
        reset: Option<(SignalId, i128)>,
    ) -> Result<SignalId, BuildError> {
        self.check_width(name, ty.width)?;
        self.clock()?;
        let (rst, init) = match reset {
            Some((r, v)) => (Some(r), self.encode(name, ty, v)?),
            None => (None, 0),
        };
        let id = SignalId(self.signals.len() as u32);
        let s = self.push_checked(
            name,
            ty,
            Def::Reg {
                d: id,
                en: None,
                rst,
                init,
            },
        )?;
        self.undriven_regs.push(s);
        Ok(s)
    }

    /// Connects a register's next value `d` (same width) and optional one-bit enable.
    #[track_caller]
    pub fn drive(
        &mut self,
        reg: SignalId,
        d: SignalId,
        en: Option<SignalId>,
    ) -> Result<(), BuildError> {
        let Some(pos) = self.undriven_regs.iter().position(|&r| r == reg) else {
            return Err(self.invalid(format!(
                "`{}` is not a register waiting for its input",
                self.name_of(reg)
            )));
        };
        let signal = &self.signals[reg.0 as usize];
        let Def::Reg { rst, init, .. } = signal.def else {
            return Err(self.invalid(format!("`{}` is not a register", signal.name)));
        };
        let def = Def::Reg { d, en, rst, init };
        self.check_replacement(reg, def)?;
        self.undriven_regs.remove(pos);
        Ok(())
    }

    /// A register with its input, enable and reset in one call.
    #[track_caller]
    pub fn register(
        &mut self,
        name: &str,
        d: SignalId,
        en: Option<SignalId>,
        reset: Option<(SignalId, i128)>,
    ) -> Result<SignalId, BuildError> {
        let r = self.reg(name, self.ty(d), reset)?;
        self.drive(r, d, en)?;
        Ok(r)
    }

    // ---- memories --------------------------------------------------------

    /// A memory (LUT RAM) of `depth` words of type `ty`; `depth` is a power
    /// of two from 2 to 2^[`super::MAX_MEMORY_ADDR_BITS`]. Give it its write port
    /// with [`Self::write_port`] and read it with [`Self::mem_read`].
    #[track_caller]
    pub fn memory(&mut self, name: &str, ty: Ty, depth: u32) -> Result<SignalId, BuildError> {
        self.check_width(name, ty.width)?;
        self.checked(check_depth(&self.name, name, depth))?;
        self.clock()?;
        let id = SignalId(self.signals.len() as u32);
        let s = self.push_fresh(
            name,
            ty,
            Def::Memory {
                depth,
                data: id,
                en: id,
                addr: id,
            },
        );
        self.unwritten_memories.push(s);
        Ok(s)
    }

    /// Connects the write port of `mem`: on a clock edge where the one-bit
    /// `en` is 1, `data` (as wide as a word) is stored at `addr`.
    #[track_caller]
    pub fn write_port(
        &mut self,
        mem: SignalId,
        en: SignalId,
        addr: SignalId,
        data: SignalId,
    ) -> Result<(), BuildError> {
        let Some(pos) = self.unwritten_memories.iter().position(|&r| r == mem) else {
            return Err(self.invalid(format!(
                "`{}` is not a memory waiting for its write port",
                self.name_of(mem)
            )));
        };
        let Def::Memory { depth, .. } = self.signals[mem.0 as usize].def else {
            return Err(self.invalid(format!("`{}` is not a memory", self.name_of(mem))));
        };
        let def = Def::Memory {
            depth,
            data,
            en,
            addr,
        };
        self.check_replacement(mem, def)?;
        self.unwritten_memories.remove(pos);
        Ok(())
    }

    /// The word of `mem` at `addr`, read combinationally (an asynchronous read port).
    #[track_caller]
    pub fn mem_read(
        &mut self,
        name: &str,
        mem: SignalId,
        addr: SignalId,
    ) -> Result<SignalId, BuildError> {
        let ty = self.ty(mem);
        self.push_checked(name, ty, Def::MemRead { mem, addr })
    }

    // ---- block memories and SPRAM ---------------------------------------------

    /// A block memory (EBR, block RAM) of `depth` words of type `ty`;
    /// `depth` is a power of two from 2 to
    /// 2^[`super::MAX_BLOCK_MEMORY_ADDR_BITS`]. `collision` states what a
    /// read of an address gets on the edge that writes it; `init` gives the
    /// bit patterns of the first words (at most `depth`, the rest start at
    /// 0), or `None` for undefined words. Give it its write port with
    /// [`Self::block_write_port`] and read it with [`Self::block_read`].
    #[track_caller]
    pub fn block_memory(
        &mut self,
        name: &str,
        ty: Ty,
        depth: u32,
        collision: Collision,
        init: Option<&[u64]>,
    ) -> Result<SignalId, BuildError> {
        self.check_width(name, ty.width)?;
        self.checked(check_block_depth(&self.name, name, depth))?;
        self.clock()?;
        let id = SignalId(self.signals.len() as u32);
        let signal = Signal {
            name: self.fresh(name),
            ty,
            def: Def::BlockMemory {
                depth,
                data: id,
                en: id,
                addr: id,
                collision,
                init: init.map(|words| Arc::new(words.to_vec())),
            },
        };
        self.checked(self.parts().check_init(&signal, depth, init))?;
        let s = self.push(signal.name, ty, signal.def);
        self.unwritten_memories.push(s);
        Ok(s)
    }

    /// Connects the write port of block memory `mem`: on a clock edge where
    /// the one-bit `en` is 1, `data` (as wide as a word) is stored at `addr`.
    #[track_caller]
    pub fn block_write_port(
        &mut self,
        mem: SignalId,
        en: SignalId,
        addr: SignalId,
        data: SignalId,
    ) -> Result<(), BuildError> {
        let Some(pos) = self.unwritten_memories.iter().position(|&r| r == mem) else {
            return Err(self.invalid(format!(
                "`{}` is not a block memory waiting for its write port",
                self.name_of(mem)
            )));
        };
        let Def::BlockMemory {
            depth,
            collision,
            init,
            ..
        } = self.signals[mem.0 as usize].def.clone()
        else {
            return Err(self.invalid(format!("`{}` is not a block memory", self.name_of(mem))));
        };
        let def = Def::BlockMemory {
            depth,
            data,
            en,
            addr,
            collision,
            init,
        };
        self.check_replacement(mem, def)?;
        self.unwritten_memories.remove(pos);
        Ok(())
    }

    /// A synchronous read port of block memory `mem`: a register of its word
    /// type that loads the word at `addr` on each clock edge where the
    /// one-bit `en` is 1 and holds otherwise.
    #[track_caller]
    pub fn block_read(
        &mut self,
        name: &str,
        mem: SignalId,
        addr: SignalId,
        en: SignalId,
    ) -> Result<SignalId, BuildError> {
        let ty = self.ty(mem);
        self.push_checked(name, ty, Def::BlockRead { mem, addr, en })
    }

    /// One iCE40 UltraPlus SPRAM (`SB_SPRAM256KA`, 16 K × 16): its
    /// registered 16-bit unsigned DATAOUT. See the IR docs of [`super`]
    /// for what it does on each edge.
    #[track_caller]
    pub fn spram(&mut self, name: &str, ports: SpramPorts) -> Result<SignalId, BuildError> {
        self.clock()?;
        let SpramPorts {
            addr,
            data_in,
            mask_wren,
            wren,
            chip_select,
        } = ports;
        let def = Def::Spram {
            addr,
            data_in,
            mask_wren,
            wren,
            chip_select,
        };
        self.push_checked(name, Ty::unsigned(SPRAM_WORD_BITS), def)
    }

    // ---- hierarchy -----------------------------------------------------------

    /// Instantiates `module`, connecting each of its input ports (except
    /// `clk`, tied to this module's clock) from `inputs` by port name.
    #[track_caller]
    pub fn instance(
        &mut self,
        name: &str,
        module: Arc<Module>,
        inputs: &[(&str, &[SignalId])],
    ) -> Result<InstanceOutputs, BuildError> {
        for (port, _) in inputs {
            match module.port(port) {
                Some(p) if p.dir == Dir::Input && p.name != "clk" => {}
                _ => {
                    return Err(self.invalid(format!(
                        "instance `{name}` of `{}`: `{port}` is not an input port of it that can be connected",
                        module.name
                    )));
                }
            }
        }
        let inst = InstId(self.instances.len() as u32);
        let inst_name = self.fresh(name);
        self.names.insert(inst_name.clone());
        let mut connections = Vec::with_capacity(module.ports.len());
        let mut outputs = InstanceOutputs::default();
        for (pi, port) in module.ports.iter().enumerate() {
            match port.dir {
                Dir::Input if Some(port.signals[0]) == module.clock && port.name == "clk" => {
                    connections.push(vec![self.clock()?]);
                }
                Dir::Input => {
                    let Some((_, sigs)) = inputs.iter().find(|(p, _)| *p == port.name) else {
                        return Err(self.invalid(format!(
                            "instance `{name}` of `{}`: input `{}` is not connected",
                            module.name, port.name
                        )));
                    };
                    connections.push(sigs.to_vec());
                }
                Dir::Output => {
                    let sigs: Vec<SignalId> = (0..port.signals.len())
                        .map(|elem| {
                            let base = if port.vector {
                                format!("{inst_name}_{}_{elem}", port.name)
                            } else {
                                format!("{inst_name}_{}", port.name)
                            };
                            self.push_fresh(
                                &base,
                                port.elem,
                                Def::InstOut {
                                    inst,
                                    port: pi,
                                    elem,
                                },
                            )
                        })
                        .collect();
                    outputs.ports.insert(port.name.clone(), sigs.clone());
                    connections.push(sigs);
                }
            }
        }
        let instance = Instance {
            name: inst_name,
            module,
            connections,
        };
        self.checked(self.parts().check_instance(inst.0 as usize, &instance))?;
        self.instances.push(instance);
        Ok(outputs)
    }

    /// Puts the named ports first, in the given order (the rest keep theirs).
    pub fn order_ports(&mut self, names: &[&str]) {
        let rank = |p: &Port| {
            names
                .iter()
                .position(|n| *n == p.name)
                .unwrap_or(names.len())
        };
        let old: Vec<String> = self.ports.iter().map(|p| p.name.clone()).collect();
        self.ports.sort_by_key(rank);
        let new_index = |i: usize| {
            self.ports
                .iter()
                .position(|p| p.name == old[i])
                .unwrap_or(i)
        };
        let remap: Vec<usize> = (0..old.len()).map(new_index).collect();
        for sig in &mut self.signals {
            if let Def::Input { port, .. } = &mut sig.def {
                *port = remap[*port];
            }
        }
    }

    /// Checks that every register is driven and every memory written, and
    /// the whole module against [`super::verify`]'s rules (its children
    /// were checked when they were finished), and returns the module.
    #[track_caller]
    pub fn finish(self) -> Result<Module, BuildError> {
        if let Some(&r) = self.undriven_regs.first() {
            return Err(self.invalid(format!(
                "register `{}` was never given an input",
                self.name_of(r)
            )));
        }
        if let Some(&r) = self.unwritten_memories.first() {
            return Err(self.invalid(format!(
                "memory `{}` was never given a write port",
                self.name_of(r)
            )));
        }
        let module = Module {
            name: self.name,
            ports: self.ports,
            signals: self.signals,
            instances: self.instances,
            clock: self.clock,
        };
        Parts::of(&module)
            .verify()
            .map_err(|e| e.at(Location::caller()))?;
        Ok(module)
    }

    // ---- internals -------------------------------------------------------

    fn push(&mut self, name: String, ty: Ty, def: Def) -> SignalId {
        let id = SignalId(self.signals.len() as u32);
        self.names.insert(name.clone());
        self.signals.push(Signal { name, ty, def });
        id
    }

    fn push_fresh(&mut self, name: &str, ty: Ty, def: Def) -> SignalId {
        let n = self.fresh(name);
        self.push(n, ty, def)
    }

    /// Adds a signal that follows every rule of [`super::verify`].
    #[track_caller]
    fn push_checked(&mut self, name: &str, ty: Ty, def: Def) -> Result<SignalId, BuildError> {
        let signal = Signal {
            name: self.fresh(name),
            ty,
            def,
        };
        self.checked(self.parts().check_signal(self.signals.len(), &signal))?;
        Ok(self.push(signal.name, ty, signal.def))
    }

    /// Gives signal `id` the definition `def` if it follows every rule.
    #[track_caller]
    fn check_replacement(&mut self, id: SignalId, def: Def) -> Result<(), BuildError> {
        let i = id.0 as usize;
        let signal = Signal {
            def,
            ..self.signals[i].clone()
        };
        self.checked(self.parts().check_signal(i, &signal))?;
        self.signals[i] = signal;
        Ok(())
    }

    /// The builder's state as the rules read it.
    fn parts(&self) -> Parts<'_> {
        Parts {
            name: &self.name,
            ports: &self.ports,
            signals: &self.signals,
            instances: &self.instances,
            clock: self.clock,
        }
    }

    /// `result` with the caller's location on its error.
    #[track_caller]
    fn checked<T>(&self, result: Result<T, BuildError>) -> Result<T, BuildError> {
        let at = Location::caller();
        result.map_err(|e| e.at(at))
    }

    fn fresh(&self, base: &str) -> String {
        let base = sanitize(base);
        if !self.names.contains(&base) {
            return base;
        }
        (1..)
            .map(|i| format!("{base}_{i}"))
            .find(|n| !self.names.contains(n))
            .unwrap_or(base)
    }

    /// Takes `name` for a port; an internal signal that already carries it moves aside.
    fn reserve_port_name(&mut self, name: &str) {
        if let Some(i) = self.signals.iter().position(|s| s.name == name) {
            let renamed = self.fresh(&format!("{name}_int"));
            self.names.insert(renamed.clone());
            self.signals[i].name = renamed;
        }
        self.names.insert(name.to_string());
    }

    #[track_caller]
    fn check_port_name(&self, name: &str) -> Result<(), BuildError> {
        self.checked(self.port_name_rule(name))
    }

    /// A port's name is an identifier and no other port's.
    fn port_name_rule(&self, name: &str) -> Result<(), BuildError> {
        if let Some(problem) = identifier_problem(name) {
            return Err(BuildError::BadName {
                module: self.name.clone(),
                name: name.into(),
                problem,
            });
        }
        if self.ports.iter().any(|p| p.name == name) {
            return Err(BuildError::DuplicatePort {
                module: self.name.clone(),
                name: name.into(),
            });
        }
        if self
            .signals
            .iter()
            .any(|s| s.name == name && matches!(s.def, Def::Input { .. }))
        {
            return Err(BuildError::DuplicatePort {
                module: self.name.clone(),
                name: name.into(),
            });
        }
        Ok(())
    }

    #[track_caller]
    fn check_width(&self, name: &str, width: u32) -> Result<(), BuildError> {
        self.checked(check_width(&self.name, name, width))
    }

    #[track_caller]
    fn encode(&self, name: &str, ty: Ty, value: i128) -> Result<u64, BuildError> {
        match ty.encode(value) {
            Some(bits) => Ok(bits),
            None => Err(BuildError::ValueDoesNotFit {
                module: self.name.clone(),
                signal: name.into(),
                value,
                width: ty.width,
                signedness: if ty.signed { "signed" } else { "unsigned" },
            }
            .at(Location::caller())),
        }
    }

    #[track_caller]
    fn invalid(&self, message: String) -> BuildError {
        BuildError::Invalid {
            module: self.name.clone(),
            message,
        }
        .at(Location::caller())
    }
}
