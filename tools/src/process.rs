//! Running an external tool with a time limit, and turning its failure into
//! one clear line.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::discovery::FoundTool;

/// Why a tool run did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// The program could not be started.
    #[error("could not start {tool} ({path}): {message}")]
    Spawn {
        /// Tool name.
        tool: String,
        /// Program path.
        path: String,
        /// OS error.
        message: String,
    },
    /// The program ran past its time limit and was killed.
    #[error(
        "{tool} did not finish within {seconds} s and was stopped ({what}); raise the limit or shrink the design"
    )]
    TimedOut {
        /// Tool name.
        tool: String,
        /// What it was doing.
        what: String,
        /// The limit.
        seconds: u64,
    },
    /// The program exited with an error.
    #[error("{tool} failed ({what}), exit code {code}: {excerpt}")]
    Failed {
        /// Tool name.
        tool: String,
        /// What it was doing.
        what: String,
        /// Exit code (-1 when killed by a signal).
        code: i32,
        /// The first error lines it printed.
        excerpt: String,
    },
}

/// Runs `tool` with `args` in `dir`, waiting at most `limit`; a non-zero exit is an error.
pub fn run(
    tool: &FoundTool,
    args: &[&str],
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    check(
        output(tool, args, dir, limit, what)?,
        tool.tool.name(),
        what,
    )
}

/// Runs `tool` with `args` in `dir`, waiting at most `limit`, and returns
/// what it printed and its exit status, whether it succeeded or not.
pub fn output(
    tool: &FoundTool,
    args: &[&str],
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    let mut cmd = Command::new(&tool.path);
    cmd.args(args);
    command_output(cmd, tool.tool.name(), dir, limit, what)
}

/// Runs a prepared command in `dir`, waiting at most `limit`; a non-zero exit is an error.
pub fn run_command(
    cmd: Command,
    name: &str,
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    check(command_output(cmd, name, dir, limit, what)?, name, what)
}

/// Runs a prepared command in `dir`, waiting at most `limit`, and returns
/// what it printed and its exit status, whether it succeeded or not.
///
/// The command runs in a process group of its own; when it passes its time
/// limit the whole group is killed, so programs it started (a `make` and
/// its compilers, say) stop with it, and so is anything it leaves running
/// in the background when it exits.
pub fn command_output(
    mut cmd: Command,
    name: &str,
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    cmd.current_dir(dir)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| ToolError::Spawn {
        tool: name.into(),
        path: format!("{:?}", cmd.get_program()),
        message: e.to_string(),
    })?;
    // Drain both pipes on threads so a chatty tool never blocks on a full pipe.
    let out_thread = drain(child.stdout.take());
    let err_thread = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                // Whatever it left running would hold the pipes open and outlive the limit.
                kill_group(&mut child);
                break status;
            }
            Ok(None) if start.elapsed() > limit => {
                kill_group(&mut child);
                let _ = child.wait();
                return Err(ToolError::TimedOut {
                    tool: name.into(),
                    what: what.into(),
                    seconds: limit.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill_group(&mut child);
                let _ = child.wait();
                return Err(ToolError::Spawn {
                    tool: name.into(),
                    path: format!("{:?}", cmd.get_program()),
                    message: e.to_string(),
                });
            }
        }
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// `output` when its program succeeded, else the error its non-zero exit means.
pub fn check(output: Output, name: &str, what: &str) -> Result<Output, ToolError> {
    if !output.status.success() {
        return Err(ToolError::Failed {
            tool: name.into(),
            what: what.into(),
            code: output.status.code().unwrap_or(-1),
            excerpt: excerpt(&output),
        });
    }
    Ok(output)
}

/// Reads `pipe` to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Kills every process left in `child`'s process group (the child leads
/// one of its own); the child alone when the group cannot be signalled.
fn kill_group(child: &mut Child) {
    let Ok(pgid) = libc::pid_t::try_from(child.id()) else {
        let _ = child.kill();
        return;
    };
    // SAFETY: killpg only sends a signal; the group is the child's own, made at spawn.
    if unsafe { libc::killpg(pgid, libc::SIGKILL) } != 0 {
        let _ = child.kill();
    }
}

/// The most telling lines of a failed run: error lines first, else the last lines, joined on one line.
pub fn excerpt(out: &Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.to_ascii_lowercase().contains("error"))
        .take(3)
        .collect();
    let chosen = if errors.is_empty() {
        lines[lines.len().saturating_sub(3)..].to_vec()
    } else {
        errors
    };
    let joined = chosen.join(" | ");
    if joined.len() > 400 {
        format!("{}…", &joined[..joined.floor_char_boundary(400)])
    } else {
        joined
    }
}
