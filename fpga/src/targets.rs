//! The FPGA targets lutforge characterises cores on, with the tools that
//! serve each and the resources each device has.

use lutforge_tools::Tool;

/// Device family: decides the synthesis command and the tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Lattice iCE40 (Yosys `synth_ice40`, nextpnr-ice40, icepack).
    Ice40,
    /// Lattice ECP5 (Yosys `synth_ecp5`, nextpnr-ecp5, ecppack).
    Ecp5,
    /// Xilinx 7-series, synthesis only (Yosys `synth_xilinx`).
    Xc7,
}

impl Family {
    /// True when the fabric has distributed (LUT) RAM: ECP5 and 7-series
    /// do; iCE40 does not, so its memories become flip-flops.
    pub fn has_lutram(self) -> bool {
        matches!(self, Family::Ecp5 | Family::Xc7)
    }
}

/// A device a core can be measured on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Name on the command line.
    pub name: &'static str,
    /// Family.
    pub family: Family,
    /// Device and package, for people.
    pub device: &'static str,
    /// Arguments that select the device in nextpnr.
    pub pnr_args: &'static [&'static str],
    /// Clock constraint used when none is given, MHz.
    pub default_freq_mhz: f64,
    /// Resources the device has, by the cell type Yosys maps to (for the fit check).
    pub capacity: &'static [(&'static str, u64)],
}

/// Every target, in the order `--help` lists them.
pub const TARGETS: [Target; 5] = [
    Target {
        name: "ice40-up5k",
        family: Family::Ice40,
        device: "iCE40UP5K SG48",
        pnr_args: &["--up5k", "--package", "sg48"],
        default_freq_mhz: 48.0,
        capacity: &[
            ("SB_LUT4", 5280),
            ("SB_DFF*", 5280),
            ("SB_MAC16", 8),
            ("SB_RAM40_4K", 30),
        ],
    },
    Target {
        name: "ice40-hx8k",
        family: Family::Ice40,
        device: "iCE40HX8K CT256",
        pnr_args: &["--hx8k", "--package", "ct256"],
        default_freq_mhz: 48.0,
        capacity: &[
            ("SB_LUT4", 7680),
            ("SB_DFF*", 7680),
            ("SB_MAC16", 0),
            ("SB_RAM40_4K", 32),
        ],
    },
    Target {
        name: "ecp5-25k",
        family: Family::Ecp5,
        device: "LFE5U-25F CABGA381",
        pnr_args: &["--25k", "--package", "CABGA381"],
        default_freq_mhz: 100.0,
        capacity: &[
            ("LUT4", 24288),
            ("TRELLIS_FF", 24288),
            ("MULT18X18D", 28),
            ("DP16KD", 56),
            // 194 kbit of distributed RAM in 16×4 blocks.
            ("TRELLIS_DPR16X4", 3036),
        ],
    },
    Target {
        name: "ecp5-85k",
        family: Family::Ecp5,
        device: "LFE5U-85F CABGA381",
        pnr_args: &["--85k", "--package", "CABGA381"],
        default_freq_mhz: 100.0,
        capacity: &[
            ("LUT4", 83640),
            ("TRELLIS_FF", 83640),
            ("MULT18X18D", 156),
            ("DP16KD", 208),
            // 669 kbit of distributed RAM in 16×4 blocks.
            ("TRELLIS_DPR16X4", 10455),
        ],
    },
    Target {
        name: "xc7-synth",
        family: Family::Xc7,
        device: "Xilinx 7-series (synthesis only, no device)",
        pnr_args: &[],
        default_freq_mhz: 100.0,
        capacity: &[],
    },
];

impl Target {
    /// The target called `name`, or an error listing the known ones.
    pub fn by_name(name: &str) -> Result<Target, String> {
        TARGETS
            .iter()
            .find(|t| t.name == name)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                format!("unknown target `{name}`; use one of {}", names.join(", "))
            })
    }

    /// The Yosys synthesis command.
    pub fn synth_command(&self) -> &'static str {
        match self.family {
            Family::Ice40 => "synth_ice40",
            Family::Ecp5 => "synth_ecp5",
            Family::Xc7 => "synth_xilinx -family xc7 -flatten",
        }
    }

    /// Place-and-route and bitstream tools, when the target has them.
    pub fn pnr_tools(&self) -> Option<(Tool, Tool)> {
        match self.family {
            Family::Ice40 => Some((Tool::NextpnrIce40, Tool::Icepack)),
            Family::Ecp5 => Some((Tool::NextpnrEcp5, Tool::Ecppack)),
            Family::Xc7 => None,
        }
    }

    /// Every tool a full flow on this target needs.
    pub fn tools(&self) -> Vec<Tool> {
        let mut v = vec![Tool::Yosys];
        if let Some((pnr, pack)) = self.pnr_tools() {
            v.push(pnr);
            v.push(pack);
        }
        v
    }
}
