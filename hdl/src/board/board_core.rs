//! `NAME_board`: the board's logic between its serial pins and one linear
//! engine: UART receiver and transmitter, the command processor of the
//! host protocol (docs/spec/host-protocol.md) and the engine `NAME`.
//!
//! Ports: `clk`, `rst` (synchronous, active high), `uart_rx` (the serial
//! line in, idle 1), `uart_tx` (out, idle 1), `led_idle`, `led_busy`,
//! `led_error`. The board top around it (PLL, reset synchronizer, pins)
//! is another generator's.

use std::sync::Arc;

use serde::Serialize;

use crate::datapath::CoreError;
use crate::datapath::core::Registry;
use crate::datapath::linear::{self, GeneratedLinear};
use crate::ir::{BuildError, Module, ModuleBuilder, Ty};

use super::cmdproc::{self, Parts, Pins};
use super::net::Net;
use super::params::{BoardCoreParams, BoardInfo, Sizes};
use super::uart::{uart_rx_module, uart_tx_module};

/// A generated board core: its module (with the UART halves and the engine as instances), the engine and the HELLO record.
#[derive(Debug, Clone)]
pub struct GeneratedBoard {
    /// The `NAME_board` module.
    pub module: Module,
    /// The engine it carries.
    pub engine: GeneratedLinear,
    /// What it answers HELLO with.
    pub info: BoardInfo,
    /// The buffer sizes it was built with.
    pub sizes: Sizes,
}

/// The facts a board's metadata states.
#[derive(Debug, Clone, Serialize)]
pub struct BoardFacts {
    /// The HELLO record.
    pub hello: BoardInfo,
    /// Clocks of quiet line that drop a partial frame.
    pub quiet_clocks: u64,
    /// Board clocks per UART bit.
    pub clocks_per_bit: u32,
}

impl GeneratedBoard {
    /// Every module to emit, children first, the board module last.
    pub fn modules(&self) -> Result<Vec<&Module>, BuildError> {
        self.module.hierarchy()
    }

    /// The HELLO payload's 40 bytes.
    pub fn hello(&self) -> Vec<u8> {
        self.info.encode()
    }
}

/// The module name of the board core for base name `name`.
pub fn board_module_name(name: &str) -> String {
    format!("{name}_board")
}

/// Generates the board core for `p` with no metadata hash in its HELLO record (0).
pub fn generate(p: &BoardCoreParams, registry: &Registry) -> Result<GeneratedBoard, CoreError> {
    generate_hashed(p, registry, 0)
}

/// Generates the board core for `p`; HELLO states `metadata_hash`, the
/// FNV-1a of the engine's NAME.json as written (host-protocol.md, HELLO).
pub fn generate_hashed(
    p: &BoardCoreParams,
    registry: &Registry,
    metadata_hash: u32,
) -> Result<GeneratedBoard, CoreError> {
    p.validate()?;
    let engine = linear::generate(&p.engine(), registry)?;
    let sizes = Sizes::of(p, &engine)?;
    let info = BoardInfo::of(&engine, &sizes, metadata_hash);
    let uart = format!("{}_uart", p.name);
    let parts = Parts {
        rx: Arc::new(uart_rx_module(&uart, p.clocks_per_bit)?),
        tx: Arc::new(uart_tx_module(&uart, p.clocks_per_bit)?),
        engine: Arc::new(engine.module.clone()),
    };
    let module = build(&board_module_name(&p.name), &sizes, &parts, &info.encode())?;
    Ok(GeneratedBoard {
        module,
        engine,
        info,
        sizes,
    })
}

fn build(name: &str, s: &Sizes, parts: &Parts, hello: &[u8]) -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    b.clock()?;
    let rst = b.input("rst", Ty::BIT)?;
    let uart_rx = b.input("uart_rx", Ty::BIT)?;
    let out = {
        let mut n = Net::new(&mut b, rst);
        let out = cmdproc::build(&mut n, s, parts, &Pins { uart_rx }, hello)?;
        n.finish()?;
        out
    };
    b.output("uart_tx", out.uart_tx)?;
    b.output("led_idle", out.led_idle)?;
    b.output("led_busy", out.led_busy)?;
    b.output("led_error", out.led_error)?;
    b.order_ports(&[
        "clk",
        "rst",
        "uart_rx",
        "uart_tx",
        "led_idle",
        "led_busy",
        "led_error",
    ]);
    b.finish()
}
