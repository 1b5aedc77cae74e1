//! The rules of a well-formed [`Module`], each written once.
//!
//! [`Module`]'s fields stay public, so a module can be made or changed by
//! hand; every consumer relies on these rules instead of its own: the
//! builder checks each signal, port and instance against them as it is
//! made (and the whole module in [`super::ModuleBuilder::finish`]), and the
//! Verilog emitter and the simulator call [`Module::verify`] before they
//! read a module.
//!
//! The rules:
//! - every width is 1..=[`MAX_WIDTH`]; every name is a Verilog identifier
//!   and no two ports, signals or instances of a module share one (a scalar
//!   input port and its signal are one name);
//! - every operand is a signal of the module, and the operands of a
//!   combinational op come earlier (a register's or a memory's may come
//!   from anywhere); an instance's inputs are connected from sources or
//!   from signals made before its outputs, so no combinational loop closes,
//!   not even through a child;
//! - operands are never wider than the result; selects, enables and resets
//!   are one bit; comparisons and reductions are one bit; slices stay in
//!   their source; a concatenation is as wide as its parts; constants,
//!   reset values and ROM entries fit their type; a ROM has 1..=2^address
//!   entries of at most 16 address bits; shifts are at most 2·[`MAX_WIDTH`];
//! - registers and memories need the module's clock, a one-bit scalar
//!   input port; a register's input is as wide as the register; a memory's
//!   depth and addresses follow [`memory_address`], its write data is a
//!   word, and a memory read reads a memory;
//! - a block memory follows the memory's rules with
//!   [`block_memory_address`] for its depth and addresses, and has at most
//!   `depth` initial words, each fitting a word; a block read reads a block
//!   memory, is of its word type and has a one-bit enable;
//! - an SPRAM is 16 bits unsigned, its address unsigned and 14 bits, its
//!   data 16 bits, its mask 4 bits, its `wren` and `chip_select` one bit;
//!   block memories, block reads and SPRAMs need the clock;
//! - ports: a scalar port has one signal, a vector port at least one, each
//!   of the element's type; an input port's signals are its own elements;
//!   the module has an output port;
//! - instances connect every port of the child with as many signals as it
//!   has elements, each as wide as an element, outputs to their own
//!   [`Def::InstOut`] signals, and a clocked child's `clk` to the clock.

use std::collections::HashMap;

use super::ident::identifier_problem;
use super::{
    BuildError, Def, Dir, Instance, MAX_BLOCK_MEMORY_ADDR_BITS, MAX_MEMORY_ADDR_BITS, MAX_WIDTH,
    Module, Port, SPRAM_ADDR_BITS, SPRAM_MASK_BITS, SPRAM_WORD_BITS, Signal, SignalId, Ty,
    block_memory_address, mask, memory_address,
};

impl Module {
    /// Checks every rule of the module docs of [`crate::ir::verify`] for
    /// this module and every module below it, and that no two different
    /// modules of the hierarchy share a name.
    pub fn verify(&self) -> Result<(), BuildError> {
        for m in self.hierarchy()? {
            Parts::of(m).verify()?;
        }
        Ok(())
    }
}

/// The parts of one module that the rules read: a finished [`Module`] or
/// the state of a builder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts<'a> {
    /// The module's name.
    pub name: &'a str,
    /// Its ports.
    pub ports: &'a [Port],
    /// Its signals.
    pub signals: &'a [Signal],
    /// Its instances.
    pub instances: &'a [Instance],
    /// Its clock.
    pub clock: Option<SignalId>,
}

impl<'a> Parts<'a> {
    /// The parts of `m`.
    pub fn of(m: &'a Module) -> Self {
        Parts {
            name: &m.name,
            ports: &m.ports,
            signals: &m.signals,
            instances: &m.instances,
            clock: m.clock,
        }
    }

    /// Every rule of this module (not of its children).
    pub fn verify(&self) -> Result<(), BuildError> {
        self.check_clock()?;
        for (i, s) in self.signals.iter().enumerate() {
            self.check_signal(i, s)?;
        }
        for p in self.ports {
            self.check_port(p)?;
        }
        if !self.ports.iter().any(|p| p.dir == Dir::Output) {
            return Err(self.invalid("the module has no output port".into()));
        }
        for (xi, x) in self.instances.iter().enumerate() {
            self.check_instance(xi, x)?;
        }
        self.check_names()
    }

    fn invalid(&self, message: String) -> BuildError {
        BuildError::Invalid {
            module: self.name.into(),
            message,
        }
    }

    /// The name of signal `id`, or its number when it is not a signal here.
    fn name_of(&self, id: SignalId) -> String {
        match self.signals.get(id.0 as usize) {
            Some(s) => s.name.clone(),
            None => format!("#{}", id.0),
        }
    }

    fn width(&self, id: SignalId) -> u32 {
        self.signals[id.0 as usize].ty.width
    }

    /// The clock, when there is one, is a one-bit scalar input port.
    fn check_clock(&self) -> Result<(), BuildError> {
        let Some(c) = self.clock else {
            return Ok(());
        };
        let is_clock_port = self.signals.get(c.0 as usize).is_some_and(|s| {
            s.ty.width == 1
                && matches!(s.def, Def::Input { port, .. }
                    if self.ports.get(port).is_some_and(|p| !p.vector && p.dir == Dir::Input))
        });
        if !is_clock_port {
            return Err(self.invalid("the clock is not a one-bit scalar input port".into()));
        }
        Ok(())
    }

    /// Every rule of signal `s`, number `i` (which may be one past the
    /// last signal: a signal about to be added).
    pub fn check_signal(&self, i: usize, s: &Signal) -> Result<(), BuildError> {
        check_width(self.name, &s.name, s.ty.width)?;
        let n = self.signals.len();
        let state = is_state(&s.def);
        for op in s.def.operands() {
            let at = op.0 as usize;
            // A register's, memory's or read port's inputs may come later (or be itself).
            let ok = if state { at < n || at == i } else { at < i };
            if !ok {
                return Err(self.invalid(format!(
                    "signal `{}`: operand #{} is not an earlier signal of the module",
                    s.name, op.0
                )));
            }
        }
        // A signal about to be added is read through `s`, not `self.signals`.
        let width = |id: SignalId| {
            if id.0 as usize == i {
                s.ty.width
            } else {
                self.width(id)
            }
        };
        let fits = |a: SignalId| self.check_fits(&s.name, a, width(a), s.ty.width);
        let select = |a: SignalId| self.check_select(&s.name, a, width(a));
        let w = s.ty.width;
        match &s.def {
            &Def::Input { port, elem } => self.check_input(i, s, port, elem),
            &Def::Const(bits) => self.check_bits(&s.name, "constant", bits, w),
            &Def::Unary(_, a) | &Def::Extend { src: a, .. } => fits(a),
            &Def::Shl(a, k) | &Def::Shr(a, k) => {
                fits(a)?;
                self.check_shift(&s.name, k)
            }
            &Def::Binary(_, a, b) => {
                fits(a)?;
                fits(b)
            }
            &Def::Add3(a, b, c) => {
                fits(a)?;
                fits(b)?;
                fits(c)
            }
            &Def::SelectAdd { a, nz, neg, b, cin } => {
                fits(a)?;
                select(nz)?;
                select(neg)?;
                if let Some(c) = cin {
                    select(c)?;
                }
                fits(b)
            }
            Def::Compare(..) | Def::Reduce(..) if w != 1 => Err(self.invalid(format!(
                "signal `{}`: a comparison or reduction is one bit, not {w}",
                s.name
            ))),
            Def::Compare(..) | Def::Reduce(..) => Ok(()),
            &Def::Slice { src, lo } => self.check_slice(s, src, lo),
            Def::Concat(parts) => self.check_concat(s, parts),
            &Def::Mux {
                sel,
                then,
                otherwise,
            } => {
                select(sel)?;
                fits(then)?;
                fits(otherwise)
            }
            Def::Rom { addr, table } => self.check_rom(s, *addr, table),
            &Def::Reg { d, en, rst, init } => {
                self.check_clocked(&s.name, "register")?;
                if width(d) != w {
                    return Err(BuildError::WidthMismatch {
                        module: self.name.into(),
                        signal: s.name.clone(),
                        operand: self.name_of(d),
                        operand_width: width(d),
                        result_width: w,
                        rule: "a register's input must be as wide as the register",
                        hint: "; resize it explicitly",
                    });
                }
                for c in [en, rst].into_iter().flatten() {
                    select(c)?;
                }
                self.check_bits(&s.name, "reset value", init, w)
            }
            &Def::Memory {
                depth,
                data,
                en,
                addr,
            } => {
                self.check_clocked(&s.name, "memory")?;
                check_depth(self.name, &s.name, depth)?;
                if width(data) != w {
                    return Err(BuildError::WidthMismatch {
                        module: self.name.into(),
                        signal: s.name.clone(),
                        operand: self.name_of(data),
                        operand_width: width(data),
                        result_width: w,
                        rule: "a memory's write data must be as wide as its words",
                        hint: "; resize it explicitly",
                    });
                }
                select(en)?;
                self.check_address(&s.name, memory_address(depth), &s.name, addr)
            }
            &Def::MemRead { mem, addr } => self.check_mem_read(s, mem, addr),
            Def::BlockMemory {
                depth,
                data,
                en,
                addr,
                init,
                ..
            } => {
                self.check_clocked(&s.name, "block memory")?;
                check_block_depth(self.name, &s.name, *depth)?;
                if width(*data) != w {
                    return Err(BuildError::WidthMismatch {
                        module: self.name.into(),
                        signal: s.name.clone(),
                        operand: self.name_of(*data),
                        operand_width: width(*data),
                        result_width: w,
                        rule: "a block memory's write data must be as wide as its words",
                        hint: "; resize it explicitly",
                    });
                }
                select(*en)?;
                let want = block_memory_address(*depth);
                self.check_address(&s.name, want, &s.name, *addr)?;
                self.check_init(s, *depth, init.as_deref().map(Vec::as_slice))
            }
            &Def::BlockRead { mem, addr, en } => {
                self.check_clocked(&s.name, "block read")?;
                select(en)?;
                self.check_block_read(s, mem, addr)
            }
            &Def::Spram {
                addr,
                data_in,
                mask_wren,
                wren,
                chip_select,
            } => {
                self.check_clocked(&s.name, "SPRAM")?;
                self.check_spram(s, addr, data_in, mask_wren)?;
                select(wren)?;
                select(chip_select)
            }
            &Def::InstOut { inst, port, elem } => self.check_inst_out(i, s, inst.0, port, elem),
        }
    }

    fn check_input(
        &self,
        i: usize,
        s: &Signal,
        port: usize,
        elem: usize,
    ) -> Result<(), BuildError> {
        let ok = self.ports.get(port).is_some_and(|p| {
            p.dir == Dir::Input
                && p.signals.get(elem) == Some(&SignalId(i as u32))
                && p.elem == s.ty
        });
        if !ok {
            return Err(self.invalid(format!(
                "signal `{}` is not element {elem} of input port #{port}",
                s.name
            )));
        }
        Ok(())
    }

    fn check_bits(&self, name: &str, what: &str, bits: u64, w: u32) -> Result<(), BuildError> {
        if bits & !mask(w) != 0 {
            return Err(self.invalid(format!(
                "signal `{name}`: {what} {bits:#x} does not fit {w} bits"
            )));
        }
        Ok(())
    }

    fn check_fits(&self, name: &str, a: SignalId, aw: u32, width: u32) -> Result<(), BuildError> {
        if aw > width {
            return Err(BuildError::WidthMismatch {
                module: self.name.into(),
                signal: name.into(),
                operand: self.name_of(a),
                operand_width: aw,
                result_width: width,
                rule: "it is wider than the result",
                hint: "; narrow it with an explicit slice or trunc",
            });
        }
        Ok(())
    }

    fn check_select(&self, name: &str, s: SignalId, w: u32) -> Result<(), BuildError> {
        if w != 1 {
            return Err(BuildError::WidthMismatch {
                module: self.name.into(),
                signal: name.into(),
                operand: self.name_of(s),
                operand_width: w,
                result_width: 1,
                rule: "a select, enable or reset must be one bit",
                hint: "; reduce it to one bit first",
            });
        }
        Ok(())
    }

    fn check_shift(&self, name: &str, k: u32) -> Result<(), BuildError> {
        if k > 2 * MAX_WIDTH {
            return Err(self.invalid(format!(
                "shift `{name}` by {k} is larger than {}",
                2 * MAX_WIDTH
            )));
        }
        Ok(())
    }

    fn check_slice(&self, s: &Signal, src: SignalId, lo: u32) -> Result<(), BuildError> {
        let width = s.ty.width;
        let src_width = self.width(src);
        if lo.checked_add(width).is_none_or(|hi| hi > src_width) {
            return Err(BuildError::SliceOutOfRange {
                module: self.name.into(),
                signal: s.name.clone(),
                src: self.name_of(src),
                src_width,
                lo,
                width,
            });
        }
        Ok(())
    }

    fn check_concat(&self, s: &Signal, parts: &[SignalId]) -> Result<(), BuildError> {
        if parts.is_empty() {
            return Err(self.invalid(format!("concatenation `{}` has no parts", s.name)));
        }
        let total: u64 = parts.iter().map(|&p| u64::from(self.width(p))).sum();
        if total != u64::from(s.ty.width) {
            return Err(self.invalid(format!(
                "concatenation `{}` is {} bits but its parts are {total}",
                s.name, s.ty.width
            )));
        }
        Ok(())
    }

    fn check_rom(&self, s: &Signal, addr: SignalId, table: &[u64]) -> Result<(), BuildError> {
        let name = &s.name;
        let aw = self.width(addr);
        if aw > 16 {
            return Err(self.invalid(format!(
                "ROM `{name}` has a {aw}-bit address; at most 16 address bits are supported"
            )));
        }
        if table.is_empty() || table.len() > 1usize << aw {
            return Err(self.invalid(format!(
                "ROM `{name}` has {} entries; a {aw}-bit address reaches 1..={}",
                table.len(),
                1usize << aw
            )));
        }
        match table.iter().find(|&&e| e & !mask(s.ty.width) != 0) {
            Some(&e) => self.check_bits(name, "ROM entry", e, s.ty.width),
            None => Ok(()),
        }
    }

    fn check_clocked(&self, name: &str, what: &str) -> Result<(), BuildError> {
        if self.clock.is_none() {
            return Err(self.invalid(format!("{what} `{name}` needs the module's clock")));
        }
        Ok(())
    }

    /// An address of a memory must be of its address type `want`.
    fn check_address(
        &self,
        name: &str,
        want: Option<Ty>,
        mem: &str,
        addr: SignalId,
    ) -> Result<(), BuildError> {
        let Some(want) = want else {
            return Err(self.invalid(format!("`{name}`: memory `{mem}` has no valid depth")));
        };
        if want != self.signals[addr.0 as usize].ty {
            return Err(self.invalid(format!(
                "`{name}`: the address `{}` of memory `{mem}` must be unsigned and {} bits wide ({} words)",
                self.name_of(addr),
                want.width,
                1u64 << want.width
            )));
        }
        Ok(())
    }

    /// A block memory's initial words: at most `depth`, each fitting a word.
    pub fn check_init(
        &self,
        s: &Signal,
        depth: u32,
        init: Option<&[u64]>,
    ) -> Result<(), BuildError> {
        let Some(init) = init else {
            return Ok(());
        };
        if init.len() > depth as usize {
            return Err(self.invalid(format!(
                "block memory `{}` has {} initial words but only {depth} words",
                s.name,
                init.len()
            )));
        }
        match init.iter().find(|&&e| e & !mask(s.ty.width) != 0) {
            Some(&e) => self.check_bits(&s.name, "initial word", e, s.ty.width),
            None => Ok(()),
        }
    }

    fn check_block_read(
        &self,
        s: &Signal,
        mem: SignalId,
        addr: SignalId,
    ) -> Result<(), BuildError> {
        let m = &self.signals[mem.0 as usize];
        let Def::BlockMemory { depth, .. } = m.def else {
            return Err(self.invalid(format!(
                "block read `{}`: `{}` is not a block memory",
                s.name, m.name
            )));
        };
        if m.ty != s.ty {
            return Err(self.invalid(format!(
                "block read `{}`: block memory `{}` holds {:?} words, not {:?}",
                s.name, m.name, m.ty, s.ty
            )));
        }
        self.check_address(&s.name, block_memory_address(depth), &m.name, addr)
    }

    /// An SPRAM's output, address, data and mask are of the primitive's widths.
    fn check_spram(
        &self,
        s: &Signal,
        addr: SignalId,
        data_in: SignalId,
        mask_wren: SignalId,
    ) -> Result<(), BuildError> {
        if s.ty != Ty::unsigned(SPRAM_WORD_BITS) {
            return Err(self.invalid(format!(
                "SPRAM `{}` is {:?}; its DATAOUT is {SPRAM_WORD_BITS} bits unsigned",
                s.name, s.ty
            )));
        }
        if self.signals[addr.0 as usize].ty != Ty::unsigned(SPRAM_ADDR_BITS) {
            return Err(self.invalid(format!(
                "SPRAM `{}`: the address `{}` must be unsigned and {SPRAM_ADDR_BITS} bits wide",
                s.name,
                self.name_of(addr)
            )));
        }
        for (port, id, bits) in [
            ("DATAIN", data_in, SPRAM_WORD_BITS),
            ("MASKWREN", mask_wren, SPRAM_MASK_BITS),
        ] {
            let w = self.width(id);
            if w != bits {
                return Err(self.invalid(format!(
                    "SPRAM `{}`: {port} `{}` is {w} bits, not {bits}",
                    s.name,
                    self.name_of(id)
                )));
            }
        }
        Ok(())
    }

    fn check_mem_read(&self, s: &Signal, mem: SignalId, addr: SignalId) -> Result<(), BuildError> {
        let m = &self.signals[mem.0 as usize];
        let Def::Memory { depth, .. } = m.def else {
            return Err(self.invalid(format!("read `{}`: `{}` is not a memory", s.name, m.name)));
        };
        if m.ty != s.ty {
            return Err(self.invalid(format!(
                "read `{}`: memory `{}` holds {:?} words, not {:?}",
                s.name, m.name, m.ty, s.ty
            )));
        }
        self.check_address(&s.name, memory_address(depth), &m.name, addr)
    }

    fn check_inst_out(
        &self,
        i: usize,
        s: &Signal,
        inst: u32,
        port: usize,
        elem: usize,
    ) -> Result<(), BuildError> {
        let ok = self.instances.get(inst as usize).is_some_and(|x| {
            x.module.ports.get(port).is_some_and(|p| {
                p.dir == Dir::Output && elem < p.signals.len() && p.elem.width == s.ty.width
            }) && x.connections.get(port).and_then(|c| c.get(elem)) == Some(&SignalId(i as u32))
        });
        if !ok {
            return Err(self.invalid(format!(
                "signal `{}` is not element {elem} of output #{port} of instance #{inst}",
                s.name
            )));
        }
        Ok(())
    }

    /// A scalar port has one signal and a vector port at least one, each
    /// of the element's type.
    pub fn check_port(&self, p: &Port) -> Result<(), BuildError> {
        if p.signals.is_empty() || (!p.vector && p.signals.len() != 1) {
            return Err(self.invalid(format!(
                "port `{}`: a scalar port needs one signal and a vector port at least one",
                p.name
            )));
        }
        for &s in &p.signals {
            let Some(sig) = self.signals.get(s.0 as usize) else {
                return Err(self.invalid(format!(
                    "port `{}`: signal #{} is not a signal of the module",
                    p.name, s.0
                )));
            };
            if sig.ty != p.elem {
                return Err(self.invalid(format!(
                    "{} port `{}` mixes element types: its elements are {:?} but `{}` is {:?}",
                    match p.dir {
                        Dir::Input => "input",
                        Dir::Output => "output",
                    },
                    p.name,
                    p.elem,
                    sig.name,
                    sig.ty
                )));
            }
        }
        Ok(())
    }

    /// Instance `x`, number `xi`: every port of the child connected, each
    /// element by a signal as wide, outputs by this instance's own
    /// [`Def::InstOut`] signals, inputs from signals made before its
    /// outputs (or sources), and a clocked child's `clk` from the clock.
    pub fn check_instance(&self, xi: usize, x: &Instance) -> Result<(), BuildError> {
        let wrong = |problem: String| {
            self.invalid(format!(
                "instance `{}` of `{}`: {problem}",
                x.name, x.module.name
            ))
        };
        let child = &x.module;
        if x.connections.len() != child.ports.len() {
            return Err(wrong(format!(
                "{} connections for {} ports",
                x.connections.len(),
                child.ports.len()
            )));
        }
        let first_out = self.first_output(x);
        for (pi, (p, c)) in child.ports.iter().zip(&x.connections).enumerate() {
            if c.len() != p.signals.len() {
                return Err(wrong(format!(
                    "port `{}` has {} elements but {} signals are connected",
                    p.name,
                    p.signals.len(),
                    c.len()
                )));
            }
            for (elem, &s) in c.iter().enumerate() {
                self.check_connection(x, xi, (pi, p), (elem, s), first_out)?;
            }
            let is_clk = p.name == "clk" && Some(p.signals[0]) == child.clock;
            if p.dir == Dir::Input && is_clk && Some(c[0]) != self.clock {
                return Err(wrong(
                    "its `clk` is not this module's clock; lutforge designs have one clock".into(),
                ));
            }
        }
        Ok(())
    }

    /// The lowest-numbered output signal of instance `x`.
    fn first_output(&self, x: &Instance) -> Option<usize> {
        x.module
            .ports
            .iter()
            .zip(&x.connections)
            .filter(|(p, _)| p.dir == Dir::Output)
            .flat_map(|(_, c)| c.iter().map(|s| s.0 as usize))
            .min()
    }

    /// Element `elem` of port `p` (number `pi`) of instance `x` is connected to `s`.
    fn check_connection(
        &self,
        x: &Instance,
        xi: usize,
        (pi, p): (usize, &Port),
        (elem, s): (usize, SignalId),
        first_out: Option<usize>,
    ) -> Result<(), BuildError> {
        let wrong = |problem: String| {
            self.invalid(format!(
                "instance `{}` of `{}`: {problem}",
                x.name, x.module.name
            ))
        };
        let Some(sig) = self.signals.get(s.0 as usize) else {
            return Err(wrong(format!(
                "port `{}` is connected to #{}, not a signal of the module",
                p.name, s.0
            )));
        };
        if sig.ty.width != p.elem.width {
            return Err(BuildError::WidthMismatch {
                module: self.name.into(),
                signal: format!("{}.{}", x.name, p.name),
                operand: sig.name.clone(),
                operand_width: sig.ty.width,
                result_width: p.elem.width,
                rule: "it must be as wide as the instance port",
                hint: "; resize it explicitly",
            });
        }
        match p.dir {
            Dir::Output => {
                let own = matches!(sig.def, Def::InstOut { inst, port, elem: e }
                    if inst.0 as usize == xi && port == pi && e == elem);
                if !own {
                    return Err(wrong(format!(
                        "output `{}` is not connected to this instance's own output signals",
                        p.name
                    )));
                }
            }
            Dir::Input => {
                let source = matches!(
                    sig.def,
                    Def::Input { .. }
                        | Def::Const(_)
                        | Def::Reg { .. }
                        | Def::BlockRead { .. }
                        | Def::Spram { .. }
                );
                if !source && first_out.is_some_and(|o| s.0 as usize >= o) {
                    return Err(wrong(format!(
                        "input `{}` reads `{}`, made after the instance's outputs: a combinational loop",
                        p.name, sig.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every name is a Verilog identifier, and no two ports, signals or
    /// instances share one (a scalar input port and its signal are one name).
    fn check_names(&self) -> Result<(), BuildError> {
        // What holds each name, spelled out only for the error of a clash.
        let mut taken: HashMap<&str, Holder<'a>> =
            HashMap::with_capacity(self.ports.len() + self.signals.len() + self.instances.len());
        let mut claim = |name: &'a str, holder: Holder<'a>| {
            if let Some(problem) = identifier_problem(name) {
                return Err(BuildError::BadName {
                    module: self.name.into(),
                    name: name.into(),
                    problem,
                });
            }
            if let Some(first) = taken.insert(name, holder) {
                return Err(BuildError::NameClash {
                    module: self.name.into(),
                    name: name.into(),
                    first: first.describe(),
                    second: holder.describe(),
                });
            }
            Ok(())
        };
        for p in self.ports {
            claim(&p.name, Holder::Port(&p.name))?;
        }
        for s in self.signals {
            let is_port_itself = matches!(s.def, Def::Input { port, .. }
                if self.ports.get(port).is_some_and(|p| !p.vector && p.name == s.name));
            if !is_port_itself {
                claim(&s.name, Holder::Signal(&s.name))?;
            }
        }
        for x in self.instances {
            claim(&x.name, Holder::Instance(&x.name, &x.module.name))?;
        }
        Ok(())
    }
}

/// What holds a name in a module.
#[derive(Clone, Copy)]
enum Holder<'a> {
    Port(&'a str),
    Signal(&'a str),
    /// An instance and the name of its module.
    Instance(&'a str, &'a str),
}

impl Holder<'_> {
    /// How a name-clash error names the holder.
    fn describe(self) -> String {
        match self {
            Holder::Port(name) => format!("port `{name}`"),
            Holder::Signal(name) => format!("signal `{name}`"),
            Holder::Instance(name, module) => format!("instance `{name}` of `{module}`"),
        }
    }
}

/// A width must be 1..=[`MAX_WIDTH`].
pub(crate) fn check_width(module: &str, signal: &str, width: u32) -> Result<(), BuildError> {
    if width == 0 || width > MAX_WIDTH {
        return Err(BuildError::BadWidth {
            module: module.into(),
            signal: signal.into(),
            width,
        });
    }
    Ok(())
}

/// True for a definition that holds state across clock edges, whose
/// operands may therefore come later.
fn is_state(def: &Def) -> bool {
    matches!(
        def,
        Def::Reg { .. }
            | Def::Memory { .. }
            | Def::BlockMemory { .. }
            | Def::BlockRead { .. }
            | Def::Spram { .. }
    )
}

/// A block memory's depth must be one [`block_memory_address`] accepts.
pub(crate) fn check_block_depth(module: &str, name: &str, depth: u32) -> Result<(), BuildError> {
    if block_memory_address(depth).is_none() {
        return Err(BuildError::Invalid {
            module: module.into(),
            message: format!(
                "block memory `{name}` has {depth} words; use a power of two from 2 to {}",
                1u32 << MAX_BLOCK_MEMORY_ADDR_BITS
            ),
        });
    }
    Ok(())
}

/// A memory's depth must be one [`memory_address`] accepts.
pub(crate) fn check_depth(module: &str, name: &str, depth: u32) -> Result<(), BuildError> {
    if memory_address(depth).is_none() {
        return Err(BuildError::Invalid {
            module: module.into(),
            message: format!(
                "memory `{name}` has {depth} words; use a power of two from 2 to {}",
                1u32 << MAX_MEMORY_ADDR_BITS
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ir::{ModuleBuilder, Ty};

    /// A parent of one instance `u` of a pass-through child (`y = x`, and a
    /// register so that the child is clocked), with a spare one-bit input `e`.
    fn parent() -> Module {
        let mut c = ModuleBuilder::new("child").unwrap();
        let x = c.input("x", Ty::BIT).unwrap();
        let q = c.register("q", x, None, None).unwrap();
        c.output("y", x).unwrap();
        c.output("yq", q).unwrap();
        let child = Arc::new(c.finish().unwrap());
        let mut b = ModuleBuilder::new("top").unwrap();
        let a = b.input("a", Ty::BIT).unwrap();
        b.input("e", Ty::BIT).unwrap();
        let o = b.instance("u", child, &[("x", &[a])]).unwrap();
        b.output("y", o.scalar("y").unwrap()).unwrap();
        b.finish().unwrap()
    }

    fn port(m: &Module, x: usize, name: &str) -> usize {
        m.instances[x].module.port_index(name).unwrap()
    }

    #[test]
    fn a_builder_module_verifies() {
        parent().verify().unwrap();
    }

    #[test]
    fn an_instance_fed_from_its_own_output_is_a_loop() {
        let mut m = parent();
        let (x, y) = (port(&m, 0, "x"), port(&m, 0, "y"));
        let out = m.instances[0].connections[y][0];
        m.instances[0].connections[x][0] = out;
        let err = m.verify().unwrap_err().to_string();
        assert!(err.contains("combinational loop"), "{err}");
    }

    #[test]
    fn an_instance_clocked_by_another_signal_is_refused() {
        let mut m = parent();
        let e = m.port("e").unwrap().signals[0];
        let clk = port(&m, 0, "clk");
        m.instances[0].connections[clk][0] = e;
        let err = m.verify().unwrap_err().to_string();
        assert!(err.contains("one clock"), "{err}");
    }

    #[test]
    fn dangling_operands_and_clashing_names_are_refused() {
        let mut m = parent();
        let y = m.ports.iter().position(|p| p.name == "y").unwrap();
        m.ports[y].signals[0] = SignalId(99);
        let err = m.verify().unwrap_err().to_string();
        assert!(err.contains("#99"), "{err}");
        let mut m = parent();
        m.instances[0].name = "a".into();
        let err = m.verify().unwrap_err();
        assert!(matches!(err, BuildError::NameClash { .. }), "{err:?}");
    }

    #[test]
    fn a_read_of_something_not_a_memory_is_refused() {
        let mut b = ModuleBuilder::new("ram").unwrap();
        let a = b.input("a", Ty::unsigned(1)).unwrap();
        let we = b.input("we", Ty::BIT).unwrap();
        let mem = b.memory("mem", Ty::BIT, 2).unwrap();
        b.write_port(mem, we, a, we).unwrap();
        let r = b.mem_read("r", mem, a).unwrap();
        b.output("y", r).unwrap();
        let mut m = b.finish().unwrap();
        m.signals[r.0 as usize].def = Def::MemRead { mem: we, addr: a };
        let err = m.verify().unwrap_err().to_string();
        assert!(err.contains("is not a memory"), "{err}");
    }
}
