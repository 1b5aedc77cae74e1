//! The core registry: what a core states about itself, once, so that the
//! command line, the TOML configs, the sweep grid, the metadata, the golden
//! model's view and the tests all come from one description.
//!
//! A core is a [`CoreParams`] type (serde, validated, with a table of
//! [`ParamSpec`]s that documents every parameter) registered in a
//! [`Registry`]. [`Registry::builtin`] lists the cores lutforge ships; a
//! test or a downstream tool can add its own with [`Registry::register`].

use std::fmt::Debug;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::params::{CommonParams, DEFAULT_FLOW_CONTROL, WeightFormat, limits};
pub use super::ternary::WeightPacking;
use super::{CoreError, GeneratedCore, ParamError};

/// Parameter values by snake_case key, as JSON values (integers, booleans, strings).
pub type ParamMap = serde_json::Map<String, serde_json::Value>;

/// A literal value a parameter table can hold in a `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lit {
    /// An integer.
    Int(u64),
    /// A boolean.
    Bool(bool),
    /// A string (a choice's value or a name).
    Str(&'static str),
}

impl Lit {
    /// The literal as the command line spells it.
    pub fn text(self) -> String {
        match self {
            Lit::Int(v) => v.to_string(),
            Lit::Bool(v) => v.to_string(),
            Lit::Str(v) => v.to_string(),
        }
    }

    /// The literal as a JSON value.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Lit::Int(v) => v.into(),
            Lit::Bool(v) => v.into(),
            Lit::Str(v) => v.into(),
        }
    }
}

/// One value of a choice parameter and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The value as the command line and TOML spell it.
    pub value: &'static str,
    /// What choosing it does.
    pub help: &'static str,
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An integer; the limits are stated for help and checked by the core's validation.
    Int {
        /// Smallest valid value.
        min: u64,
        /// Largest valid value.
        max: u64,
    },
    /// `true` or `false`; a bare flag on the command line means `true`.
    Bool,
    /// One of a fixed set of names.
    Choice(&'static [Choice]),
    /// Free text (checked by the core's validation).
    Text,
}

/// A parameter's default: a fixed value, or one derived from the core's
/// name and the parameters before it in the table.
#[derive(Debug, Clone, Copy)]
pub enum ParamDefault {
    /// This value.
    Fixed(Lit),
    /// Computed by `rule` from the core's name and the values so far; `text` says how, for help.
    Derived {
        /// The rule as help text shows it.
        text: &'static str,
        /// The rule.
        rule: fn(core: &str, so_far: &ParamMap) -> serde_json::Value,
    },
    /// None: the parameter is off unless given.
    Unset,
    /// This value, and while the parameter has it, it is left out of
    /// [`Design::flags`] (the command line and the Verilog header): for a
    /// parameter added after Verilog was published, so that every design
    /// that does not use it keeps its header byte for byte.
    Quiet(Lit),
}

impl ParamDefault {
    /// The default as help text shows it, or `None` when there is none.
    pub fn text(&self) -> Option<String> {
        match self {
            ParamDefault::Fixed(l) | ParamDefault::Quiet(l) => Some(l.text()),
            ParamDefault::Derived { text, .. } => Some((*text).to_string()),
            ParamDefault::Unset => None,
        }
    }
}

/// One parameter of a core: its key, meaning, values, default and whether a sweep may vary it.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// snake_case key (TOML, metadata); the flag is the kebab-case form.
    pub key: &'static str,
    /// What the parameter sets, with its unit: the `--help` text.
    pub help: &'static str,
    /// The values it takes.
    pub kind: ParamKind,
    /// Its default.
    pub default: ParamDefault,
    /// How `lutforge sweep` varies it, or `None` when it is no grid axis.
    pub axis: Option<Axis>,
}

/// How a sweep grid axis shows in a point's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// An integer: the tag then the value (`k64`).
    Tagged(&'static str),
    /// A choice: its value (`lutram`).
    Named,
    /// A boolean: the word for true, the word for false (`serial`, `parallel`).
    Flag(&'static str, &'static str),
}

impl Axis {
    /// The part of a sweep point's name for `value`.
    pub fn label(self, value: &serde_json::Value) -> String {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match self {
            Axis::Tagged(tag) => format!("{tag}{text}"),
            Axis::Named => text,
            Axis::Flag(yes, no) => if value.as_bool() == Some(true) {
                yes
            } else {
                no
            }
            .to_string(),
        }
    }
}

impl ParamSpec {
    /// The command-line flag, without the dashes (`act-bits`).
    pub fn flag(&self) -> String {
        self.key.replace('_', "-")
    }

    /// The limits as help text shows them (`1..=4096`, `nneg|negate`, `true|false`).
    pub fn limits(&self) -> String {
        match self.kind {
            ParamKind::Int { min, max } => format!("{min}..={max}"),
            ParamKind::Bool => "true|false".into(),
            ParamKind::Choice(c) => c.iter().map(|c| c.value).collect::<Vec<_>>().join("|"),
            ParamKind::Text => "a Verilog identifier".into(),
        }
    }
}

/// A core's validated parameters: everything the commands need to know of
/// one core. Implement it (and register the type) to add a core.
pub trait CoreParams:
    Serialize + DeserializeOwned + Clone + Debug + PartialEq + Send + Sync + 'static
{
    /// The core's name as the CLI spells it (`ternary-gemv`).
    const NAME: &'static str;
    /// One line: what the core computes and how.
    const DESCRIPTION: &'static str;
    /// Every parameter, in the order the Verilog header and the command line list them.
    fn specs() -> Vec<ParamSpec>;
    /// Checks every limit; errors name the parameter, the value and the limit.
    fn check(&self) -> Result<(), ParamError>;
    /// Builds the core's IR.
    fn build(&self) -> Result<GeneratedCore, CoreError>;
    /// The shared parameters (shape, formats, run length, name).
    fn common(&self) -> &CommonParams;
    /// How `in_w` carries the weights.
    fn weight_packing(&self) -> WeightPacking {
        WeightPacking::Codes
    }
    /// Facts beyond the shape for the one-line description (`g=4`, `a beat every 9 cycles`).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// Extra metadata keys beside the contract's (`lut`: the table facts).
    fn metadata(&self) -> ParamMap {
        ParamMap::new()
    }
}

/// A core with validated parameters, whatever its type.
pub trait Design: Debug + Send + Sync {
    /// The core's name (`lut-gemm`).
    fn core(&self) -> &'static str;
    /// The shared parameters.
    fn common(&self) -> &CommonParams;
    /// Every parameter as typed JSON, keyed as the TOML and the metadata spell them.
    fn params(&self) -> ParamMap;
    /// Every parameter as (flag, value text), in the order of the core's
    /// table, less those at a [`ParamDefault::Quiet`] default.
    fn flags(&self) -> Vec<(String, String)>;
    /// Builds the core's IR.
    fn generate(&self) -> Result<GeneratedCore, CoreError>;
    /// How `in_w` carries the weights.
    fn weight_packing(&self) -> WeightPacking;
    /// Facts beyond the shape for the one-line description.
    fn notes(&self) -> Vec<String>;
    /// Extra metadata keys.
    fn metadata(&self) -> ParamMap;
}

impl<P: CoreParams> Design for P {
    fn core(&self) -> &'static str {
        P::NAME
    }
    fn common(&self) -> &CommonParams {
        CoreParams::common(self)
    }
    fn params(&self) -> ParamMap {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => ParamMap::new(),
        }
    }
    fn flags(&self) -> Vec<(String, String)> {
        let values = Design::params(self);
        P::specs()
            .iter()
            .filter_map(|s| {
                let value = values.get(s.key)?;
                if matches!(s.default, ParamDefault::Quiet(l) if l.to_json() == *value) {
                    return None;
                }
                let text = match value {
                    serde_json::Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                Some((s.flag(), text))
            })
            .collect()
    }
    fn generate(&self) -> Result<GeneratedCore, CoreError> {
        self.build()
    }
    fn weight_packing(&self) -> WeightPacking {
        CoreParams::weight_packing(self)
    }
    fn notes(&self) -> Vec<String> {
        CoreParams::notes(self)
    }
    fn metadata(&self) -> ParamMap {
        CoreParams::metadata(self)
    }
}

/// A registered core kind: its name, description and parameter table, and
/// how to turn parameter values into a [`Design`].
pub trait Core: Send + Sync {
    /// The name the CLI uses (`ternary-gemv`).
    fn name(&self) -> &'static str;
    /// One line: what the core computes and how.
    fn description(&self) -> &'static str;
    /// Every parameter, in order.
    fn specs(&self) -> Vec<ParamSpec>;
    /// Fills defaults into `values`, reads them into the core's parameters and validates them.
    fn design(&self, values: &ParamMap) -> Result<Arc<dyn Design>, CoreError>;
}

struct Registered<P>(std::marker::PhantomData<fn() -> P>);

impl<P: CoreParams> Core for Registered<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn description(&self) -> &'static str {
        P::DESCRIPTION
    }
    fn specs(&self) -> Vec<ParamSpec> {
        P::specs()
    }
    fn design(&self, values: &ParamMap) -> Result<Arc<dyn Design>, CoreError> {
        let specs = P::specs();
        if let Some(key) = values.keys().find(|k| !specs.iter().any(|s| s.key == *k)) {
            return Err(ParamError::new(
                "parameter",
                format!("`{key}`"),
                format!("{} has no such parameter (see `lutforge cores`)", P::NAME),
            )
            .into());
        }
        let filled = with_defaults(P::NAME, &specs, values);
        let p: P = serde_json::from_value(serde_json::Value::Object(filled))
            .map_err(|e| ParamError::new("parameters", P::NAME, format!("do not read: {e}")))?;
        p.check()?;
        Ok(Arc::new(p))
    }
}

/// `values` with every unset parameter's default filled in, in table order.
pub fn with_defaults(core: &str, specs: &[ParamSpec], values: &ParamMap) -> ParamMap {
    let mut out = ParamMap::new();
    for s in specs {
        let v = match (values.get(s.key), s.default) {
            (Some(v), _) => Some(v.clone()),
            (None, ParamDefault::Fixed(l) | ParamDefault::Quiet(l)) => Some(l.to_json()),
            (None, ParamDefault::Derived { rule, .. }) => Some(rule(core, &out)),
            (None, ParamDefault::Unset) => None,
        };
        if let Some(v) = v {
            out.insert(s.key.to_string(), v);
        }
    }
    out
}

/// Every registered core, in registration order.
#[derive(Clone)]
pub struct Registry {
    cores: Vec<Arc<dyn Core>>,
}

impl Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.cores.iter().map(|c| c.name()))
            .finish()
    }
}

impl Registry {
    /// A registry with no cores.
    pub fn empty() -> Registry {
        Registry { cores: Vec::new() }
    }

    /// The cores lutforge ships.
    pub fn builtin() -> Registry {
        Registry::empty()
            .register::<super::mac::MacGemvParams>()
            .register::<super::ternary::TernaryGemvParams>()
            .register::<super::lut::LutGemmParams>()
            .register::<super::mx::MxDotParams>()
    }

    /// This registry with the core whose parameters are `P` added (replacing one of the same name).
    pub fn register<P: CoreParams>(mut self) -> Registry {
        self.cores.retain(|c| c.name() != P::NAME);
        self.cores
            .push(Arc::new(Registered::<P>(std::marker::PhantomData)));
        self
    }

    /// The core named `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Core> {
        self.cores
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.as_ref())
    }

    /// Every core, in registration order.
    pub fn cores(&self) -> impl Iterator<Item = &dyn Core> {
        self.cores.iter().map(|c| c.as_ref())
    }

    /// The registered names, comma-separated, for error messages.
    pub fn names(&self) -> String {
        self.cores
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The weight formats of the core contract, as a choice.
pub const W_FORMATS: &[Choice] = &[
    Choice {
        value: "ternary",
        help: "2-bit codes 00→0, 01→+1, 11→−1, 10→0",
    },
    Choice {
        value: "binary",
        help: "1-bit codes 1→+1, 0→−1",
    },
    Choice {
        value: "int",
        help: "B-bit two's complement",
    },
];

fn default_name(core: &str, _: &ParamMap) -> serde_json::Value {
    core.replace('-', "_").into()
}

fn default_w_bits(_: &str, so_far: &ParamMap) -> serde_json::Value {
    serde_json::Value::from(match so_far.get("w_format").and_then(|v| v.as_str()) {
        Some("ternary") => 2,
        Some("binary") => 1,
        _ => 4u64,
    })
}

/// The parameter table of [`CommonParams`], with `w_format` defaulting to `default_format`.
pub fn common_specs(default_format: WeightFormat) -> Vec<ParamSpec> {
    let int = |min: usize, max: usize| ParamKind::Int {
        min: min as u64,
        max: max as u64,
    };
    vec![
        ParamSpec {
            key: "name",
            help: "Core name: the Verilog module and file base name",
            kind: ParamKind::Text,
            default: ParamDefault::Derived {
                text: "the core's name with `_` for `-`",
                rule: default_name,
            },
            axis: None,
        },
        ParamSpec {
            key: "m",
            help: "Activation rows per beat, M (1 for a GEMV)",
            kind: int(limits::M.0, limits::M.1),
            default: ParamDefault::Fixed(Lit::Int(1)),
            axis: Some(Axis::Tagged("m")),
        },
        ParamSpec {
            key: "n",
            help: "Output columns, N",
            kind: int(limits::N.0, limits::N.1),
            default: ParamDefault::Fixed(Lit::Int(4)),
            axis: Some(Axis::Tagged("n")),
        },
        ParamSpec {
            key: "k",
            help: "Dot-product terms per beat, K",
            kind: int(limits::K.0, limits::K.1),
            default: ParamDefault::Fixed(Lit::Int(16)),
            axis: Some(Axis::Tagged("k")),
        },
        ParamSpec {
            key: "act_bits",
            help: "Activation bits, A (signed)",
            kind: ParamKind::Int {
                min: limits::ACT_BITS.0 as u64,
                max: limits::ACT_BITS.1 as u64,
            },
            default: ParamDefault::Fixed(Lit::Int(8)),
            axis: Some(Axis::Tagged("a")),
        },
        ParamSpec {
            key: "w_format",
            help: "Weight format",
            kind: ParamKind::Choice(W_FORMATS),
            default: ParamDefault::Fixed(Lit::Str(default_format.name())),
            axis: Some(Axis::Named),
        },
        ParamSpec {
            key: "w_bits",
            help: "Weight bits, B (int: 2..8; fixed by ternary and binary)",
            kind: ParamKind::Int {
                min: 1,
                max: limits::INT_W_BITS.1 as u64,
            },
            default: ParamDefault::Derived {
                text: "2 for ternary, 1 for binary, 4 for int",
                rule: default_w_bits,
            },
            axis: Some(Axis::Tagged("w")),
        },
        ParamSpec {
            key: "max_beats",
            help: "Longest run of beats a result accumulates; sets the accumulator width",
            kind: ParamKind::Int {
                min: limits::MAX_BEATS.0,
                max: limits::MAX_BEATS.1,
            },
            default: ParamDefault::Fixed(Lit::Int(8)),
            axis: Some(Axis::Tagged("b")),
        },
        flow_control_spec(),
    ]
}

/// The `flow_control` choices.
pub const FLOW_CONTROLS: &[Choice] = &[
    Choice {
        value: "stall",
        help: "one pipeline enable, !out_valid | out_ready, on every data register",
    },
    Choice {
        value: "credit",
        help: "free-running pipeline, LUT-RAM result FIFO, in_ready from a credit count",
    },
];

/// The `flow_control` parameter every core has (quiet at its default, so
/// that Verilog published before it stays byte-identical).
pub fn flow_control_spec() -> ParamSpec {
    ParamSpec {
        key: "flow_control",
        help: "How the pipeline answers back-pressure",
        kind: ParamKind::Choice(FLOW_CONTROLS),
        default: ParamDefault::Quiet(Lit::Str(DEFAULT_FLOW_CONTROL.name())),
        axis: Some(Axis::Named),
    }
}

/// The `stage_levels` parameter every adder-tree core has.
pub fn stage_levels_spec(default: u32) -> ParamSpec {
    ParamSpec {
        key: "stage_levels",
        help: "Adder-tree levels per register stage",
        kind: ParamKind::Int { min: 1, max: 8 },
        default: ParamDefault::Fixed(Lit::Int(default as u64)),
        axis: Some(Axis::Tagged("s")),
    }
}
