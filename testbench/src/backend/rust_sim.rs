//! The Rust simulator back end: one stream per lane, all lanes at once.

use lutforge_hdl::datapath::contract::{
    CORE, CORE_ACT, CORE_IN, CORE_LAST, CORE_OUT, CORE_W, CORE_Y,
};
use lutforge_hdl::ir::{Dir, Module, Ty, mask};
use lutforge_hdl::sim::{PortHandle, Sim, SimError};

use crate::check::Observed;
use crate::golden::Beat;
use crate::vectors::{
    CoreLayout, DRAIN_CYCLES, Outcome, RESET_CYCLES, SIDE_ACT, SIDE_FLAG, SIDE_W, Stream, act_bits,
};

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
    act_side: Option<PortHandle>,
    w_side: Option<PortHandle>,
    flag: Option<PortHandle>,
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
    let layout = CoreLayout::from_module(module).map_err(|e| SimError::NoSuchPort {
        dir: "contract",
        name: e,
    })?;
    let mut sim = Sim::new(module, streams.len().max(1))?;
    if let Some(out) = vcd {
        sim.dump_vcd(0, out)?;
    }
    let p = Ports {
        rst: sim.input(CORE.reset)?,
        in_valid: sim.input(CORE_IN.valid)?,
        in_last: sim.input(CORE_LAST)?,
        in_act: sim.input(CORE_ACT)?,
        in_w: sim.input(CORE_W)?,
        out_ready: sim.input(CORE_OUT.ready)?,
        in_ready: sim.output(CORE_IN.ready)?,
        out_valid: sim.output(CORE_OUT.valid)?,
        out_y: sim.output(CORE_Y)?,
        act_side: (layout.act_side.elems > 0)
            .then(|| sim.input(SIDE_ACT))
            .transpose()?,
        w_side: (layout.w_side.elems > 0)
            .then(|| sim.input(SIDE_W))
            .transpose()?,
        flag: (layout.flag_elems > 0)
            .then(|| sim.output(SIDE_FLAG))
            .transpose()?,
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
    let n = streams.len();
    let mut buf = vec![0u64; n];
    let mut offer = vec![false; n];
    for c in 0..limit {
        if lanes.iter().all(|l| l.finished) {
            break;
        }
        drive(
            &mut sim, &p, &layout, &lanes, streams, c, &mut offer, &mut buf,
        );
        let in_ready = sim.get_lanes(&p.in_ready, 0).to_vec();
        let out_valid = sim.get_lanes(&p.out_valid, 0).to_vec();
        for (lane, (st, s)) in lanes.iter_mut().zip(streams).enumerate() {
            if st.finished {
                continue;
            }
            let took_beat = offer[lane] && in_ready[lane] == 1;
            let valid = out_valid[lane] == 1;
            let ready = s.schedule.ready_at(c);
            let y: Option<Vec<u64>> = (valid || st.held.is_some()).then(|| {
                let mut y: Vec<u64> = (0..layout.y_elems)
                    .map(|e| sim.get(&p.out_y, e, lane))
                    .collect();
                if let Some(f) = &p.flag {
                    y.extend((0..layout.flag_elems).map(|e| sim.get(f, e, lane)));
                }
                y
            });
            if let Some(prev) = &st.held {
                if !valid {
                    st.outcome.protocol_errors.push(format!(
                        "cycle {c}: out_valid fell before its result was taken"
                    ));
                } else if y.as_ref() != Some(prev) {
                    st.outcome.protocol_errors.push(format!(
                        "cycle {c}: out_y changed while out_valid waited for out_ready"
                    ));
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
                let values = bits
                    .iter()
                    .enumerate()
                    .map(|(e, &b)| {
                        if e < layout.y_elems {
                            y_ty.decode(b) as i64
                        } else {
                            b as i64
                        }
                    })
                    .collect();
                st.outcome.observed.push(Observed {
                    cycle: c as u64,
                    y: values,
                });
            } else if valid {
                st.held = y;
            }
            st.outcome.cycles = c as u64 + 1;
            if st.done_at.is_none()
                && st.ptr == s.beats.len()
                && st.outcome.observed.len() >= s.expected_results
            {
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

/// Sets every input of every lane for cycle `c` (rule 2 and 3 of
/// [`crate::vectors`]), one element across all lanes at a time; records in
/// `offer` which lanes offer a beat.
#[allow(clippy::too_many_arguments)]
fn drive(
    sim: &mut Sim,
    p: &Ports,
    layout: &CoreLayout,
    lanes: &[LaneState],
    streams: &[Stream],
    c: usize,
    offer: &mut [bool],
    buf: &mut [u64],
) {
    // The beat each lane shows (offered, or its inverse as garbage) and the flip mask.
    let shown: Vec<Option<(&Beat, u64)>> = lanes
        .iter()
        .zip(streams)
        .zip(offer.iter_mut())
        .map(|((st, s), o)| {
            *o = !st.finished && st.ptr < s.beats.len() && s.schedule.offer_at(c);
            if st.finished || s.beats.is_empty() {
                return None;
            }
            let beat = &s.beats[st.ptr.min(s.beats.len() - 1)];
            Some((beat, if *o { 0 } else { u64::MAX }))
        })
        .collect();
    let mut set = |port: &PortHandle, elem: usize, f: &dyn Fn(&Beat, u64) -> u64, idle: u64| {
        for (b, sh) in buf.iter_mut().zip(&shown) {
            *b = sh.map_or(idle, |(beat, flip)| f(beat, flip));
        }
        sim.set_lanes(port, elem, buf);
    };
    for e in 0..layout.act_elems {
        set(
            &p.in_act,
            e,
            &|b, flip| act_bits(b, e, layout.act_bits) ^ flip,
            0,
        );
    }
    if let Some(port) = &p.act_side {
        let (base, m) = (layout.act_elems, mask(layout.act_side.bits));
        for e in 0..layout.act_side.elems {
            set(port, e, &|b, flip| (b.act[base + e] as u64 & m) ^ flip, 0);
        }
    }
    if let Some(port) = &p.w_side {
        let (base, m) = (layout.w_elems, mask(layout.w_side.bits));
        for e in 0..layout.w_side.elems {
            set(port, e, &|b, flip| (b.w[base + e] & m) ^ flip, 0);
        }
    }
    let wm = mask(layout.w_bits);
    for e in 0..layout.w_elems {
        set(&p.in_w, e, &|b, flip| (b.w[e] & wm) ^ flip, 0);
    }
    set(&p.in_last, 0, &|b, flip| b.last as u64 ^ (flip & 1), 0);
    for (b, o) in buf.iter_mut().zip(offer.iter()) {
        *b = *o as u64;
    }
    sim.set_lanes(&p.in_valid, 0, buf);
    for ((b, st), s) in buf.iter_mut().zip(lanes).zip(streams) {
        *b = (st.finished || s.schedule.ready_at(c)) as u64;
    }
    sim.set_lanes(&p.out_ready, 0, buf);
}

/// A circuit's outputs on the Rust simulator, one row a cycle, for the
/// cycle bench's inputs (`inputs[cycle][i]` for the i-th non-clock input in
/// port order; each row read before that cycle's edge), one lane.
pub fn run_cycles(m: &Module, inputs: &[Vec<u64>]) -> Result<Vec<Vec<u64>>, SimError> {
    let mut sim = Sim::new(m, 1)?;
    let ins = m
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Input && p.name != CORE.clock)
        .map(|p| sim.input(&p.name))
        .collect::<Result<Vec<_>, _>>()?;
    let outs = m
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Output)
        .map(|p| sim.output(&p.name))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::with_capacity(inputs.len());
    for cycle in inputs {
        for (h, &v) in ins.iter().zip(cycle) {
            sim.set(h, 0, 0, v);
        }
        rows.push(outs.iter().map(|h| sim.get(h, 0, 0)).collect());
        sim.tick()?;
    }
    Ok(rows)
}
