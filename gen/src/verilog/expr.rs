//! The Verilog text of each IR expression.
//!
//! Every operand is first brought to exactly the width it is used at by
//! explicit bit operations (replicated sign bits or zeros), so the text never
//! depends on Verilog's context-determined sizing or on declared signedness,
//! and Verilator sees no width mismatch. Every read is recorded in [`Usage`].

use lutforge_hdl::ir::{BinOp, CmpOp, Def, Module, ReduceOp, SignalId, Ty, UnOp};

use super::usage::Usage;
use super::view::Waiver;

/// The packed range of a `width`-bit declaration followed by a space (`[7:0] `),
/// or nothing for one bit, so that one-bit signals are never bit-selected.
pub(crate) fn range(width: u64) -> String {
    if width == 1 {
        String::new()
    } else {
        format!("[{}:0] ", width - 1)
    }
}

/// The type part of a declaration: `signed [7:0] `, `[7:0] `, `signed ` or nothing.
pub(crate) fn decl_type(ty: Ty) -> String {
    let signed = if ty.signed { "signed " } else { "" };
    format!("{signed}{}", range(ty.width.into()))
}

/// An unsigned literal of `width` bits with the bit pattern `bits`.
pub(crate) fn literal(width: u32, bits: u64) -> String {
    if width == 1 {
        format!("1'b{}", bits & 1)
    } else {
        let digits = width.div_ceil(4) as usize;
        format!("{width}'h{bits:0digits$x}")
    }
}

/// `n` bits from bit `lo` of `name`, a `width`-bit vector (or a plain
/// one-bit signal when `width` is 1).
pub(crate) fn select(name: &str, width: u64, lo: u64, n: u64) -> String {
    if lo == 0 && n == width {
        name.to_string()
    } else if n == 1 {
        format!("{name}[{lo}]")
    } else {
        format!("{name}[{}:{lo}]", lo + n - 1)
    }
}

/// Parts (most significant first) as one expression: the part itself when
/// alone, else their concatenation.
fn cat(parts: Vec<String>) -> String {
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

/// Writes the expressions of one module and records what they read.
pub(crate) struct Exprs<'m> {
    module: &'m Module,
    /// Bits read so far.
    pub(crate) usage: Usage,
}

impl<'m> Exprs<'m> {
    /// A writer for `module` with nothing read yet.
    pub(crate) fn new(module: &'m Module) -> Self {
        Exprs {
            module,
            usage: Usage::new(module.signals.len()),
        }
    }

    fn ty(&self, id: SignalId) -> Ty {
        self.module.signal(id).ty
    }

    /// Every bit of `id`, as its name.
    pub(crate) fn whole(&mut self, id: SignalId) -> String {
        let s = self.module.signal(id);
        self.usage.read_bits(id, 0, s.ty.width);
        s.name.clone()
    }

    /// `n` bits of `id` from bit `lo` (all within the signal).
    fn bits(&mut self, id: SignalId, lo: u32, n: u32) -> String {
        let s = self.module.signal(id);
        self.usage.read_bits(id, lo, n);
        select(&s.name, s.ty.width.into(), lo.into(), n.into())
    }

    /// Bits `lo .. lo + n` of `id` extended without end, by copies of its
    /// top bit when `sign`, by zeros otherwise; parts most significant first.
    fn field(&mut self, id: SignalId, sign: bool, lo: u32, n: u32) -> Vec<String> {
        let w = self.ty(id).width;
        // Only the top bit inside and copies of it above: all copies.
        let inside = if lo >= w || (sign && lo == w - 1) {
            0
        } else {
            (w - lo).min(n)
        };
        let fill = n - inside;
        let mut parts = Vec::with_capacity(2);
        if fill > 0 {
            parts.push(if sign {
                let top = self.bits(id, w - 1, 1);
                if fill == 1 {
                    top
                } else {
                    format!("{{{fill}{{{top}}}}}")
                }
            } else {
                format!("{fill}'b0")
            });
        }
        if inside > 0 {
            parts.push(self.bits(id, lo, inside));
        }
        parts
    }

    /// `id` extended to `width` bits (no fewer than its own), by sign copies
    /// when `sign`, by zeros otherwise.
    fn ext(&mut self, id: SignalId, sign: bool, width: u32) -> String {
        let parts = self.field(id, sign, 0, width);
        cat(parts)
    }

    /// Bit `i` of `id` extended without end by its own signedness (a copy
    /// of its top bit, or a zero, past its width).
    pub(crate) fn ext_bit(&mut self, id: SignalId, i: u32) -> String {
        let sign = self.ty(id).signed;
        let parts = self.field(id, sign, i, 1);
        cat(parts)
    }

    /// `id` extended to `width` bits by its own signedness.
    fn ext_own(&mut self, id: SignalId, width: u32) -> String {
        let sign = self.ty(id).signed;
        self.ext(id, sign, width)
    }

    /// The right-hand side of the assign of a combinational operation, or
    /// `None` for a signal that is not one (ports, ROMs, registers, memories, instances).
    pub(crate) fn op(&mut self, id: SignalId) -> Option<String> {
        let s = self.module.signal(id);
        let w = s.ty.width;
        Some(match &s.def {
            Def::Const(bits) => literal(w, *bits),
            &Def::Unary(op, a) => {
                let x = self.ext_own(a, w);
                let sym = match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "~",
                };
                format!("{sym}{x}")
            }
            &Def::Binary(BinOp::Mul, a, b) if self.narrow_mul(a, b, w) => {
                let x = self.signed_operand(a);
                let y = self.signed_operand(b);
                format!("$signed({x}) * $signed({y})")
            }
            &Def::Binary(op, a, b) => {
                let x = self.ext_own(a, w);
                let y = self.ext_own(b, w);
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::And => "&",
                    BinOp::Or => "|",
                    BinOp::Xor => "^",
                };
                format!("{x} {sym} {y}")
            }
            &Def::Add3(a, b, c) => {
                let x = self.ext_own(a, w);
                let y = self.ext_own(b, w);
                let z = self.ext_own(c, w);
                format!("{x} + {y} + {z}")
            }
            &Def::Compare(op, a, b) => self.compare(op, a, b),
            &Def::Reduce(op, a) => {
                let x = self.whole(a);
                let sym = match op {
                    ReduceOp::And => "&",
                    ReduceOp::Or => "|",
                    ReduceOp::Xor => "^",
                };
                format!("{sym}{x}")
            }
            &Def::Shl(a, k) => {
                if k >= w {
                    format!("{w}'b0")
                } else {
                    let sign = self.ty(a).signed;
                    let mut parts = self.field(a, sign, 0, w - k);
                    if k > 0 {
                        parts.push(format!("{k}'b0"));
                    }
                    cat(parts)
                }
            }
            &Def::Shr(a, k) => {
                let sign = self.ty(a).signed;
                let parts = self.field(a, sign, k, w);
                cat(parts)
            }
            &Def::Slice { src, lo } => self.bits(src, lo, w),
            Def::Concat(parts) => {
                let parts: Vec<String> = parts.iter().rev().map(|&p| self.whole(p)).collect();
                cat(parts)
            }
            &Def::Extend { src, sign } => self.ext(src, sign, w),
            &Def::Mux {
                sel,
                then,
                otherwise,
            } => {
                let c = self.whole(sel);
                let t = self.ext_own(then, w);
                let f = self.ext_own(otherwise, w);
                format!("{c} ? {t} : {f}")
            }
            &Def::MemRead { mem, addr } => {
                let a = self.whole(addr);
                let m = self.whole(mem);
                format!("{m}[{a}]")
            }
            Def::Input { .. }
            | Def::Rom { .. }
            | Def::Reg { .. }
            | Def::Memory { .. }
            | Def::BlockMemory { .. }
            | Def::BlockRead { .. }
            | Def::Spram { .. }
            | Def::SelectAdd { .. }
            | Def::InstOut { .. } => {
                return None;
            }
        })
    }

    /// True when a product is written on its operands' own widths, as a
    /// signed multiply that Verilog sign-extends to the result width: the
    /// same value as extending first, but Yosys then sizes the multiplier
    /// by the operands (8×4) instead of the result (12×12). It applies when
    /// both operands, read as signed, are narrower than the result.
    fn narrow_mul(&self, a: SignalId, b: SignalId, w: u32) -> bool {
        let signed_width = |t: Ty| t.width + u32::from(!t.signed);
        let (wa, wb) = (signed_width(self.ty(a)), signed_width(self.ty(b)));
        wa <= w && wb <= w && (wa < w || wb < w)
    }

    /// An operand as a signed value of its own width (an unsigned one gets a zero on top).
    fn signed_operand(&mut self, id: SignalId) -> String {
        if self.ty(id).signed {
            self.whole(id)
        } else {
            let x = self.whole(id);
            format!("{{1'b0, {x}}}")
        }
    }

    /// The lint waiver an op's assign needs, if any.
    pub(crate) fn waiver(&self, id: SignalId) -> Option<Waiver> {
        let s = self.module.signal(id);
        match s.def {
            Def::Binary(BinOp::Mul, a, b) if self.narrow_mul(a, b, s.ty.width) => Some(Waiver {
                rule: "WIDTH",
                why: "signed operands extend to the product width by Verilog's rules; the multiplier stays narrow",
            }),
            _ => None,
        }
    }

    /// A comparison of exact values: both operands extended by their own
    /// signedness to a common width that holds both (one more bit when the
    /// signedness differs), compared signed unless both are unsigned.
    fn compare(&mut self, op: CmpOp, a: SignalId, b: SignalId) -> String {
        let (ta, tb) = (self.ty(a), self.ty(b));
        let width = ta.width.max(tb.width) + u32::from(ta.signed != tb.signed);
        let x = self.ext_own(a, width);
        let y = self.ext_own(b, width);
        let sym = match op {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        };
        let signed = ta.signed || tb.signed;
        if signed && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            format!("$signed({x}) {sym} $signed({y})")
        } else {
            format!("{x} {sym} {y}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_sized_and_unsigned() {
        assert_eq!(literal(1, 1), "1'b1");
        assert_eq!(literal(8, 5), "8'h05");
        assert_eq!(literal(9, 0x1ff), "9'h1ff");
        assert_eq!(literal(64, u64::MAX), "64'hffffffffffffffff");
    }

    #[test]
    fn selects_never_index_a_plain_bit() {
        assert_eq!(select("a", 1, 0, 1), "a");
        assert_eq!(select("a", 8, 0, 8), "a");
        assert_eq!(select("a", 8, 3, 1), "a[3]");
        assert_eq!(select("a", 8, 2, 4), "a[5:2]");
        assert_eq!(range(1), "");
        assert_eq!(range(12), "[11:0] ");
        assert_eq!(decl_type(Ty::signed(1)), "signed ");
    }
}
