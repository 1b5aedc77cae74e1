//! The result queue of the `credit` flow control (docs/spec/architecture.md,
//! "Flow control"): the pipeline runs freely and every finished run goes
//! to the output register when it is free, else behind it into a LUT-RAM
//! FIFO; `in_ready` is a flip-flop kept 1 while the results taken but not
//! yet read (queued or still in the pipeline) leave room for one more.
//!
//! Order of the queued results: the output register (`out_y`, oldest), the
//! LUT RAM, then a staging register that holds the newest for one cycle
//! before the RAM takes it (a flip-flop, not the accumulator's adder, meets
//! the RAM's write setup). `out_y` and `out_valid` are flip-flops, and
//! `out_ready` only enables the output register.
//!
//! Depth: with `out_ready` held at 1 a result written on edge t + L (L the
//! latency) is read on edge t + L + 1, so L + 1 runs are outstanding after
//! each edge and one more must fit: L + 2. The staging register's word
//! waits in the RAM's free slot, so the queue holds RAM depth + 1 results:
//! a RAM of `next_pow2(L + 1)` words keeps a beat taken every cycle, as the
//! stall form does.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

/// Words of the LUT RAM of a core of `latency` edges (the queue holds one more).
pub fn queue_depth(latency: u32) -> u32 {
    (latency + 1).next_power_of_two().max(2)
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

/// Builds the queue with a RAM of `depth` words for `values` (written on
/// `ctl.write`) and drives `out_valid` and `in_ready`; returns the output
/// registers (`out_y` and any flag port), one per value.
pub fn result_queue(
    b: &mut ModuleBuilder,
    ctl: &QueueControl,
    depth: u32,
    values: &[(String, SignalId)],
) -> Result<Vec<SignalId>, BuildError> {
    let addr_ty = Ty::unsigned(depth.trailing_zeros());
    let count_ty = Ty::unsigned(depth.trailing_zeros() + 1);
    let (hv, w) = (ctl.out_valid, ctl.write);
    let read = b.and("rq_read", Ty::BIT, hv, ctl.out_ready)?;

    // Where each result goes: the output register when it is free (empty
    // or read on this edge) and nothing older waits; else the staging
    // register; a staged word moves to the RAM unless it becomes the head.
    let empty = b.not("rq_head_empty", Ty::BIT, hv)?;
    let head_free = b.or("rq_head_free", Ty::BIT, empty, ctl.out_ready)?;
    let head_kept = b.not("rq_head_kept", Ty::BIT, head_free)?;
    let sv = b.reg("rq_staged", Ty::BIT, Some((ctl.rst, 0)))?;
    let qn = b.reg("rq_used", count_ty, Some((ctl.rst, 0)))?;
    // Whether the RAM holds a word, a flip-flop beside the count (a compare
    // of the count would sit at the head of every path below).
    let q_any = b.reg("rq_any", Ty::BIT, Some((ctl.rst, 0)))?;
    let behind = b.or("rq_behind", Ty::BIT, head_kept, q_any)?;
    let q_write = b.and("rq_write", Ty::BIT, sv, behind)?;
    let q_read = b.and("rq_pop", Ty::BIT, head_free, q_any)?;
    let older = b.or("rq_older", Ty::BIT, behind, sv)?;
    let staged_next = b.and("rq_staged_next", Ty::BIT, w, older)?;
    b.drive(sv, staged_next, None)?;
    let waiting = b.or("rq_waiting", Ty::BIT, q_any, sv)?;
    let arriving = b.or("rq_arriving", Ty::BIT, waiting, w)?;
    let valid_next = b.or("rq_valid_next", Ty::BIT, head_kept, arriving)?;
    b.drive(hv, valid_next, None)?;
    up_down(b, "rq_used", qn, q_write, q_read)?;
    let one = b.constant("rq_used_is", count_ty, 1)?;
    let last = b.compare("rq_used_last", CmpOp::Eq, qn, one)?;
    let emptied = b.and("rq_emptied", Ty::BIT, q_read, last)?;
    let kept = b.not("rq_not_emptied", Ty::BIT, emptied)?;
    let still = b.and("rq_any_kept", Ty::BIT, q_any, kept)?;
    let any_next = b.or("rq_any_next", Ty::BIT, q_write, still)?;
    b.drive(q_any, any_next, None)?;
    let wr = pointer(b, "rq_wr", addr_ty, ctl.rst, q_write)?;
    let rd = pointer(b, "rq_rd", addr_ty, ctl.rst, q_read)?;

    // Outstanding results (queued or in flight): in_ready while one more fits.
    let held = b.reg("rq_pending", count_ty, Some((ctl.rst, 0)))?;
    let full = b.constant("rq_capacity", count_ty, i128::from(depth + 1))?;
    let below = b.compare("rq_below_capacity", CmpOp::Lt, held, full)?;
    let almost = b.constant("rq_capacity_less_one", count_ty, i128::from(depth))?;
    let below_one = b.compare("rq_below_capacity_less_one", CmpOp::Lt, held, almost)?;
    // Up alone: one more must still fit; down alone: one is freed; both or neither: as now.
    let if_up = b.mux("rq_room_up", Ty::BIT, read, below, below_one)?;
    let if_still = b.or("rq_room_still", Ty::BIT, read, below)?;
    let room = b.mux("rq_room_next", Ty::BIT, ctl.taken_last, if_up, if_still)?;
    b.drive(ctl.room, room, None)?;
    up_down(b, "rq_pending", held, ctl.taken_last, read)?;

    values
        .iter()
        .map(|(name, v)| {
            let ty = b.ty(*v);
            let staged = b.register(&format!("rq_{name}_staged"), *v, None, None)?;
            let mem = b.memory(&format!("rq_{name}"), ty, depth)?;
            b.write_port(mem, q_write, wr, staged)?;
            let word = b.mem_read(&format!("rq_{name}_word"), mem, rd)?;
            let queued = b.mux(&format!("rq_{name}_queued"), ty, q_any, word, staged)?;
            let next = b.mux(&format!("rq_{name}_next"), ty, waiting, queued, *v)?;
            b.register(name, next, Some(head_free), None)
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

/// Drives `count` to go up on `up` and down on `down` in the same edge,
/// its next value chosen by them among the register's own ±1.
fn up_down(
    b: &mut ModuleBuilder,
    name: &str,
    count: SignalId,
    up: SignalId,
    down: SignalId,
) -> Result<(), BuildError> {
    let ty = b.ty(count);
    let one = b.constant(&format!("{name}_one"), ty, 1)?;
    let inc = b.add(&format!("{name}_inc"), ty, count, one)?;
    let dec = b.sub(&format!("{name}_dec"), ty, count, one)?;
    let if_up = b.mux(&format!("{name}_if_up"), ty, down, count, inc)?;
    let if_not = b.mux(&format!("{name}_if_not"), ty, down, dec, count)?;
    let next = b.mux(&format!("{name}_next"), ty, up, if_up, if_not)?;
    b.drive(count, next, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datapath::core::{ParamMap, Registry};
    use crate::ir::{Def, Module};

    /// Cores of every kind, one that holds its beats and one that writes LUT-RAM tables among them.
    const CORES: [(&str, &str); 6] = [
        ("ternary-gemv", r#"{"k": 16, "n": 2}"#),
        ("mac-gemv", r#"{"k": 8, "n": 2}"#),
        ("lut-gemm", r#"{"k": 8, "n": 3, "w_format": "binary"}"#),
        ("lut-gemm", r#"{"k": 8, "n": 2, "bit_serial": true}"#),
        (
            "lut-gemm",
            r#"{"k": 8, "n": 2, "bit_serial": true, "table_storage": "lutram"}"#,
        ),
        ("mx-dot", r#"{"k": 32, "n": 2, "out_format": "fp32"}"#),
    ];

    fn core(name: &str, values: &str, flow: &str) -> crate::datapath::GeneratedCore {
        let mut v: ParamMap = serde_json::from_str(values).unwrap();
        v.insert("flow_control".into(), flow.into());
        let reg = Registry::builtin();
        let design = reg.get(name).unwrap().design(&v).unwrap();
        design.generate().unwrap()
    }

    /// Whether `sig` depends combinationally (not through a register or memory) on `on`.
    fn depends(m: &Module, sig: SignalId, on: SignalId, seen: &mut Vec<bool>) -> bool {
        if sig == on {
            return true;
        }
        if std::mem::replace(&mut seen[sig.0 as usize], true) {
            return false;
        }
        match &m.signal(sig).def {
            Def::Reg { .. } | Def::Memory { .. } => false,
            def => def.operands().into_iter().any(|o| depends(m, o, on, seen)),
        }
    }

    /// Registers whose load enable follows `out_ready` within the cycle,
    /// less those that drive an output port.
    fn stalled_by_out_ready(m: &Module) -> usize {
        let ready = m.port("out_ready").unwrap().signals[0];
        let outputs: Vec<SignalId> = m
            .ports
            .iter()
            .filter(|p| p.dir == crate::ir::Dir::Output)
            .flat_map(|p| p.signals.iter().copied())
            .collect();
        (0..m.signals.len() as u32)
            .map(SignalId)
            .filter(|&id| !outputs.contains(&id))
            .filter(|&id| match m.signal(id).def {
                Def::Reg { en: Some(en), .. } => {
                    depends(m, en, ready, &mut vec![false; m.signals.len()])
                }
                _ => false,
            })
            .count()
    }

    fn is_reg(m: &Module, port: &str) -> bool {
        let s = m.port(port).unwrap().signals[0];
        matches!(m.signal(s).def, Def::Reg { .. })
    }

    #[test]
    fn credit_cores_have_no_enable_from_out_ready_and_registered_handshakes() {
        for (name, values) in CORES {
            let stall = core(name, values, "stall");
            let credit = core(name, values, "credit");
            assert!(
                stalled_by_out_ready(&stall.module) > 10,
                "{name} {values}: the stall form stops its registers from out_ready"
            );
            assert_eq!(
                stalled_by_out_ready(&credit.module),
                0,
                "{name} {values}: only the output registers may wait for out_ready"
            );
            assert!(is_reg(&credit.module, "out_valid"), "{name} {values}");
            if credit.throughput == 1.0 {
                assert!(is_reg(&credit.module, "in_ready"), "{name} {values}");
            }
            assert_eq!(
                (credit.latency, credit.throughput),
                (stall.latency + 1, stall.throughput),
                "{name} {values}: one edge more (the finished run's register), the same rate"
            );
        }
    }

    #[test]
    fn the_queue_holds_the_latency_and_two_more() {
        // The queue holds the RAM's words and one more: at least L + 2.
        assert_eq!(queue_depth(0), 2);
        assert_eq!(queue_depth(3), 4);
        assert_eq!(queue_depth(4), 8);
        assert_eq!(queue_depth(15), 16);
    }
}
