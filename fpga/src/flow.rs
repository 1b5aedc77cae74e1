//! The flow: emit the core, the core in its harness and the empty harness;
//! synthesize each with Yosys; place and route with nextpnr; pack the
//! bitstream; and put what the tools said into one [`Report`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lutforge_gen::{Header, render_template, render_verilog};
use lutforge_hdl::ir::Module;
use serde::Serialize;

use crate::dsp::{DspMode, DspPlan};
use crate::harness::{empty_core, harness};
use crate::parse::{PnrReport, YosysStat, nextpnr_report, overused_resource, yosys_stat};
use crate::report::{Report, SubmoduleCost};
use crate::targets::{Family, Target};
use lutforge_tools::process::{ToolError, excerpt, output, run};
use lutforge_tools::{FoundTool, MissingTool, Tool, find};

/// What to run the flow on.
#[derive(Debug, Clone)]
pub struct FlowRequest {
    /// The core.
    pub core: Arc<Module>,
    /// Its kind, e.g. `mac-gemv`.
    pub kind: String,
    /// Its generation parameters (as in its metadata).
    pub params: serde_json::Value,
    /// Multiply-accumulates per cycle at full rate.
    pub macs_per_cycle: f64,
    /// Where to run it.
    pub target: Target,
    /// Clock constraint, MHz (the target's default when `None`).
    pub freq_mhz: Option<f64>,
    /// Which multiplies Yosys may map to DSP blocks.
    pub dsp: DspMode,
    /// Place, route and pack after synthesis (`lutforge flow`), or stop after synthesis (`lutforge synth`).
    pub place_and_route: bool,
    /// Longest any one tool run may take.
    pub step_limit: Duration,
    /// Folder for every intermediate file (created).
    pub work: PathBuf,
}

/// Why the flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A tool is not installed.
    #[error(transparent)]
    Missing(#[from] MissingTool),
    /// A tool failed or ran past its limit.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// The design needs more of a resource than the device has (Yosys' cell
    /// counts against the target's capacity, or nextpnr's utilisation table).
    #[error(
        "`{core}` does not fit {target}: it needs {need} {resource}, the device has {have}; {fix}"
    )]
    DoesNotFit {
        /// Core name.
        core: String,
        /// Target name.
        target: String,
        /// Resource (cell type).
        resource: String,
        /// How many the design needs.
        need: u64,
        /// How many the device has.
        have: u64,
        /// What to do about it.
        fix: String,
    },
    /// nextpnr could not place the design on the device, without saying
    /// which resource ran out.
    #[error(
        "`{core}` does not fit {target}: nextpnr could not place it ({said}); shrink the tile (n, k) or choose a larger target"
    )]
    DoesNotPlace {
        /// Core name.
        core: String,
        /// Target name.
        target: String,
        /// nextpnr's error lines.
        said: String,
    },
    /// Place and route was asked of a target that has none.
    #[error(
        "{target} has no place and route in lutforge; run synthesis only (`lutforge synth`) or choose an iCE40 or ECP5 target"
    )]
    NoPlaceAndRoute {
        /// Target name.
        target: String,
    },
    /// A tool's output could not be read.
    #[error("{what} `{file}` could not be read: {problem}")]
    BadOutput {
        /// What the file is.
        what: &'static str,
        /// Its path.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// Rendering or writing a file failed.
    #[error("{0}")]
    Files(String),
}

/// The report and the files the flow made.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    /// Everything measured.
    pub report: Report,
    /// The bitstream in the work folder, when one was packed.
    pub bitstream: Option<PathBuf>,
}

#[derive(Serialize)]
struct SynthScript<'a> {
    top: &'a str,
    file: &'a str,
    synth: String,
    json: Option<&'a str>,
    stat: &'a str,
    /// Ask for every memory in distributed (LUT) RAM: Yosys' own heuristic
    /// would build small multi-port memories from flip-flops. Block
    /// memories (marked `no_rw_check`) are left to block RAM.
    lutram: bool,
    /// The vendor cell library `hierarchy -check` needs for the primitives a
    /// design may instantiate (the iCE40 SB_SPRAM256KA).
    cell_lib: Option<&'a str>,
    /// Commands before synthesis that keep multipliers out of the DSP mapper.
    lut_products: Option<String>,
}

struct Runner<'a> {
    req: &'a FlowRequest,
    dsp: DspPlan,
    steps: BTreeMap<String, f64>,
    tools: BTreeMap<String, String>,
    on_step: &'a mut dyn FnMut(&str),
}

impl Runner<'_> {
    fn tool(&mut self, t: Tool) -> Result<FoundTool, FlowError> {
        let found = find(t)?;
        self.tools.insert(t.name().into(), found.version.clone());
        Ok(found)
    }

    fn step<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Self) -> Result<T, FlowError>,
    ) -> Result<T, FlowError> {
        (self.on_step)(name);
        let start = Instant::now();
        let r = f(self);
        self.steps.insert(
            name.into(),
            (start.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        );
        r
    }

    fn write(&self, name: &str, text: &str) -> Result<(), FlowError> {
        std::fs::write(self.req.work.join(name), text).map_err(|e| {
            FlowError::Files(format!(
                "cannot write {name} in {}: {e}",
                self.req.work.display()
            ))
        })
    }

    fn read(&self, name: &str, what: &'static str) -> Result<String, FlowError> {
        std::fs::read_to_string(self.req.work.join(name)).map_err(|e| FlowError::BadOutput {
            what,
            file: self.req.work.join(name).display().to_string(),
            problem: e.to_string(),
        })
    }

    /// Synthesizes `file` (top `top`); writes the netlist when `json` is given.
    fn synth(
        &mut self,
        top: &str,
        file: &str,
        json: Option<&str>,
        stat: &str,
    ) -> Result<YosysStat, FlowError> {
        let yosys = self.tool(Tool::Yosys)?;
        let mut synth = self.req.target.synth_command().to_string();
        match (self.req.target.family, self.dsp.use_dsp) {
            (Family::Ice40, true) => synth.push_str(" -dsp"),
            (Family::Ecp5 | Family::Xc7, false) => synth.push_str(" -nodsp"),
            _ => {}
        }
        let script = render_template(
            "synth.ys.tera",
            SYNTH_SCRIPT,
            &SynthScript {
                top,
                file,
                synth,
                json,
                stat,
                lutram: self.req.target.family.has_lutram(),
                cell_lib: match self.req.target.family {
                    Family::Ice40 => Some("+/ice40/cells_sim.v"),
                    Family::Ecp5 => Some("+/ecp5/cells_sim.v"),
                    Family::Xc7 => None,
                },
                lut_products: self.dsp.yosys_commands(),
            },
        )
        .map_err(|e| FlowError::Files(e.to_string()))?;
        let ys = format!("{stat}.ys");
        self.write(&ys, &script)?;
        let out = run(
            &yosys,
            &["-q", "-l", &format!("{stat}.log"), "-s", &ys],
            &self.req.work,
            self.req.step_limit,
            "synthesis",
        )?;
        drop(out);
        let text = self.read(stat, "Yosys statistics")?;
        yosys_stat(&text, top).map_err(|problem| FlowError::BadOutput {
            what: "Yosys statistics",
            file: self.req.work.join(stat).display().to_string(),
            problem,
        })
    }

    /// Places and routes `json`; writes the report and the bitstream input when `out` is given.
    fn pnr(&mut self, json: &str, report: &str, out: Option<&str>) -> Result<PnrReport, FlowError> {
        let (pnr_tool, _) =
            self.req
                .target
                .pnr_tools()
                .ok_or_else(|| FlowError::NoPlaceAndRoute {
                    target: self.req.target.name.into(),
                })?;
        let nextpnr = self.tool(pnr_tool)?;
        if nextpnr.yowasp {
            (self.on_step)(
                "(YoWASP nextpnr compiles itself on its first run: this can take a minute)",
            );
        }
        let freq = format!("{}", self.freq());
        let mut args: Vec<&str> = self.req.target.pnr_args.to_vec();
        args.extend([
            "--json",
            json,
            "--report",
            report,
            "--freq",
            &freq,
            "--timing-allow-fail",
            "--seed",
            "1",
        ]);
        let out_flag = match self.req.target.family {
            Family::Ice40 => ["--pcf-allow-unconstrained", "--asc"],
            _ => ["--lpf-allow-unconstrained", "--textcfg"],
        };
        args.push(out_flag[0]);
        if let Some(o) = out {
            args.extend([out_flag[1], o]);
        }
        let what = "place and route";
        let out = output(&nextpnr, &args, &self.req.work, self.req.step_limit, what)?;
        if !out.status.success() {
            return Err(pnr_failure(
                &self.req.core.name,
                self.req.target.name,
                &nextpnr,
                what,
                &out,
            ));
        }
        let text = self.read(report, "nextpnr report")?;
        nextpnr_report(&text).map_err(|problem| FlowError::BadOutput {
            what: "nextpnr report",
            file: self.req.work.join(report).display().to_string(),
            problem,
        })
    }

    fn freq(&self) -> f64 {
        self.req
            .freq_mhz
            .unwrap_or(self.req.target.default_freq_mhz)
    }

    /// Refuses a design that needs more of a resource than the device has.
    fn fit_check(&self, stat: &YosysStat) -> Result<(), FlowError> {
        for &(cell, have) in self.req.target.capacity {
            let need: u64 = match cell.strip_suffix('*') {
                Some(prefix) => stat
                    .cells
                    .iter()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(_, n)| n)
                    .sum(),
                None => stat.cells.get(cell).copied().unwrap_or(0),
            };
            if need > have {
                let dsp_on = self.req.dsp == DspMode::On && cell == self.dsp.split.cell;
                return Err(FlowError::DoesNotFit {
                    core: self.req.core.name.clone(),
                    target: self.req.target.name.into(),
                    resource: cell.trim_end_matches('*').into(),
                    need,
                    have,
                    fix: if dsp_on {
                        format!("build the rest from LUTs with --dsp auto, {SHRINK}")
                    } else {
                        SHRINK.into()
                    },
                });
            }
        }
        Ok(())
    }
}

/// Runs the flow; `on_step` hears the name of each step as it starts.
pub fn run_flow(
    req: &FlowRequest,
    on_step: &mut dyn FnMut(&str),
) -> Result<FlowOutcome, FlowError> {
    std::fs::create_dir_all(&req.work)
        .map_err(|e| FlowError::Files(format!("cannot create {}: {e}", req.work.display())))?;
    for t in req.target.tools() {
        if !req.place_and_route && t != Tool::Yosys {
            continue;
        }
        find(t)?;
    }
    let mut r = Runner {
        req,
        dsp: DspPlan::new(req.dsp, &req.target, &req.core),
        steps: BTreeMap::new(),
        tools: BTreeMap::new(),
        on_step,
    };
    let top = req.core.name.clone();
    let wrapped = format!("{top}_harness");
    let empty_top = format!("{top}_empty_harness");
    r.step("emit", |r| {
        let files = |m: &Module| {
            render_verilog(m, &Header::default()).map_err(|e| FlowError::Files(e.to_string()))
        };
        let h = harness(req.core.clone()).map_err(|e| FlowError::Files(e.to_string()))?;
        let empty = empty_core(&req.core)
            .and_then(|e| harness(Arc::new(e)))
            .map_err(|e| FlowError::Files(e.to_string()))?;
        r.write("core.v", &files(&req.core)?)?;
        r.write("harness.v", &files(&h)?)?;
        r.write("empty_harness.v", &files(&empty)?)
    })?;
    let ooc = r.step("synth_core_alone", |r| {
        r.synth(&top, "core.v", None, "stat_core.json")
    })?;
    let mut submodules = BTreeMap::new();
    for (name, instances) in submodule_instances(&req.core) {
        let stat = r.step(&format!("synth_{name}_alone"), |r| {
            r.synth(&name, "core.v", None, &format!("stat_{name}.json"))
        })?;
        let lut4_equiv = lut4_of(req.target.family, |k| {
            stat.cells.get(k).copied().unwrap_or(0) as f64
        });
        submodules.insert(
            name,
            SubmoduleCost {
                instances,
                cells: stat.cells,
                lut4_equiv,
            },
        );
    }
    let total = r.step("synth", |r| {
        r.synth(
            &wrapped,
            "harness.v",
            Some("harness.json"),
            "stat_harness.json",
        )
    })?;
    let empty = r.step("synth_empty_harness", |r| {
        r.synth(
            &empty_top,
            "empty_harness.v",
            Some("empty_harness.json"),
            "stat_empty_harness.json",
        )
    })?;
    r.fit_check(&total)?;

    let mut pnr = None;
    let mut empty_lc = None;
    let mut bitstream = None;
    if req.place_and_route && req.target.pnr_tools().is_some() {
        let routed = match req.target.family {
            Family::Ice40 => "harness.asc",
            _ => "harness.config",
        };
        pnr = Some(r.step("place_and_route", |r| {
            r.pnr("harness.json", "pnr_harness.json", Some(routed))
        })?);
        if req.target.family == Family::Ice40 {
            let e = r.step("place_and_route_empty_harness", |r| {
                r.pnr("empty_harness.json", "pnr_empty_harness.json", None)
            })?;
            empty_lc = e.utilization.get("ICESTORM_LC").map(|u| u.used);
        }
        let (_, pack_tool) = req
            .target
            .pnr_tools()
            .unwrap_or((Tool::Icepack, Tool::Icepack));
        let bit = match req.target.family {
            Family::Ice40 => "harness.bin",
            _ => "harness.bit",
        };
        r.step("bitstream", |r| {
            let pack = r.tool(pack_tool)?;
            run(
                &pack,
                &[routed, bit],
                &req.work,
                req.step_limit,
                "packing the bitstream",
            )?;
            Ok(())
        })?;
        let path = req.work.join(bit);
        if !path.is_file() {
            return Err(FlowError::BadOutput {
                what: "bitstream",
                file: path.display().to_string(),
                problem: "the packer wrote nothing".into(),
            });
        }
        bitstream = Some(path);
    }
    let mut report = build_report(
        req,
        &r,
        &ooc,
        &total,
        &empty,
        pnr.as_ref(),
        empty_lc,
        bitstream.as_deref(),
    );
    report.submodules = submodules;
    Ok(FlowOutcome { report, bitstream })
}

/// Every module below `top`, with how many times it is instantiated in all.
fn submodule_instances(top: &Module) -> BTreeMap<String, usize> {
    fn visit(m: &Module, times: usize, out: &mut BTreeMap<String, usize>) {
        for inst in &m.instances {
            *out.entry(inst.module.name.clone()).or_insert(0) += times;
            visit(&inst.module, times, out);
        }
    }
    let mut out = BTreeMap::new();
    visit(top, 1, &mut out);
    out
}

/// LUT4-equivalents from cell counts (`cell` gives a cell type's count):
/// ECP5 LUT4 + 2·CCU2C, iCE40 SB_LUT4 (logic cells are known only after
/// packing), xc7 LUT1..LUT6.
fn lut4_of(family: Family, cell: impl Fn(&str) -> f64) -> f64 {
    match family {
        // A 16×4 LUT RAM takes three slices: two of RAM, one for the write port.
        Family::Ecp5 => cell("LUT4") + 2.0 * cell("CCU2C") + 6.0 * cell("TRELLIS_DPR16X4"),
        Family::Ice40 => cell("SB_LUT4"),
        Family::Xc7 => {
            let luts: f64 = ["LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6"]
                .iter()
                .map(|k| cell(k))
                .sum();
            let lutram: f64 = XC7_LUTRAM_LUTS.iter().map(|&(k, n)| n * cell(k)).sum();
            luts + lutram
        }
    }
}

/// The LUT6s each 7-series distributed-RAM primitive occupies.
const XC7_LUTRAM_LUTS: [(&str, f64); 9] = [
    ("RAM32X1S", 1.0),
    ("RAM64X1S", 1.0),
    ("RAM32X1D", 2.0),
    ("RAM64X1D", 2.0),
    ("RAM128X1S", 2.0),
    ("RAM128X1D", 4.0),
    ("RAM256X1S", 4.0),
    ("RAM32M", 4.0),
    ("RAM64M", 4.0),
];

#[allow(clippy::too_many_arguments)]
fn build_report(
    req: &FlowRequest,
    r: &Runner,
    ooc: &YosysStat,
    total: &YosysStat,
    empty: &YosysStat,
    pnr: Option<&PnrReport>,
    empty_lc: Option<u64>,
    bitstream: Option<&Path>,
) -> Report {
    let mut resources: BTreeMap<String, i64> = BTreeMap::new();
    for k in total.cells.keys().chain(empty.cells.keys()) {
        let d = total.cells.get(k).copied().unwrap_or(0) as i64
            - empty.cells.get(k).copied().unwrap_or(0) as i64;
        resources.insert(k.clone(), d);
    }
    let cell = |k: &str| resources.get(k).copied().unwrap_or(0) as f64;
    let logic_cells = match (pnr, empty_lc) {
        (Some(p), Some(e)) => p
            .utilization
            .get("ICESTORM_LC")
            .map(|u| u.used as i64 - e as i64),
        _ => None,
    };
    let mut definitions = BTreeMap::new();
    let (lut4_equiv, meaning) = match (req.target.family, logic_cells) {
        (Family::Ice40, Some(lc)) => (
            lc as f64,
            "iCE40 logic cells of the core after packing (a logic cell holds one LUT4, one carry and one flip-flop)",
        ),
        (Family::Ice40, None) => (
            lut4_of(Family::Ice40, cell),
            "SB_LUT4 cells of the core (synthesis only: logic cells are known after packing)",
        ),
        (Family::Ecp5, _) => (
            lut4_of(Family::Ecp5, cell),
            "LUT4 + 2·CCU2C + 6·TRELLIS_DPR16X4 of the core (a CCU2C carry cell holds two LUT4s; a 16×4 LUT RAM takes three slices)",
        ),
        (Family::Xc7, _) => (
            lut4_of(Family::Xc7, cell),
            "LUT1..LUT6 cells of the core plus the LUT6s of its distributed RAM (7-series LUT6s, not LUT4s)",
        ),
    };
    definitions.insert("lut4_equiv".into(), meaning.into());
    if r.dsp.split.multipliers > 0 {
        definitions.insert(
            "dsp".into(),
            "the core's multipliers (every instance counted) and how --dsp shared them: in_dsp left to the DSP mapper, in_luts built from LUTs; the DSP cell count under Cells is what Yosys made".into(),
        );
    }
    definitions.insert(
        "resources".into(),
        "cells of the core: Yosys cells of the harness around the core minus those of the same harness around an empty core (outputs wired from inputs)".into(),
    );
    definitions.insert(
        "resources_out_of_context".into(),
        "Yosys cells of the core synthesized alone with its ports as top-level ports".into(),
    );
    definitions.insert(
        "macs_per_cycle".into(),
        "multiply-accumulates per cycle at full rate, from the core's metadata".into(),
    );
    definitions.insert(
        "gops".into(),
        "2 · MACs per cycle · achieved Fmax (MHz) / 1000".into(),
    );
    definitions.insert(
        "gops_per_klut4".into(),
        "GOPS per 1 000 LUT4-equivalents of the core".into(),
    );
    definitions.insert(
        "fmax_mhz".into(),
        "achieved Fmax of the harness and core after place and route (nextpnr's timing report)"
            .into(),
    );
    let fmax = pnr.map(|p| p.fmax_mhz);
    let gops = fmax.map(|f| 2.0 * req.macs_per_cycle * f / 1000.0);
    let gops_per_klut4 = gops
        .filter(|_| lut4_equiv > 0.0)
        .map(|g| g / (lut4_equiv / 1000.0));
    Report {
        core: req.core.name.clone(),
        kind: req.kind.clone(),
        params: req.params.clone(),
        target: req.target.name.into(),
        device: req.target.device.into(),
        fmax_mhz: fmax.map(round2),
        fmax_constraint_mhz: pnr.map_or(r.freq(), |p| p.constraint_mhz),
        resources,
        resources_total: total.cells.clone(),
        resources_harness: empty.cells.clone(),
        resources_out_of_context: ooc.cells.clone(),
        lut4_equiv,
        logic_cells,
        utilization: pnr.map(|p| p.utilization.clone()).unwrap_or_default(),
        macs_per_cycle: req.macs_per_cycle,
        gops: gops.map(round2),
        gops_per_klut4: gops_per_klut4.map(round2),
        critical_path: pnr.and_then(|p| p.critical_path.clone()),
        flattened: total.flat,
        tools: r.tools.clone(),
        steps: r.steps.clone(),
        bitstream: bitstream
            .and_then(|b| b.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
        definitions,
        submodules: BTreeMap::new(),
        linear: None,
        dsp: (r.dsp.split.multipliers > 0).then(|| r.dsp.split.clone()),
        picked: BTreeMap::new(),
    }
}

/// Why nextpnr (`tool`, doing `what`) failed on `core` for `target`: the
/// resource that ran out when its utilisation table shows one, a placement
/// failure, or else the tool's own error.
fn pnr_failure(core: &str, target: &str, tool: &FoundTool, what: &str, out: &Output) -> FlowError {
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let said = excerpt(out);
    let (core, target) = (core.to_string(), target.to_string());
    if let Some(o) = overused_resource(&log) {
        FlowError::DoesNotFit {
            core,
            target,
            resource: o.resource,
            need: o.need,
            have: o.have,
            fix: SHRINK.into(),
        }
    } else if is_does_not_fit(&said) {
        FlowError::DoesNotPlace { core, target, said }
    } else {
        FlowError::Tool(ToolError::Failed {
            tool: tool.tool.name().into(),
            what: what.into(),
            code: out.status.code().unwrap_or(-1),
            excerpt: said,
        })
    }
}

/// True when nextpnr failed because the design does not fit the device.
fn is_does_not_fit(excerpt: &str) -> bool {
    [
        "only has",
        "Unable to place",
        "Unable to find legal placement",
        "utilisation limit",
        "utilization limit",
        "Failed to expand region",
    ]
    .iter()
    .any(|p| excerpt.contains(p))
}

/// The fix a design too big for its device is offered.
const SHRINK: &str = "shrink the tile (n, k) or choose a larger target";

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

const SYNTH_SCRIPT: &str = include_str!("../templates/synth.ys.tera");

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{ExitStatus, Output};

    use lutforge_tools::{FoundTool, Tool};

    use super::{FlowError, is_does_not_fit, pnr_failure};

    /// A failed nextpnr run that printed `log` on stderr.
    fn failed(log: &str) -> FlowError {
        let tool = FoundTool {
            tool: Tool::NextpnrIce40,
            path: "nextpnr-ice40".into(),
            version: "test".into(),
            yowasp: false,
        };
        let out = Output {
            status: ExitStatus::from_raw(255 << 8),
            stdout: Vec::new(),
            stderr: log.as_bytes().to_vec(),
        };
        pnr_failure("mac", "up5k", &tool, "place and route", &out)
    }

    #[test]
    fn an_overused_resource_in_nextpnr_s_log_is_a_typed_does_not_fit() {
        let e = failed(include_str!("../tests/data/nextpnr_ice40_does_not_fit.log"));
        assert!(
            matches!(
                &e,
                FlowError::DoesNotFit { resource, need: 6002, have: 5280, .. } if resource == "ICESTORM_LC"
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "`mac` does not fit up5k: it needs 6002 ICESTORM_LC, the device has 5280; shrink the tile (n, k) or choose a larger target"
        );
    }

    #[test]
    fn a_placement_failure_without_figures_still_does_not_fit() {
        let e = failed(
            "ERROR: Unable to find legal placement for all cells, design is probably at utilisation limit.\n",
        );
        assert!(matches!(e, FlowError::DoesNotPlace { .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.contains("does not fit up5k"), "{text}");
        assert!(text.contains("utilisation limit"), "{text}");
    }

    #[test]
    fn other_nextpnr_failures_stay_tool_failures() {
        let e = failed("ERROR: simulated routing failure\n");
        assert!(
            matches!(
                &e,
                FlowError::Tool(lutforge_tools::process::ToolError::Failed { code: 255, .. })
            ),
            "{e:?}"
        );
        assert!(!e.to_string().contains("does not fit"), "{e}");
    }

    #[test]
    fn submodules_are_counted_per_instance() {
        use lutforge_hdl::datapath::lut::{LutGemmParams, generate};
        use lutforge_hdl::datapath::{CommonParams, WeightFormat};
        let p = LutGemmParams {
            table_storage: Default::default(),
            ternary_table: Default::default(),
            w_packing: lutforge_hdl::datapath::core::WeightPacking::Codes,
            common: CommonParams {
                name: "lg".into(),
                m: 2,
                n: 3,
                k: 12,
                act_bits: 8,
                w_format: WeightFormat::Binary,
                w_bits: 1,
                max_beats: 4,
                flow_control: Default::default(),
            },
            group: 4,
            pad_k: false,
            bit_serial: false,
            stage_levels: 1,
        };
        let core = generate(&p).unwrap();
        let subs = super::submodule_instances(&core.module);
        // One table per row and group: 2 rows × 12/4 groups.
        assert_eq!(
            subs.into_iter().collect::<Vec<_>>(),
            [("lg_table".into(), 6)]
        );
    }

    #[test]
    fn recognises_nextpnr_placement_failures() {
        assert!(is_does_not_fit(
            "ERROR: Unable to find legal placement for all cells, design is probably at utilisation limit."
        ));
        assert!(is_does_not_fit(
            "ERROR: Design uses 6000 ICESTORM_LC but device only has 5280"
        ));
        assert!(is_does_not_fit(
            "ERROR: Failed to expand region (0, 0) |_> (25, 31) of 6575 ICESTORM_LCs"
        ));
        assert!(!is_does_not_fit("ERROR: simulated routing failure"));
    }
}
