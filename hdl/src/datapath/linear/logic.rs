//! One-bit logic and wrapping counters, named after the engine's parts.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

/// a AND b (one bit).
pub fn and(
    b: &mut ModuleBuilder,
    name: &str,
    x: SignalId,
    y: SignalId,
) -> Result<SignalId, BuildError> {
    b.and(name, Ty::BIT, x, y)
}

/// a OR b (one bit).
pub fn or(
    b: &mut ModuleBuilder,
    name: &str,
    x: SignalId,
    y: SignalId,
) -> Result<SignalId, BuildError> {
    b.or(name, Ty::BIT, x, y)
}

/// NOT a (one bit).
pub fn not(b: &mut ModuleBuilder, name: &str, x: SignalId) -> Result<SignalId, BuildError> {
    b.not(name, Ty::BIT, x)
}

/// The AND of every bit in `xs` (1 when empty).
pub fn all(b: &mut ModuleBuilder, name: &str, xs: &[SignalId]) -> Result<SignalId, BuildError> {
    let mut acc = bit(b, &format!("{name}_one"), true)?;
    for &x in xs {
        acc = and(b, name, acc, x)?;
    }
    Ok(acc)
}

/// A constant bit.
pub fn bit(b: &mut ModuleBuilder, name: &str, v: bool) -> Result<SignalId, BuildError> {
    b.constant(name, Ty::BIT, i128::from(v))
}

/// `x == value` (one bit); constant 0 when `value` does not fit `x`'s type.
pub fn eq_const(
    b: &mut ModuleBuilder,
    name: &str,
    x: SignalId,
    value: i128,
) -> Result<SignalId, BuildError> {
    let ty = b.ty(x);
    if value < ty.min_value() || value > ty.max_value() {
        return bit(b, name, false);
    }
    let c = b.constant(&format!("{name}_value"), ty, value)?;
    b.compare(name, CmpOp::Eq, x, c)
}

/// A one-bit register `name` reset to `init`: set by `set`, else cleared by `clear`.
pub fn flag(
    b: &mut ModuleBuilder,
    name: &str,
    rst: SignalId,
    init: bool,
) -> Result<SignalId, BuildError> {
    b.reg(name, Ty::BIT, Some((rst, i128::from(init))))
}

/// Drives a [`flag`]: 1 after an edge where `set` is 1, 0 after one where only `clear` is.
pub fn drive_flag(
    b: &mut ModuleBuilder,
    reg: SignalId,
    set: SignalId,
    clear: SignalId,
) -> Result<(), BuildError> {
    let name = b.name_of(reg).to_string();
    let keep = not(b, &format!("{name}_keep"), clear)?;
    let held = and(b, &format!("{name}_held"), reg, keep)?;
    let next = or(b, &format!("{name}_next"), set, held)?;
    b.drive(reg, next, None)
}

/// A register that counts 0 … period − 1 and wraps, reset to 0; a period of 1 is the constant 0.
#[derive(Debug, Clone)]
pub struct Wrap {
    /// The count.
    pub value: SignalId,
    /// The count is period − 1.
    pub last: SignalId,
    reg: Option<SignalId>,
    name: String,
}

impl Wrap {
    /// Declares the counter.
    pub fn new(
        b: &mut ModuleBuilder,
        name: &str,
        period: usize,
        rst: SignalId,
    ) -> Result<Wrap, BuildError> {
        if period <= 1 {
            let value = b.constant(name, Ty::unsigned(1), 0)?;
            let last = bit(b, &format!("{name}_is_last"), true)?;
            return Ok(Wrap {
                value,
                last,
                reg: None,
                name: name.into(),
            });
        }
        let ty = Ty::unsigned(usize::BITS - (period - 1).leading_zeros());
        let value = b.reg(name, ty, Some((rst, 0)))?;
        let last = eq_const(b, &format!("{name}_is_last"), value, (period - 1) as i128)?;
        Ok(Wrap {
            value,
            last,
            reg: Some(value),
            name: name.into(),
        })
    }

    /// Counts on (wrapping after the last value) on every edge where `en` is 1.
    pub fn step(&self, b: &mut ModuleBuilder, en: SignalId) -> Result<(), BuildError> {
        let Some(reg) = self.reg else { return Ok(()) };
        let ty = b.ty(reg);
        let name = &self.name;
        let one = b.constant(&format!("{name}_one"), ty, 1)?;
        let inc = b.add(&format!("{name}_inc"), ty, reg, one)?;
        let zero = b.constant(&format!("{name}_zero"), ty, 0)?;
        let next = b.mux(&format!("{name}_next"), ty, self.last, zero, inc)?;
        b.drive(reg, next, Some(en))
    }
}

/// Drives a one-bit register to flip on every edge where `en` is 1.
pub fn drive_toggle(b: &mut ModuleBuilder, reg: SignalId, en: SignalId) -> Result<(), BuildError> {
    let name = b.name_of(reg).to_string();
    let flipped = not(b, &format!("{name}_flip"), reg)?;
    b.drive(reg, flipped, Some(en))
}

/// Two banks of one-bit `full` flags, indexed by a one-bit register: each
/// set when a producer finishes the bank it writes, cleared when the
/// consumer finishes the bank it reads.
#[derive(Debug, Clone, Copy)]
pub struct PingPong {
    /// The bank the producer writes (a toggling register).
    pub write: SignalId,
    /// The bank the consumer reads (a toggling register).
    pub read: SignalId,
    /// Whether each bank holds finished data.
    pub full: [SignalId; 2],
    /// The producer's bank is full.
    pub write_full: SignalId,
    /// The consumer's bank is full.
    pub read_full: SignalId,
}

impl PingPong {
    /// Declares the flags `{name}_…`.
    pub fn new(b: &mut ModuleBuilder, name: &str, rst: SignalId) -> Result<PingPong, BuildError> {
        let write = flag(b, &format!("{name}_wsel"), rst, false)?;
        let read = flag(b, &format!("{name}_rsel"), rst, false)?;
        let full = [
            flag(b, &format!("{name}_full0"), rst, false)?,
            flag(b, &format!("{name}_full1"), rst, false)?,
        ];
        let write_full = b.mux(&format!("{name}_wfull"), Ty::BIT, write, full[1], full[0])?;
        let read_full = b.mux(&format!("{name}_rfull"), Ty::BIT, read, full[1], full[0])?;
        Ok(PingPong {
            write,
            read,
            full,
            write_full,
            read_full,
        })
    }

    /// One bit per bank: `sel` (a bank index register) is that bank, and `en`.
    pub fn on_bank(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        sel: SignalId,
        en: SignalId,
    ) -> Result<[SignalId; 2], BuildError> {
        let other = not(b, &format!("{name}_b0"), sel)?;
        Ok([
            and(b, &format!("{name}_0"), en, other)?,
            and(b, &format!("{name}_1"), en, sel)?,
        ])
    }

    /// Drives the flags: `done` ends the producer's bank, `used` the consumer's.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        done: SignalId,
        used: SignalId,
    ) -> Result<(), BuildError> {
        let set = self.on_bank(b, &format!("{name}_set"), self.write, done)?;
        let clear = self.on_bank(b, &format!("{name}_clr"), self.read, used)?;
        for i in 0..2 {
            drive_flag(b, self.full[i], set[i], clear[i])?;
        }
        drive_toggle(b, self.write, done)?;
        drive_toggle(b, self.read, used)
    }
}
