//! `lutforge run-layer --datapath mx-dot`: a real layer in MX. Weights and
//! activations are quantized with `testbench::mx`'s quantizer to the core's
//! formats, tiled into runs (one per token group and weight tile), streamed
//! through the core on the Rust simulator (and Verilator with `--cosim`),
//! checked result by result against the exact MX golden model, and the
//! results' values compared with the float matmul.

use anyhow::{Context, Result, bail};
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::mx::NAME;
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::check::check_stream;
use lutforge_testbench::golden::Run;
use lutforge_testbench::layer::{Matrix, error_stats, float_matmul};
use lutforge_testbench::mx::cases::MxCore;
use lutforge_testbench::mx::layer::{result_value, tile_layer};
use lutforge_testbench::traffic::Schedule;
use lutforge_testbench::vectors::Stream;

use crate::cmd::layer::{LayerArgs, verilator_agrees};
use crate::cores::describe;
use crate::params::{CoreFlags, design};

/// Runs the layer `w` (N_total × K_total) × `x` (tokens × K_total) through `mx-dot`.
pub fn run(
    a: &LayerArgs,
    registry: &Registry,
    flags: &CoreFlags,
    w: &Matrix,
    x: &Matrix,
) -> Result<()> {
    if a.linear {
        return crate::cmd::layer_mx_linear::run(a, registry, flags, w, x);
    }
    if let Some(flag) = a.engine.first_given() {
        bail!("{flag} sets the `linear` engine, which mx-dot does not use; drop it");
    }
    let (n_total, k_total, tokens) = (w.rows, w.cols, x.rows);
    let mut values = flags.values(registry, NAME)?;
    let count = |key: &str, dflt: u64| values.get(key).and_then(|v| v.as_u64()).unwrap_or(dflt);
    let (k, n) = (count("k", 32) as usize, count("n", 4) as usize);
    if k == 0 || k_total % k != 0 {
        bail!(
            "the weights have K_total = {k_total} columns, which --k {k} does not divide; choose a --k (a multiple of --block) that divides {k_total}"
        );
    }
    if n == 0 || n_total % n != 0 {
        bail!(
            "the weights have N_total = {n_total} rows, which --n {n} does not divide; choose an --n that divides {n_total}"
        );
    }
    let beats = (k_total / k) as u64;
    let max_beats = count("max_beats", beats);
    if max_beats < beats {
        bail!(
            "a row of K_total = {k_total} takes {beats} beats of K = {k}; --max-beats must be at least {beats}"
        );
    }
    values.insert("k".into(), (k as u64).into());
    values.insert("n".into(), (n as u64).into());
    values.insert("max_beats".into(), max_beats.into());
    let design = design(registry, NAME, &values)?;
    let core = design.generate()?;
    println!("{}", describe(design.as_ref(), &core));
    let mx = MxCore::of(design.as_ref())
        .context("mx-dot states its MX facts in its metadata")?
        .context("reading mx-dot's MX facts")?;
    let layer = tile_layer(&mx, w, x).context("quantizing the layer")?;
    println!(
        "quantized: {} × {} blocks of {}; activation scale codes {}..={}, weight scale codes {}..={} (windows act {}..={}, w {}..={})",
        mx.accum.a_fmt,
        mx.accum.b_fmt,
        mx.accum.block,
        layer.act_scales.0,
        layer.act_scales.1,
        layer.w_scales.0,
        layer.w_scales.1,
        mx.accum.a_window.min,
        mx.accum.a_window.max,
        mx.accum.b_window.min,
        mx.accum.b_window.max
    );
    let runs: Vec<Run> = layer
        .runs
        .iter()
        .map(|r| Run {
            beats: r
                .iter()
                .enumerate()
                .map(|(i, b)| b.to_beat(i + 1 == r.len()))
                .collect(),
        })
        .collect();
    let stream = Stream::new(
        &runs,
        Schedule {
            offer: vec![true],
            ready: vec![true],
        },
    );
    let outcome = run_streams(&core.module, std::slice::from_ref(&stream))?.remove(0);
    let report = check_stream(&layer.expected, &outcome.observed);
    if !report.passed() || !outcome.protocol_errors.is_empty() {
        bail!(
            "the core disagrees with the MX golden model on the Rust simulator: {}",
            report.summary()
        );
    }
    println!(
        "Rust simulator: {} results ({} values and flags), 0 mismatches against the exact MX golden model",
        report.seen_results, report.compared_elements
    );
    if a.cosim {
        verilator_agrees(
            &core.module,
            design.as_ref(),
            &stream,
            &outcome.observed,
            |obs| check_stream(&layer.expected, obs),
            |r| r.summary(),
        )?;
    }
    let (m, tiles, mn) = (mx.m, n_total / n, mx.m * n);
    let mut y = vec![0f64; tokens * n_total];
    let mut flagged = 0;
    for (r, obs) in outcome.observed.iter().enumerate() {
        let (g, tile) = (r / tiles, r % tiles);
        for e in 0..mn {
            let t = g * m + e / n;
            if t < tokens {
                let flag = obs.y[mn + e] != 0;
                flagged += usize::from(flag);
                y[t * n_total + tile * n + e % n] = result_value(&mx, obs.y[e], flag);
            }
        }
    }
    let reference = float_matmul(x, w);
    println!(
        "layer: {tokens} tokens × {k_total} inputs → {n_total} outputs, {flagged} flagged results"
    );
    if flagged > 0 {
        println!("flagged results are NaN: widen the scale windows to hold the scale codes above");
    } else {
        let err = error_stats(&y, &reference);
        println!(
            "error against the float matmul: max |Δ| {:.5}, mean |Δ| {:.5}, relative ‖Δ‖/‖y‖ {:.4}",
            err.max_abs, err.mean_abs, err.relative
        );
    }
    let last = outcome.observed.last().map_or(0, |o| o.cycle + 1);
    println!(
        "cycles: {last} for {} beats ({} runs of {beats}), latency {}",
        stream.beats.len(),
        runs.len(),
        core.latency
    );
    Ok(())
}
