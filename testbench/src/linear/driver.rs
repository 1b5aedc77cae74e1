//! Runs an engine on the Rust simulator: the weight and activation streams
//! with bubbles, the result stream with back-pressure (testbench::traffic
//! schedules), back-to-back vectors, a second weight load offered while
//! vectors are in flight, and the checks: every y-word against the golden
//! model, `y_last` on each vector's last word only, no extra word, y held
//! stable until taken, and no weight word taken while a vector is in flight.

use rand::Rng;

use lutforge_hdl::datapath::contract::{LINEAR, LINEAR_W, LINEAR_X, LINEAR_Y};
use lutforge_hdl::ir::Module;
use lutforge_hdl::sim::{PortHandle, Sim};

use super::golden::{decode, gemv};
use super::packing::{Packing, field, weight_words};
use super::stimulus::Layer;
use crate::traffic::{Schedule, TrafficKind, schedule};

/// What to run: two layers (the second loaded after the first's vectors) and the engine's shape.
#[derive(Debug, Clone)]
pub struct LinearRun {
    /// The weight packing.
    pub packing: Packing,
    /// The first weights and their vectors.
    pub first: Layer,
    /// The second weights (a reload) and their vectors.
    pub second: Layer,
    /// WW.
    pub ww: usize,
    /// P.
    pub p: usize,
    /// Q.
    pub q: usize,
    /// True in stream mode: the matrix is offered for every vector.
    pub stream: bool,
    /// The traffic pattern.
    pub traffic: TrafficKind,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Every problem found, one line each.
    pub errors: Vec<String>,
    /// y-words checked.
    pub words: usize,
    /// Cycles between the first layer's consecutive vectors' last y-words, averaged from the second on.
    pub cycles_per_vector: f64,
    /// The y-words the engine gave, per vector in order, concatenated (Q results a word).
    pub observed: Vec<Vec<i64>>,
    /// Every handshake, by cycle, for comparing back ends.
    pub trace: Trace,
}

/// The cycles (counted from the first after reset) on which each stream's words were taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The cycle of each weight word taken.
    pub w: Vec<usize>,
    /// The cycle of each x-word taken.
    pub x: Vec<usize>,
    /// Each y-word taken: its cycle, its Q results and `y_last`.
    pub y: Vec<(usize, Vec<i64>, bool)>,
}

/// The three streams' handshake schedules of a run and the cycles it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedules {
    /// Offers on the weight stream.
    pub w: Schedule,
    /// Offers on the activation stream.
    pub x: Schedule,
    /// `y_ready`.
    pub y: Schedule,
    /// The cycle limit: a run not done by then has failed.
    pub limit: usize,
}

/// What the data inputs carry while their valid is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Random bits (and random `last`).
    Random,
    /// The complement of the word at the head of the queue, as a Verilog bench can give it.
    Complement,
}

/// The value of the x-lanes past K_total in a vector's last word.
pub const X_PAD: i64 = -1;

struct Ports {
    rst: PortHandle,
    w: [PortHandle; 4],
    x: [PortHandle; 4],
    y: [PortHandle; 4],
}

fn ports(sim: &Sim) -> Result<Ports, String> {
    let h = |n: &str, input: bool| {
        if input { sim.input(n) } else { sim.output(n) }.map_err(|e| e.to_string())
    };
    let s =
        |spec: lutforge_hdl::datapath::contract::StreamSpec| -> Result<[PortHandle; 4], String> {
            let i = spec.into_design;
            Ok([
                h(spec.valid, i)?,
                h(spec.ready, !i)?,
                h(spec.last.unwrap_or(""), i)?,
                h(spec.payload[0], i)?,
            ])
        };
    Ok(Ports {
        rst: h(LINEAR.reset, true)?,
        w: s(LINEAR_W)?,
        x: s(LINEAR_X)?,
        y: s(LINEAR_Y)?,
    })
}

fn values(packing: Packing, codes: &[Vec<u64>]) -> Vec<Vec<i64>> {
    codes
        .iter()
        .map(|r| r.iter().map(|&c| decode(packing, c)).collect())
        .collect()
}

/// The expected y-words of every vector, in order.
pub(super) fn expected(run: &LinearRun) -> Vec<Vec<Vec<i128>>> {
    let mut out = Vec::new();
    for layer in [&run.first, &run.second] {
        let w = values(run.packing, &layer.codes);
        for x in &layer.vectors {
            let y = match run.packing {
                // A layer the MX golden refuses matches no hardware result.
                Packing::Mx(m) => m
                    .golden(&layer.codes, x)
                    .unwrap_or_else(|_| vec![i128::MIN; layer.codes.len()]),
                _ => gemv(&w, x),
            };
            out.push(
                y.chunks(run.q)
                    .map(|c| {
                        let mut c = c.to_vec();
                        c.resize(run.q, 0);
                        c
                    })
                    .collect(),
            );
        }
    }
    out
}

/// The weight words in the order offered, with how many belong to the first layer's phase.
pub(super) fn weight_queue(run: &LinearRun) -> (Vec<(Vec<bool>, bool)>, usize) {
    let one = |l: &Layer| -> Vec<(Vec<bool>, bool)> {
        let w = weight_words(run.packing, &l.codes, run.ww);
        let n = w.len();
        w.into_iter()
            .enumerate()
            .map(|(i, w)| (w, i + 1 == n))
            .collect()
    };
    let (a, b) = (one(&run.first), one(&run.second));
    if !run.stream {
        let n = a.len();
        return ([a, b].concat(), n);
    }
    let mut q = Vec::new();
    for _ in &run.first.vectors {
        q.extend(a.clone());
    }
    let n = q.len();
    for _ in &run.second.vectors {
        q.extend(b.clone());
    }
    (q, n)
}

/// The x-words of every vector, in order: (elements, last).
pub(super) fn x_queue(run: &LinearRun) -> Vec<(Vec<i64>, bool)> {
    let mut q = Vec::new();
    for layer in [&run.first, &run.second] {
        for x in &layer.vectors {
            let words: Vec<&[i64]> = x.chunks(run.p).collect();
            let n = words.len();
            for (i, w) in words.into_iter().enumerate() {
                q.push((w.to_vec(), i + 1 == n));
            }
        }
    }
    q
}

/// The x-words of the first layer's vectors.
pub(super) fn x_first(run: &LinearRun) -> usize {
    run.first
        .vectors
        .iter()
        .map(|v| v.len().div_ceil(run.p))
        .sum()
}

/// Draws the three schedules of `run` under its traffic pattern.
pub fn schedules(run: &LinearRun, rng: &mut impl Rng) -> Schedules {
    let words = weight_queue(run).0.len() + x_queue(run).len();
    let results: usize = expected(run).iter().map(Vec::len).sum();
    let limit = 2000 + 40 * (words + results) * 4;
    Schedules {
        w: schedule(run.traffic, limit, rng),
        x: schedule(run.traffic, limit, rng),
        y: schedule(run.traffic, limit, rng),
        limit,
    }
}

/// Runs `run` on `module` and checks it.
pub fn run_rust_sim(module: &Module, run: &LinearRun, rng: &mut impl Rng) -> RunReport {
    let sched = schedules(run, rng);
    run_rust_sim_with(module, run, &sched, Idle::Random, rng)
}

/// Runs `run` on `module` under the schedules `sched`, idle data as `idle` says, and checks it.
pub fn run_rust_sim_with(
    module: &Module,
    run: &LinearRun,
    sched: &Schedules,
    idle: Idle,
    rng: &mut impl Rng,
) -> RunReport {
    let mut rep = RunReport::default();
    if let Err(e) = drive(module, run, sched, idle, rng, &mut rep, false) {
        rep.errors.push(e);
    }
    rep
}

/// Runs `run` on an engine generated with the first layer's weights as its
/// initial contents: the first layer's weights are not offered (its vectors
/// follow `rst` at once), the second layer's are loaded after its vectors.
pub fn run_rust_sim_preloaded(module: &Module, run: &LinearRun, rng: &mut impl Rng) -> RunReport {
    let sched = schedules(run, rng);
    run_rust_sim_preloaded_with(module, run, &sched, Idle::Random, rng)
}

/// As `run_rust_sim_preloaded`, under the schedules `sched` with idle data as `idle` says.
pub fn run_rust_sim_preloaded_with(
    module: &Module,
    run: &LinearRun,
    sched: &Schedules,
    idle: Idle,
    rng: &mut impl Rng,
) -> RunReport {
    let mut rep = RunReport::default();
    if let Err(e) = drive(module, run, sched, idle, rng, &mut rep, true) {
        rep.errors.push(e);
    }
    rep
}

fn drive(
    module: &Module,
    run: &LinearRun,
    sched: &Schedules,
    idle: Idle,
    rng: &mut impl Rng,
    rep: &mut RunReport,
    preloaded: bool,
) -> Result<(), String> {
    let mut sim = Sim::new(module, 1).map_err(|e| e.to_string())?;
    let p = ports(&sim)?;
    let exp = expected(run);
    let (mut wq, mut w_first) = weight_queue(run);
    if preloaded {
        wq.drain(..w_first);
        w_first = 0;
    }
    let xq = x_queue(run);
    let x_first = x_first(run);
    let unit = run.packing.unit_bits() as usize;
    let (limit, sw, sx, sy) = (sched.limit, &sched.w, &sched.x, &sched.y);
    sim.set(&p.rst, 0, 0, 1);
    for _ in 0..2 {
        sim.tick().map_err(|e| e.to_string())?;
    }
    sim.set(&p.rst, 0, 0, 0);
    let (mut wi, mut xi, mut vec_out, mut word_out, mut in_flight) = (0, 0, 0, 0, 0usize);
    let mut held: Option<(Vec<i64>, u64)> = None;
    let mut last_times = Vec::new();
    for cycle in 0..limit {
        if vec_out == exp.len() {
            break;
        }
        let w_gate = run.stream || wi < w_first || xi >= x_first;
        let w_on = sw.offer_at(cycle) && wi < wq.len() && w_gate;
        let x_gate = run.stream || xi < x_first || wi == wq.len();
        let x_on = sx.offer_at(cycle) && xi < xq.len() && x_gate;
        let w_head = wq.get(wi.min(wq.len().saturating_sub(1)));
        let x_head = xq.get(xi.min(xq.len().saturating_sub(1)));
        offer_w(&mut sim, &p, (w_on, w_head), unit, idle, rng);
        offer_x(&mut sim, &p, (x_on, x_head), run.p, idle, rng);
        sim.set(&p.y[1], 0, 0, u64::from(sy.ready_at(cycle)));
        let y_ready = sim.get(&p.y[1], 0, 0) == 1;
        let w_take = w_on && sim.get(&p.w[1], 0, 0) == 1;
        let x_take = x_on && sim.get(&p.x[1], 0, 0) == 1;
        if w_take && in_flight > 0 && !run.stream {
            rep.errors.push(format!(
                "cycle {cycle}: a weight word was taken while {in_flight} vectors were in flight"
            ));
        }
        if x_take && (xi == 0 || xq[xi - 1].1) {
            in_flight += 1;
        }
        let y_valid = sim.get(&p.y[0], 0, 0) == 1;
        if let Some((data, last)) = &held {
            let now = read_y(&mut sim, &p, run.q);
            if !y_valid || now.0 != *data || now.1 != *last {
                rep.errors.push(format!(
                    "cycle {cycle}: y changed or dropped before it was taken"
                ));
            }
        }
        held = None;
        if y_valid {
            let (data, last) = read_y(&mut sim, &p, run.q);
            if y_ready {
                check_word(rep, &exp, vec_out, word_out, &data, last == 1);
                rep.trace.y.push((cycle, data.clone(), last == 1));
                if word_out == 0 {
                    rep.observed.push(Vec::new());
                }
                if let Some(v) = rep.observed.last_mut() {
                    v.extend_from_slice(&data);
                }
                word_out += 1;
                rep.words += 1;
                if last == 1 || word_out > exp.get(vec_out).map_or(0, Vec::len) {
                    vec_out += 1;
                    word_out = 0;
                    in_flight = in_flight.saturating_sub(1);
                    last_times.push(cycle);
                }
            } else {
                held = Some((data, last));
            }
        }
        if w_take {
            rep.trace.w.push(cycle);
        }
        if x_take {
            rep.trace.x.push(cycle);
        }
        wi += usize::from(w_take);
        xi += usize::from(x_take);
        sim.tick().map_err(|e| e.to_string())?;
    }
    if vec_out < exp.len() {
        return Err(format!(
            "only {vec_out} of {} vectors came out (w {wi}/{}, x {xi}/{})",
            exp.len(),
            wq.len(),
            xq.len()
        ));
    }
    for _ in 0..50 {
        sim.set(&p.w[0], 0, 0, 0);
        sim.set(&p.x[0], 0, 0, 0);
        sim.set(&p.y[1], 0, 0, 1);
        if sim.get(&p.y[0], 0, 0) == 1 {
            return Err("an extra y-word came out".into());
        }
        sim.tick().map_err(|e| e.to_string())?;
    }
    let n1 = run.first.vectors.len();
    if n1 >= 3 {
        rep.cycles_per_vector = (last_times[n1 - 1] - last_times[1]) as f64 / (n1 - 2) as f64;
    }
    Ok(())
}

/// Checks y-word `w` of vector `v` and its `y_last` against `exp`, noting any problem in `rep`.
pub(super) fn check_word(
    rep: &mut RunReport,
    exp: &[Vec<Vec<i128>>],
    v: usize,
    w: usize,
    data: &[i64],
    last: bool,
) {
    let Some(want) = exp.get(v).and_then(|e| e.get(w)) else {
        rep.errors.push(format!("vector {v}: extra y-word {w}"));
        return;
    };
    let got: Vec<i128> = data.iter().map(|&d| i128::from(d)).collect();
    if &got != want {
        rep.errors
            .push(format!("vector {v} word {w}: got {got:?}, want {want:?}"));
    }
    let want_last = w + 1 == exp[v].len();
    if last != want_last {
        rep.errors.push(format!(
            "vector {v} word {w}: y_last = {last}, want {want_last}"
        ));
    }
}

fn read_y(sim: &mut Sim, p: &Ports, q: usize) -> (Vec<i64>, u64) {
    let data = (0..q).map(|e| sim.get_value(&p.y[3], e, 0)).collect();
    (data, sim.get(&p.y[2], 0, 0))
}

/// A stream's offer this cycle: whether the head word is offered, and the head word.
type Offer<'a, T> = (bool, Option<&'a T>);

fn offer_w(
    sim: &mut Sim,
    p: &Ports,
    (on, head): Offer<(Vec<bool>, bool)>,
    unit: usize,
    idle: Idle,
    rng: &mut impl Rng,
) {
    let units = p.w[3].len();
    sim.set(&p.w[0], 0, 0, u64::from(on));
    let noise = rng.random_range(0..2);
    let last = match (on, idle, head) {
        (true, _, Some(w)) => u64::from(w.1),
        (false, Idle::Complement, Some(w)) => u64::from(!w.1),
        _ => noise,
    };
    sim.set(&p.w[2], 0, 0, last);
    for i in 0..units {
        let bits = match (on, idle, head) {
            (true, _, Some(w)) => field(&w.0, i * unit, unit),
            (false, Idle::Complement, Some(w)) => !field(&w.0, i * unit, unit),
            _ => rng.random(),
        };
        sim.set(&p.w[3], i, 0, bits);
    }
}

fn offer_x(
    sim: &mut Sim,
    p: &Ports,
    (on, head): Offer<(Vec<i64>, bool)>,
    lanes: usize,
    idle: Idle,
    rng: &mut impl Rng,
) {
    sim.set(&p.x[0], 0, 0, u64::from(on));
    let noise = rng.random_range(0..2);
    let last = match (on, idle, head) {
        (true, _, Some(w)) => u64::from(w.1),
        (false, Idle::Complement, Some(w)) => u64::from(!w.1),
        _ => noise,
    };
    sim.set(&p.x[2], 0, 0, last);
    for i in 0..lanes {
        let noise: i64 = rng.random::<i8>().into();
        let v = match (on, idle, head) {
            (true, Idle::Complement, Some(w)) => w.0.get(i).copied().unwrap_or(X_PAD),
            (false, Idle::Complement, Some(w)) => !w.0.get(i).copied().unwrap_or(X_PAD),
            (true, Idle::Random, Some(w)) => w.0.get(i).copied().unwrap_or(noise),
            _ => noise,
        };
        sim.set_value(&p.x[3], i, 0, v);
    }
}
