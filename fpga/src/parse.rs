//! Reading what Yosys (`stat -json`) and nextpnr (`--report`) write.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::report::{CriticalPath, Utilization};

/// Cell counts of a Yosys `stat -json` file, and whether the design was one flat module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YosysStat {
    /// Cell type → count over the whole design.
    pub cells: BTreeMap<String, u64>,
    /// True when only one module is left (the hierarchy was flattened).
    pub flat: bool,
}

/// Parses `stat -json` text; `top` names the top module.
pub fn yosys_stat(text: &str, top: &str) -> Result<YosysStat, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let modules = v
        .get("modules")
        .and_then(Value::as_object)
        .ok_or("no `modules` object")?;
    let flat = modules.len() <= 1;
    let scope = match v.get("design") {
        Some(d) if !flat => d,
        _ => modules
            .get(&format!("\\{top}"))
            .or_else(|| modules.values().next())
            .ok_or_else(|| format!("no module `{top}`"))?,
    };
    let by_type = scope
        .get("num_cells_by_type")
        .and_then(Value::as_object)
        .ok_or("no `num_cells_by_type`")?;
    let cells = by_type
        .iter()
        .map(|(k, n)| {
            n.as_u64()
                .map(|n| (k.trim_start_matches('\\').to_string(), n))
                .ok_or(format!("count of `{k}` is not a number"))
        })
        .collect::<Result<_, String>>()?;
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

/// Parses nextpnr's `--report` JSON.
pub fn nextpnr_report(text: &str) -> Result<PnrReport, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let fmax = v
        .get("fmax")
        .and_then(Value::as_object)
        .ok_or("no `fmax` object")?;
    let clock = fmax
        .values()
        .next()
        .ok_or("no clock in `fmax` (is the design clocked?)")?;
    let num = |o: &Value, k: &str| {
        o.get(k)
            .and_then(Value::as_f64)
            .ok_or(format!("no number `{k}`"))
    };
    let utilization = v
        .get("utilization")
        .and_then(Value::as_object)
        .ok_or("no `utilization` object")?
        .iter()
        .map(|(k, u)| {
            let used = num(u, "used")? as u64;
            let available = num(u, "available")? as u64;
            let percent = if available == 0 {
                0.0
            } else {
                100.0 * used as f64 / available as f64
            };
            Ok((
                k.clone(),
                Utilization {
                    used,
                    available,
                    percent,
                },
            ))
        })
        .collect::<Result<_, String>>()?;
    let critical_path = v
        .get("critical_paths")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|p| {
            let steps = p.get("path")?.as_array()?;
            let cell = |s: &Value, end: &str| s.get(end)?.get("cell")?.as_str().map(String::from);
            Some(CriticalPath {
                from: cell(steps.first()?, "from")?,
                to: cell(steps.last()?, "to")?,
                delay_ns: steps.iter().filter_map(|s| s.get("delay")?.as_f64()).sum(),
                steps: steps.len(),
            })
        });
    Ok(PnrReport {
        fmax_mhz: num(clock, "achieved")?,
        constraint_mhz: num(clock, "constraint")?,
        utilization,
        critical_path,
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
            nextpnr_report(r#"{"fmax":{}}"#)
                .unwrap_err()
                .contains("no clock")
        );
        assert!(
            yosys_stat(r#"{"x":1}"#, "t")
                .unwrap_err()
                .contains("modules")
        );
    }
}
