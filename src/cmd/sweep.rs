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

use lutforge_hdl::datapath::core::{Axis, ParamMap, Registry};

use crate::cmd::flow::{FlowArgs, run_plan};
use crate::params::{CoreFlags, grid_axes};
use crate::progress::bar;

/// Arguments of `lutforge sweep`; every registered core's grid axes are
/// added as comma-separated list flags (`--k 16,64`).
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// TOML grid: keys `core`, `target` and any axis flag's snake_case key, each a list (flags given here win)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Core kinds, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub core: Vec<String>,
    /// Targets, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub target: Vec<String>,
    /// Clock constraint for every point, MHz [default: the target's]
    #[arg(long, value_name = "MHZ")]
    pub freq: Option<f64>,
    /// DSP blocks for multiplies: auto (as many as the device has, the rest from LUTs), on (all) or off (none)
    #[arg(long, default_value = "auto", value_name = "auto|on|off", value_parser = crate::cmd::flow::parse_dsp)]
    pub dsp: lutforge_fpga::dsp::DspMode,
    /// Same as --dsp off
    #[arg(long, hide = true, conflicts_with = "dsp")]
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

/// Axis values by snake_case key.
pub type Axes = BTreeMap<String, Vec<serde_json::Value>>;

/// A sweep grid: cores, targets and the values of each axis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// Core kinds.
    pub cores: Vec<String>,
    /// Target names.
    pub targets: Vec<String>,
    /// Values of each axis.
    pub axes: Axes,
}

/// Reads a TOML grid file's text (`core`, `target` and axis lists) against the registry.
pub fn parse_grid(text: &str, registry: &Registry) -> Result<Grid, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().replace('\n', " "))?;
    let names = |key: &str| -> Result<Vec<String>, String> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(v) => v
                .as_array()
                .ok_or_else(|| format!("`{key}` must be a list, e.g. {key} = [\"…\"]"))?
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("`{key}`: invalid type: {x}, expected a string"))
                })
                .collect(),
        }
    };
    let cores = names("core")?;
    if let Some(bad) = cores.iter().find(|c| registry.get(c).is_none()) {
        return Err(format!(
            "unknown variant `{bad}` in `core`, expected one of {}",
            registry.names()
        ));
    }
    Ok(Grid {
        cores,
        targets: names("target")?,
        axes: grid_axes(&table, registry)?,
    })
}

/// What one point gave: its report and whether it came from the cache, or why it failed.
type PointResult = Result<(Report, bool), String>;

/// One point of the grid: the flow arguments of one `lutforge flow` run.
struct Point {
    label: String,
    args: FlowArgs,
    flags: CoreFlags,
}

/// The grid's points, in a fixed order (core, target, then each axis in the core's parameter order).
fn points(a: &SweepArgs, registry: &Registry, given: &Axes) -> Result<Vec<Point>> {
    let file = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read grid `{}`", p.display()))?;
            parse_grid(&text, registry)
                .map_err(|e| anyhow::anyhow!("grid `{}`: {e}", p.display()))?
        }
        None => Grid::default(),
    };
    let pick = |flag: &Vec<String>, file: &Vec<String>| {
        if flag.is_empty() {
            file.clone()
        } else {
            flag.clone()
        }
    };
    let cores = pick(&a.core, &file.cores);
    let targets = pick(&a.target, &file.targets);
    if cores.is_empty() || targets.is_empty() {
        bail!(
            "a sweep needs at least one --core and one --target (or `core` and `target` lists in --config)"
        );
    }
    let mut axes = file.axes.clone();
    axes.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
    for key in axes.keys() {
        let used = cores.iter().any(|c| {
            registry
                .get(c)
                .is_some_and(|core| core.specs().iter().any(|s| s.key == key))
        });
        if !used {
            bail!(
                "--{} is not a parameter of any core in this sweep ({})",
                key.replace('_', "-"),
                cores.join(", ")
            );
        }
    }
    let mut out = Vec::new();
    for core in &cores {
        let Some(c) = registry.get(core) else {
            bail!(
                "unknown core `{core}`; the registered cores are {}",
                registry.names()
            );
        };
        let specs = c.specs();
        let mut choices = vec![ParamMap::new()];
        for s in &specs {
            if let Some(values) = axes.get(s.key) {
                choices = choices
                    .into_iter()
                    .flat_map(|ch| {
                        values.iter().map(move |v| {
                            let mut ch = ch.clone();
                            ch.insert(s.key.to_string(), v.clone());
                            ch
                        })
                    })
                    .collect();
            }
        }
        for target in &targets {
            for choice in &choices {
                let mut name = core.replace('-', "_");
                let labels = specs
                    .iter()
                    .filter_map(|s| Some((s.axis?, choice.get(s.key)?)));
                let (tags, named): (Vec<_>, Vec<_>) =
                    labels.partition(|(axis, _)| matches!(axis, Axis::Tagged(_)));
                for (axis, v) in tags.into_iter().chain(named) {
                    name.push('_');
                    name.push_str(&axis.label(v).to_lowercase().replace('-', "_"));
                }
                let mut given = choice.clone();
                given.insert("name".into(), name.clone().into());
                out.push(Point {
                    label: format!("{name} @ {target}"),
                    args: FlowArgs {
                        core: core.clone(),
                        target: target.clone(),
                        freq: a.freq,
                        dsp: if a.no_dsp {
                            lutforge_fpga::dsp::DspMode::Off
                        } else {
                            a.dsp
                        },
                        no_dsp: false,
                        out: Some(a.out.join("points").join(format!("{name}-{target}"))),
                        step_timeout: a.step_timeout,
                        linear: Default::default(),
                    },
                    flags: CoreFlags {
                        given,
                        config: None,
                    },
                });
            }
        }
        if out.len() > 10_000 {
            break;
        }
    }
    if out.len() > 10_000 {
        bail!(
            "the grid has more than 10000 points; at most 10000 run in one sweep (split it, or use --emit slurm)"
        );
    }
    Ok(out)
}

/// The flags of `lutforge flow` that reproduce one point, writing into `out`.
fn flow_command(p: &Point, registry: &Registry, out: &str) -> Vec<String> {
    let a = &p.args;
    let mut v = vec!["flow".to_string(), a.core.clone()];
    let specs = registry.get(&a.core).map(|c| c.specs()).unwrap_or_default();
    for s in specs {
        if let Some(value) = p.flags.given.get(s.key) {
            v.push(format!("--{}", s.flag()));
            v.push(match value {
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            });
        }
    }
    let mut flag = |f: &str, val: Option<String>| {
        if let Some(x) = val {
            v.push(format!("--{f}"));
            v.push(x);
        }
    };
    flag("target", Some(a.target.clone()));
    flag("freq", a.freq.map(|x| x.to_string()));
    flag("step-timeout", Some(a.step_timeout.to_string()));
    flag("out", Some(out.to_string()));
    if a.dsp_mode() != lutforge_fpga::dsp::DspMode::Auto {
        v.push("--dsp".into());
        v.push(a.dsp_mode().name().into());
    }
    v
}

/// Runs the sweep (or writes its scripts).
pub fn run(a: &SweepArgs, registry: &Registry, given: &Axes) -> Result<()> {
    if !(1..=64).contains(&a.jobs) {
        bail!("--jobs {} is invalid: run 1..=64 points at once", a.jobs);
    }
    if a.out.is_file() {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            a.out.display()
        );
    }
    let pts = points(a, registry, given)?;
    for p in &pts {
        p.args
            .plan(registry, &p.flags)
            .with_context(|| format!("point `{}`", p.label))?;
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create `{}`", a.out.display()))?;
    if let Some(emit) = a.emit {
        return emit_scripts(a, registry, &pts, emit);
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
                    let r = run_point(p, registry).map_err(|e| format!("{e:#}").replace('\n', " "));
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
fn run_point(p: &Point, registry: &Registry) -> Result<(Report, bool)> {
    let plan = p.args.plan(registry, &p.flags)?;
    let key = cache_key(p, &plan)?;
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
fn cache_key(p: &Point, plan: &crate::cmd::flow::FlowPlan) -> Result<String> {
    let core = plan.design.generate()?;
    let verilog =
        lutforge_gen::render_verilog(&core.module, &crate::cores::header(plan.design.as_ref()))?;
    let mut text = format!(
        "{verilog}\n{}\n{:?}\ndsp {}\n",
        plan.target.name,
        p.args.freq,
        p.args.dsp_mode().name()
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

fn emit_scripts(a: &SweepArgs, registry: &Registry, pts: &[Point], emit: Emit) -> Result<()> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "lutforge".into());
    let dirs: Vec<String> = pts.iter().map(point_dir).collect();
    let reports: Vec<String> = dirs.iter().map(|d| format!("{d}/report.json")).collect();
    let command = |p: &Point, d: &str| {
        flow_command(p, registry, d)
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
