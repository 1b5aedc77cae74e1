//! `lutforge`: generate, simulate, co-simulate and measure low-bit GEMM
//! cores. The command line is made from a [`Registry`] of cores, so a tool
//! or a test can run every command on cores of its own with [`main_with`].

mod cmd;
mod cores;
mod params;
mod progress;
mod table;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use lutforge_hdl::datapath::core::Registry;

pub use cmd::cores::registry_json;
pub use cmd::sweep::{Grid, parse_grid};
pub use params::CoreFlags;

/// RTL generator and open FPGA flow for low-bit LLM inference cores.
#[derive(Debug, Parser)]
#[command(name = "lutforge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a core: NAME.v, NAME.json (metadata) and NAME.core (FuseSoC)
    Gen(cmd::gen_core::GenArgs),
    /// Check a core on the Rust simulator against the golden model
    Sim(cmd::sim::SimArgs),
    /// Run the emitted Verilog in Icarus or Verilator beside the Rust simulator
    Cosim(cmd::cosim::CosimArgs),
    /// Run a real layer (weights from .safetensors/.npy) through a core: quantize, stream, check, dequantize
    RunLayer(cmd::layer::LayerArgs),
    /// Synthesize a core in its characterisation harness with Yosys and report its size
    Synth(cmd::flow::FlowArgs),
    /// Generate, verify, synthesize, place and route a core, pack the bitstream, and report size and Fmax
    Flow(cmd::flow::FlowArgs),
    /// Build a board (iCEBreaker, ULX3S) that runs a layer engine behind a UART: top.v, constraints, FuseSoC core, bitstream
    Board(cmd::board::BoardArgs),
    /// Run a layer on a board over its serial link (or on the simulated board, or the protocol's reference model): load, stream, check, report
    Host(cmd::host::HostArgs),
    /// Run a grid of cores × targets through the flow: tables, plots, cache, or Make/Slurm scripts
    Sweep(cmd::sweep::SweepArgs),
    /// Work with flow reports
    Report {
        #[command(subcommand)]
        what: ReportCommand,
    },
    /// Measure the Rust simulator against Verilator (results per second)
    Bench(cmd::bench::BenchArgs),
    /// List the registered cores with their parameters, defaults and limits
    Cores(cmd::cores::CoresArgs),
    /// List the external tools found, their versions, and how to install the rest
    Tools,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Join report.json files of flow runs into one sweep's tables and plots
    Merge(cmd::sweep::MergeArgs),
    /// Draw an error-against-area SVG (Pareto front marked) from a CSV of points
    ErrorArea(cmd::layer_mx_map::ErrorAreaArgs),
}

/// The subcommands that take one core and its parameters.
const CORE_COMMANDS: [&str; 5] = ["gen", "sim", "cosim", "synth", "flow"];

/// The command line with the registry's cores and their flags added.
fn command(registry: &Registry) -> clap::Command {
    let kinds: Vec<PossibleValue> = registry
        .cores()
        .map(|c| PossibleValue::new(c.name()).help(c.description()))
        .collect();
    let mut with_engine = kinds.clone();
    with_engine.push(
        PossibleValue::new(cmd::linear::LINEAR_KIND).help(
            "The layer engine y = W·x around a core (--datapath), docs/spec/linear-contract.md",
        ),
    );
    let kinds = PossibleValuesParser::new(kinds);
    let mut cli = Cli::command();
    for name in CORE_COMMANDS {
        cli = cli.mut_subcommand(name, |c| {
            let c = if name != "cosim" {
                c.mut_arg("core", |a| {
                    a.value_parser(PossibleValuesParser::new(with_engine.clone()))
                })
                .mut_arg("datapath", |a| a.value_parser(kinds.clone()))
            } else {
                c.mut_arg("core", |a| a.value_parser(kinds.clone()))
            };
            params::add_core_flags(c, registry)
        });
    }
    cli.mut_subcommand("board", |c| {
        params::add_core_flags(
            c.mut_arg("datapath", |a| a.value_parser(kinds.clone())),
            registry,
        )
    })
    .mut_subcommand("run-layer", |c| {
        params::add_core_flags(
            c.mut_arg("datapath", |a| a.value_parser(kinds.clone())),
            registry,
        )
    })
    .mut_subcommand("bench", |b| {
        b.mut_subcommand("sim", |c| {
            params::add_core_flags(
                c.mut_arg("datapath", |a| a.value_parser(kinds.clone())),
                registry,
            )
        })
    })
    .mut_subcommand("sweep", |c| {
        params::add_axis_flags(
            c.mut_arg("core", |a| a.value_parser(kinds.clone())),
            registry,
        )
    })
}

/// Runs the command line `args` (program name first) with the cores of
/// `registry`; prints one `error:` line and returns a failure on any error.
pub fn main_with<I, T>(registry: &Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command(registry).try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => return parse_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    let Some((name, sub)) = matches.subcommand() else {
        return ExitCode::FAILURE;
    };
    let flags = match name {
        "bench" => sub.subcommand().map(|(_, m)| m).unwrap_or(sub),
        _ => sub,
    };
    let core_flags = CoreFlags::from_matches(flags, registry);
    let result = match &cli.command {
        Command::Gen(a) => cmd::gen_core::run(a, registry, &core_flags),
        Command::Sim(a) => cmd::sim::run(a, registry, &core_flags),
        Command::Cosim(a) => cmd::cosim::run(a, registry, &core_flags),
        Command::RunLayer(a) => cmd::layer::run(a, registry, &core_flags),
        Command::Synth(a) => cmd::flow::run(a, registry, &core_flags, false),
        Command::Flow(a) => cmd::flow::run(a, registry, &core_flags, true),
        Command::Sweep(a) => cmd::sweep::run(a, registry, &params::axis_values(sub, registry)),
        Command::Report {
            what: ReportCommand::Merge(a),
        } => cmd::sweep::merge(a),
        Command::Report {
            what: ReportCommand::ErrorArea(a),
        } => cmd::layer_mx_map::run(a),
        Command::Bench(a) => cmd::bench::run(a, registry, &core_flags),
        Command::Cores(a) => cmd::cores::run(a, registry),
        Command::Board(a) => cmd::board::run(a, registry, &core_flags, &cmd::board::board_logic),
        Command::Host(a) => cmd::host::run(a),
        Command::Tools => cmd::tools::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            let mut line = chain.join(": ");
            line.retain(|c| c != '\n');
            eprintln!("error: {line}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version go out as clap writes them; a bad command line is
/// reported on one line, like every other error.
fn parse_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
    }
    let text = e.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect();
    eprintln!("error: {} (see --help)", parts.join(" "));
    ExitCode::from(2)
}
