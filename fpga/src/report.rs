//! The report of one flow run: what a core costs on a target and how fast
//! it runs, with every derived figure defined, as `report.json` and
//! `report.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Use of one device resource after place and route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Used by the whole design (core and harness).
    pub used: u64,
    /// On the device.
    pub available: u64,
    /// used / available, in percent.
    pub percent: f64,
}

/// The longest register-to-register path nextpnr found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// Cell the path starts at.
    pub from: String,
    /// Cell the path ends at.
    pub to: String,
    /// Sum of its delays, ns.
    pub delay_ns: f64,
    /// Number of delay steps (logic and routing) on it.
    pub steps: usize,
}

/// One module of the core's hierarchy, synthesized on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmoduleCost {
    /// Instances of it in the core.
    pub instances: usize,
    /// Yosys cells of one instance.
    pub cells: BTreeMap<String, u64>,
    /// LUT4-equivalents of one instance (same definition as the core's).
    pub lut4_equiv: f64,
}

/// Everything one flow run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Core (top module) name.
    pub core: String,
    /// Core kind, e.g. `mac-gemv`.
    pub kind: String,
    /// Generation parameters, as in NAME.json.
    pub params: serde_json::Value,
    /// Target name, e.g. `ecp5-25k`.
    pub target: String,
    /// Device and package, e.g. `LFE5U-25F CABGA381`.
    pub device: String,
    /// Achieved Fmax of the design in MHz (None for synthesis-only targets).
    pub fmax_mhz: Option<f64>,
    /// The clock constraint given to place and route, MHz.
    pub fmax_constraint_mhz: f64,
    /// The core's own cells by type: harness and core minus harness and empty core.
    pub resources: BTreeMap<String, i64>,
    /// Cells of harness and core together.
    pub resources_total: BTreeMap<String, u64>,
    /// Cells of the harness around an empty core.
    pub resources_harness: BTreeMap<String, u64>,
    /// Cells of the core synthesized alone, out of context (its ports are pins, so Yosys may trim it differently).
    pub resources_out_of_context: BTreeMap<String, u64>,
    /// The core's LUT4-equivalents (see `definitions`).
    pub lut4_equiv: f64,
    /// The core's iCE40 logic cells after packing (iCE40 only).
    pub logic_cells: Option<i64>,
    /// Device use of the whole design after place and route.
    pub utilization: BTreeMap<String, Utilization>,
    /// Multiply-accumulates per cycle (from the core's metadata).
    pub macs_per_cycle: f64,
    /// 2 · MACs/cycle · Fmax, in GOPS.
    pub gops: Option<f64>,
    /// GOPS per 1 000 LUT4-equivalents of the core.
    pub gops_per_klut4: Option<f64>,
    /// Longest path, when place and route ran.
    pub critical_path: Option<CriticalPath>,
    /// Whether Yosys flattened the hierarchy during synthesis.
    pub flattened: bool,
    /// Tool name → version, for every tool the flow ran.
    pub tools: BTreeMap<String, String>,
    /// Step name → seconds.
    pub steps: BTreeMap<String, f64>,
    /// The bitstream file, relative to the report's folder (targets that have one).
    pub bitstream: Option<String>,
    /// Figure name → how it is computed.
    pub definitions: BTreeMap<String, String>,
    /// Each module below the core (e.g. a LUT core's table precompute),
    /// synthesized alone: its cost per instance and how many instances the core has.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub submodules: BTreeMap<String, SubmoduleCost>,
    /// A `linear` engine's layer figures (`lutforge flow linear`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear: Option<LinearFigures>,
    /// How `--dsp` shared the core's multipliers between DSP blocks and LUTs (cores that multiply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsp: Option<crate::dsp::DspSplit>,
    /// Parameters the flow chose for the target because the command left
    /// them unset: key → value (e.g. `map` → `ecp5`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub picked: BTreeMap<String, String>,
}

/// What a `linear` engine's flow run adds: the layer's rate and the memory blocks it holds its weights in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearFigures {
    /// The layer, `out_features × in_features`.
    pub layer: String,
    /// Where the weights live (`bram`, `spram`, …).
    pub weight_memory: String,
    /// Cycles between vectors, back to back (the engine's metadata, equal to the Rust simulator's count).
    pub cycles_per_vector: u64,
    /// The limit that sets it (`compute`, `weight_memory`, `activation_load`, `result_drain`).
    pub bound: String,
    /// Memory words read per core beat.
    pub weight_reads_per_beat: u64,
    /// GEMV (vectors) per second: Fmax / cycles per vector (None without place and route).
    pub gemv_per_s: Option<f64>,
    /// Memory blocks of the whole design by cell (SB_RAM40_4K, SB_SPRAM256KA, DP16KD, RAMB18E1, RAMB36E1), from Yosys.
    pub memory_blocks: BTreeMap<String, u64>,
}

/// The block-memory cells a flow report counts for a `linear` engine.
pub const MEMORY_BLOCK_CELLS: [&str; 6] = [
    "SB_RAM40_4K",
    "SB_SPRAM256KA",
    "DP16KD",
    "PDPW16KD",
    "RAMB18E1",
    "RAMB36E1",
];

impl LinearFigures {
    /// The memory blocks among a design's Yosys cells.
    pub fn blocks_of(cells: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        MEMORY_BLOCK_CELLS
            .iter()
            .filter_map(|&c| cells.get(c).map(|&n| (c.to_string(), n)))
            .collect()
    }
}

impl Report {
    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let opt = |v: Option<f64>, digits: usize| {
            v.map_or("—".to_string(), |x| format!("{x:.digits$}"))
        };
        md.push_str(&format!(
            "# `{}` ({}) on {}\n\n",
            self.core, self.kind, self.target
        ));
        md.push_str(&format!("Device: {}.\n\n", self.device));
        md.push_str("| figure | value |\n|---|---|\n");
        md.push_str(&format!(
            "| Fmax achieved | {} MHz (constraint {:.1} MHz) |\n",
            opt(self.fmax_mhz, 1),
            self.fmax_constraint_mhz
        ));
        md.push_str(&format!(
            "| LUT4-equivalents (core) | {:.0} |\n",
            self.lut4_equiv
        ));
        if let Some(lc) = self.logic_cells {
            md.push_str(&format!("| logic cells (core) | {lc} |\n"));
        }
        md.push_str(&format!("| MACs per cycle | {} |\n", self.macs_per_cycle));
        md.push_str(&format!("| GOPS | {} |\n", opt(self.gops, 2)));
        md.push_str(&format!(
            "| GOPS per 1 000 LUT4-eq | {} |\n",
            opt(self.gops_per_klut4, 2)
        ));
        md.push_str(&format!(
            "| Yosys flattened the hierarchy | {} |\n",
            if self.flattened { "yes" } else { "no" }
        ));
        if let Some(cp) = &self.critical_path {
            md.push_str(&format!(
                "| critical path | {} → {}, {:.2} ns in {} steps |\n",
                cp.from, cp.to, cp.delay_ns, cp.steps
            ));
        }
        if let Some(d) = &self.dsp {
            md.push_str(&format!(
                "| multipliers | {} in {}, {} from LUTs (--dsp {}) |\n",
                d.in_dsp, d.cell, d.in_luts, d.picked
            ));
        }
        if let Some(b) = &self.bitstream {
            md.push_str(&format!("| bitstream | `{b}` |\n"));
        }
        for (key, value) in &self.picked {
            md.push_str(&format!("| picked for the target | {key} = {value} |\n"));
        }
        if let Some(l) = &self.linear {
            md.push_str(&format!(
                "| layer | {} ({} weights) |\n| cycles per vector | {} (bound: {}; {} memory reads a beat) |\n| GEMV per second | {} |\n",
                l.layer,
                l.weight_memory,
                l.cycles_per_vector,
                l.bound,
                l.weight_reads_per_beat,
                opt(l.gemv_per_s, 0)
            ));
            let blocks: Vec<String> = l
                .memory_blocks
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            md.push_str(&format!(
                "| memory blocks | {} |\n",
                if blocks.is_empty() {
                    "none".to_string()
                } else {
                    blocks.join(", ")
                }
            ));
        }
        md.push_str("\n## Cells\n\n| cell | core | harness + core | harness alone | core out of context |\n|---|---|---|---|---|\n");
        let mut names: Vec<&String> = self
            .resources_total
            .keys()
            .chain(self.resources_out_of_context.keys())
            .collect();
        names.sort();
        names.dedup();
        for n in names {
            let g = |m: &BTreeMap<String, u64>| m.get(n).map_or("0".into(), |v| v.to_string());
            md.push_str(&format!(
                "| {n} | {} | {} | {} | {} |\n",
                self.resources.get(n).copied().unwrap_or(0),
                g(&self.resources_total),
                g(&self.resources_harness),
                g(&self.resources_out_of_context)
            ));
        }
        if !self.submodules.is_empty() {
            md.push_str("\n## Submodules (each synthesized alone)\n\n| module | instances | LUT4-eq each | LUT4-eq all | cells each |\n|---|---:|---:|---:|---|\n");
            for (name, c) in &self.submodules {
                let cells: Vec<String> = c.cells.iter().map(|(k, v)| format!("{k} {v}")).collect();
                md.push_str(&format!(
                    "| `{name}` | {} | {:.0} | {:.0} | {} |\n",
                    c.instances,
                    c.lut4_equiv,
                    c.lut4_equiv * c.instances as f64,
                    cells.join(", ")
                ));
            }
        }
        if !self.utilization.is_empty() {
            md.push_str("\n## Device use (whole design)\n\n| resource | used | available | % |\n|---|---|---|---|\n");
            for (k, u) in &self.utilization {
                md.push_str(&format!(
                    "| {k} | {} | {} | {:.1} |\n",
                    u.used, u.available, u.percent
                ));
            }
        }
        md.push_str("\n## Definitions\n\n");
        for (k, v) in &self.definitions {
            md.push_str(&format!("- **{k}**: {v}\n"));
        }
        md.push_str("\n## Tools and steps\n\n| tool | version |\n|---|---|\n");
        for (k, v) in &self.tools {
            md.push_str(&format!("| {k} | {v} |\n"));
        }
        md.push_str("\n| step | seconds |\n|---|---|\n");
        for (k, v) in &self.steps {
            md.push_str(&format!("| {k} | {v:.2} |\n"));
        }
        md
    }
}
