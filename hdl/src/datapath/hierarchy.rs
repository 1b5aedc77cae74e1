//! The `hierarchy` parameter: whether a core's repeated structure (one
//! output column of ternary-gemv, say) is emitted as one module
//! instantiated N times, or flattened into the top module. Both forms are
//! cycle-identical; the simulator flattens either.

use serde::{Deserialize, Serialize};

use super::core::{Axis, Choice, Lit, ParamDefault, ParamKind, ParamSpec};

/// How repeated structure is emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hierarchy {
    /// One module per distinct repeated block, instantiated once per copy:
    /// the Verilog grows with the distinct blocks, not with N.
    Modules,
    /// Everything in the top module (the form before issue 13).
    Flat,
}

/// The hierarchy a core gets when none is given: the one line to change to
/// flip the default.
pub const DEFAULT_HIERARCHY: Hierarchy = Hierarchy::Modules;

impl Hierarchy {
    /// The name the CLI and metadata use.
    pub const fn name(self) -> &'static str {
        match self {
            Hierarchy::Modules => "modules",
            Hierarchy::Flat => "flat",
        }
    }
}

impl Default for Hierarchy {
    fn default() -> Self {
        DEFAULT_HIERARCHY
    }
}

const HIERARCHIES: &[Choice] = &[
    Choice {
        value: "modules",
        help: "one module per repeated block (a column), instantiated N times",
    },
    Choice {
        value: "flat",
        help: "everything in the top module",
    },
];

/// The `hierarchy` parameter of a core that has repeated structure (quiet
/// at its default, so the header of Verilog in the default form does not
/// change when the parameter appears).
pub fn hierarchy_spec() -> ParamSpec {
    ParamSpec {
        key: "hierarchy",
        help: "Emit repeated blocks as one module instantiated N times, or flat",
        kind: ParamKind::Choice(HIERARCHIES),
        default: ParamDefault::Quiet(Lit::Str(DEFAULT_HIERARCHY.name())),
        axis: Some(Axis::Named),
    }
}
