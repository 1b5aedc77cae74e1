//! `lutforge synth` and `lutforge flow`: how big and how fast a core is on
//! an FPGA, measured with Yosys and nextpnr in the characterisation harness.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use lutforge_fpga::dsp::{DspMode, DspPlan};
use lutforge_fpga::flow::{FlowRequest, run_flow};
use lutforge_fpga::report::Report;
use lutforge_fpga::targets::{Family, Target};
use lutforge_testbench::backend::rust_sim::run_streams;
use lutforge_testbench::contract::check_core_case;
use lutforge_testbench::verify::cases;

use lutforge_hdl::datapath::core::{Design, ParamMap, Registry};

use crate::cores::{header, metadata, plan};
use crate::params::CoreFlags;

/// Arguments of `lutforge synth` and `lutforge flow`.
#[derive(Debug, Clone, Args)]
pub struct FlowArgs {
    /// Core to measure, or `linear` for the layer engine around one (`--datapath`)
    pub core: String,
    /// Target: ice40-up5k, ice40-hx8k, ecp5-25k, ecp5-85k or xc7-synth
    #[arg(long)]
    pub target: String,
    /// Clock constraint for place and route, MHz [default: 48 on iCE40, 100 on ECP5]
    #[arg(long, value_name = "MHZ")]
    pub freq: Option<f64>,
    /// DSP blocks (iCE40 SB_MAC16, ECP5 MULT18X18D, xc7 DSP48E1) for multiplies: auto (as many as the device has, the rest from LUTs), on (all, refused when they do not fit) or off (all from LUTs)
    #[arg(long, default_value = "auto", value_name = "auto|on|off", value_parser = parse_dsp)]
    pub dsp: DspMode,
    /// Same as --dsp off
    #[arg(long, hide = true, conflicts_with = "dsp")]
    pub no_dsp: bool,
    /// Output folder for report.json, report.md, the core and the tool files [default: build/NAME-TARGET]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Longest any one tool run may take, seconds
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub step_timeout: u64,
    #[command(flatten)]
    pub linear: crate::cmd::linear::LinearArgs,
}

/// Everything about one flow run that a sweep also needs.
pub struct FlowPlan {
    /// The core.
    pub design: Arc<dyn Design>,
    /// The target.
    pub target: Target,
    /// Output folder.
    pub out: PathBuf,
    /// Parameters chosen for the target because the command left them
    /// unset (key → value), stated in the report.
    pub picked: BTreeMap<String, String>,
}

/// The parameter that packs two products into one multiplier.
const PACK: &str = "mul_pack";

/// Reads `--dsp`.
pub(crate) fn parse_dsp(s: &str) -> Result<DspMode, String> {
    s.parse()
}

/// One choice the flow makes for the target: the parameters to add to the
/// command's `values` (none when the choice does not apply, the command set
/// them, or the core would not take them).
type Pick = fn(&FlowArgs, &Registry, &Target, &ParamMap) -> Result<ParamMap>;

impl FlowArgs {
    /// The DSP use asked for (`--no-dsp` is `--dsp off`).
    pub fn dsp_mode(&self) -> DspMode {
        if self.no_dsp { DspMode::Off } else { self.dsp }
    }

    /// Resolves the core, the target and the output folder, with every
    /// parameter the flow picks for the target (`picks`) in `picked`.
    pub fn plan(&self, registry: &Registry, flags: &CoreFlags) -> Result<FlowPlan> {
        let target = self.target_checked()?;
        let mut values = flags.values(registry, &self.core)?;
        let mut picked = BTreeMap::new();
        let picks: [Pick; 5] = [
            carry_mapping,
            ternary_stage_levels,
            ternary_input_register,
            flow_control_by_size,
            packed_for_dsp,
        ];
        for pick in picks {
            for (key, value) in pick(self, registry, &target, &values)? {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                picked.insert(key.clone(), text);
                values.insert(key, value);
            }
        }
        let design = crate::params::design(registry, &self.core, &values)?;
        let out = self.out_dir(&design.common().name, &target)?;
        Ok(FlowPlan {
            design,
            target,
            out,
            picked,
        })
    }

    /// The target, with the clock and time limits checked.
    pub(crate) fn target_checked(&self) -> Result<Target> {
        let target = Target::by_name(&self.target).map_err(anyhow::Error::msg)?;
        if let Some(f) = self.freq
            && !(f > 0.0 && f <= 1000.0)
        {
            bail!("--freq {f} is invalid: give a clock constraint in MHz, 0 < f ≤ 1000");
        }
        if self.step_timeout == 0 {
            bail!("--step-timeout 0 is invalid: give the longest a tool may run, in seconds");
        }
        Ok(target)
    }

    /// The output folder for a design `name` on `target`.
    pub(crate) fn out_dir(&self, name: &str, target: &Target) -> Result<PathBuf> {
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("build").join(format!("{name}-{}", target.name)));
        if out.is_file() {
            bail!(
                "output folder `{}` is a file; give --out a folder path",
                out.display()
            );
        }
        Ok(out)
    }
}

/// Whether `core` has the parameter `key` and the command left it unset.
fn unset(registry: &Registry, core: &str, values: &ParamMap, key: &str) -> bool {
    registry
        .get(core)
        .is_some_and(|c| c.specs().iter().any(|s| s.key == key))
        && !values.contains_key(key)
}

/// `values` with `more` added, when they make a valid design of `core`.
fn valid_with(registry: &Registry, core: &str, values: &ParamMap, more: &ParamMap) -> bool {
    let mut all = values.clone();
    all.extend(more.clone());
    crate::params::design(registry, core, &all).is_ok()
}

/// `key = value` alone, when `core` has `key`, the command left it unset and
/// the other parameters allow it; nothing otherwise.
fn pick_unset(
    registry: &Registry,
    core: &str,
    values: &ParamMap,
    key: &str,
    value: serde_json::Value,
) -> ParamMap {
    let pick = ParamMap::from_iter([(key.to_string(), value)]);
    if unset(registry, core, values, key) && valid_with(registry, core, values, &pick) {
        pick
    } else {
        ParamMap::new()
    }
}

/// The target's carry mapping, `map = ecp5`, when the core has one, the
/// command left it unset and the target is an ECP5 (whose `CCU2C` cells take
/// a ternary select), unless the other parameters rule it out.
fn carry_mapping(
    args: &FlowArgs,
    registry: &Registry,
    target: &Target,
    values: &ParamMap,
) -> Result<ParamMap> {
    if target.family != Family::Ecp5 {
        return Ok(ParamMap::new());
    }
    Ok(pick_unset(
        registry,
        &args.core,
        values,
        "map",
        "ecp5".into(),
    ))
}

/// `stage_levels = 1` (a register after every adder level) for a
/// ternary-gemv core on an ECP5 that the command left at the default: with
/// the carry fold the extra registers sit in slices whose LUTs the tree
/// already uses, so the area stays and the clock rises (K = 64, N = 1 at
/// 200 MHz: 1 050 LUT4-eq either way, 197.7 MHz against 144.1 with two
/// levels per stage; docs/results.md, "The −1 count in the carry ins").
fn ternary_stage_levels(
    args: &FlowArgs,
    registry: &Registry,
    target: &Target,
    values: &ParamMap,
) -> Result<ParamMap> {
    Ok(ternary_on(args, registry, target, values, Family::Ecp5)(
        "stage_levels",
        1.into(),
    ))
}

/// For a ternary-gemv core on a `family` target, `pick_unset` of the key
/// and value it is given; nothing for other cores and targets.
fn ternary_on<'a>(
    args: &'a FlowArgs,
    registry: &'a Registry,
    target: &Target,
    values: &'a ParamMap,
    family: Family,
) -> impl Fn(&str, serde_json::Value) -> ParamMap + 'a {
    let applies = args.core == "ternary-gemv" && target.family == family;
    move |key, value| {
        if applies {
            pick_unset(registry, &args.core, values, key, value)
        } else {
            ParamMap::new()
        }
    }
}

/// `input_register = terms` (each selected term registered, the select in
/// front of its flip-flop) for a ternary-gemv core on an iCE40 that the
/// command left at the default: a logic cell holds a LUT4 and the
/// flip-flop it drives, so the selects take the cells the registered
/// operands took alone (UP5K K = 64, N = 1 at 60 MHz: 1 376 logic cells at
/// 62.07 MHz against 1 952 at 58.90; docs/results.md, "Registered terms").
fn ternary_input_register(
    args: &FlowArgs,
    registry: &Registry,
    target: &Target,
    values: &ParamMap,
) -> Result<ParamMap> {
    Ok(ternary_on(args, registry, target, values, Family::Ice40)(
        "input_register",
        "terms".into(),
    ))
}

/// The flip-flops of a core's stall form (counted in the IR) from which
/// `credit` flow control is picked on an ECP5 (docs/results.md, "Flow
/// control" and "Registered terms, and a credit queue that keeps up"): the
/// stall form's one enable drives every flip-flop, and at size it is the
/// critical path. lut-gemm binary g = 2, K = 64 at 200 MHz: N = 4 (2 950
/// flip-flops) is a tie, N = 16 (10 018) places at 177.2 MHz with credit
/// against 98.7 with stall. ternary-gemv at 200 MHz: K = 64, N = 1 (1 399)
/// runs at 236.6 MHz with stall against 226.1 with credit, N = 4 (3 993) at
/// 211.4 with credit; K = 256, N = 4 (15 657) at 191.1 with credit against
/// 155.6 with stall.
fn credit_from_flip_flops(core: &str) -> Option<usize> {
    match core {
        "lut-gemm" => Some(8_000),
        "ternary-gemv" => Some(2_500),
        _ => None,
    }
}

/// `flow_control = credit` for a lut-gemm or ternary-gemv core on an ECP5
/// that the command left at the default and whose pipeline has at least
/// [`credit_from_flip_flops`] flip-flops (counted in the generated stall
/// form); smaller cores, other cores and the other targets keep `stall`.
fn flow_control_by_size(
    args: &FlowArgs,
    registry: &Registry,
    target: &Target,
    values: &ParamMap,
) -> Result<ParamMap> {
    const KEY: &str = "flow_control";
    let Some(threshold) = credit_from_flip_flops(&args.core) else {
        return Ok(ParamMap::new());
    };
    if target.family != Family::Ecp5 || !unset(registry, &args.core, values, KEY) {
        return Ok(ParamMap::new());
    }
    let Ok(design) = crate::params::design(registry, &args.core, values) else {
        return Ok(ParamMap::new());
    };
    if design.generate()?.module.register_bits() < threshold {
        return Ok(ParamMap::new());
    }
    Ok(pick_unset(
        registry,
        &args.core,
        values,
        KEY,
        "credit".into(),
    ))
}

/// Under `--dsp auto`, a core with a `mul_pack` parameter the user left
/// unset whose multipliers outnumber the device's DSP blocks is made with
/// one packed multiplier (two products) per block (`mul_pack = 2`,
/// `mul_pack_count` = the blocks, or 0 for every pair when the tile has
/// fewer), so the DSP share takes twice the products; the rest keep a
/// multiplier each, from LUTs.
fn packed_for_dsp(
    args: &FlowArgs,
    registry: &Registry,
    target: &Target,
    values: &ParamMap,
) -> Result<ParamMap> {
    if args.dsp_mode() != DspMode::Auto || !unset(registry, &args.core, values, PACK) {
        return Ok(ParamMap::new());
    }
    let core = crate::params::design(registry, &args.core, values)?.generate()?;
    let split = DspPlan::new(DspMode::Auto, target, &core.module).split;
    let blocks = match split.available {
        Some(n) if n > 0 && split.in_luts > 0 => n,
        _ => return Ok(ParamMap::new()),
    };
    for count in [blocks, 0] {
        let pick = ParamMap::from_iter([
            (PACK.to_string(), 2.into()),
            (format!("{PACK}_count"), count.into()),
        ]);
        if valid_with(registry, &args.core, values, &pick) {
            return Ok(pick);
        }
    }
    Ok(ParamMap::new())
}

/// Runs `synth` (`place_and_route` false) or `flow` (true) and prints the summary.
pub fn run(
    args: &FlowArgs,
    registry: &Registry,
    flags: &CoreFlags,
    place_and_route: bool,
) -> Result<()> {
    if args.core == crate::cmd::linear::LINEAR_KIND {
        return crate::cmd::flow_linear::run(args, registry, flags, place_and_route);
    }
    if let Some(flag) = args.linear.first_given() {
        bail!(
            "{flag} is a flag of `lutforge flow linear`, not of a core; use `lutforge flow linear --datapath {} …`",
            args.core
        );
    }
    let plan = args.plan(registry, flags)?;
    let spinner = crate::progress::spinner();
    let target = plan.target.name;
    let report = run_plan(&plan, args, place_and_route, &mut |step| {
        spinner.set_message(format!("[{target}] {step}"))
    });
    spinner.finish_and_clear();
    let report = report?;
    print_summary(&report, &plan.out);
    Ok(())
}

/// Generates, verifies (for `flow`), synthesizes and, for `flow`, places,
/// routes and packs; writes report.json and report.md only when all went well.
pub fn run_plan(
    plan: &FlowPlan,
    args: &FlowArgs,
    place_and_route: bool,
    on_step: &mut dyn FnMut(&str),
) -> Result<Report> {
    std::fs::create_dir_all(&plan.out)
        .with_context(|| format!("cannot create output folder `{}`", plan.out.display()))?;
    for stale in ["report.json", "report.md"] {
        let p = plan.out.join(stale);
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("cannot remove the old `{}`", p.display()))?;
        }
    }
    let mut steps = Vec::new();
    on_step("generate");
    let start = Instant::now();
    let design = plan.design.as_ref();
    let core = design.generate()?;
    lutforge_gen::write_core(
        &plan.out,
        &core.module,
        &header(design),
        &metadata(design, &core),
    )?;
    steps.push(("generate".to_string(), start.elapsed().as_secs_f64()));
    if place_and_route {
        on_step("verify on the Rust simulator");
        let start = Instant::now();
        verify(design, &core)?;
        steps.push(("verify".to_string(), start.elapsed().as_secs_f64()));
    }
    let metadata = metadata(design, &core);
    let req = FlowRequest {
        core: Arc::new(core.module),
        kind: core.kind.to_string(),
        params: metadata.params,
        macs_per_cycle: core.macs_per_cycle,
        target: plan.target,
        freq_mhz: args.freq,
        dsp: args.dsp_mode(),
        place_and_route,
        step_limit: Duration::from_secs(args.step_timeout),
        work: plan.out.join("work"),
    };
    let outcome = run_flow(&req, on_step)?;
    let mut report = outcome.report;
    for (name, secs) in steps {
        report.steps.insert(name, (secs * 100.0).round() / 100.0);
    }
    report.bitstream = outcome.bitstream.map(|b| relative(&b, &plan.out));
    report.picked = plan.picked.clone();
    lutforge_gen::write_atomic(&plan.out, "report.md", &report.to_markdown())?;
    lutforge_gen::write_atomic(&plan.out, "report.json", &report.to_json())?;
    Ok(report)
}

/// A quick check of the core on the Rust simulator against the golden model.
fn verify(design: &dyn Design, core: &lutforge_hdl::datapath::GeneratedCore) -> Result<()> {
    let plan = plan(design, 4, 8, 1);
    for case in cases(&plan)? {
        let outcomes = run_streams(&core.module, &case.streams)?;
        let report = check_core_case(core, &case, &outcomes);
        if !report.passed() {
            bail!(
                "the core fails verification on the Rust simulator ({} / {}): {}",
                case.stimulus.name(),
                case.traffic.name(),
                report.summary_with_cols(design.common().n)
            );
        }
    }
    Ok(())
}

/// `path` relative to `base` where it is inside it.
pub fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Prints what the flow measured, and where the reports are.
pub fn print_summary(r: &Report, out: &Path) {
    let f = |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{x:.2}"));
    println!("{} ({}) on {} [{}]", r.core, r.kind, r.target, r.device);
    println!("  LUT4-equivalents (core): {:.0}", r.lut4_equiv);
    if let Some(lc) = r.logic_cells {
        println!("  logic cells (core):      {lc}");
    }
    let dsp: i64 = r
        .resources
        .iter()
        .filter(|(k, _)| k.contains("MULT") || k.contains("MAC16") || k.contains("DSP"))
        .map(|(_, v)| *v)
        .sum();
    println!("  DSP blocks (core):       {dsp}");
    if let Some(d) = &r.dsp {
        println!(
            "  multipliers:             {} in {}, {} from LUTs ({})",
            d.in_dsp, d.cell, d.in_luts, d.picked
        );
    }
    for (key, value) in &r.picked {
        println!(
            "  picked for the target:   --{} {value}",
            key.replace('_', "-")
        );
    }
    println!(
        "  Fmax:                    {} MHz (constraint {:.1})",
        f(r.fmax_mhz),
        r.fmax_constraint_mhz
    );
    println!(
        "  GOPS:                    {}  ({} per 1000 LUT4-eq)",
        f(r.gops),
        f(r.gops_per_klut4)
    );
    println!("wrote {}", out.join("report.json").display());
    println!("wrote {}", out.join("report.md").display());
}
