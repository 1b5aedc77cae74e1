//! `lutforge gen`: write a core's Verilog, metadata and FuseSoC core file.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use lutforge_hdl::datapath::core::Registry;

use crate::cmd::linear::{LINEAR_KIND, LinearArgs};
use crate::cores::{describe, header, metadata};
use crate::params::CoreFlags;

/// Arguments of `lutforge gen` (the core's own flags come from the registry).
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Core to generate, or `linear` for the layer engine around one (`--datapath`)
    pub core: String,
    #[command(flatten)]
    pub linear: LinearArgs,
    /// Output folder (created if missing) [default: build/NAME]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Generates the core and writes NAME.v, NAME.json and NAME.core.
pub fn run(args: &GenArgs, registry: &Registry, flags: &CoreFlags) -> Result<()> {
    if args.core == LINEAR_KIND {
        return crate::cmd::linear::generate_engine(
            &args.linear,
            args.out.clone(),
            registry,
            flags,
        );
    }
    if let Some(flag) = args.linear.first_given() {
        bail!(
            "{flag} is a flag of `lutforge gen linear`, not of a core; use `lutforge gen linear --datapath {} …`",
            args.core
        );
    }
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
