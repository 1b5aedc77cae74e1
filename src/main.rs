//! `lutforge`: generate, simulate and co-simulate low-bit GEMM cores.

mod args;
mod cmd;
mod cores;
mod progress;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Run a real layer (weights from .safetensors/.npy) through a ternary core: quantize, stream, check, dequantize
    RunLayer(cmd::layer::LayerArgs),
    /// Synthesize a core in its characterisation harness with Yosys and report its size
    Synth(cmd::flow::FlowArgs),
    /// Generate, verify, synthesize, place and route a core, pack the bitstream, and report size and Fmax
    Flow(cmd::flow::FlowArgs),
    /// Run a grid of cores × targets through the flow: tables, plots, cache, or Make/Slurm scripts
    Sweep(cmd::sweep::SweepArgs),
    /// Work with flow reports
    Report {
        #[command(subcommand)]
        what: ReportCommand,
    },
    /// Measure the Rust simulator against Verilator (results per second)
    Bench(cmd::bench::BenchArgs),
    /// List the external tools found, their versions, and how to install the rest
    Tools,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Join report.json files of flow runs into one sweep's tables and plots
    Merge(cmd::sweep::MergeArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    let result = match &cli.command {
        Command::Gen(a) => cmd::gen_core::run(a),
        Command::Sim(a) => cmd::sim::run(a),
        Command::Cosim(a) => cmd::cosim::run(a),
        Command::RunLayer(a) => cmd::layer::run(a),
        Command::Synth(a) => cmd::flow::run(a, false),
        Command::Flow(a) => cmd::flow::run(a, true),
        Command::Sweep(a) => cmd::sweep::run(a),
        Command::Report {
            what: ReportCommand::Merge(a),
        } => cmd::sweep::merge(a),
        Command::Bench(a) => cmd::bench::run(a),
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
        e.exit();
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
