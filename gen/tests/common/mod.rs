//! Shared helpers of the integration tests: finding external tools, running
//! them, and the IR designs the tests render.

#![allow(dead_code)]

pub mod designs;

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// True when `tool` is on PATH. Otherwise prints a loud SKIPPED line (past
/// the test harness's capture) and returns false, or panics when
/// `LUTFORGE_REQUIRE_TOOLS=1`.
pub fn have_tool(tool: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    if found {
        return true;
    }
    let message =
        format!("SKIPPED: {tool} not found on PATH; install with: apt-get install {package}");
    if std::env::var("LUTFORGE_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{message} (LUTFORGE_REQUIRE_TOOLS=1 requires it)");
    }
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
    false
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
