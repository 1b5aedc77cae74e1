//! Random IR circuits for the differential test of the simulator and the
//! emitter: every op, random widths 1..64, mixed signedness, registers with
//! enables, resets and feedback, ROMs and a sub-module instance.

use std::sync::Arc;

use lutforge_hdl::ir::{
    BinOp, BuildError, CmpOp, Module, ModuleBuilder, ReduceOp, SignalId, Ty, UnOp,
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
