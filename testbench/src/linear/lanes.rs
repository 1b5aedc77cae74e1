//! The engine on the Rust simulator in many lanes at once, for throughput:
//! one weight matrix loaded into every lane, each lane its own vectors,
//! full traffic (so every lane's handshakes fall on the same cycles, which
//! is checked), and every lane's every y-word against the golden GEMV.

use std::time::Instant;

use lutforge_hdl::datapath::contract::{LINEAR, LINEAR_W, LINEAR_X, LINEAR_Y};
use lutforge_hdl::ir::{Module, mask};
use lutforge_hdl::sim::{PortHandle, Sim};

use super::driver::{LinearRun, X_PAD, expected, weight_queue, x_queue};
use super::packing::field;
use super::stimulus::Layer;

/// What a many-lane run measured.
#[derive(Debug, Clone, Default)]
pub struct LanesReport {
    /// Cycles from the first after reset to the edge after the last y-word.
    pub cycles: usize,
    /// y-elements compared with the golden GEMV, over every lane.
    pub compared: usize,
    /// Wall time of the simulation and its checks (not of building the simulator or the golden results).
    pub seconds: f64,
}

/// Runs `run`'s first layer in `lanes.len() + 1` lanes: lane 0 takes `run.first.vectors`, lane i+1 `lanes[i]` (as many vectors, K_total values each), under full traffic.
pub fn run_lanes(
    module: &Module,
    run: &LinearRun,
    lanes: &[Vec<Vec<i64>>],
) -> Result<LanesReport, String> {
    let first = LinearRun {
        second: Layer {
            codes: run.first.codes.clone(),
            vectors: Vec::new(),
        },
        ..run.clone()
    };
    let per_lane: Vec<LinearRun> = std::iter::once(first.clone())
        .chain(lanes.iter().map(|v| LinearRun {
            first: Layer {
                codes: run.first.codes.clone(),
                vectors: v.clone(),
            },
            ..first.clone()
        }))
        .collect();
    if per_lane
        .iter()
        .any(|r| r.first.vectors.len() != run.first.vectors.len())
    {
        return Err("every lane needs as many vectors as lane 0".into());
    }
    let n_lanes = per_lane.len();
    let exp: Vec<Vec<Vec<Vec<i128>>>> = per_lane.iter().map(expected).collect();
    let xq: Vec<Vec<(Vec<i64>, bool)>> = per_lane.iter().map(x_queue).collect();
    let (mut wq, w_first) = weight_queue(&first);
    wq.truncate(w_first);
    let mut sim = Sim::new(module, n_lanes).map_err(|e| e.to_string())?;
    let h = |n: &str, input: bool| {
        if input { sim.input(n) } else { sim.output(n) }.map_err(|e| e.to_string())
    };
    let rst = h(LINEAR.reset, true)?;
    let w = stream_ports(&h, LINEAR_W)?;
    let x = stream_ports(&h, LINEAR_X)?;
    let y = stream_ports(&h, LINEAR_Y)?;
    let x_bits = x[3].elem.width;
    let unit = run.packing.unit_bits() as usize;
    let words = exp[0].len() * exp[0].first().map_or(0, Vec::len);
    let limit = 2000 + 40 * (wq.len() + xq[0].len() + words) * 4;
    let start = Instant::now();
    sim.set_lanes(&rst, 0, &vec![1; n_lanes]);
    sim.tick().map_err(|e| e.to_string())?;
    sim.tick().map_err(|e| e.to_string())?;
    sim.set_lanes(&rst, 0, &vec![0; n_lanes]);
    sim.set_lanes(&y[1], 0, &vec![1; n_lanes]);
    let (mut wi, mut xi, mut vec_out, mut word_out) = (0, 0, 0, 0);
    let mut rep = LanesReport::default();
    let mut lane_bits = vec![0u64; n_lanes];
    let mut cycle = 0;
    while vec_out < exp[0].len() {
        if cycle == limit {
            return Err(format!(
                "only {vec_out} of {} vectors came out in {limit} cycles",
                exp[0].len()
            ));
        }
        let w_on = wi < wq.len();
        let x_on = xi < xq[0].len();
        set_all(&mut sim, &w[0], 0, u64::from(w_on), &mut lane_bits);
        if w_on {
            set_all(&mut sim, &w[2], 0, u64::from(wq[wi].1), &mut lane_bits);
            for i in 0..w[3].len() {
                let bits = field(&wq[wi].0, i * unit, unit);
                set_all(&mut sim, &w[3], i, bits, &mut lane_bits);
            }
        }
        set_all(&mut sim, &x[0], 0, u64::from(x_on), &mut lane_bits);
        if x_on {
            set_all(&mut sim, &x[2], 0, u64::from(xq[0][xi].1), &mut lane_bits);
            for e in 0..x[3].len() {
                for (b, q) in lane_bits.iter_mut().zip(&xq) {
                    *b = q[xi].0.get(e).copied().unwrap_or(X_PAD) as u64 & mask(x_bits);
                }
                sim.set_lanes(&x[3], e, &lane_bits);
            }
        }
        let w_take = w_on && same(&mut sim, &w[1], cycle)? == 1;
        let x_take = x_on && same(&mut sim, &x[1], cycle)? == 1;
        if same(&mut sim, &y[0], cycle)? == 1 {
            let last = same(&mut sim, &y[2], cycle)? == 1;
            let want_last = word_out + 1 == exp[0][vec_out].len();
            if last != want_last {
                return Err(format!(
                    "vector {vec_out} word {word_out}: y_last = {last}, want {want_last}"
                ));
            }
            for e in 0..y[3].len() {
                let got = sim.get_lanes(&y[3], e);
                for (lane, (&bits, le)) in got.iter().zip(&exp).enumerate() {
                    let v = y[3].elem.decode(bits);
                    if v != le[vec_out][word_out][e] {
                        return Err(format!(
                            "lane {lane} vector {vec_out} word {word_out} element {e}: got {v}, want {}",
                            le[vec_out][word_out][e]
                        ));
                    }
                }
                rep.compared += n_lanes;
            }
            word_out += 1;
            if last {
                vec_out += 1;
                word_out = 0;
            }
        }
        wi += usize::from(w_take);
        xi += usize::from(x_take);
        sim.tick().map_err(|e| e.to_string())?;
        cycle += 1;
    }
    rep.cycles = cycle;
    rep.seconds = start.elapsed().as_secs_f64();
    Ok(rep)
}

fn stream_ports(
    h: &dyn Fn(&str, bool) -> Result<PortHandle, String>,
    spec: lutforge_hdl::datapath::contract::StreamSpec,
) -> Result<[PortHandle; 4], String> {
    let i = spec.into_design;
    Ok([
        h(spec.valid, i)?,
        h(spec.ready, !i)?,
        h(spec.last.unwrap_or(""), i)?,
        h(spec.payload[0], i)?,
    ])
}

/// Sets element `elem` of a port to `bits` in every lane.
fn set_all(sim: &mut Sim, port: &PortHandle, elem: usize, bits: u64, scratch: &mut [u64]) {
    scratch.fill(bits);
    sim.set_lanes(port, elem, scratch);
}

/// A 1-bit output's value, which must be the same in every lane.
fn same(sim: &mut Sim, port: &PortHandle, cycle: usize) -> Result<u64, String> {
    let v = sim.get_lanes(port, 0);
    let first = v[0];
    if v.iter().any(|&b| b != first) {
        return Err(format!(
            "cycle {cycle}: the lanes disagree on a handshake; full traffic should make them equal"
        ));
    }
    Ok(first)
}
