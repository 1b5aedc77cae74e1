//! `lutforge gen`: write a core's Verilog, metadata and FuseSoC core file.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use lutforge_hdl::datapath::core::Registry;

use crate::cores::{describe, header, metadata};
use crate::params::CoreFlags;

/// Arguments of `lutforge gen` (the core's own flags come from the registry).
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Core to generate
    pub core: String,
    /// Output folder (created if missing) [default: build/NAME]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Generates the core and writes NAME.v, NAME.json and NAME.core.
pub fn run(args: &GenArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    let design = flags.design(registry, &args.core)?;
    let core = design.generate()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("build").join(&design.common().name));
    let written = lutforge_gen::write_core(
        &out,
        &core.module,
        &header(design.as_ref()),
        &metadata(design.as_ref(), &core),
    )?;
    println!("{}", describe(design.as_ref(), &core));
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}
