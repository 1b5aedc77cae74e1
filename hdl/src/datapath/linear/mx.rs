//! An `mx-dot` datapath in the engine (docs/spec/mx-contract.md, "In a
//! linear engine"): the unit layout its scales add to the activation and
//! weight streams, and the wrapped core the engine instantiates.

use super::super::core::{CoreParams, Design};
use super::super::mx::MxDotParams;
use super::super::mx::linear::{MxUnits, engine_core};
use super::super::{CoreError, GeneratedCore, ParamError};
use super::params::Checked;

/// The inner core's `mx-dot` parameters, `None` for any other core.
pub fn params(c: &Checked) -> Option<MxDotParams> {
    design_params(c.inner.as_ref())
}

fn design_params(inner: &dyn Design) -> Option<MxDotParams> {
    if inner.core() != MxDotParams::NAME {
        return None;
    }
    serde_json::from_value(serde_json::Value::Object(inner.params())).ok()
}

/// The unit layout of an `mx-dot` inner core, `None` for any other core.
pub fn units(c: &Checked) -> Option<MxUnits> {
    params(c).map(|p| MxUnits::of(&p))
}

/// The x-lanes one chunk fills: K, or an `mx-dot` tile's activation units (scales included).
pub fn chunk_lanes(inner: &dyn Design) -> usize {
    design_params(inner).map_or(inner.common().k, |p| MxUnits::of(&p).act_chunk())
}

/// The core the engine instantiates: `mx-dot` wrapped with its scale
/// units and flags, any other core as its registry builds it.
pub fn inner_core(c: &Checked) -> Result<GeneratedCore, CoreError> {
    if c.inner.core() != MxDotParams::NAME {
        return c.inner.generate();
    }
    let p = params(c).ok_or_else(|| {
        ParamError::new("parameters", MxDotParams::NAME, "do not read as mx-dot's")
    })?;
    engine_core(&p, c.params.in_features)
}
