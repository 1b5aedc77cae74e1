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
