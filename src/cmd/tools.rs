//! `lutforge tools`: which external tools are found, their versions, and how to install the rest.

use anyhow::Result;
use lutforge_tools::{Tool, find};

use crate::table::Table;

/// Prints the tool survey.
pub fn run() -> Result<()> {
    let mut t = Table::new(&["tool", "status", "version", "path / install command"]);
    let mut missing = 0;
    for tool in Tool::ALL {
        match find(tool) {
            Ok(f) => t.row(vec![
                tool.name().into(),
                if f.yowasp {
                    "found (YoWASP)".into()
                } else {
                    "found".into()
                },
                f.version.clone(),
                f.path.display().to_string(),
            ]),
            Err(e) => {
                missing += 1;
                t.row(vec![
                    tool.name().into(),
                    "MISSING".into(),
                    "-".into(),
                    e.tool.install_hint().into(),
                ]);
            }
        }
    }
    print!("{}", t.render());
    if missing > 0 {
        println!(
            "{missing} tool(s) missing: `lutforge cosim` needs iverilog or verilator; synthesis needs yosys and nextpnr."
        );
    } else {
        println!("all tools found.");
    }
    Ok(())
}
