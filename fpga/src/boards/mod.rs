//! The boards lutforge builds for, with their real pin names, clocks and
//! links (docs/spec/boards.md), the PLL settings that raise their clocks,
//! and their constraint files.

pub mod build;
pub mod constraints;
pub mod pll;
pub mod sim;
pub mod top;

use crate::targets::Target;

/// A board pin of the top: its top-level port name, its site and whether it is active low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// Port name in `top.v`.
    pub port: &'static str,
    /// Package site (iCE40 pin number, ECP5 ball).
    pub site: &'static str,
}

/// What the board is for the flow: its device, clock, UART and LEDs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Board {
    /// The name `--board` takes.
    pub name: &'static str,
    /// One line: what the board is.
    pub description: &'static str,
    /// The FPGA, as a flow target.
    pub target: &'static str,
    /// The oscillator, MHz.
    pub clock_mhz: f64,
    /// The oscillator's pin.
    pub clock: Pin,
    /// The FPGA's UART input (the USB bridge's TX).
    pub uart_rx: Pin,
    /// The FPGA's UART output (the USB bridge's RX).
    pub uart_tx: Pin,
    /// LEDs, in order: idle, busy, error, then the rest.
    pub leds: &'static [Pin],
    /// True when the LEDs light on a low output.
    pub leds_active_low: bool,
    /// The user button that resets the board's logic, active low, if the board has a lone one.
    pub reset_button: Option<Pin>,
    /// The serial device the board's UART usually appears as on Linux.
    pub serial_port: &'static str,
    /// How to program a built bitstream (`{bitstream}` is replaced by its path).
    pub program: &'static str,
    /// The constraint file's name.
    pub constraint_file: &'static str,
    /// Block RAM bits of the FPGA (iCE40 EBR 4 Kbit each, ECP5 DP16KD 18 Kbit each).
    pub block_ram_bits: u64,
    /// SPRAM blocks of 16 K × 16 (`SB_SPRAM256KA`; the UP5K has 4).
    pub spram_blocks: usize,
}

/// iCEBreaker: iCE40UP5K-SG48, 12 MHz, FT2232H channel B UART.
pub const ICEBREAKER: Board = Board {
    name: "icebreaker",
    description: "iCEBreaker (iCE40UP5K-SG48, 12 MHz, UART on the FT2232H's channel B)",
    target: "ice40-up5k",
    clock_mhz: 12.0,
    clock: Pin {
        port: "CLK",
        site: "35",
    },
    uart_rx: Pin {
        port: "RX",
        site: "6",
    },
    uart_tx: Pin {
        port: "TX",
        site: "9",
    },
    leds: &[
        Pin {
            port: "LEDG_N",
            site: "37",
        },
        Pin {
            port: "LEDR_N",
            site: "11",
        },
    ],
    leds_active_low: true,
    reset_button: Some(Pin {
        port: "BTN_N",
        site: "10",
    }),
    serial_port: "/dev/ttyUSB1",
    program: "iceprog {bitstream}",
    constraint_file: "icebreaker.pcf",
    block_ram_bits: 30 * 4096,
    spram_blocks: 4,
};

const ULX3S_LEDS: &[Pin] = &[
    Pin {
        port: "led[0]",
        site: "B2",
    },
    Pin {
        port: "led[1]",
        site: "C2",
    },
    Pin {
        port: "led[2]",
        site: "C1",
    },
    Pin {
        port: "led[3]",
        site: "D2",
    },
    Pin {
        port: "led[4]",
        site: "D1",
    },
    Pin {
        port: "led[5]",
        site: "E2",
    },
    Pin {
        port: "led[6]",
        site: "E1",
    },
    Pin {
        port: "led[7]",
        site: "H3",
    },
];

const fn ulx3s(
    name: &'static str,
    description: &'static str,
    target: &'static str,
    dp16kd: u64,
) -> Board {
    Board {
        name,
        description,
        target,
        clock_mhz: 25.0,
        clock: Pin {
            port: "clk_25mhz",
            site: "G2",
        },
        uart_rx: Pin {
            port: "ftdi_txd",
            site: "M1",
        },
        uart_tx: Pin {
            port: "ftdi_rxd",
            site: "L4",
        },
        leds: ULX3S_LEDS,
        leds_active_low: false,
        // Its buttons are the vector `btn[0..6]` of mixed polarity and pull
        // modes; the power-on reset alone resets the logic.
        reset_button: None,
        serial_port: "/dev/ttyUSB0",
        program: "openFPGALoader -b ulx3s {bitstream}",
        constraint_file: "ulx3s.lpf",
        block_ram_bits: dp16kd * 18 * 1024,
        spram_blocks: 0,
    }
}

/// ULX3S with an LFE5U-25F.
pub const ULX3S_25F: Board = ulx3s(
    "ulx3s-25f",
    "ULX3S (ECP5 LFE5U-25F-6BG381C, 25 MHz, FT231X UART)",
    "ecp5-25k",
    56,
);

/// ULX3S with an LFE5U-85F.
pub const ULX3S_85F: Board = ulx3s(
    "ulx3s-85f",
    "ULX3S (ECP5 LFE5U-85F-6BG381C, 25 MHz, FT231X UART)",
    "ecp5-85k",
    208,
);

/// Every board.
pub const BOARDS: [Board; 3] = [ICEBREAKER, ULX3S_25F, ULX3S_85F];

impl Board {
    /// The board named `name`, or an error listing the boards.
    pub fn by_name(name: &str) -> Result<Board, String> {
        BOARDS
            .iter()
            .find(|b| b.name == name)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = BOARDS.iter().map(|b| b.name).collect();
                format!(
                    "unknown board `{name}`; the boards are {}",
                    names.join(", ")
                )
            })
    }

    /// Every pin of the top: clock, UART, LEDs, then the reset button.
    pub fn pins(&self) -> Vec<Pin> {
        [self.clock, self.uart_rx, self.uart_tx]
            .into_iter()
            .chain(self.leds.iter().copied())
            .chain(self.reset_button)
            .collect()
    }

    /// The board's FPGA as a flow target.
    pub fn target(&self) -> Result<Target, String> {
        Target::by_name(self.target)
    }

    /// Clocks per UART bit at `clock_mhz` for `baud`, or an error when the
    /// nearest whole count misses the rate by more than 2 %.
    pub fn clocks_per_bit(clock_mhz: f64, baud: u32) -> Result<u32, String> {
        if baud == 0 {
            return Err("--baud 0 is invalid: give a rate in bits per second, e.g. 1000000".into());
        }
        let exact = clock_mhz * 1e6 / f64::from(baud);
        let n = exact.round();
        if n < 8.0 {
            return Err(format!(
                "--baud {baud} is too fast for a {clock_mhz} MHz clock ({exact:.2} clocks a bit; the receiver needs at least 8 to sample mid-bit); lower the rate or raise the clock with the PLL"
            ));
        }
        let error = (clock_mhz * 1e6 / n - f64::from(baud)).abs() / f64::from(baud);
        if error > 0.02 {
            return Err(format!(
                "--baud {baud} is {:.1} % off at {clock_mhz} MHz ({n} clocks a bit give {:.0} baud); choose a rate within 2 %, e.g. {:.0}",
                error * 100.0,
                clock_mhz * 1e6 / n,
                clock_mhz * 1e6 / n
            ));
        }
        Ok(n as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_and_their_uart_rates() {
        assert_eq!(Board::by_name("icebreaker").unwrap().clock.site, "35");
        assert!(
            Board::by_name("icestick")
                .unwrap_err()
                .contains("ulx3s-85f")
        );
        assert_eq!(Board::clocks_per_bit(12.0, 1_000_000), Ok(12));
        assert_eq!(Board::clocks_per_bit(25.0, 1_000_000), Ok(25));
        assert_eq!(Board::clocks_per_bit(48.0, 3_000_000), Ok(16));
        assert_eq!(Board::clocks_per_bit(75.0, 3_000_000), Ok(25));
        let e = Board::clocks_per_bit(12.0, 3_000_000).unwrap_err();
        assert!(e.contains("too fast"), "{e}");
        let e = Board::clocks_per_bit(12.0, 1_150_000).unwrap_err();
        assert!(e.contains("off at 12 MHz"), "{e}");
        for b in BOARDS {
            assert!(b.target().is_ok(), "{}", b.name);
        }
    }
}
