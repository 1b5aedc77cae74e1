//! A tool that passes its time limit is stopped together with every program
//! it started, and a tool that exits leaves nothing running behind it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use lutforge_tools::process::{ToolError, command_output, run_command};

/// A `sh -c` command running `script`.
fn sh(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script]);
    cmd
}

/// The PID the script wrote to `child.pid` in `dir`.
fn child_pid(dir: &Path) -> u32 {
    let text =
        std::fs::read_to_string(dir.join("child.pid")).expect("the script wrote its child's PID");
    text.trim().parse().expect("a PID")
}

/// True while `pid` is a live process (a zombie waiting to be reaped counts as gone).
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name: `PID (comm) S …`.
    let state = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X"))
}

/// Waits up to two seconds for `pid` to go.
fn gone(pid: u32) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_timed_out_tool_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let r = command_output(
        sh("sleep 30 & echo $! > child.pid; sleep 30"),
        "sh",
        dir.path(),
        Duration::from_secs(1),
        "sleeping",
    );
    assert!(
        matches!(r, Err(ToolError::TimedOut { seconds: 1, .. })),
        "timed out: {r:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
    let pid = child_pid(dir.path());
    assert!(gone(pid), "the background child {pid} was killed too");
}

#[test]
fn a_finished_tool_leaves_nothing_running() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = run_command(
        sh("sleep 30 & echo $! > child.pid; echo done"),
        "sh",
        dir.path(),
        Duration::from_secs(60),
        "starting a sleeper",
    )
    .expect("the script succeeds");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "done");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the background child's open pipe did not hold the run up"
    );
    let pid = child_pid(dir.path());
    assert!(gone(pid), "the background child {pid} was killed");
}

#[test]
fn a_failing_tool_is_an_error_or_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo 'ERROR: no such cell' >&2; exit 3";
    let r = run_command(
        sh(script),
        "sh",
        dir.path(),
        Duration::from_secs(20),
        "failing",
    );
    match r {
        Err(ToolError::Failed { code, excerpt, .. }) => {
            assert_eq!(code, 3);
            assert_eq!(excerpt, "ERROR: no such cell");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let out = command_output(
        sh(script),
        "sh",
        dir.path(),
        Duration::from_secs(20),
        "failing",
    )
    .expect("the script ran");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such cell"));
}
