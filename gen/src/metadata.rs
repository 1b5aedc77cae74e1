//! NAME.json: what a generated core is, in the form docs/spec/core-contract.md gives.

use lutforge_hdl::ir::{Dir, Module};
use serde::Serialize;

use crate::error::GenError;

/// Metadata of a generated core (docs/spec/core-contract.md: NAME.json).
#[derive(Serialize, Clone, Debug)]
pub struct CoreMetadata {
    /// Top module name (the core's NAME).
    pub top: String,
    /// Generator family, e.g. `ternary_gemv`.
    pub kind: String,
    /// Every generation parameter.
    pub params: serde_json::Value,
    /// Width of one result element.
    pub acc_bits: u32,
    /// Cycles from the edge that takes a run's last beat to the edge that offers its result.
    pub latency: u32,
    /// Beats taken per cycle when never stalled.
    pub throughput: f64,
    /// The top module's ports (see [`port_info`]).
    pub ports: Vec<PortInfo>,
    /// Version of lutforge that generated the core.
    pub lutforge_version: String,
    /// Version of the streaming core contract the core follows.
    pub contract_version: u32,
    /// Free-form, generator-specific facts.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One port of a core.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// Verilog name.
    pub name: String,
    /// `input` or `output`.
    pub direction: String,
    /// Total width of the port in bits.
    pub width: u64,
    /// Number of elements of a vector port (`None` for a scalar port).
    pub elements: Option<u64>,
    /// Width of one element of a vector port (`None` for a scalar port).
    pub element_width: Option<u32>,
    /// Whether the port (or each element of a vector port) is two's complement.
    pub signed: bool,
}

/// Port list of a module in the metadata's form.
pub fn port_info(top: &Module) -> Vec<PortInfo> {
    top.ports
        .iter()
        .map(|p| PortInfo {
            name: p.name.clone(),
            direction: match p.dir {
                Dir::Input => "input",
                Dir::Output => "output",
            }
            .into(),
            width: p.total_width(),
            elements: p.vector.then_some(p.signals.len() as u64),
            element_width: p.vector.then_some(p.elem.width),
            signed: p.elem.signed,
        })
        .collect()
}

/// NAME.json text (pretty, deterministic key order, trailing newline).
///
/// Fields keep their declaration order; keys inside `params` and `extra`
/// come out in the order of `serde_json`'s map (sorted by default).
pub fn render_metadata(meta: &CoreMetadata) -> Result<String, GenError> {
    if !meta.throughput.is_finite() {
        return Err(GenError::BadMetadata {
            field: "throughput",
            value: meta.throughput.to_string(),
        });
    }
    let mut text = serde_json::to_string_pretty(meta)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CoreMetadata {
        CoreMetadata {
            top: "core".into(),
            kind: "test".into(),
            params: serde_json::json!({ "n": 4, "a": "x" }),
            acc_bits: 20,
            latency: 3,
            throughput: 1.0,
            ports: vec![],
            lutforge_version: crate::LUTFORGE_VERSION.into(),
            contract_version: crate::CONTRACT_VERSION,
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn json_is_pretty_and_ends_with_a_newline() {
        let text = render_metadata(&meta()).unwrap();
        assert!(text.starts_with("{\n  \"top\": \"core\",\n  \"kind\": \"test\""));
        assert!(text.ends_with("}\n"));
        assert_eq!(text, render_metadata(&meta()).unwrap());
    }

    #[test]
    fn non_finite_throughput_is_refused() {
        let mut m = meta();
        m.throughput = f64::NAN;
        let e = render_metadata(&m).unwrap_err().to_string();
        assert!(e.contains("throughput") && e.contains("finite"), "{e}");
    }
}
