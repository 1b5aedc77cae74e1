//! `lutforge run-layer`: a real layer through a generated core (any
//! registered core whose weight format carries ternary weights). The
//! weights come from a `.safetensors` or `.npy` file, the activations from
//! a file or a seeded generator; both are quantized the BitNet b1.58 way,
//! tiled into runs of beats, streamed through the core (Rust simulator, and
//! Verilator with `--cosim`), checked result by result against the golden
//! model, dequantized and compared with the float matmul.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use lutforge_hdl::datapath::core::Registry;
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::backend::verilog::{Simulator, StreamBench};
use lutforge_testbench::check::{CheckReport, Observed, check_stream};
use lutforge_testbench::golden::{Beat, Run, Shape};
use lutforge_testbench::layer::{
    Matrix, TernaryWeights, dequantize, error_stats, float_matmul, npy_bytes,
    quantize_activations_absmax, quantize_weights_absmean, random_activations, read_matrix,
};
use lutforge_testbench::packing::run_result_encoded;
use lutforge_testbench::traffic::Schedule;
use lutforge_testbench::vectors::Stream;
use lutforge_testbench::verify::encoding_for;

use crate::cmd::linear::EngineArgs;
use crate::cores::{describe, header};
use crate::params::{CoreFlags, design};

/// A real layer's inputs: its weights and its activations (from a file or a seeded generator).
#[derive(Debug, Args)]
pub struct LayerInput {
    /// Weight matrix, N_total × K_total (a row per output): .safetensors or .npy, float64/float32/float16/bfloat16
    #[arg(long, value_name = "FILE")]
    pub weights: PathBuf,
    /// Tensor name inside a .safetensors file holding several
    #[arg(long)]
    pub tensor: Option<String>,
    /// Activations, tokens × K_total (.npy or .safetensors) [default: random normal, --tokens rows]
    #[arg(long, value_name = "FILE")]
    pub acts: Option<PathBuf>,
    /// Tokens of random activations
    #[arg(long, default_value_t = 4)]
    pub tokens: usize,
    /// Seed of the random activations
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl LayerInput {
    /// The weights (N_total × K_total) and activations (tokens × K_total), checked to match.
    pub fn load(&self) -> Result<(Matrix, Matrix)> {
        if !(1..=4096).contains(&self.tokens) {
            bail!("--tokens {} is invalid: give 1..=4096 tokens", self.tokens);
        }
        let w = read_matrix(&self.weights, self.tensor.as_deref())?;
        let x = match &self.acts {
            Some(p) => read_matrix(p, None)?,
            None => random_activations(self.tokens, w.cols, self.seed),
        };
        if x.cols != w.cols {
            bail!(
                "activations have {} columns but the weights have K_total = {}; they must match",
                x.cols,
                w.cols
            );
        }
        Ok((w, x))
    }
}

/// How `run-layer` quantizes the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WeightQuant {
    /// Ternary {−1, 0, +1} with the BitNet b1.58 absmean scale
    Ternary,
    /// Per-tensor symmetric int of --w-bits: q = clamp(round(w·(2^(B−1)−1)/max|w|), ±(2^(B−1)−1))
    Absmax,
}

/// Per-tensor symmetric `bits`-bit weights: scale max|w|/(2^(bits−1)−1),
/// codes rounded to nearest (ties away from zero) and clamped to ±(2^(bits−1)−1).
fn quantize_weights_absmax_int(w: &Matrix, bits: u32) -> TernaryWeights {
    let top = f64::from((1i32 << (bits - 1)) - 1);
    let max = w
        .data
        .iter()
        .filter(|v| v.is_finite())
        .fold(0f64, |m, &v| m.max(f64::from(v.abs())));
    let scale = if max == 0.0 { 0.0 } else { max / top };
    let q = w
        .data
        .iter()
        .map(|&v| {
            if scale == 0.0 {
                0
            } else {
                (f64::from(v) / scale).round().clamp(-top, top) as i8
            }
        })
        .collect();
    TernaryWeights {
        rows: w.rows,
        cols: w.cols,
        q,
        scale: scale as f32,
    }
}

/// Arguments of `lutforge run-layer`.
#[derive(Debug, Args)]
pub struct LayerArgs {
    #[command(flatten)]
    pub input: LayerInput,
    /// The core the layer runs on; its flags set the tile (without --linear, K must divide K_total and N must divide N_total; M tokens per beat)
    #[arg(long, default_value = "ternary-gemv", value_name = "KIND")]
    pub datapath: String,
    /// Run the layer through the `linear` engine (weights loaded into its memory, tiles of any size) instead of the bare core
    #[arg(long)]
    pub linear: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Also run the layer through the emitted Verilog in Verilator (the bare core, or the engine with --linear), cycle-exact against the Rust simulator
    #[arg(long)]
    pub cosim: bool,
    /// Weight quantization: `ternary` (BitNet absmean) or `absmax` (per-tensor symmetric int of --w-bits, for --w-format int)
    #[arg(long, value_enum, default_value_t = WeightQuant::Ternary)]
    pub w_quant: WeightQuant,
    /// Clock for the throughput estimate, MHz
    #[arg(long, value_name = "MHZ")]
    pub fmax: Option<f64>,
    /// Take the clock for the throughput estimate from a `lutforge flow` report.json
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write DIR/acc.npy (int64, tokens × out_features: the integers the simulated hardware produced) and DIR/y.npy (float32, dequantized)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs the layer and prints what it found; fails on any integer mismatch.
pub fn run(a: &LayerArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    if let Some(dir) = &a.out
        && dir.is_file()
    {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            dir.display()
        );
    }
    let (w, x) = a.input.load()?;
    if a.datapath == lutforge_hdl::datapath::mx::NAME {
        return crate::cmd::layer_mx::run(a, registry, flags, &w, &x);
    }
    let (n_total, k_total, tokens) = (w.rows, w.cols, x.rows);
    let values = flags.values(registry, &a.datapath)?;
    let count = |values: &lutforge_hdl::datapath::core::ParamMap, key: &str| {
        values.get(key).and_then(|v| v.as_u64())
    };
    if count(&values, "act_bits").is_some_and(|b| b != 8) {
        bail!("--act-bits must be 8: run-layer quantizes activations to int8 (BitNet b1.58)");
    }
    if values.get("w_format").and_then(|v| v.as_str()) == Some("binary") {
        bail!(
            "run-layer quantizes weights to ternary {{−1, 0, +1}}, which --w-format binary cannot carry; use ternary or int"
        );
    }
    let wq = match a.w_quant {
        WeightQuant::Ternary => quantize_weights_absmean(&w),
        WeightQuant::Absmax => {
            let bits = count(&values, "w_bits").unwrap_or(0);
            if values.get("w_format").and_then(|v| v.as_str()) != Some("int")
                || !(2..=8).contains(&bits)
            {
                bail!(
                    "--w-quant absmax quantizes to int weights of --w-bits: give --w-format int and --w-bits 2..=8"
                );
            }
            quantize_weights_absmax_int(&w, bits as u32)
        }
    };
    let xq = quantize_activations_absmax(&x);
    let layer = Quantized {
        wq: &wq,
        xq: &xq,
        k_total,
        n_total,
        tokens,
    };
    if !a.linear
        && let Some(flag) = a.engine.first_given()
    {
        bail!("{flag} sets the `linear` engine; add --linear");
    }
    let (acc, last) = if a.linear {
        run_engine(a, registry, values, &layer)?
    } else {
        run_core(a, registry, values, &layer)?
    };
    let y = dequantize(&acc, tokens, n_total, &wq, &xq);
    if let Some(dir) = &a.out {
        write_results(dir, tokens, n_total, &acc, &y)?;
    }
    let reference = float_matmul(&x, &w);
    let err = error_stats(&y, &reference);
    println!(
        "layer: {tokens} tokens × {k_total} inputs → {n_total} outputs; weight scale {} = {:.6}",
        match a.w_quant {
            WeightQuant::Ternary => "mean|W|",
            WeightQuant::Absmax => "max|W|/(2^(B−1)−1)",
        },
        wq.scale
    );
    println!(
        "error against the float matmul: max |Δ| {:.5}, mean |Δ| {:.5}, relative ‖Δ‖/‖y‖ {:.4}",
        err.max_abs, err.mean_abs, err.relative
    );
    // The same matmul with the quantized weights in float: what int8 activations alone cost.
    let w_ternary = Matrix {
        rows: n_total,
        cols: k_total,
        data: wq.q.iter().map(|&q| q as f32 * wq.scale).collect(),
    };
    let act = error_stats(&y, &float_matmul(&x, &w_ternary));
    println!(
        "error against the float matmul with the {} weights (int8 activations only): max |Δ| {:.5}, relative {:.4}",
        if a.w_quant == WeightQuant::Ternary {
            "ternary"
        } else {
            "quantized"
        },
        act.max_abs,
        act.relative
    );
    let fmax = match (&a.report, a.fmax) {
        (Some(p), _) => Some(fmax_from_report(p)?),
        (None, f) => f,
    };
    if let Some(f) = fmax {
        if f.is_nan() || f <= 0.0 {
            bail!("--fmax {f} is invalid: give a clock in MHz above 0");
        }
        let secs = last as f64 / (f * 1e6);
        let ops = 2.0 * (tokens * n_total * k_total) as f64;
        println!(
            "at {f:.1} MHz: {:.3} µs for the layer, {:.0} tokens/s, {:.2} GOPS",
            secs * 1e6,
            tokens as f64 / secs,
            ops / secs / 1e9
        );
    }
    Ok(())
}

/// A quantized layer and its sizes.
struct Quantized<'a> {
    wq: &'a lutforge_testbench::layer::TernaryWeights,
    xq: &'a lutforge_testbench::layer::Int8Activations,
    k_total: usize,
    n_total: usize,
    tokens: usize,
}

/// The layer tiled into runs of beats through the bare core: acc[token][output] and the cycles taken.
fn run_core(
    a: &LayerArgs,
    registry: &Registry,
    mut values: lutforge_hdl::datapath::core::ParamMap,
    layer: &Quantized,
) -> Result<(Vec<i64>, u64)> {
    let Quantized {
        wq,
        xq,
        k_total,
        n_total,
        tokens,
    } = *layer;
    let count = |values: &lutforge_hdl::datapath::core::ParamMap, key: &str| {
        values.get(key).and_then(|v| v.as_u64())
    };
    let k = count(&values, "k").unwrap_or(64.min(k_total as u64)) as usize;
    let n = count(&values, "n").unwrap_or(1) as usize;
    let m = count(&values, "m").unwrap_or(1) as usize;
    if k == 0 || k_total % k != 0 {
        bail!(
            "the weights have K_total = {k_total} columns, which --k {k} does not divide; choose a --k that divides {k_total}"
        );
    }
    if n == 0 || n_total % n != 0 {
        bail!(
            "the weights have N_total = {n_total} rows, which --n {n} does not divide; choose an --n that divides {n_total}"
        );
    }
    let beats = k_total / k;
    if count(&values, "max_beats").is_some_and(|mb| (mb as usize) < beats) {
        bail!(
            "a row of K_total = {k_total} takes {beats} beats of K = {k}; --max-beats must be at least {beats}"
        );
    }
    values.insert("k".into(), (k as u64).into());
    values.insert("n".into(), (n as u64).into());
    values.insert(
        "max_beats".into(),
        count(&values, "max_beats").unwrap_or(beats as u64).into(),
    );
    let design = design(registry, &a.datapath, &values)?;
    let core = design.generate()?;
    println!("{}", describe(design.as_ref(), &core));
    let enc = encoding_for(design.as_ref());

    let shape = Shape { m, n, k };
    let groups = tokens.div_ceil(m);
    let mut runs = Vec::with_capacity(groups * (n_total / n));
    for g in 0..groups {
        for tile in 0..n_total / n {
            let mut run = Run {
                beats: Vec::with_capacity(beats),
            };
            for b in 0..beats {
                let act = (0..m * k)
                    .map(|i| {
                        let (t, kk) = (g * m + i / k, b * k + i % k);
                        if t < tokens {
                            xq.q[t * k_total + kk] as i64
                        } else {
                            0
                        }
                    })
                    .collect();
                let values: Vec<i64> = (0..n * k)
                    .map(|i| wq.q[(tile * n + i / k) * k_total + b * k + i % k] as i64)
                    .collect();
                let bus = enc.encode(n, k, &values).context("packing the weights")?;
                run.beats.push(Beat {
                    act,
                    w: bus,
                    last: b + 1 == beats,
                });
            }
            runs.push(run);
        }
    }
    let expected: Vec<_> = runs
        .iter()
        .map(|r| run_result_encoded(shape, enc, r))
        .collect();
    let stream = Stream::new(
        &runs,
        Schedule {
            offer: vec![true],
            ready: vec![true],
        },
    );
    let outcome = run_streams(&core.module, std::slice::from_ref(&stream))?.remove(0);
    let report = check_stream(&expected, &outcome.observed);
    if !report.passed() || !outcome.protocol_errors.is_empty() {
        bail!(
            "the core disagrees with the golden model on the Rust simulator: {}",
            report.summary_with_cols(n)
        );
    }
    println!(
        "Rust simulator: {} results ({} integers), 0 mismatches against the golden model",
        report.seen_results, report.compared_elements
    );
    if a.cosim {
        verilator_agrees(
            &core.module,
            design.as_ref(),
            &stream,
            &outcome.observed,
            |obs| check_stream(&expected, obs),
            |r| r.summary_with_cols(n),
        )?;
    }

    // Reassemble acc[token][output] and compare with the float layer.
    let tiles = n_total / n;
    let mut acc = vec![0i64; tokens * n_total];
    for (r, obs) in outcome.observed.iter().enumerate() {
        let (g, tile) = (r / tiles, r % tiles);
        for (e, &y) in obs.y.iter().enumerate() {
            let (mm, nn) = (e / n, e % n);
            let t = g * m + mm;
            if t < tokens {
                acc[t * n_total + tile * n + nn] = y;
            }
        }
    }
    let last = outcome.observed.last().map_or(0, |o| o.cycle + 1);
    println!(
        "cycles: {last} for {} beats ({} runs of {beats}), latency {}",
        stream.beats.len(),
        runs.len(),
        core.latency
    );
    Ok((acc, last))
}

/// The layer through the `linear` engine on the Rust simulator: the weights
/// loaded once, the tokens as vectors back to back, every y-word checked
/// against the golden GEMV; acc[token][output] as the engine gave it, and
/// the cycles the tokens take at the measured rate.
fn run_engine(
    a: &LayerArgs,
    registry: &Registry,
    mut values: lutforge_hdl::datapath::core::ParamMap,
    layer: &Quantized,
) -> Result<(Vec<i64>, u64)> {
    use lutforge_testbench::linear::{
        BenchRun, Idle, Layer, LinearRun, run_rust_sim_with, schedules,
    };
    use lutforge_testbench::traffic::TrafficKind;
    use rand::SeedableRng;

    if a.cosim {
        lutforge_tools::find(lutforge_tools::Tool::Verilator)
            .map_err(|e| anyhow::anyhow!("--cosim runs the engine in Verilator: {e}"))?;
    }
    let Quantized {
        wq,
        xq,
        k_total,
        n_total,
        tokens,
    } = *layer;
    values.remove("max_beats");
    let p = a.engine.params(
        registry,
        a.datapath.clone(),
        values,
        k_total as u64,
        n_total as u64,
    )?;
    let g = lutforge_hdl::datapath::linear::generate(&p, registry)?;
    println!("{}", crate::cmd::linear::describe(&p, &g));
    let f = &g.facts;
    let packing = crate::cmd::linear::engine_packing(f);
    let codes = engine_codes(wq, packing);
    let vectors: Vec<Vec<i64>> = (0..tokens)
        .map(|t| {
            (0..k_total)
                .map(|k| i64::from(xq.q[t * k_total + k]))
                .collect()
        })
        .collect();
    let run = LinearRun {
        packing,
        first: Layer {
            codes: codes.clone(),
            vectors,
        },
        second: Layer {
            codes,
            vectors: Vec::new(),
        },
        ww: p.weight_word_bits as usize,
        p: p.x_lanes,
        q: p.y_lanes,
        stream: p.weight_memory == lutforge_hdl::datapath::linear::WeightMemory::Stream,
        traffic: TrafficKind::Full,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let sched = schedules(&run, &mut rng);
    let started = std::time::Instant::now();
    let report = run_rust_sim_with(&g.module, &run, &sched, Idle::Complement, &mut rng);
    let rust_secs = started.elapsed().as_secs_f64();
    if let Some(e) = report.errors.first() {
        bail!(
            "the engine disagrees with the golden GEMV on the Rust simulator ({} problems): {e}",
            report.errors.len()
        );
    }
    let mut acc = Vec::with_capacity(tokens * n_total);
    for y in report.observed.iter().take(tokens) {
        acc.extend_from_slice(&y[..n_total]);
    }
    println!(
        "Rust simulator: {tokens} vectors, {} y-words, 0 mismatches against the golden GEMV",
        report.words
    );
    if a.cosim {
        engine_in_verilator(&g, &p, &BenchRun { run, sched }, &report, rust_secs)?;
    }
    let stated = f.cycles_per_vector;
    let measured = if tokens >= 3 {
        format!("{:.1}", report.cycles_per_vector)
    } else {
        "— (3 tokens or more measure it)".into()
    };
    println!(
        "cycles per vector: {measured} measured, {stated} stated, bound {} (compute {}, weight memory {}, activation load {}, result drain {})",
        f.bound.limit,
        f.bound.compute,
        f.bound.weight_memory,
        f.bound.activation_load,
        f.bound.result_drain
    );
    Ok((acc, stated * tokens as u64))
}

/// The same run of the engine in Verilator: every y-word against the golden
/// GEMV and every handshake's cycle against the Rust simulator's `rust`;
/// prints the cycles both measured.
pub fn engine_in_verilator(
    g: &lutforge_hdl::datapath::linear::GeneratedLinear,
    p: &lutforge_hdl::datapath::linear::LinearParams,
    run: &lutforge_testbench::linear::BenchRun,
    rust: &lutforge_testbench::linear::RunReport,
    rust_secs: f64,
) -> Result<()> {
    use lutforge_testbench::linear::{LinearBench, verilog::trace_difference};

    let work = tempfile::tempdir().context("cannot create a temporary folder")?;
    let header = lutforge_gen::Header {
        command: crate::cmd::linear::command_line(p),
        params: Vec::new(),
    };
    let verilog = lutforge_gen::render_verilog(&g.module, &header)?;
    eprintln!("building the Verilator bench of the engine …");
    let bench = LinearBench::build(
        Simulator::Verilator,
        &g.module,
        &verilog,
        std::slice::from_ref(run),
        work.path(),
    )?;
    let v = bench.run(run, 0)?;
    if let Some(e) = v.errors.first() {
        bail!(
            "the engine disagrees with the golden GEMV in Verilator ({} problems): {e}",
            v.errors.len()
        );
    }
    if let Some(d) = trace_difference(&rust.trace, &v.trace) {
        bail!("Verilator and the Rust simulator disagree on the engine: {d}");
    }
    let integers = v.trace.y.iter().map(|y| y.1.len()).sum::<usize>();
    let end = |t: &lutforge_testbench::linear::Trace| t.y.last().map_or(0, |y| y.0 + 1);
    println!(
        "Verilator: {} y-words ({integers} integers), 0 mismatches against the golden GEMV, cycle-exact with the Rust simulator",
        v.words
    );
    println!(
        "cycles to the last y-word: {} in the Rust simulator ({rust_secs:.3} s), {} in Verilator ({:.3} s run, build not counted)",
        end(&rust.trace),
        end(&v.trace),
        v.run_time.as_secs_f64()
    );
    Ok(())
}

/// The engine's weight codes `codes[n][k]` of quantized ternary weights in `packing`
/// (for base3, the ternary codes the packing turns into bytes).
pub fn engine_codes(
    wq: &lutforge_testbench::layer::TernaryWeights,
    packing: lutforge_testbench::linear::Packing,
) -> Vec<Vec<u64>> {
    use lutforge_testbench::linear::Packing;
    let code = |w: i8| -> u64 {
        match packing {
            Packing::I2s => (i64::from(w) + 1) as u64,
            Packing::Int(b) => (i64::from(w) as u64) & ((1u64 << b) - 1),
            _ => match w {
                1 => 0b01,
                -1 => 0b11,
                _ => 0b00,
            },
        }
    };
    (0..wq.rows)
        .map(|n| (0..wq.cols).map(|k| code(wq.q[n * wq.cols + k])).collect())
        .collect()
}

/// `--cosim`: runs `stream` through `module` in Verilator and checks its
/// results with `check` (against the golden model) and against the Rust
/// simulator's `rust` (cycle-exact); `summary` renders a failed check.
pub(crate) fn verilator_agrees(
    module: &lutforge_hdl::ir::Module,
    design: &dyn lutforge_hdl::datapath::core::Design,
    stream: &Stream,
    rust: &[Observed],
    check: impl Fn(&[Observed]) -> CheckReport,
    summary: impl Fn(&CheckReport) -> String,
) -> Result<()> {
    let work = tempfile::tempdir().context("cannot create a temporary folder")?;
    let verilog = lutforge_gen::render_verilog(module, &header(design))?;
    eprintln!("building the Verilator bench …");
    let bench = StreamBench::build(
        Simulator::Verilator,
        module,
        &verilog,
        std::slice::from_ref(stream),
        work.path(),
    )?;
    let v = bench.run(stream, 0)?;
    let vr = check(&v.observed);
    if !vr.passed() || v.observed != rust {
        bail!("Verilator disagrees: {}", summary(&vr));
    }
    println!(
        "Verilator: {} results, 0 mismatches, cycle-exact with the Rust simulator",
        vr.seen_results
    );
    Ok(())
}

/// Writes acc.npy and y.npy into `dir`, both rendered before either is written.
pub fn write_results(
    dir: &std::path::Path,
    tokens: usize,
    outputs: usize,
    acc: &[i64],
    y: &[f64],
) -> Result<()> {
    let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
    let files = [
        ("acc.npy", npy_bytes(tokens, outputs, acc)?),
        ("y.npy", npy_bytes(tokens, outputs, &y32)?),
    ];
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder `{}`", dir.display()))?;
    for (name, bytes) in files {
        let path = lutforge_gen::write_atomic_bytes(dir, name, &bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn fmax_from_report(p: &std::path::Path) -> Result<f64> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("cannot read report `{}`", p.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("report `{}` does not parse: {e}", p.display()))?;
    v["fmax_mhz"].as_f64().ok_or_else(|| {
        anyhow::anyhow!(
            "report `{}` has no fmax_mhz (was it a `flow` run?)",
            p.display()
        )
    })
}
