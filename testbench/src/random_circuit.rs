//! Random IR circuits for the differential test of the simulator and the
//! emitter: every op, random widths 1..64, mixed signedness, registers with
//! enables, resets and feedback, ROMs and a sub-module instance; and, in
//! [`random_memory_circuit`], block memories and SPRAMs too.
//!
//! Verilog starts memory words and read registers at X where the IR says
//! "undefined", so a memory unit only shows defined words: after each reset
//! it first writes every word it uses (unless it has initial contents), its
//! outputs read 0 until a read of defined words has landed, an SPRAM's
//! output reads 0 after a write, and a don't-care block memory never reads
//! the address written on the same edge.

use std::sync::Arc;

use lutforge_hdl::ir::{
    BinOp, BuildError, CmpOp, Collision, Module, ModuleBuilder, ReduceOp, SignalId, SpramPorts, Ty,
    UnOp,
};
use rand::Rng;

/// Size of one random circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitSize {
    /// Data inputs (besides `clk` and `rst`).
    pub inputs: usize,
    /// Operations.
    pub ops: usize,
    /// Registers.
    pub regs: usize,
    /// Outputs.
    pub outputs: usize,
}

impl CircuitSize {
    /// A small circuit, about 40 ops, as the differential test uses.
    pub const SMALL: CircuitSize = CircuitSize {
        inputs: 4,
        ops: 40,
        regs: 4,
        outputs: 8,
    };
}

fn random_ty(rng: &mut impl Rng, max: u32) -> Ty {
    let width = if rng.random_bool(0.3) {
        rng.random_range(1..=8.min(max))
    } else {
        rng.random_range(1..=max)
    };
    Ty {
        width,
        signed: rng.random_bool(0.5),
    }
}

struct Gen<'r, R: Rng> {
    b: ModuleBuilder,
    pool: Vec<SignalId>,
    rng: &'r mut R,
}

impl<R: Rng> Gen<'_, R> {
    fn pick(&mut self) -> SignalId {
        // Favour recent signals so the circuit grows deep, not only wide.
        let n = self.pool.len();
        if self.rng.random_bool(0.5) {
            self.pool[n - 1 - self.rng.random_range(0..n.min(6))]
        } else {
            self.pool[self.rng.random_range(0..n)]
        }
    }

    fn pick_bit(&mut self) -> Result<SignalId, BuildError> {
        let s = self.pick();
        if self.b.ty(s).width == 1 {
            return Ok(s);
        }
        let w = self.b.ty(s).width;
        let lo = self.rng.random_range(0..w);
        self.b.slice("bit", s, lo, 1, false)
    }

    /// A type at least as wide as `a` (and `b`).
    fn wider(&mut self, a: SignalId, b: Option<SignalId>) -> Ty {
        let min = self.b.ty(a).width.max(b.map_or(1, |b| self.b.ty(b).width));
        let width = (min + self.rng.random_range(0..=4)).min(64);
        Ty {
            width,
            signed: self.rng.random_bool(0.5),
        }
    }

    fn op(&mut self) -> Result<SignalId, BuildError> {
        let a = self.pick();
        let kind = self.rng.random_range(0..16);
        Ok(match kind {
            0..=3 => {
                let b = self.pick();
                let op = [
                    BinOp::Add,
                    BinOp::Sub,
                    BinOp::Mul,
                    BinOp::And,
                    BinOp::Or,
                    BinOp::Xor,
                ][self.rng.random_range(0..6)];
                let ty = self.wider(a, Some(b));
                self.b.binary("bin", op, ty, a, b)?
            }
            4 => {
                let op = if self.rng.random_bool(0.5) {
                    UnOp::Neg
                } else {
                    UnOp::Not
                };
                let ty = self.wider(a, None);
                self.b.unary("un", op, ty, a)?
            }
            5 => {
                let b = self.pick();
                let op = [
                    CmpOp::Eq,
                    CmpOp::Ne,
                    CmpOp::Lt,
                    CmpOp::Le,
                    CmpOp::Gt,
                    CmpOp::Ge,
                ][self.rng.random_range(0..6)];
                // Equal operands now and then, so == and <= see both outcomes.
                let b = if self.rng.random_bool(0.2) { a } else { b };
                self.b.compare("cmp", op, a, b)?
            }
            6 => {
                let op = [ReduceOp::And, ReduceOp::Or, ReduceOp::Xor][self.rng.random_range(0..3)];
                self.b.reduce("red", op, a)?
            }
            7 => {
                let ty = self.wider(a, None);
                let k = self.rng.random_range(0..=ty.width + 2);
                if self.rng.random_bool(0.5) {
                    self.b.shl("shl", ty, a, k)?
                } else {
                    self.b.shr("shr", ty, a, k)?
                }
            }
            8 => {
                let w = self.b.ty(a).width;
                let lo = self.rng.random_range(0..w);
                let n = self.rng.random_range(1..=w - lo);
                let signed = self.rng.random_bool(0.5);
                self.b.slice("sl", a, lo, n, signed)?
            }
            9 => {
                let ty = self.wider(a, None);
                let sign = self.rng.random_bool(0.5);
                self.b.extend("ext", a, ty, sign)?
            }
            10 => {
                let b = self.pick();
                if self.b.ty(a).width + self.b.ty(b).width <= 64 {
                    let signed = self.rng.random_bool(0.5);
                    self.b.concat("cat", &[a, b], signed)?
                } else {
                    self.b
                        .trunc("tr", a, self.rng.random_range(1..=self.b.ty(a).width))?
                }
            }
            11 => {
                let sel = self.pick_bit()?;
                let b = self.pick();
                let ty = self.wider(a, Some(b));
                self.b.mux("mux", ty, sel, a, b)?
            }
            12 => {
                let aw = self.b.ty(a).width.min(4);
                let addr = self.b.slice("addr", a, 0, aw, false)?;
                let ty = random_ty(self.rng, 16);
                let len = self.rng.random_range(1..=(1usize << aw));
                let table: Vec<i128> = (0..len)
                    .map(|_| self.rng.random_range(ty.min_value()..=ty.max_value()))
                    .collect();
                self.b.rom("rom", ty, addr, &table)?
            }
            13 => {
                let ty = random_ty(self.rng, 64);
                let v = self.rng.random_range(ty.min_value()..=ty.max_value());
                self.b.constant("k", ty, v)?
            }
            14 => {
                let (b, c) = (self.pick(), self.pick());
                let min = self
                    .b
                    .ty(a)
                    .width
                    .max(self.b.ty(b).width)
                    .max(self.b.ty(c).width);
                let ty = Ty {
                    width: (min + self.rng.random_range(0..=3)).min(64),
                    signed: self.rng.random_bool(0.5),
                };
                self.b.add3("add3", ty, a, b, c)?
            }
            _ => {
                let ty = random_ty(self.rng, 64);
                self.b.resize("rs", a, ty)?
            }
        })
    }
}

impl<R: Rng> Gen<'_, R> {
    /// `a`'s value carried into `ty`.
    fn fit(&mut self, a: SignalId, ty: Ty) -> Result<SignalId, BuildError> {
        self.b.resize("fit", a, ty)
    }

    /// A random signal carried into `ty`.
    fn pick_as(&mut self, ty: Ty) -> Result<SignalId, BuildError> {
        let a = self.pick();
        self.fit(a, ty)
    }

    /// A fill counter of `bits` + 1 bits, reset to 0 by `rst`, counting up
    /// to 2^`bits`: returns (counter, one bit: still filling).
    fn fill_counter(
        &mut self,
        rst: SignalId,
        bits: u32,
    ) -> Result<(SignalId, SignalId), BuildError> {
        let ty = Ty::unsigned(bits + 1);
        let cnt = self.b.reg("fill_cnt", ty, Some((rst, 0)))?;
        let done = self.b.slice("fill_done", cnt, bits, 1, false)?;
        let filling = self.b.not("filling", Ty::BIT, done)?;
        let one = self.b.constant("one", ty, 1)?;
        let next = self.b.add("fill_next", ty, cnt, one)?;
        self.b.drive(cnt, next, Some(filling))?;
        Ok((cnt, filling))
    }

    /// `v` where `ok` is 1, 0 elsewhere.
    fn masked(&mut self, ok: SignalId, v: SignalId) -> Result<SignalId, BuildError> {
        let ty = self.b.ty(v);
        let zero = self.b.constant("zero", ty, 0)?;
        self.b.mux("shown", ty, ok, v, zero)
    }

    /// A block memory with one or two read ports, its collision rule and
    /// initial contents random, pushed to the pool as its masked reads.
    fn block_memory_unit(&mut self, rst: SignalId) -> Result<(), BuildError> {
        let with_init = self.rng.random_bool(0.5);
        let aw = self.rng.random_range(1..=if with_init { 8 } else { 4 });
        let ty = random_ty(self.rng, 64);
        let collision = if self.rng.random_bool(0.5) {
            Collision::ReadFirst
        } else {
            Collision::DontCare
        };
        let init: Option<Vec<u64>> = with_init.then(|| {
            let len = self.rng.random_range(1..=1usize << aw);
            (0..len)
                .map(|_| self.rng.random::<u64>() & lutforge_hdl::ir::mask(ty.width))
                .collect()
        });
        let mem = self
            .b
            .block_memory("bm", ty, 1 << aw, collision, init.as_deref())?;
        let addr_ty = Ty::unsigned(aw);
        let (we, wa, ok) = self.block_write(mem, rst, addr_ty, with_init)?;
        for _ in 0..self.rng.random_range(1..=2) {
            let ra = self.pick_as(addr_ty)?;
            let re = self.pick_bit()?;
            let unready = self.b.not("unready", Ty::BIT, ok)?;
            let mut re = self.b.or("re", Ty::BIT, re, unready)?;
            if collision == Collision::DontCare {
                let same = self.b.compare("same", CmpOp::Eq, wa, ra)?;
                let clash = self.b.and("clash", Ty::BIT, we, same)?;
                let no_clash = self.b.not("no_clash", Ty::BIT, clash)?;
                re = self.b.and("re_ok", Ty::BIT, re, no_clash)?;
            }
            let q = self.b.block_read("bq", mem, ra, re)?;
            let shown = self.masked(ok, q)?;
            self.pool.push(shown);
        }
        Ok(())
    }

    /// Connects a block memory's write port: random writes once `ok`, and
    /// before that (without initial contents) a fill of every word.
    /// Returns (write enable, write address, ok): `ok` is 1 from the second
    /// edge after the fill, when every read port has loaded a defined word.
    fn block_write(
        &mut self,
        mem: SignalId,
        rst: SignalId,
        addr_ty: Ty,
        with_init: bool,
    ) -> Result<(SignalId, SignalId, SignalId), BuildError> {
        let ty = self.b.ty(mem);
        let ok = self.b.reg("ok", Ty::BIT, Some((rst, 0)))?;
        let we = self.pick_bit()?;
        let we = self.b.and("we", Ty::BIT, we, ok)?;
        let wa = self.pick_as(addr_ty)?;
        let wd = self.pick_as(ty)?;
        let (we, wa, ready) = if with_init {
            let one = self.b.constant("one", Ty::BIT, 1)?;
            (we, wa, one)
        } else {
            let (cnt, filling) = self.fill_counter(rst, addr_ty.width)?;
            let fill_addr = self.b.slice("fill_addr", cnt, 0, addr_ty.width, false)?;
            let we = self.b.or("we_fill", Ty::BIT, we, filling)?;
            let wa = self.b.mux("wa", addr_ty, filling, fill_addr, wa)?;
            let ready = self.b.not("filled", Ty::BIT, filling)?;
            (we, wa, ready)
        };
        self.b.drive(ok, ready, None)?;
        self.b.block_write_port(mem, we, wa, wd)?;
        Ok((we, wa, ok))
    }

    /// An ECP5 select-add `((a ^ {neg}) & {nz}) + b + cin` of random
    /// operands (its `nz` a constant 1 now and then, so every select is
    /// exercised on wide values; a carry-in bit half the time), added to
    /// the pool.
    fn select_add_unit(&mut self) -> Result<(), BuildError> {
        let (a, b) = (self.pick(), self.pick());
        let nz = if self.rng.random_bool(0.25) {
            self.b.constant("one", Ty::BIT, 1)?
        } else {
            self.pick_bit()?
        };
        let neg = self.pick_bit()?;
        let cin = if self.rng.random_bool(0.5) {
            Some(self.pick_bit()?)
        } else {
            None
        };
        let ty = self.wider(a, Some(b));
        let s = self.b.select_add("sadd", ty, [a, nz, neg], b, cin)?;
        self.pool.push(s);
        Ok(())
    }

    /// An SPRAM on words 0..4, filled after each reset, pushed to the pool
    /// as its output where the last access was a read (0 elsewhere).
    fn spram_unit(&mut self, rst: SignalId) -> Result<(), BuildError> {
        let (cnt, filling) = self.fill_counter(rst, 2)?;
        let fill_addr = self.b.slice("fill_addr", cnt, 0, 2, false)?;
        let low = self.pick_as(Ty::unsigned(2))?;
        let low = self
            .b
            .mux("sp_low", Ty::unsigned(2), filling, fill_addr, low)?;
        let addr = self.b.zext("sp_addr", low, 14)?;
        let data_in = self.pick_as(Ty::unsigned(16))?;
        let all = self.b.constant("all", Ty::unsigned(4), 0xf)?;
        let mask = self.pick_as(Ty::unsigned(4))?;
        let mask_wren = self.b.mux("sp_mask", Ty::unsigned(4), filling, all, mask)?;
        let wren = self.pick_bit()?;
        let wren = self.b.or("sp_wren", Ty::BIT, wren, filling)?;
        let cs = self.pick_bit()?;
        let chip_select = self.b.or("sp_cs", Ty::BIT, cs, filling)?;
        let ports = SpramPorts {
            addr,
            data_in,
            mask_wren,
            wren,
            chip_select,
        };
        let q = self.b.spram("sp", ports)?;
        let read = self.b.not("sp_read", Ty::BIT, wren)?;
        let last_read = self.b.reg("sp_last_read", Ty::BIT, Some((rst, 0)))?;
        self.b.drive(last_read, read, Some(chip_select))?;
        let shown = self.masked(last_read, q)?;
        self.pool.push(shown);
        Ok(())
    }
}

/// A small combinational sub-module: `y = (x + c) ^ (x >> 1)`.
fn sub_module(name: &str, rng: &mut impl Rng) -> Result<Arc<Module>, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    let ty = random_ty(rng, 32);
    let x = b.input("x", ty)?;
    let c = b.constant("c", ty, rng.random_range(ty.min_value()..=ty.max_value()))?;
    let wide = Ty {
        width: (ty.width + 1).min(64),
        signed: ty.signed,
    };
    let s = b.add("s", wide, x, c)?;
    let h = b.shr("h", wide, x, 1)?;
    let y = b.xor("y", wide, s, h)?;
    b.output("y", y)?;
    Ok(Arc::new(b.finish()?))
}

/// A random circuit called `name` (its sub-module is `NAME_sub`): inputs
/// `clk`, `rst`, `in0…`; outputs `out0…`; every register resets on `rst`.
pub fn random_circuit(
    name: &str,
    size: CircuitSize,
    rng: &mut impl Rng,
) -> Result<Module, BuildError> {
    build(name, size, false, rng)
}

/// A random circuit as [`random_circuit`] makes, with one to three ECP5
/// select-adds (a quarter of the way through its ops), one or two block
/// memories (a third of the way) and, half the time, an SPRAM (two thirds
/// of the way); their outputs join the signals the
/// rest of the circuit reads. `rst` must be 1 in the first cycle.
pub fn random_memory_circuit(
    name: &str,
    size: CircuitSize,
    rng: &mut impl Rng,
) -> Result<Module, BuildError> {
    build(name, size, true, rng)
}

fn build(
    name: &str,
    size: CircuitSize,
    memories: bool,
    rng: &mut impl Rng,
) -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    b.clock()?;
    let rst = b.input("rst", Ty::BIT)?;
    let mut pool = Vec::new();
    for i in 0..size.inputs.max(1) {
        let ty = random_ty(rng, 64);
        pool.push(b.input(&format!("in{i}"), ty)?);
    }
    let mut regs = Vec::new();
    for i in 0..size.regs {
        let ty = random_ty(rng, 64);
        let init = rng.random_range(ty.min_value()..=ty.max_value());
        let r = b.reg(&format!("r{i}"), ty, Some((rst, init)))?;
        regs.push(r);
        pool.push(r);
    }
    let mut g = Gen { b, pool, rng };
    for i in 0..size.ops {
        if memories && i == size.ops / 3 {
            for _ in 0..g.rng.random_range(1..=2) {
                g.block_memory_unit(rst)?;
            }
        }
        if memories && i == size.ops / 4 {
            for _ in 0..g.rng.random_range(1..=3) {
                g.select_add_unit()?;
            }
        }
        if memories && i == 2 * size.ops / 3 && g.rng.random_bool(0.5) {
            g.spram_unit(rst)?;
        }
        let s = if i == size.ops / 2 {
            let x = g.pick();
            let sub = sub_module(&format!("{name}_sub"), g.rng)?;
            let want = sub.port("x").map(|p| p.elem).unwrap_or(Ty::BIT);
            let xr = g.b.resize("sub_x", x, want)?;
            let outs = g.b.instance("u_sub", sub, &[("x", &[xr])])?;
            outs.scalar("y").unwrap_or(xr)
        } else {
            g.op()?
        };
        g.pool.push(s);
    }
    for r in regs {
        let d = g.pick();
        let ty = g.b.ty(r);
        let d = g.b.resize("d", d, ty)?;
        let en = if g.rng.random_bool(0.5) {
            Some(g.pick_bit()?)
        } else {
            None
        };
        g.b.drive(r, d, en)?;
    }
    let n = g.pool.len();
    for o in 0..size.outputs.max(1) {
        let s = if o < size.outputs / 2 {
            g.pool[n - 1 - o]
        } else {
            g.pick()
        };
        g.b.output(&format!("out{o}"), s)?;
    }
    g.b.finish()
}
