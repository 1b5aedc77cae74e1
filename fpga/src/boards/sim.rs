//! The simulated board: the board top in Verilator with a C++ harness that
//! models the USB-serial bridge bit by bit on the top's UART pins (start
//! bit, mid-bit sampling, the configured clocks per bit) and carries the
//! bytes to and from the host over its stdin/stdout (the message format is
//! in `fpga/templates/board_sim.cpp.tera`; `lutforge_host::SimTransport`
//! speaks it).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lutforge_gen::render_template;
use lutforge_tools::process::run_command;
use lutforge_tools::{Tool, find};
use serde::Serialize;

use super::Board;

/// The harness for `board`'s top at `clocks_per_bit` (the default of its `--cpb`).
pub fn render_harness(board: &Board, clocks_per_bit: u32) -> Result<String, String> {
    #[derive(Serialize)]
    struct View<'a> {
        version: &'static str,
        board: &'a str,
        clock_pin: &'a str,
        rx_pin: &'a str,
        tx_pin: &'a str,
        idle_expr: String,
        button: Option<&'a str>,
        clocks_per_bit: u32,
    }
    let idle = board.leds[0].port;
    let idle_expr = match idle.split_once('[') {
        Some((name, rest)) => {
            let i: u32 = rest.trim_end_matches(']').parse().unwrap_or(0);
            format!(
                "((top->{name} >> {i}) & 1) == {}",
                u8::from(!board.leds_active_low)
            )
        }
        None => format!("(top->{idle} & 1) == {}", u8::from(!board.leds_active_low)),
    };
    render_template(
        "board_sim.cpp.tera",
        HARNESS,
        &View {
            version: lutforge_gen::LUTFORGE_VERSION,
            board: board.description,
            clock_pin: board.clock.port,
            rx_pin: board.uart_rx.port,
            tx_pin: board.uart_tx.port,
            idle_expr,
            button: board.reset_button.map(|b| b.port),
            clocks_per_bit,
        },
    )
    .map_err(|e| e.to_string())
}

/// Builds the simulated board from the Verilog `files` in `dir` (the
/// harness `harness.cpp` among them is written into `dir/sim`) and returns
/// the program. A build already there is reused when it is newer than every
/// source.
pub fn build_sim(
    dir: &Path,
    board: &Board,
    clocks_per_bit: u32,
    files: &[String],
    limit: Duration,
) -> Result<PathBuf, String> {
    let work = dir.join("sim");
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let harness = render_harness(board, clocks_per_bit)?;
    let cpp = work.join("harness.cpp");
    if std::fs::read_to_string(&cpp).ok().as_deref() != Some(harness.as_str()) {
        std::fs::write(&cpp, &harness)
            .map_err(|e| format!("cannot write {}: {e}", cpp.display()))?;
    }
    let exe = work.join("obj").join("Vtop");
    let sources: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).chain([cpp]).collect();
    if is_newer(&exe, &sources) {
        return Ok(exe);
    }
    let verilator = find(Tool::Verilator).map_err(|e| e.to_string())?;
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .to_string();
    let mut cmd = std::process::Command::new(&verilator.path);
    cmd.args([
        "--cc",
        "--exe",
        "--build",
        "-O2",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--top-module",
        "top",
        "-Mdir",
        "obj",
        "-j",
        &jobs,
        "harness.cpp",
    ])
    .env("OPT_FAST", "-O1")
    .args(files.iter().map(|f| format!("../{f}")));
    run_command(
        cmd,
        "verilator",
        &work,
        limit,
        "building the simulated board",
    )
    .map_err(|e| e.to_string())?;
    if !exe.is_file() {
        return Err(format!("verilator built no {}", exe.display()));
    }
    Ok(exe)
}

/// True when `target` exists and is newer than every one of `sources`.
fn is_newer(target: &Path, sources: &[PathBuf]) -> bool {
    let Ok(t) = target.metadata().and_then(|m| m.modified()) else {
        return false;
    };
    sources
        .iter()
        .all(|s| s.metadata().and_then(|m| m.modified()).is_ok_and(|m| m < t))
}

const HARNESS: &str = include_str!("../../templates/board_sim.cpp.tera");
