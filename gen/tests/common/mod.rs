//! Shared helpers of the integration tests: finding external tools, running
//! them, and the IR designs the tests render.

#![allow(dead_code)]

pub mod designs;

use std::path::Path;
use std::time::Duration;

use lutforge_tools::process::output;
use lutforge_tools::{Tool, find, for_test};

/// Longest any one tool run in these tests may take.
const LIMIT: Duration = Duration::from_secs(300);

/// True when `tool` is on PATH; otherwise the one discovery module prints a
/// loud skip notice with the install command (or fails the test under
/// `LUTFORGE_REQUIRE_TOOLS=1`).
pub fn have_tool(tool: Tool) -> bool {
    for_test(tool, "lutforge-gen tool test").is_some()
}

/// Runs `tool` with `args` in `dir` within a time limit; returns whether it
/// succeeded and its stdout and stderr together.
pub fn run(dir: &Path, tool: Tool, args: &[&str]) -> (bool, String) {
    let found = find(tool).unwrap_or_else(|e| panic!("{e}"));
    let out = output(&found, args, dir, LIMIT, "a lutforge-gen tool test")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Writes `m` as NAME.v under `header` in a fresh folder (also into
/// LUTFORGE_KEEP_DIR when that names a folder); returns the folder and file name.
pub fn written(
    m: &lutforge_hdl::ir::Module,
    header: &lutforge_gen::Header,
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = format!("{}.v", m.name);
    let text = lutforge_gen::render_verilog(m, header).expect("renders");
    std::fs::write(dir.path().join(&file), &text).expect("writes");
    if let Ok(keep) = std::env::var("LUTFORGE_KEEP_DIR") {
        std::fs::create_dir_all(&keep).expect("keep dir");
        std::fs::write(Path::new(&keep).join(&file), &text).expect("keeps");
    }
    (dir, file)
}

/// Asserts `verilator --lint-only -Wall` prints nothing for every design.
pub fn assert_lint_silent(designs: &[lutforge_hdl::ir::Module], header: &lutforge_gen::Header) {
    if !have_tool(Tool::Verilator) {
        return;
    }
    for m in designs {
        let (dir, file) = written(m, header);
        let (ok, out) = run(
            dir.path(),
            Tool::Verilator,
            &["--lint-only", "-Wall", "--top-module", &m.name, &file],
        );
        assert!(
            ok && out.trim().is_empty(),
            "verilator on {}:\n{out}",
            m.name
        );
    }
}

/// Asserts `iverilog -g2005 -Wall` compiles every design with no message.
pub fn assert_icarus_compiles(designs: &[lutforge_hdl::ir::Module], header: &lutforge_gen::Header) {
    if !have_tool(Tool::Iverilog) {
        return;
    }
    for m in designs {
        let (dir, file) = written(m, header);
        let (ok, out) = run(
            dir.path(),
            Tool::Iverilog,
            &["-g2005", "-Wall", "-s", &m.name, "-o", "sim.vvp", &file],
        );
        assert!(
            ok && out.trim().is_empty(),
            "iverilog on {}:\n{out}",
            m.name
        );
    }
}
