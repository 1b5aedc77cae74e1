//! `lutforge run-layer --linear --datapath mx-dot`: a real layer in MX
//! through the `linear` engine. Weights and activations are quantized with
//! `testbench::mx`'s quantizer to the core's formats, laid out as the
//! engine's unit streams (docs/spec/mx-contract.md, "In a linear engine"),
//! the tokens run back to back on the Rust simulator (and Verilator with
//! `--cosim`), every result and flag checked against the exact MX golden
//! model, and the values compared with the float matmul.

use anyhow::{Context, Result, bail};
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::linear::{GeneratedLinear, WeightMemory, generate};
use lutforge_hdl::datapath::mx::NAME;
use lutforge_testbench::layer::{Matrix, error_stats, float_matmul};
use lutforge_testbench::linear::{
    BenchRun, Idle, Layer, LinearRun, MxPacking, Packing, run_rust_sim_with, schedules,
};
use lutforge_testbench::mx::layer::result_value;
use lutforge_testbench::mx::quant::quantize;
use lutforge_testbench::mx::{MxFormat, MxTensor};
use lutforge_testbench::traffic::TrafficKind;
use rand::SeedableRng;

use crate::cmd::layer::{LayerArgs, engine_in_verilator, write_results};
use crate::params::CoreFlags;

/// Lowest and highest scale code of tensors.
fn scale_range(ts: &[MxTensor]) -> (u8, u8) {
    ts.iter()
        .flat_map(|t| t.scales.iter().copied())
        .fold((u8::MAX, 0), |(lo, hi), s| (lo.min(s), hi.max(s)))
}

/// Every row of `m` quantized to `fmt` in blocks of `block`.
fn quant_rows(
    m: &Matrix,
    fmt: MxFormat,
    block: usize,
) -> Result<Vec<MxTensor>, lutforge_testbench::mx::MxError> {
    (0..m.rows)
        .map(|r| quantize(fmt, block, m.row(r)))
        .collect()
}

/// The initial contents of an `mx-dot` engine `g` for the weights `w`
/// (N_total × K_total): each row quantized to the engine's weight format
/// as `run-layer --linear` does, as its weight unit string (each block's
/// E8M0 scale ahead of its codes), and the packing they are in.
pub fn initial_units(g: &GeneratedLinear, w: &Matrix) -> Result<(Vec<Vec<u64>>, Packing)> {
    let mx = MxPacking::of(g)
        .context("an mx-dot engine states its MX facts in its metadata")?
        .context("reading mx-dot's MX facts")?;
    let units = mx.quantized_rows(w).context("quantizing the --weights")?;
    Ok((units, Packing::Mx(mx)))
}

/// Runs the layer `w` (N_total × K_total) × `x` (tokens × K_total) through the engine around `mx-dot`.
pub fn run(
    a: &LayerArgs,
    registry: &Registry,
    flags: &CoreFlags,
    w: &Matrix,
    x: &Matrix,
) -> Result<()> {
    if a.cosim {
        lutforge_tools::find(lutforge_tools::Tool::Verilator)
            .map_err(|e| anyhow::anyhow!("--cosim runs the engine in Verilator: {e}"))?;
    }
    let (n_total, k_total, tokens) = (w.rows, w.cols, x.rows);
    let mut values = flags.values(registry, NAME)?;
    values.remove("max_beats");
    let p = a.engine.params(
        registry,
        NAME.into(),
        values,
        k_total as u64,
        n_total as u64,
    )?;
    let g = generate(&p, registry)?;
    println!("{}", crate::cmd::linear::describe(&p, &g));
    let mx = MxPacking::of(&g)
        .context("an mx-dot engine states its MX facts in its metadata")?
        .context("reading mx-dot's MX facts")?;
    let spec = &mx.core.accum;
    let wq = quant_rows(w, spec.b_fmt, spec.block).context("quantizing the weights")?;
    let xq = quant_rows(x, spec.a_fmt, spec.block).context("quantizing the activations")?;
    let (ws, xs) = (scale_range(&wq), scale_range(&xq));
    println!(
        "quantized: {} × {} blocks of {}; activation scale codes {}..={}, weight scale codes {}..={} (windows act {}..={}, w {}..={})",
        spec.a_fmt,
        spec.b_fmt,
        spec.block,
        xs.0,
        xs.1,
        ws.0,
        ws.1,
        spec.a_window.min,
        spec.a_window.max,
        spec.b_window.min,
        spec.b_window.max
    );
    let codes: Vec<Vec<u64>> = wq.iter().map(|t| mx.weight_units(t)).collect();
    let run = LinearRun {
        packing: Packing::Mx(mx),
        first: Layer {
            codes: codes.clone(),
            vectors: xq.iter().map(|t| mx.act_units(t)).collect(),
        },
        second: Layer {
            codes,
            vectors: Vec::new(),
        },
        ww: p.weight_word_bits as usize,
        p: p.x_lanes,
        q: p.y_lanes,
        stream: p.weight_memory == WeightMemory::Stream,
        traffic: TrafficKind::Full,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let sched = schedules(&run, &mut rng);
    let started = std::time::Instant::now();
    let report = run_rust_sim_with(&g.module, &run, &sched, Idle::Complement, &mut rng);
    let rust_secs = started.elapsed().as_secs_f64();
    if let Some(e) = report.errors.first() {
        bail!(
            "the engine disagrees with the MX golden model on the Rust simulator ({} problems): {e}",
            report.errors.len()
        );
    }
    println!(
        "Rust simulator: {tokens} vectors, {} y-words, 0 mismatches (values and flags) against the exact MX golden model",
        report.words
    );
    if a.cosim {
        engine_in_verilator(&g, &p, &BenchRun { run, sched }, &report, rust_secs)?;
    }
    let f = &g.facts;
    let measured = if tokens >= 3 {
        format!("{:.1}", report.cycles_per_vector)
    } else {
        "— (3 tokens or more measure it)".into()
    };
    println!(
        "cycles per vector: {measured} measured, {} stated, bound {}",
        f.cycles_per_vector, f.bound.limit
    );
    let mut acc = Vec::with_capacity(tokens * n_total);
    let mut y = Vec::with_capacity(tokens * n_total);
    let mut flagged = 0;
    for words in report.observed.iter().take(tokens) {
        for &v in &words[..n_total] {
            let flag = v & 1 == 1;
            flagged += usize::from(flag);
            acc.push(v >> 1);
            y.push(result_value(&mx.core, v >> 1, flag));
        }
    }
    println!(
        "layer: {tokens} tokens × {k_total} inputs → {n_total} outputs, {flagged} flagged results"
    );
    if flagged > 0 {
        println!("flagged results are NaN: widen the scale windows to hold the scale codes above");
    } else {
        let err = error_stats(&y, &float_matmul(x, w));
        println!(
            "error against the float matmul: max |Δ| {:.5}, mean |Δ| {:.5}, relative ‖Δ‖/‖y‖ {:.4}",
            err.max_abs, err.mean_abs, err.relative
        );
    }
    if let Some(dir) = &a.out {
        write_results(dir, tokens, n_total, &acc, &y)?;
    }
    Ok(())
}
