//! The board top `top.v` (module `top`): the board's clock pin, a PLL when
//! the logic runs faster than the oscillator, a power-on reset (and the
//! board's reset button) synchronised to the logic's clock, the board
//! logic's instance `NAME_board`, and its UART and LEDs on the board's pins;
//! and the FuseSoC `.core` that builds it.
//!
//! The PLL is the vendor primitive (`SB_PLL40_PAD`, `EHXPLLL`) under
//! `ifdef SYNTHESIS` (Yosys defines it); simulators, whose models of those
//! primitives are empty, see the board clock wired straight through, so a
//! simulated cycle is one cycle of the logic's clock.

use lutforge_gen::render_template;
use serde::Serialize;

use super::Board;
use super::pll::{Ecp5Pll, Ice40Pll, ecp5_pll, ice40_pll};
use crate::targets::Family;

/// Cycles of the power-on reset: the logic is held in reset for 2^POR_BITS cycles after configuration (and after the PLL locks).
pub const POR_BITS: u32 = 8;

/// The PLL settings of a raised clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PllSetting {
    /// iCE40 `SB_PLL40_PAD`, SIMPLE feedback.
    Ice40(Ice40Pll),
    /// ECP5 `EHXPLLL`, CLKOP feedback.
    Ecp5(Ecp5Pll),
}

/// The logic's clock: the oscillator's, or a PLL's output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockPlan {
    /// The board's oscillator, MHz.
    pub board_mhz: f64,
    /// The clock the logic runs at, MHz (what the PLL makes, exactly).
    pub logic_mhz: f64,
    /// The PLL, when `logic_mhz` is not the oscillator's.
    pub pll: Option<PllSetting>,
}

impl ClockPlan {
    /// The plan for running `board`'s logic at `mhz` (the oscillator's when
    /// `None`): no PLL at the oscillator's rate, else the closest setting the
    /// PLL's formulas allow, refused when it misses `mhz` by more than 1 %.
    pub fn new(board: &Board, mhz: Option<f64>) -> Result<ClockPlan, String> {
        let board_mhz = board.clock_mhz;
        let want = mhz.unwrap_or(board_mhz);
        if !(want.is_finite() && want > 0.0) {
            return Err(format!(
                "--clock-mhz {want} is invalid: give the logic's clock in MHz, e.g. {board_mhz}"
            ));
        }
        if (want - board_mhz).abs() < 1e-9 {
            return Ok(ClockPlan {
                board_mhz,
                logic_mhz: board_mhz,
                pll: None,
            });
        }
        let family = board.target()?.family;
        let (pll, got, range) = match family {
            Family::Ice40 => {
                let p = ice40_pll(board_mhz, want).filter(|p| (16.0..=275.0).contains(&p.f_out));
                (p.map(PllSetting::Ice40), p.map(|p| p.f_out), "16–275")
            }
            _ => {
                let p = ecp5_pll(board_mhz, want).filter(|p| (3.125..=400.0).contains(&p.f_out));
                (p.map(PllSetting::Ecp5), p.map(|p| p.f_out), "3.125–400")
            }
        };
        match (pll, got) {
            (Some(pll), Some(got)) if (got - want).abs() <= 0.01 * want => Ok(ClockPlan {
                board_mhz,
                logic_mhz: got,
                pll: Some(pll),
            }),
            (_, Some(got)) => Err(format!(
                "--clock-mhz {want}: the nearest the {} PLL makes from {board_mhz} MHz is {got} MHz, more than 1 % off; choose a clock it makes, e.g. {got}",
                board.name
            )),
            _ => Err(format!(
                "--clock-mhz {want}: the {} PLL cannot make it from {board_mhz} MHz (its output spans {range} MHz); choose a clock in that range",
                board.name
            )),
        }
    }

    /// The logic's clock in Hz.
    pub fn logic_hz(&self) -> f64 {
        self.logic_mhz * 1e6
    }
}

/// One port of `top`: a scalar pin, or a vector of pins named `NAME[i]`.
#[derive(Debug, Clone, Serialize, PartialEq)]
struct PortView {
    dir: &'static str,
    name: String,
    /// `[W-1:0] ` for a vector, empty for a scalar.
    range: String,
}

/// An output pin and what drives it.
#[derive(Debug, Clone, Serialize)]
struct DriveView {
    pin: String,
    expr: String,
}

#[derive(Serialize)]
struct TopView<'a> {
    version: &'static str,
    board: &'a str,
    command: &'a str,
    logic: &'a str,
    clock_pin: &'a str,
    board_mhz: f64,
    logic_mhz: f64,
    ice40: Option<Ice40Pll>,
    ecp5: Option<Ecp5PllView>,
    por_bits: u32,
    button: Option<&'a str>,
    rx_pin: &'a str,
    tx_pin: &'a str,
    ports: Vec<PortView>,
    drives: Vec<DriveView>,
    led_signals: Vec<LedSignal>,
}

/// One of the board logic's LED outputs, and whether a pin shows it.
#[derive(Serialize)]
struct LedSignal {
    name: &'static str,
    used: bool,
}

#[derive(Serialize)]
struct Ecp5PllView {
    clki_div: u32,
    clkfb_div: u32,
    clkop_div: u32,
    clkop_cphase: u32,
}

/// The ports of `top` for `board`'s pins, vectors gathered from `NAME[i]` names.
fn ports(board: &Board) -> Vec<PortView> {
    let mut out: Vec<PortView> = Vec::new();
    let inputs = [board.clock.port, board.uart_rx.port];
    let mut add = |dir: &'static str, port: &str| match port.split_once('[') {
        Some((name, rest)) => {
            let i: u32 = rest.trim_end_matches(']').parse().unwrap_or(0);
            let range = format!("[{i}:0] ");
            match out.iter_mut().find(|p| p.name == name) {
                Some(p) => p.range = range,
                None => out.push(PortView {
                    dir,
                    name: name.into(),
                    range,
                }),
            }
        }
        None => out.push(PortView {
            dir,
            name: port.into(),
            range: String::new(),
        }),
    };
    for p in inputs.into_iter().chain(board.reset_button.map(|b| b.port)) {
        add("input", p);
    }
    add("output", board.uart_tx.port);
    for led in board.leds {
        add("output", led.port);
    }
    out
}

/// The board logic's LED signals a board shows, in LED order: idle, busy,
/// error on the first three; a board with two shows idle and error (busy
/// is both dark).
fn shown(board: &Board) -> &'static [&'static str] {
    if board.leds.len() >= 3 {
        &["led_idle", "led_busy", "led_error"]
    } else {
        &["led_idle", "led_error"]
    }
}

/// What lights each LED (see [`shown`]); the LEDs past those stay dark.
fn led_drives(board: &Board) -> Vec<DriveView> {
    let signals = shown(board);
    board
        .leds
        .iter()
        .enumerate()
        .map(|(i, led)| {
            let on = signals.get(i).copied().unwrap_or("1'b0");
            let expr = if board.leds_active_low {
                format!("~{on}")
            } else {
                on.to_string()
            };
            DriveView {
                pin: led.port.to_string(),
                expr,
            }
        })
        .collect()
}

/// `top.v` for `board` at `plan` around the board logic module `logic`
/// (ports `clk`, `rst`, `uart_rx`, `uart_tx`, `led_idle`, `led_busy`,
/// `led_error`); `command` is printed in its header.
pub fn render_top(
    board: &Board,
    plan: &ClockPlan,
    logic: &str,
    command: &str,
) -> Result<String, String> {
    let (ice40, ecp5) = match plan.pll {
        None => (None, None),
        Some(PllSetting::Ice40(p)) => (Some(p), None),
        Some(PllSetting::Ecp5(p)) => (
            None,
            Some(Ecp5PllView {
                clki_div: p.clki_div,
                clkfb_div: p.clkfb_div,
                clkop_div: p.clkop_div,
                clkop_cphase: p.clkop_cphase(),
            }),
        ),
    };
    let view = TopView {
        version: lutforge_gen::LUTFORGE_VERSION,
        board: board.description,
        command,
        logic,
        clock_pin: board.clock.port,
        board_mhz: plan.board_mhz,
        logic_mhz: plan.logic_mhz,
        ice40,
        ecp5,
        por_bits: POR_BITS,
        button: board.reset_button.map(|b| b.port),
        rx_pin: board.uart_rx.port,
        tx_pin: board.uart_tx.port,
        ports: ports(board),
        drives: led_drives(board),
        led_signals: ["led_idle", "led_busy", "led_error"]
            .into_iter()
            .map(|name| LedSignal {
                name,
                used: shown(board).contains(&name),
            })
            .collect(),
    };
    render_template("board_top.v.tera", TOP_TEMPLATE, &view).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct CoreView<'a> {
    version: &'static str,
    name: &'a str,
    board: &'a str,
    description: String,
    files: &'a [String],
    constraint: &'a str,
    constraint_type: &'static str,
    tool: &'static str,
    nextpnr_options: String,
}

/// The FuseSoC CAPI2 `.core` of a board build: the Verilog `files`, the
/// constraint file, and a target named after the board (flow `icestorm` or
/// `trellis`) with toplevel `top`.
pub fn render_core_file(board: &Board, name: &str, files: &[String]) -> Result<String, String> {
    let target = board.target()?;
    let (tool, constraint_type) = match target.family {
        Family::Ice40 => ("icestorm", "PCF"),
        _ => ("trellis", "LPF"),
    };
    let view = CoreView {
        version: lutforge_gen::LUTFORGE_VERSION,
        name,
        board: board.name,
        description: serde_json::to_string(board.description).map_err(|e| e.to_string())?,
        files,
        constraint: board.constraint_file,
        constraint_type,
        tool,
        nextpnr_options: target.pnr_args.join(", "),
    };
    render_template("board.core.tera", CORE_TEMPLATE, &view).map_err(|e| e.to_string())
}

const TOP_TEMPLATE: &str = include_str!("../../templates/board_top.v.tera");
const CORE_TEMPLATE: &str = include_str!("../../templates/board.core.tera");

#[cfg(test)]
mod tests {
    use super::super::{ICEBREAKER, ULX3S_25F};
    use super::*;

    #[test]
    fn clock_plans_follow_the_pll_formulas() {
        let p = ClockPlan::new(&ICEBREAKER, None).unwrap();
        assert_eq!((p.logic_mhz, p.pll), (12.0, None));
        let p = ClockPlan::new(&ICEBREAKER, Some(48.0)).unwrap();
        assert!(matches!(p.pll, Some(PllSetting::Ice40(q)) if q.divf == 63));
        let p = ClockPlan::new(&ULX3S_25F, Some(75.0)).unwrap();
        assert!(matches!(p.pll, Some(PllSetting::Ecp5(q)) if q.clkfb_div == 3));
        let e = ClockPlan::new(&ICEBREAKER, Some(5.0)).unwrap_err();
        assert!(e.contains("cannot make it"), "{e}");
    }

    #[test]
    fn tops_name_the_board_pins() {
        let plan = ClockPlan::new(&ICEBREAKER, Some(48.0)).unwrap();
        let v = render_top(&ICEBREAKER, &plan, "x_board", "cmd").unwrap();
        assert!(
            v.contains("input wire CLK,") && v.contains("output wire TX"),
            "{v}"
        );
        assert!(
            v.contains(".DIVF(7'd63)") && v.contains("`ifdef SYNTHESIS"),
            "{v}"
        );
        assert!(v.contains("assign LEDG_N = ~led_idle;"), "{v}");
        let plan = ClockPlan::new(&ULX3S_25F, None).unwrap();
        let v = render_top(&ULX3S_25F, &plan, "x_board", "cmd").unwrap();
        assert!(v.contains("output wire [7:0] led"), "{v}");
        assert!(!v.contains("EHXPLLL"), "{v}");
        assert!(v.contains("assign led[2] = led_error;"), "{v}");
    }
}
