//! Shared helpers of the integration tests: finding external tools, running
//! them, and the IR designs the tests render.

#![allow(dead_code)]

pub mod designs;

use std::path::Path;
use std::process::Command;

use lutforge_tools::{Tool, for_test};

/// True when `tool` is on PATH; otherwise the one discovery module prints a
/// loud skip notice with the install command (or fails the test under
/// `LUTFORGE_REQUIRE_TOOLS=1`).
pub fn have_tool(tool: Tool) -> bool {
    for_test(tool, "lutforge-gen tool test").is_some()
}

/// Runs `program` with `args` in `dir`; returns whether it succeeded and
/// its stdout and stderr together.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}
