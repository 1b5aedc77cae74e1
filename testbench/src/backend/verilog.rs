//! The Verilog back ends: the same driver rules as the Rust simulator, as a
//! generated Verilog bench, run by Icarus Verilog or Verilator.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lutforge_hdl::ir::{Module, Ty, mask};
use lutforge_tools::cells;
use lutforge_tools::process::{ToolError, run, run_command};
use lutforge_tools::{FoundTool, MissingTool, Tool, find};
use serde::Serialize;

use super::hex::{pack, unpack};
use crate::check::Observed;
use crate::vectors::{
    CoreLayout, DRAIN_CYCLES, Outcome, RESET_CYCLES, SIDE_ACT, SIDE_FLAG, SIDE_W, Stream, act_bits,
};

/// A Verilog simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Simulator {
    /// Icarus Verilog (`iverilog -g2005`, then `vvp`).
    Icarus,
    /// Verilator (`--binary --timing`).
    Verilator,
}

impl Simulator {
    /// The name the CLI uses.
    pub fn name(self) -> &'static str {
        match self {
            Simulator::Icarus => "iverilog",
            Simulator::Verilator => "verilator",
        }
    }

    /// The tools it needs.
    pub fn tools(self) -> &'static [Tool] {
        match self {
            Simulator::Icarus => &[Tool::Iverilog, Tool::Vvp],
            Simulator::Verilator => &[Tool::Verilator],
        }
    }
}

/// Why a Verilog back end could not run.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A simulator is not installed.
    #[error(transparent)]
    Missing(#[from] MissingTool),
    /// A simulator failed or timed out.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// Reading or writing bench files failed.
    #[error("bench files in {dir}: {message}")]
    Io {
        /// Folder.
        dir: String,
        /// OS error.
        message: String,
    },
    /// The bench printed something it should not.
    #[error("{simulator} output: {message}")]
    Output {
        /// Which simulator.
        simulator: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The design is not a contract core, or a template failed.
    #[error("{0}")]
    Design(String),
}

pub(crate) fn io_err(dir: &Path) -> impl Fn(std::io::Error) -> BackendError + '_ {
    move |e| BackendError::Io {
        dir: dir.display().to_string(),
        message: e.to_string(),
    }
}

/// Time limits: compiling a bench, and running one stream.
const BUILD_LIMIT: Duration = Duration::from_secs(900);
const RUN_LIMIT: Duration = Duration::from_secs(900);

/// A compiled bench: a program for one simulator, ready to run streams.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) simulator: Simulator,
    pub(crate) work: PathBuf,
    run_tool: FoundTool,
    run_args: Vec<String>,
}

impl Compiled {
    /// Runs the bench in `dir` (which holds its input files); returns its
    /// output file and how long the simulator process ran.
    pub(crate) fn run_in(
        &self,
        dir: &Path,
        what: &str,
    ) -> Result<(String, Duration), BackendError> {
        let args: Vec<&str> = self.run_args.iter().map(String::as_str).collect();
        let start = Instant::now();
        let out = run(&self.run_tool, &args, dir, RUN_LIMIT, what)?;
        let took = start.elapsed();
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(line) = text
            .lines()
            .find(|l| l.contains("ERROR") || l.contains("%Error"))
        {
            return Err(BackendError::Output {
                simulator: self.simulator.name(),
                message: line.trim().to_string(),
            });
        }
        let text = std::fs::read_to_string(dir.join("out.txt")).map_err(io_err(dir))?;
        Ok((text, took))
    }
}

/// Yosys' ECP5 cell models when a source (in `work`) instantiates ECP5
/// primitives, `None` when none does.
fn cell_library(work: &Path, sources: &[&str]) -> Result<Option<String>, BackendError> {
    let mut needed = false;
    for src in sources {
        let text = std::fs::read_to_string(work.join(src)).map_err(io_err(work))?;
        needed |= cells::needs_ecp5_cells(&text);
    }
    if !needed {
        return Ok(None);
    }
    match cells::ecp5_cells_sim() {
        Some(lib) => Ok(Some(lib.display().to_string())),
        None => Err(BackendError::Design(
            "the design instantiates ECP5 CCU2C cells and needs Yosys' ecp5/cells_sim.v: install yosys, or generate without --map ecp5".into(),
        )),
    }
}

/// Compiles Verilog sources (already written into `work`) with top `top`;
/// a design with ECP5 primitives is compiled with Yosys' cell models.
pub(crate) fn compile(
    simulator: Simulator,
    work: &Path,
    sources: &[&str],
    top: &str,
) -> Result<Compiled, BackendError> {
    let library = cell_library(work, sources)?;
    let define = format!("-D{}", cells::NO_INCLUDES_DEFINE);
    let mut sources = sources.to_vec();
    if let Some(lib) = &library {
        sources.push(lib.as_str());
    }
    let sources = &sources[..];
    match simulator {
        Simulator::Icarus => {
            let iverilog = find(Tool::Iverilog)?;
            let vvp = find(Tool::Vvp)?;
            let mut args = vec!["-g2005", "-o", "bench.vvp", "-s", top];
            if library.is_some() {
                args.push(&define);
            }
            args.extend_from_slice(sources);
            run(&iverilog, &args, work, BUILD_LIMIT, "compiling the bench")?;
            let image = work.join("bench.vvp").display().to_string();
            Ok(Compiled {
                simulator,
                work: work.into(),
                run_tool: vvp,
                run_args: vec!["-n".into(), image],
            })
        }
        Simulator::Verilator => {
            let verilator = find(Tool::Verilator)?;
            let jobs = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .to_string();
            let mut cmd = std::process::Command::new(&verilator.path);
            cmd.args([
                "--binary",
                "--timing",
                "-Wno-fatal",
                "-Wno-lint",
                "-Wno-style",
                "--top-module",
                top,
            ])
            .args(["-Mdir", "obj", "-j", &jobs, "-O1"])
            .env("OPT_FAST", "-O1")
            .args(library.as_ref().map(|_| &define))
            .args(sources);
            run_command(cmd, "verilator", work, BUILD_LIMIT, "building the bench")?;
            let exe = FoundTool {
                tool: Tool::Verilator,
                path: work.join("obj").join(format!("V{top}")),
                version: verilator.version,
                yowasp: false,
            };
            Ok(Compiled {
                simulator,
                work: work.into(),
                run_tool: exe,
                run_args: vec![],
            })
        }
    }
}

/// A per-beat input bus beside the contract's, read from `PORT.memh`.
#[derive(Serialize)]
struct SideIn {
    port: &'static str,
    width: u64,
}

#[derive(Serialize)]
struct StreamBenchContext<'a> {
    top: &'a str,
    ports: Vec<&'static str>,
    side_in: Vec<SideIn>,
    flag_width: usize,
    flag_port: &'static str,
    act_width: u64,
    w_width: u64,
    y_width: u64,
    max_beats: usize,
    max_sched: usize,
    reset_cycles: usize,
    drain_cycles: usize,
}

/// A stream bench for one core, compiled for one simulator.
#[derive(Debug)]
pub struct StreamBench {
    compiled: Compiled,
    layout: CoreLayout,
    max_beats: usize,
    max_sched: usize,
}

impl StreamBench {
    /// Writes the core's Verilog and a bench sized for `streams` into `work`, and compiles them.
    pub fn build(
        simulator: Simulator,
        top: &Module,
        dut_verilog: &str,
        streams: &[Stream],
        work: &Path,
    ) -> Result<StreamBench, BackendError> {
        let layout = CoreLayout::from_module(top).map_err(BackendError::Design)?;
        std::fs::create_dir_all(work).map_err(io_err(work))?;
        let max_beats = streams
            .iter()
            .map(|s| s.beats.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let max_sched = streams
            .iter()
            .map(|s| s.schedule.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let mut ports = lutforge_hdl::datapath::contract::CORE.port_order();
        let mut side_in = Vec::new();
        for (port, bus) in [(SIDE_ACT, layout.act_side), (SIDE_W, layout.w_side)] {
            if bus.elems > 0 {
                ports.push(port);
                side_in.push(SideIn {
                    port,
                    width: bus.elems as u64 * u64::from(bus.bits),
                });
            }
        }
        if layout.flag_elems > 0 {
            ports.push(SIDE_FLAG);
        }
        let ctx = StreamBenchContext {
            top: &top.name,
            ports,
            side_in,
            flag_width: layout.flag_elems,
            flag_port: SIDE_FLAG,
            act_width: layout.act_elems as u64 * layout.act_bits as u64,
            w_width: layout.w_elems as u64 * layout.w_bits as u64,
            y_width: layout.y_elems as u64 * layout.acc_bits as u64,
            max_beats,
            max_sched,
            reset_cycles: RESET_CYCLES,
            drain_cycles: DRAIN_CYCLES,
        };
        let tb = lutforge_gen::render_template("stream_bench.v.tera", STREAM_BENCH, &ctx)
            .map_err(|e| BackendError::Design(e.to_string()))?;
        std::fs::write(work.join("bench.v"), tb).map_err(io_err(work))?;
        std::fs::write(work.join("dut.v"), dut_verilog).map_err(io_err(work))?;
        let compiled = compile(simulator, work, &["bench.v", "dut.v"], "lutforge_stream_tb")?;
        Ok(StreamBench {
            compiled,
            layout,
            max_beats,
            max_sched,
        })
    }

    /// Runs one stream (its files go to `work/stream_INDEX`).
    pub fn run(&self, stream: &Stream, index: usize) -> Result<Outcome, BackendError> {
        self.run_timed(stream, index).map(|(o, _)| o)
    }

    /// Like [`Self::run`], also returning how long the simulator process ran.
    pub fn run_timed(
        &self,
        stream: &Stream,
        index: usize,
    ) -> Result<(Outcome, Duration), BackendError> {
        if stream.beats.len() > self.max_beats || stream.schedule.len() > self.max_sched {
            return Err(BackendError::Design(
                "stream is longer than the bench was built for".into(),
            ));
        }
        let dir = self.compiled.work.join(format!("stream_{index}"));
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        write_stream_files(&dir, stream, &self.layout, self.max_beats, self.max_sched)?;
        let (text, took) = self
            .compiled
            .run_in(&dir, &format!("simulating stream {index}"))?;
        Ok((
            parse_stream_output(&text, &self.layout, self.compiled.simulator)?,
            took,
        ))
    }
}

fn write_stream_files(
    dir: &Path,
    s: &Stream,
    l: &CoreLayout,
    max_beats: usize,
    max_sched: usize,
) -> Result<(), BackendError> {
    let mut act = String::new();
    let mut w = String::new();
    let mut last = String::new();
    let mut act_side = String::new();
    let mut w_side = String::new();
    for i in 0..max_beats {
        let beat = s.beats.get(i);
        let side_word = |elems: Vec<u64>, bits: u32| match beat {
            Some(_) => pack(elems, bits),
            None => "0".to_string(),
        };
        if l.act_side.elems > 0 {
            let elems = beat.map_or(Vec::new(), |b| {
                b.act[l.act_elems..l.act_elems + l.act_side.elems]
                    .iter()
                    .map(|&v| v as u64)
                    .collect()
            });
            let _ = writeln!(act_side, "{}", side_word(elems, l.act_side.bits));
        }
        if l.w_side.elems > 0 {
            let elems = beat.map_or(Vec::new(), |b| {
                b.w[l.w_elems..l.w_elems + l.w_side.elems].to_vec()
            });
            let _ = writeln!(w_side, "{}", side_word(elems, l.w_side.bits));
        }
        match s.beats.get(i) {
            Some(b) => {
                let _ = writeln!(
                    act,
                    "{}",
                    pack(
                        (0..l.act_elems).map(|e| act_bits(b, e, l.act_bits)),
                        l.act_bits
                    )
                );
                let _ = writeln!(w, "{}", pack(b.w.iter().take(l.w_elems).copied(), l.w_bits));
                let _ = writeln!(last, "{}", b.last as u8);
            }
            None => {
                let _ = writeln!(act, "0");
                let _ = writeln!(w, "0");
                let _ = writeln!(last, "0");
            }
        }
    }
    let bits = |f: &dyn Fn(usize) -> bool| {
        (0..max_sched)
            .map(|c| if f(c) { "1\n" } else { "0\n" })
            .collect::<String>()
    };
    let offer = bits(&|c| s.schedule.offer_at(c));
    let ready = bits(&|c| s.schedule.ready_at(c));
    let counts = format!(
        "{:08x}\n{:08x}\n{:08x}\n{:08x}\n",
        s.beats.len(),
        s.expected_results,
        s.schedule.len(),
        s.max_cycles()
    );
    for (port, text, bus) in [(SIDE_ACT, act_side, l.act_side), (SIDE_W, w_side, l.w_side)] {
        if bus.elems > 0 {
            std::fs::write(dir.join(format!("{port}.memh")), text).map_err(io_err(dir))?;
        }
    }
    for (name, text) in [
        ("act.memh", act),
        ("w.memh", w),
        ("last.memh", last),
        ("offer.memh", offer),
        ("ready.memh", ready),
        ("counts.memh", counts),
    ] {
        std::fs::write(dir.join(name), text).map_err(io_err(dir))?;
    }
    Ok(())
}

fn parse_stream_output(
    text: &str,
    l: &CoreLayout,
    sim: Simulator,
) -> Result<Outcome, BackendError> {
    let bad = |message: String| BackendError::Output {
        simulator: sim.name(),
        message,
    };
    let y_ty = Ty::signed(l.acc_bits);
    let mut o = Outcome::default();
    let mut ended = false;
    for line in text.lines() {
        let mut parts = line.splitn(3, ' ');
        let (tag, cycle, rest) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next(),
        );
        let c: u64 = cycle
            .parse()
            .map_err(|_| bad(format!("unreadable line `{line}`")))?;
        match tag {
            "A" => o.accept_cycles.push(c),
            "O" => o.offer_cycles.push(c),
            "R" => {
                let hex =
                    rest.ok_or_else(|| bad(format!("result line without value: `{line}`")))?;
                let (hex, flags) = match hex.split_once(' ') {
                    Some((y, f)) if l.flag_elems > 0 => {
                        (y, unpack(f, l.flag_elems, 1).map_err(bad)?)
                    }
                    _ => (hex, Vec::new()),
                };
                if flags.len() != l.flag_elems {
                    return Err(bad(format!("result line without flags: `{line}`")));
                }
                let bits = unpack(hex, l.y_elems, l.acc_bits).map_err(bad)?;
                o.observed.push(Observed {
                    cycle: c,
                    y: bits
                        .iter()
                        .map(|&b| y_ty.decode(b) as i64)
                        .chain(flags.iter().map(|&f| f as i64))
                        .collect(),
                });
            }
            "P" => o
                .protocol_errors
                .push(format!("cycle {c}: {}", rest.unwrap_or(""))),
            "E" => {
                o.cycles = c;
                ended = true;
            }
            "T" => {
                o.cycles = c;
                o.protocol_errors.push(format!("time-out after {c} cycles"));
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
    Ok(o)
}

/// One circuit for the cycle bench: its module (scalar ports only; `clk` is
/// driven by the bench) and its input values, `inputs[cycle][i]` for the
/// i-th non-clock input port in port order.
#[derive(Debug, Clone)]
pub struct CycleCircuit<'a> {
    /// The circuit.
    pub module: &'a Module,
    /// Its Verilog (one self-contained file).
    pub verilog: String,
    /// Input bit patterns per cycle.
    pub inputs: Vec<Vec<u64>>,
}

#[derive(Serialize)]
struct CyclePort {
    name: String,
    width: u32,
    lo: u64,
    hi: u64,
}

#[derive(Serialize)]
struct CycleCircuitCtx {
    index: usize,
    module: String,
    in_width: u64,
    inputs: Vec<CyclePort>,
    outputs: Vec<CyclePort>,
}

#[derive(Serialize)]
struct CycleBenchCtx {
    cycles: usize,
    circuits: Vec<CycleCircuitCtx>,
}

/// What a cycle bench printed, and how long the simulator ran.
#[derive(Debug, Clone)]
pub struct CycleBenchOutput {
    /// `[circuit][cycle - 1][output]` bit patterns: cycle 0 is for reset
    /// (registers are X before its edge) and is not reported.
    pub outputs: Vec<Vec<Vec<u64>>>,
    /// Wall time of the simulator process (not of its build).
    pub run_time: Duration,
}

/// Runs many circuits for `cycles` cycles in one build of one simulator.
pub fn run_cycle_bench(
    simulator: Simulator,
    circuits: &[CycleCircuit],
    cycles: usize,
    work: &Path,
) -> Result<CycleBenchOutput, BackendError> {
    std::fs::create_dir_all(work).map_err(io_err(work))?;
    let mut ctx = CycleBenchCtx {
        cycles,
        circuits: Vec::new(),
    };
    let mut sources = Vec::new();
    for (index, c) in circuits.iter().enumerate() {
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        let mut lo = 0u64;
        for p in &c.module.ports {
            if p.vector {
                return Err(BackendError::Design(format!(
                    "cycle bench: port `{}` is a vector port",
                    p.name
                )));
            }
            let w = p.elem.width;
            match p.dir {
                lutforge_hdl::ir::Dir::Input if p.name == "clk" => {}
                lutforge_hdl::ir::Dir::Input => {
                    inputs.push(CyclePort {
                        name: p.name.clone(),
                        width: w,
                        lo,
                        hi: lo + w as u64 - 1,
                    });
                    lo += w as u64;
                }
                lutforge_hdl::ir::Dir::Output => outputs.push(CyclePort {
                    name: p.name.clone(),
                    width: w,
                    lo: 0,
                    hi: 0,
                }),
            }
        }
        let in_width = lo.max(1);
        let mut mem = String::new();
        for c_in in c.inputs.iter().take(cycles) {
            let mut vals = Vec::new();
            for (v, p) in c_in.iter().zip(&inputs) {
                for b in 0..p.width {
                    vals.push((v >> b) & 1);
                }
            }
            let _ = writeln!(mem, "{}", pack(vals, 1));
        }
        std::fs::write(work.join(format!("c{index}.memh")), mem).map_err(io_err(work))?;
        let file = format!("c{index}.v");
        std::fs::write(work.join(&file), &c.verilog).map_err(io_err(work))?;
        sources.push(file);
        ctx.circuits.push(CycleCircuitCtx {
            index,
            module: c.module.name.clone(),
            in_width,
            inputs,
            outputs,
        });
    }
    let tb = lutforge_gen::render_template("cycle_bench.v.tera", CYCLE_BENCH, &ctx)
        .map_err(|e| BackendError::Design(e.to_string()))?;
    std::fs::write(work.join("bench.v"), tb).map_err(io_err(work))?;
    let mut srcs: Vec<&str> = vec!["bench.v"];
    srcs.extend(sources.iter().map(String::as_str));
    let compiled = compile(simulator, work, &srcs, "lutforge_cycle_tb")?;
    let (text, run_time) = compiled.run_in(work, "simulating the circuits")?;
    let bad = |message: String| BackendError::Output {
        simulator: simulator.name(),
        message,
    };
    let mut out: Vec<Vec<Vec<u64>>> = ctx
        .circuits
        .iter()
        .map(|_| Vec::with_capacity(cycles))
        .collect();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (_c, i) = (f.next(), f.next().and_then(|i| i.parse::<usize>().ok()));
        let i = i
            .filter(|&i| i < out.len())
            .ok_or_else(|| bad(format!("unreadable line `{line}`")))?;
        let vals = f
            .zip(&ctx.circuits[i].outputs)
            .map(|(h, p)| unpack(h, 1, p.width).map(|v| v[0] & mask(p.width)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("{e} in line `{line}`")))?;
        out[i].push(vals);
    }
    if out.iter().any(|c| c.len() + 1 != cycles) {
        return Err(bad(format!(
            "expected {} cycles of output for every circuit",
            cycles - 1
        )));
    }
    Ok(CycleBenchOutput {
        outputs: out,
        run_time,
    })
}

const STREAM_BENCH: &str = include_str!("../../templates/stream_bench.v.tera");
const CYCLE_BENCH: &str = include_str!("../../templates/cycle_bench.v.tera");
