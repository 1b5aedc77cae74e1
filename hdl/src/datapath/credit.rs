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

    // Queued results: out_valid is 1 while there is one. The next flags
    // are muxes of the registers' own compares, selected by this edge's
    // handshakes, so `out_ready` and `in_valid` are a couple of LUTs from
    // the flip-flops they set.
    let used = UpDown::new(b, "rq_used", count_ty, ctl.rst, ctl.write, read)?;
    let two = b.constant("rq_two", count_ty, 2)?;
    let more = b.compare("rq_more", CmpOp::Ge, used.value, two)?;
    let kept = b.mux("rq_kept", Ty::BIT, read, more, ctl.out_valid)?;
    let any = b.or("rq_any_next", Ty::BIT, ctl.write, kept)?;
    b.drive(ctl.out_valid, any, None)?;

    // Outstanding results (queued or in flight): in_ready while one more fits.
    let pending = UpDown::new(b, "rq_pending", count_ty, ctl.rst, ctl.taken_last, read)?;
    let full = b.constant("rq_depth", count_ty, i128::from(depth))?;
    let below = b.compare("rq_below_depth", CmpOp::Lt, pending.value, full)?;
    let almost = b.constant("rq_depth_less_one", count_ty, i128::from(depth - 1))?;
    let below_one = b.compare("rq_below_depth_less_one", CmpOp::Lt, pending.value, almost)?;
    // Up alone: one more must still fit; down alone: one is freed; both or neither: as now.
    let if_up = b.mux("rq_room_up", Ty::BIT, read, below, below_one)?;
    let if_still = b.or("rq_room_still", Ty::BIT, read, below)?;
    let room = b.mux("rq_room_next", Ty::BIT, ctl.taken_last, if_up, if_still)?;
    b.drive(ctl.room, room, None)?;
    pending.drive(b)?;
    used.drive(b)?;

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

/// A count that goes up on `up` and down on `down` in the same edge, its
/// next value chosen by them among the register's own ±1.
struct UpDown {
    value: SignalId,
    name: String,
    ty: Ty,
    up: SignalId,
    down: SignalId,
}

impl UpDown {
    fn new(
        b: &mut ModuleBuilder,
        name: &str,
        ty: Ty,
        rst: SignalId,
        up: SignalId,
        down: SignalId,
    ) -> Result<UpDown, BuildError> {
        Ok(UpDown {
            value: b.reg(name, ty, Some((rst, 0)))?,
            name: name.into(),
            ty,
            up,
            down,
        })
    }

    fn drive(self, b: &mut ModuleBuilder) -> Result<(), BuildError> {
        let (name, ty, c) = (&self.name, self.ty, self.value);
        let one = b.constant(&format!("{name}_one"), ty, 1)?;
        let inc = b.add(&format!("{name}_inc"), ty, c, one)?;
        let dec = b.sub(&format!("{name}_dec"), ty, c, one)?;
        let if_up = b.mux(&format!("{name}_if_up"), ty, self.down, c, inc)?;
        let if_not = b.mux(&format!("{name}_if_not"), ty, self.down, dec, c)?;
        let next = b.mux(&format!("{name}_next"), ty, self.up, if_up, if_not)?;
        b.drive(c, next, None)
    }
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

    /// Registers whose load enable follows `out_ready` within the cycle.
    fn stalled_by_out_ready(m: &Module) -> usize {
        let ready = m.port("out_ready").unwrap().signals[0];
        m.signals
            .iter()
            .filter(|s| match s.def {
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
                "{name} {values}: no register enable may follow out_ready"
            );
            assert!(is_reg(&credit.module, "out_valid"), "{name} {values}");
            if credit.throughput == 1.0 {
                assert!(is_reg(&credit.module, "in_ready"), "{name} {values}");
            }
            assert_eq!(
                (credit.latency, credit.throughput),
                (stall.latency, stall.throughput),
                "{name} {values}: the same timing facts"
            );
        }
    }

    #[test]
    fn the_queue_holds_the_latency_and_two_more() {
        assert_eq!(queue_depth(0), 2);
        assert_eq!(queue_depth(2), 4);
        assert_eq!(queue_depth(3), 8);
        assert_eq!(queue_depth(14), 16);
    }
}
