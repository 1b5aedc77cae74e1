//! A core's parameters on the command line and in TOML configs, made from
//! the registry: every registered core's parameter table becomes flags
//! (`--act-bits 8`), config keys (`act_bits = 8`) and sweep axes
//! (`--act-bits 4,8`). A flag given on the command line wins over the
//! config file; unset parameters take the core's defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Arg, ArgAction, ArgMatches, Command};
use lutforge_hdl::datapath::core::{Design, ParamKind, ParamMap, ParamSpec, Registry};

/// The clap id of a parameter's flag (kept apart from the commands' own flags).
fn id(key: &str) -> String {
    format!("param:{key}")
}

/// One parameter key as the union of every core that has it.
struct Merged {
    spec: ParamSpec,
    owners: Vec<&'static str>,
    defaults: Vec<(&'static str, String)>,
    choices: Vec<PossibleValue>,
}

/// Every parameter key of every registered core, in first-seen order.
fn merged(registry: &Registry, axes_only: bool) -> Vec<Merged> {
    let mut out: Vec<Merged> = Vec::new();
    for core in registry.cores() {
        for s in core.specs() {
            if axes_only && s.axis.is_none() {
                continue;
            }
            let i = match out.iter().position(|m| m.spec.key == s.key) {
                Some(i) => i,
                None => {
                    out.push(Merged {
                        spec: s,
                        owners: Vec::new(),
                        defaults: Vec::new(),
                        choices: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let m = &mut out[i];
            m.owners.push(core.name());
            if let Some(d) = s.default.text() {
                m.defaults.push((core.name(), d));
            }
            if let ParamKind::Choice(cs) = s.kind {
                for c in cs {
                    if !m.choices.iter().any(|p| p.get_name() == c.value) {
                        m.choices.push(PossibleValue::new(c.value).help(c.help));
                    }
                }
            }
        }
    }
    out
}

impl Merged {
    fn help(&self, all: usize) -> String {
        let owners = if self.owners.len() == all {
            String::new()
        } else {
            format!("{}: ", self.owners.join(", "))
        };
        let limits = match self.spec.kind {
            ParamKind::Int { .. } => format!(", {}", self.spec.limits()),
            _ => String::new(),
        };
        let default = match self.defaults.as_slice() {
            [] => String::new(),
            [(_, d), rest @ ..] if rest.iter().all(|(_, r)| r == d) => format!(" [default: {d}]"),
            many => format!(
                " [default: {}]",
                many.iter()
                    .map(|(c, d)| format!("{d} for {c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!("{owners}{}{limits}{default}", self.spec.help)
    }
}

/// `cmd` with a flag for every parameter of every registered core and `--config`.
pub fn add_core_flags(cmd: Command, registry: &Registry) -> Command {
    let all = registry.cores().count();
    let mut cmd = cmd.arg(
        Arg::new(id("config"))
            .long("config")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("TOML file holding any of these settings (snake_case keys, e.g. `act_bits = 8`)"),
    );
    for m in merged(registry, false) {
        let arg = Arg::new(id(m.spec.key))
            .long(m.spec.flag())
            .help(m.help(all));
        cmd = cmd.arg(match m.spec.kind {
            ParamKind::Int { .. } => arg
                .value_parser(clap::value_parser!(u64))
                .allow_hyphen_values(true),
            ParamKind::Bool => arg
                .value_parser(clap::value_parser!(bool))
                .num_args(0..=1)
                .default_missing_value("true")
                .value_name("BOOL"),
            ParamKind::Choice(_) => arg.value_parser(PossibleValuesParser::new(m.choices)),
            ParamKind::Text => arg,
        });
    }
    cmd
}

/// `cmd` with a comma-separated list flag for every sweep axis of every registered core.
pub fn add_axis_flags(cmd: Command, registry: &Registry) -> Command {
    let all = registry.cores().count();
    let mut cmd = cmd;
    for m in merged(registry, true) {
        let arg = Arg::new(id(m.spec.key))
            .long(m.spec.flag())
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help(format!("Values of: {}", m.help(all)));
        cmd = cmd.arg(match m.spec.kind {
            ParamKind::Int { .. } => arg.value_parser(clap::value_parser!(u64)),
            ParamKind::Bool => arg
                .value_parser(clap::value_parser!(bool))
                .value_name("BOOLS"),
            ParamKind::Choice(_) => arg.value_parser(PossibleValuesParser::new(m.choices)),
            ParamKind::Text => arg,
        });
    }
    cmd
}

/// Core parameters as a command gave them: its flags, and the config file they sit over.
#[derive(Debug, Clone, Default)]
pub struct CoreFlags {
    /// Values given as flags, by key.
    pub given: ParamMap,
    /// The `--config` TOML file.
    pub config: Option<PathBuf>,
}

fn json_of(matches: &ArgMatches, key: &str, kind: ParamKind) -> Vec<serde_json::Value> {
    let id = id(key);
    let got = |m: &ArgMatches| -> Option<Vec<serde_json::Value>> {
        Some(match kind {
            ParamKind::Int { .. } => m
                .try_get_many::<u64>(&id)
                .ok()??
                .map(|v| (*v).into())
                .collect(),
            ParamKind::Bool => m
                .try_get_many::<bool>(&id)
                .ok()??
                .map(|v| (*v).into())
                .collect(),
            ParamKind::Choice(_) | ParamKind::Text => m
                .try_get_many::<String>(&id)
                .ok()??
                .map(|v| v.clone().into())
                .collect(),
        })
    };
    got(matches).unwrap_or_default()
}

impl CoreFlags {
    /// Reads the flags [`add_core_flags`] added.
    pub fn from_matches(matches: &ArgMatches, registry: &Registry) -> CoreFlags {
        let mut given = ParamMap::new();
        for m in merged(registry, false) {
            if let Some(v) = json_of(matches, m.spec.key, m.spec.kind).pop() {
                given.insert(m.spec.key.to_string(), v);
            }
        }
        CoreFlags {
            given,
            config: matches
                .try_get_one::<PathBuf>(&id("config"))
                .ok()
                .flatten()
                .cloned(),
        }
    }

    /// These flags over the config file's values, checked against `core`'s
    /// parameter table: the values a design is made from.
    pub fn values(&self, registry: &Registry, core: &str) -> Result<ParamMap> {
        let mut values = match &self.config {
            Some(path) => {
                let file = read_config(path, registry)?;
                if let Some(kind) = &file.core
                    && kind != core
                {
                    bail!(
                        "config `{}` is for {kind}, not {core}; use `lutforge … {kind}` or another config",
                        path.display()
                    );
                }
                file.values
            }
            None => ParamMap::new(),
        };
        for (k, v) in &self.given {
            values.insert(k.clone(), v.clone());
        }
        check_owner(registry, core, &values)?;
        Ok(values)
    }

    /// The design these flags make for `core`.
    pub fn design(&self, registry: &Registry, core: &str) -> Result<Arc<dyn Design>> {
        let values = self.values(registry, core)?;
        design(registry, core, &values)
    }
}

/// The design `values` make for `core`: defaults filled in, validated.
pub fn design(registry: &Registry, core: &str, values: &ParamMap) -> Result<Arc<dyn Design>> {
    let c = registry.get(core).ok_or_else(|| {
        anyhow!(
            "unknown core `{core}`; the registered cores are {}",
            registry.names()
        )
    })?;
    check_owner(registry, core, values)?;
    for s in c.specs() {
        if let (ParamKind::Int { .. }, Some(v)) =
            (s.kind, values.get(s.key).and_then(|v| v.as_u64()))
            && v > u64::from(u32::MAX)
        {
            bail!("{} = {v} is invalid: too large", s.flag());
        }
    }
    Ok(c.design(values)?)
}

/// Refuses a parameter that `core` does not have, naming the cores that do.
fn check_owner(registry: &Registry, core: &str, values: &ParamMap) -> Result<()> {
    let Some(c) = registry.get(core) else {
        return Ok(());
    };
    let specs = c.specs();
    for key in values.keys() {
        if specs.iter().any(|s| s.key == key) {
            continue;
        }
        let owners: Vec<&str> = registry
            .cores()
            .filter(|o| o.specs().iter().any(|s| s.key == key))
            .map(|o| o.name())
            .collect();
        let flag = key.replace('_', "-");
        if owners.is_empty() {
            bail!("{core} has no parameter `{key}`; `lutforge cores` lists each core's parameters");
        }
        bail!(
            "--{flag} does not apply to {core}; it is a {} option",
            owners.join(" and ")
        );
    }
    Ok(())
}

/// A config file's contents: the core kind it names, and its parameter values.
struct ConfigFile {
    core: Option<String>,
    values: ParamMap,
}

/// The line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

fn read_config(path: &Path, registry: &Registry) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config `{}`; check the path", path.display()))?;
    let where_ = |line: Option<usize>| line.map(|l| format!(" (line {l})")).unwrap_or_default();
    let table: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>> = toml::from_str(&text)
        .map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start));
            let msg = e
                .message()
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            anyhow!("config `{}`{}: {msg}", path.display(), where_(line))
        })?;
    let keys = merged(registry, false);
    let mut file = ConfigFile {
        core: None,
        values: ParamMap::new(),
    };
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let at = where_(Some(line_of(&text, key.span().start)));
        let (key, value) = (key.into_inner(), value.into_inner());
        let bad = |msg: String| anyhow!("config `{}`{at}: {msg}", path.display());
        if key == "core" {
            let name = value.as_str().ok_or_else(|| {
                bad(format!(
                    "invalid type: {}, expected a core name",
                    value.type_str()
                ))
            })?;
            if registry.get(name).is_none() {
                return Err(bad(format!(
                    "unknown variant `{name}` for `core`, expected one of {}",
                    registry.names()
                )));
            }
            file.core = Some(name.to_string());
            continue;
        }
        let Some(m) = keys.iter().find(|m| m.spec.key == key) else {
            let known: Vec<&str> = std::iter::once("core")
                .chain(keys.iter().map(|m| m.spec.key))
                .collect();
            return Err(bad(format!(
                "unknown field `{key}`, expected one of {}",
                known.join(", ")
            )));
        };
        let json = typed(&value, m.spec.kind, &m.choices).map_err(bad)?;
        file.values.insert(key, json);
    }
    Ok(file)
}

/// A TOML value as the JSON value of a parameter of `kind`, or why it is not one.
fn typed(
    value: &toml::Value,
    kind: ParamKind,
    choices: &[PossibleValue],
) -> Result<serde_json::Value, String> {
    let wrong = |want: &str| {
        format!(
            "invalid type: {} `{value}`, expected {want}",
            value.type_str()
        )
    };
    match (kind, value) {
        (ParamKind::Int { .. }, toml::Value::Integer(i)) => u64::try_from(*i)
            .map(Into::into)
            .map_err(|_| format!("invalid value: {i}, expected a count of at least 0")),
        (ParamKind::Int { .. }, _) => Err(wrong("an integer")),
        (ParamKind::Bool, toml::Value::Boolean(b)) => Ok((*b).into()),
        (ParamKind::Bool, _) => Err(wrong("a boolean")),
        (ParamKind::Choice(_), toml::Value::String(s)) => {
            if choices.iter().any(|c| c.get_name() == s) {
                Ok(s.clone().into())
            } else {
                let names: Vec<&str> = choices.iter().map(|c| c.get_name()).collect();
                Err(format!(
                    "unknown variant `{s}`, expected one of {}",
                    names.join(", ")
                ))
            }
        }
        (ParamKind::Choice(_), _) => Err(wrong("a string")),
        (ParamKind::Text, toml::Value::String(s)) => Ok(s.clone().into()),
        (ParamKind::Text, _) => Err(wrong("a string")),
    }
}

/// Sweep axes as a command gave them: a list of values per key.
pub fn axis_values(
    matches: &ArgMatches,
    registry: &Registry,
) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut out = BTreeMap::new();
    for m in merged(registry, true) {
        let v = json_of(matches, m.spec.key, m.spec.kind);
        if !v.is_empty() {
            out.insert(m.spec.key.to_string(), v);
        }
    }
    out
}

/// A sweep grid file's axis lists, typed against the registry (keys `core` and `target` excluded).
pub fn grid_axes(
    table: &toml::Table,
    registry: &Registry,
) -> Result<BTreeMap<String, Vec<serde_json::Value>>, String> {
    let keys = merged(registry, true);
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if key == "core" || key == "target" {
            continue;
        }
        let Some(m) = keys.iter().find(|m| m.spec.key == key) else {
            let known: Vec<&str> = ["core", "target"]
                .into_iter()
                .chain(keys.iter().map(|m| m.spec.key))
                .collect();
            return Err(format!(
                "unknown field `{key}`, expected one of {}",
                known.join(", ")
            ));
        };
        let list = value
            .as_array()
            .ok_or_else(|| format!("`{key}` must be a list, e.g. {key} = [..]"))?;
        let typed_list = list
            .iter()
            .map(|v| typed(v, m.spec.kind, &m.choices))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("`{key}`: {e}"))?;
        out.insert(key.clone(), typed_list);
    }
    Ok(out)
}
