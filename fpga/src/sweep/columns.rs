//! The sweep table's columns, defined once: each point becomes a row of
//! cells, which the Markdown and CSV writers render their own way.

use serde_json::Value;

use super::SweepPoint;

/// One table cell, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// Free text (labels, names, parameters).
    Text(String),
    /// A count.
    Int(i64),
    /// A measurement; `digits` after the point in Markdown (None: as few as
    /// the value needs). Non-finite values count as missing.
    Float { value: f64, digits: Option<usize> },
    /// No value.
    Missing,
    /// Yes or no.
    Flag(bool),
}

/// A column: its Markdown header, its CSV header and whether it holds numbers.
pub(super) struct Column {
    pub markdown: &'static str,
    pub csv: &'static str,
    pub numeric: bool,
}

const fn col(markdown: &'static str, csv: &'static str, numeric: bool) -> Column {
    Column {
        markdown,
        csv,
        numeric,
    }
}

/// Every column, in order.
pub(super) const COLUMNS: [Column; 17] = [
    col("point", "label", false),
    col("kind", "kind", false),
    col("target", "target", false),
    col("M", "m", true),
    col("N", "n", true),
    col("K", "k", true),
    col("A", "act_bits", true),
    col("W", "w", false),
    col("LUT4-eq", "lut4_equiv", true),
    col("logic cells (iCE40)", "logic_cells", true),
    col("DSP", "dsp", true),
    col("FF", "ff", true),
    col("Fmax MHz", "fmax_mhz", true),
    col("MACs/cycle", "macs_per_cycle", true),
    col("GOPS", "gops", true),
    col("GOPS/kLUT4", "gops_per_klut4", true),
    col("Pareto", "pareto", false),
];

/// The cells of one point, one per column of [`COLUMNS`].
pub(super) fn row(point: &SweepPoint, on_front: bool) -> [Cell; 17] {
    let r = &point.report;
    let float = |value: f64, digits: Option<usize>| Cell::Float { value, digits };
    let opt_float =
        |value: Option<f64>, digits: usize| value.map_or(Cell::Missing, |v| float(v, Some(digits)));
    [
        Cell::Text(point.label.clone()),
        Cell::Text(r.kind.clone()),
        Cell::Text(r.target.clone()),
        param(&r.params, "m"),
        param(&r.params, "n"),
        param(&r.params, "k"),
        param(&r.params, "act_bits"),
        weight_format(&r.params),
        float(r.lut4_equiv, Some(0)),
        r.logic_cells.map_or(Cell::Missing, Cell::Int),
        Cell::Int(count(&r.resources, is_dsp)),
        Cell::Int(count(&r.resources, is_flip_flop)),
        opt_float(r.fmax_mhz, 1),
        float(r.macs_per_cycle, None),
        opt_float(r.gops, 2),
        opt_float(r.gops_per_klut4, 2),
        Cell::Flag(on_front),
    ]
}

/// Whether a cell type is a hard multiplier or DSP block.
pub(super) fn is_dsp(cell_type: &str) -> bool {
    let t = cell_type.to_ascii_uppercase();
    t.contains("MULT") || t.contains("MAC16") || t.contains("DSP")
}

/// Whether a cell type is a flip-flop: iCE40 `SB_DFF*`, generic `$_DFF*`,
/// ECP5 `TRELLIS_FF`, Xilinx `FDRE`/`FDSE`/`FDCE`/`FDPE`.
pub(super) fn is_flip_flop(cell_type: &str) -> bool {
    let t = cell_type.to_ascii_uppercase();
    t.contains("DFF")
        || t.ends_with("TRELLIS_FF")
        || matches!(t.as_str(), "FDRE" | "FDSE" | "FDCE" | "FDPE")
}

fn count(resources: &std::collections::BTreeMap<String, i64>, pick: fn(&str) -> bool) -> i64 {
    resources
        .iter()
        .filter(|(k, _)| pick(k))
        .map(|(_, v)| *v)
        .sum()
}

/// A generation parameter as text, or missing.
fn param(params: &Value, key: &str) -> Cell {
    params
        .get(key)
        .and_then(value_text)
        .map_or(Cell::Missing, Cell::Text)
}

/// `w_format` followed by `w_bits` (e.g. `int4`), whichever of them is there.
fn weight_format(params: &Value) -> Cell {
    let format = params.get("w_format").and_then(value_text);
    let bits = params.get("w_bits").and_then(value_text);
    match (format, bits) {
        (None, None) => Cell::Missing,
        (f, b) => Cell::Text(format!(
            "{}{}",
            f.unwrap_or_default(),
            b.unwrap_or_default()
        )),
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_types_are_classified() {
        for dsp in ["SB_MAC16", "MULT18X18D", "DSP48E1", "ALU54A_MULT"] {
            assert!(is_dsp(dsp), "{dsp}");
        }
        for ff in ["SB_DFF", "SB_DFFESR", "TRELLIS_FF", "FDRE", "$_DFF_P_"] {
            assert!(is_flip_flop(ff), "{ff}");
        }
        for neither in ["SB_LUT4", "LUT4", "CCU2C", "SB_CARRY", "FDXX"] {
            assert!(!is_dsp(neither) && !is_flip_flop(neither), "{neither}");
        }
    }

    #[test]
    fn weight_format_joins_format_and_bits() {
        let p = serde_json::json!({"w_format": "int", "w_bits": 4});
        assert_eq!(weight_format(&p), Cell::Text("int4".into()));
        let p = serde_json::json!({"w_format": "ternary"});
        assert_eq!(weight_format(&p), Cell::Text("ternary".into()));
        assert_eq!(weight_format(&serde_json::json!({})), Cell::Missing);
    }
}
