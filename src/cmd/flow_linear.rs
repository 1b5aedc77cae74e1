//! `lutforge synth linear` and `lutforge flow linear`: the layer engine in
//! the characterisation harness, with the layer's figures beside the usual
//! ones: cycles per vector, GEMV per second (Fmax / cycles per vector) and
//! the memory blocks that hold the weights. A layer whose weights cannot fit
//! the target's memory is refused before anything is written.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use lutforge_fpga::flow::{FlowRequest, run_flow};
use lutforge_fpga::report::{LinearFigures, Report};
use lutforge_fpga::targets::{Family, Target};
use lutforge_gen::Header;
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::linear::{LinearFacts, WeightMemory};
use rand::SeedableRng;

use crate::cmd::flow::{FlowArgs, print_summary, relative};
use crate::cmd::linear::{Engine, command_with, metadata, run_once};
use crate::params::CoreFlags;

/// The one target with SPRAM.
const SPRAM_TARGET: &str = "ice40-up5k";

/// Block RAM configurations (words, bits) of a family's block, as Yosys 0.23 maps them.
fn block_shapes(family: Family) -> Option<(&'static str, &'static [(u64, u64)])> {
    match family {
        Family::Ice40 => Some(("SB_RAM40_4K", &[(256, 16), (512, 8), (1024, 4), (2048, 2)])),
        Family::Ecp5 => Some((
            "DP16KD",
            &[
                (512, 36),
                (1024, 18),
                (2048, 9),
                (4096, 4),
                (8192, 2),
                (16384, 1),
            ],
        )),
        Family::Xc7 => None,
    }
}

/// Blocks of `shapes` for the engine's lanes (fewest over the configurations), per lane times lanes.
fn bram_blocks(f: &LinearFacts, shapes: &[(u64, u64)]) -> u64 {
    let (depth, lanes) = (f.weight_banks.0 as u64, f.weight_banks.1 as u64);
    let bits = u64::from(f.weight_lane_bits);
    let per_lane = shapes
        .iter()
        .map(|&(d, w)| depth.div_ceil(d) * bits.div_ceil(w))
        .min()
        .unwrap_or(0);
    per_lane * lanes
}

/// Refuses an engine whose weight memory the target cannot hold: one line, which resource, needed and there.
pub fn check_fits(f: &LinearFacts, target: &Target) -> Result<()> {
    if f.weight_memory == WeightMemory::Spram.name() && target.name != SPRAM_TARGET {
        bail!(
            "--weight-memory spram needs the iCE40 UltraPlus's SB_SPRAM256KA: {} has none; use --weight-memory bram or --target {SPRAM_TARGET}",
            target.name
        );
    }
    if f.weight_memory != WeightMemory::Bram.name() {
        return Ok(());
    }
    let Some((cell, shapes)) = block_shapes(target.family) else {
        return Ok(());
    };
    let have = target
        .capacity
        .iter()
        .find(|(c, _)| *c == cell)
        .map_or(0, |&(_, n)| n);
    let need = bram_blocks(f, shapes);
    if need > have {
        bail!(
            "the weights need {need} {cell} ({} lanes of {} bits × {} words), {} has {have}: use a larger target{} or a smaller layer",
            f.weight_banks.1,
            f.weight_lane_bits,
            f.weight_banks.0,
            target.name,
            if target.name == SPRAM_TARGET {
                ", --weight-memory spram"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// Checks the engine on the Rust simulator (3 vectors back to back, a reload) against the golden GEMV and its stated rate.
fn verify(e: &Engine) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let r = run_once(
        e,
        lutforge_testbench::traffic::TrafficKind::Full,
        3,
        &mut rng,
    );
    if let Some(first) = r.errors.first() {
        bail!(
            "the engine fails verification on the Rust simulator ({} problems): {first}",
            r.errors.len()
        );
    }
    let stated = e.generated.facts.cycles_per_vector as f64;
    if (r.cycles_per_vector - stated).abs() > 0.05 * stated {
        bail!(
            "the engine takes {:.1} cycles a vector on the Rust simulator, its metadata states {stated}",
            r.cycles_per_vector
        );
    }
    Ok(())
}

/// `lutforge synth linear` (`place_and_route` false) or `flow linear` (true).
pub fn run(
    args: &FlowArgs,
    registry: &Registry,
    flags: &CoreFlags,
    place_and_route: bool,
) -> Result<()> {
    let target = args.target_checked()?;
    let e = args.linear.engine(registry, flags)?;
    check_fits(&e.generated.facts, &target)?;
    let probe = args.out_dir(&e.params.name, &target)?;
    let spinner = crate::progress::spinner();
    let name = target.name;
    let report = run_engine(&e, args, &target, &probe, place_and_route, &mut |step| {
        spinner.set_message(format!("[{name}] {step}"))
    });
    spinner.finish_and_clear();
    let report = report?;
    print_summary(&report, &probe);
    if let Some(l) = &report.linear {
        let blocks: Vec<String> = l
            .memory_blocks
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        println!(
            "  layer:                   {} ({} weights), {} cycles a vector (bound: {})",
            l.layer, l.weight_memory, l.cycles_per_vector, l.bound
        );
        println!(
            "  GEMV per second:         {}",
            l.gemv_per_s.map_or("—".into(), |g| format!("{g:.0}"))
        );
        println!(
            "  memory blocks:           {}",
            if blocks.is_empty() {
                "none".into()
            } else {
                blocks.join(", ")
            }
        );
    }
    Ok(())
}

fn run_engine(
    e: &Engine,
    args: &FlowArgs,
    target: &Target,
    out: &std::path::Path,
    place_and_route: bool,
    on_step: &mut dyn FnMut(&str),
) -> Result<Report> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder `{}`", out.display()))?;
    for stale in ["report.json", "report.md"] {
        let p = out.join(stale);
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("cannot remove the old `{}`", p.display()))?;
        }
    }
    let (p, g) = (&e.params, &e.generated);
    let mut steps = Vec::new();
    on_step("generate");
    let start = Instant::now();
    let mut meta = metadata(p, g);
    let command = command_with(p, &args.linear);
    meta.extra.insert("command".into(), command.clone().into());
    let header = Header {
        command,
        params: Vec::new(),
    };
    lutforge_gen::write_core(out, &g.module, &header, &meta)?;
    steps.push(("generate", start.elapsed().as_secs_f64()));
    if place_and_route {
        on_step("verify on the Rust simulator");
        let start = Instant::now();
        verify(e)?;
        steps.push(("verify", start.elapsed().as_secs_f64()));
    }
    let f = &g.facts;
    let macs = (p.in_features * p.out_features) as f64 / f.cycles_per_vector.max(1) as f64;
    let req = FlowRequest {
        core: Arc::new(g.module.clone()),
        kind: "linear".into(),
        params: meta.params.clone(),
        macs_per_cycle: macs,
        target: *target,
        freq_mhz: args.freq,
        dsp: args.dsp_mode(),
        place_and_route,
        step_limit: Duration::from_secs(args.step_timeout),
        work: out.join("work"),
    };
    let outcome = run_flow(&req, on_step)?;
    let mut report = outcome.report;
    for (name, secs) in steps {
        report
            .steps
            .insert(name.into(), (secs * 100.0).round() / 100.0);
    }
    report.bitstream = outcome.bitstream.map(|b| relative(&b, out));
    report.definitions.insert(
        "linear.gemv_per_s".into(),
        "achieved Fmax (Hz) / cycles per vector: matrix-vector products a second, vectors back to back".into(),
    );
    report.definitions.insert(
        "macs_per_cycle".into(),
        "useful multiply-accumulates per cycle of the layer: in_features · out_features / cycles per vector".into(),
    );
    report.definitions.insert(
        "linear.memory_blocks".into(),
        "block-memory cells (SB_RAM40_4K, SB_SPRAM256KA, DP16KD, RAMB18E1, RAMB36E1) of the whole design, from Yosys".into(),
    );
    report.linear = Some(LinearFigures {
        layer: format!("{} × {}", p.out_features, p.in_features),
        weight_memory: f.weight_memory.into(),
        cycles_per_vector: f.cycles_per_vector,
        bound: f.bound.limit.into(),
        weight_reads_per_beat: f.weight_reads_per_beat as u64,
        gemv_per_s: report
            .fmax_mhz
            .map(|m| (m * 1e6 / f.cycles_per_vector.max(1) as f64).round()),
        memory_blocks: LinearFigures::blocks_of(&report.resources_total),
    });
    lutforge_gen::write_atomic(out, "report.md", &report.to_markdown())?;
    lutforge_gen::write_atomic(out, "report.json", &report.to_json())?;
    Ok(report)
}
