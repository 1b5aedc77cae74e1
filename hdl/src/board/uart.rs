//! An 8N1 UART: a transmitter and a receiver, each its own module, at a
//! fixed number of clocks per bit.
//!
//! `NAME_tx`: inputs `rst`, `in_valid`, `in_data[8]`; outputs `in_ready`,
//! `txd`. A byte offered while `in_ready` is 1 is taken on that edge and
//! sent LSB first between a start bit (0) and a stop bit (1), each bit
//! `clocks_per_bit` cycles long; the line idles at 1.
//!
//! `NAME_rx`: inputs `rst`, `rxd`; outputs `out_valid`, `out_data[8]`,
//! `out_error`. The line passes two synchronising flip-flops; a 0 after
//! idle starts a byte, sampled in the middle of every bit (half a bit after
//! the falling edge, then every `clocks_per_bit` cycles); a start bit that
//! is 1 at its middle is a glitch and is ignored. After the stop bit
//! `out_valid` (stop bit 1) or `out_error` (stop bit 0, a framing error) is
//! 1 for one cycle, with the byte on `out_data` until the next byte's bits
//! arrive.

use crate::ir::{BuildError, CmpOp, Module, ModuleBuilder, SignalId, Ty};

/// Fewest clocks per bit the receiver can sample mid-bit with.
pub const MIN_CLOCKS_PER_BIT: u32 = 8;

fn check_rate(name: &str, clocks_per_bit: u32) -> Result<(), BuildError> {
    if !(MIN_CLOCKS_PER_BIT..=1 << 20).contains(&clocks_per_bit) {
        return Err(BuildError::Invalid {
            module: name.into(),
            message: format!(
                "clocks per bit = {clocks_per_bit} is invalid: a UART bit needs {MIN_CLOCKS_PER_BIT}..=1048576 clocks"
            ),
        });
    }
    Ok(())
}

/// Bits of a counter that holds 0..=max.
fn counter_ty(max: u32) -> Ty {
    Ty::unsigned((32 - max.leading_zeros()).max(1))
}

/// `c + 1` in the counter's own width.
fn increment(b: &mut ModuleBuilder, name: &str, c: SignalId) -> Result<SignalId, BuildError> {
    let ty = b.ty(c);
    let one = b.constant(&format!("{name}_one"), ty, 1)?;
    b.add(name, ty, c, one)
}

/// `c == value` as one bit.
fn equals(
    b: &mut ModuleBuilder,
    name: &str,
    c: SignalId,
    value: u32,
) -> Result<SignalId, BuildError> {
    let k = b.constant(&format!("{name}_k"), b.ty(c), i128::from(value))?;
    b.compare(name, CmpOp::Eq, c, k)
}

/// The transmitter module `NAME_tx`.
pub fn uart_tx_module(name: &str, clocks_per_bit: u32) -> Result<Module, BuildError> {
    let module = format!("{name}_tx");
    check_rate(&module, clocks_per_bit)?;
    let mut b = ModuleBuilder::new(&module)?;
    b.clock()?;
    let rst = b.input("rst", Ty::BIT)?;
    let valid = b.input("in_valid", Ty::BIT)?;
    let data = b.input("in_data", Ty::unsigned(8))?;
    let busy = b.reg("busy", Ty::BIT, Some((rst, 0)))?;
    let frame = b.reg("frame", Ty::unsigned(10), Some((rst, 0x3ff)))?;
    let baud = b.reg("baud", counter_ty(clocks_per_bit - 1), Some((rst, 0)))?;
    let bits = b.reg("bits", Ty::unsigned(4), Some((rst, 0)))?;

    let idle = b.not("idle", Ty::BIT, busy)?;
    let start = b.and("start", Ty::BIT, valid, idle)?;
    let bit_end = equals(&mut b, "bit_end", baud, clocks_per_bit - 1)?;
    let tick = b.and("tick", Ty::BIT, busy, bit_end)?;
    let last_bit = equals(&mut b, "last_bit", bits, 9)?;
    let done = b.and("done", Ty::BIT, tick, last_bit)?;

    let zero_bit = b.constant("zero_bit", Ty::BIT, 0)?;
    let one_bit = b.constant("one_bit", Ty::BIT, 1)?;
    let loaded = b.concat("loaded", &[zero_bit, data, one_bit], false)?;
    let rest = b.slice("frame_rest", frame, 1, 9, false)?;
    let shifted = b.concat("shifted", &[rest, one_bit], false)?;
    let frame_moved = b.mux("frame_moved", Ty::unsigned(10), tick, shifted, frame)?;
    let frame_next = b.mux("frame_next", Ty::unsigned(10), start, loaded, frame_moved)?;
    b.drive(frame, frame_next, None)?;

    let baud_up = increment(&mut b, "baud_up", baud)?;
    let baud_zero = b.constant("baud_zero", b.ty(baud), 0)?;
    let restart = b.or("baud_restart", Ty::BIT, start, tick)?;
    let baud_next = b.mux("baud_next", b.ty(baud), restart, baud_zero, baud_up)?;
    b.drive(baud, baud_next, None)?;

    let bits_up = increment(&mut b, "bits_up", bits)?;
    let bits_zero = b.constant("bits_zero", Ty::unsigned(4), 0)?;
    let bits_moved = b.mux("bits_moved", Ty::unsigned(4), tick, bits_up, bits)?;
    let bits_next = b.mux("bits_next", Ty::unsigned(4), start, bits_zero, bits_moved)?;
    b.drive(bits, bits_next, None)?;

    let still = b.not("not_done", Ty::BIT, done)?;
    let kept = b.and("busy_kept", Ty::BIT, busy, still)?;
    let busy_next = b.or("busy_next", Ty::BIT, start, kept)?;
    b.drive(busy, busy_next, None)?;

    let txd = b.slice("txd_bit", frame, 0, 1, false)?;
    b.output("in_ready", idle)?;
    b.output("txd", txd)?;
    b.finish()
}

/// The receiver module `NAME_rx`.
pub fn uart_rx_module(name: &str, clocks_per_bit: u32) -> Result<Module, BuildError> {
    let module = format!("{name}_rx");
    check_rate(&module, clocks_per_bit)?;
    let mut b = ModuleBuilder::new(&module)?;
    b.clock()?;
    let rst = b.input("rst", Ty::BIT)?;
    let rxd = b.input("rxd", Ty::BIT)?;
    let sync1 = b.register("sync1", rxd, None, Some((rst, 1)))?;
    let line = b.register("sync2", sync1, None, Some((rst, 1)))?;
    let active = b.reg("active", Ty::BIT, Some((rst, 0)))?;
    let cnt_ty = counter_ty(clocks_per_bit - 1);
    let cnt = b.reg("cnt", cnt_ty, Some((rst, 0)))?;
    let bits = b.reg("bits", Ty::unsigned(4), Some((rst, 0)))?;
    let shift = b.reg("shift", Ty::unsigned(8), Some((rst, 0)))?;

    let idle = b.not("idle", Ty::BIT, active)?;
    let low = b.not("line_low", Ty::BIT, line)?;
    let start = b.and("start", Ty::BIT, idle, low)?;
    let cnt_zero = equals(&mut b, "cnt_zero", cnt, 0)?;
    let sample = b.and("sample", Ty::BIT, active, cnt_zero)?;
    let at_start = equals(&mut b, "at_start", bits, 0)?;
    let at_stop = equals(&mut b, "at_stop", bits, 9)?;
    let glitch_bit = b.and("glitch_bit", Ty::BIT, at_start, line)?;
    let glitch = b.and("glitch", Ty::BIT, sample, glitch_bit)?;
    let stop = b.and("stop", Ty::BIT, sample, at_stop)?;
    let not_start = b.not("not_at_start", Ty::BIT, at_start)?;
    let not_stop = b.not("not_at_stop", Ty::BIT, at_stop)?;
    let data_bit = b.and("data_bit", Ty::BIT, not_start, not_stop)?;
    let take = b.and("take", Ty::BIT, sample, data_bit)?;

    let half = b.constant("half", cnt_ty, i128::from(clocks_per_bit / 2 - 1))?;
    let full = b.constant("full", cnt_ty, i128::from(clocks_per_bit - 1))?;
    let one = b.constant("cnt_one", cnt_ty, 1)?;
    let cnt_down = b.sub("cnt_down", cnt_ty, cnt, one)?;
    let cnt_run = b.mux("cnt_run", cnt_ty, cnt_zero, full, cnt_down)?;
    let cnt_next = b.mux("cnt_next", cnt_ty, start, half, cnt_run)?;
    b.drive(cnt, cnt_next, None)?;

    let bits_up = increment(&mut b, "bits_up", bits)?;
    let bits_zero = b.constant("bits_zero", Ty::unsigned(4), 0)?;
    let bits_moved = b.mux("bits_moved", Ty::unsigned(4), sample, bits_up, bits)?;
    let bits_next = b.mux("bits_next", Ty::unsigned(4), start, bits_zero, bits_moved)?;
    b.drive(bits, bits_next, None)?;

    let ends = b.or("ends", Ty::BIT, glitch, stop)?;
    let not_ends = b.not("not_ends", Ty::BIT, ends)?;
    let kept = b.and("active_kept", Ty::BIT, active, not_ends)?;
    let active_next = b.or("active_next", Ty::BIT, start, kept)?;
    b.drive(active, active_next, None)?;

    let upper = b.slice("shift_upper", shift, 1, 7, false)?;
    let shift_in = b.concat("shift_in", &[upper, line], false)?;
    b.drive(shift, shift_in, Some(take))?;

    let good = b.and("stop_good", Ty::BIT, stop, line)?;
    let bad = b.and("stop_bad", Ty::BIT, stop, low)?;
    let valid = b.register("valid_q", good, None, Some((rst, 0)))?;
    let error = b.register("error_q", bad, None, Some((rst, 0)))?;
    b.output("out_valid", valid)?;
    b.output("out_data", shift)?;
    b.output("out_error", error)?;
    b.finish()
}
