//! Hand-made sweep points for the unit tests: every report field filled.

use std::collections::BTreeMap;

use serde_json::json;

use super::SweepPoint;
use crate::report::{CriticalPath, Report, Utilization};

/// A point of `kind` on `target` with `area` LUT4-equivalents and, when
/// `gops` is given, the Fmax that gives it at 16 MACs per cycle.
pub(super) fn point(
    label: &str,
    kind: &str,
    target: &str,
    area: f64,
    gops: Option<f64>,
) -> SweepPoint {
    let macs_per_cycle = 16.0;
    let fmax_mhz = gops.map(|g| g * 1000.0 / (2.0 * macs_per_cycle));
    let ice40 = target.starts_with("ice40");
    let resources: BTreeMap<String, i64> = if ice40 {
        [
            ("SB_LUT4", 300),
            ("SB_DFFE", 120),
            ("SB_DFF", 8),
            ("SB_MAC16", 2),
            ("SB_CARRY", 40),
        ]
    } else {
        [
            ("LUT4", 300),
            ("TRELLIS_FF", 128),
            ("MULT18X18D", 3),
            ("CCU2C", 20),
            ("PFUMX", 4),
        ]
    }
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let unsigned = |m: &BTreeMap<String, i64>| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.unsigned_abs()))
            .collect()
    };
    let report = Report {
        core: "mac_gemv".into(),
        kind: kind.into(),
        params: json!({"m": 1, "n": 4, "k": 16, "act_bits": 8, "w_format": "int", "w_bits": 4, "max_beats": 8}),
        target: target.into(),
        device: "a device".into(),
        fmax_mhz,
        fmax_constraint_mhz: 100.0,
        resources_total: unsigned(&resources),
        resources_harness: BTreeMap::new(),
        resources_out_of_context: unsigned(&resources),
        resources,
        lut4_equiv: area,
        logic_cells: ice40.then_some(350),
        utilization: [(
            "LUT4".to_string(),
            Utilization {
                used: 500,
                available: 24288,
                percent: 2.06,
            },
        )]
        .into(),
        macs_per_cycle,
        gops,
        gops_per_klut4: gops.map(|g| g * 1000.0 / area),
        critical_path: fmax_mhz.map(|f| CriticalPath {
            from: "a".into(),
            to: "b".into(),
            delay_ns: 1000.0 / f,
            steps: 12,
        }),
        flattened: true,
        tools: [("yosys".to_string(), "0.9".to_string())].into(),
        steps: [("synth".to_string(), 1.5)].into(),
        bitstream: fmax_mhz.map(|_| "core.bit".to_string()),
        definitions: [("gops".to_string(), "2 · MACs/cycle · Fmax".to_string())].into(),
        submodules: BTreeMap::new(),
        linear: None,
        dsp: None,
        picked: BTreeMap::new(),
    };
    SweepPoint {
        label: label.into(),
        report,
    }
}
