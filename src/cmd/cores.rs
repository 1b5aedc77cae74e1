//! `lutforge cores`: every registered core with its parameters, their
//! defaults and limits, as text or as JSON for tools.

use anyhow::Result;
use clap::Args;
use lutforge_hdl::datapath::core::{ParamKind, Registry};

/// Arguments of `lutforge cores`.
#[derive(Debug, Args)]
pub struct CoresArgs {
    /// Print JSON (one object per core) instead of text
    #[arg(long)]
    pub json: bool,
}

/// The registry as JSON: name, description and each parameter's key, flag, help, kind, limits, default and sweep axis.
pub fn registry_json(registry: &Registry) -> serde_json::Value {
    let cores: Vec<serde_json::Value> = registry
        .cores()
        .map(|c| {
            let params: Vec<serde_json::Value> = c
                .specs()
                .iter()
                .map(|s| {
                    let (kind, limits) = match s.kind {
                        ParamKind::Int { min, max } => {
                            ("int", serde_json::json!({ "min": min, "max": max }))
                        }
                        ParamKind::Bool => ("bool", serde_json::Value::Null),
                        ParamKind::Choice(cs) => (
                            "choice",
                            cs.iter()
                                .map(|c| serde_json::json!({ "value": c.value, "help": c.help }))
                                .collect(),
                        ),
                        ParamKind::Text => ("text", serde_json::Value::Null),
                    };
                    serde_json::json!({
                        "key": s.key,
                        "flag": format!("--{}", s.flag()),
                        "help": s.help,
                        "kind": kind,
                        "limits": limits,
                        "default": s.default.text(),
                        "sweep_axis": s.axis.is_some(),
                    })
                })
                .collect();
            serde_json::json!({
                "name": c.name(),
                "description": c.description(),
                "params": params,
            })
        })
        .collect();
    serde_json::Value::Array(cores)
}

/// Prints the registry.
pub fn run(a: &CoresArgs, registry: &Registry) -> Result<()> {
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&registry_json(registry))?
        );
        return Ok(());
    }
    for (i, c) in registry.cores().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{}: {}", c.name(), c.description());
        let mut table =
            crate::table::Table::new(&["flag", "values", "default", "sweep", "meaning"]);
        for s in c.specs() {
            table.row(vec![
                format!("--{}", s.flag()),
                s.limits(),
                s.default.text().unwrap_or_else(|| "—".into()),
                if s.axis.is_some() { "axis" } else { "" }.into(),
                s.help.into(),
            ]);
        }
        print!("{}", table.render());
    }
    Ok(())
}
