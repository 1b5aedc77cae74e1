//! `lutforge gen`: write a core's Verilog, metadata and FuseSoC core file.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::args::{CoreArgs, CoreKind};
use crate::cores::CoreSpec;

/// Arguments of `lutforge gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Core to generate
    #[arg(value_enum)]
    pub core: CoreKind,
    #[command(flatten)]
    pub params: CoreArgs,
    /// Output folder (created if missing) [default: build/NAME]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Generates the core and writes NAME.v, NAME.json and NAME.core.
pub fn run(args: &GenArgs) -> Result<()> {
    let spec = CoreSpec::resolve(args.core, &args.params)?;
    let core = spec.generate()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("build").join(&spec.common().name));
    let written =
        lutforge_gen::write_core(&out, &core.module, &spec.header(), &spec.metadata(&core))?;
    println!("{}", spec.describe(&core));
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}
