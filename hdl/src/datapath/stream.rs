//! The streaming shell every core shares (docs/spec/core-contract.md): the ports, the
//! handshakes, the valid/last pipeline beside the datapath, the run
//! accumulator and the output register.
//!
//! Flow control is the common parameter `flow_control`
//! ([`FlowControl`]). `stall`: one pipeline enable, everything advances
//! when the output register is empty or being read
//! (`en = !out_valid | out_ready`). `credit`: the enable is the constant 1,
//! the pipeline runs freely beside its valid bits, finished runs queue in
//! the result FIFO of [`super::credit`] and `in_ready` is a flip-flop fed
//! by a credit count. Either way the core never drops or duplicates a beat
//! or a result, and with `out_ready` held at 1 it takes a beat every cycle
//! (every hold period) with the same latency.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

use super::blocks::Counter;
use super::contract::{CORE, CORE_ACT, CORE_IN, CORE_LAST, CORE_OUT, CORE_W, CORE_Y};
use super::credit::{QueueControl, queue_depth, result_queue, room_register};
use super::params::{CommonParams, FlowControl, WeightFormat};
use super::tree::Ranged;
use super::{CoreError, GeneratedCore};

/// The layout of `in_w`: `elems` elements of type `ty` (N·K codes of B bits
/// for plain formats; packed formats choose their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightBus {
    /// Number of elements.
    pub elems: usize,
    /// Type of one element.
    pub ty: Ty,
}

impl WeightBus {
    /// N·K plain codes of the common parameters' format and width.
    pub fn codes(p: &CommonParams) -> WeightBus {
        WeightBus {
            elems: p.n * p.k,
            ty: Ty {
                width: p.w_bits,
                signed: p.w_format == WeightFormat::Int,
            },
        }
    }
}

/// The shell's inputs as the datapath sees them.
#[derive(Debug, Clone)]
pub struct StreamShell {
    /// Synchronous reset.
    pub rst: SignalId,
    /// Pipeline enable: data registers load only when it is 1 (the
    /// constant 1 under `credit` flow control).
    pub en: SignalId,
    /// The core may take a beat this cycle (before any hold of its own):
    /// `en` under `stall`, the credit register under `credit`.
    pub room: SignalId,
    /// A beat is taken on this edge.
    pub accept: SignalId,
    /// `in_last` of the offered beat.
    pub last: SignalId,
    /// Activation elements, index m·K + k.
    pub act: Vec<SignalId>,
    /// Weight bus elements (for plain codes, index n·K + k).
    pub w: Vec<SignalId>,
    /// The sequencer of a core that holds each beat for several cycles.
    pub serial: Option<BeatSequencer>,
    flow: FlowControl,
    out_valid: SignalId,
    out_ready: SignalId,
}

/// How long a core holds each beat: `period` cycles, and from cycle
/// `first_issue` on it issues one bit-plane a cycle to the datapath (the
/// cycles before are the core's own, such as writing a table into LUT RAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeatHold {
    /// Cycles per beat, P ≥ 1 (1: a beat every cycle, no hold).
    pub period: u32,
    /// The first cycle of the hold that issues a plane, 0 … P−1.
    pub first_issue: u32,
}

/// The front of a core that holds each beat for several cycles: the beat
/// taken is held for `period` cycles while a counter steps through them;
/// `in_ready` is low until the last cycle of the hold.
#[derive(Debug, Clone, Copy)]
pub struct BeatSequencer {
    /// Cycles per beat, P ≥ 2.
    pub period: u32,
    /// The cycle of the hold, 0 … P−1 (meaningful while `held` is 1).
    pub phase: SignalId,
    /// A beat is held.
    pub held: SignalId,
    /// The held beat issues a plane to the datapath this cycle.
    pub issue: SignalId,
    /// The held beat is in one of its cycles before the first issue (the
    /// core's own cycles); `None` when the hold issues from its first cycle.
    pub preparing: Option<SignalId>,
    /// The issued plane is the last plane of a run's last beat.
    pub issue_last: SignalId,
}

/// Per-result flags beside `out_y` and the result each output register
/// loads, for [`StreamShell::finish_flagged`].
pub struct FlaggedResults<'a> {
    /// The output port of the flags (one bit per result).
    pub port: &'static str,
    /// This beat's flag bit of each result, index m·N + n.
    pub flags: &'a [SignalId],
    /// The value result `i`'s register loads, from the accumulator's next
    /// value and the run's flag including this beat.
    #[allow(clippy::type_complexity)]
    pub result: &'a mut dyn FnMut(
        &mut ModuleBuilder,
        usize,
        SignalId,
        SignalId,
    ) -> Result<SignalId, BuildError>,
}

/// Timing facts of the finished core, for its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShellTiming {
    /// Edges from the one that takes a run's last beat to the one that offers its result.
    pub latency: u32,
}

impl StreamShell {
    /// Declares the contract's ports and the flow-control logic of a core
    /// that takes a beat every cycle.
    pub fn new(
        b: &mut ModuleBuilder,
        p: &CommonParams,
        w_bus: WeightBus,
    ) -> Result<StreamShell, BuildError> {
        Self::with_hold(
            b,
            p,
            w_bus,
            BeatHold {
                period: 1,
                first_issue: 0,
            },
        )
    }

    /// Declares the contract's ports and the flow-control logic of a core
    /// that holds each beat as `hold` says (a bit-serial core holds it for
    /// B cycles and issues a plane in each); with a period of 1 it is
    /// [`Self::new`]. Data registers of the held beat load on `accept`.
    pub fn with_hold(
        b: &mut ModuleBuilder,
        p: &CommonParams,
        w_bus: WeightBus,
        hold: BeatHold,
    ) -> Result<StreamShell, BuildError> {
        b.clock()?;
        let rst = b.input(CORE.reset, Ty::BIT)?;
        let in_valid = b.input(CORE_IN.valid, Ty::BIT)?;
        let last = b.input(CORE_LAST, Ty::BIT)?;
        let act = b.input_vec(CORE_ACT, p.m * p.k, Ty::signed(p.act_bits))?;
        let w = b.input_vec(CORE_W, w_bus.elems, w_bus.ty)?;
        let out_ready = b.input(CORE_OUT.ready, Ty::BIT)?;
        let out_valid = b.reg("out_valid_q", Ty::BIT, Some((rst, 0)))?;
        let flow = p.flow_control;
        let (en, room) = match flow {
            FlowControl::Stall => {
                let idle = b.not("out_empty", Ty::BIT, out_valid)?;
                let en = b.or("pipe_en", Ty::BIT, idle, out_ready)?;
                (en, en)
            }
            FlowControl::Credit => (b.constant("pipe_en", Ty::BIT, 1)?, room_register(b, rst)?),
        };
        if hold.period <= 1 {
            let accept = b.and("accept", Ty::BIT, in_valid, room)?;
            b.output(CORE_IN.ready, room)?;
            return Ok(StreamShell {
                rst,
                en,
                room,
                accept,
                last,
                act,
                w,
                serial: None,
                flow,
                out_valid,
                out_ready,
            });
        }
        if hold.first_issue >= hold.period {
            return Err(BuildError::Invalid {
                module: b.module_name().into(),
                message: format!(
                    "a beat held {} cycles cannot first issue in cycle {}",
                    hold.period, hold.first_issue
                ),
            });
        }
        let (accept, serial) = sequencer(b, rst, [en, room], in_valid, last, hold)?;
        Ok(StreamShell {
            rst,
            en,
            room,
            accept,
            last,
            act,
            w,
            serial: Some(serial),
            flow,
            out_valid,
            out_ready,
        })
    }

    /// Adds the valid/last pipeline (`stages` deep, matching the datapath's
    /// registers), the run accumulator and the output register, and declares
    /// `out_valid` and `out_y`. `sums[m·N + n]` is the beat's dot product.
    pub fn finish(
        self,
        b: &mut ModuleBuilder,
        sums: &[Ranged],
        stages: u32,
        acc_bits: u32,
    ) -> Result<ShellTiming, BuildError> {
        self.finish_flagged(b, sums, stages, acc_bits, None)
    }

    /// [`Self::finish`] for a core whose results carry a flag: each beat
    /// brings one flag bit per result (`side.flags[i]`), OR-ed over the run
    /// and offered with the result on the output port `side.port`; the
    /// result register loads `side.result(b, i, acc_next, flag_next)`
    /// instead of the accumulator (its width sets `out_y`'s).
    pub fn finish_flagged(
        self,
        b: &mut ModuleBuilder,
        sums: &[Ranged],
        stages: u32,
        acc_bits: u32,
        mut side: Option<FlaggedResults<'_>>,
    ) -> Result<ShellTiming, BuildError> {
        // A held beat is the core's first stage already.
        let (mut valid, mut last, first_stage, extra) = match self.serial {
            None => (self.accept, self.last, 1, 0),
            Some(q) => (q.issue, q.issue_last, 2, q.period - 1),
        };
        // The valid and last bits one stage before the accumulators.
        let mut before_acc = None;
        for s in first_stage..=stages {
            before_acc = Some((valid, last));
            valid = b.register(
                &format!("valid_s{s}"),
                valid,
                Some(self.en),
                Some((self.rst, 0)),
            )?;
            last = b.register(
                &format!("last_s{s}"),
                last,
                Some(self.en),
                Some((self.rst, 0)),
            )?;
        }
        let credit = self.flow == FlowControl::Credit;
        let fire = if stages == 0 || credit {
            valid
        } else {
            b.and("beat_fire", Ty::BIT, valid, self.en)?
        };
        // The accumulators clear (a synchronous reset, no mux in front of
        // their adders) on the beat that ends a run, so each run starts at 0.
        let (acc_load, load_out, clear) = if credit {
            let load_out = b.and("load_out", Ty::BIT, fire, last)?;
            // The clear has priority over the load, so the accumulators load
            // on `valid` itself, and their clear is a flip-flop set one edge
            // ahead from the stage before (and by `rst`: they clear one edge
            // after it, before any beat taken after it arrives), so neither
            // of their control nets starts in a LUT.
            let clear = match before_acc {
                Some((v, l)) => {
                    let ends = b.and("acc_ends", Ty::BIT, v, l)?;
                    let next = b.or("acc_clear_next", Ty::BIT, self.rst, ends)?;
                    b.register("acc_clear_q", next, None, None)?
                }
                None => b.or("acc_clear", Ty::BIT, self.rst, load_out)?,
            };
            (fire, load_out, clear)
        } else {
            let not_last = b.not("not_last", Ty::BIT, last)?;
            let load_acc = b.and("load_acc", Ty::BIT, fire, not_last)?;
            let load_out = b.and("load_out", Ty::BIT, fire, last)?;
            let clear = b.or("acc_clear", Ty::BIT, self.rst, load_out)?;
            (load_acc, load_out, clear)
        };

        let acc_ty = Ty::signed(acc_bits);
        let mut ys = Vec::with_capacity(sums.len());
        let mut flags_out = Vec::new();
        // Under `credit` the results and flags go to the queue instead of registers.
        let mut queued = Vec::new();
        let mut queued_flags = Vec::new();
        for (i, s) in sums.iter().enumerate() {
            let acc = b.reg(&format!("acc_{i}"), acc_ty, Some((clear, 0)))?;
            let next = b.add(&format!("acc_next_{i}"), acc_ty, acc, s.sig)?;
            b.drive(acc, next, Some(acc_load))?;
            let y_in = match side.as_mut() {
                None => next,
                Some(side) => {
                    let flag = b.reg(&format!("flag_acc_{i}"), Ty::BIT, Some((clear, 0)))?;
                    let flag_next =
                        b.or(&format!("flag_next_{i}"), Ty::BIT, flag, side.flags[i])?;
                    b.drive(flag, flag_next, Some(acc_load))?;
                    if credit {
                        queued_flags.push((format!("flag_{i}"), flag_next));
                    } else {
                        flags_out.push(b.register(
                            &format!("flag_{i}"),
                            flag_next,
                            Some(load_out),
                            None,
                        )?);
                    }
                    (side.result)(b, i, next, flag_next)?
                }
            };
            if credit {
                queued.push((format!("y_{i}"), y_in));
            } else {
                ys.push(b.register(&format!("y_{i}"), y_in, Some(load_out), None)?);
            }
        }
        let mut latency = stages + extra;
        if credit {
            // Each finished run is registered before the queue takes it (one
            // edge more of latency), so the accumulator's carry chain ends in
            // a flip-flop rather than in the queue's muxes and the output
            // register (ECP5 ternary-gemv K = 256, N = 4: 174.6 → 197.3 MHz).
            latency += 1;
            let write = b.register("load_out_q", load_out, None, Some((self.rst, 0)))?;
            for (name, v) in queued.iter_mut().chain(queued_flags.iter_mut()) {
                *v = b.register(&format!("{name}_done"), *v, None, None)?;
            }
            let taken_last = b.and("taken_last", Ty::BIT, self.accept, self.last)?;
            let ctl = QueueControl {
                rst: self.rst,
                taken_last,
                write,
                out_ready: self.out_ready,
                out_valid: self.out_valid,
                room: self.room,
            };
            let results = queued.len();
            queued.append(&mut queued_flags);
            let mut out = result_queue(b, &ctl, queue_depth(latency), &queued)?;
            flags_out = out.split_off(results);
            ys = out;
        } else {
            // out_valid: set by a finished run, cleared when the consumer takes it.
            let not_ready = b.not("out_not_ready", Ty::BIT, self.out_ready)?;
            let hold = b.and("out_hold", Ty::BIT, self.out_valid, not_ready)?;
            let next_valid = b.or("out_valid_next", Ty::BIT, load_out, hold)?;
            b.drive(self.out_valid, next_valid, None)?;
        }
        b.output(CORE_OUT.valid, self.out_valid)?;
        b.output_vec(CORE_Y, &ys)?;
        if let Some(side) = side {
            b.output_vec(side.port, &flags_out)?;
        }
        b.order_ports(&CORE.port_order());
        Ok(ShellTiming { latency })
    }

    /// Finishes the shell around `sums` and the module, and states the
    /// core's facts: ACC from the common parameters, the latency of
    /// `stages`, one beat per hold period, M·N·K MACs per beat.
    pub fn finish_core(
        self,
        mut b: ModuleBuilder,
        c: &CommonParams,
        kind: &'static str,
        sums: &[Ranged],
        stages: u32,
    ) -> Result<GeneratedCore, CoreError> {
        let acc_bits = c.acc_bits();
        let period = self.serial.map_or(1, |q| q.period);
        let timing = self.finish(&mut b, sums, stages, acc_bits)?;
        let throughput = 1.0 / period as f64;
        Ok(GeneratedCore {
            module: b.finish()?,
            kind,
            acc_bits,
            latency: timing.latency,
            throughput,
            macs_per_cycle: c.macs_per_beat() as f64 * throughput,
        })
    }
}

/// The hold counter: returns `accept` and the sequencer. A plain bit-serial
/// hold (planes issued from cycle 0) counts in `plane`; a longer one in
/// `beat_phase`. The counter moves on `en`; a beat is taken while `room`
/// is 1 and no beat is held past this cycle.
fn sequencer(
    b: &mut ModuleBuilder,
    rst: SignalId,
    [en, room]: [SignalId; 2],
    in_valid: SignalId,
    in_last: SignalId,
    hold: BeatHold,
) -> Result<(SignalId, BeatSequencer), BuildError> {
    let period = hold.period;
    let name = if hold.first_issue == 0 {
        "plane"
    } else {
        "beat_phase"
    };
    let counter = Counter::new(b, name, period, rst)?;
    let (phase, ph_ty) = (counter.value, counter.ty);
    let held = b.reg("beat_held", Ty::BIT, Some((rst, 0)))?;
    let on_last = counter.at_last(b)?;
    let not_held = b.not("beat_not_held", Ty::BIT, held)?;
    let free = b.or("beat_free", Ty::BIT, not_held, on_last)?;
    let ready = b.and("beat_ready", Ty::BIT, room, free)?;
    let accept = b.and("accept", Ty::BIT, in_valid, ready)?;
    b.output(CORE_IN.ready, ready)?;
    // While a beat is held and its last cycle is not yet reached, count on.
    let not_last = b.not(&format!("{name}_not_last"), Ty::BIT, on_last)?;
    let more = b.and(&format!("{name}_more"), Ty::BIT, held, not_last)?;
    counter.advance(b, more, en)?;
    let held_next = b.or("beat_held_next", Ty::BIT, accept, more)?;
    b.drive(held, held_next, Some(en))?;
    let held_last = b.register("beat_last", in_last, Some(accept), None)?;
    let issue_last = b.and("issue_last", Ty::BIT, held_last, on_last)?;
    let (issue, preparing) = if hold.first_issue == 0 {
        (held, None)
    } else {
        let first = b.constant("issue_first_value", ph_ty, i128::from(hold.first_issue))?;
        let from = b.compare("issue_phase", CmpOp::Ge, phase, first)?;
        let before = b.not("issue_not_yet", Ty::BIT, from)?;
        (
            b.and("issue", Ty::BIT, held, from)?,
            Some(b.and("beat_preparing", Ty::BIT, held, before)?),
        )
    };
    Ok((
        accept,
        BeatSequencer {
            period,
            phase,
            held,
            issue,
            preparing,
            issue_last,
        },
    ))
}
