//! `lutforge sweep`: a grid of cores × targets through the flow, with a
//! progress bar, parallel points, a cache, tables and plots; or a Makefile
//! or Slurm array script that runs each point as its own `lutforge flow`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use lutforge_fpga::report::Report;
use lutforge_fpga::sweep::{SweepPoint, write_sweep};
use serde::Deserialize;

use crate::args::{
    CoreArgs, CoreKind, NegationArg, PackingArg, TableStorageArg, TreeArg, WFormatArg,
};
use crate::cmd::flow::{FlowArgs, run_plan};
use crate::progress::bar;

/// Arguments of `lutforge sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// TOML grid: keys `core`, `target`, `m`, `n`, `k`, `act_bits`, `w_format`, `w_bits`, `max_beats`, `stage_levels`, `negation`, `tree`, `w_packing`, `group`, `bit_serial`, `table_storage`, each a list (flags given here win)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Core kinds, comma-separated
    #[arg(long, value_delimiter = ',', value_enum)]
    pub core: Vec<CoreKind>,
    /// Targets, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub target: Vec<String>,
    /// Values of M
    #[arg(long, value_delimiter = ',')]
    pub m: Vec<u64>,
    /// Values of N
    #[arg(long, value_delimiter = ',')]
    pub n: Vec<u64>,
    /// Values of K
    #[arg(long, value_delimiter = ',')]
    pub k: Vec<u64>,
    /// Values of A
    #[arg(long, value_delimiter = ',')]
    pub act_bits: Vec<u64>,
    /// Weight formats
    #[arg(long, value_delimiter = ',', value_enum)]
    pub w_format: Vec<WFormatArg>,
    /// Values of B
    #[arg(long, value_delimiter = ',')]
    pub w_bits: Vec<u64>,
    /// Values of max-beats
    #[arg(long, value_delimiter = ',')]
    pub max_beats: Vec<u64>,
    /// Values of stage-levels
    #[arg(long, value_delimiter = ',')]
    pub stage_levels: Vec<u64>,
    /// ternary-gemv negation forms
    #[arg(long, value_delimiter = ',', value_enum)]
    pub negation: Vec<NegationArg>,
    /// ternary-gemv tree shapes
    #[arg(long, value_delimiter = ',', value_enum)]
    pub tree: Vec<TreeArg>,
    /// ternary-gemv weight packings
    #[arg(long, value_delimiter = ',', value_enum)]
    pub w_packing: Vec<PackingArg>,
    /// lut-gemm group sizes g
    #[arg(long, value_delimiter = ',')]
    pub group: Vec<u64>,
    /// lut-gemm modes: `false` (bit-parallel), `true` (bit-serial) or both
    #[arg(long, value_delimiter = ',', value_name = "BOOLS")]
    pub bit_serial: Vec<bool>,
    /// lut-gemm table storages: registers, lutram or both
    #[arg(long, value_delimiter = ',', value_enum)]
    pub table_storage: Vec<TableStorageArg>,
    /// Clock constraint for every point, MHz [default: the target's]
    #[arg(long, value_name = "MHZ")]
    pub freq: Option<f64>,
    /// Keep multiplies out of DSP blocks
    #[arg(long)]
    pub no_dsp: bool,
    /// Points run at once
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Longest any one tool run may take, seconds
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub step_timeout: u64,
    /// Output folder: sweep.csv, sweep.json, sweep.md, plots, and points/ with one flow folder per point
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Instead of running, write a Makefile (`make -jN`) or a Slurm array script with one `lutforge flow` per point
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
}

/// Scripts a sweep can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// A Makefile: `make -jN` runs the points, `make merge` joins their reports
    Make,
    /// A Slurm array job: `sbatch sweep.slurm`, then `lutforge report merge`
    Slurm,
}

/// The grid as a TOML file spells it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GridFile {
    #[serde(default)]
    core: Vec<CoreKind>,
    #[serde(default)]
    target: Vec<String>,
    #[serde(default)]
    m: Vec<u64>,
    #[serde(default)]
    n: Vec<u64>,
    #[serde(default)]
    k: Vec<u64>,
    #[serde(default)]
    act_bits: Vec<u64>,
    #[serde(default)]
    w_format: Vec<WFormatArg>,
    #[serde(default)]
    w_bits: Vec<u64>,
    #[serde(default)]
    max_beats: Vec<u64>,
    #[serde(default)]
    stage_levels: Vec<u64>,
    #[serde(default)]
    negation: Vec<NegationArg>,
    #[serde(default)]
    tree: Vec<TreeArg>,
    #[serde(default)]
    w_packing: Vec<PackingArg>,
    #[serde(default)]
    group: Vec<u64>,
    #[serde(default)]
    bit_serial: Vec<bool>,
    #[serde(default)]
    table_storage: Vec<TableStorageArg>,
}

/// What one point gave: its report and whether it came from the cache, or why it failed.
type PointResult = Result<(Report, bool), String>;

/// One point of the grid: the flow arguments of one `lutforge flow` run.
struct Point {
    label: String,
    args: FlowArgs,
}

fn pick<T: Clone>(flag: &[T], file: &[T]) -> Vec<Option<T>> {
    let v = if flag.is_empty() { file } else { flag };
    if v.is_empty() {
        vec![None]
    } else {
        v.iter().cloned().map(Some).collect()
    }
}

/// The grid's points, in a fixed order (core, target, then each parameter).
fn points(a: &SweepArgs) -> Result<Vec<Point>> {
    let file = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read grid `{}`", p.display()))?;
            toml::from_str::<GridFile>(&text).map_err(|e| {
                anyhow::anyhow!("grid `{}`: {}", p.display(), e.message().replace('\n', " "))
            })?
        }
        None => GridFile::default(),
    };
    let cores = if a.core.is_empty() {
        file.core.clone()
    } else {
        a.core.clone()
    };
    let targets = if a.target.is_empty() {
        file.target.clone()
    } else {
        a.target.clone()
    };
    if cores.is_empty() || targets.is_empty() {
        bail!(
            "a sweep needs at least one --core and one --target (or `core` and `target` lists in --config)"
        );
    }
    // The parameter axes, expanded one after the other into every combination.
    let mut choices = vec![Choice::default()];
    for (idx, (flag, file_vals)) in [
        (&a.m, &file.m),
        (&a.n, &file.n),
        (&a.k, &file.k),
        (&a.act_bits, &file.act_bits),
        (&a.w_bits, &file.w_bits),
        (&a.max_beats, &file.max_beats),
        (&a.stage_levels, &file.stage_levels),
    ]
    .into_iter()
    .enumerate()
    {
        choices = expand(choices, pick(flag, file_vals), |c, v| c.nums[idx] = v);
    }
    choices = expand(choices, pick(&a.w_format, &file.w_format), |c, v| {
        c.w_format = v
    });
    choices = expand(choices, pick(&a.negation, &file.negation), |c, v| {
        c.negation = v
    });
    choices = expand(choices, pick(&a.tree, &file.tree), |c, v| c.tree = v);
    choices = expand(choices, pick(&a.w_packing, &file.w_packing), |c, v| {
        c.w_packing = v
    });
    choices = expand(choices, pick(&a.group, &file.group), |c, v| c.group = v);
    choices = expand(choices, pick(&a.bit_serial, &file.bit_serial), |c, v| {
        c.bit_serial = v
    });
    choices = expand(
        choices,
        pick(&a.table_storage, &file.table_storage),
        |c, v| c.table_storage = v,
    );
    let mut out = Vec::new();
    for &core in &cores {
        for target in &targets {
            for c in &choices {
                out.push(point(a, core, target, c));
            }
        }
    }
    if out.len() > 10_000 {
        bail!(
            "the grid has {} points; at most 10000 run in one sweep (split it, or use --emit slurm)",
            out.len()
        );
    }
    Ok(out)
}

/// One combination of the grid's parameter values (None: the core's default).
#[derive(Debug, Clone, Default)]
struct Choice {
    /// m, n, k, act_bits, w_bits, max_beats, stage_levels.
    nums: [Option<u64>; 7],
    w_format: Option<WFormatArg>,
    negation: Option<NegationArg>,
    tree: Option<TreeArg>,
    w_packing: Option<PackingArg>,
    group: Option<u64>,
    bit_serial: Option<bool>,
    table_storage: Option<TableStorageArg>,
}

/// Every choice with every value of one more axis.
fn expand<T: Clone>(
    choices: Vec<Choice>,
    values: Vec<Option<T>>,
    set: impl Fn(&mut Choice, Option<T>),
) -> Vec<Choice> {
    let mut out = Vec::with_capacity(choices.len() * values.len());
    for c in choices {
        for v in &values {
            let mut c = c.clone();
            set(&mut c, v.clone());
            out.push(c);
        }
    }
    out
}

fn point(a: &SweepArgs, core: CoreKind, target: &str, c: &Choice) -> Point {
    let [m, n, k, act, wb, mb, sl] = c.nums;
    let mut name = core.name().replace('-', "_");
    for (tag, val) in [
        ("m", m),
        ("n", n),
        ("k", k),
        ("a", act),
        ("w", wb),
        ("b", mb),
        ("s", sl),
    ] {
        if let Some(x) = val {
            name.push_str(&format!("_{tag}{x}"));
        }
    }
    for knob in [
        c.w_format.map(|f| format!("{f:?}")),
        c.negation.map(|f| format!("{f:?}")),
        c.tree.map(|f| format!("{f:?}")),
        c.w_packing.map(|f| format!("{f:?}")),
        c.group.map(|g| format!("g{g}")),
        c.bit_serial
            .map(|b| if b { "serial" } else { "parallel" }.to_string()),
        c.table_storage.map(|f| format!("{f:?}")),
    ]
    .into_iter()
    .flatten()
    {
        name.push('_');
        name.push_str(&knob.to_lowercase());
    }
    let params = CoreArgs {
        config: None,
        name: Some(name.clone()),
        m,
        n,
        k,
        act_bits: act,
        w_format: c.w_format,
        w_bits: wb,
        max_beats: mb,
        stage_levels: sl,
        negation: c.negation,
        tree: c.tree,
        w_packing: c.w_packing,
        group: c.group,
        pad_k: None,
        bit_serial: c.bit_serial,
        table_storage: c.table_storage,
        core: None,
    };
    let args = FlowArgs {
        core,
        params,
        target: target.to_string(),
        freq: a.freq,
        no_dsp: a.no_dsp,
        out: Some(a.out.join("points").join(format!("{name}-{target}"))),
        step_timeout: a.step_timeout,
    };
    Point {
        label: format!("{name} @ {target}"),
        args,
    }
}

/// The flags of `lutforge flow` that reproduce one point, writing into `out`.
fn flow_command(p: &Point, out: &str) -> Vec<String> {
    let a = &p.args;
    let mut v = vec!["flow".to_string(), a.core.name().to_string()];
    let c = &a.params;
    let mut flag = |f: &str, val: Option<String>| {
        if let Some(x) = val {
            v.push(format!("--{f}"));
            v.push(x);
        }
    };
    flag("name", c.name.clone());
    flag("m", c.m.map(|x| x.to_string()));
    flag("n", c.n.map(|x| x.to_string()));
    flag("k", c.k.map(|x| x.to_string()));
    flag("act-bits", c.act_bits.map(|x| x.to_string()));
    flag(
        "w-format",
        c.w_format.map(|f| format!("{f:?}").to_lowercase()),
    );
    flag("w-bits", c.w_bits.map(|x| x.to_string()));
    flag("max-beats", c.max_beats.map(|x| x.to_string()));
    flag("stage-levels", c.stage_levels.map(|x| x.to_string()));
    flag(
        "negation",
        c.negation.map(|f| format!("{f:?}").to_lowercase()),
    );
    flag("tree", c.tree.map(|f| format!("{f:?}").to_lowercase()));
    flag(
        "w-packing",
        c.w_packing.map(|f| format!("{f:?}").to_lowercase()),
    );
    flag("group", c.group.map(|x| x.to_string()));
    flag("bit-serial", c.bit_serial.map(|x| x.to_string()));
    flag(
        "table-storage",
        c.table_storage.map(|f| format!("{f:?}").to_lowercase()),
    );
    flag("target", Some(a.target.clone()));
    flag("freq", a.freq.map(|x| x.to_string()));
    flag("step-timeout", Some(a.step_timeout.to_string()));
    flag("out", Some(out.to_string()));
    if a.no_dsp {
        v.push("--no-dsp".into());
    }
    v
}

/// Runs the sweep (or writes its scripts).
pub fn run(a: &SweepArgs) -> Result<()> {
    if !(1..=64).contains(&a.jobs) {
        bail!("--jobs {} is invalid: run 1..=64 points at once", a.jobs);
    }
    if a.out.is_file() {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            a.out.display()
        );
    }
    let pts = points(a)?;
    for p in &pts {
        p.args
            .plan()
            .with_context(|| format!("point `{}`", p.label))?;
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create `{}`", a.out.display()))?;
    if let Some(emit) = a.emit {
        return emit_scripts(a, &pts, emit);
    }
    let progress = bar(pts.len() as u64, "sweep");
    let queue = Mutex::new(pts.iter().enumerate().collect::<Vec<_>>());
    let results: Mutex<BTreeMap<usize, PointResult>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..a.jobs.min(pts.len()) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| {
                        if q.is_empty() {
                            None
                        } else {
                            Some(q.remove(0))
                        }
                    });
                    let Some((i, p)) = next else { break };
                    progress.set_message(p.label.clone());
                    let r = run_point(p).map_err(|e| format!("{e:#}").replace('\n', " "));
                    if let Ok(mut m) = results.lock() {
                        m.insert(i, r);
                    }
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    let results = results.into_inner().unwrap_or_default();
    let mut points_ok = Vec::new();
    let mut failures = Vec::new();
    let mut cached = 0;
    for (i, r) in results {
        match r {
            Ok((report, from_cache)) => {
                cached += from_cache as usize;
                points_ok.push(SweepPoint {
                    label: pts[i].label.clone(),
                    report,
                });
            }
            Err(e) => failures.push((pts[i].label.clone(), e)),
        }
    }
    let written = write_sweep(&a.out, "lutforge sweep", &points_ok)?;
    println!(
        "{} points: {} measured, {} from the cache, {} failed",
        pts.len(),
        points_ok.len() - cached,
        cached,
        failures.len()
    );
    print!("{}", lutforge_fpga::sweep::markdown_table(&points_ok));
    for (label, e) in &failures {
        println!("FAILED {label}: {e}");
    }
    for w in written {
        println!("wrote {}", w.display());
    }
    let hard: Vec<_> = failures
        .iter()
        .filter(|(_, e)| !e.contains("does not fit"))
        .collect();
    if !hard.is_empty() {
        bail!(
            "{} of {} points failed (first: {}: {})",
            hard.len(),
            pts.len(),
            hard[0].0,
            hard[0].1
        );
    }
    Ok(())
}

/// Runs one point, or takes its report from the cache when its core, target and tools are unchanged.
fn run_point(p: &Point) -> Result<(Report, bool)> {
    let plan = p.args.plan()?;
    let key = cache_key(p)?;
    let key_file = plan.out.join("cache_key");
    let report_file = plan.out.join("report.json");
    if std::fs::read_to_string(&key_file).is_ok_and(|k| k == key)
        && let Ok(text) = std::fs::read_to_string(&report_file)
        && let Ok(report) = serde_json::from_str::<Report>(&text)
    {
        return Ok((report, true));
    }
    let report = run_plan(&plan, &p.args, true, &mut |_| {})?;
    lutforge_gen::write_atomic(&plan.out, "cache_key", &key)?;
    Ok((report, false))
}

/// What decides a point's result: the core's Verilog, the target, the
/// constraint, DSP use and the tool versions (FNV-1a, printed in hex).
fn cache_key(p: &Point) -> Result<String> {
    let plan = p.args.plan()?;
    let core = plan.spec.generate()?;
    let verilog = lutforge_gen::render_verilog(&core.module, &plan.spec.header())?;
    let mut text = format!(
        "{verilog}\n{}\n{:?}\n{}\n",
        plan.target.name, p.args.freq, p.args.no_dsp
    );
    for t in plan.target.tools() {
        if let Ok(f) = lutforge_tools::find(t) {
            text.push_str(&format!("{} {}\n", t.name(), f.version));
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(format!("{h:016x}\n"))
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=@,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A point's folder relative to the sweep folder.
fn point_dir(p: &Point) -> String {
    let name = p
        .args
        .out
        .as_ref()
        .and_then(|o| o.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("points/{name}")
}

fn emit_scripts(a: &SweepArgs, pts: &[Point], emit: Emit) -> Result<()> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "lutforge".into());
    let dirs: Vec<String> = pts.iter().map(point_dir).collect();
    let reports: Vec<String> = dirs.iter().map(|d| format!("{d}/report.json")).collect();
    let command = |p: &Point, d: &str| {
        flow_command(p, d)
            .iter()
            .map(|s| shell_quote(s))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (file, text) = match emit {
        Emit::Make => {
            let mut t = format!(
                "# Generated by lutforge: {} sweep points, one `lutforge flow` each.\n# Run with `make -C {} -jN`; the last step joins the reports into sweep.*.\nLUTFORGE ?= {}\n\nall: merge\n\n",
                pts.len(),
                shell_quote(&a.out.display().to_string()),
                shell_quote(&exe)
            );
            for ((p, d), r) in pts.iter().zip(&dirs).zip(&reports) {
                t.push_str(&format!("{r}:\n\t$(LUTFORGE) {}\n\n", command(p, d)));
            }
            t.push_str(&format!(
                "merge: {}\n\t$(LUTFORGE) report merge --out . $^\n\n.PHONY: all merge\n",
                reports.join(" ")
            ));
            ("Makefile", t)
        }
        Emit::Slurm => {
            let abs = std::path::absolute(&a.out).unwrap_or_else(|_| a.out.clone());
            let abs = shell_quote(&abs.display().to_string());
            let mut t = format!(
                "#!/bin/bash\n# Generated by lutforge: {} sweep points as one Slurm array job.\n# Submit with `sbatch sweep.slurm`; when every task is done, join the reports:\n#   cd {abs} && lutforge report merge --out . points/*/report.json\n#SBATCH --job-name=lutforge-sweep\n#SBATCH --array=0-{}\n#SBATCH --cpus-per-task=1\nset -euo pipefail\ncd {abs}\nLUTFORGE=${{LUTFORGE:-{}}}\nCMDS=(\n",
                pts.len(),
                pts.len() - 1,
                shell_quote(&exe)
            );
            for (p, d) in pts.iter().zip(&dirs) {
                t.push_str(&format!("  {}\n", shell_quote(&command(p, d))));
            }
            t.push_str(")\neval \"$LUTFORGE ${CMDS[$SLURM_ARRAY_TASK_ID]}\"\n");
            ("sweep.slurm", t)
        }
    };
    let path = lutforge_gen::write_atomic(&a.out, file, &text)?;
    println!("wrote {} ({} points)", path.display(), pts.len());
    Ok(())
}

/// Arguments of `lutforge report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder for sweep.csv, sweep.json, sweep.md and the plots
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// report.json files of flow runs
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
}

/// Joins flow reports into one sweep's tables and plots.
pub fn merge(a: &MergeArgs) -> Result<()> {
    if a.out.is_file() {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            a.out.display()
        );
    }
    let mut pts = Vec::new();
    for path in &a.reports {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read report `{}`", path.display()))?;
        let report: Report = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("report `{}` does not parse: {e}", path.display()))?;
        pts.push(SweepPoint {
            label: format!("{} @ {}", report.core, report.target),
            report,
        });
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create `{}`", a.out.display()))?;
    let written = write_sweep(&a.out, "lutforge sweep (merged)", &pts)?;
    print!("{}", lutforge_fpga::sweep::markdown_table(&pts));
    for w in written {
        println!("wrote {}", w.display());
    }
    Ok(())
}
