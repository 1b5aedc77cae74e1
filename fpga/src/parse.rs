//! Reading what Yosys (`stat -json`) and nextpnr (`--report`, and its log
//! when placement fails) write.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::report::{CriticalPath, Utilization};

/// Cell counts of a Yosys `stat -json` file, and whether the design was one flat module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YosysStat {
    /// Cell type → count over the whole design.
    pub cells: BTreeMap<String, u64>,
    /// True when only one module is left (the hierarchy was flattened).
    pub flat: bool,
}

/// The part of a Yosys `stat -json` file lutforge reads.
#[derive(Debug, Deserialize)]
struct StatFile {
    /// Module name (with Yosys' leading `\`) → its statistics.
    modules: BTreeMap<String, StatScope>,
    /// The statistics of the whole design (written when there is a top module).
    design: Option<StatScope>,
}

/// The statistics of one module or of the whole design.
#[derive(Debug, Deserialize)]
struct StatScope {
    /// Cell type → count.
    num_cells_by_type: Option<BTreeMap<String, u64>>,
}

/// Parses `stat -json` text; `top` names the top module.
pub fn yosys_stat(text: &str, top: &str) -> Result<YosysStat, String> {
    let file: StatFile = from_json(text, "a Yosys `stat -json` file")?;
    let flat = file.modules.len() <= 1;
    let scope = match &file.design {
        Some(d) if !flat => d,
        _ => file
            .modules
            .get(&format!("\\{top}"))
            .or_else(|| file.modules.values().next())
            .ok_or_else(|| format!("no module `{top}`"))?,
    };
    let cells = scope
        .num_cells_by_type
        .as_ref()
        .ok_or("no `num_cells_by_type`")?
        .iter()
        .map(|(k, &n)| (k.trim_start_matches('\\').to_string(), n))
        .collect();
    Ok(YosysStat { cells, flat })
}

/// What nextpnr's `--report` JSON says.
#[derive(Debug, Clone, PartialEq)]
pub struct PnrReport {
    /// Achieved Fmax of the (one) clock, MHz.
    pub fmax_mhz: f64,
    /// The constraint nextpnr used, MHz.
    pub constraint_mhz: f64,
    /// Resource → use.
    pub utilization: BTreeMap<String, Utilization>,
    /// The first critical path listed.
    pub critical_path: Option<CriticalPath>,
}

/// The part of nextpnr's `--report` JSON lutforge reads.
#[derive(Debug, Deserialize)]
struct ReportFile {
    /// Clock net → its timing.
    fmax: BTreeMap<String, ClockTiming>,
    /// Resource (BEL type) → its use.
    utilization: BTreeMap<String, ResourceUse>,
    /// The critical paths, worst first.
    #[serde(default)]
    critical_paths: Vec<ReportPath>,
}

/// The timing of one clock.
#[derive(Debug, Deserialize)]
struct ClockTiming {
    /// Achieved Fmax, MHz.
    achieved: f64,
    /// The constraint, MHz.
    constraint: f64,
}

/// How much of one resource the design uses.
#[derive(Debug, Deserialize)]
struct ResourceUse {
    /// Used by the design.
    used: u64,
    /// On the device.
    available: u64,
}

/// One critical path.
#[derive(Debug, Deserialize)]
struct ReportPath {
    /// Its steps, from the launching cell to the capturing one.
    #[serde(default)]
    path: Vec<PathStep>,
}

/// One step of a critical path.
#[derive(Debug, Deserialize)]
struct PathStep {
    /// Delay of the step, ns.
    delay: Option<f64>,
    /// Where the step starts.
    from: Option<PathEnd>,
    /// Where the step ends.
    to: Option<PathEnd>,
}

/// One end of a path step.
#[derive(Debug, Deserialize)]
struct PathEnd {
    /// The cell.
    cell: Option<String>,
}

/// Parses nextpnr's `--report` JSON.
pub fn nextpnr_report(text: &str) -> Result<PnrReport, String> {
    let file: ReportFile = from_json(text, "a nextpnr report")?;
    let clock = file
        .fmax
        .values()
        .next()
        .ok_or("no clock in `fmax` (is the design clocked?)")?;
    let utilization = file
        .utilization
        .iter()
        .map(|(k, u)| {
            let percent = if u.available == 0 {
                0.0
            } else {
                100.0 * u.used as f64 / u.available as f64
            };
            (
                k.clone(),
                Utilization {
                    used: u.used,
                    available: u.available,
                    percent,
                },
            )
        })
        .collect();
    let critical_path = file.critical_paths.first().and_then(|p| {
        let steps = &p.path;
        let cell = |end: &Option<PathEnd>| end.as_ref()?.cell.clone();
        Some(CriticalPath {
            from: cell(&steps.first()?.from)?,
            to: cell(&steps.last()?.to)?,
            delay_ns: steps.iter().filter_map(|s| s.delay).sum(),
            steps: steps.len(),
        })
    });
    Ok(PnrReport {
        fmax_mhz: clock.achieved,
        constraint_mhz: clock.constraint,
        utilization,
        critical_path,
    })
}

/// A resource nextpnr found the design to need more of than the device has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overuse {
    /// The resource (BEL type), e.g. `ICESTORM_LC`.
    pub resource: String,
    /// How many the design needs.
    pub need: u64,
    /// How many the device has.
    pub have: u64,
}

/// The first over-used resource in the `Device utilisation` table of a
/// nextpnr log (`Info:   ICESTORM_LC:  6002/ 5280   113%`), if any.
pub fn overused_resource(log: &str) -> Option<Overuse> {
    log.lines().find_map(|line| {
        let row = line.trim().strip_prefix("Info:")?.trim();
        let (resource, counts) = row.split_once(':')?;
        let counts = counts.trim().strip_suffix('%')?;
        let (need, rest) = counts.split_once('/')?;
        let have = rest.split_whitespace().next()?;
        let (need, have) = (need.trim().parse().ok()?, have.parse().ok()?);
        let named = !resource.is_empty() && !resource.contains(char::is_whitespace);
        (named && need > have).then(|| Overuse {
            resource: resource.into(),
            need,
            have,
        })
    })
}

/// Deserializes `text`, saying whether it is not JSON at all or JSON of the wrong shape.
fn from_json<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            format!("not {what}: {e}")
        } else {
            format!("not JSON: {e}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stat_and_report() {
        let stat = r#"{"creator":"Yosys","modules":{"\\top":{"num_cells":3,"num_cells_by_type":{"SB_LUT4":2,"SB_DFF":1}}}}"#;
        let s = yosys_stat(stat, "top").unwrap();
        assert!(s.flat);
        assert_eq!(s.cells["SB_LUT4"], 2);
        let rep = r#"{"fmax":{"clk":{"achieved":57.5,"constraint":12}},"utilization":{"ICESTORM_LC":{"available":5280,"used":528}},
            "critical_paths":[{"from":"a","to":"b","path":[{"delay":1.5,"from":{"cell":"x"},"to":{"cell":"y"}},{"delay":2.0,"from":{"cell":"y"},"to":{"cell":"z"}}]}]}"#;
        let r = nextpnr_report(rep).unwrap();
        assert_eq!((r.fmax_mhz, r.constraint_mhz), (57.5, 12.0));
        assert_eq!(r.utilization["ICESTORM_LC"].percent, 10.0);
        let cp = r.critical_path.unwrap();
        assert_eq!(
            (cp.from.as_str(), cp.to.as_str(), cp.delay_ns, cp.steps),
            ("x", "z", 3.5, 2)
        );
        assert!(nextpnr_report("{").unwrap_err().contains("not JSON"));
        assert!(
            nextpnr_report(r#"{"fmax":{},"utilization":{}}"#)
                .unwrap_err()
                .contains("no clock")
        );
        assert!(
            nextpnr_report(r#"{"fmax":{}}"#)
                .unwrap_err()
                .contains("utilization")
        );
        assert!(
            yosys_stat(r#"{"x":1}"#, "t")
                .unwrap_err()
                .contains("modules")
        );
        assert!(
            yosys_stat(
                r#"{"modules":{"\\t":{"num_cells_by_type":{"SB_LUT4":"two"}}}}"#,
                "t"
            )
            .unwrap_err()
            .starts_with("not a Yosys `stat -json` file")
        );
    }

    /// Yosys 0.23 `stat -json` after `synth_ice40` of a 4-bit counter.
    const STAT_FLAT: &str = include_str!("../tests/data/yosys_stat_flat.json");
    /// The same counter with its incrementer kept as a submodule (`-noflatten`).
    const STAT_HIERARCHY: &str = include_str!("../tests/data/yosys_stat_hierarchy.json");
    /// nextpnr-ice40's `--report` for the flat counter on an UP5K.
    const REPORT: &str = include_str!("../tests/data/nextpnr_ice40_report.json");
    /// nextpnr-ice40's log for 6 000 flip-flops on an UP5K.
    const DOES_NOT_FIT: &str = include_str!("../tests/data/nextpnr_ice40_does_not_fit.log");

    fn cells(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|&(k, n)| (k.to_string(), n)).collect()
    }

    #[test]
    fn reads_a_real_flat_yosys_stat() {
        let s = yosys_stat(STAT_FLAT, "counter").unwrap();
        assert!(s.flat);
        assert_eq!(
            s.cells,
            cells(&[("SB_CARRY", 2), ("SB_DFFSR", 4), ("SB_LUT4", 4)])
        );
    }

    #[test]
    fn reads_the_whole_design_of_a_real_hierarchical_yosys_stat() {
        let s = yosys_stat(STAT_HIERARCHY, "counter").unwrap();
        assert!(!s.flat);
        assert_eq!(
            s.cells,
            cells(&[("SB_CARRY", 2), ("SB_DFFSR", 4), ("SB_LUT4", 4)])
        );
    }

    #[test]
    fn reads_a_real_nextpnr_report() {
        let r = nextpnr_report(REPORT).unwrap();
        assert_eq!(r.constraint_mhz, 12.0);
        assert!((r.fmax_mhz - 170.4739).abs() < 1e-3, "{}", r.fmax_mhz);
        let lc = &r.utilization["ICESTORM_LC"];
        assert_eq!((lc.used, lc.available), (7, 5280));
        assert!((lc.percent - 100.0 * 7.0 / 5280.0).abs() < 1e-9);
        assert_eq!(r.utilization["SB_IO"].used, 6);
        assert_eq!(r.utilization.len(), 15);
        let cp = r.critical_path.unwrap();
        assert_eq!(cp.from, "$nextpnr_ICESTORM_LC_0");
        assert_eq!(cp.to, "n_SB_LUT4_O_1_LC");
        assert_eq!(cp.steps, 9);
        assert!((cp.delay_ns - 5.868).abs() < 1e-3, "{}", cp.delay_ns);
    }

    #[test]
    fn finds_the_overused_resource_in_a_nextpnr_log() {
        assert_eq!(
            overused_resource(DOES_NOT_FIT),
            Some(Overuse {
                resource: "ICESTORM_LC".into(),
                need: 6002,
                have: 5280,
            })
        );
        assert_eq!(
            overused_resource(
                "Info: \t ICESTORM_LC:     7/ 5280     0%\nInfo: Device utilisation:"
            ),
            None
        );
        assert_eq!(overused_resource("Info: Checksum: 0x593777fe"), None);
        assert_eq!(overused_resource(""), None);
    }
}
