//! The result queue of the `credit` flow control (docs/spec/architecture.md,
//! "Flow control"): the pipeline runs freely and every finished run is
//! written into a LUT-RAM FIFO that `out_y` reads; `in_ready` is a flip-flop
//! kept 1 while the results taken but not yet read (queued or still in the
//! pipeline) leave an entry free for one more.
//!
//! Depth: with `out_ready` held at 1 a result written on edge t + L (L the
//! latency) is read on edge t + L + 1, so L + 1 runs are outstanding after
//! each edge and one more must fit: `next_pow2(L + 2)` entries keep a beat
//! taken every cycle, as the stall form does.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

/// Entries of the queue of a core of `latency` edges.
pub fn queue_depth(latency: u32) -> u32 {
    (latency + 2).next_power_of_two().max(2)
}

/// The queue's handshake inputs.
pub struct QueueControl {
    /// Synchronous reset.
    pub rst: SignalId,
    /// A run's last beat was taken on this edge (it holds a result from now on).
    pub taken_last: SignalId,
    /// A finished run's results are written on this edge.
    pub write: SignalId,
    /// The consumer's `out_ready`.
    pub out_ready: SignalId,
    /// The `out_valid` register, driven here.
    pub out_valid: SignalId,
    /// The `in_ready` register (reset to 1), driven here.
    pub room: SignalId,
}

/// Declares the `in_ready` register of a credit-controlled core (1 after reset).
pub fn room_register(b: &mut ModuleBuilder, rst: SignalId) -> Result<SignalId, BuildError> {
    b.reg("in_ready_q", Ty::BIT, Some((rst, 1)))
}

/// Builds the queue of `depth` entries for `values` (written on
/// `ctl.write`) and drives `out_valid` and `in_ready`; returns what `out_y`
/// (and any flag port) carries, one signal per value.
pub fn result_queue(
    b: &mut ModuleBuilder,
    ctl: &QueueControl,
    depth: u32,
    values: &[(String, SignalId)],
) -> Result<Vec<SignalId>, BuildError> {
    let addr_ty = Ty::unsigned(depth.trailing_zeros());
    let count_ty = Ty::unsigned(depth.trailing_zeros() + 1);
    let read = b.and("rq_read", Ty::BIT, ctl.out_valid, ctl.out_ready)?;
    let wr = pointer(b, "rq_wr", addr_ty, ctl.rst, ctl.write)?;
    let rd = pointer(b, "rq_rd", addr_ty, ctl.rst, read)?;

    // Queued results: out_valid is 1 while there is one.
    let used = count(b, "rq_used", count_ty, ctl.rst, ctl.write, read)?;
    let zero = b.constant("rq_zero", count_ty, 0)?;
    let any = b.compare("rq_any_next", CmpOp::Ne, used, zero)?;
    b.drive(ctl.out_valid, any, None)?;

    // Outstanding results (queued or in flight): in_ready while one more fits.
    let pending = count(b, "rq_pending", count_ty, ctl.rst, ctl.taken_last, read)?;
    let full = b.constant("rq_depth", count_ty, i128::from(depth))?;
    let room = b.compare("rq_room_next", CmpOp::Lt, pending, full)?;
    b.drive(ctl.room, room, None)?;

    values
        .iter()
        .map(|(name, v)| {
            let ty = b.ty(*v);
            let mem = b.memory(&format!("rq_{name}"), ty, depth)?;
            b.write_port(mem, ctl.write, wr, *v)?;
            b.mem_read(name, mem, rd)
        })
        .collect()
}

/// A wrapping pointer that steps on `step`.
fn pointer(
    b: &mut ModuleBuilder,
    name: &str,
    ty: Ty,
    rst: SignalId,
    step: SignalId,
) -> Result<SignalId, BuildError> {
    let p = b.reg(name, ty, Some((rst, 0)))?;
    let next = b.add(&format!("{name}_inc"), ty, p, step)?;
    b.drive(p, next, None)?;
    Ok(p)
}

/// A count that goes up on `up` and down on `down` in the same edge;
/// returns its next value (the register holds it after the edge).
fn count(
    b: &mut ModuleBuilder,
    name: &str,
    ty: Ty,
    rst: SignalId,
    up: SignalId,
    down: SignalId,
) -> Result<SignalId, BuildError> {
    let c = b.reg(name, ty, Some((rst, 0)))?;
    let plus = b.add(&format!("{name}_up"), ty, c, up)?;
    let next = b.sub(&format!("{name}_next"), ty, plus, down)?;
    b.drive(c, next, None)?;
    Ok(next)
}
