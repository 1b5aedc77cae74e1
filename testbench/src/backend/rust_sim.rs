//! The Rust simulator back end: one stream per lane, all lanes at once.

use lutforge_hdl::ir::{Module, Ty, mask};
use lutforge_hdl::sim::{PortHandle, Sim, SimError};

use crate::check::Observed;
use crate::vectors::{CoreLayout, DRAIN_CYCLES, Outcome, RESET_CYCLES, Stream, act_bits};

struct Ports {
    rst: PortHandle,
    in_valid: PortHandle,
    in_last: PortHandle,
    in_act: PortHandle,
    in_w: PortHandle,
    out_ready: PortHandle,
    in_ready: PortHandle,
    out_valid: PortHandle,
    out_y: PortHandle,
}

#[derive(Default)]
struct LaneState {
    ptr: usize,
    done_at: Option<usize>,
    finished: bool,
    held: Option<Vec<u64>>,
    offered: bool,
    outcome: Outcome,
}

/// Runs each stream on its own lane of one simulation of `module`.
pub fn run_streams(module: &Module, streams: &[Stream]) -> Result<Vec<Outcome>, SimError> {
    run_streams_traced(module, streams, None)
}

/// Like [`run_streams`], also writing a VCD of lane 0 to `vcd`.
pub fn run_streams_traced(
    module: &Module,
    streams: &[Stream],
    vcd: Option<Box<dyn std::io::Write + Send>>,
) -> Result<Vec<Outcome>, SimError> {
    let layout = CoreLayout::from_module(module).map_err(|e| SimError::NoSuchPort { dir: "contract", name: e })?;
    let mut sim = Sim::new(module, streams.len().max(1))?;
    if let Some(out) = vcd {
        sim.dump_vcd(0, out)?;
    }
    let p = Ports {
        rst: sim.input("rst")?,
        in_valid: sim.input("in_valid")?,
        in_last: sim.input("in_last")?,
        in_act: sim.input("in_act")?,
        in_w: sim.input("in_w")?,
        out_ready: sim.input("out_ready")?,
        in_ready: sim.output("in_ready")?,
        out_valid: sim.output("out_valid")?,
        out_y: sim.output("out_y")?,
    };
    for lane in 0..streams.len() {
        sim.set(&p.rst, 0, lane, 1);
    }
    for _ in 0..RESET_CYCLES {
        sim.tick()?;
    }
    for lane in 0..streams.len() {
        sim.set(&p.rst, 0, lane, 0);
    }
    let mut lanes: Vec<LaneState> = streams.iter().map(|_| LaneState::default()).collect();
    let limit = streams.iter().map(Stream::max_cycles).max().unwrap_or(0);
    let y_ty = Ty::signed(layout.acc_bits);
    for c in 0..limit {
        if lanes.iter().all(|l| l.finished) {
            break;
        }
        for (lane, (st, s)) in lanes.iter_mut().zip(streams).enumerate() {
            drive(&mut sim, &p, &layout, lane, st, s, c);
        }
        for (lane, (st, s)) in lanes.iter_mut().zip(streams).enumerate() {
            if st.finished {
                continue;
            }
            let took_beat = sim.get(&p.in_valid, 0, lane) == 1 && sim.get(&p.in_ready, 0, lane) == 1;
            let valid = sim.get(&p.out_valid, 0, lane) == 1;
            let ready = s.schedule.ready_at(c);
            let y: Option<Vec<u64>> =
                (valid || st.held.is_some()).then(|| (0..layout.y_elems).map(|e| sim.get(&p.out_y, e, lane)).collect());
            if let Some(prev) = &st.held {
                if !valid {
                    st.outcome.protocol_errors.push(format!("cycle {c}: out_valid fell before its result was taken"));
                } else if y.as_ref() != Some(prev) {
                    st.outcome.protocol_errors.push(format!("cycle {c}: out_y changed while out_valid waited for out_ready"));
                }
            }
            if valid && !st.offered {
                st.outcome.offer_cycles.push(c as u64);
            }
            st.offered = valid && !ready;
            if took_beat {
                st.ptr += 1;
                st.outcome.accept_cycles.push(c as u64);
            }
            st.held = None;
            if valid && ready {
                let bits = y.unwrap_or_default();
                let values = bits.iter().map(|&b| y_ty.decode(b) as i64).collect();
                st.outcome.observed.push(Observed { cycle: c as u64, y: values });
            } else if valid {
                st.held = y;
            }
            st.outcome.cycles = c as u64 + 1;
            if st.done_at.is_none() && st.ptr == s.beats.len() && st.outcome.observed.len() >= s.expected_results {
                st.done_at = Some(c);
            }
            if st.done_at.is_some_and(|d| c >= d + DRAIN_CYCLES) {
                st.finished = true;
            }
        }
        sim.tick()?;
    }
    sim.finish_vcd()?;
    Ok(lanes
        .into_iter()
        .zip(streams)
        .map(|(mut st, s)| {
            if !st.finished {
                st.outcome.protocol_errors.push(format!(
                    "time-out after {} cycles: {} of {} beats taken, {} of {} results seen",
                    st.outcome.cycles,
                    st.ptr,
                    s.beats.len(),
                    st.outcome.observed.len(),
                    s.expected_results
                ));
            }
            st.outcome
        })
        .collect())
}

fn drive(sim: &mut Sim, p: &Ports, layout: &CoreLayout, lane: usize, st: &LaneState, s: &Stream, c: usize) {
    if st.finished || s.beats.is_empty() {
        sim.set(&p.in_valid, 0, lane, 0);
        sim.set(&p.out_ready, 0, lane, 1);
        return;
    }
    let offer = st.ptr < s.beats.len() && s.schedule.offer_at(c);
    let beat = &s.beats[st.ptr.min(s.beats.len() - 1)];
    let flip = if offer { 0 } else { u64::MAX };
    sim.set(&p.in_valid, 0, lane, offer as u64);
    sim.set(&p.in_last, 0, lane, beat.last as u64 ^ (flip & 1));
    for i in 0..layout.act_elems {
        sim.set(&p.in_act, i, lane, act_bits(beat, i, layout.act_bits) ^ flip);
    }
    for i in 0..layout.w_elems {
        sim.set(&p.in_w, i, lane, (beat.w[i] & mask(layout.w_bits)) ^ flip);
    }
    sim.set(&p.out_ready, 0, lane, s.schedule.ready_at(c) as u64);
}
