//! A thin layer over the IR builder for control logic: constants, compares,
//! selects and registers written as "on this condition, this value" in the
//! order a Verilog `always` block would assign them (the last one wins).

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

/// Bits of an unsigned number that holds 0..=max.
pub fn bits_for(max: u64) -> u32 {
    (64 - max.leading_zeros()).max(1)
}

/// A register under construction: its output and its assignments so far.
struct Pending {
    q: SignalId,
    sets: Vec<(SignalId, SignalId)>,
}

/// The builder, the board's reset and the registers still to be driven.
pub struct Net<'a> {
    /// The module being built.
    pub b: &'a mut ModuleBuilder,
    /// The synchronous reset every register of [`Net::reg`] takes.
    pub rst: SignalId,
    pending: Vec<Pending>,
}

impl<'a> Net<'a> {
    /// A layer over `b` whose registers reset on `rst`.
    pub fn new(b: &'a mut ModuleBuilder, rst: SignalId) -> Self {
        Net {
            b,
            rst,
            pending: Vec::new(),
        }
    }

    /// The type of `s`.
    pub fn ty(&self, s: SignalId) -> Ty {
        self.b.ty(s)
    }

    /// The width of `s`.
    pub fn w(&self, s: SignalId) -> u32 {
        self.b.ty(s).width
    }

    /// An unsigned constant of `width` bits.
    pub fn k(&mut self, width: u32, v: u64) -> Result<SignalId, BuildError> {
        self.b.constant("k", Ty::unsigned(width), i128::from(v))
    }

    /// An unsigned constant just wide enough for `v`.
    pub fn kv(&mut self, v: u64) -> Result<SignalId, BuildError> {
        self.k(bits_for(v), v)
    }

    /// One constant bit.
    pub fn bit(&mut self, v: bool) -> Result<SignalId, BuildError> {
        self.k(1, u64::from(v))
    }

    /// a AND b (one bit each).
    pub fn and(&mut self, a: SignalId, b: SignalId) -> Result<SignalId, BuildError> {
        self.b.and("and", Ty::BIT, a, b)
    }

    /// a OR b (one bit each).
    pub fn or(&mut self, a: SignalId, b: SignalId) -> Result<SignalId, BuildError> {
        self.b.or("or", Ty::BIT, a, b)
    }

    /// NOT a (one bit).
    pub fn not(&mut self, a: SignalId) -> Result<SignalId, BuildError> {
        self.b.not("not", Ty::BIT, a)
    }

    /// Every bit of `xs` set.
    pub fn all(&mut self, xs: &[SignalId]) -> Result<SignalId, BuildError> {
        let mut acc = self.bit(true)?;
        for &x in xs {
            acc = self.and(acc, x)?;
        }
        Ok(acc)
    }

    /// Any bit of `xs` set.
    pub fn any(&mut self, xs: &[SignalId]) -> Result<SignalId, BuildError> {
        let mut acc = self.bit(false)?;
        for &x in xs {
            acc = self.or(acc, x)?;
        }
        Ok(acc)
    }

    /// a `op` b on their exact values.
    pub fn cmp(&mut self, op: CmpOp, a: SignalId, b: SignalId) -> Result<SignalId, BuildError> {
        self.b.compare("cmp", op, a, b)
    }

    /// a == v.
    pub fn eqk(&mut self, a: SignalId, v: u64) -> Result<SignalId, BuildError> {
        let k = self.kv(v)?;
        self.cmp(CmpOp::Eq, a, k)
    }

    /// a `op` v.
    pub fn cmpk(&mut self, op: CmpOp, a: SignalId, v: u64) -> Result<SignalId, BuildError> {
        let k = self.kv(v)?;
        self.cmp(op, a, k)
    }

    /// a + b in an unsigned `width`.
    pub fn add(&mut self, a: SignalId, b: SignalId, width: u32) -> Result<SignalId, BuildError> {
        self.b.add("add", Ty::unsigned(width), a, b)
    }

    /// a + v in a's own width (wrapping).
    pub fn addk(&mut self, a: SignalId, v: u64) -> Result<SignalId, BuildError> {
        let w = self.w(a);
        let k = self.k(w, v & crate::ir::mask(w))?;
        self.b.add("inc", Ty::unsigned(w), a, k)
    }

    /// a − b in an unsigned `width` (wrapping).
    pub fn sub(&mut self, a: SignalId, b: SignalId, width: u32) -> Result<SignalId, BuildError> {
        self.b.sub("sub", Ty::unsigned(width), a, b)
    }

    /// `sel` ? `then` : `otherwise` in an unsigned `width`.
    pub fn mux(
        &mut self,
        width: u32,
        sel: SignalId,
        then: SignalId,
        otherwise: SignalId,
    ) -> Result<SignalId, BuildError> {
        let t = self.fit(then, width)?;
        let o = self.fit(otherwise, width)?;
        self.b.mux("mux", Ty::unsigned(width), sel, t, o)
    }

    /// `options[sel]` in an unsigned `width` (0 past the end).
    pub fn select(
        &mut self,
        width: u32,
        sel: SignalId,
        options: &[SignalId],
    ) -> Result<SignalId, BuildError> {
        let mut acc = self.k(width, 0)?;
        for (i, &o) in options.iter().enumerate().rev() {
            let hit = self.eqk(sel, i as u64)?;
            acc = self.mux(width, hit, o, acc)?;
        }
        Ok(acc)
    }

    /// The first value whose condition holds, in an unsigned `width`, else `otherwise`.
    pub fn priority(
        &mut self,
        width: u32,
        cases: &[(SignalId, SignalId)],
        otherwise: SignalId,
    ) -> Result<SignalId, BuildError> {
        let mut acc = self.fit(otherwise, width)?;
        for &(c, v) in cases.iter().rev() {
            acc = self.mux(width, c, v, acc)?;
        }
        Ok(acc)
    }

    /// Bits `lo .. lo + width` of `a`, unsigned.
    pub fn slice(&mut self, a: SignalId, lo: u32, width: u32) -> Result<SignalId, BuildError> {
        self.b.slice("bits", a, lo, width, false)
    }

    /// `a` as an unsigned `width`: zero-extended (or sign-extended if `a`
    /// is signed) when narrower, its low bits when wider.
    pub fn fit(&mut self, a: SignalId, width: u32) -> Result<SignalId, BuildError> {
        let ty = self.ty(a);
        if ty.width == width && !ty.signed {
            return Ok(a);
        }
        if ty.width > width {
            return self.slice(a, 0, width);
        }
        let wide = self.b.extend(
            "ext",
            a,
            Ty {
                width,
                signed: ty.signed,
            },
            ty.signed,
        )?;
        if ty.signed {
            self.slice(wide, 0, width)
        } else {
            Ok(wide)
        }
    }

    /// Parts side by side, `parts[0]` lowest, unsigned.
    pub fn concat(&mut self, parts: &[SignalId]) -> Result<SignalId, BuildError> {
        self.b.concat("cat", parts, false)
    }

    /// Byte `i` of `a` (zeros past its top).
    pub fn byte(&mut self, a: SignalId, i: u32) -> Result<SignalId, BuildError> {
        let w = self.w(a);
        if 8 * i >= w {
            return self.k(8, 0);
        }
        let s = self.slice(a, 8 * i, (w - 8 * i).min(8))?;
        self.fit(s, 8)
    }

    /// Byte `sel` of `a` (a mux over its bytes).
    pub fn byte_at(&mut self, a: SignalId, sel: SignalId) -> Result<SignalId, BuildError> {
        let n = self.w(a).div_ceil(8);
        let bytes = (0..n)
            .map(|i| self.byte(a, i))
            .collect::<Result<Vec<_>, _>>()?;
        self.select(8, sel, &bytes)
    }

    /// A register of `ty` reset to `init` by the board's reset; give it values with [`Net::set`].
    pub fn reg(&mut self, name: &str, ty: Ty, init: i128) -> Result<SignalId, BuildError> {
        let q = self.b.reg(name, ty, Some((self.rst, init)))?;
        self.pending.push(Pending {
            q,
            sets: Vec::new(),
        });
        Ok(q)
    }

    /// An unsigned register of `width` bits reset to 0.
    pub fn ureg(&mut self, name: &str, width: u32) -> Result<SignalId, BuildError> {
        self.reg(name, Ty::unsigned(width), 0)
    }

    /// On the edges where `cond` is 1, register `q` takes `value`
    /// (resized to its width); a later `set` of the same register wins.
    pub fn set(&mut self, q: SignalId, cond: SignalId, value: SignalId) -> Result<(), BuildError> {
        let ty = self.ty(q);
        let v = self.fit(value, ty.width)?;
        let v = if ty.signed {
            self.b.slice("sv", v, 0, ty.width, true)?
        } else {
            v
        };
        let p = self
            .pending
            .iter_mut()
            .find(|p| p.q == q)
            .expect("set on a register of this net");
        p.sets.push((cond, v));
        Ok(())
    }

    /// [`Net::set`] with a constant value.
    pub fn setk(&mut self, q: SignalId, cond: SignalId, v: u64) -> Result<(), BuildError> {
        let w = self.w(q);
        let k = self.k(w, v & crate::ir::mask(w))?;
        self.set(q, cond, k)
    }

    /// Drives every register from its assignments (holding when none applies).
    pub fn finish(self) -> Result<(), BuildError> {
        for p in self.pending {
            let ty = self.b.ty(p.q);
            let mut d = p.q;
            for (c, v) in p.sets {
                d = self.b.mux("next", ty, c, v, d)?;
            }
            self.b.drive(p.q, d, None)?;
        }
        Ok(())
    }
}
