//! The linear engine in a real Verilog simulator (Icarus or Verilator): a
//! generated bench (bench.v.tera) drives the three streams by the Rust
//! driver's rules from the same schedules, and every y-word it takes is
//! checked against the golden GEMV and, with every handshake's cycle,
//! against the Rust simulator's run of the same stimulus.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;

use lutforge_hdl::datapath::contract::{LINEAR, LINEAR_W, LINEAR_X, LINEAR_Y};
use lutforge_hdl::ir::{Dir, Module, Ty};

use super::driver::{
    self, Idle, LinearRun, RunReport, Schedules, Trace, X_PAD, check_word, expected,
    run_rust_sim_preloaded_with, run_rust_sim_with,
};
use crate::backend::hex::{pack, unpack};
use crate::backend::verilog::{BackendError, Compiled, Simulator, compile, io_err};
use crate::vectors::RESET_CYCLES;

/// Cycles the bench runs after the last vector, checking that no y-word comes out (as the Rust driver does).
const DRAIN_CYCLES: usize = 50;

/// One run for a bench: the stimulus and its schedules.
#[derive(Debug, Clone)]
pub struct BenchRun {
    /// The layers, vectors and traffic.
    pub run: LinearRun,
    /// The schedules both back ends follow.
    pub sched: Schedules,
}

impl BenchRun {
    /// A run with schedules drawn from `rng` under the run's traffic pattern.
    pub fn new(run: LinearRun, rng: &mut impl Rng) -> BenchRun {
        let sched = driver::schedules(&run, rng);
        BenchRun { run, sched }
    }
}

/// What a Verilog simulator did with one run, checked.
#[derive(Debug, Clone, Default)]
pub struct VerilogReport {
    /// Every problem found, one line each (golden mismatches, handshake breaches, differences from the Rust simulator).
    pub errors: Vec<String>,
    /// y-words checked against the golden model.
    pub words: usize,
    /// The handshakes the simulator saw.
    pub trace: Trace,
    /// Cycles the simulator ran until the last vector's last y-word was taken.
    pub cycles: usize,
    /// Wall time of the simulator process (not of its build).
    pub run_time: Duration,
}

/// A port of the bench: its name, width and whether the bench drives it.
#[derive(Serialize)]
struct BenchPort {
    name: &'static str,
    width: u64,
    input: bool,
}

#[derive(Serialize)]
struct BenchCtx {
    top: String,
    clock: &'static str,
    reset: &'static str,
    ports: Vec<BenchPort>,
    w_valid: &'static str,
    w_ready: &'static str,
    w_last: &'static str,
    w_data: &'static str,
    x_valid: &'static str,
    x_ready: &'static str,
    x_last: &'static str,
    x_data: &'static str,
    y_valid: &'static str,
    y_ready: &'static str,
    y_last: &'static str,
    y_data: &'static str,
    w_width: u64,
    x_width: u64,
    y_width: u64,
    max_w: usize,
    max_x: usize,
    max_sched: usize,
    reset_cycles: usize,
    drain_cycles: usize,
}

/// The element widths of the engine's data ports.
#[derive(Debug, Clone, Copy)]
struct Widths {
    x_bits: u32,
    acc_bits: u32,
    y_elems: usize,
}

/// A bench for one engine, compiled for one simulator, sized for the runs it was built for.
#[derive(Debug)]
pub struct LinearBench {
    compiled: Compiled,
    widths: Widths,
    max_w: usize,
    max_x: usize,
    max_sched: usize,
}

fn port<'a>(m: &'a Module, name: &str) -> Result<&'a lutforge_hdl::ir::Port, BackendError> {
    m.port(name).ok_or_else(|| {
        BackendError::Design(format!(
            "module `{}` has no port `{name}` of the linear contract",
            m.name
        ))
    })
}

impl LinearBench {
    /// Writes the engine's Verilog and a bench sized for `runs` into `work`, and compiles them.
    pub fn build(
        simulator: Simulator,
        top: &Module,
        dut_verilog: &str,
        runs: &[BenchRun],
        work: &Path,
    ) -> Result<LinearBench, BackendError> {
        LINEAR.check(top).map_err(BackendError::Design)?;
        std::fs::create_dir_all(work).map_err(io_err(work))?;
        let mut ports = Vec::new();
        for (name, dir) in LINEAR.ports() {
            if name != LINEAR.clock && name != LINEAR.reset {
                ports.push(BenchPort {
                    name,
                    width: port(top, name)?.total_width(),
                    input: dir == Dir::Input,
                });
            }
        }
        let width = |n: &str| port(top, n).map(|p| p.total_width());
        let y = port(top, LINEAR_Y.payload[0])?;
        let widths = Widths {
            x_bits: port(top, LINEAR_X.payload[0])?.elem.width,
            acc_bits: y.elem.width,
            y_elems: y.signals.len(),
        };
        let most = |f: &dyn Fn(&BenchRun) -> usize| runs.iter().map(f).max().unwrap_or(1).max(1);
        let max_w = most(&|r| driver::weight_queue(&r.run).0.len());
        let max_x = most(&|r| driver::x_queue(&r.run).len());
        let max_sched = most(&|r| r.sched.limit);
        ports.insert(
            0,
            BenchPort {
                name: LINEAR.reset,
                width: 1,
                input: true,
            },
        );
        let ctx = BenchCtx {
            top: top.name.clone(),
            clock: LINEAR.clock,
            reset: LINEAR.reset,
            ports,
            w_valid: LINEAR_W.valid,
            w_ready: LINEAR_W.ready,
            w_last: LINEAR_W.last.unwrap_or("w_last"),
            w_data: LINEAR_W.payload[0],
            x_valid: LINEAR_X.valid,
            x_ready: LINEAR_X.ready,
            x_last: LINEAR_X.last.unwrap_or("x_last"),
            x_data: LINEAR_X.payload[0],
            y_valid: LINEAR_Y.valid,
            y_ready: LINEAR_Y.ready,
            y_last: LINEAR_Y.last.unwrap_or("y_last"),
            y_data: LINEAR_Y.payload[0],
            w_width: width(LINEAR_W.payload[0])?,
            x_width: width(LINEAR_X.payload[0])?,
            y_width: width(LINEAR_Y.payload[0])?,
            max_w,
            max_x,
            max_sched,
            reset_cycles: RESET_CYCLES,
            drain_cycles: DRAIN_CYCLES,
        };
        let tb = lutforge_gen::render_template("linear_bench.v.tera", BENCH, &ctx)
            .map_err(|e| BackendError::Design(e.to_string()))?;
        std::fs::write(work.join("bench.v"), tb).map_err(io_err(work))?;
        std::fs::write(work.join("dut.v"), dut_verilog).map_err(io_err(work))?;
        let compiled = compile(simulator, work, &["bench.v", "dut.v"], "lutforge_linear_tb")?;
        Ok(LinearBench {
            compiled,
            widths,
            max_w,
            max_x,
            max_sched,
        })
    }

    /// Runs `r` (its files go to `work/run_INDEX`) and checks every y-word against the golden GEMV.
    pub fn run(&self, r: &BenchRun, index: usize) -> Result<VerilogReport, BackendError> {
        self.run_from(r, index, false)
    }

    /// As `run`, on an engine whose initial contents are the first layer's
    /// weights: they are not offered, its vectors follow reset at once.
    pub fn run_preloaded(&self, r: &BenchRun, index: usize) -> Result<VerilogReport, BackendError> {
        self.run_from(r, index, true)
    }

    fn run_from(
        &self,
        r: &BenchRun,
        index: usize,
        preloaded: bool,
    ) -> Result<VerilogReport, BackendError> {
        let (mut wq, mut w_first) = driver::weight_queue(&r.run);
        if preloaded {
            wq.drain(..w_first);
            w_first = 0;
        }
        let xq = driver::x_queue(&r.run);
        if wq.len() > self.max_w || xq.len() > self.max_x || r.sched.limit > self.max_sched {
            return Err(BackendError::Design(
                "the run is longer than the bench was built for".into(),
            ));
        }
        let dir = self.compiled.work.join(format!("run_{index}"));
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let exp = expected(&r.run);
        let counts = [
            wq.len(),
            w_first,
            xq.len(),
            driver::x_first(&r.run),
            exp.len(),
            exp.first().map_or(0, Vec::len),
            r.sched.limit,
            usize::from(r.run.stream),
        ];
        let mut files: Vec<(&str, String)> = vec![(
            "counts.memh",
            counts.iter().map(|c| format!("{c:08x}\n")).collect(),
        )];
        files.push((
            "w.memh",
            lines(
                wq.iter()
                    .map(|w| pack(w.0.iter().map(|&b| u64::from(b)), 1)),
            ),
        ));
        files.push(("wl.memh", lines(wq.iter().map(|w| flag(w.1)))));
        let xb = self.widths.x_bits;
        let x_word = |w: &Vec<i64>| {
            let lanes = (0..r.run.p).map(|i| w.get(i).copied().unwrap_or(X_PAD) as u64);
            pack(lanes, xb)
        };
        files.push(("x.memh", lines(xq.iter().map(|w| x_word(&w.0)))));
        files.push(("xl.memh", lines(xq.iter().map(|w| flag(w.1)))));
        let s = &r.sched;
        let sched = |f: &dyn Fn(usize) -> bool| lines((0..s.limit).map(|c| flag(f(c))));
        files.push(("ow.memh", sched(&|c| s.w.offer_at(c))));
        files.push(("ox.memh", sched(&|c| s.x.offer_at(c))));
        files.push(("ry.memh", sched(&|c| s.y.ready_at(c))));
        for (name, text) in files {
            std::fs::write(dir.join(name), text).map_err(io_err(&dir))?;
        }
        let (text, run_time) = self
            .compiled
            .run_in(&dir, &format!("simulating linear run {index}"))?;
        let mut rep = self.parse(&text)?;
        rep.run_time = run_time;
        let mut words = RunReport::default();
        let (mut v, mut w) = (0, 0);
        for (_, data, last) in &rep.trace.y {
            check_word(&mut words, &exp, v, w, data, *last);
            w += 1;
            if *last || w > exp.get(v).map_or(0, Vec::len) {
                v += 1;
                w = 0;
            }
        }
        if v < exp.len() && rep.errors.is_empty() {
            rep.errors
                .push(format!("only {v} of {} vectors came out", exp.len()));
        }
        rep.words = rep.trace.y.len();
        rep.errors.extend(words.errors);
        Ok(rep)
    }

    fn parse(&self, text: &str) -> Result<VerilogReport, BackendError> {
        let bad = |message: String| BackendError::Output {
            simulator: self.compiled_name(),
            message,
        };
        let y_ty = Ty::signed(self.widths.acc_bits);
        let mut rep = VerilogReport::default();
        let mut ended = false;
        for line in text.lines() {
            let mut parts = line.splitn(3, ' ');
            let (tag, cycle, rest) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next(),
            );
            let c: usize = cycle
                .parse()
                .map_err(|_| bad(format!("unreadable line `{line}`")))?;
            match tag {
                "W" => rep.trace.w.push(c),
                "X" => rep.trace.x.push(c),
                "Y" => {
                    let (last, hex) = rest
                        .and_then(|r| r.split_once(' '))
                        .ok_or_else(|| bad(format!("y line without a value: `{line}`")))?;
                    let bits = unpack(hex, self.widths.y_elems, self.widths.acc_bits)
                        .map_err(|e| bad(format!("{e} in `{line}`")))?;
                    let y = bits.iter().map(|&b| y_ty.decode(b) as i64).collect();
                    rep.trace.y.push((c, y, last == "1"));
                }
                "P" => rep
                    .errors
                    .push(format!("cycle {c}: {}", rest.unwrap_or("").trim())),
                "E" => {
                    rep.cycles = c;
                    ended = true;
                }
                "T" => {
                    rep.cycles = c;
                    rep.errors
                        .push(format!("time-out: not every vector came out in {c} cycles"));
                    ended = true;
                }
                _ => return Err(bad(format!("unreadable line `{line}`"))),
            }
        }
        if !ended {
            return Err(bad(
                "the bench stopped before it finished (no end marker)".into()
            ));
        }
        Ok(rep)
    }

    fn compiled_name(&self) -> &'static str {
        self.compiled.simulator.name()
    }
}

fn flag(b: bool) -> String {
    if b { "1".into() } else { "0".into() }
}

fn lines(items: impl Iterator<Item = String>) -> String {
    let mut s = String::new();
    for i in items {
        let _ = writeln!(s, "{i}");
    }
    s
}

/// A run checked on both back ends: the Rust simulator's report, the Verilog simulator's, and their differences.
#[derive(Debug, Clone)]
pub struct Cosim {
    /// The Rust simulator's run (idle data as the bench gives it).
    pub rust: RunReport,
    /// The Verilog simulator's run.
    pub verilog: VerilogReport,
    /// Every problem: either side's, and the first difference between the two traces.
    pub errors: Vec<String>,
}

/// The first difference between the Rust simulator's trace and a Verilog simulator's, if any.
pub fn trace_difference(rust: &Trace, other: &Trace) -> Option<String> {
    let first = |what: &str, a: &[usize], b: &[usize]| {
        let i = a.iter().zip(b).position(|(x, y)| x != y);
        match i {
            Some(i) => Some(format!(
                "{what} word {i} taken on cycle {} in Verilog, {} in the Rust simulator",
                b[i], a[i]
            )),
            None if a.len() != b.len() => Some(format!(
                "{} {what} words taken in Verilog, {} in the Rust simulator",
                b.len(),
                a.len()
            )),
            None => None,
        }
    };
    let cycles = |t: &Trace| t.y.iter().map(|y| y.0).collect::<Vec<_>>();
    first("weight", &rust.w, &other.w)
        .or_else(|| first("x", &rust.x, &other.x))
        .or_else(|| first("y", &cycles(rust), &cycles(other)))
        .or_else(|| {
            let i = rust.y.iter().zip(&other.y).position(|(a, b)| a != b)?;
            Some(format!(
                "y-word {i}: {:?} in Verilog, {:?} in the Rust simulator",
                other.y[i], rust.y[i]
            ))
        })
}

/// Runs `r` on the Rust simulator and on `bench` and checks both: golden GEMV, handshakes, and cycle-exactness.
pub fn cosim(
    module: &Module,
    bench: &LinearBench,
    r: &BenchRun,
    index: usize,
    rng: &mut impl Rng,
) -> Result<Cosim, BackendError> {
    let rust = run_rust_sim_with(module, &r.run, &r.sched, Idle::Complement, rng);
    let verilog = bench.run(r, index)?;
    compare(bench, rust, verilog)
}

/// As `cosim`, on an engine holding the first layer's weights as its initial contents (no first load).
pub fn cosim_preloaded(
    module: &Module,
    bench: &LinearBench,
    r: &BenchRun,
    index: usize,
    rng: &mut impl Rng,
) -> Result<Cosim, BackendError> {
    let rust = run_rust_sim_preloaded_with(module, &r.run, &r.sched, Idle::Complement, rng);
    let verilog = bench.run_preloaded(r, index)?;
    compare(bench, rust, verilog)
}

fn compare(
    bench: &LinearBench,
    rust: RunReport,
    verilog: VerilogReport,
) -> Result<Cosim, BackendError> {
    let sim = bench.compiled_name();
    let mut errors: Vec<String> = rust
        .errors
        .iter()
        .map(|e| format!("Rust simulator: {e}"))
        .collect();
    errors.extend(verilog.errors.iter().map(|e| format!("{sim}: {e}")));
    if let Some(d) = trace_difference(&rust.trace, &verilog.trace) {
        errors.push(format!("{sim} against the Rust simulator: {d}"));
    }
    Ok(Cosim {
        rust,
        verilog,
        errors,
    })
}

const BENCH: &str = include_str!("bench.v.tera");
