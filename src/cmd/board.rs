//! `lutforge board`: a layer engine behind a host link on a real board:
//! the board top `top.v` (clock, PLL, reset, the board logic `NAME_board`
//! with its UART and command processor, LEDs), the board logic's Verilog,
//! the constraint file, a FuseSoC `.core` and `board.json` (what
//! `lutforge host --sim` reads), then the flow to the bitstream.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use lutforge_fpga::boards::Board;
use lutforge_fpga::boards::build::{BoardBuildRequest, build_board};
use lutforge_fpga::boards::constraints::constraint_file;
use lutforge_fpga::boards::top::{ClockPlan, render_core_file, render_top};
use lutforge_gen::{Header, render_verilog, write_atomic};
use lutforge_hdl::board::{BoardCoreParams, generate_hashed};
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::linear::{LinearParams, WeightMemory};
use lutforge_hdl::ir::Module;
use serde::{Deserialize, Serialize};

use crate::cmd::linear::{LinearArgs, command_line};
use crate::params::CoreFlags;

/// Arguments of `lutforge board` (the inner core's flags come from the registry).
#[derive(Debug, Args)]
pub struct BoardArgs {
    /// The board: icebreaker, ulx3s-25f or ulx3s-85f
    #[arg(long, value_name = "BOARD")]
    pub board: String,
    #[command(flatten)]
    pub linear: LinearArgs,
    /// UART rate, bits per second (8N1); the logic's clock must make it within 2 %
    #[arg(long, default_value_t = 1_000_000)]
    pub baud: u32,
    /// The logic's clock, MHz: the board's oscillator (12 or 25), or a PLL's output (e.g. 48 on iCEBreaker, 75 on ULX3S for 3 Mbaud)
    #[arg(long, value_name = "MHZ")]
    pub clock_mhz: Option<f64>,
    /// Output folder (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write the files only; do not run synthesis, place and route and packing
    #[arg(long)]
    pub no_build: bool,
}

/// What `board.json` records of a board build, for `lutforge host --sim`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BoardRecord {
    /// The board's name.
    pub board: String,
    /// The board logic's module.
    pub logic: String,
    /// The logic's clock, MHz.
    pub clock_mhz: f64,
    /// UART rate, bits per second.
    pub baud: u32,
    /// Clocks a UART bit at `clock_mhz`.
    pub clocks_per_bit: u32,
    /// The Verilog files, `top.v` first.
    pub files: Vec<String>,
    /// The engine's parameters.
    pub engine: serde_json::Value,
    /// The command that made the folder.
    pub command: String,
}

impl BoardRecord {
    /// Reads `DIR/board.json`.
    pub fn read(dir: &Path) -> Result<BoardRecord> {
        let path = dir.join("board.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "`{}` is not a board folder (no readable board.json); make one with `lutforge board --board … --out {}`",
                dir.display(),
                dir.display()
            )
        })?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a board record", path.display()))
    }
}

/// The board logic a board top instantiates, for the engine `p`.
pub type LogicFn<'a> = dyn Fn(&LinearParams, u32, f64, &Registry) -> Result<Module> + 'a;

/// Refuses a layer whose weights do not fit the board's memory, naming which and by how much.
fn check_memory(board: &Board, p: &LinearParams, registry: &Registry) -> Result<()> {
    let g = lutforge_hdl::datapath::linear::generate(p, registry)?;
    let f = &g.facts;
    let bits = f.weight_words * u64::from(f.weight_word_bits);
    match p.weight_memory {
        WeightMemory::Spram if board.spram_blocks == 0 => bail!(
            "--weight-memory spram: the {} has no SPRAM; use --weight-memory bram",
            board.name
        ),
        WeightMemory::Spram if f.spram_blocks > board.spram_blocks => bail!(
            "the layer's weights need {} SPRAM blocks, the {} has {} ({} too many); shrink the layer",
            f.spram_blocks,
            board.name,
            board.spram_blocks,
            f.spram_blocks - board.spram_blocks
        ),
        WeightMemory::Bram if bits > board.block_ram_bits => bail!(
            "the layer's weights are {bits} bits, the {}'s block RAM holds {} ({} bits too many); shrink the layer{}",
            board.name,
            board.block_ram_bits,
            bits - board.block_ram_bits,
            if board.spram_blocks > 0 {
                " or keep them in --weight-memory spram"
            } else {
                ""
            }
        ),
        _ => Ok(()),
    }
}

/// The command line that remakes the folder.
fn board_command(a: &BoardArgs, p: &LinearParams, plan: &ClockPlan) -> String {
    let engine = command_line(p).replacen("lutforge gen linear", "", 1);
    format!(
        "lutforge board --board {}{engine} --baud {} --clock-mhz {}",
        a.board, a.baud, plan.logic_mhz
    )
}

/// Renders every file of the board folder, checks the input, and writes them (nothing is written on bad input).
pub fn write_board(
    a: &BoardArgs,
    p: &LinearParams,
    registry: &Registry,
    logic: &LogicFn,
) -> Result<(Board, ClockPlan, BoardRecord)> {
    let board = Board::by_name(&a.board).map_err(anyhow::Error::msg)?;
    let plan = ClockPlan::new(&board, a.clock_mhz).map_err(anyhow::Error::msg)?;
    let cpb = Board::clocks_per_bit(plan.logic_mhz, a.baud).map_err(anyhow::Error::msg)?;
    check_memory(&board, p, registry)?;
    let module = logic(p, cpb, plan.logic_hz(), registry)?;
    let command = board_command(a, p, &plan);
    let logic_file = format!("{}.v", module.name);
    let files = vec!["top.v".to_string(), logic_file.clone()];
    let header = Header {
        command: command.clone(),
        params: Vec::new(),
    };
    let record = BoardRecord {
        board: board.name.into(),
        logic: module.name.clone(),
        clock_mhz: plan.logic_mhz,
        baud: a.baud,
        clocks_per_bit: cpb,
        files: files.clone(),
        engine: serde_json::to_value(p)?,
        command: command.clone(),
    };
    let rendered = [
        (
            "top.v".to_string(),
            render_top(&board, &plan, &module.name, &command).map_err(anyhow::Error::msg)?,
        ),
        (logic_file, render_verilog(&module, &header)?),
        (board.constraint_file.to_string(), constraint_file(&board)),
        (
            format!("{}.core", module.name),
            render_core_file(&board, &module.name, &files).map_err(anyhow::Error::msg)?,
        ),
        (
            "board.json".to_string(),
            serde_json::to_string_pretty(&record)? + "\n",
        ),
    ];
    if a.out.exists() && !a.out.is_dir() {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            a.out.display()
        );
    }
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    for (name, text) in &rendered {
        write_atomic(&a.out, name, text)?;
    }
    Ok((board, plan, record))
}

/// `lutforge board`.
pub fn run(a: &BoardArgs, registry: &Registry, flags: &CoreFlags, logic: &LogicFn) -> Result<()> {
    let p = a.linear.params(registry, flags)?;
    let (board, plan, record) = write_board(a, &p, registry, logic)?;
    println!(
        "{}: layer {} × {} behind a {} baud UART ({} clocks a bit), logic at {} MHz{}",
        board.description,
        p.out_features,
        p.in_features,
        a.baud,
        record.clocks_per_bit,
        plan.logic_mhz,
        if plan.pll.is_some() {
            " from the PLL"
        } else {
            ""
        }
    );
    for f in record.files.iter().chain([
        &board.constraint_file.to_string(),
        &format!("{}.core", record.logic),
        &"board.json".to_string(),
    ]) {
        println!("wrote {}", a.out.join(f).display());
    }
    if a.no_build {
        println!(
            "not built (--no-build); `lutforge host --sim {}` runs it in Verilator",
            a.out.display()
        );
        return Ok(());
    }
    let req = BoardBuildRequest {
        board,
        clock_mhz: plan.logic_mhz,
        dir: a.out.clone(),
        files: record.files.clone(),
        step_limit: Duration::from_secs(3600),
    };
    let started = std::time::Instant::now();
    let built = build_board(&req, &mut |step| {
        println!("[{:>6.1} s] {step} …", started.elapsed().as_secs_f64());
    })
    .map_err(anyhow::Error::msg)?;
    println!(
        "timing met: {:.2} MHz achieved at a {} MHz clock",
        built.fmax_mhz, plan.logic_mhz
    );
    for (k, (used, avail)) in &built.utilization {
        if *used > 0 {
            println!("  {k}: {used} / {avail}");
        }
    }
    std::fs::write(
        a.out.join("build").join("build.json"),
        serde_json::to_string_pretty(&built)? + "\n",
    )
    .context("writing build/build.json")?;
    let bit = built.bitstream.display().to_string();
    println!("wrote {bit}");
    println!(
        "program the board: {}",
        board.program.replace("{bitstream}", &bit)
    );
    println!(
        "then: lutforge host --port {} --baud {} --weights W.safetensors …",
        board.serial_port, a.baud
    );
    Ok(())
}

/// The board logic of the engine `p` (`NAME_board`: its UART at
/// `clocks_per_bit`, the command processor and the engine), its HELLO
/// stating the hash of the engine's NAME.json as `gen linear` writes it.
pub fn board_logic(
    p: &LinearParams,
    clocks_per_bit: u32,
    clock_hz: f64,
    registry: &Registry,
) -> Result<Module> {
    let engine = lutforge_hdl::datapath::linear::generate(p, registry)?;
    let json = lutforge_gen::render_metadata(&crate::cmd::linear::metadata(p, &engine))?;
    let params = BoardCoreParams {
        name: p.name.clone(),
        linear: p.clone(),
        clocks_per_bit,
        clock_hz: clock_hz.round() as u64,
    };
    let hash = lutforge_host::metadata_hash(json.as_bytes());
    Ok(generate_hashed(&params, registry, hash)?.module)
}
